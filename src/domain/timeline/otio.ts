// OpenTimelineIO (.otio JSON) parser: a Timeline.1 whose `tracks` Stack holds Track.1
// children (kind Video/Audio) of Clip.1/Clip.2, Gap.1 and Transition.1.
//
// - Record position: global_start_time plus the durations of the items before, gaps
//   included; transitions take no time but overlap the cut by in_offset/out_offset.
// - The timeline rate is global_start_time's rate, else the first clip or gap's; OTIO does
//   not say drop-frame, so a caller rate of the same fps decides how timecodes are shown.
// - A transition belongs to the clip after it (the incoming clip answers; `from` is the
//   clip before it, null after a gap). Before a gap or at the end of a track it belongs to
//   the clip before it, as a fade out with from: null.
// - LinearTimeWarp.1 and FreezeFrame.1 effects give the event a speed.
// Not supported, reported with the JSON path: nested Stacks or Tracks inside a track
// (compound clips; flatten before export), a source_range on a track.

import { fileURLToPath } from "node:url";
import { InputError } from "../errors.js";
import { floorTolerant, rateFromFps, sameRate, withDropFrame, type FrameRate } from "../timecode.js";
import type { Timeline, TimelineEvent, TrackInfo, Transition, TransitionSide } from "./types.js";

type Obj = Record<string, unknown>;

interface RT {
  value: number;
  rate: FrameRate;
}

const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const schemaOf = (x: Obj): string => (typeof x["OTIO_SCHEMA"] === "string" ? x["OTIO_SCHEMA"] : "");
const schemaIs = (x: Obj, name: string): boolean => schemaOf(x).startsWith(name + ".");

/** Parse .otio JSON. `rate`, if given, only decides drop-frame display when its fps matches (and is the fallback rate). */
export function parseOtio(text: string, file: string, rate?: FrameRate): Timeline {
  const fail = (path: string, why: string): InputError => new InputError(`${file}: ${path ? path + ": " : ""}${why}`);
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new InputError(`${file}: empty file, not an OpenTimelineIO timeline`);
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON, so not an OpenTimelineIO file (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObj(root)) throw fail("", "not an OpenTimelineIO timeline (the JSON is not an object)");
  if (schemaOf(root) !== "Timeline.1") {
    const s = root["OTIO_SCHEMA"];
    throw fail("", `OTIO_SCHEMA is ${s === undefined ? "missing" : JSON.stringify(s)}, expected "Timeline.1"`);
  }

  const rt = (x: unknown, path: string): RT => {
    if (!isObj(x)) throw fail(path, "expected a RationalTime {value, rate}");
    const value = x["value"];
    const r = x["rate"];
    if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > 1e13) throw fail(path, `value ${JSON.stringify(value)} is not a usable number`);
    const fr = typeof r === "number" ? rateFromFps(r) : null;
    if (!fr) throw fail(path, `rate ${JSON.stringify(r)} is not a usable frame rate`);
    return { value, rate: fr };
  };
  const range = (x: unknown, path: string): { start: RT; duration: RT } => {
    if (!isObj(x)) throw fail(path, "expected a TimeRange {start_time, duration}");
    const start = rt(x["start_time"], `${path}.start_time`);
    const duration = rt(x["duration"], `${path}.duration`);
    if (duration.value < 0) throw fail(`${path}.duration`, "is negative");
    return { start, duration };
  };

  const stack = root["tracks"];
  if (!isObj(stack) || !schemaIs(stack, "Stack")) throw fail("tracks", "expected a Stack.1 of tracks");
  const trackList = stack["children"];
  if (!Array.isArray(trackList)) throw fail("tracks.children", "expected an array of tracks");

  // The timeline rate: global_start_time's, else the first clip or gap's, else the caller's.
  const gst = root["global_start_time"] == null ? null : rt(root["global_start_time"], "global_start_time");
  let tlRate = gst?.rate ?? firstItemRate(trackList) ?? rate ?? null;
  if (!tlRate) tlRate = { num: 24, den: 1, dropFrame: false, label: "24" };
  if (rate && sameRate(rate, tlRate)) tlRate = withDropFrame(tlRate, rate.dropFrame);

  // RationalTime → (fractional) frames at a rate.
  const at = (t: RT, to: FrameRate): number => (sameRate(t.rate, to) ? t.value : (t.value * to.num * t.rate.den) / (t.rate.num * to.den));
  const frames = (x: number, path: string): number => {
    const f = floorTolerant(x);
    if (!Number.isSafeInteger(f)) throw fail(path, `${x} frames is out of range`);
    return f;
  };

  const start = gst ? at(gst, tlRate) : 0;
  if (start < 0) throw fail("global_start_time", "is negative");
  const tracks: TrackInfo[] = [];
  const events: TimelineEvent[] = [];
  const counts = { video: 0, audio: 0 };

  for (const [ti, t] of trackList.entries()) {
    const tp = `tracks.children[${ti}]`;
    if (!isObj(t)) throw fail(tp, "expected a Track.1");
    if (schemaIs(t, "Stack")) throw fail(tp, "a nested Stack is not supported (flatten the timeline before exporting)");
    if (!schemaIs(t, "Track")) throw fail(tp, `expected a Track.1, found ${JSON.stringify(schemaOf(t) || typeof t)}`);
    const kindText = t["kind"];
    const kind = kindText === "Video" ? "video" : kindText === "Audio" ? "audio" : null;
    if (!kind) throw fail(`${tp}.kind`, `${JSON.stringify(kindText)} is not a track kind (expected "Video" or "Audio")`);
    if (t["source_range"] != null) throw fail(`${tp}.source_range`, "a trimmed track is not supported");
    counts[kind]++;
    const own = typeof t["name"] === "string" ? t["name"].trim() : "";
    let name = own && !tracks.some((x) => x.name === own) ? own : `${kind === "video" ? "V" : "A"}${counts[kind]}`;
    while (tracks.some((x) => x.name === name)) name += "'";
    tracks.push({ name, kind });
    const trackOn = t["enabled"] !== false;

    const items = t["children"];
    if (!Array.isArray(items)) throw fail(`${tp}.children`, "expected an array of items");
    let pos = start;
    let clipIndex = 0;
    let prev: TimelineEvent | null = null; // the event of the item just before, if it was a clip
    let pending: { transition: Transition; path: string } | null = null;

    for (const [ii, item] of items.entries()) {
      const ip = `${tp}.children[${ii}]`;
      if (!isObj(item)) throw fail(ip, "expected a Clip, Gap or Transition");
      if (schemaIs(item, "Transition")) {
        if (pending) throw fail(ip, "two transitions in a row");
        const inOff = at(rt(item["in_offset"], `${ip}.in_offset`), tlRate);
        const outOff = at(rt(item["out_offset"], `${ip}.out_offset`), tlRate);
        if (inOff < 0 || outOff < 0) throw fail(ip, "negative transition offset");
        const code = typeof item["transition_type"] === "string" ? item["transition_type"] : "";
        pending = {
          path: ip,
          transition: { kind: transitionKind(code), code, recordIn: frames(pos - inOff, ip), recordOut: frames(pos + outOff, ip), from: prev ? sideOf(prev) : null },
        };
        continue;
      }
      if (schemaIs(item, "Stack") || schemaIs(item, "Track")) {
        throw fail(ip, `a nested ${schemaOf(item)} (compound clip) is not supported (flatten the timeline before exporting)`);
      }
      const isClip = schemaIs(item, "Clip");
      if (!isClip && !schemaIs(item, "Gap")) throw fail(ip, `unsupported item ${JSON.stringify(schemaOf(item) || "(no OTIO_SCHEMA)")}`);

      const ref = isClip ? activeReference(item) : null;
      const rangeJson = item["source_range"] ?? (ref && isObj(ref) ? ref["available_range"] : undefined);
      if (rangeJson == null) throw fail(ip, "missing source_range");
      const r = range(rangeJson, item["source_range"] != null ? `${ip}.source_range` : `${ip}.media_reference.available_range`);
      const recordIn = frames(pos, ip);
      pos += at(r.duration, tlRate);
      const recordOut = frames(pos, ip);

      if (!isClip) {
        // A transition into a gap fades the clip before it out.
        if (pending && prev) fadeOut(prev, pending.transition);
        pending = null;
        prev = null;
        continue;
      }
      clipIndex++;
      const sourceRate = withDropFrame(r.start.rate, tlRate.dropFrame && sameRate(r.start.rate, tlRate));
      const sourceIn = frames(r.start.value, `${ip}.source_range.start_time`);
      if (sourceIn < 0) throw fail(`${ip}.source_range.start_time`, "is negative");
      const ev: TimelineEvent = {
        track: name,
        trackKind: kind,
        index: clipIndex,
        name: typeof item["name"] === "string" && item["name"] !== "" ? item["name"] : null,
        reel: reelOf(item),
        sourceFile: ref ? fileOf(ref) : null,
        recordIn,
        recordOut,
        sourceIn,
        sourceOut: sourceIn + frames(at(r.duration, sourceRate), `${ip}.source_range.duration`),
        sourceRate,
        path: ip,
      };
      const factor = speedOf(item, ip, fail);
      if (factor !== 1) ev.speed = { factor, entry: sourceIn };
      if (pending) ev.transition = pending.transition;
      pending = null;
      prev = ev;
      if (trackOn && item["enabled"] !== false) events.push(ev);
    }
    // A transition at the end of a track fades the last clip out.
    if (pending && prev) fadeOut(prev, pending.transition);
  }

  const title = typeof root["name"] === "string" && root["name"] !== "" ? root["name"] : null;
  return { file, title, rate: tlRate, dropFrame: tlRate.dropFrame, tracks, events };
}

function firstItemRate(trackList: unknown[]): FrameRate | null {
  const ordered = [...trackList.filter((t) => isObj(t) && t["kind"] === "Video"), ...trackList];
  for (const t of ordered) {
    if (!isObj(t) || !Array.isArray(t["children"])) continue;
    for (const item of t["children"]) {
      if (!isObj(item) || !isObj(item["source_range"])) continue;
      const d = item["source_range"]["duration"];
      const r = isObj(d) && typeof d["rate"] === "number" ? rateFromFps(d["rate"]) : null;
      if (r) return r;
    }
  }
  return null;
}

/** A transition after a clip with nothing to follow: the clip fades out. A clip already in an incoming transition keeps that one (one transition per event). */
function fadeOut(ev: TimelineEvent, t: Transition): void {
  ev.transition ??= { ...t, from: null };
}

function sideOf(ev: TimelineEvent): TransitionSide {
  return { index: ev.index, name: ev.name, reel: ev.reel, sourceFile: ev.sourceFile, sourceRate: ev.sourceRate, recordIn: ev.recordIn, sourceIn: ev.sourceIn };
}

function transitionKind(code: string): Transition["kind"] {
  if (/dissolve/i.test(code)) return "dissolve";
  if (/wipe/i.test(code)) return "wipe";
  return "other";
}

/** Clip.1: media_reference; Clip.2: media_references[active_media_reference_key]. */
function activeReference(clip: Obj): Obj | null {
  const refs = clip["media_references"];
  const key = clip["active_media_reference_key"];
  if (isObj(refs)) {
    const r = refs[typeof key === "string" ? key : "DEFAULT_MEDIA"];
    if (isObj(r)) return r;
  }
  return isObj(clip["media_reference"]) ? clip["media_reference"] : null;
}

function fileOf(ref: Obj): string | null {
  if (schemaIs(ref, "ExternalReference") && typeof ref["target_url"] === "string") return urlToPath(ref["target_url"]);
  // An image sequence: its folder (frame files are named per frame).
  if (schemaIs(ref, "ImageSequenceReference") && typeof ref["target_url_base"] === "string") return urlToPath(ref["target_url_base"]);
  return null; // MissingReference, GeneratorReference
}

function urlToPath(url: string): string | null {
  if (url === "") return null;
  if (!/^file:/i.test(url)) return url; // a plain path, or a URL we keep as written
  let p: string;
  try {
    p = fileURLToPath(url);
  } catch {
    try {
      p = decodeURIComponent(new URL(url).pathname);
    } catch {
      return url;
    }
  }
  // file:///C:/Media/a.mov read on a POSIX system
  return /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p;
}

function reelOf(clip: Obj): string | null {
  const md = clip["metadata"];
  const cmx = isObj(md) ? md["cmx_3600"] : undefined;
  const reel = isObj(cmx) ? cmx["reel"] : undefined;
  return typeof reel === "string" && reel !== "" ? reel : null;
}

function speedOf(clip: Obj, path: string, fail: (path: string, why: string) => InputError): number {
  const effects = clip["effects"];
  if (!Array.isArray(effects)) return 1;
  let factor = 1;
  effects.forEach((e, k) => {
    if (!isObj(e)) return;
    if (schemaIs(e, "FreezeFrame")) factor = 0;
    else if (schemaIs(e, "LinearTimeWarp")) {
      const s = e["time_scalar"];
      if (typeof s !== "number" || !Number.isFinite(s) || Math.abs(s) > 1e4) throw fail(`${path}.effects[${k}].time_scalar`, `${JSON.stringify(s)} is not a speed`);
      factor *= s;
    }
  });
  return factor;
}
