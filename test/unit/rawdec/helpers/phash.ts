// The perceptual hash exactly as prov computes it: the product's own pipeline
// (src/adapters/decode/image.ts), from a file sharp reads or from decoded raw pixels.

import { fingerprintImage, fingerprintPixels } from "../../../../src/adapters/decode/image.js";
import type { RawImage } from "../../../../src/adapters/decode/rawdec.js";

export { hamming, MATCH_MAX } from "../../../../src/domain/phash.js";

/** The pHash of `input`: a file sharp reads, or raw pixels. */
export async function phashOf(input: string | RawImage): Promise<string> {
  return (typeof input === "string" ? await fingerprintImage(input) : await fingerprintPixels(input)).hash;
}
