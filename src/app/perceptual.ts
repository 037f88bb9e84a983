// Perceptual identity: fingerprints made at ingest, and "what does this look like?"
// lookups against them. Content hashes recognise only the same bytes; these recognise the
// same picture after a re-save, resize, recompression, small crop or colour shift, and a
// still rendered into a video. The decoding and hashing live in src/adapters/decode/, the
// rules in src/domain/likeness.ts, the SQL in the store.

import path from "node:path";
import type { FingerprintedRow, FingerprintInput, Repos } from "../ports.js";
import { errorMessage } from "../domain/errors.js";
import { OVER_BUDGET } from "../domain/gate-policy.js";
import {
  clockOf,
  describeDerivation,
  GenAIFingerprints,
  lookalikes,
  mergeTurned,
  TURNED_MARGIN,
  turnedHashes,
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
  probeVideo,
  SHARP_FORMATS,
  SHORT_CLIP_SAMPLES,
  type ImageFingerprint,
} from "../adapters/decode/index.js";
import { isRawFormat } from "../adapters/decode/rawdec.js";
import { sniffFile, UNKNOWN, type ContentType } from "../adapters/containers/sniff.js";


/** Containers ffmpeg decodes; camera raw video (R3D, BRAW, ARRIRAW) it does not. */
const VIDEO_EXTENSIONS = new Set(["mov", "mp4", "m4v", "mxf", "mkv", "webm", "avi", "mts", "m2ts", "mpg", "mpeg", "3gp", "ts"]);

/** Still extensions sharp cannot decode and ffmpeg can (only for content the sniffer does not know). */
const FFMPEG_STILLS = new Set(["exr", "dpx", "cin", "tga", "jp2", "j2k", "sgi", "bmp"]);

/** Still content types (sniff.ts names) ffmpeg decodes: VFX and finishing frame formats and kin. */
const FFMPEG_STILL_FORMATS = new Set(["exr", "dpx", "cineon", "jp2", "j2k", "sgi", "qoi", "dds", "pcx", "psd", "sunras", "phm", "jxl"]);

export type VisualKind = "image" | "video";

/**
 * How a picture is decoded: "sharp" (in process, milliseconds), "raw" (our BMP/TGA/Netpbm
 * decoders, then sharp: milliseconds), "ffmpeg" (a process per still: about 0.2 s),
 * "video" (ffmpeg samples frames: seconds a minute), or null (a picture nothing here decodes).
 */
export type Decoder = "sharp" | "raw" | "ffmpeg" | "video" | null;

export interface Picture {
  kind: VisualKind;
  decoder: Decoder;
  /** The content type's name ("jpeg", "bmp", "mov", ...), or the extension when the content was not recognised. */
  format: string;
}

/** What kind of picture a file holds, by its name; null for audio, sidecars, documents. */
export function visualKindOf(p: string): VisualKind | null {
  return pictureByName(p)?.kind ?? null;
}

function pictureByName(p: string): Picture | null {
  const ext = path.extname(p).slice(1).toLowerCase();
  if (isFingerprintableImage(p)) return { kind: "image", decoder: "sharp", format: ext };
  if (FFMPEG_STILLS.has(ext)) return { kind: "image", decoder: "ffmpeg", format: ext };
  if (VIDEO_EXTENSIONS.has(ext)) return { kind: "video", decoder: "video", format: ext };
  return null;
}

/**
 * What picture a file holds, by its content: a GenAI still saved as BMP, or renamed to
 * .dat or .jpg.bak, is a picture all the same. The name decides only for content the
 * sniffer does not recognise (a truncated or exotic file named .jpg is still tried, and
 * its decode error recorded). null for audio, archives, documents and unknown names.
 */
export function pictureOf(p: string, content: ContentType): Picture | null {
  if (content.kind === "image") {
    const f = content.format;
    const decoder: Decoder = SHARP_FORMATS.has(f) ? "sharp" : isRawFormat(f) ? "raw" : FFMPEG_STILL_FORMATS.has(f) ? "ffmpeg" : null;
    return { kind: "image", decoder, format: f };
  }
  if (content.kind === "video") return { kind: "video", decoder: "video", format: content.format };
  if (content.kind === "unknown") return pictureByName(p);
  return null;
}

/** pictureOf, sniffing the file first (a bounded read of its first and last bytes). */
export async function sniffPicture(p: string): Promise<Picture | null> {
  return pictureOf(p, await sniffFile(p).catch(() => UNKNOWN));
}

/** Decoded in process in milliseconds: what the gate fingerprints before allowing a file. */
export function decodesFast(picture: Picture | null): boolean {
  return picture?.decoder === "sharp" || picture?.decoder === "raw";
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
 * null for files that hold no picture at all (nothing to record). The decoder is chosen by
 * content: `picture` when the caller has it (pictureOf the content sniffed while hashing),
 * else sniffed here.
 */
export async function fingerprintPath(p: string, opts: FingerprintOptions, now: string, known?: Picture | null): Promise<Fingerprinted | null> {
  const picture = known === undefined ? await sniffPicture(p) : known;
  if (!picture) return null;
  const kind = picture.kind;
  const base = { algo: ALGO, reason: null, kind, width: null, height: null, duration: null, fps_num: null, fps_den: null, start_tc: null, at: now };
  // The decode budget: ffmpeg is killed through the signal, sharp stops by its own timeout;
  // either way the answer is given when the budget is spent, not when the decoder gives up.
  // A video has the budget for each minute it lasts (sampling takes about 12 s a minute).
  let budget = opts.decodeSeconds;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let fail: (err: Error) => void = () => undefined;
  const spent = new Promise<never>((_, reject) => (fail = reject));
  spent.catch(() => undefined);
  const arm = (seconds: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      abort.abort();
      fail(new Error(OVER_BUDGET));
    }, seconds * 1000);
  };
  if (budget !== undefined) arm(budget);
  const minutes = (m: number): void => {
    if (opts.decodeSeconds === undefined || m <= 1) return;
    budget = opts.decodeSeconds * m;
    arm(budget); // the probe's time is given back: a video's budget starts when its length is known
  };
  const work = decodeFor(p, picture, opts, base, abort.signal, minutes);
  work.catch(() => undefined); // its late failure, after the budget was spent, is not news
  try {
    return await Promise.race([work, spent]);
  } catch (err) {
    const over = abort.signal.aborted || /^timeout\b/i.test(errorMessage(err));
    const reason = over ? `${OVER_BUDGET}: decoding it for a fingerprint took longer than ${budget} s (budgets.decodeSeconds)` : reasonOf(err, p);
    return { info: { ...base, state: "error", reason }, frames: [] };
  } finally {
    clearTimeout(timer);
  }
}

async function decodeFor(
  p: string,
  picture: Picture,
  opts: FingerprintOptions,
  base: Omit<FingerprintedRow, "asset_id" | "state">,
  signal: AbortSignal,
  minutes: (m: number) => void,
): Promise<Fingerprinted> {
  const timeoutSeconds = opts.decodeSeconds;
  switch (picture.decoder) {
    case null:
      return { info: { ...base, state: "skipped", reason: `no decoder here for ${picture.format.toUpperCase()} pictures` }, frames: [] };
    case "sharp":
    case "raw": {
      const f = await fingerprintImage(p, picture.decoder === "raw" && isRawFormat(picture.format) ? picture.format : undefined, { timeoutSeconds });
      return { info: { ...base, state: "done", reason: f.partial ?? null, width: f.width, height: f.height }, frames: stillFrames(f) };
    }
    case "ffmpeg": {
      // EXR, DPX and kin: one frame decoded by ffmpeg (about 0.2 s, mostly starting it).
      if (!findFfmpeg()) return { info: { ...base, state: "skipped", reason: FFMPEG_MISSING }, frames: [] };
      const f = await fingerprintFrameAt(p, 0, { signal });
      return { info: { ...base, state: "done" }, frames: [frame(null, f.hash, f.lowDetail, f.turns)] };
    }
    case "video":
      break;
  }
  if (!opts.video) return { info: { ...base, state: "skipped", reason: "video fingerprints are turned off (fingerprint.video)" }, frames: [] };
  if (!findFfmpeg()) return { info: { ...base, state: "skipped", reason: FFMPEG_MISSING }, frames: [] };
  if (opts.decodeSeconds !== undefined) minutes((await probeVideo(p, { signal })).duration / 60);
  // Short clips (GenAI video) sampled densely, so a frame grab lands near a sample.
  const v = await fingerprintVideo(p, { everySeconds: opts.everySeconds, shortClipSamples: SHORT_CLIP_SAMPLES, signal });
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
    frames: v.frames.map((f) => frame(f.seconds, f.hash, f.lowDetail, f.turns)),
  };
}

/**
 * A still's fingerprints: the whole picture, and the picture inside its uniform borders
 * when it has any (a second row, so a letterboxed copy finds its original, and a copy of a
 * letterboxed still recorded before borders were trimmed finds it by the whole).
 */
function stillFrames(f: ImageFingerprint): FingerprintInput[] {
  const out = [frame(null, f.hash, f.lowDetail, f.turns)];
  if (f.trimmed && f.trimmed.hash !== f.hash) out.push(frame(null, f.trimmed.hash, f.trimmed.lowDetail, f.trimmed.turns));
  return out;
}

function frame(seconds: number | null, hash: string, lowDetail: boolean, turns: string): FingerprintInput {
  return { seconds, hash, chunks: chunks16(hash), lowDetail, turns };
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

/**
 * What is near each probe in the store's fingerprint index, as is or flipped and rotated
 * (turnedHashes): one store call per probe, one indexed lookup per turned hash in it. The 7 turned lookups search only
 * within `turnedMax` (lookalikesIn: turnedSearch, 11 with the default limits), each probing
 * 137 values per chunk instead of 2,517: every turned match is found (it needs
 * TURNED_MARGIN more bits), and the 8 lookups cost about 1.4 times the untouched one
 * instead of 8 (bench/lookup.ts).
 */
export async function storeNear(store: Pick<Repos, "fingerprints">, probes: readonly Probe[], maxDistance: number, turnedMax = maxDistance): Promise<Near[]> {
  const out: Near[] = [];
  for (const p of probes) {
    if (p.lowDetail) {
      out.push([]);
      continue;
    }
    const turns = turnedHashes(p.hash, p.turns);
    const near = await store.fingerprints.near(turns.map((t) => ({ hash: t.hash, maxDistance: t.turn === "as is" ? maxDistance : Math.min(maxDistance, turnedMax) })));
    out.push(mergeTurned(near.map((rows, i) => rows.map((n) => ({ ...n, turn: turns[i]!.turn })))));
  }
  return out;
}

/**
 * How far the turned lookups search: the widest distance the chunk radius that finds every
 * turned match (within match - TURNED_MARGIN) finds everything within (multi-index hashing:
 * radius r finds all within 4r + 3). 11 for the default limits (12, margin 4: radius 2).
 */
export function turnedSearch(limits: Limits): number {
  return 4 * Math.floor(Math.max(0, limits.match - TURNED_MARGIN) / 4) + 3;
}

/** The recorded assets a set of probes looks like, from the store's index. */
export async function lookalikesIn(store: Pick<Repos, "fingerprints">, probes: readonly Probe[], limits: Limits, excludeAssetId?: number): Promise<AssetMatch[]> {
  return lookalikes(probes, await storeNear(store, probes, limits.possible, turnedSearch(limits)), limits, excludeAssetId);
}

/** The GenAI fingerprints, in memory, as they are now (a sweep loads them once). */
export async function loadGenAIFingerprints(store: Pick<Repos, "fingerprints">): Promise<GenAIFingerprints> {
  return new GenAIFingerprints(await store.fingerprints.genai());
}

/** One line naming the GenAI asset a content looks like: where each video runs, and where the GenAI asset was seen. */
export async function describeDerivationIn(store: Pick<Repos, "fingerprints" | "locations">, d: Derivation, probeAssetId: number): Promise<string> {
  const probeState = await store.fingerprints.state(probeAssetId);
  const probeClock = d.ranges.length > 0 ? clockOf(probeState) : null;
  const theirClock = d.theirSeconds !== null ? clockOf(await store.fingerprints.state(d.assetId)) : null;
  const seenAt = (await store.locations.ofAsset(d.assetId)).find((l) => l.state === "present")?.path;
  // A fingerprint made from part of a damaged file says so (image.ts: what a viewer shows).
  const partial = probeState?.state === "done" && probeState.reason ? probeState.reason : undefined;
  return describeDerivation(d, probeClock, theirClock, seenAt, partial);
}
