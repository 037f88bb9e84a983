// Stored pixels for the pixel signals (src/domain/pixel-signals): file -> RawPixels through
// sharp, exactly as stored. (rawdec.ts beside it decodes BMP/TGA/Netpbm for fingerprints.)
//
// What matters for these signals, unlike for the perceptual hash (image.ts here):
// - No colour management. sharp converts an image with an embedded ICC profile to sRGB by
//   default, which rewrites every LSB and the signed RGB bytes: ignoreIcc keeps them.
// - No EXIF rotation: the marks were written on the stored grid, and PIL does not rotate
//   (OpenCV's imread does, but the watermarked outputs are PNGs without an orientation).
// - Alpha kept as stored, and not added: an RGB image stays 3 channels. Only NovelAI's and
//   the alpha stealth format need alpha, and they need the real one.
// - 8 bits per sample. A 16-bit PNG is reduced (its LSBs are not the 8-bit writers' LSBs
//   anyway, and none of these writers produce 16-bit files).
// - The first page/frame of multi-page files.

import sharp from "sharp";
import type { RawPixels } from "../../domain/pixel-signals/types.js";

import { MAX_INPUT_PIXELS } from "./image.js";

export interface DecodeOptions {
  /** Drop alpha (the watermark decoder reads RGB only: a third less to copy). */
  dropAlpha?: boolean;
  /** sharp gives up after this long (budgets.decodeSeconds). */
  timeoutSeconds?: number | undefined;
}

/** Decodes an image file (or buffer) to 8-bit interleaved pixels as stored. */
export async function decodeStoredPixels(input: string | Buffer, opts: DecodeOptions = {}): Promise<RawPixels> {
  let img = sharp(input, { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS, ignoreIcc: true });
  if (opts.dropAlpha) img = img.removeAlpha();
  if (opts.timeoutSeconds !== undefined) img = img.timeout({ seconds: Math.max(1, Math.ceil(opts.timeoutSeconds)) });
  const { data, info } = await img.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
}

/**
 * Cheap probe for the stealth formats: decodes only the first column's top rows (the
 * signatures sit in pixels 0..119, column-major) and tests them. For a PNG, libvips reads
 * rows sequentially and stops early, so this costs a fraction of a full decode. A true
 * here means "decode fully and read"; false means no stealth payload can be there.
 * `size`: the width and height, when the caller has read them already.
 */
export async function mayHoldStealth(input: string | Buffer, size?: { width: number; height: number }): Promise<boolean> {
  const meta = size ?? (await sharp(input, { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS }).metadata());
  const width = meta.width;
  const height = meta.height;
  if (!width || !height || width * height < 40) return false;
  // Signatures run down column 0 first: 120 pixels may spill into the next columns.
  const cols = Math.min(width, Math.ceil(120 / height));
  const rows = Math.min(height, 120);
  const { data, info } = await sharp(input, { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS, ignoreIcc: true })
    .extract({ left: 0, top: 0, width: cols, height: rows })
    .raw({ depth: "uchar" })
    .toBuffer({ resolveWithObject: true });
  const ch = info.channels;
  if (ch !== 3 && ch !== 4) return false;
  // Column-major bit i of a stream from the top-left `cols x rows` window (rows = min(H, 120)).
  const pixel = (k: number): number => {
    const x = Math.floor(k / height);
    const y = k - x * height;
    return (y * cols + x) * ch;
  };
  const ascii = (bit: (i: number) => number): string => {
    let s = "";
    for (let i = 0; i < 120; i += 8) {
      let b = 0;
      for (let j = 0; j < 8; j++) b = (b << 1) | bit(i + j);
      s += String.fromCharCode(b);
    }
    return s;
  };
  const rgbSig = ascii((i) => (data[pixel(Math.floor(i / 3)) + (i % 3)] ?? 0) & 1);
  if (rgbSig === "stealth_rgbinfo" || rgbSig === "stealth_rgbcomp") return true;
  if (ch === 4 && width * height >= 120) {
    const aSig = ascii((i) => (data[pixel(i) + 3] ?? 0) & 1);
    if (aSig === "stealth_pnginfo" || aSig === "stealth_pngcomp") return true;
  }
  return false;
}
