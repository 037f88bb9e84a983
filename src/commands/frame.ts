// prov frame: where did this picture come from? A still or frame grab, a frame of a video
// at a timecode, or the frame under a record timecode of a cut (EDL or OTIO). Exact
// content first, then perceptual look-alikes, each with its provenance. Reads only: a
// query records nothing.

import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { AssetRow, Store } from "../../db/store.js";
import type { Context } from "../context.js";
import { describeFsError, errnoCode, ExitCode, UsageError } from "../errors.js";
import { FFMPEG_MISSING, findFfmpeg, fingerprintFrameAt, probeVideo, type VideoInfo } from "../fingerprint/index.js";
import { hashFile } from "../identity/hash.js";
import { printJson, println, showPath } from "../output.js";
import { clockOf, fingerprintPath, lookalikes, matchingOf, storeSource, timecodeAt, visualKindOf, type AssetMatch, type Probe } from "../perceptual.js";
import { canDropFrame, formatTimecode, framesToSeconds, parseRate, parseTimecode, secondsToFrames, videoRate, withDropFrame, type FrameRate } from "../timecode/timecode.js";
import { loadTimeline, resolveAt, type Resolution } from "../timeline/index.js";
import { describeRange } from "../sequence/sequence.js";
import { assetReport } from "./show.js";

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
interface VideoPoint {
  frame: number;
  seconds: number;
  timecode: string;
  rate: string;
  /** The video's own first timecode, from its metadata (00:00:00:00 when it has none). */
  start: string;
}

interface MatchOut {
  sha256: string;
  verdict: AssetMatch["verdict"];
  distance: number;
  origin: string;
  status: string | null;
  paths: string[];
  lastApproval: { action: string; by: string; ref: string | null; at: string } | null;
  /** For a video: the stretch of it that looks like the frame asked about. */
  inVideo: { from: string; to: string } | null;
}

interface SequenceOut {
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

interface Answer {
  query: Record<string, unknown>;
  timeline?: Record<string, unknown>;
  source?: { path: string | null; how: string; tried: string[] };
  file: { path: string; sha256: string; recorded: boolean } | null;
  /** The recorded provenance of the file (the still, or the video holding the frame). */
  provenance: ReturnType<typeof assetReport> | null;
  frame: VideoPoint | null;
  /** The image sequences this content is a frame of (a frame file answers for its shot). */
  sequences: SequenceOut[];
  fingerprint: { hash: string; lowDetail: boolean } | { error: string };
  matches: MatchOut[];
  summary: string;
}

export async function frameCommand(ctx: Context, file: string | undefined, opts: FrameOptions): Promise<number> {
  const picks = [opts.at, opts.frame, opts.seconds].filter((x) => x !== undefined).length;
  if (picks > 1) throw new UsageError("give one of --at, --frame, --seconds");
  const store = ctx.store({ readonly: true });
  let answer: Answer;
  if (opts.timeline) {
    if (file) throw new UsageError("give either a FILE or --timeline CUT, not both");
    if (!opts.at) throw new UsageError("--timeline needs --at TIMECODE (a record timecode of the cut)");
    answer = await timelineFrame(ctx, store, opts.timeline, opts);
  } else {
    if (!file) throw new UsageError("name a FILE (a still or a video), or --timeline CUT --at TIMECODE");
    if (opts.mediaRoot || opts.track) throw new UsageError("--media-root and --track go with --timeline");
    const kind = visualKindOf(file);
    if (kind === "video" || picks > 0) {
      if (picks === 0) throw new UsageError(`${file} is a video: say which frame with --at TIMECODE, --frame N or --seconds S`);
      answer = await videoFrame(ctx, store, file, opts);
    } else {
      answer = await stillFrame(ctx, store, file);
    }
  }
  if (ctx.globals.json) printJson(answer);
  else printAnswer(answer);
  return ExitCode.ok;
}

// ------------------------------------------------------------------ the three questions

async function stillFrame(ctx: Context, store: Store, file: string): Promise<Answer> {
  const abs = await regularFile(file);
  const { sha256, asset } = await identify(store, abs);
  let probes: Probe[] = asset ? store.fingerprintsOf(asset.id).map((f) => ({ seconds: f.seconds, hash: f.hash, lowDetail: f.low_detail === 1 })) : [];
  let fingerprint: Answer["fingerprint"];
  if (probes.length > 0) {
    fingerprint = { hash: probes[0]!.hash, lowDetail: probes[0]!.lowDetail };
  } else {
    const made = await fingerprintPath(abs, { video: false, everySeconds: 1 }, new Date().toISOString());
    if (!made) throw new UsageError(`${file}: not a picture prov can read (give a still image, or a video with --at)`);
    if (made.info.state !== "done") {
      fingerprint = { error: `${file}: cannot fingerprint: ${made.info.reason}` };
    } else {
      probes = made.frames.map((f) => ({ seconds: null, hash: f.hash, lowDetail: f.lowDetail }));
      fingerprint = { hash: probes[0]!.hash, lowDetail: probes[0]!.lowDetail };
    }
  }
  const matches = matchesOf(ctx, store, probes, asset?.id);
  if (!asset && "error" in fingerprint) throw new UsageError(fingerprint.error + " (and this content is not recorded)");
  return finish({ query: { kind: "still", file: abs }, file: { path: abs, sha256, recorded: asset !== undefined }, provenance: asset ? assetReport(store, asset) : null, frame: null, sequences: asset ? sequencesOf(store, asset.id) : [], fingerprint, matches });
}

async function videoFrame(ctx: Context, store: Store, file: string, opts: FrameOptions, extra: Partial<Answer> = {}): Promise<Answer> {
  const abs = await regularFile(file);
  if (!findFfmpeg()) throw new UsageError(`cannot read frames of ${file}: ${FFMPEG_MISSING}`);
  const info = await probeVideo(abs);
  const point = pointIn(file, info, opts);
  const { sha256, asset } = await identify(store, abs);
  let fingerprint: Answer["fingerprint"];
  let probes: Probe[] = [];
  try {
    const f = await fingerprintFrameAt(abs, point.seconds);
    fingerprint = { hash: f.hash, lowDetail: f.lowDetail };
    probes = [{ seconds: null, hash: f.hash, lowDetail: f.lowDetail }];
  } catch (err) {
    fingerprint = { error: err instanceof Error ? err.message : String(err) };
  }
  const matches = matchesOf(ctx, store, probes, asset?.id);
  return finish({
    query: { kind: "video", file: abs, ...(opts.at ? { at: opts.at } : {}), ...(opts.frame ? { frame: Number(opts.frame) } : {}), ...(opts.seconds ? { seconds: Number(opts.seconds) } : {}) },
    ...extra,
    file: { path: abs, sha256, recorded: asset !== undefined },
    provenance: asset ? assetReport(store, asset) : null,
    frame: point,
    sequences: [],
    fingerprint,
    matches,
  });
}

async function timelineFrame(ctx: Context, store: Store, cut: string, opts: FrameOptions): Promise<Answer> {
  const rate = parseRate(opts.fps ?? "24");
  const tl = await loadTimeline(cut, rate);
  const record = parseTimecode(opts.at!, tl.rate);
  const r = resolveAt(tl, record, opts.track ? { track: opts.track } : undefined);
  const timeline = describeResolution(tl.file, opts.at!, r);
  const found = await findSource(store, r, cut, opts.mediaRoot);
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
      fingerprint: { error: `the source of this event was not found (tried ${found.tried.join("; ")}); give --media-root DIR` },
      matches: [],
    });
  }
  if (visualKindOf(found.path) === "video") {
    return videoFrame(ctx, store, found.path, { at: r.sourceTimecode, fps: r.event.sourceRate.label }, { query, timeline, source: found });
  }
  const still = await stillFrame(ctx, store, found.path);
  return { ...still, query, timeline, source: found };
}

// ------------------------------------------------------------------ helpers

async function regularFile(file: string): Promise<string> {
  let st;
  try {
    st = await lstat(file);
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${errnoCode(err) === "ENOENT" ? "no such file" : describeFsError(err)}`);
  }
  if (st.isSymbolicLink()) throw new UsageError(`${file} is a symbolic link; name the file it points to (prov never follows links)`);
  if (!st.isFile()) throw new UsageError(`${file} is not a regular file`);
  if (st.size === 0) throw new UsageError(`${file} is empty (0 bytes): there is no picture in it`);
  return path.resolve(file);
}

async function identify(store: Store, abs: string): Promise<{ sha256: string; asset: AssetRow | undefined }> {
  try {
    const { sha256 } = await hashFile(abs);
    return { sha256, asset: store.assetBySha(sha256) };
  } catch (err) {
    throw new UsageError(`cannot read ${abs}: ${describeFsError(err)}`);
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
    throw new UsageError(`${file}: ${asked} is outside the video (it runs ${range} at ${rate.label} fps)`);
  }
  // The middle of the frame, so a seek lands on it whatever the rounding.
  const seconds = framesToSeconds(frame, rate) + 0.5 * (rate.den / rate.num);
  return { frame, seconds, timecode: formatTimecode(start + frame, rate), rate: rate.label, start: formatTimecode(start, rate) };
}

function rateOf(file: string, info: VideoInfo): FrameRate {
  const rate = videoRate(info.fpsNum, info.fpsDen, info.startTimecode);
  if (!rate) throw new UsageError(`${file}: its frame rate is not recorded in the file; give --fps`);
  return rate;
}

function integer(s: string, what: string): number {
  if (!/^\d+$/.test(s)) throw new UsageError(`${what} must be a whole number of frames from 0, got ${JSON.stringify(s)}`);
  return Number(s);
}

function number(s: string, what: string): number {
  const n = Number(s);
  if (s.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`${what} must be a number of seconds from 0, got ${JSON.stringify(s)}`);
  return n;
}

function matchesOf(ctx: Context, store: Store, probes: readonly Probe[], exclude: number | undefined): MatchOut[] {
  // A question is answered with the configured limits even when ingest makes no fingerprints.
  const perceptual = matchingOf(ctx.config().fingerprint);
  const found = lookalikes(storeSource(store), probes, perceptual.limits, exclude);
  return found.slice(0, 20).map((m) => {
    const a = store.assetById(m.assetId)!;
    const last = store.lastApproval(a.id);
    const clock = clockOf(store.fingerprintState(a.id));
    const times = m.pairs.filter((p) => p.distance === m.distance || p.distance <= perceptual.limits.match).map((p) => p.theirs).filter((t): t is number => t !== null);
    const inVideo = times.length > 0 && clock ? { from: timecodeAt(clock, Math.min(...times)), to: timecodeAt(clock, Math.max(...times)) } : null;
    return {
      sha256: a.sha256,
      verdict: m.verdict,
      distance: m.distance,
      origin: a.origin,
      status: a.status,
      paths: store.locationsOf(a.id).filter((l) => l.state === "present").map((l) => l.path).slice(0, 5),
      lastApproval: last ? { action: last.action, by: last.by, ref: last.ref, at: last.at } : null,
      inVideo,
    };
  });
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
async function findSource(store: Store, r: Resolution, cut: string, mediaRoot: string | undefined): Promise<{ path: string | null; how: string; tried: string[] }> {
  const tried: string[] = [];
  if (r.sourceFile) {
    const p = path.resolve(path.dirname(cut), r.sourceFile);
    tried.push(`source file ${p}`);
    if (await isFile(p)) return { path: p, how: "source file named in the cut", tried };
  }
  const names = [r.sourceFile ? path.basename(r.sourceFile) : null, r.name, r.reel].filter((n): n is string => !!n && n !== "AX" && n !== "BL");
  for (const name of names) {
    tried.push(`recorded files named ${name}`);
    for (const l of store.presentLocationsNamed(name)) if (await isFile(l.path)) return { path: l.path, how: `recorded file named ${name}`, tried };
  }
  if (mediaRoot) {
    tried.push(`files named ${names.join(" or ")} under ${mediaRoot}`);
    const hit = await findUnder(mediaRoot, names);
    if (hit) return { path: hit, how: `found under --media-root ${mediaRoot}`, tried };
  }
  return { path: null, how: "not found", tried };
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
      if (dir === path.resolve(root)) throw new UsageError(`cannot read --media-root ${root}: ${errnoCode(err) === "ENOENT" ? "no such folder" : describeFsError(err)}`);
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

function sequencesOf(store: Store, assetId: number): SequenceOut[] {
  return store.sequencesOfAsset(assetId).map((s) => {
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
  const temp = a.matches.find((m) => (m.origin === "genai" || m.origin === "genai-edited") && m.status !== "approved");
  if (temp) parts.push(`${temp.verdict === "match" ? "looks like" : "may look like"} temporary GenAI asset ${temp.sha256.slice(0, 12)} (distance ${temp.distance})`);
  else if (a.matches.length > 0) parts.push(`looks like ${a.matches.length} recorded asset${a.matches.length === 1 ? "" : "s"}`);
  else if ("hash" in a.fingerprint) parts.push(a.fingerprint.lowDetail ? "a flat frame (black, a slate or one colour): not compared" : "no look-alike recorded");
  return parts.join("; ");
}

function printAnswer(a: Answer): void {
  const tl = a.timeline;
  if (tl) {
    println(`cut      ${showPath(String(tl["file"]))} at ${String(tl["recordTimecode"])}`);
    println(`answer   track ${String(tl["track"])}, event ${String(tl["event"])}${tl["clipName"] ? `, clip ${String(tl["clipName"])}` : ""}${tl["reel"] ? `, reel ${String(tl["reel"])}` : ""}, source ${String(tl["sourceTimecode"])}`);
    if (tl["transition"]) println(`         in a transition: ${JSON.stringify(tl["transition"])}`);
    const below = tl["alsoOnTracks"] as Array<Record<string, unknown>>;
    for (const b of below) println(`         also on ${String(b["track"])}: event ${String(b["event"])}${b["clipName"] ? ` (${String(b["clipName"])})` : ""}, covered`);
  }
  if (a.source) println(`source   ${a.source.path ? `${showPath(a.source.path)} (${a.source.how})` : `not found (tried ${a.source.tried.join("; ")})`}`);
  if (a.file) println(`file     ${showPath(a.file.path)}`);
  if (a.frame) println(`frame    ${a.frame.frame} at ${a.frame.timecode} (${a.frame.rate} fps, starts ${a.frame.start})`);
  for (const q of a.sequences) {
    println(`sequence frame ${q.frame} of ${showPath(path.join(q.dir, q.pattern))}, frames ${q.range} (${q.frames} files)`);
    if (q.gaps.length > 0) println(`         missing frames: ${q.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(", ")}`);
    for (const d of q.duplicates) println(`         frame ${d.frame} written twice: ${d.names.join(", ")}`);
  }
  if (a.file) println(`sha256   ${a.file.sha256}`);
  const p = a.provenance;
  if (p) {
    println(`origin   ${p.origin}${p.status ? `   status ${p.status}` : ""}`);
    const decided = p.decidedBy[0];
    if (decided) println(`because  ${decided.source}: ${decided.field} = ${decided.value.slice(0, 120)}`);
    const last = p.approvals.at(-1);
    if (last) println(`approval ${last.action} by ${last.by}${last.ref ? `, ref ${last.ref}` : ""}, ${last.at}`);
    println(`seen at  ${p.locations.filter((l) => l.state === "present").map((l) => showPath(l.path)).slice(0, 3).join(", ") || "(no present location)"}`);
  } else if (a.file) {
    println("origin   not recorded (run `prov scan` on it to record it)");
  }
  if ("error" in a.fingerprint) println(`picture  ${a.fingerprint.error}`);
  if (a.matches.length > 0) {
    println("looks like:");
    for (const m of a.matches) {
      const where = m.inVideo ? ` at ${m.inVideo.from === m.inVideo.to ? m.inVideo.from : `${m.inVideo.from}–${m.inVideo.to}`}` : "";
      const ap = m.lastApproval ? `, ${m.lastApproval.action}d by ${m.lastApproval.by}` : "";
      println(`  ${m.verdict.padEnd(8)} distance ${String(m.distance).padStart(2)}  ${m.sha256.slice(0, 12)}  ${m.origin}${m.status ? ` (${m.status}${ap})` : ""}${where}  ${m.paths[0] ? showPath(m.paths[0]) : "(no present location)"}`);
    }
  }
  println(`summary  ${a.summary}`);
}
