// Shared shapes for the pixel signals.
//
// Every decoder here is a pure function over decoded 8-bit pixels, as the image decoder
// adapter (src/adapters/decode/pixels.ts) hands them over: row-major, channels interleaved (RGB or RGBA), top row first, in
// the file's stored orientation (no EXIF rotation: the writers of these marks worked on the
// stored pixel grid, and PIL/OpenCV readers do not rotate either).

import type { Evidence } from "../types.js";

/** Decoded pixels: `data.length === width * height * channels`, 8 bits per sample. */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: number;
}

/**
 * Every pixel signal's field starts with this: the store keeps pixel evidence with what
 * was read of the file's own bytes (source "generator"), and a re-read that did not look
 * at the pixels (the gate) keeps the pixel evidence already recorded for the content.
 */
export const PIXEL_FIELD_PREFIX = "pixels:";

/**
 * One positive finding, in prov's evidence shape. Source "generator": stealth pnginfo and
 * NovelAI's block are a generator's own metadata hidden in the pixels, and the invisible
 * watermark is the mark a generator's reference code embeds (detail.kind says which); a
 * source of its own would need the evidence table rebuilt for its CHECK constraint, for no
 * rule that treats it differently. Signals here are positive-only: a finding says "genai";
 * finding nothing says nothing (null), because every one of these marks is lost by an
 * ordinary re-save, resize or crop.
 */
export interface PixelEvidence extends Evidence {
  source: "generator";
  /** PIXEL_FIELD_PREFIX + where it was found, e.g. "pixels:alpha-lsb:stealth_pngcomp". */
  field: string;
  signal: "genai";
  detail: Record<string, unknown>;
}

/** Throws on a buffer whose size does not match its stated geometry (a caller bug). */
export function checkPixels(px: RawPixels): void {
  const { data, width, height, channels } = px;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`bad image size ${width}x${height}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw new RangeError(`bad channel count ${channels}`);
  if (data.length !== width * height * channels) {
    throw new RangeError(`pixel buffer holds ${data.length} bytes, ${width}x${height}x${channels} needs ${width * height * channels}`);
  }
}
