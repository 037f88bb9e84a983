import { expect } from "vitest";
import { isRawFormat, type RawFormat, type RawImage } from "../../../../src/adapters/decode/rawdec.js";
import { sniffContentType, SNIFF_HEAD_BYTES, SNIFF_TAIL_BYTES } from "../../../../src/adapters/containers/sniff.js";

/** Samples that differ between two pixel buffers, and by how much at most. */
export function diff(a: Uint8Array, b: Uint8Array): { count: number; max: number; first: number } {
  if (a.length !== b.length) return { count: Math.max(a.length, b.length), max: 256, first: -1 };
  let count = 0;
  let max = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d) {
      if (first < 0) first = i;
      count++;
      if (d > max) max = d;
    }
  }
  return { count, max, first };
}

/** Expect `img` to hold `expected` (same layout), every sample within `tolerance`. */
export function expectPixels(img: RawImage, expected: Uint8Array, tolerance = 0, what = "reference"): void {
  expect(img.data.length, `${what}: byte count`).toBe(img.width * img.height * img.channels);
  const d = diff(img.data, expected);
  const where = d.first >= 0 ? ` (first at sample ${d.first}: ${img.data[d.first]} vs ${expected[d.first]})` : "";
  expect(d.max, `${what}: ${d.count} samples differ, by up to ${d.max}${where}`).toBeLessThanOrEqual(tolerance);
}

/** Rows reversed (bottom-up <-> top-down). */
export function flipRows(data: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const row = width * channels;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) out.set(data.subarray(y * row, (y + 1) * row), (height - 1 - y) * row);
  return out;
}

/** Grey or RGB to RGBA / grey to RGB, for comparing with references in another layout. */
export function expand(data: Uint8Array, from: 1 | 3 | 4, to: 3 | 4): Uint8Array {
  const n = data.length / from;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * to + c] = data[i * from + (from === 1 ? 0 : c)]!;
    if (to === 4) out[i * 4 + 3] = from === 4 ? data[i * 4 + 3]! : 255;
  }
  return out;
}

/**
 * What prov's content sniffer (src/adapters/containers/sniff.ts) makes of a whole file,
 * as one of the decoder's formats, or undefined: the decoder is chosen by it.
 */
export function sniffed(bytes: Uint8Array): RawFormat | undefined {
  const t = sniffContentType(bytes.subarray(0, SNIFF_HEAD_BYTES), bytes.subarray(Math.max(0, bytes.length - SNIFF_TAIL_BYTES)), bytes.length);
  return isRawFormat(t.format) ? t.format : undefined;
}
