// Decoders for the picture formats the prebuilt sharp (libvips) cannot read: BMP, TGA and
// the Netpbm family (PPM, PGM, PBM, PAM, PFM). Pure code: file bytes in, 8-bit pixels out
// (top-down rows, channels interleaved), to be handed to sharp as raw input:
//   const { data, width, height, channels } = decodeRaw(bytes, "bmp");
//   sharp(data, { raw: { width, height, channels } })
//
// Output channels: 1 (grey), 3 (RGB) or 4 (RGBA). Grey with alpha (PAM GRAYSCALE_ALPHA,
// 16-bit TGA grey) comes out as RGBA, since raw input has no 2-channel form here. An alpha
// channel that is zero everywhere (the "reserved" byte of a 32-bit BMP, a TGA writer that
// leaves alpha unset) is dropped rather than turned into a fully transparent picture, as
// ffmpeg and browsers do.
//
// Safety: every size is checked against the bytes present before anything is allocated.
// A picture over MAX_PIXELS (sharp's own default limit, 0x3fff x 0x3fff) fails; so does an
// uncompressed one whose declared size exceeds its data, and a run-length one whose
// declared size exceeds what its data could expand to at the format's best ratio
// ("decompression bomb"). Anything malformed or unsupported throws a DecodeError whose
// reason names the problem.

/** Formats decodeRaw reads. The five Netpbm names are one family: the magic number decides. */
export type RawFormat = "bmp" | "tga" | "ppm" | "pgm" | "pbm" | "pam" | "pfm";

const RAW_FORMATS: ReadonlySet<string> = new Set<RawFormat>(["bmp", "tga", "ppm", "pgm", "pbm", "pam", "pfm"]);

/** Is this content-type name (src/adapters/containers/sniff.ts) one decodeRaw reads? */
export function isRawFormat(format: string): format is RawFormat {
  return RAW_FORMATS.has(format);
}

export interface RawImage {
  /** width * height * channels bytes, rows top-down, channels interleaved. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** Largest decoded picture in pixels: sharp's default limitInputPixels (image.ts MAX_INPUT_PIXELS). */
export const MAX_PIXELS = 0x3fff * 0x3fff;

/**
 * Pixels a byte of BMP RLE data may stand for: a 2-byte run codes at most 255 pixels
 * (127.5 a byte), so 256 leaves room for rows ended early by end-of-line escapes. A file
 * declaring more is refused as a decompression bomb.
 */
export const BMP_RLE_MAX_PIXELS_PER_BYTE = 256;

/** A file that cannot be decoded: `reason` says why, `format` says as what (BMP, TGA, PPM, ...). */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
  constructor(
    readonly format: string,
    readonly reason: string,
  ) {
    super(`${format}: ${reason}`);
  }
}

function fail(format: string, reason: string): never {
  throw new DecodeError(format, reason);
}

/** Decode a BMP, TGA or Netpbm file to 8-bit pixels. Throws DecodeError. */
export function decodeRaw(bytes: Uint8Array, format: RawFormat): RawImage {
  switch (format) {
    case "bmp":
      return decodeBmp(bytes);
    case "tga":
      return decodeTga(bytes);
    case "ppm":
    case "pgm":
    case "pbm":
    case "pam":
    case "pfm":
      return decodeNetpbm(bytes);
    default:
      throw new DecodeError(String(format).toUpperCase(), `unknown format ${JSON.stringify(format)}`);
  }
}

// ================================================================================== BMP

const BMP_COMPRESSION: Readonly<Record<number, string>> = {
  0: "RGB",
  1: "RLE8",
  2: "RLE4",
  3: "BITFIELDS",
  4: "JPEG",
  5: "PNG",
  6: "ALPHABITFIELDS",
  11: "CMYK",
  12: "CMYKRLE8",
  13: "CMYKRLE4",
};

interface Channel {
  mask: number;
  shift: number;
  /** Largest value of the field, (mask >>> shift). */
  max: number;
  /** Field value to 8 bits, for fields of up to 12 bits; undefined beyond. */
  lut: Uint8Array | undefined;
}

function channelOf(mask: number, F: string, name: string): Channel {
  mask >>>= 0;
  if (mask === 0) return { mask, shift: 0, max: 0, lut: undefined };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  // Contiguous: max is 2^k - 1.
  if ((max & (max + 1)) !== 0 && max !== 0xffffffff) fail(F, `bad header: ${name} mask 0x${mask.toString(16)} is not one run of bits`);
  // Fields of up to 8 bits: bit replication (5 bits abcde -> abcdeabc), what ffmpeg and
  // browsers do for 555/565, exact at 0 and full scale. Wider: rounded.
  let lut: Uint8Array | undefined;
  if (max <= 0xfff) {
    const bits = Math.log2(max + 1);
    lut = new Uint8Array(max + 1);
    for (let v = 0; v <= max; v++) lut[v] = bits <= 8 ? replicate(v, bits) : Math.round((v * 255) / max);
  }
  return { mask, shift, max, lut };
}

/** A `bits`-bit value (1..8) to 8 bits by repeating its bits. */
function replicate(v: number, bits: number): number {
  let out = 0;
  for (let shift = 8 - bits; shift > -bits; shift -= bits) out |= shift >= 0 ? v << shift : v >> -shift;
  return out & 0xff;
}

function field(px: number, c: Channel): number {
  if (c.max === 0) return 0;
  const v = (px & c.mask) >>> c.shift;
  return c.lut ? c.lut[v]! : Math.round((v * 255) / c.max);
}

function decodeBmp(b: Uint8Array): RawImage {
  const F = "BMP";
  if (b.length < 2 || b[0] !== 0x42 || b[1] !== 0x4d) {
    const m = ascii(b, 0, 2);
    if (["BA", "CI", "CP", "IC", "PT"].includes(m)) fail(F, `OS/2 "${m}" bitmap arrays and icons are not supported`);
    fail(F, `bad magic: not a BMP file (starts with ${JSON.stringify(m)}, not "BM")`);
  }
  if (b.length < 18) fail(F, `truncated: ${b.length} bytes, shorter than the file header`);
  const dv = view(b);
  const dataOffset = dv.getUint32(10, true);
  const hsize = dv.getUint32(14, true);
  const core = hsize === 12;
  const windows = hsize === 40 || hsize === 52 || hsize === 56 || hsize === 108 || hsize === 124;
  // OS/2 2.x BITMAPINFOHEADER2: 16 to 64 bytes, the Windows fields it shares in the same places.
  const os2v2 = !core && !windows && hsize >= 16 && hsize <= 64;
  if (!core && !windows && !os2v2) fail(F, `bad header: unknown info header size ${hsize}`);
  if (b.length < 14 + hsize) fail(F, `truncated: ${b.length} bytes, shorter than the ${hsize}-byte info header`);

  let width: number;
  let height: number;
  let bpp: number;
  let compression = 0;
  let clrUsed = 0;
  if (core) {
    width = dv.getUint16(18, true);
    height = dv.getUint16(20, true);
    bpp = dv.getUint16(24, true);
  } else {
    width = dv.getInt32(18, true);
    height = dv.getInt32(22, true);
    bpp = dv.getUint16(28, true);
    if (hsize >= 20) compression = dv.getUint32(30, true);
    if (hsize >= 36) clrUsed = dv.getUint32(46, true);
  }
  const topDown = height < 0;
  const h = Math.abs(height);
  if (width < 0) fail(F, `bad header: negative width ${width}`);
  checkSize(F, width, h);

  const compName = os2v2 && compression === 3 ? "Huffman 1D" : os2v2 && compression === 4 ? "RLE24" : (BMP_COMPRESSION[compression] ?? "unknown");
  const supported = os2v2 ? compression <= 2 : compression <= 3 || compression === 6;
  if (!supported) fail(F, `compression ${compression} (${compName}) is not supported`);
  const okBpp =
    compression === 0 ? [1, 4, 8, 16, 24, 32].includes(bpp) : compression === 1 ? bpp === 8 : compression === 2 ? bpp === 4 : bpp === 16 || bpp === 32;
  if (!okBpp) fail(F, `${bpp} bits per pixel with compression ${compression} (${compName}) is not supported`);
  if (topDown && (compression === 1 || compression === 2)) fail(F, `bad header: a top-down (negative height) bitmap cannot be ${compName} compressed`);

  // Colour masks: inside the header from 52 bytes on, else just after a 40-byte header.
  let masksAfter = 0;
  let r: Channel;
  let g: Channel;
  let bl: Channel;
  let a: Channel;
  let alphaMaybeUnused = false;
  if (compression === 3 || compression === 6) {
    const withAlpha = hsize >= 56 || compression === 6;
    if (hsize === 40) masksAfter = withAlpha ? 16 : 12;
    if (b.length < 54 + (withAlpha ? 16 : 12)) fail(F, "truncated: colour masks missing");
    r = channelOf(dv.getUint32(54, true), F, "red");
    g = channelOf(dv.getUint32(58, true), F, "green");
    bl = channelOf(dv.getUint32(62, true), F, "blue");
    a = channelOf(withAlpha ? dv.getUint32(66, true) : 0, F, "alpha");
    if (r.max === 0 && g.max === 0 && bl.max === 0) fail(F, "bad header: red, green and blue masks are all zero");
    const all = [r, g, bl, a];
    for (let i = 0; i < 4; i++) {
      if (bpp === 16 && all[i]!.mask > 0xffff) fail(F, `bad header: mask 0x${all[i]!.mask.toString(16)} is wider than 16 bits`);
      for (let j = i + 1; j < 4; j++) if ((all[i]!.mask & all[j]!.mask) !== 0) fail(F, "bad header: colour masks overlap");
    }
    alphaMaybeUnused = a.max !== 0;
  } else if (bpp === 16) {
    r = channelOf(0x7c00, F, "red");
    g = channelOf(0x03e0, F, "green");
    bl = channelOf(0x001f, F, "blue");
    a = channelOf(0, F, "alpha");
  } else {
    r = g = bl = a = channelOf(0, F, "");
    // 32-bit BI_RGB: the fourth byte is "reserved"; used as alpha unless it is zero throughout.
    alphaMaybeUnused = bpp === 32;
  }

  const headersEnd = 14 + hsize + masksAfter;
  if (dataOffset < headersEnd) fail(F, `bad header: pixel data offset ${dataOffset} lies inside the ${headersEnd} bytes of headers`);
  if (dataOffset >= b.length) fail(F, `truncated: pixel data offset ${dataOffset} is past the end of the file (${b.length} bytes)`);

  // Palette: BGR triples after a core header, BGRX quads otherwise.
  let palette = new Uint8Array(0);
  let colours = 0;
  if (bpp <= 8) {
    const entry = core ? 3 : 4;
    const most = 1 << bpp;
    colours = clrUsed === 0 || clrUsed > most ? most : clrUsed;
    // Writers that overstate the palette: keep what fits before the pixels.
    colours = Math.min(colours, Math.floor((dataOffset - headersEnd) / entry));
    if (colours === 0) fail(F, `bad header: ${bpp}-bit paletted bitmap without a palette`);
    palette = new Uint8Array(colours * 3);
    for (let i = 0; i < colours; i++) {
      const p = headersEnd + i * entry;
      palette[i * 3] = b[p + 2]!;
      palette[i * 3 + 1] = b[p + 1]!;
      palette[i * 3 + 2] = b[p]!;
    }
  }
  const badIndex = (index: number): never => fail(F, `palette index ${index} out of range (the palette has ${colours} colours)`);

  if (compression === 1 || compression === 2) {
    const avail = b.length - dataOffset;
    if (width * h > avail * BMP_RLE_MAX_PIXELS_PER_BYTE) {
      fail(F, `decompression bomb or truncated: ${width}x${h} declared from ${avail} bytes of ${compName} data (at most ${BMP_RLE_MAX_PIXELS_PER_BYTE} pixels a byte)`);
    }
    return decodeBmpRle(b, dataOffset, width, h, compression === 2, palette, colours, badIndex);
  }

  const rowBytes = Math.ceil((width * bpp) / 8);
  const stride = Math.ceil(rowBytes / 4) * 4;
  const needed = stride * (h - 1) + rowBytes; // the last row's padding may be missing
  const avail = b.length - dataOffset;
  if (avail < needed) fail(F, `truncated: ${avail} of ${needed} pixel bytes`);

  const channels: 3 | 4 = alphaMaybeUnused ? 4 : 3;
  const out = new Uint8Array(width * h * channels);
  for (let row = 0; row < h; row++) {
    const s0 = dataOffset + row * stride;
    let o = (topDown ? row : h - 1 - row) * width * channels;
    if (bpp === 24) {
      for (let x = 0, s = s0; x < width; x++, s += 3, o += 3) {
        out[o] = b[s + 2]!;
        out[o + 1] = b[s + 1]!;
        out[o + 2] = b[s]!;
      }
    } else if (bpp === 32 && compression === 0) {
      for (let x = 0, s = s0; x < width; x++, s += 4, o += 4) {
        out[o] = b[s + 2]!;
        out[o + 1] = b[s + 1]!;
        out[o + 2] = b[s]!;
        out[o + 3] = b[s + 3]!;
      }
    } else if (bpp === 16 && channels === 3 && r.lut && g.lut && bl.lut) {
      // 555, 565, 444: table look-ups only.
      const [lr, lg, lb] = [r.lut, g.lut, bl.lut];
      const [mr, mg, mb] = [r.mask, g.mask, bl.mask];
      const [sr, sg, sb] = [r.shift, g.shift, bl.shift];
      for (let x = 0, s = s0; x < width; x++, s += 2, o += 3) {
        const px = b[s]! | (b[s + 1]! << 8);
        out[o] = lr[(px & mr) >>> sr]!;
        out[o + 1] = lg[(px & mg) >>> sg]!;
        out[o + 2] = lb[(px & mb) >>> sb]!;
      }
    } else if (bpp === 32 || bpp === 16) {
      const wide = bpp === 32;
      for (let x = 0, s = s0; x < width; x++, o += channels) {
        let px: number;
        if (wide) {
          px = (b[s]! | (b[s + 1]! << 8) | (b[s + 2]! << 16) | (b[s + 3]! << 24)) >>> 0;
          s += 4;
        } else {
          px = b[s]! | (b[s + 1]! << 8);
          s += 2;
        }
        out[o] = field(px, r);
        out[o + 1] = field(px, g);
        out[o + 2] = field(px, bl);
        if (channels === 4) out[o + 3] = field(px, a);
      }
    } else if (bpp === 8) {
      for (let x = 0; x < width; x++, o += 3) {
        const index = b[s0 + x]!;
        if (index >= colours) badIndex(index);
        out[o] = palette[index * 3]!;
        out[o + 1] = palette[index * 3 + 1]!;
        out[o + 2] = palette[index * 3 + 2]!;
      }
    } else {
      // 1 or 4 bits a pixel, most significant first.
      const perByte = 8 / bpp;
      const mask = (1 << bpp) - 1;
      for (let x = 0; x < width; x++, o += 3) {
        const byte = b[s0 + Math.floor(x / perByte)]!;
        const index = (byte >> (8 - bpp * ((x % perByte) + 1))) & mask;
        if (index >= colours) badIndex(index);
        out[o] = palette[index * 3]!;
        out[o + 1] = palette[index * 3 + 1]!;
        out[o + 2] = palette[index * 3 + 2]!;
      }
    }
  }
  return channels === 4 ? dropZeroAlpha(out, width, h) : { data: out, width, height: h, channels };
}

function decodeBmpRle(
  b: Uint8Array,
  start: number,
  width: number,
  h: number,
  rle4: boolean,
  palette: Uint8Array,
  colours: number,
  badIndex: (index: number) => never,
): RawImage {
  const F = "BMP";
  const out = new Uint8Array(width * h * 3); // pixels the data skips stay black
  let x = 0;
  let y = 0; // rows counted from the bottom
  let p = start;
  let done = false;
  const put = (index: number): void => {
    if (index >= colours) badIndex(index);
    if (x < width && y < h) {
      const o = ((h - 1 - y) * width + x) * 3;
      out[o] = palette[index * 3]!;
      out[o + 1] = palette[index * 3 + 1]!;
      out[o + 2] = palette[index * 3 + 2]!;
    }
    x++;
  };
  while (!done && y < h && p + 2 <= b.length) {
    const n = b[p]!;
    const c = b[p + 1]!;
    p += 2;
    if (n > 0) {
      // A run: n pixels of one index (RLE4: two alternating indexes).
      if (rle4) for (let k = 0; k < n; k++) put(k & 1 ? c & 15 : c >> 4);
      else for (let k = 0; k < n; k++) put(c);
    } else if (c === 0) {
      x = 0;
      y++;
    } else if (c === 1) {
      done = true;
    } else if (c === 2) {
      if (p + 2 > b.length) break;
      x += b[p]!;
      y += b[p + 1]!;
      p += 2;
    } else {
      // Absolute: c indexes follow, padded to a 16-bit boundary.
      const bytes = rle4 ? (c + 1) >> 1 : c;
      if (p + bytes > b.length) break;
      if (rle4) for (let k = 0; k < c; k++) put(k & 1 ? b[p + (k >> 1)]! & 15 : b[p + (k >> 1)]! >> 4);
      else for (let k = 0; k < c; k++) put(b[p + k]!);
      p += bytes + (bytes & 1);
    }
  }
  // Complete: end-of-bitmap, every row ended, or the last row filled without a final escape.
  if (!done && y < h && !(y === h - 1 && x >= width)) {
    fail(F, `truncated: ${rle4 ? "RLE4" : "RLE8"} data ends at row ${y} of ${h}`);
  }
  return { data: out, width, height: h, channels: 3 };
}

// ================================================================================== TGA

function decodeTga(b: Uint8Array): RawImage {
  const F = "TGA";
  if (b.length < 18) fail(F, `truncated: ${b.length} bytes, shorter than the 18-byte header`);
  const idLength = b[0]!;
  const cmType = b[1]!;
  const type = b[2]!;
  const cmFirst = b[3]! | (b[4]! << 8);
  const cmLength = b[5]! | (b[6]! << 8);
  const cmBits = b[7]!;
  const width = b[12]! | (b[13]! << 8);
  const height = b[14]! | (b[15]! << 8);
  const bpp = b[16]!;
  const descriptor = b[17]!;

  if (type === 0) fail(F, "no image data (image type 0)");
  if (type === 32 || type === 33) fail(F, `image type ${type} (Huffman/delta compressed) is not supported`);
  if (![1, 2, 3, 9, 10, 11].includes(type)) fail(F, `bad header: image type ${type} is not a TGA image type (not a TGA file?)`);
  if (cmType > 1) fail(F, `bad header: colour-map type ${cmType}`);
  const kind = type & 7; // 1 colour-mapped, 2 true colour, 3 grey
  const rle = type >= 9;
  if (kind === 1 && cmType !== 1) fail(F, "bad header: colour-mapped image without a colour map");
  const okBpp = kind === 1 ? bpp === 8 || bpp === 16 : kind === 2 ? [15, 16, 24, 32].includes(bpp) : bpp === 8 || bpp === 16;
  if (!okBpp) fail(F, `${bpp} bits per pixel is not supported for image type ${type}`);
  if (width === 0) fail(F, "bad header: zero width");
  if (height === 0) fail(F, "bad header: zero height");
  checkSize(F, width, height);

  let p = 18 + idLength;
  let palette = new Uint8Array(0);
  let paletteChannels: 3 | 4 = 3;
  if (cmType === 1) {
    if (![15, 16, 24, 32].includes(cmBits)) {
      if (kind === 1) fail(F, `bad header: colour-map entries of ${cmBits} bits`);
    }
    const entry = Math.ceil(cmBits / 8);
    if (p + cmLength * entry > b.length) fail(F, `truncated: colour map needs ${cmLength * entry} bytes, ${Math.max(0, b.length - p)} remain`);
    if (kind === 1) {
      if (cmLength === 0) fail(F, "bad header: empty colour map");
      paletteChannels = cmBits === 32 ? 4 : 3;
      palette = new Uint8Array(cmLength * 4);
      for (let i = 0; i < cmLength; i++) tgaColour(b, p + i * entry, cmBits, palette, i * 4);
    }
    p += cmLength * entry;
  }

  const Bpp = (bpp + 7) >> 3;
  const total = width * height;
  let src = b;
  let s = p;
  if (rle) {
    const avail = Math.max(0, b.length - p);
    const most = Math.ceil(avail / (1 + Bpp)) * 128; // a packet: 1 + Bpp bytes, up to 128 pixels
    if (total > most) fail(F, `decompression bomb or truncated: ${width}x${height} declared, ${avail} bytes of RLE data can hold at most ${most} pixels`);
    src = expandTgaRle(b, p, total, Bpp);
    s = 0;
  } else if (b.length - p < total * Bpp) {
    fail(F, `truncated: ${Math.max(0, b.length - p)} of ${total * Bpp} pixel bytes`);
  }

  const channels: 1 | 3 | 4 = kind === 1 ? paletteChannels : kind === 3 ? (bpp === 8 ? 1 : 4) : bpp === 32 ? 4 : 3;
  const out = new Uint8Array(total * channels);
  const rightToLeft = (descriptor & 0x10) !== 0;
  const topToBottom = (descriptor & 0x20) !== 0;
  const step = rightToLeft ? -channels : channels;
  for (let row = 0; row < height; row++) {
    let o = ((topToBottom ? row : height - 1 - row) * width + (rightToLeft ? width - 1 : 0)) * channels;
    if (kind === 3 && bpp === 8) {
      for (let x = 0; x < width; x++, o += step) out[o] = src[s++]!;
    } else if (kind === 3) {
      for (let x = 0; x < width; x++, o += step, s += 2) {
        out[o] = out[o + 1] = out[o + 2] = src[s]!;
        out[o + 3] = src[s + 1]!;
      }
    } else if (kind === 1) {
      for (let x = 0; x < width; x++, o += step) {
        const raw = bpp === 8 ? src[s++]! : src[s++]! | (src[s++]! << 8);
        const i = raw - cmFirst;
        if (i < 0 || i >= cmLength) fail(F, `colour-map index ${raw} out of range (the map holds ${cmFirst}..${cmFirst + cmLength - 1})`);
        out[o] = palette[i * 4]!;
        out[o + 1] = palette[i * 4 + 1]!;
        out[o + 2] = palette[i * 4 + 2]!;
        if (channels === 4) out[o + 3] = palette[i * 4 + 3]!;
      }
    } else if (bpp === 24) {
      for (let x = 0; x < width; x++, o += step, s += 3) {
        out[o] = src[s + 2]!;
        out[o + 1] = src[s + 1]!;
        out[o + 2] = src[s]!;
      }
    } else if (bpp === 32) {
      for (let x = 0; x < width; x++, o += step, s += 4) {
        out[o] = src[s + 2]!;
        out[o + 1] = src[s + 1]!;
        out[o + 2] = src[s]!;
        out[o + 3] = src[s + 3]!;
      }
    } else {
      // 15/16 bits: X1R5G5B5, little-endian; the attribute bit is ignored.
      for (let x = 0; x < width; x++, o += step, s += 2) {
        const v = src[s]! | (src[s + 1]! << 8);
        out[o] = FIVE[(v >> 10) & 31]!;
        out[o + 1] = FIVE[(v >> 5) & 31]!;
        out[o + 2] = FIVE[v & 31]!;
      }
    }
  }
  return channels === 4 ? dropZeroAlpha(out, width, height) : { data: out, width, height, channels };
}

/** 5-bit value to 8 bits. */
const FIVE = Uint8Array.from({ length: 32 }, (_, v) => replicate(v, 5));

/** A TGA colour (15/16/24/32 bits at b[p]) as RGBA at out[o]. */
function tgaColour(b: Uint8Array, p: number, bits: number, out: Uint8Array, o: number): void {
  if (bits === 24 || bits === 32) {
    out[o] = b[p + 2]!;
    out[o + 1] = b[p + 1]!;
    out[o + 2] = b[p]!;
    out[o + 3] = bits === 32 ? b[p + 3]! : 255;
  } else {
    const v = b[p]! | (b[p + 1]! << 8);
    out[o] = FIVE[(v >> 10) & 31]!;
    out[o + 1] = FIVE[(v >> 5) & 31]!;
    out[o + 2] = FIVE[v & 31]!;
    out[o + 3] = 255;
  }
}

/** TGA RLE packets from b[p] to `total` pixels of Bpp bytes. Packets may cross rows. */
function expandTgaRle(b: Uint8Array, p: number, total: number, Bpp: number): Uint8Array {
  const out = new Uint8Array(total * Bpp);
  const end = total * Bpp;
  let o = 0;
  while (o < end) {
    if (p >= b.length) fail("TGA", `truncated: RLE data covers ${o / Bpp} of ${total} pixels`);
    const header = b[p++]!;
    const count = (header & 0x7f) + 1;
    if (header & 0x80) {
      if (p + Bpp > b.length) fail("TGA", `truncated: RLE data covers ${o / Bpp} of ${total} pixels`);
      const n = Math.min(count, (end - o) / Bpp);
      if (Bpp === 1) {
        out.fill(b[p]!, o, o + n);
        o += n;
      } else {
        for (let k = 0; k < n; k++) for (let c = 0; c < Bpp; c++) out[o++] = b[p + c]!;
      }
      p += Bpp;
    } else {
      const bytes = Math.min(count * Bpp, end - o);
      if (p + bytes > b.length) fail("TGA", `truncated: RLE data covers ${o / Bpp + Math.floor((b.length - p) / Bpp)} of ${total} pixels`);
      if (bytes > 64) out.set(b.subarray(p, p + bytes), o);
      else for (let k = 0; k < bytes; k++) out[o + k] = b[p + k]!;
      o += bytes;
      p += count * Bpp;
    }
  }
  return out;
}

// =============================================================================== Netpbm

function decodeNetpbm(b: Uint8Array): RawImage {
  const magic = b.length >= 2 && b[0] === 0x50 ? String.fromCharCode(b[1]!) : "";
  const F = netpbmName(magic);
  if (!F || b.length < 3 || !isSpace(b[2]!)) {
    fail(F || "NETPBM", `bad magic: not a Netpbm file (starts with ${JSON.stringify(ascii(b, 0, 2))}, not P1-P7, PF or Pf)`);
  }
  const t = new Tokens(b, 2, F);
  if (magic === "7") return decodePam(t);
  if (magic === "F" || magic === "f") return decodePfm(t, magic === "F" ? 3 : 1);

  const width = t.uint("width");
  const height = t.uint("height");
  if (width === 0) fail(F, "bad header: zero width");
  if (height === 0) fail(F, "bad header: zero height");
  checkSize(F, width, height);
  const bitmap = magic === "1" || magic === "4";
  const maxval = bitmap ? 1 : t.uint("maxval");
  if (maxval < 1 || maxval > 65535) fail(F, `bad header: maxval ${maxval} is not 1..65535`);
  const channels: 1 | 3 = magic === "3" || magic === "6" ? 3 : 1;
  const samples = width * height * channels;
  const plain = magic === "1" || magic === "2" || magic === "3";

  if (plain) {
    t.skip();
    const avail = b.length - t.p;
    // Plain samples: a digit each, and for P2/P3 a separator between two.
    const least = magic === "1" ? samples : 2 * samples - 1;
    if (avail < least) fail(F, `truncated: ${avail} bytes of plain samples, ${width}x${height} needs at least ${least}`);
    const out = new Uint8Array(samples);
    if (magic === "1") {
      // 1 is black; digits need no separator.
      for (let i = 0; i < samples; i++) {
        t.skip();
        const c = b[t.p++];
        if (c === 0x30) out[i] = 255;
        else if (c !== 0x31) fail(F, c === undefined ? `truncated: ${i} of ${samples} pixels` : `bad pixel: ${JSON.stringify(String.fromCharCode(c))} is not 0 or 1`);
      }
      return { data: out, width, height, channels };
    }
    const lut = scaleLut(maxval);
    for (let i = 0; i < samples; i++) {
      const v = t.sample(i, samples);
      if (v > maxval) fail(F, `bad sample: ${v} exceeds maxval ${maxval}`);
      out[i] = lut[v]!;
    }
    return { data: out, width, height, channels };
  }

  t.raster();
  const avail = b.length - t.p;
  if (magic === "4") {
    const rowBytes = Math.ceil(width / 8);
    if (avail < rowBytes * height) fail(F, `truncated: ${avail} of ${rowBytes * height} pixel bytes`);
    const out = new Uint8Array(samples);
    for (let y = 0, o = 0; y < height; y++) {
      const s0 = t.p + y * rowBytes;
      for (let x = 0; x < width; x++) out[o++] = (b[s0 + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 255;
    }
    return { data: out, width, height, channels };
  }
  return { data: binarySamples(b, t.p, samples, maxval, F), width, height, channels };
}

function netpbmName(magic: string): string {
  switch (magic) {
    case "1":
    case "4":
      return "PBM";
    case "2":
    case "5":
      return "PGM";
    case "3":
    case "6":
      return "PPM";
    case "7":
      return "PAM";
    case "F":
    case "f":
      return "PFM";
    default:
      return "";
  }
}

/** `samples` binary samples (1 byte, or 2 big-endian from maxval 256) at b[p], scaled to 8 bits. */
function binarySamples(b: Uint8Array, p: number, samples: number, maxval: number, F: string): Uint8Array {
  const wide = maxval > 255;
  const bytes = samples * (wide ? 2 : 1);
  const avail = b.length - p;
  if (avail < bytes) fail(F, `truncated: ${avail} of ${bytes} pixel bytes`);
  if (maxval === 255) return new Uint8Array(b.subarray(p, p + bytes)); // a copy, not a view of the input
  const out = new Uint8Array(samples);
  const lut = scaleLut(maxval);
  for (let i = 0, s = p; i < samples; i++) {
    let v: number;
    if (wide) {
      v = (b[s]! << 8) | b[s + 1]!;
      s += 2;
    } else {
      v = b[s++]!;
    }
    if (v > maxval) fail(F, `bad sample: ${v} exceeds maxval ${maxval}`);
    out[i] = lut[v]!;
  }
  return out;
}

const lutCache = new Map<number, Uint8Array>();

/** 0..maxval to 0..255, rounded. */
function scaleLut(maxval: number): Uint8Array {
  let lut = lutCache.get(maxval);
  if (!lut) {
    lut = new Uint8Array(maxval + 1);
    const half = Math.floor(maxval / 2);
    for (let v = 0; v <= maxval; v++) lut[v] = Math.floor((v * 255 + half) / maxval);
    if (lutCache.size < 16) lutCache.set(maxval, lut);
  }
  return lut;
}

const TUPLTYPES: Readonly<Record<string, number>> = {
  BLACKANDWHITE: 1,
  GRAYSCALE: 1,
  BLACKANDWHITE_ALPHA: 2,
  GRAYSCALE_ALPHA: 2,
  RGB: 3,
  RGB_ALPHA: 4,
};

function decodePam(t: Tokens): RawImage {
  const F = "PAM";
  const b = t.b;
  let width = -1;
  let height = -1;
  let depth = -1;
  let maxval = -1;
  let tupltype = "";
  // Header lines "KEY value" up to ENDHDR; '#' lines are comments.
  for (;;) {
    if (t.p >= b.length) fail(F, "truncated: header has no ENDHDR");
    let e = t.p;
    while (e < b.length && b[e] !== 0x0a) e++;
    const line = ascii(b, t.p, e - t.p).trim();
    t.p = e + 1;
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line)!;
    const key = m[1]!;
    const value = m[2]!;
    if (key === "ENDHDR") break;
    if (key === "TUPLTYPE") {
      tupltype = tupltype ? `${tupltype} ${value}` : value;
      continue;
    }
    if (key !== "WIDTH" && key !== "HEIGHT" && key !== "DEPTH" && key !== "MAXVAL") fail(F, `bad header: unknown line ${JSON.stringify(line.slice(0, 40))}`);
    if (!/^\d{1,10}$/.test(value)) fail(F, `bad header: ${key} ${JSON.stringify(value.slice(0, 20))} is not a number`);
    const n = Number(value);
    if (key === "WIDTH") width = n;
    else if (key === "HEIGHT") height = n;
    else if (key === "DEPTH") depth = n;
    else maxval = n;
  }
  if (t.p > b.length) fail(F, "truncated: no pixel data after ENDHDR");
  for (const [name, v] of [
    ["WIDTH", width],
    ["HEIGHT", height],
    ["DEPTH", depth],
    ["MAXVAL", maxval],
  ] as const) {
    if (v < 0) fail(F, `bad header: no ${name}`);
  }
  if (width === 0) fail(F, "bad header: zero width");
  if (height === 0) fail(F, "bad header: zero height");
  checkSize(F, width, height);
  if (maxval < 1 || maxval > 65535) fail(F, `bad header: MAXVAL ${maxval} is not 1..65535`);
  const want = TUPLTYPES[tupltype];
  if (tupltype && want === undefined && depth > 4) fail(F, `TUPLTYPE ${tupltype} with DEPTH ${depth} is not supported`);
  if (want !== undefined && want !== depth) fail(F, `bad header: TUPLTYPE ${tupltype} needs DEPTH ${want}, not ${depth}`);
  if (depth < 1 || depth > 4) fail(F, `DEPTH ${depth} is not supported (1 to 4 planes)`);

  const samples = width * height * depth;
  const data = binarySamples(b, t.p, samples, maxval, F);
  if (depth !== 2) return { data, width, height, channels: depth as 1 | 3 | 4 };
  // Grey and alpha: as RGBA.
  const pixels = width * height;
  const out = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    const grey = data[i * 2]!;
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = grey;
    out[i * 4 + 3] = data[i * 2 + 1]!;
  }
  return { data: out, width, height, channels: 4 };
}

function decodePfm(t: Tokens, channels: 1 | 3): RawImage {
  const F = "PFM";
  const b = t.b;
  const width = t.uint("width");
  const height = t.uint("height");
  const scaleText = t.word("scale");
  const scale = Number(scaleText);
  if (!Number.isFinite(scale) || scale === 0) fail(F, `bad header: scale ${JSON.stringify(scaleText.slice(0, 20))} is not a non-zero number`);
  if (width === 0) fail(F, "bad header: zero width");
  if (height === 0) fail(F, "bad header: zero height");
  checkSize(F, width, height);
  t.raster();
  const samples = width * height * channels;
  const avail = b.length - t.p;
  if (avail < samples * 4) fail(F, `truncated: ${avail} of ${samples * 4} pixel bytes`);
  // Negative scale: little-endian. Rows bottom-up. Tone map: clamp to 0..1, no curve.
  const littleEndian = scale < 0;
  const dv = view(b);
  const rowSamples = width * channels;
  const out = new Uint8Array(samples);
  for (let row = 0; row < height; row++) {
    let s = t.p + row * rowSamples * 4;
    let o = (height - 1 - row) * rowSamples;
    for (let i = 0; i < rowSamples; i++, s += 4) {
      const v = dv.getFloat32(s, littleEndian) * 255;
      out[o++] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0; // NaN and negatives: 0
    }
  }
  return { data: out, width, height, channels };
}

/** Netpbm header tokens: whitespace-separated, '#' comments to the end of the line. */
class Tokens {
  constructor(
    readonly b: Uint8Array,
    public p: number,
    readonly F: string,
  ) {}

  skip(): void {
    const b = this.b;
    for (;;) {
      const c = b[this.p];
      if (c === undefined) return;
      if (isSpace(c)) this.p++;
      else if (c === 0x23) {
        while (this.p < b.length && b[this.p] !== 0x0a && b[this.p] !== 0x0d) this.p++;
      } else return;
    }
  }

  word(what: string): string {
    this.skip();
    const start = this.p;
    while (this.p < this.b.length && !isSpace(this.b[this.p]!) && this.b[this.p] !== 0x23) this.p++;
    if (this.p === start) fail(this.F, this.p >= this.b.length ? `truncated: header ends before the ${what}` : `bad header: no ${what}`);
    return ascii(this.b, start, this.p - start);
  }

  uint(what: string): number {
    const w = this.word(what);
    if (!/^\d+$/.test(w)) fail(this.F, `bad header: ${what} ${JSON.stringify(w.slice(0, 20))} is not a number`);
    if (w.length > 10) fail(this.F, `image too large: ${what} ${w.slice(0, 20)}`);
    return Number(w);
  }

  /** A plain (ASCII) sample, the i-th of n. */
  sample(i: number, n: number): number {
    this.skip();
    const b = this.b;
    let v = 0;
    let digits = 0;
    for (let c = b[this.p]; c !== undefined && c >= 0x30 && c <= 0x39; c = b[++this.p]) {
      v = v * 10 + (c - 0x30);
      if (++digits > 6) fail(this.F, "bad sample: more than 6 digits");
    }
    if (digits === 0) {
      const c = b[this.p];
      fail(this.F, c === undefined ? `truncated: ${i} of ${n} samples` : `bad sample: unexpected ${JSON.stringify(String.fromCharCode(c))}`);
    }
    return v;
  }

  /** The single whitespace byte between the last header token and the raster. */
  raster(): void {
    const c = this.b[this.p];
    if (c === undefined) fail(this.F, "truncated: no pixel data after the header");
    if (!isSpace(c)) fail(this.F, `bad header: ${JSON.stringify(String.fromCharCode(c))} after the header`);
    this.p++;
  }
}

// =============================================================================== shared

function checkSize(F: string, width: number, height: number): void {
  if (width === 0) fail(F, "bad header: zero width");
  if (height === 0) fail(F, "bad header: zero height");
  if (width * height > MAX_PIXELS) {
    fail(F, `image too large: ${width}x${height} is over ${MAX_PIXELS.toLocaleString("en-US")} pixels (0x3fff x 0x3fff)`);
  }
}

/**
 * RGBA whose alpha is 0 everywhere: alpha was never written (a 32-bit BMP's reserved byte,
 * some TGA writers); treat as opaque RGB, compacted in place.
 */
function dropZeroAlpha(rgba: Uint8Array, width: number, height: number): RawImage {
  const pixels = width * height;
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 0) return { data: rgba, width, height, channels: 4 };
  for (let i = 0, o = 0; i < pixels * 4; i += 4, o += 3) {
    rgba[o] = rgba[i]!;
    rgba[o + 1] = rgba[i + 1]!;
    rgba[o + 2] = rgba[i + 2]!;
  }
  return { data: rgba.subarray(0, pixels * 3), width, height, channels: 3 };
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function ascii(b: Uint8Array, start: number, length: number): string {
  let s = "";
  const end = Math.min(b.length, start + length);
  for (let i = Math.max(0, start); i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
