// Malformed and hostile input: each a DecodeError with a reason, nothing allocated from a
// header that the data cannot back, and no other kind of exception whatever the bytes.

import { describe, expect, test } from "vitest";
import { DecodeError, decodeRaw, MAX_PIXELS, type RawFormat } from "../../../src/adapters/decode/rawdec.js";
import { binaryPnm, bmpFile, bmpRle, bmpRows, pam, pfm, plainPnm, tgaFile } from "./helpers/encoders.js";

function reason(bytes: Uint8Array, format: RawFormat): string {
  try {
    decodeRaw(bytes, format);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return (err as DecodeError).message;
  }
  throw new Error("decoded without complaint");
}

const pal2 = Uint8Array.of(0, 0, 0, 255, 255, 255);
const bmp24 = (w: number, h: number): Uint8Array =>
  bmpFile({ width: w, height: h, header: 40, bpp: 24, pixels: bmpRows(Array.from({ length: h }, () => new Uint8Array(w * 3).fill(7))) });
const tga24 = (w: number, h: number, type = 2): Uint8Array => tgaFile({ type, width: w, height: h, bpp: 24, pixels: new Uint8Array(w * h * 3).fill(9) });
const grey = (w: number, h: number) => ({ data: new Uint8Array(w * h).fill(100), width: w, height: h, channels: 1 as const });

/** Overwrite little-endian integers in a copy. */
function patch(bytes: Uint8Array, at: number, value: number, size: 2 | 4): Uint8Array {
  const out = Uint8Array.from(bytes);
  const dv = new DataView(out.buffer);
  if (size === 2) dv.setUint16(at, value, true);
  else dv.setInt32(at, value, true);
  return out;
}

describe("BMP", () => {
  test.each([
    ["bad magic", Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), /^BMP: bad magic: not a BMP file \(starts with "GI"/],
    ["OS/2 bitmap array", Buffer.from("BA\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), /OS\/2 "BA" bitmap arrays/],
    ["header cut short", bmp24(4, 4).subarray(0, 30), /^BMP: truncated: 30 bytes, shorter than the 40-byte info header/],
    ["pixels cut short", bmp24(40, 40).subarray(0, 1254), /^BMP: truncated: 1200 of 4800 pixel bytes$/],
    ["zero width", patch(bmp24(4, 4), 18, 0, 4), /^BMP: bad header: zero width$/],
    ["zero height", patch(bmp24(4, 4), 22, 0, 4), /^BMP: bad header: zero height$/],
    ["negative width", patch(bmp24(4, 4), 18, -4, 4), /negative width -4/],
    ["huge declared size", patch(patch(bmp24(4, 4), 18, 100000, 4), 22, 100000, 4), /^BMP: image too large: 100000x100000 is over 268,402,689 pixels/],
    ["declared size beyond the data (no allocation)", patch(patch(bmp24(4, 4), 18, 16000, 4), 22, 16000, 4), /^BMP: truncated: 48 of 768000000 pixel bytes$/],
    ["unknown header size", patch(bmp24(4, 4), 14, 99, 4), /unknown info header size 99/],
    ["JPEG inside", patch(bmp24(4, 4), 30, 4, 4), /^BMP: compression 4 \(JPEG\) is not supported$/],
    ["PNG inside", patch(bmp24(4, 4), 30, 5, 4), /^BMP: compression 5 \(PNG\) is not supported$/],
    ["CMYK", patch(bmp24(4, 4), 30, 11, 4), /compression 11 \(CMYK\) is not supported/],
    ["2 bits a pixel", patch(bmp24(4, 4), 28, 2, 2), /2 bits per pixel with compression 0 \(RGB\) is not supported/],
    ["RLE8 with 24 bits", patch(bmp24(4, 4), 30, 1, 4), /24 bits per pixel with compression 1 \(RLE8\)/],
    ["pixel offset past the end", patch(bmp24(4, 4), 10, 5000, 4), /pixel data offset 5000 is past the end/],
    ["pixel offset inside the headers", patch(bmp24(4, 4), 10, 20, 4), /pixel data offset 20 lies inside the 54 bytes of headers/],
  ])("%s", (_name, bytes, expected) => {
    expect(reason(bytes, "bmp")).toMatch(expected);
  });

  test("palette index out of range (8-bit, 2-colour palette)", () => {
    const bytes = bmpFile({ width: 4, height: 1, header: 40, bpp: 8, palette: pal2, clrUsed: 2, pixels: Uint8Array.of(0, 1, 200, 0) });
    expect(reason(bytes, "bmp")).toBe("BMP: palette index 200 out of range (the palette has 2 colours)");
  });

  test("palette index out of range in RLE8 and RLE4 data", () => {
    const rle8 = bmpFile({ width: 4, height: 1, header: 40, bpp: 8, compression: 1, palette: pal2, clrUsed: 2, pixels: bmpRle([[0, 1, 7, 7]], false) });
    expect(reason(rle8, "bmp")).toMatch(/palette index 7 out of range/);
    const rle4 = bmpFile({ width: 4, height: 1, header: 40, bpp: 4, compression: 2, palette: pal2, clrUsed: 2, pixels: bmpRle([[0, 1, 9, 9]], true) });
    expect(reason(rle4, "bmp")).toMatch(/palette index 9 out of range/);
  });

  test("paletted without a palette", () => {
    const bytes = bmpFile({ width: 4, height: 1, header: 40, bpp: 8, pixels: new Uint8Array(4) });
    expect(reason(bytes, "bmp")).toMatch(/8-bit paletted bitmap without a palette/);
  });

  test("RLE8 decompression bomb: 16000 x 16000 from a few bytes", () => {
    const bytes = bmpFile({ width: 16000, height: 16000, header: 40, bpp: 8, compression: 1, palette: pal2, pixels: Uint8Array.of(0, 1) });
    const started = performance.now();
    expect(reason(bytes, "bmp")).toBe("BMP: decompression bomb or truncated: 16000x16000 declared from 2 bytes of RLE8 data (at most 256 pixels a byte)");
    expect(performance.now() - started).toBeLessThan(50);
  });

  test("RLE stream cut short", () => {
    const rows = Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => (x + y) & 1));
    const full = bmpFile({ width: 8, height: 8, header: 40, bpp: 8, compression: 1, palette: pal2, pixels: bmpRle(rows, false) });
    expect(reason(full.subarray(0, full.length - 20), "bmp")).toMatch(/^BMP: truncated: RLE8 data ends at row \d of 8$/);
  });

  test("top-down RLE is not a thing", () => {
    const bytes = bmpFile({ width: 2, height: 2, header: 40, bpp: 8, compression: 1, topDown: true, palette: pal2, pixels: Uint8Array.of(0, 1) });
    expect(reason(bytes, "bmp")).toMatch(/top-down \(negative height\) bitmap cannot be RLE8 compressed/);
  });

  test("bitfield masks: not contiguous, overlapping, all zero", () => {
    const mk = (masks: [number, number, number, number]) => bmpFile({ width: 1, height: 1, header: 40, bpp: 32, compression: 3, masks, pixels: new Uint8Array(4) });
    expect(reason(mk([0xf0f0, 0xff0000, 0xff, 0]), "bmp")).toMatch(/red mask 0xf0f0 is not one run of bits/);
    expect(reason(mk([0xff00, 0xfff0, 0xf, 0]), "bmp")).toMatch(/colour masks overlap/);
    expect(reason(mk([0, 0, 0, 0]), "bmp")).toMatch(/masks are all zero/);
  });
});

describe("TGA", () => {
  test.each([
    ["header cut short", tga24(2, 2).subarray(0, 10), /^TGA: truncated: 10 bytes, shorter than the 18-byte header$/],
    ["not a TGA (a PNG)", Buffer.from("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00", "latin1"), /^TGA: bad header: image type 78 is not a TGA image type/],
    ["no image (type 0)", patch(tga24(2, 2), 2, 0, 2).map((v, i) => (i === 3 ? 0 : v)), /no image data \(image type 0\)/],
    ["Huffman (type 32)", Uint8Array.from(tga24(2, 2)).fill(32, 2, 3), /image type 32 \(Huffman\/delta compressed\) is not supported/],
    ["zero width", patch(tga24(2, 2), 12, 0, 2), /^TGA: bad header: zero width$/],
    ["zero height", patch(tga24(2, 2), 14, 0, 2), /^TGA: bad header: zero height$/],
    ["huge declared size", patch(patch(tga24(2, 2), 12, 65535, 2), 14, 65535, 2), /^TGA: image too large: 65535x65535/],
    ["pixels cut short", tga24(40, 40).subarray(0, 18 + 1200), /^TGA: truncated: 1200 of 4800 pixel bytes$/],
    ["declared size beyond the data (no allocation)", patch(patch(tga24(2, 2), 12, 16000, 2), 14, 16000, 2), /^TGA: truncated: 12 of 768000000 pixel bytes$/],
    ["RLE decompression bomb", patch(patch(tga24(2, 2, 10), 12, 16000, 2), 14, 16000, 2), /^TGA: decompression bomb or truncated: 16000x16000 declared, 4 bytes of RLE data can hold at most 128 pixels$/],
    ["RLE cut short", tga24(40, 40, 10).subarray(0, 18 + 13 * 4 - 2), /^TGA: truncated: RLE data covers 1536 of 1600 pixels$/],
    ["12 bits a pixel", Uint8Array.from(tga24(2, 2)).fill(12, 16, 17), /12 bits per pixel is not supported for image type 2/],
    ["colour-mapped without a map", Uint8Array.from(tga24(2, 2)).fill(1, 2, 3), /colour-mapped image without a colour map/],
  ])("%s", (_name, bytes, expected) => {
    expect(reason(bytes, "tga")).toMatch(expected);
  });

  test("colour-map index out of range (below the first entry, past the last)", () => {
    const map = Uint8Array.of(0, 0, 255, 0, 255, 0);
    const below = tgaFile({ type: 1, width: 2, height: 1, bpp: 8, colourMap: { first: 5, bits: 24, entries: map }, pixels: Uint8Array.of(5, 4) });
    expect(reason(below, "tga")).toBe("TGA: colour-map index 4 out of range (the map holds 5..6)");
    const past = tgaFile({ type: 9, width: 2, height: 1, bpp: 8, colourMap: { first: 0, bits: 24, entries: map }, pixels: Uint8Array.of(1, 2) });
    expect(reason(past, "tga")).toBe("TGA: colour-map index 2 out of range (the map holds 0..1)");
  });

  test("colour map cut short", () => {
    const bytes = tgaFile({ type: 1, width: 2, height: 1, bpp: 8, colourMap: { first: 0, bits: 24, entries: new Uint8Array(768) }, pixels: Uint8Array.of(1, 2) });
    expect(reason(bytes.subarray(0, 100), "tga")).toMatch(/truncated: colour map needs 768 bytes, 82 remain/);
  });
});

describe("Netpbm", () => {
  const ppm = binaryPnm({ data: new Uint8Array(40 * 40 * 3).fill(5), width: 40, height: 40, channels: 3 }, 255);
  test.each([
    ["bad magic", Buffer.from("P9\n1 1\n255\n\0"), "ppm", /^NETPBM: bad magic: not a Netpbm file \(starts with "P9"/],
    ["a GIF", Buffer.from("GIF89a"), "pgm", /^NETPBM: bad magic/],
    ["empty", new Uint8Array(0), "pbm", /^NETPBM: bad magic/],
    ["zero width", Buffer.from("P5\n0 10\n255\n"), "pgm", /^PGM: bad header: zero width$/],
    ["zero height", Buffer.from("P4 8 0\n"), "pbm", /^PBM: bad header: zero height$/],
    ["huge declared size", Buffer.from("P6\n100000 100000\n255\n\0\0\0"), "ppm", /^PPM: image too large: 100000x100000/],
    ["absurd number", Buffer.from("P6\n99999999999999999999 1\n255\n"), "ppm", /image too large: width 99999999999999999999/],
    ["declared size beyond the data (no allocation)", Buffer.from("P6\n16000 16000\n255\n\0\0\0"), "ppm", /^PPM: truncated: 3 of 768000000 pixel bytes$/],
    ["pixels cut short", ppm.subarray(0, ppm.length - 100), "ppm", /^PPM: truncated: 4700 of 4800 pixel bytes$/],
    ["plain samples cannot fill the size", Buffer.from("P2\n16000 16000\n255\n1 2 3\n"), "pgm", /^PGM: truncated: 6 bytes of plain samples, 16000x16000 needs at least 511999999$/],
    ["plain samples cut short", Buffer.from("P2\n2 2\n255\n1 2 3    "), "pgm", /^PGM: truncated: 3 of 4 samples$/],
    ["sample over maxval (plain)", Buffer.from("P2\n2 1\n100\n50 101\n"), "pgm", /^PGM: bad sample: 101 exceeds maxval 100$/],
    ["sample over maxval (binary)", Buffer.from("P5\n2 1\n100\n\x32\x65", "latin1"), "pgm", /^PGM: bad sample: 101 exceeds maxval 100$/],
    ["sample over maxval (16-bit)", Buffer.from("P5\n1 1\n1000\n\x03\xe9", "latin1"), "pgm", /bad sample: 1001 exceeds maxval 1000/],
    ["maxval 0", Buffer.from("P5\n1 1\n0\n\0"), "pgm", /maxval 0 is not 1\.\.65535/],
    ["maxval 70000", Buffer.from("P5\n1 1\n70000\n\0\0"), "pgm", /maxval 70000 is not 1\.\.65535/],
    ["not a number", Buffer.from("P5\nabc 1\n255\n\0"), "pgm", /bad header: width "abc" is not a number/],
    ["header cut short", Buffer.from("P5\n12 "), "pgm", /truncated: header ends before the height/],
    ["no raster", Buffer.from("P5\n1 1\n255"), "pgm", /truncated: no pixel data after the header/],
    ["P1 stray character", Buffer.from("P1\n2 1\n0 x\n"), "pbm", /bad pixel: "x" is not 0 or 1/],
    ["plain garbage", Buffer.from("P3\n1 1\n255\n1 2 -3\n"), "ppm", /bad sample: unexpected "-"/],
    ["PAM without ENDHDR", Buffer.from("P7\nWIDTH 2\nHEIGHT 2\nDEPTH 1\nMAXVAL 255\n"), "pam", /^PAM: truncated: header has no ENDHDR$/],
    ["PAM missing DEPTH", Buffer.from("P7\nWIDTH 2\nHEIGHT 2\nMAXVAL 255\nENDHDR\n"), "pam", /^PAM: bad header: no DEPTH$/],
    ["PAM TUPLTYPE against DEPTH", Buffer.from("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n\0\0\0\0"), "pam", /TUPLTYPE RGB needs DEPTH 3, not 4/],
    ["PAM depth 5", Buffer.from("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 5\nMAXVAL 255\nTUPLTYPE CMYK_ALPHA\nENDHDR\n\0\0\0\0\0"), "pam", /TUPLTYPE CMYK_ALPHA with DEPTH 5 is not supported/],
    ["PAM unknown line", Buffer.from("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nCOLOUR blue\nENDHDR\n\0"), "pam", /unknown line "COLOUR blue"/],
    ["PAM zero width", Buffer.from("P7\nWIDTH 0\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR\n"), "pam", /^PAM: bad header: zero width$/],
    ["PFM scale 0", Buffer.from("PF\n1 1\n0\n\0\0\0\0\0\0\0\0\0\0\0\0"), "pfm", /scale "0" is not a non-zero number/],
    ["PFM scale not a number", Buffer.from("Pf\n1 1\nabc\n\0\0\0\0"), "pfm", /scale "abc" is not a non-zero number/],
    ["PFM cut short", pfm(new Float32Array(30), 10, 1, 3, true).subarray(0, 50), "pfm", /^PFM: truncated: \d+ of 120 pixel bytes$/],
    ["PFM huge", Buffer.from("PF\n70000 70000\n-1.0\n"), "pfm", /^PFM: image too large/],
  ] as const)("%s", (_name, bytes, format, expected) => {
    expect(reason(bytes, format)).toMatch(expected);
  });
});

test("MAX_PIXELS is sharp's default (0x3fff x 0x3fff)", () => {
  expect(MAX_PIXELS).toBe(16383 * 16383);
  // Exactly at the limit is allowed by the check (it then fails only for want of data).
  expect(reason(Buffer.from(`P5\n16383 16383\n255\n`), "pgm")).toMatch(/truncated: 0 of 268402689 pixel bytes/);
  expect(reason(Buffer.from(`P5\n16384 16383\n255\n`), "pgm")).toMatch(/image too large/);
});

// ----------------------------------------------------------------------- random damage

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("damaged files (cut anywhere, bytes flipped) decode consistently or throw DecodeError, nothing else", () => {
  const w = 13;
  const h = 7;
  const px = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 37) & 255);
  const idx = Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => (x * 3 + y) & 15));
  const pal16 = Uint8Array.from({ length: 48 }, (_, i) => i * 5);
  const samples: Array<[RawFormat, Uint8Array]> = [
    ["bmp", bmp24(w, h)],
    ["bmp", bmpFile({ width: w, height: h, header: 40, bpp: 4, compression: 2, palette: pal16, pixels: bmpRle(idx, true) })],
    ["bmp", bmpFile({ width: w, height: h, header: 40, bpp: 8, compression: 1, palette: pal16, pixels: bmpRle(idx, false) })],
    ["bmp", bmpFile({ width: w, height: h, header: 124, bpp: 32, compression: 3, masks: [0xff0000, 0xff00, 0xff, 0xff000000], pixels: px })],
    ["bmp", bmpFile({ width: w, height: h, header: 12, bpp: 8, palette: pal16, pixels: bmpRows(idx.map((r) => Uint8Array.from(r))) })],
    ["tga", tgaFile({ type: 10, width: w, height: h, bpp: 32, pixels: px })],
    ["tga", tgaFile({ type: 9, width: w, height: h, bpp: 8, colourMap: { first: 0, bits: 24, entries: pal16 }, pixels: Uint8Array.from(idx.flat()) })],
    ["pgm", plainPnm(grey(w, h), "P2", 1000)],
    ["pbm", plainPnm(grey(w, h), "P1")],
    ["ppm", binaryPnm({ data: px.subarray(0, w * h * 3), width: w, height: h, channels: 3 }, 65535)],
    ["pam", pam({ data: px.subarray(0, w * h * 2), width: w, height: h, depth: 2 }, "GRAYSCALE_ALPHA", 255)],
    ["pfm", pfm(Float32Array.from({ length: w * h * 3 }, (_, i) => i / 300), w, h, 3, true)],
  ];
  const random = rng(12345);
  let decoded = 0;
  let refused = 0;
  for (const [format, good] of samples) {
    const variants: Uint8Array[] = [];
    for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 60))) variants.push(good.subarray(0, cut));
    for (let k = 0; k < 300; k++) {
      const bad = Uint8Array.from(good);
      const flips = 1 + Math.floor(random() * 4);
      // Mostly in the headers, where damage matters most.
      for (let f = 0; f < flips; f++) bad[Math.floor(random() * Math.min(bad.length, random() < 0.7 ? 80 : bad.length))] = Math.floor(random() * 256);
      variants.push(bad);
    }
    for (const bytes of variants) {
      try {
        const img = decodeRaw(bytes, format);
        expect(img.data.length).toBe(img.width * img.height * img.channels);
        expect(img.width * img.height).toBeLessThanOrEqual(MAX_PIXELS);
        decoded++;
      } catch (err) {
        if (!(err instanceof DecodeError)) throw new Error(`${format}: ${String(err)} for ${Buffer.from(bytes.subarray(0, 40)).toString("hex")}`);
        expect(err.reason.length).toBeGreaterThan(5);
        refused++;
      }
    }
  }
  expect(decoded).toBeGreaterThan(100);
  expect(refused).toBeGreaterThan(100);
});
