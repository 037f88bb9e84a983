// Pixel evidence: GenAI marks that live in a still's pixels (src/domain/pixel-signals), so
// they survive metadata stripping. Scan and sweep read them with the file's metadata and
// record them with it; the gate does not (see below).
//
// Which files, and what each look costs (bench/pixel-signals.ts, README "Pixel signals"):
// - Only lossless stills sharp decodes (PNG, WebP, TIFF). Every mark here is gone after a
//   JPEG encode (LSBs, and the chroma block averages the watermark lives in: measured lost at
//   q90), and a JPEG has no alpha; GIF is a palette, AVIF lossy.
// - Stealth pnginfo and NovelAI's block: a probe of the top-left corner (no full decode)
//   says whether a signature is there; the pixels are decoded only when one is. A few ms.
// - The imwatermark dwtDct pass needs every pixel: a full decode and three passes (tens of
//   ms at 1024x1024). Only on images imwatermark itself would mark (256x256 pixels or more:
//   its encoder refuses smaller ones) and not beyond WATERMARK_MAX_PIXELS (what the reference
//   code writes; a 4K plate is not decoded whole for this). From 1024x1024 on, a screen of
//   a quarter of the blocks decides whether the full passes run (imwatermark.ts). Turned off
//   with pixelSignals.watermark.
// Positive only: a miss says nothing, and a picture that cannot be decoded is "not looked"
// (its fingerprint reports why), never an error of its own.

import sharp from "sharp";
import type { ContentType } from "../adapters/containers/sniff.js";
import { MAX_INPUT_PIXELS } from "../adapters/decode/image.js";
import { decodeStoredPixels, mayHoldStealth } from "../adapters/decode/pixels.js";
import { ALL_SIGNALS, CHEAP_SIGNALS, pixelEvidence, type PixelSignal } from "../domain/pixel-signals/index.js";
import type { PixelEvidence } from "../domain/pixel-signals/types.js";
import type { Config } from "../config.js";

/** Content types (sniff.ts names) whose pixels can carry these marks. */
export const PIXEL_SIGNAL_FORMATS: ReadonlySet<string> = new Set(["png", "webp", "tiff"]);
/** imwatermark's encoder refuses images under 256x256 pixels (WatermarkEncoder.encode). */
export const WATERMARK_MIN_PIXELS = 256 * 256;
/**
 * Larger pictures are not decoded whole for the watermark: the reference code that embeds it
 * writes SD 512x512 / 768x768, SDXL about 1 MP and FLUX.1 up to about 2 MP, and an upscale
 * (or any resize) loses the mark. 2048x2048; a 4K or larger plate is not decoded for this.
 */
export const WATERMARK_MAX_PIXELS = 2048 * 2048;

export interface PixelSignalOptions {
  signals: readonly PixelSignal[];
  /** sharp's budget for one decode (budgets.decodeSeconds). */
  decodeSeconds?: number | undefined;
}

/** The options from the configuration; undefined when pixel signals are turned off. */
export function pixelSignalOptions(config: Pick<Config, "pixelSignals" | "budgets">): PixelSignalOptions | undefined {
  if (!config.pixelSignals.enabled) return undefined;
  return { signals: config.pixelSignals.watermark ? ALL_SIGNALS : CHEAP_SIGNALS, decodeSeconds: config.budgets.decodeSeconds };
}

/** Camera raws are TIFF inside; their pixels are a sensor's, not a generator's. */
const CAMERA_RAW = /\.(dng|cr2|nef|nrw|arw|srf|sr2|orf|rw2|pef|srw|raf|3fr|iiq|erf|mef|mos|kdc|dcr)$/i;

/** Whether a file (its path and sniffed content type) is looked at for pixel signals. */
export function wantsPixelSignals(p: string, content: ContentType): boolean {
  return content.kind === "image" && PIXEL_SIGNAL_FORMATS.has(content.format) && !CAMERA_RAW.test(p);
}

/**
 * The pixel signals found in a still (lossless formats; see wantsPixelSignals): [] when
 * none. Throws when sharp cannot read the file (the caller treats that as not looked).
 */
export async function pixelEvidenceOf(file: string | Buffer, opts: PixelSignalOptions): Promise<PixelEvidence[]> {
  const want = new Set(opts.signals);
  const meta = await sharp(file, { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width === 0 || height === 0) return [];
  const decode = { timeoutSeconds: opts.decodeSeconds };
  const pixels = width * height;
  if (want.has("watermark") && pixels >= WATERMARK_MIN_PIXELS && pixels <= WATERMARK_MAX_PIXELS) {
    // One full decode serves all three.
    return pixelEvidence(await decodeStoredPixels(file, decode), { signals: opts.signals });
  }
  const cheap = opts.signals.filter((s) => s !== "watermark");
  if (cheap.length === 0 || !(await mayHoldStealth(file, { width, height }))) return [];
  return pixelEvidence(await decodeStoredPixels(file, decode), { signals: cheap });
}
