// Fingerprint of a still: decode with sharp (libvips), reduce to HASH_SIZE x HASH_SIZE grey
// pixels, hash (phash.ts) with its 7 flips and rotations.
//
// Decoding: EXIF orientation applied (a rotated re-save hashes like its original), alpha
// flattened onto black (what a compositor or an NLE shows under a transparent GenAI
// element), greyscale, reduced with sharp's default Lanczos-3 kernel (after JPEG
// shrink-on-load) into TRIM_SIZE x TRIM_SIZE (aspect kept), where uniform borders are found
// (letterbox, pillarbox: phash.ts borderBox); then to exactly HASH_SIZE x HASH_SIZE whatever
// the aspect (fit "fill"), the whole picture and, when it has borders, the picture inside
// them (a second fingerprint). 8 bits per pixel whatever the input depth (16-bit PNG/TIFF
// included). Multi-page files (GIF, TIFF): the first page.
//
// Formats: what the prebuilt sharp decodes from a file: JPEG, PNG, WebP, TIFF (8/16-bit,
// float), GIF, AVIF, SVG; and BMP, TGA and Netpbm (PPM/PGM/PBM/PAM/PFM) through our own
// decoders (rawdec.ts) handing sharp raw pixels. Not HEIC (its libheif has no HEVC
// decoder: only .avif), not OpenEXR or DPX (ffmpeg decodes those: video.ts). The caller
// says which decoder by the file's content (src/app/perceptual.ts), never by its name.
//
// Errors: FingerprintError naming the file and a short reason. Truncated data is decoded
// again as a viewer shows it (failOn "none": the missing end becomes uniform filler, cut off
// as a border) and fingerprinted, marked partial, when at least PARTIAL_MIN_SHARE of the
// picture decodes; otherwise it fails (a JPEG cut to a third is mostly grey filler).
// Harmless decoder warnings (extraneous bytes before a marker) never fail.

import { constants } from "node:fs";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import type { Sharp } from "sharp";
import { errorMessage, InputError } from "../../domain/errors.js";
import { describeFsError, errnoCode } from "../../errors.js";
import { borderBox, dihedralHashes, HASH_SIZE, packTurns, TRIM_SIZE, type Box } from "../../domain/phash.js";
import { DecodeError, decodeRaw, type RawFormat, type RawImage } from "./rawdec.js";

/**
 * Largest decoded image, in pixels (width x height): sharp's own default (0x3FFF x 0x3FFF,
 * about 268 megapixels), stated here so it is a decision and not an accident. A file
 * claiming more (a decompression bomb, or a truly huge scan) fails with "image too large".
 */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

type SharpFn = (typeof import("sharp"))["default"];
let sharpLoaded: Promise<SharpFn> | null = null;

/**
 * sharp (libvips) is loaded on first use: a command that decodes no picture starts without
 * it. Process-wide settings: no cache (every file is read once, and a cache would hold
 * decoded images for nothing); one libvips worker thread per image (callers fingerprint
 * several files at once through libuv's pool, 4 threads by default, so more threads per
 * image would only oversubscribe a small machine; on 2 cores a 1280x720 PNG costs about as
 * much either way, bench/fingerprint.ts).
 */
function loadSharp(): Promise<SharpFn> {
  sharpLoaded ??= import("sharp").then((m) => {
    m.default.cache(false);
    m.default.concurrency(1);
    return m.default;
  });
  return sharpLoaded;
}

export interface ImageFingerprint {
  /** pHash, 16 lowercase hex digits: of the whole picture, borders and all. */
  hash: string;
  /** As displayed: after EXIF orientation. */
  width: number;
  height: number;
  /** Flat picture (one colour, black): never match on it. */
  lowDetail: boolean;
  /** The hashes of the picture's 7 flips and rotations, packed (phash.ts packTurns). */
  turns: string;
  /**
   * The picture inside uniform borders (letterbox, pillarbox, matte, a truncated JPEG's
   * filler), when it has any: its hash and turns, and the share of the picture it is.
   */
  trimmed?: { hash: string; lowDetail: boolean; turns: string; share: number } | undefined;
  /** The share of the picture inside every uniform border, however wide (1: none): how much of a damaged file decodes. */
  shown: number;
  /** Set when only part of the file decodes (a truncated or damaged file): why, and what was hashed. */
  partial?: string | undefined;
}

/**
 * A damaged file is fingerprinted from what a viewer shows of it (libvips' fail-safe decode,
 * the missing end as uniform filler, cut off as a border) when at least this share of the
 * picture decodes; below it the file is refused as truncated.
 */
export const PARTIAL_MIN_SHARE = 0.5;

/**
 * A picture or video that cannot be decoded. A usage error (exit 2) when it reaches the
 * CLI: the file named is bad input, not a bug. Ingest catches it and records the reason.
 */
export class FingerprintError extends InputError {
  constructor(
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: cannot fingerprint: ${reason}`, options);
  }
}

/** Extensions sharp decodes here, lowercase with the dot (for files whose content is not recognised). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".tif", ".tiff", ".avif", ".gif"]);

/** Content types (sniff.ts names) sharp decodes from a file here. */
export const SHARP_FORMATS: ReadonlySet<string> = new Set(["jpeg", "png", "webp", "tiff", "gif", "avif", "svg"]);

/** Largest file read whole into memory for the BMP/TGA/Netpbm decoders. */
export const MAX_RAW_FILE_BYTES = 1024 ** 3;

/** Whether a file (by its name or extension, ".png" or "png") is worth fingerprinting as a still. */
export function isFingerprintableImage(pathOrExt: string): boolean {
  const ext = path.extname(pathOrExt) || (pathOrExt.startsWith(".") ? pathOrExt : `.${pathOrExt}`);
  return IMAGE_EXTENSIONS.has(ext.toLowerCase());
}

/**
 * The fingerprint of the still at `file`. `raw` names the format when the content is BMP,
 * TGA or Netpbm (decoded here, then reduced by sharp like any other picture); otherwise
 * sharp reads the file. Throws FingerprintError.
 */
export async function fingerprintImage(file: string, raw?: RawFormat, opts: { timeoutSeconds?: number | undefined } = {}): Promise<ImageFingerprint> {
  const st = await checkFile(file);
  try {
    if (raw !== undefined) {
      if (st.size > MAX_RAW_FILE_BYTES) throw new FingerprintError(file, `image file too large to decode (over ${MAX_RAW_FILE_BYTES / 1024 ** 3} GiB)`);
      return await fingerprintPixels(decodeRaw(await readFile(file), raw));
    }
    const sharp = await loadSharp();
    const decode = async (failOn: "error" | "none"): Promise<ImageFingerprint> => {
      const image = sharp(file, { failOn, limitInputPixels: MAX_INPUT_PIXELS });
      // libvips stops the pipeline past this (whole seconds); the caller's budget races it.
      if (opts.timeoutSeconds !== undefined) image.timeout({ seconds: Math.max(1, Math.ceil(opts.timeoutSeconds)) });
      const meta = await image.metadata();
      return { ...(await reduce(image.rotate())), width: meta.autoOrient.width, height: meta.autoOrient.height };
    };
    try {
      return await decode("error");
    } catch (err) {
      if (decodeReason(err) !== TRUNCATED) throw err;
      // What a viewer shows: the part that decodes, the rest filler (cut off as a border).
      const shown = await decode("none").catch(() => null);
      if (!shown) throw err;
      const share = shown.lowDetail ? 0 : shown.shown;
      if (share < PARTIAL_MIN_SHARE) throw new FingerprintError(file, `${TRUNCATED} (about ${Math.round(share * 100)}% of the picture decodes)`, { cause: err });
      return { ...shown, partial: `${TRUNCATED}: fingerprinted what decodes (about ${Math.round(share * 100)}% of the picture), as a viewer shows it` };
    }
  } catch (err) {
    if (err instanceof FingerprintError) throw err;
    throw new FingerprintError(file, err instanceof DecodeError ? decodeErrorReason(err) : decodeReason(err), { cause: err });
  }
}

/** The fingerprint of decoded pixels (8-bit, top-down, interleaved). */
export async function fingerprintPixels(img: RawImage): Promise<ImageFingerprint> {
  const sharp = await loadSharp();
  const image = sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels }, limitInputPixels: MAX_INPUT_PIXELS });
  return { ...(await reduce(image)), width: img.width, height: img.height };
}

/**
 * Alpha onto black, grey, reduced into TRIM_SIZE x TRIM_SIZE (aspect kept); its uniform
 * borders found there (phash.ts borderBox); then HASH_SIZE x HASH_SIZE of the whole and of
 * the picture inside the borders, and their pHashes. The two-step reduction lands within 2
 * bits of the one-step one fingerprints were made with before borders were trimmed (measured
 * on the bench's stills, PNG and 4K JPEG), so those stay comparable.
 */
async function reduce(image: Sharp): Promise<Pick<ImageFingerprint, "hash" | "lowDetail" | "turns" | "trimmed" | "shown">> {
  const { data, info } = await image
    .flatten({ background: "#000000" })
    .greyscale()
    .resize(TRIM_SIZE, TRIM_SIZE, { fit: "inside" })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== info.width * info.height) {
    // sharp promised one 8-bit channel: anything else is a bug here, not a bad file.
    throw new Error(`unexpected decode: ${info.width}x${info.height}x${info.channels}, ${data.length} bytes`);
  }
  const area = info.width * info.height;
  const all = borderBox(data, info.width, info.height, 0);
  const whole = { ...hashed(await square(data, info.width, info.height)), shown: all ? (all.width * all.height) / area : 1 };
  const box = borderBox(data, info.width, info.height);
  if (!box) return whole;
  const inner = hashed(await square(data, info.width, info.height, box));
  return { ...whole, trimmed: { ...inner, share: (box.width * box.height) / area } };
}

/** The pHash of HASH_SIZE x HASH_SIZE grey pixels and of its 7 flips and rotations (one DCT). */
function hashed(grey: Buffer): { hash: string; lowDetail: boolean; turns: string } {
  const { hashes, lowDetail } = dihedralHashes(grey);
  return { hash: hashes[0]!, lowDetail, turns: packTurns(hashes) };
}

/** HASH_SIZE x HASH_SIZE grey of a grey reduction (or of the box inside it). */
async function square(grey: Buffer, width: number, height: number, box?: Box): Promise<Buffer> {
  const sharp = await loadSharp();
  let img = sharp(grey, { raw: { width, height, channels: 1 } });
  if (box) img = img.extract(box);
  const data = await img.resize(HASH_SIZE, HASH_SIZE, { fit: "fill" }).toColourspace("b-w").raw({ depth: "uchar" }).toBuffer();
  if (data.length !== HASH_SIZE * HASH_SIZE) throw new Error(`unexpected reduction: ${data.length} bytes`);
  return data;
}

const TRUNCATED = "truncated or corrupt image data";

/** A decoder's reason, in the words used for the formats sharp reads. */
function decodeErrorReason(err: DecodeError): string {
  if (/truncated/i.test(err.reason)) return `truncated or corrupt image data (${err.format}: ${err.reason})`;
  if (/too large|exceeds|pixel limit/i.test(err.reason)) return `image too large (${err.format}: ${err.reason})`;
  return `cannot decode image (${err.format}: ${err.reason})`;
}

/**
 * Open the file ourselves first: sharp reports a missing, unreadable or empty file and a
 * folder all as "unsupported image format" (ffmpeg's messages are no clearer). Throws
 * FingerprintError.
 */
export async function checkFile(file: string): Promise<{ size: number }> {
  let handle;
  try {
    // Non-blocking: opening a named pipe must not wait for a writer.
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const st = await handle.stat();
    if (st.isDirectory()) throw new FingerprintError(file, "is a directory");
    if (!st.isFile()) throw new FingerprintError(file, "not a regular file");
    if (st.size === 0) throw new FingerprintError(file, "empty file (0 bytes)");
    return { size: st.size };
  } catch (err) {
    if (err instanceof FingerprintError) throw err;
    throw new FingerprintError(file, errnoCode(err) === "EISDIR" ? "is a directory" : describeFsError(err), { cause: err });
  } finally {
    await handle?.close();
  }
}

/** A short human reason from a libvips/sharp error, by the few messages that matter. */
function decodeReason(err: unknown): string {
  const code = errnoCode(err);
  if (code) return describeFsError(err);
  const msg = errorMessage(err);
  if (/unsupported image format/i.test(msg)) return "not an image in a supported format (JPEG, PNG, WebP, TIFF, GIF, AVIF)";
  if (/exceeds pixel limit/i.test(msg)) return `image too large (over ${MAX_INPUT_PIXELS.toLocaleString("en-US")} pixels)`;
  if (/Input file is missing/i.test(msg)) return "file vanished (no such file)";
  if (/premature end|truncated|end of stream|end of file|read error|unexpected end|corrupt|invalid|bad (huffman|marker)|not enough/i.test(msg)) {
    return TRUNCATED;
  }
  // Keep the first line of libvips' message, without its loader prefix noise.
  const first = msg.split("\n").find((l) => l.trim() !== "") ?? "undecodable image";
  return `cannot decode image (${first.trim().slice(0, 120)})`;
}
