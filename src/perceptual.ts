// Perceptual identity: fingerprints made at ingest, and "what does this look like?"
// lookups against them. Content hashes recognise only the same bytes; these recognise the
// same picture after a re-save, resize, recompression, small crop or colour shift, and a
// still rendered into a video. The hashing itself lives in fingerprint/; the SQL in the store.

import path from "node:path";
import type { FingerprintedRow, FingerprintInput, FingerprintRow, Store } from "../db/store.js";
import { isGenAI, type Origin, type Status } from "./detect/types.js";
import { errorMessage } from "./errors.js";
import { formatTimecode, parseTimecode, secondsToFrames, videoRate, type FrameRate } from "./timecode/timecode.js";
import {
  HASH_ALGO as ALGO,
  chunks16,
  FFMPEG_MISSING,
  findFfmpeg,
  fingerprintFrameAt,
  fingerprintImage,
  fingerprintVideo,
  isFingerprintableImage,
  neighbours16,
  type Verdict,
} from "./fingerprint/index.js";

export type { Verdict };

/** Distances (bits of 64) up to which two fingerprints are a match, or a possible one. */
export interface Limits {
  match: number;
  possible: number;
}

/** The verdict for a distance under the configured limits (fingerprint/'s verdictFor uses the defaults). */
export function verdictFor(distance: number, limits: Limits): Verdict {
  return distance <= limits.match ? "match" : distance <= limits.possible ? "possible" : "none";
}

/** Containers ffmpeg decodes; camera raw video (R3D, BRAW, ARRIRAW) it does not. */
const VIDEO_EXTENSIONS = new Set(["mov", "mp4", "m4v", "mxf", "mkv", "webm", "avi", "mts", "m2ts", "mpg", "mpeg", "3gp", "ts"]);

/** Stills the prebuilt sharp cannot decode and ffmpeg can: VFX and finishing frame formats. */
const FFMPEG_STILLS = new Set(["exr", "dpx", "cin", "tga", "jp2", "j2k", "sgi", "bmp"]);

export type VisualKind = "image" | "video";

/** What kind of picture a file holds, by its name; null for audio, sidecars, documents. */
export function visualKindOf(p: string): VisualKind | null {
  const ext = path.extname(p).slice(1).toLowerCase();
  if (isFingerprintableImage(p) || FFMPEG_STILLS.has(ext)) return "image";
  if (VIDEO_EXTENSIONS.has(ext)) return "video";
  return null;
}

/** The ingest options from the configuration; undefined when fingerprinting is off. */
export function fingerprintOptions(cfg: { enabled: boolean; video: boolean; everySeconds: number }): FingerprintOptions | undefined {
  return cfg.enabled ? { video: cfg.video, everySeconds: cfg.everySeconds } : undefined;
}

/** How matches are judged: the configured limits, and how close sampled frames must be to make one range. */
export interface Matching {
  limits: Limits;
  gap: number;
}

/** The matching settings from the configuration (whether or not fingerprints are made at ingest). */
export function matchingOf(cfg: { everySeconds: number; matchDistance: number; possibleDistance: number }): Matching {
  // Samples one interval apart (a scene cut may fall between) belong to one stretch.
  return { limits: { match: cfg.matchDistance, possible: cfg.possibleDistance }, gap: cfg.everySeconds * 1.5 };
}

export interface FingerprintOptions {
  video: boolean;
  /** Seconds between sampled video frames (scene cuts are sampled as well). */
  everySeconds: number;
}

export interface Fingerprinted {
  info: Omit<FingerprintedRow, "asset_id">;
  frames: FingerprintInput[];
}

/**
 * Fingerprint one file, or say why not. Never throws for a bad file: an undecodable
 * picture is recorded as an error with its reason, a missing ffmpeg as skipped. Returns
 * null for files that hold no picture at all (nothing to record).
 */
export async function fingerprintPath(p: string, opts: FingerprintOptions, now: string): Promise<Fingerprinted | null> {
  const kind = visualKindOf(p);
  if (!kind) return null;
  const base = { algo: ALGO, reason: null, kind, width: null, height: null, duration: null, fps_num: null, fps_den: null, start_tc: null, at: now };
  try {
    if (kind === "image" && !isFingerprintableImage(p)) {
      // EXR, DPX and kin: one frame decoded by ffmpeg (about 0.2 s, mostly starting it).
      if (!findFfmpeg()) return { info: { ...base, state: "skipped", reason: FFMPEG_MISSING }, frames: [] };
      const f = await fingerprintFrameAt(p, 0);
      return { info: { ...base, state: "done" }, frames: [frame(null, f.hash, f.lowDetail)] };
    }
    if (kind === "image") {
      const f = await fingerprintImage(p);
      return { info: { ...base, state: "done", width: f.width, height: f.height }, frames: [frame(null, f.hash, f.lowDetail)] };
    }
    if (!opts.video) return { info: { ...base, state: "skipped", reason: "video fingerprints are turned off (fingerprint.video)" }, frames: [] };
    if (!findFfmpeg()) return { info: { ...base, state: "skipped", reason: FFMPEG_MISSING }, frames: [] };
    const v = await fingerprintVideo(p, { everySeconds: opts.everySeconds });
    return {
      info: {
        ...base,
        state: "done",
        width: v.info.width,
        height: v.info.height,
        duration: v.info.duration,
        fps_num: v.info.fpsNum,
        fps_den: v.info.fpsDen,
        start_tc: v.info.startTimecode,
      },
      frames: v.frames.map((f) => frame(f.seconds, f.hash, f.lowDetail)),
    };
  } catch (err) {
    return { info: { ...base, state: "error", reason: reasonOf(err, p) }, frames: [] };
  }
}

function frame(seconds: number | null, hash: string, lowDetail: boolean): FingerprintInput {
  return { seconds, hash, chunks: chunks16(hash), lowDetail };
}

/** The fingerprint error's own reason, without the path it already names. */
function reasonOf(err: unknown, p: string): string {
  const msg = errorMessage(err);
  return msg.startsWith(p + ": ") ? msg.slice(p.length + 2) : msg;
}

/**
 * Does this content need (re)fingerprinting? Yes when never tried, made by another
 * algorithm, or skipped for want of an ffmpeg that is now installed. An error is final
 * for these bytes: the same bytes fail the same way.
 */
export function needsFingerprint(row: FingerprintedRow | undefined): boolean {
  if (!row || row.algo !== ALGO) return true;
  return row.state === "skipped" && row.reason === FFMPEG_MISSING && findFfmpeg() !== null;
}

/** The assets that need no fingerprint now (needsFingerprint false), in one query. */
export function fingerprintedAssets(store: Store): Set<number> {
  return store.fingerprintedAssets(ALGO, findFfmpeg() !== null ? FFMPEG_MISSING : null);
}

/** What is recorded for a frame of a sequence that is deliberately not fingerprinted. */
export function notFingerprinted(p: string, why: string, now: string): Fingerprinted | null {
  const kind = visualKindOf(p);
  if (!kind) return null;
  return { info: { algo: ALGO, state: "skipped", reason: why, kind, width: null, height: null, duration: null, fps_num: null, fps_den: null, start_tc: null, at: now }, frames: [] };
}

// ------------------------------------------------------------------ lookups

export interface Probe {
  /** Seconds into the probed video; null for a still. */
  seconds: number | null;
  hash: string;
  lowDetail: boolean;
}

export interface FramePair {
  /** Where in the probe (seconds; null for a still). */
  ours: number | null;
  /** Where in the matched asset (seconds; null for a still). */
  theirs: number | null;
  distance: number;
}

export interface AssetMatch {
  assetId: number;
  /** The best (smallest) distance over all frame pairs. */
  distance: number;
  verdict: Exclude<Verdict, "none">;
  /** Every pair within the search distance, by our time then theirs. */
  pairs: FramePair[];
}

/** Anything that can list fingerprints near a hash: the SQLite index, or a preloaded set. */
export interface FingerprintSource {
  near(hash: string, maxDistance: number): Array<{ row: FingerprintRow; distance: number }>;
}

/** Multi-index hashing over the store's four 16-bit chunk indexes. */
export function storeSource(store: Store): FingerprintSource {
  return {
    near(hash, maxDistance) {
      const radius = Math.floor(maxDistance / 4);
      const c = chunks16(hash);
      const near = [neighbours16(c[0], radius), neighbours16(c[1], radius), neighbours16(c[2], radius), neighbours16(c[3], radius)] as const;
      const out: Array<{ row: FingerprintRow; distance: number }> = [];
      const [hi, lo] = halves(hash);
      const seen = new Set<number>();
      for (const [id, h] of store.fingerprintCandidates([...near] as [number[], number[], number[], number[]])) {
        const [h2, l2] = halves(h);
        const d = popcount((hi ^ h2) >>> 0) + popcount((lo ^ l2) >>> 0);
        if (d > maxDistance || seen.has(id)) continue;
        seen.add(id);
        const row = store.fingerprintById(id);
        if (row) out.push({ row, distance: d });
      }
      return out;
    },
  };
}

/** The assets a set of probes looks like, best first. Flat frames never match. */
export function lookalikes(source: FingerprintSource, probes: readonly Probe[], limits: Limits, excludeAssetId?: number): AssetMatch[] {
  const byAsset = new Map<number, FramePair[]>();
  for (const p of probes) {
    if (p.lowDetail) continue;
    for (const { row, distance } of source.near(p.hash, limits.possible)) {
      if (row.asset_id === excludeAssetId) continue;
      let pairs = byAsset.get(row.asset_id);
      if (!pairs) byAsset.set(row.asset_id, (pairs = []));
      pairs.push({ ours: p.seconds, theirs: row.seconds, distance });
    }
  }
  const out: AssetMatch[] = [];
  for (const [assetId, pairs] of byAsset) {
    pairs.sort((a, b) => (a.ours ?? 0) - (b.ours ?? 0) || (a.theirs ?? 0) - (b.theirs ?? 0));
    const distance = Math.min(...pairs.map((x) => x.distance));
    const verdict = verdictFor(distance, limits);
    if (verdict !== "none") out.push({ assetId, distance, verdict, pairs });
  }
  return out.sort((a, b) => a.distance - b.distance || a.assetId - b.assetId);
}

/**
 * Every matchable fingerprint of the GenAI assets, in memory: a sweep compares thousands
 * of files against them without a query each. Usually small (GenAI assets are few).
 */
export class GenAIFingerprints implements FingerprintSource {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  readonly assets = new Map<number, { sha256: string; origin: Origin; status: Status | null }>();

  constructor(private readonly rows: ReturnType<Store["genaiFingerprints"]>) {
    this.hi = new Uint32Array(rows.length);
    this.lo = new Uint32Array(rows.length);
    rows.forEach((r, i) => {
      [this.hi[i], this.lo[i]] = halves(r.hash);
      this.assets.set(r.asset_id, { sha256: r.sha256, origin: r.origin, status: r.status });
    });
  }

  static load(store: Store): GenAIFingerprints {
    return new GenAIFingerprints(store.genaiFingerprints());
  }

  get size(): number {
    return this.rows.length;
  }

  near(hash: string, maxDistance: number): Array<{ row: FingerprintRow; distance: number }> {
    const [hi, lo] = halves(hash);
    const out: Array<{ row: FingerprintRow; distance: number }> = [];
    for (let i = 0; i < this.rows.length; i++) {
      const d = popcount((hi ^ this.hi[i]!) >>> 0) + popcount((lo ^ this.lo[i]!) >>> 0);
      if (d <= maxDistance) out.push({ row: this.rows[i]!, distance: d });
    }
    return out;
  }
}

function halves(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

// ------------------------------------------------------------------ derivation

/** A GenAI asset this content looks like, as the gate and the sweep report it. */
export interface Derivation {
  assetId: number;
  sha256: string;
  origin: Origin;
  status: Status | null;
  distance: number;
  verdict: Exclude<Verdict, "none">;
  /** For a video probe: the stretches (seconds) of it that match, merged across samples. */
  ranges: Array<{ from: number; to: number }>;
  /** For a video match: where in the GenAI asset (seconds) the best pair is. */
  theirSeconds: number | null;
}

/**
 * The temporary GenAI assets among the matches (approved ones may be delivered, and are
 * disclosed as themselves). `gap`: sampled frames closer than this merge into one range.
 */
export function derivations(matches: readonly AssetMatch[], assetOf: (id: number) => { sha256: string; origin: Origin; status: Status | null } | undefined, gap: number): Derivation[] {
  const out: Derivation[] = [];
  for (const m of matches) {
    const a = assetOf(m.assetId);
    if (!a || !isGenAI(a.origin) || a.status === "approved") continue;
    const best = m.pairs.reduce((x, y) => (y.distance < x.distance ? y : x));
    out.push({ assetId: m.assetId, sha256: a.sha256, origin: a.origin, status: a.status, distance: m.distance, verdict: m.verdict, ranges: mergeRanges(m.pairs.map((p) => p.ours), gap), theirSeconds: best.theirs });
  }
  return out;
}

export function mergeRanges(times: ReadonlyArray<number | null>, gap: number): Array<{ from: number; to: number }> {
  const ts = [...new Set(times.filter((t): t is number => t !== null))].sort((a, b) => a - b);
  const out: Array<{ from: number; to: number }> = [];
  for (const t of ts) {
    const last = out.at(-1);
    if (last && t - last.to <= gap) last.to = t;
    else out.push({ from: t, to: t });
  }
  return out;
}

// ------------------------------------------------------------------ where in a video

/** A video's frame rate and first timecode, from what was recorded when it was fingerprinted. */
export interface VideoClock {
  rate: FrameRate;
  /** The first frame's timecode, in frames (00:00:00:00 when the file has none). */
  start: number;
}

export function clockOf(row: FingerprintedRow | undefined): VideoClock | null {
  if (!row || row.kind !== "video" || !row.fps_num || !row.fps_den) return null;
  const rate = videoRate(row.fps_num, row.fps_den, row.start_tc);
  if (!rate) return null;
  let start = 0;
  if (row.start_tc) {
    try {
      start = parseTimecode(row.start_tc, rate);
    } catch {
      start = 0; // an unreadable start timecode in metadata: count from zero
    }
  }
  return { rate, start };
}

/** The timecode of a moment in a video: its own start timecode honoured. */
export function timecodeAt(clock: VideoClock, seconds: number): string {
  return formatTimecode(clock.start + secondsToFrames(seconds, clock.rate), clock.rate);
}

/** "01:00:03:00–01:00:05:00" or "at 12.0 s" when the clock is unknown. */
function span(clock: VideoClock | null, from: number, to: number): string {
  if (!clock) return from === to ? `${from.toFixed(1)} s` : `${from.toFixed(1)}–${to.toFixed(1)} s`;
  return from === to ? timecodeAt(clock, from) : `${timecodeAt(clock, from)}–${timecodeAt(clock, to)}`;
}

/** One line for the gate's reason and the sweep's row: which GenAI asset, how close, and where. */
export function describeDerivation(store: Store, d: Derivation, probeAssetId: number): string {
  const where: string[] = [];
  if (d.ranges.length > 0) {
    const clock = clockOf(store.fingerprintState(probeAssetId));
    where.push(`matching at ${d.ranges.slice(0, 5).map((r) => span(clock, r.from, r.to)).join(", ")}${d.ranges.length > 5 ? ` and ${d.ranges.length - 5} more` : ""}`);
  }
  if (d.theirSeconds !== null) {
    where.push(`its frame at ${span(clockOf(store.fingerprintState(d.assetId)), d.theirSeconds, d.theirSeconds)}`);
  }
  const seenAt = store.locationsOf(d.assetId).find((l) => l.state === "present")?.path;
  return `temporary GenAI asset ${d.sha256.slice(0, 12)} (${d.origin}${seenAt ? `, ${seenAt}` : ""}): perceptual distance ${d.distance} of 64 bits${where.length ? `; ${where.join("; ")}` : ""}`;
}
