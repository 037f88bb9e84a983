// Which source answers at a record frame of a cut: the topmost video track with a clip
// there (a later track covers an earlier one, as in an NLE), or the track asked for. Inside
// a transition the incoming clip answers and the outgoing one is reported with it.

import { InputError } from "../errors.js";
import { floorTolerant, formatTimecode, rescaleFrames, type FrameRate } from "../timecode.js";
import type { Timeline, TimelineEvent, Transition } from "./types.js";

/** A clip on a track at the record frame asked about, and the source frame it shows. */
export interface Hit extends Pick<TimelineEvent, "track" | "trackKind" | "index" | "name" | "reel" | "sourceFile"> {
  sourceFrame: number;
  /** sourceFrame as a timecode at the event's source rate. */
  sourceTimecode: string;
  event: TimelineEvent;
}

export interface ResolvedTransition {
  kind: Transition["kind"];
  code: string;
  recordIn: number;
  recordOut: number;
  /** Frames into the effect: 0 on its first frame. */
  position: number;
  frames: number;
  /** The outgoing clip and the frame it shows under the effect; null for black/nothing (fades). */
  from: { index: number; name: string | null; reel: string | null; sourceFile: string | null; sourceFrame: number; sourceTimecode: string } | null;
}

export interface Resolution extends Hit {
  file: string;
  recordFrame: number;
  recordTimecode: string;
  transition?: ResolvedTransition;
  /** Other video tracks with a clip at this frame, top first (covered by the answer, unless a track was asked for). */
  alsoPresent: Hit[];
}

export function resolveAt(tl: Timeline, recordFrame: number, opts: { track?: string } = {}): Resolution {
  if (!Number.isSafeInteger(recordFrame) || recordFrame < 0) throw new InputError(`${tl.file}: ${recordFrame} is not a record frame (need a whole number from 0)`);
  const tc = formatTimecode(recordFrame, tl.rate);
  const byTrack = new Map<string, TimelineEvent[]>();
  for (const ev of tl.events) {
    if (ev.black) continue;
    const list = byTrack.get(ev.track) ?? [];
    list.push(ev);
    byTrack.set(ev.track, list);
  }
  const video = tl.tracks.filter((t) => t.kind === "video").map((t) => t.name).reverse(); // top first

  let asked: string | undefined;
  if (opts.track !== undefined) {
    asked = tl.tracks.find((t) => t.name === opts.track)?.name ?? tl.tracks.find((t) => t.name.toLowerCase() === opts.track!.toLowerCase())?.name;
    if (asked === undefined) throw new InputError(`${tl.file}: no track ${JSON.stringify(opts.track)} (tracks: ${tl.tracks.map((t) => t.name).join(", ") || "none"})`);
  }

  const hits: Hit[] = [];
  for (const name of asked !== undefined && !video.includes(asked) ? [asked, ...video] : video) {
    const ev = eventAt(byTrack.get(name) ?? [], recordFrame);
    if (ev) hits.push(hitOf(tl, ev, recordFrame, tc));
  }
  const answer = asked !== undefined ? hits.find((h) => h.track === asked) : hits[0];
  if (!answer) {
    const scope = asked !== undefined ? [asked] : video;
    const evs = scope.flatMap((n) => byTrack.get(n) ?? []);
    const where = asked !== undefined ? `on track ${asked}` : "on any video track";
    const what = asked !== undefined ? `track ${asked}` : "the cut";
    const span = evs.length > 0 ? `${what} runs ${runOf(evs, tl.rate)}` : `${what} has no ${asked !== undefined ? "clips" : "video clips"}`;
    throw new InputError(`${tl.file}: nothing ${where} at ${tc} (${span})`);
  }

  const res: Resolution = {
    ...answer,
    file: tl.file,
    recordFrame,
    recordTimecode: tc,
    alsoPresent: hits.filter((h) => h !== answer && h.trackKind === "video"),
  };
  const t = answer.event.transition;
  if (t && recordFrame >= t.recordIn && recordFrame < t.recordOut) {
    let from: ResolvedTransition["from"] = null;
    if (t.from) {
      const f = t.from;
      const sourceFrame = f.sourceIn + rescaleFrames(recordFrame - f.recordIn, tl.rate, f.sourceRate);
      checkSource(tl, sourceFrame, answer.track, f.index, tc);
      from = { index: f.index, name: f.name, reel: f.reel, sourceFile: f.sourceFile, sourceFrame, sourceTimecode: formatTimecode(sourceFrame, f.sourceRate) };
    }
    res.transition = { kind: t.kind, code: t.code, recordIn: t.recordIn, recordOut: t.recordOut, position: recordFrame - t.recordIn, frames: t.recordOut - t.recordIn, from };
  }
  return res;
}

/** The event on one track at a frame: one in a transition there wins (the incoming clip), else the last that covers it. */
function eventAt(events: readonly TimelineEvent[], frame: number): TimelineEvent | undefined {
  let plain: TimelineEvent | undefined;
  for (const ev of events) {
    const t = ev.transition;
    if (t && frame >= t.recordIn && frame < t.recordOut) return ev;
    if (frame >= ev.recordIn && frame < ev.recordOut) plain = ev;
  }
  return plain;
}

function hitOf(tl: Timeline, ev: TimelineEvent, frame: number, tc: string): Hit {
  // Before recordIn only inside an OTIO transition: the incoming clip's handle.
  const offset = rescaleFrames(frame - ev.recordIn, tl.rate, ev.sourceRate);
  const sourceFrame = ev.speed ? ev.speed.entry + floorTolerant(offset * ev.speed.factor) : ev.sourceIn + offset;
  checkSource(tl, sourceFrame, ev.track, ev.index, tc);
  return {
    track: ev.track,
    trackKind: ev.trackKind,
    index: ev.index,
    name: ev.name,
    reel: ev.reel,
    sourceFile: ev.sourceFile,
    sourceFrame,
    sourceTimecode: formatTimecode(sourceFrame, ev.sourceRate),
    event: ev,
  };
}

function checkSource(tl: Timeline, sourceFrame: number, track: string, index: number, tc: string): void {
  if (sourceFrame < 0 || !Number.isSafeInteger(sourceFrame)) {
    throw new InputError(`${tl.file}: at ${tc}, event ${index} on ${track} would show a source frame before 00:00:00:00 (a transition or speed change reaches past the start of its media)`);
  }
}

function runOf(events: readonly TimelineEvent[], rate: FrameRate): string {
  let first = Infinity;
  let last = -Infinity;
  for (const ev of events) {
    first = Math.min(first, ev.recordIn, ev.transition?.recordIn ?? Infinity);
    last = Math.max(last, ev.recordOut, ev.transition?.recordOut ?? -Infinity);
  }
  return `${formatTimecode(first, rate)}–${formatTimecode(last, rate)}`;
}
