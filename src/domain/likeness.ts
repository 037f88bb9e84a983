// Pure: how alike two pictures are by their perceptual fingerprints (64-bit pHash), what a
// distance means (a match, a possible one), which recorded GenAI assets a file looks like,
// and where in a video. No I/O: the app layer gathers fingerprints from the store.

import type { FingerprintedRow, FingerprintRow, GenAIFingerprintRow } from "../ports.js";
import { isTemporaryGenAI, type Origin, type Status } from "./types.js";
import { formatTimecode, parseTimecode, secondsToFrames, videoRate, type FrameRate } from "./timecode.js";
import { DIHEDRAL, dihedralOfHash, inverseOf, MATCH_MAX, POSSIBLE_MAX, unpackTurns, type DihedralName, type Verdict } from "./phash.js";

export type { DihedralName, Verdict };

/** Distances (bits of 64) up to which two fingerprints are a match, or a possible one. */
export interface Limits {
  match: number;
  possible: number;
}

/** The measured defaults (phash.ts); the configuration may move them. */
export const DEFAULT_LIMITS: Limits = { match: MATCH_MAX, possible: POSSIBLE_MAX };

/** The verdict for a distance under the configured limits. */
export function verdictFor(distance: number, limits: Limits = DEFAULT_LIMITS): Verdict {
  return distance <= limits.match ? "match" : distance <= limits.possible ? "possible" : "none";
}

/**
 * Bits a flipped or rotated look-alike must be closer by than an untouched one for the same
 * verdict. Looking up the 7 turns of a probe gives an unrelated picture 8 chances instead
 * of one: measured (bench/fingerprint.ts, label-free copies) over 207 unrelated stills x
 * 50 GenAI assets, the same limits for all 8 let in 2 false matches and 74 false possibles
 * (0.019% / 0.71% of pairs, from 0 / 0.13%), while a mirrored or rotated copy lands within
 * a few bits (median 0 to 2: its turns are exact). With 4 more bits for the turned: no false
 * match, 29 false possibles (0.28%; 5 of them turned), and every mirrored and rotated copy
 * still a match.
 */
export const TURNED_MARGIN = 4;

/** The distance a pair is judged by: its own, plus TURNED_MARGIN when the probe is turned. */
export function judgedDistance(distance: number, turn: DihedralName | undefined): number {
  return turn === undefined || turn === "as is" ? distance : distance + TURNED_MARGIN;
}

/** How new pictures are fingerprinted at ingest. */
export interface FingerprintOptions {
  video: boolean;
  /** Seconds between sampled video frames (scene cuts are sampled as well). */
  everySeconds: number;
  /** The time budget of decoding one file (budgets.decodeSeconds); none when undefined. */
  decodeSeconds?: number | undefined;
}

/** The ingest options from the configuration; undefined when fingerprinting is off. */
export function fingerprintOptions(cfg: { enabled: boolean; video: boolean; everySeconds: number }, decodeSeconds?: number): FingerprintOptions | undefined {
  return cfg.enabled ? { video: cfg.video, everySeconds: cfg.everySeconds, decodeSeconds } : undefined;
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

export interface Probe {
  /** Seconds into the probed video; null for a still. */
  seconds: number | null;
  hash: string;
  lowDetail: boolean;
  /** The picture's 7 flips and rotations, packed (phash.ts packTurns); derived from the hash's bits when absent. */
  turns?: string | null | undefined;
}

export function probesOf(rows: readonly FingerprintRow[]): Probe[] {
  return rows.map((f) => ({ seconds: f.seconds, hash: f.hash, lowDetail: f.low_detail === 1, turns: f.turns ?? null }));
}

export interface FramePair {
  /** Where in the probe (seconds; null for a still). */
  ours: number | null;
  /** Where in the matched asset (seconds; null for a still). */
  theirs: number | null;
  distance: number;
  /** How the probe's picture is turned from the matched one ("as is", "mirrored", ...). */
  turn: DihedralName;
}

export interface AssetMatch {
  assetId: number;
  /** The distance of the best frame pair (untouched pairs first: see TURNED_MARGIN). */
  distance: number;
  /** How the probe is turned at the best pair. */
  turn: DihedralName;
  verdict: Exclude<Verdict, "none">;
  /** Every pair within the search distance, by our time then theirs. */
  pairs: FramePair[];
}

/** Rows near one probe; `turn`: how the probe's picture is turned from the row's ("as is" when absent). */
export type Near = Array<{ row: FingerprintRow; distance: number; turn?: DihedralName }>;

/**
 * The hashes to look up for one probe hash: itself, then the 7 flips and rotations of its
 * picture (from its bits: phash.ts), each with how the probe is turned from a picture
 * found by that hash. A mirrored or rotated copy of a GenAI still is found as PDQ finds
 * one; only the probe's side is turned, so the index keeps one row per picture.
 */
export function turnedHashes(hash: string, turns?: string | null): Array<{ hash: string; turn: DihedralName }> {
  // Exact when the fingerprint was made with its turns (from the coefficients), else from the bits.
  const exact = unpackTurns(hash, turns);
  // Looking up g(probe) finds an original o with o ~ g(probe): the probe is g's inverse of o.
  return DIHEDRAL.map((g, k) => ({ hash: exact ? exact[k]! : dihedralOfHash(hash, g), turn: inverseOf(g).name }));
}

/**
 * Merge what was found for each turned hash of one probe: per row, the nearest, the
 * untouched picture winning a tie (a symmetric picture is not called mirrored).
 */
export function mergeTurned(found: ReadonlyArray<Near>): Near {
  const best = new Map<number, Near[number]>();
  for (const near of found) {
    for (const n of near) {
      const had = best.get(n.row.id);
      if (!had || n.distance < had.distance) best.set(n.row.id, n);
    }
  }
  return [...best.values()];
}

/**
 * The assets a set of probes looks like, best first, from what was found near each probe
 * (`near[i]` for `probes[i]`). Flat frames never match.
 */
export function lookalikes(probes: readonly Probe[], near: readonly Near[], limits: Limits, excludeAssetId?: number): AssetMatch[] {
  const byAsset = new Map<number, FramePair[]>();
  probes.forEach((p, i) => {
    if (p.lowDetail) return;
    for (const { row, distance, turn } of near[i] ?? []) {
      if (row.asset_id === excludeAssetId || judgedDistance(distance, turn) > limits.possible) continue;
      let pairs = byAsset.get(row.asset_id);
      if (!pairs) byAsset.set(row.asset_id, (pairs = []));
      pairs.push({ ours: p.seconds, theirs: row.seconds, distance, turn: turn ?? "as is" });
    }
  });
  const out: AssetMatch[] = [];
  for (const [assetId, pairs] of byAsset) {
    pairs.sort((a, b) => (a.ours ?? 0) - (b.ours ?? 0) || (a.theirs ?? 0) - (b.theirs ?? 0));
    // The best pair by the distance it is judged by (a turned one needs TURNED_MARGIN more).
    const best = pairs.reduce((x, y) => (judgedDistance(y.distance, y.turn) < judgedDistance(x.distance, x.turn) ? y : x));
    const verdict = verdictFor(judgedDistance(best.distance, best.turn), limits);
    if (verdict !== "none") out.push({ assetId, distance: best.distance, verdict, pairs, turn: best.turn });
  }
  return out.sort((a, b) => judgedDistance(a.distance, a.turn) - judgedDistance(b.distance, b.turn) || a.assetId - b.assetId);
}

/**
 * Every matchable fingerprint of the GenAI assets, in memory: a sweep compares thousands
 * of files against them without a query each. Usually small (GenAI assets are few).
 */
export class GenAIFingerprints {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  readonly assets = new Map<number, { sha256: string; origin: Origin; status: Status | null }>();

  constructor(private readonly rows: readonly GenAIFingerprintRow[]) {
    this.hi = new Uint32Array(rows.length);
    this.lo = new Uint32Array(rows.length);
    rows.forEach((r, i) => {
      [this.hi[i], this.lo[i]] = halves(r.hash);
      this.assets.set(r.asset_id, { sha256: r.sha256, origin: r.origin, status: r.status });
    });
  }

  get size(): number {
    return this.rows.length;
  }

  /** The GenAI fingerprints within maxDistance of the probe's picture, as is or turned (turnedHashes; `turns`: the probe's own). */
  near(hash: string, maxDistance: number, turns?: string | null): Near {
    return mergeTurned(turnedHashes(hash, turns).map((t) => this.nearOne(t.hash, maxDistance).map((n) => ({ ...n, turn: t.turn }))));
  }

  private nearOne(hash: string, maxDistance: number): Near {
    const [hi, lo] = halves(hash);
    const out: Near = [];
    for (let i = 0; i < this.rows.length; i++) {
      const d = popcount((hi ^ this.hi[i]!) >>> 0) + popcount((lo ^ this.lo[i]!) >>> 0);
      if (d <= maxDistance) out.push({ row: this.rows[i]!, distance: d });
    }
    return out;
  }
}

export function halves(hex: string): [number, number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

export function popcount(x: number): number {
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
  /** How the probe's picture is turned from the GenAI asset's at the best pair. */
  turn: DihedralName;
}

/**
 * The temporary GenAI assets among the matches (approved ones may be delivered, and are
 * disclosed as themselves). `gap`: sampled frames closer than this merge into one range.
 */
export function derivations(matches: readonly AssetMatch[], assetOf: (id: number) => { sha256: string; origin: Origin; status: Status | null } | undefined, gap: number): Derivation[] {
  const out: Derivation[] = [];
  for (const m of matches) {
    const a = assetOf(m.assetId);
    if (!a || !isTemporaryGenAI(a.origin, a.status)) continue;
    const best = m.pairs.reduce((x, y) => (judgedDistance(y.distance, y.turn) < judgedDistance(x.distance, x.turn) ? y : x));
    out.push({ assetId: m.assetId, sha256: a.sha256, origin: a.origin, status: a.status, distance: m.distance, verdict: m.verdict, ranges: mergeRanges(m.pairs.map((p) => p.ours), gap), theirSeconds: best.theirs, turn: best.turn });
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
export function describeDerivation(d: Derivation, probeClock: VideoClock | null, theirClock: VideoClock | null, seenAt: string | undefined, partial?: string): string {
  const where: string[] = [];
  if (d.ranges.length > 0) {
    where.push(`matching at ${d.ranges.slice(0, 5).map((r) => span(probeClock, r.from, r.to)).join(", ")}${d.ranges.length > 5 ? ` and ${d.ranges.length - 5} more` : ""}`);
  }
  if (d.theirSeconds !== null) where.push(`its frame at ${span(theirClock, d.theirSeconds, d.theirSeconds)}`);
  if (partial) where.push(`this file: ${partial}`);
  const turned = d.turn === "as is" ? "" : ` (${d.turn})`;
  return `temporary GenAI asset ${d.sha256.slice(0, 12)} (${d.origin}${seenAt ? `, ${seenAt}` : ""}): perceptual distance ${d.distance} of 64 bits${turned}${where.length ? `; ${where.join("; ")}` : ""}`;
}

/**
 * The GenAI asset a recorded reason (the gate's "derived from …", written by
 * describeDerivation above) names, with the distance it was judged at: what a quarantine
 * entry was decided on, read back from the entry itself, however the file or the original
 * are classified since. Null when the reason names no derivation.
 */
export function derivationNamedIn(reason: string): { sha256Prefix: string; distance: number } | null {
  const m = /^(?:possibly )?derived from temporary GenAI asset ([0-9a-f]{12}) \(.*?\): perceptual distance (\d+) of 64 bits/s.exec(reason);
  return m ? { sha256Prefix: m[1]!, distance: Number(m[2]) } : null;
}
