// Fingerprints of a video: ffprobe for what it is, one ffmpeg decode pass for sampled
// frames. Needs ffmpeg and ffprobe installed (never downloaded): findFfmpeg() says whether
// they are, FFMPEG_MISSING what to tell the user when not.
//
// Sampling: one frame every `everySeconds` of video (measured from the previous sampled
// frame; more often in a short clip when asked: samplingInterval) and every frame that
// starts a new shot (ffmpeg's scene score above `sceneThreshold`), in one pass:
//   select='isnan(prev_selected_t)+gte(t-prev_selected_t,N)+gt(scene,T)',
//   scale=32:32:flags=area,format=gray,showinfo
// ffmpeg writes the selected frames as 32x32 8-bit grey to stdout (1,024 bytes each, hashed
// as they arrive: a 1-hour file is never held in memory) and showinfo writes each one's
// pts_time to stderr, in the same order (-vsync passthrough: rawvideo's default would
// duplicate frames to a constant rate). Frame times are seconds from the start of the file
// (ffmpeg's own origin, the same that `-ss` seeks to). ffmpeg's periodic progress line on
// stderr is the heartbeat for the stall check. Cost: decoding is all of it (measured: about
// 19 CPU seconds per minute of 1080p24 H.264 at 18 Mb/s, so 10-13 s of wall time on two
// cores; scene detection and hashing add next to nothing). Works with ffmpeg 4.1 and later.
//
// Failures throw FingerprintError naming the file: no video stream, ffmpeg's last error
// line when it exits non-zero, a truncated file ("partial file": ffmpeg exits 0 after the
// last whole frame), no decodable frame, or no progress for `stallSeconds`.

import { spawn } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { toolEnv, type ToolEnv } from "../../config.js";
import { FingerprintError, checkFile } from "./image.js";
import { dihedralHashes, HASH_SIZE, packTurns } from "../../domain/phash.js";

/** A frame's pHash and its 7 flips and rotations (one DCT). */
function hashFrame(grey: Uint8Array): { hash: string; lowDetail: boolean; turns: string } {
  const { hashes, lowDetail } = dihedralHashes(grey);
  return { hash: hashes[0]!, lowDetail, turns: packTurns(hashes) };
}

export const FFMPEG_MISSING =
  "ffmpeg and ffprobe are not on PATH: install them (Debian/Ubuntu: sudo apt-get install ffmpeg; macOS: brew install ffmpeg) — video fingerprints are skipped until then";

/** Default sampling interval, seconds of video. */
export const EVERY_SECONDS = 1;
/**
 * Default scene-cut threshold on ffmpeg's scene score (0..1); 0 turns scene sampling off.
 * Measured on hard cuts between unrelated generated stills in H.264: 0.23 to 0.66 (0.3
 * missed 2 of 20); a held picture scores below 0.001.
 */
export const SCENE_THRESHOLD = 0.2;
/** Default: give up when ffmpeg/ffprobe produces nothing for this long. */
export const STALL_SECONDS = 120;

export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
}

/** ffmpeg and ffprobe were not found. A FingerprintError whose reason is FFMPEG_MISSING. */
export class FfmpegMissingError extends FingerprintError {
  constructor(file: string) {
    super(file, FFMPEG_MISSING);
    this.name = "FfmpegMissingError";
  }
}

// ---------------------------------------------------------------------------- finding

/**
 * ffmpeg and ffprobe: PROV_FFMPEG / PROV_FFPROBE when set (a path, or a name looked up on
 * PATH; when set but not found the answer is null, never a silent fallback), else on PATH.
 * ffprobe is looked for next to ffmpeg first. Null when either is missing. Reads the
 * environment on every call (a few stat calls), so a newly installed ffmpeg is seen.
 */
export function findFfmpeg(env: ToolEnv = toolEnv()): FfmpegTools | null {
  const ffmpegOverride = env["PROV_FFMPEG"];
  const ffmpeg = ffmpegOverride ? which(ffmpegOverride, env) : which("ffmpeg", env);
  if (!ffmpeg) return null;
  const probeOverride = env["PROV_FFPROBE"];
  const ffprobe = probeOverride
    ? which(probeOverride, env)
    : (executable(path.join(path.dirname(ffmpeg), "ffprobe" + path.extname(ffmpeg))) ?? which("ffprobe", env));
  if (!ffprobe) return null;
  return { ffmpeg, ffprobe };
}

function which(name: string, env: ToolEnv): string | null {
  if (name.includes("/") || name.includes(path.sep)) return executable(path.resolve(name));
  const dirs = (env["PATH"] ?? "").split(path.delimiter).filter((d) => d !== "");
  const exts = process.platform === "win32" ? ["", ...(env["PATHEXT"] ?? ".EXE;.CMD;.BAT").split(";").map((e) => e.toLowerCase())] : [""];
  for (const dir of dirs) {
    for (const ext of exts) {
      const found = executable(path.resolve(dir, name + ext));
      if (found) return found;
    }
  }
  return null;
}

function executable(p: string): string | null {
  try {
    if (!statSync(p).isFile()) return null;
    accessSync(p, constants.X_OK);
    return p;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------- probing

export interface VideoInfo {
  /** Seconds; 0 when neither the stream nor the container says. */
  duration: number;
  /** Frame rate as a fraction (ffprobe's r_frame_rate, else avg_frame_rate; 0/1 when unknown). */
  fpsNum: number;
  fpsDen: number;
  /** Frames in the stream when the container says (MP4/MOV do, MKV often not). */
  frames: number | null;
  /** Displayed size: coded size, swapped for a 90/270 degree rotation. */
  width: number;
  height: number;
  /** ffmpeg's codec name: h264, hevc, prores, ... */
  codec: string;
  /** First timecode (HH:MM:SS:FF, ";" when drop-frame): the video stream's, a tmcd track's, or the container's. */
  startTimecode: string | null;
  /** The ffprobe/ffmpeg index of the video stream used (the first that is not cover art). */
  streamIndex: number;
}

export interface ToolOptions {
  /** Found by findFfmpeg() when not given. */
  tools?: FfmpegTools;
  /** Kill ffmpeg/ffprobe after this long without output; default STALL_SECONDS. */
  stallSeconds?: number;
  /** Stop early (kills the child). */
  signal?: AbortSignal;
}

interface ProbeJson {
  streams?: Array<{
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    r_frame_rate?: string;
    avg_frame_rate?: string;
    duration?: string;
    nb_frames?: string;
    disposition?: { attached_pic?: number };
    tags?: Record<string, string>;
    side_data_list?: Array<{ rotation?: number }>;
  }>;
  format?: { duration?: string; tags?: Record<string, string> };
}

/** What the video at `file` is. Throws FingerprintError (FfmpegMissingError without ffprobe). */
export async function probeVideo(file: string, opts: ToolOptions = {}): Promise<VideoInfo> {
  await checkFile(file);
  const tools = opts.tools ?? findFfmpeg();
  if (!tools) throw new FfmpegMissingError(file);
  const chunks: Buffer[] = [];
  const r = await runTool(file, tools.ffprobe, ["-v", "error", "-of", "json", "-show_format", "-show_streams", "-i", fileUrl(file)], {
    ...opts,
    onStdout: (b) => chunks.push(b),
  });
  if (r.code !== 0) throw new FingerprintError(file, `not a readable video: ${r.lastError ?? `ffprobe exited with ${r.code}`}`);
  let json: ProbeJson;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ProbeJson;
  } catch {
    throw new FingerprintError(file, "ffprobe printed something that is not JSON");
  }
  const streams = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video" && s.disposition?.attached_pic !== 1);
  if (!video || video.index === undefined) {
    const audio = streams.some((s) => s.codec_type === "audio");
    throw new FingerprintError(file, audio ? "no video stream (audio only)" : "no video stream");
  }
  const rate = fraction(video.r_frame_rate) ?? fraction(video.avg_frame_rate) ?? { num: 0, den: 1 };
  const duration = positive(video.duration) ?? positive(json.format?.duration) ?? 0;
  const nb = Number.parseInt(video.nb_frames ?? "", 10);
  const rotation = video.side_data_list?.find((d) => typeof d.rotation === "number")?.rotation ?? Number(video.tags?.["rotate"] ?? 0);
  const quarter = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const width = video.width ?? 0;
  const height = video.height ?? 0;
  const timecode =
    video.tags?.["timecode"] ?? streams.find((s) => s.tags?.["timecode"])?.tags?.["timecode"] ?? json.format?.tags?.["timecode"] ?? null;
  return {
    duration,
    fpsNum: rate.num,
    fpsDen: rate.den,
    frames: Number.isFinite(nb) && nb > 0 ? nb : null,
    width: quarter ? height : width,
    height: quarter ? width : height,
    codec: video.codec_name ?? "unknown",
    startTimecode: timecode,
    streamIndex: video.index,
  };
}

function fraction(s: string | undefined): { num: number; den: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? "");
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 ? { num, den } : null;
}

function positive(s: string | undefined): number | null {
  const n = Number(s);
  return s !== undefined && Number.isFinite(n) && n > 0 ? n : null;
}

// ---------------------------------------------------------------------------- sampling

export interface VideoFrameFingerprint {
  /** Seconds from the start of the file (the frame's presentation time). */
  seconds: number;
  hash: string;
  lowDetail: boolean;
  /** The hashes of the frame's 7 flips and rotations, packed (phash.ts packTurns). */
  turns: string;
  /** Sampled because `everySeconds` had passed, or because a new shot began. */
  reason: "interval" | "scene";
}

export interface VideoFingerprint {
  info: VideoInfo;
  frames: VideoFrameFingerprint[];
}

export interface VideoOptions extends ToolOptions {
  /** Seconds of video between samples (default EVERY_SECONDS). */
  everySeconds?: number;
  /** Scene score above which a frame is also sampled (default SCENE_THRESHOLD; 0 = off). */
  sceneThreshold?: number;
  /** Stop after this many sampled frames. */
  maxFrames?: number;
  /**
   * Sample a short clip more densely: at least this many frames over its length, never
   * closer than DENSEST_SECONDS (samplingInterval). Off when not given.
   */
  shortClipSamples?: number;
}

/** The densest sampling for a short clip: 6 frames at 24 fps. */
export const DENSEST_SECONDS = 0.25;
/**
 * Frames sampled at least from a short clip at ingest. GenAI video is short (a generator
 * renders 4 to 20 s) and moves: a frame grab 1 s from the nearest of 2 s samples of a
 * camera move measured 16 bits away (bench/fingerprint.ts, label-free copies). 48 samples
 * over any clip up to 12 s is one every 0.25 s; clips past 96 s keep `everySeconds` (2 s by
 * default). Decoding costs the same either way (every frame is decoded); the index gains
 * at most 48 rows a clip.
 */
export const SHORT_CLIP_SAMPLES = 48;

/** Seconds between samples of a clip `duration` seconds long (0: unknown), asked every `every`. */
export function samplingInterval(duration: number, every: number, shortClipSamples = SHORT_CLIP_SAMPLES): number {
  if (!(duration > 0) || !(shortClipSamples > 0)) return every;
  return Math.min(every, Math.max(DENSEST_SECONDS, duration / shortClipSamples));
}

const FRAME_BYTES = HASH_SIZE * HASH_SIZE;
const SHRINK = `scale=${HASH_SIZE}:${HASH_SIZE}:flags=area,format=gray`;

/** Sampled-frame fingerprints of the video at `file`. Throws FingerprintError. */
export async function fingerprintVideo(file: string, opts: VideoOptions = {}): Promise<VideoFingerprint> {
  let every = opts.everySeconds ?? EVERY_SECONDS;
  const scene = opts.sceneThreshold ?? SCENE_THRESHOLD;
  if (!(every > 0) || !Number.isFinite(every)) throw new RangeError(`everySeconds must be above 0, got ${every}`);
  if (!(scene >= 0 && scene <= 1)) throw new RangeError(`sceneThreshold must be within 0..1, got ${scene}`);
  const tools = opts.tools ?? findFfmpeg();
  if (!tools) throw new FfmpegMissingError(file);
  const info = await probeVideo(file, { ...opts, tools });
  if (opts.shortClipSamples !== undefined) every = samplingInterval(info.duration, every, opts.shortClipSamples);

  const terms = ["isnan(prev_selected_t)", `gte(t-prev_selected_t\\,${every})`];
  if (scene > 0) terms.push(`gt(scene\\,${scene})`);
  const filter = `select='${terms.join("+")}',${SHRINK},showinfo`;
  const args = [
    ...["-hide_banner", "-nostdin", "-loglevel", "level+info"],
    ...["-i", fileUrl(file), "-map", `0:${info.streamIndex}`, "-an", "-sn", "-dn"],
    ...["-vf", filter, "-vsync", "passthrough"],
    ...(opts.maxFrames !== undefined ? ["-frames:v", String(Math.max(1, Math.floor(opts.maxFrames)))] : []),
    ...["-f", "rawvideo", "pipe:1"],
  ];

  const hashes: Array<{ hash: string; lowDetail: boolean; turns: string }> = [];
  const times: number[] = [];
  const pending = Buffer.alloc(FRAME_BYTES);
  let filled = 0;
  const r = await runTool(file, tools.ffmpeg, args, {
    ...opts,
    onStdout: (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(FRAME_BYTES - filled, chunk.length - at);
        chunk.copy(pending, filled, at, at + n);
        filled += n;
        at += n;
        if (filled === FRAME_BYTES) {
          hashes.push(hashFrame(pending));
          filled = 0;
        }
      }
    },
    onLine: (line) => {
      const t = showinfoTime(line);
      if (t !== null) times.push(t);
    },
  });
  if (r.code !== 0) throw new FingerprintError(file, `ffmpeg could not decode it: ${r.lastError ?? `exit code ${r.code}`}`);
  if (r.partial) throw new FingerprintError(file, `truncated video (${r.partial})`);
  if (hashes.length === 0) throw new FingerprintError(file, `no decodable video frame${r.lastError ? `: ${r.lastError}` : ""}`);
  if (hashes.length !== times.length || filled !== 0) {
    throw new FingerprintError(file, `ffmpeg output out of step: ${hashes.length} frames, ${times.length} timestamps`);
  }

  const frames: VideoFrameFingerprint[] = [];
  let previous = Number.NaN;
  for (let i = 0; i < hashes.length; i++) {
    const seconds = times[i]!;
    // The same test as the select expression, with a microsecond of slack for the
    // rounding of showinfo's printed times.
    const interval = Number.isNaN(previous) || seconds - previous >= every - 1e-6;
    frames.push({ seconds, ...hashes[i]!, reason: interval ? "interval" : "scene" });
    previous = seconds;
  }
  return { info, frames };
}

/**
 * The fingerprint of the frame nearest `seconds` (from the start of the file), for "what
 * is this frame?" questions. Throws FingerprintError, also when there is no frame there.
 */
export async function fingerprintFrameAt(
  file: string,
  seconds: number,
  opts: ToolOptions & { info?: VideoInfo } = {},
): Promise<{ seconds: number; hash: string; lowDetail: boolean; turns: string }> {
  if (!(seconds >= 0) || !Number.isFinite(seconds)) throw new RangeError(`seconds must be 0 or more, got ${seconds}`);
  const tools = opts.tools ?? findFfmpeg();
  if (!tools) throw new FfmpegMissingError(file);
  const info = opts.info ?? (await probeVideo(file, { ...opts, tools }));
  // Seek half a frame early: ffmpeg then returns the first frame at or after that point,
  // which is the frame nearest `seconds` (not the next one when `seconds` is a hair late).
  const half = info.fpsNum > 0 ? (0.5 * info.fpsDen) / info.fpsNum : 0;
  const seek = Math.max(0, seconds - half);
  const chunks: Buffer[] = [];
  const r = await runTool(
    file,
    tools.ffmpeg,
    [
      ...["-hide_banner", "-nostdin", "-loglevel", "level+error", "-nostats"],
      ...["-ss", seek.toFixed(6), "-i", fileUrl(file), "-map", `0:${info.streamIndex}`, "-an", "-sn", "-dn"],
      ...["-frames:v", "1", "-vf", SHRINK, "-f", "rawvideo", "pipe:1"],
    ],
    { ...opts, onStdout: (b) => chunks.push(b) },
  );
  if (r.code !== 0) throw new FingerprintError(file, `ffmpeg could not decode it: ${r.lastError ?? `exit code ${r.code}`}`);
  const data = Buffer.concat(chunks);
  if (data.length < FRAME_BYTES) {
    throw new FingerprintError(file, `no frame at ${seconds.toFixed(3)} s (the video lasts ${info.duration.toFixed(3)} s)`);
  }
  return { seconds, ...hashFrame(data.subarray(0, FRAME_BYTES)) };
}

/** showinfo's "n: 12 pts: 12288 pts_time:1" line: the time, else null. */
function showinfoTime(line: string): number | null {
  if (!line.includes("Parsed_showinfo")) return null;
  const m = /\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+(?:e-?\d+)?)/.exec(line);
  return m ? Number(m[1]) : null;
}

/**
 * A path as an ffmpeg URL: with "file:" ffmpeg reads the file, whatever its name looks
 * like ("-x.mov", "concat:a|b", "http:...").
 */
function fileUrl(file: string): string {
  return "file:" + path.resolve(file);
}

// ---------------------------------------------------------------------------- running

interface ToolResult {
  code: number | null;
  /** The last error line on stderr, without ffmpeg's "[component @ 0x...] [error]" prefix or the path. */
  lastError: string | null;
  /** Set when ffmpeg said the file is cut short. */
  partial: string | null;
}

interface RunOptions extends ToolOptions {
  onStdout: (chunk: Buffer) => void;
  onLine?: (line: string) => void;
}

function runTool(file: string, exe: string, args: string[], opts: RunOptions): Promise<ToolResult> {
  const stallMs = (opts.stallSeconds ?? STALL_SECONDS) * 1000;
  const name = path.basename(exe);
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new FingerprintError(file, "cancelled"));
      return;
    }
    const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    let lastError: string | null = null;
    let partial: string | null = null;
    let failure: FingerprintError | null = null;
    let rest = "";
    let timer: NodeJS.Timeout | undefined;
    const stop = (why: FingerprintError): void => {
      failure ??= why;
      child.kill("SIGKILL");
      // A grandchild (a wrapper script's) may hold the pipes open: do not wait for it.
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => stop(new FingerprintError(file, `${name} made no progress for ${stallMs / 1000} s (hung?); stopped`)), stallMs);
    };
    const onAbort = (): void => stop(new FingerprintError(file, "cancelled"));
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    arm();

    const line = (raw: string): void => {
      if (raw.trim() === "") return;
      opts.onLine?.(raw);
      const m = /^(?:\[[^\]]*@ 0x[0-9a-f]+\] )?(?:\[(error|fatal|panic)\] )?(.*)$/.exec(raw);
      // ffprobe runs with -v error: every line is one. ffmpeg runs with level+ and tags them.
      const isError = m?.[1] !== undefined || name.startsWith("ffprobe");
      if (!isError) return;
      let text = (m?.[2] ?? raw).trim();
      const url = fileUrl(file);
      for (const prefix of [url + ": ", path.resolve(file) + ": ", file + ": "]) {
        if (text.startsWith(prefix)) text = text.slice(prefix.length);
      }
      if (/partial file/i.test(text)) partial ??= text;
      lastError = text.slice(0, 200);
    };
    child.stdout.on("data", (chunk: Buffer) => {
      arm();
      try {
        opts.onStdout(chunk);
      } catch (err) {
        stop(new FingerprintError(file, `internal error reading ${name} output: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      arm();
      const parts = (rest + text).split(/\r\n|\r|\n/);
      rest = parts.pop() ?? "";
      for (const p of parts) line(p);
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      reject(new FingerprintError(file, `cannot run ${exe}: ${err.message}`, { cause: err }));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      if (rest) line(rest);
      if (failure) reject(failure);
      else resolve({ code, lastError, partial });
    });
  });
}
