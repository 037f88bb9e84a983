// Perceptual identity: fingerprints made at ingest, and "what does this look like?"
// lookups against them. Content hashes recognise only the same bytes; these recognise the
// same picture after a re-save, resize, recompression, small crop or colour shift, and a
// still rendered into a video. The decoding and hashing live in src/adapters/decode/, the
// rules in src/domain/likeness.ts, the SQL in the store.

import path from "node:path";
import type { FingerprintedRow, FingerprintInput, Repos } from "../ports.js";
import { errorMessage } from "../domain/errors.js";
import {
  clockOf,
  describeDerivation,
  GenAIFingerprints,
  lookalikes,
  type AssetMatch,
  type Derivation,
  type Limits,
  type Near,
  type Probe,
} from "../domain/likeness.js";
import {
  HASH_ALGO as ALGO,
  chunks16,
  FFMPEG_MISSING,
  findFfmpeg,
  fingerprintFrameAt,
  fingerprintImage,
  fingerprintVideo,
  isFingerprintableImage,
} from "../adapters/decode/index.js";


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

export { fingerprintOptions, type FingerprintOptions } from "../domain/likeness.js";
import type { FingerprintOptions } from "../domain/likeness.js";

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
export function fingerprintedAssets(store: Pick<Repos, "fingerprints">): Promise<Set<number>> {
  return store.fingerprints.done(ALGO, findFfmpeg() !== null ? FFMPEG_MISSING : null);
}

/** What is recorded for a frame of a sequence that is deliberately not fingerprinted. */
export function notFingerprinted(p: string, why: string, now: string): Fingerprinted | null {
  const kind = visualKindOf(p);
  if (!kind) return null;
  return { info: { algo: ALGO, state: "skipped", reason: why, kind, width: null, height: null, duration: null, fps_num: null, fps_den: null, start_tc: null, at: now }, frames: [] };
}

// ------------------------------------------------------------------ lookups

/** What is near each probe in the store's fingerprint index: one call per probe. */
export async function storeNear(store: Pick<Repos, "fingerprints">, probes: readonly Probe[], maxDistance: number): Promise<Near[]> {
  const out: Near[] = [];
  for (const p of probes) out.push(p.lowDetail ? [] : await store.fingerprints.near(p.hash, maxDistance));
  return out;
}

/** The recorded assets a set of probes looks like, from the store's index. */
export async function lookalikesIn(store: Pick<Repos, "fingerprints">, probes: readonly Probe[], limits: Limits, excludeAssetId?: number): Promise<AssetMatch[]> {
  return lookalikes(probes, await storeNear(store, probes, limits.possible), limits, excludeAssetId);
}

/** The GenAI fingerprints, in memory, as they are now (a sweep loads them once). */
export async function loadGenAIFingerprints(store: Pick<Repos, "fingerprints">): Promise<GenAIFingerprints> {
  return new GenAIFingerprints(await store.fingerprints.genai());
}

/** One line naming the GenAI asset a content looks like: where each video runs, and where the GenAI asset was seen. */
export async function describeDerivationIn(store: Pick<Repos, "fingerprints" | "locations">, d: Derivation, probeAssetId: number): Promise<string> {
  const probeClock = d.ranges.length > 0 ? clockOf(await store.fingerprints.state(probeAssetId)) : null;
  const theirClock = d.theirSeconds !== null ? clockOf(await store.fingerprints.state(d.assetId)) : null;
  const seenAt = (await store.locations.ofAsset(d.assetId)).find((l) => l.state === "present")?.path;
  return describeDerivation(d, probeClock, theirClock, seenAt);
}
