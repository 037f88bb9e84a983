// prov frame: where did this picture come from? A still or frame grab, a frame of a video
// at a timecode, or the frame under a record timecode of a cut (EDL or OTIO). Exact
// content first, then perceptual look-alikes, each with its provenance. Reads only: a
// query records nothing. The CLI (prov frame) and the desk ask here.

import { lstat, readdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { AssetRow, Clock, Store } from "../ports.js";
import { InputError } from "../domain/errors.js";
import { isTemporaryGenAI, type Origin, type Status } from "../domain/types.js";
import { describeFsError, errnoCode } from "../errors.js";
import { FFMPEG_MISSING, findFfmpeg, fingerprintFrameAt, probeVideo, type VideoInfo } from "../adapters/decode/index.js";
import { hashFile } from "../adapters/fs/hash.js";
import { fingerprintPath, lookalikesIn, sniffPicture } from "./perceptual.js";
import { clockOf, timecodeAt, type AssetMatch, type Matching, type Probe } from "../domain/likeness.js";
import { canDropFrame, formatTimecode, framesToSeconds, parseRate, parseTimecode, secondsToFrames, videoRate, withDropFrame, type FrameRate } from "../domain/timecode.js";
import { resolveAt, type Resolution } from "../domain/timeline/index.js";
import { loadTimeline } from "./timeline.js";
import { describeRange } from "../domain/sequence.js";
import { assetReport, type AssetReport } from "./queries.js";
import { rootOf } from "../domain/roots.js";

export interface FrameOptions {
  at?: string;
  frame?: string;
  seconds?: string;
  fps?: string;
  timeline?: string;
  mediaRoot?: string;
  track?: string;
}

/** Where the frame asked about sits in a video. */
export interface VideoPoint {
  frame: number;
  seconds: number;
  timecode: string;
  rate: string;
  /** The video's own first timecode, from its metadata (00:00:00:00 when it has none). */
  start: string;
}

export interface MatchOut {
  sha256: string;
  verdict: AssetMatch["verdict"];
  distance: number;
  origin: Origin;
  status: Status | null;
  paths: string[];
  lastApproval: { action: string; by: string; ref: string | null; at: string } | null;
  /** For a video: the stretch of it that looks like the frame asked about. */
  inVideo: { from: string; to: string } | null;
}

export interface SequenceOut {
  pattern: string;
  dir: string;
  frame: number;
  path: string;
  first: number;
  last: number;
  frames: number;
  range: string;
  gaps: Array<{ from: number; to: number }>;
  duplicates: Array<{ frame: number; names: string[] }>;
}

export interface Answer {
  query: Record<string, unknown>;
  timeline?: Record<string, unknown>;
  source?: { path: string | null; how: string; tried: string[] };
  file: { path: string; sha256: string; recorded: boolean } | null;
  /** The recorded provenance of the file (the still, or the video holding the frame). */
  provenance: AssetReport | null;
  frame: VideoPoint | null;
  /** The image sequences this content is a frame of (a frame file answers for its shot). */
  sequences: SequenceOut[];
  fingerprint: { hash: string; lowDetail: boolean } | { error: string };
  matches: MatchOut[];
  summary: string;
}

/** What a frame question needs: the store, how look-alikes are judged, the clock. */
export interface FrameDeps {
  store: Store;
  /** The configured limits (a question is answered with them even when ingest makes no fingerprints). */
  matching: Matching;
  clock: Clock;
  /**
   * The folders a cut's media may be opened in (absolute): the configured roots,
   * --media-root and the cut's own folder (mediaRoots). A source a cut names elsewhere
   * (`/etc/shadow`, `../../`) is "outside the roots" and never read.
   */
  roots: readonly string[];
}

/** The roots a cut's media may come from: the configured ones, --media-root, and the cut's own folder. */
export function mediaRoots(configured: readonly string[], mediaRoot: string | undefined, cut: string | undefined): string[] {
  return [...configured, ...(mediaRoot ? [mediaRoot] : []), ...(cut ? [path.dirname(cut)] : [])].map((r) => path.resolve(r));
}

/**
 * May prov open `p` for a cut? Inside a root by name, and still inside one once symbolic
 * links are resolved (a link in a root pointing out of it is outside). Nothing is read to
 * decide but the folders' names.
 */
export async function openableUnder(p: string, roots: readonly string[]): Promise<boolean> {
  const abs = path.resolve(p);
  if (rootOf(abs, roots) === null) return false;
  const real = await realpath(abs).catch(() => null);
  if (real === null) return true; // missing: nothing to open, the caller says so
  const realRoots = await Promise.all(roots.map((r) => realpath(r).catch(() => r)));
  return rootOf(real, realRoots) !== null;
}

/** Answer "where did this picture come from?" for a still, a video frame, or the frame under a cut's timecode. */
export async function frameQuestion(d: FrameDeps, file: string | undefined, opts: FrameOptions): Promise<Answer> {
  const picks = [opts.at, opts.frame, opts.seconds].filter((x) => x !== undefined).length;
  if (picks > 1) throw new InputError("give one of --at, --frame, --seconds");
  if (opts.timeline) {
    if (file) throw new InputError("give either a FILE or --timeline CUT, not both");
    if (!opts.at) throw new InputError("--timeline needs --at TIMECODE here (without --at, `prov frame --timeline CUT` reports the whole cut)");
    return timelineFrame(d, opts.timeline, opts);
  }
  if (!file) throw new InputError("name a FILE (a still or a video), or --timeline CUT --at TIMECODE");
  if (opts.mediaRoot || opts.track) throw new InputError("--media-root and --track go with --timeline");
  const kind = (await sniffPicture(file))?.kind;
  if (kind === "video" || picks > 0) {
    if (picks === 0) throw new InputError(`${file} is a video: say which frame with --at TIMECODE, --frame N or --seconds S`);
    return videoFrame(d, file, opts);
  }
  return stillFrame(d, file);
}

// ------------------------------------------------------------------ the three questions

async function stillFrame(d: FrameDeps, file: string): Promise<Answer> {
  const { store } = d;
  const abs = await regularFile(file);
  const { sha256, asset } = await identify(store, abs);
  let probes: Probe[] = asset ? (await store.fingerprints.of(asset.id)).map((f) => ({ seconds: f.seconds, hash: f.hash, lowDetail: f.low_detail === 1, turns: f.turns ?? null })) : [];
  let fingerprint: Answer["fingerprint"];
  if (probes.length > 0) {
    fingerprint = { hash: probes[0]!.hash, lowDetail: probes[0]!.lowDetail };
  } else {
    const made = await fingerprintPath(abs, { video: false, everySeconds: 1 }, d.clock.iso());
    if (!made) throw new InputError(`${file}: not a picture prov can read (give a still image, or a video with --at)`);
    if (made.info.state !== "done") {
      fingerprint = { error: `${file}: cannot fingerprint: ${made.info.reason}` };
    } else {
      probes = made.frames.map((f) => ({ seconds: null, hash: f.hash, lowDetail: f.lowDetail, turns: f.turns ?? null }));
      fingerprint = { hash: probes[0]!.hash, lowDetail: probes[0]!.lowDetail };
    }
  }
  const matches = await matchesOf(d, probes, asset?.id);
  if (!asset && "error" in fingerprint) throw new InputError(fingerprint.error + " (and this content is not recorded)");
  return finish({ query: { kind: "still", file: abs }, file: { path: abs, sha256, recorded: asset !== undefined }, provenance: asset ? await assetReport(store, asset) : null, frame: null, sequences: asset ? await sequencesOf(store, asset.id) : [], fingerprint, matches });
}

async function videoFrame(d: FrameDeps, file: string, opts: FrameOptions, extra: Partial<Answer> = {}): Promise<Answer> {
  const { store } = d;
  const abs = await regularFile(file);
  if (!findFfmpeg()) throw new InputError(`cannot read frames of ${file}: ${FFMPEG_MISSING}`);
  const info = await probeVideo(abs);
  const point = pointIn(file, info, opts);
  const { sha256, asset } = await identify(store, abs);
  let fingerprint: Answer["fingerprint"];
  let probes: Probe[] = [];
  try {
    const f = await fingerprintFrameAt(abs, point.seconds);
    fingerprint = { hash: f.hash, lowDetail: f.lowDetail };
    probes = [{ seconds: null, hash: f.hash, lowDetail: f.lowDetail, turns: f.turns }];
  } catch (err) {
    fingerprint = { error: err instanceof Error ? err.message : String(err) };
  }
  const matches = await matchesOf(d, probes, asset?.id);
  return finish({
    query: { kind: "video", file: abs, ...(opts.at ? { at: opts.at } : {}), ...(opts.frame ? { frame: Number(opts.frame) } : {}), ...(opts.seconds ? { seconds: Number(opts.seconds) } : {}) },
    ...extra,
    file: { path: abs, sha256, recorded: asset !== undefined },
    provenance: asset ? await assetReport(store, asset) : null,
    frame: point,
    sequences: [],
    fingerprint,
    matches,
  });
}

async function timelineFrame(d: FrameDeps, cut: string, opts: FrameOptions): Promise<Answer> {
  const { store } = d;
  const rate = parseRate(opts.fps ?? "24");
  const tl = await loadTimeline(cut, rate);
  const record = parseTimecode(opts.at!, tl.rate);
  const r = resolveAt(tl, record, opts.track ? { track: opts.track } : undefined);
  const timeline = describeResolution(tl.file, opts.at!, r);
  const found = await findSource(d, r, cut, opts.mediaRoot);
  const query = { kind: "timeline", timeline: path.resolve(cut), at: opts.at, fps: tl.rate.label };
  if (!found.path) {
    return finish({
      query,
      timeline,
      source: found,
      file: null,
      provenance: null,
      frame: null,
      sequences: [],
      fingerprint: {
        error: found.how === "outside the roots"
          ? `the source this event names is outside the roots (${found.tried.join("; ")}); prov opens a cut's media only under the configured roots or --media-root`
          : `the source of this event was not found (tried ${found.tried.join("; ")}); give --media-root DIR`,
      },
      matches: [],
    });
  }
  if ((await sniffPicture(found.path))?.kind === "video") {
    return videoFrame(d, found.path, { at: r.sourceTimecode, fps: r.event.sourceRate.label }, { query, timeline, source: found });
  }
  const still = await stillFrame(d, found.path);
  return { ...still, query, timeline, source: found };
}

// ------------------------------------------------------------------ helpers

async function regularFile(file: string): Promise<string> {
  let st;
  try {
    st = await lstat(file);
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${errnoCode(err) === "ENOENT" ? "no such file" : describeFsError(err)}`);
  }
  if (st.isSymbolicLink()) throw new InputError(`${file} is a symbolic link; name the file it points to (prov never follows links)`);
  if (!st.isFile()) throw new InputError(`${file} is not a regular file`);
  if (st.size === 0) throw new InputError(`${file} is empty (0 bytes): there is no picture in it`);
  return path.resolve(file);
}

async function identify(store: Store, abs: string): Promise<{ sha256: string; asset: AssetRow | undefined }> {
  try {
    const { sha256 } = await hashFile(abs);
    return { sha256, asset: await store.assets.bySha(sha256) };
  } catch (err) {
    throw new InputError(`cannot read ${abs}: ${describeFsError(err)}`);
  }
}

/** --at / --frame / --seconds → a frame of this video, checked against its length. */
function pointIn(file: string, info: VideoInfo, opts: FrameOptions): VideoPoint {
  const own = opts.fps ? parseRate(opts.fps) : rateOf(file, info);
  // "HH:MM:SS;FF" is drop-frame by convention, whatever the file's own timecode track says.
  const rate = !opts.fps && opts.at?.includes(";") && canDropFrame(own) ? withDropFrame(own, true) : own;
  const start = info.startTimecode ? parseTimecode(info.startTimecode, rate) : 0;
  const total = info.frames ?? Math.max(1, Math.round(info.duration * (rate.num / rate.den)));
  let frame: number;
  if (opts.at !== undefined) frame = parseTimecode(opts.at, rate) - start;
  else if (opts.frame !== undefined) frame = integer(opts.frame, "--frame");
  else frame = secondsToFrames(number(opts.seconds!, "--seconds"), rate);
  const range = `${formatTimecode(start, rate)}–${formatTimecode(start + total - 1, rate)}, frames 0–${total - 1}`;
  if (frame < 0 || frame >= total) {
    const asked = opts.at ?? (opts.frame !== undefined ? `frame ${opts.frame}` : `${opts.seconds} s`);
    throw new InputError(`${file}: ${asked} is outside the video (it runs ${range} at ${rate.label} fps)`);
  }
  // The middle of the frame, so a seek lands on it whatever the rounding.
  const seconds = framesToSeconds(frame, rate) + 0.5 * (rate.den / rate.num);
  return { frame, seconds, timecode: formatTimecode(start + frame, rate), rate: rate.label, start: formatTimecode(start, rate) };
}

function rateOf(file: string, info: VideoInfo): FrameRate {
  const rate = videoRate(info.fpsNum, info.fpsDen, info.startTimecode);
  if (!rate) throw new InputError(`${file}: its frame rate is not recorded in the file; give --fps`);
  return rate;
}

function integer(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new InputError(`${what} must be a whole number of frames from 0, got ${JSON.stringify(s)}`);
  return Number(s);
}

function number(s: string, what: string): number {
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || n < 0) throw new InputError(`${what} must be a number of seconds from 0, got ${JSON.stringify(s)}`);
  return n;
}

async function matchesOf(d: FrameDeps, probes: readonly Probe[], exclude: number | undefined): Promise<MatchOut[]> {
  const { store, matching } = d;
  const found: AssetMatch[] = await lookalikesIn(store, probes, matching.limits, exclude);
  const out: MatchOut[] = [];
  for (const m of found.slice(0, 20)) {
    const a = (await store.assets.byId(m.assetId))!;
    const last = await store.approvals.last(a.id);
    const clock = clockOf(await store.fingerprints.state(a.id));
    const times = m.pairs.filter((p) => p.distance === m.distance || p.distance <= matching.limits.match).map((p) => p.theirs).filter((t): t is number => t !== null);
    const inVideo = times.length > 0 && clock ? { from: timecodeAt(clock, Math.min(...times)), to: timecodeAt(clock, Math.max(...times)) } : null;
    out.push({
      sha256: a.sha256,
      verdict: m.verdict,
      distance: m.distance,
      origin: a.origin,
      status: a.status,
      paths: (await store.locations.ofAsset(a.id)).filter((l) => l.state === "present").map((l) => l.path).slice(0, 5),
      lastApproval: last ? { action: last.action, by: last.by, ref: last.ref, at: last.at } : null,
      inVideo,
    });
  }
  return out;
}

/** The event that answered, as a user reads it. */
function describeResolution(file: string, at: string, r: Resolution): Record<string, unknown> {
  return {
    file,
    recordTimecode: at,
    track: r.track,
    event: r.index,
    clipName: r.name,
    reel: r.reel,
    sourceFile: r.sourceFile,
    sourceTimecode: r.sourceTimecode,
    ...(r.transition ? { transition: r.transition } : {}),
    alsoOnTracks: r.alsoPresent.map((e) => ({ track: e.track, event: e.index, clipName: e.name, reel: e.reel })),
  };
}

/**
 * The media behind an event: its source file path as written in the cut, then a recorded
 * file of that name (or named after the reel or clip), then a file of that name under
 * --media-root.
 */
export async function findSource(
  d: Pick<FrameDeps, "store" | "roots">,
  r: Pick<Resolution, "sourceFile" | "name" | "reel">,
  cut: string,
  mediaRoot: string | undefined,
): Promise<{ path: string | null; how: string; tried: string[] }> {
  const { store } = d;
  const roots = d.roots.length > 0 ? d.roots : mediaRoots([], mediaRoot, cut);
  const tried: string[] = [];
  let outside = false;
  if (r.sourceFile) {
    const p = path.resolve(path.dirname(cut), r.sourceFile);
    if (!(await openableUnder(p, roots))) {
      tried.push(`source file ${p}: outside the roots`);
      outside = true;
    } else {
      tried.push(`source file ${p}`);
      if (await isFile(p)) return { path: p, how: "source file named in the cut", tried };
    }
  }
  const names = [r.sourceFile ? path.basename(r.sourceFile) : null, r.name, r.reel].filter((n): n is string => !!n && n !== "AX" && n !== "BL" && n !== "." && n !== "..");
  for (const name of names) {
    tried.push(`recorded files named ${name}`);
    for (const l of await store.locations.presentNamed(name)) if ((await openableUnder(l.path, roots)) && (await isFile(l.path))) return { path: l.path, how: `recorded file named ${name}`, tried };
  }
  if (outside && !mediaRoot) return { path: null, how: "outside the roots", tried };
  if (mediaRoot) {
    tried.push(`files named ${names.join(" or ")} under ${mediaRoot}`);
    const hit = await findUnder(mediaRoot, names);
    if (hit) return { path: hit, how: `found under --media-root ${mediaRoot}`, tried };
  }
  return { path: null, how: outside ? "outside the roots" : "not found", tried };
}

async function isFile(p: string): Promise<boolean> {
  return lstat(p).then((s) => s.isFile(), () => false);
}

/** A file whose name, or name without extension, is one of `names` (reels are often the stem). */
async function findUnder(root: string, names: readonly string[]): Promise<string | null> {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const stack = [path.resolve(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (dir === path.resolve(root)) throw new InputError(`cannot read --media-root ${root}: ${errnoCode(err) === "ENOENT" ? "no such folder" : describeFsError(err)}`);
      continue;
    }
    for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) stack.push(p);
      else if (d.isFile() && (wanted.has(d.name.toLowerCase()) || wanted.has(path.parse(d.name).name.toLowerCase()))) return p;
    }
  }
  return null;
}

async function sequencesOf(store: Store, assetId: number): Promise<SequenceOut[]> {
  return (await store.sequences.ofAsset(assetId)).map((s) => {
    const gaps = JSON.parse(s.gaps) as SequenceOut["gaps"];
    return {
      pattern: s.pattern,
      dir: s.dir,
      frame: s.frame,
      path: s.path,
      first: s.first_frame,
      last: s.last_frame,
      frames: s.frames,
      range: describeRange({ first: s.first_frame, last: s.last_frame, gaps }),
      gaps,
      duplicates: JSON.parse(s.duplicates) as SequenceOut["duplicates"],
    };
  });
}

function finish(a: Omit<Answer, "summary">): Answer {
  return { ...a, summary: summarise(a) };
}

function summarise(a: Omit<Answer, "summary">): string {
  const parts: string[] = [];
  const p = a.provenance;
  if (p) parts.push(`recorded: ${p.origin}${p.status ? ` (${p.status})` : ""}`);
  else if (a.file) parts.push("this exact content is not recorded");
  const temp = a.matches.find((m) => isTemporaryGenAI(m.origin, m.status));
  if (temp) parts.push(`${temp.verdict === "match" ? "looks like" : "may look like"} temporary GenAI asset ${temp.sha256.slice(0, 12)} (distance ${temp.distance})`);
  else if (a.matches.length > 0) parts.push(`looks like ${a.matches.length} recorded asset${a.matches.length === 1 ? "" : "s"}`);
  else if ("hash" in a.fingerprint) parts.push(a.fingerprint.lowDetail ? "a flat frame (black, a slate or one colour): not compared" : "no look-alike recorded");
  return parts.join("; ");
}

