// Variants ffmpeg does not write: files written by ImageMagick (RLE8, OS/2 headers, 4-bit,
// V5 alpha, RLE TGA with alpha, plain PNM, 16-bit PNM, big-endian PFM), and hand-built
// files (RLE4, OS/2 2.x, top-down, bitfields, TGA origins and right-to-left, colour maps
// with a first index, 16-bit maps, grey+alpha, odd maxvals, PFM out of range). Hand-built
// files are checked against the pixels they were built from, and against ImageMagick and
// ffmpeg where those read them.

import { writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeRaw, type RawFormat, type RawImage } from "../../../src/adapters/decode/rawdec.js";
import { expand, expectPixels, sniffed } from "./helpers/compare.js";
import { binaryPnm, bmpFile, bmpRle, bmpRows, packIndexes, pam, pfm, plainPnm, tgaFile, type Picture } from "./helpers/encoders.js";
import { ffDecode, ffEncode, im, IMAGEMAGICK, imDecode, readFileSync, tempDir, testPicture } from "./helpers/tools.js";

const W = 173;
const H = 97;
let tmp: ReturnType<typeof tempDir>;
let rgb: Uint8Array;
let rgba: Uint8Array;
let grey: Uint8Array;
let srcPng: string;
let srcPngAlpha: string;

beforeAll(() => {
  tmp = tempDir();
  rgb = testPicture(W, H);
  rgba = testPicture(W, H, true);
  grey = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) grey[i] = Math.round(0.299 * rgb[i * 3]! + 0.587 * rgb[i * 3 + 1]! + 0.114 * rgb[i * 3 + 2]!);
  srcPng = tmp.file("src.png");
  srcPngAlpha = tmp.file("src-alpha.png");
  ffEncode(rgb, "rgb24", W, H, srcPng, "png", "rgb24");
  ffEncode(rgba, "rgba", W, H, srcPngAlpha, "png", "rgba");
});
afterAll(() => tmp.cleanup());

const MAP = { 1: "gray", 3: "rgb", 4: "rgba" } as const;
const PIX = { 1: "gray", 3: "rgb24", 4: "rgba" } as const;

/** Decode `bytes` as `format`, write it to a file, and compare with ImageMagick and ffmpeg when asked. */
function check(
  name: string,
  bytes: Uint8Array,
  format: RawFormat,
  opts: { im?: boolean; imTolerance?: number; ff?: boolean } = {},
): RawImage {
  const file = tmp.file(`${name}.${format}`);
  writeFileSync(file, bytes);
  const img = decodeRaw(bytes, format);
  expect(img.data.length).toBe(img.width * img.height * img.channels);
  if (opts.im) expectPixels(img, imDecode(file, MAP[img.channels]), opts.imTolerance ?? 0, "ImageMagick");
  if (opts.ff) expectPixels(img, ffDecode(file, PIX[img.channels]), 0, "ffmpeg");
  return img;
}

// ------------------------------------------------------------------------- palettes

/** 16 colours: red 0/255, green 0/85/170/255, blue 0/255. */
const PAL16 = Uint8Array.from({ length: 48 }, (_, k) => {
  const i = Math.floor(k / 3);
  return [(i >> 3) * 255, ((i >> 1) & 3) * 85, (i & 1) * 255][k % 3]!;
});
const idx16 = (r: number, g: number, b: number): number => ((r >> 7) << 3) | ((g >> 6) << 1) | (b >> 7);
/** 3-3-2. */
const PAL256 = Uint8Array.from({ length: 768 }, (_, k) => {
  const i = Math.floor(k / 3);
  return [Math.round(((i >> 5) * 255) / 7), Math.round((((i >> 2) & 7) * 255) / 7), Math.round(((i & 3) * 255) / 3)][k % 3]!;
});
const idx256 = (r: number, g: number, b: number): number => ((r >> 5) << 5) | ((g >> 5) << 2) | (b >> 6);
const PAL2 = Uint8Array.of(20, 30, 90, 230, 190, 40);

/** Rows of palette indexes for the test picture, and what they decode to. */
function indexed(index: (r: number, g: number, b: number) => number, palette: Uint8Array): { rows: number[][]; expected: Uint8Array } {
  const rows: number[][] = [];
  const expected = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    const row: number[] = [];
    for (let x = 0; x < W; x++) {
      const p = (y * W + x) * 3;
      const i = index(rgb[p]!, rgb[p + 1]!, rgb[p + 2]!);
      row.push(i);
      expected.set(palette.subarray(i * 3, i * 3 + 3), p);
    }
    rows.push(row);
  }
  return { rows, expected };
}

/** Pixels in BGR(A) order as BMP and TGA store them, top-down. */
function bgr(data: Uint8Array, channels: 3 | 4): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += channels) {
    out[i] = data[i + 2]!;
    out[i + 1] = data[i + 1]!;
    out[i + 2] = data[i]!;
    if (channels === 4) out[i + 3] = data[i + 3]!;
  }
  return out;
}

function rowsOf(data: Uint8Array, bytesPerPixel: number): Uint8Array[] {
  return Array.from({ length: H }, (_, y) => data.subarray(y * W * bytesPerPixel, (y + 1) * W * bytesPerPixel));
}

// ==================================================================== ImageMagick-made

describe("files written by ImageMagick", () => {
  // ImageMagick 6.9.11 stores TGA rows top first while its header says bottom-left origin
  // (and reads TGA the same inverted way): its TGA files are checked against ffmpeg only.
  const cases: Array<{ name: string; out: string; args: string[]; format: RawFormat; channels: 1 | 3 | 4; alpha?: boolean; header?: (b: Uint8Array) => void; ff?: boolean; im?: false; imTolerance?: number }> = [
    { name: "BMP RLE8", out: "BMP3:rle8.bmp", args: ["-type", "palette", "-compress", "RLE"], format: "bmp", channels: 3, header: (b) => expect(b[30]).toBe(1), ff: true },
    { name: "BMP OS/2 core header, 8-bit", out: "BMP2:os2-8.bmp", args: ["-type", "palette"], format: "bmp", channels: 3, header: (b) => expect(b[14]).toBe(12), ff: true },
    { name: "BMP OS/2 core header, 24-bit", out: "BMP2:os2-24.bmp", args: ["-type", "truecolor"], format: "bmp", channels: 3, header: (b) => expect([b[14], b[24]]).toEqual([12, 24]), ff: true },
    { name: "BMP 4-bit palette", out: "BMP3:p4.bmp", args: ["-colors", "16", "-type", "palette"], format: "bmp", channels: 3, header: (b) => expect(b[28]).toBe(4), ff: true },
    { name: "BMP 1-bit", out: "BMP3:p1.bmp", args: ["-monochrome"], format: "bmp", channels: 3, header: (b) => expect(b[28]).toBe(1), ff: true },
    { name: "BMP V5 32-bit BITFIELDS with alpha", out: "BMP:v5.bmp", args: [], alpha: true, format: "bmp", channels: 4, header: (b) => expect([b[14], b[28], b[30]]).toEqual([124, 32, 3]), ff: true },
    { name: "TGA RLE 24-bit", out: "TGA:rle24.tga", args: ["-compress", "RLE"], format: "tga", channels: 3, header: (b) => expect(b[2]).toBe(10), ff: true, im: false },
    { name: "TGA RLE 32-bit with alpha", out: "TGA:rle32.tga", args: ["-compress", "RLE"], alpha: true, format: "tga", channels: 4, header: (b) => expect([b[2], b[16]]).toEqual([10, 32]), ff: true, im: false },
    { name: "TGA colour-mapped", out: "TGA:cm.tga", args: ["-type", "palette"], format: "tga", channels: 3, header: (b) => expect(b[2]).toBe(1), ff: true, im: false },
    { name: "TGA colour-mapped RLE", out: "TGA:cmrle.tga", args: ["-type", "palette", "-compress", "RLE"], format: "tga", channels: 3, header: (b) => expect(b[2]).toBe(9), ff: true, im: false },
    { name: "TGA grey", out: "TGA:grey.tga", args: ["-colorspace", "gray"], format: "tga", channels: 1, header: (b) => expect(b[2]).toBe(3), ff: true, im: false },
    { name: "PBM plain (P1)", out: "PBM:plain.pbm", args: ["-monochrome", "-compress", "none"], format: "pbm", channels: 1, header: (b) => expect(b[1]).toBe(0x31), ff: true },
    { name: "PGM plain (P2)", out: "PGM:plain.pgm", args: ["-colorspace", "gray", "-compress", "none"], format: "pgm", channels: 1, header: (b) => expect(b[1]).toBe(0x32), ff: true },
    { name: "PPM plain (P3)", out: "PPM:plain.ppm", args: ["-compress", "none"], format: "ppm", channels: 3, header: (b) => expect(b[1]).toBe(0x33), ff: true },
    // ffmpeg reduces 16-bit samples its own way (127 * 257 -> 128): ImageMagick only.
    { name: "PPM 16-bit (P6, maxval 65535)", out: "PPM:d16.ppm", args: ["-depth", "16"], format: "ppm", channels: 3, header: (b) => expect(b.subarray(0, 17).toString()).toContain("65535") },
    { name: "PAM GRAYSCALE_ALPHA", out: "PAM:ga.pam", args: ["-colorspace", "gray"], alpha: true, format: "pam", channels: 4 },
    { name: "PFM big-endian RGB", out: "PFM:rgb.pfm", args: [], format: "pfm", channels: 3, header: (b) => expect(b[1]).toBe(0x46) },
    // ImageMagick's grey is not a multiple of 1/255, and it truncates: within 1.
    { name: "PFM big-endian grey", out: "PFM:grey.pfm", args: ["-colorspace", "gray"], format: "pfm", channels: 1, header: (b) => expect(b[1]).toBe(0x66), imTolerance: 1 },
  ];
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const [coder, name] = c.out.split(":") as [string, string];
    const file = tmp.file(name);
    im(c.alpha ? srcPngAlpha : srcPng, ...c.args, `${coder}:${file}`);
    const bytes = readFileSync(file);
    c.header?.(bytes);
    expect(sniffed(bytes)).toBe(c.format);
    const img = decodeRaw(bytes, c.format);
    expect([img.width, img.height, img.channels]).toEqual([W, H, c.channels]);
    if (c.im !== false) expectPixels(img, imDecode(file, MAP[c.channels]), c.imTolerance ?? 0, "ImageMagick");
    if (c.ff) expectPixels(img, ffDecode(file, PIX[c.channels]), 0, "ffmpeg");
    if (c.name === "BMP OS/2 core header, 24-bit" || c.name === "PPM 16-bit (P6, maxval 65535)") expectPixels(img, rgb, 0, "source");
    if (c.name === "PFM big-endian RGB") expectPixels(img, rgb, 0, "source");
  });
});

// ========================================================================= hand-built BMP

describe("hand-built BMP", () => {
  test("4-bit palette (40-byte header)", () => {
    const { rows, expected } = indexed(idx16, PAL16);
    const bytes = bmpFile({ width: W, height: H, header: 40, bpp: 4, palette: PAL16, pixels: bmpRows(rows.map((r) => packIndexes(r, 4))) });
    expectPixels(check("p4", bytes, "bmp", { im: true, ff: true }), expected);
  });

  test("RLE4", () => {
    const { rows, expected } = indexed(idx16, PAL16);
    const stream = bmpRle(rows, true);
    const bytes = bmpFile({ width: W, height: H, header: 40, bpp: 4, compression: 2, palette: PAL16, pixels: stream });
    expect(stream.length).toBeLessThan((W * H) / 2); // it did compress
    expectPixels(check("rle4", bytes, "bmp", { im: true, ff: true }), expected);
  });

  test("RLE8 with a 256-colour palette, and with clrUsed < 256", () => {
    const { rows, expected } = indexed(idx256, PAL256);
    const bytes = bmpFile({ width: W, height: H, header: 40, bpp: 8, compression: 1, palette: PAL256, pixels: bmpRle(rows, false) });
    expectPixels(check("rle8", bytes, "bmp", { im: true, ff: true }), expected);
    // 16 colours in an 8-bit RLE file: the palette is as long as clrUsed says.
    const r16 = indexed(idx16, PAL16);
    const small = bmpFile({ width: W, height: H, header: 40, bpp: 8, compression: 1, palette: PAL16, clrUsed: 16, pixels: bmpRle(r16.rows, false) });
    expectPixels(check("rle8-16", small, "bmp", { im: true, ff: true }), r16.expected);
  });

  test("RLE8 with delta and early end-of-line escapes: skipped pixels are black", () => {
    // 4x3, bottom row: run of 4 x index 1; middle: delta (2, 0) then 2 x index 2; top: end of bitmap.
    const stream = Uint8Array.of(4, 1, 0, 0, 0, 2, 2, 0, 2, 2, 0, 0, 0, 1);
    const bytes = bmpFile({ width: 4, height: 3, header: 40, bpp: 8, compression: 1, palette: Uint8Array.of(0, 0, 0, 255, 0, 0, 0, 255, 0), pixels: stream });
    const img = decodeRaw(bytes, "bmp");
    const R = [255, 0, 0];
    const G = [0, 255, 0];
    const K = [0, 0, 0];
    expect(Array.from(img.data)).toEqual([...K, ...K, ...K, ...K, ...K, ...K, ...G, ...G, ...R, ...R, ...R, ...R]);
  });

  test("1-bit, two arbitrary colours", () => {
    const { rows, expected } = indexed((r, g, b) => (r + g + b > 380 ? 1 : 0), PAL2);
    const bytes = bmpFile({ width: W, height: H, header: 40, bpp: 1, palette: PAL2, pixels: bmpRows(rows.map((r) => packIndexes(r, 1))) });
    expectPixels(check("p1", bytes, "bmp", { im: true, ff: true }), expected);
  });

  test("OS/2 1.x core header (12 bytes, BGR palette) 8-bit and 4-bit", () => {
    const p8 = indexed(idx256, PAL256);
    const b8 = bmpFile({ width: W, height: H, header: 12, bpp: 8, palette: PAL256, pixels: bmpRows(p8.rows.map((r) => Uint8Array.from(r))) });
    expectPixels(check("core8", b8, "bmp", { im: true, ff: true }), p8.expected);
    const p4 = indexed(idx16, PAL16);
    const b4 = bmpFile({ width: W, height: H, header: 12, bpp: 4, palette: PAL16, pixels: bmpRows(p4.rows.map((r) => packIndexes(r, 4))) });
    expectPixels(check("core4", b4, "bmp", { im: true, ff: true }), p4.expected);
  });

  test("OS/2 2.x header (64 bytes), 8-bit and RLE8", () => {
    const p8 = indexed(idx256, PAL256);
    const b = bmpFile({ width: W, height: H, header: 64, bpp: 8, palette: PAL256, pixels: bmpRows(p8.rows.map((r) => Uint8Array.from(r))) });
    // ImageMagick 6.9.11 misreads this header's 4-byte palette entries: ffmpeg only.
    expectPixels(check("os2v2", b, "bmp", { ff: true }), p8.expected);
    const rle = bmpFile({ width: W, height: H, header: 64, bpp: 8, compression: 1, palette: PAL256, pixels: bmpRle(p8.rows, false) });
    expectPixels(check("os2v2rle", rle, "bmp", { ff: true }), p8.expected);
  });

  test("top-down (negative height) 24-bit and 8-bit", () => {
    const b24 = bmpFile({ width: W, height: H, header: 40, bpp: 24, topDown: true, pixels: bmpRows(rowsOf(bgr(rgb, 3), 3), true) });
    expectPixels(check("topdown24", b24, "bmp", { im: true, ff: true }), rgb);
    const p8 = indexed(idx256, PAL256);
    const b8 = bmpFile({ width: W, height: H, header: 40, bpp: 8, topDown: true, palette: PAL256, pixels: bmpRows(p8.rows.map((r) => Uint8Array.from(r)), true) });
    expectPixels(check("topdown8", b8, "bmp", { im: true, ff: true }), p8.expected);
  });

  test("32-bit BITFIELDS with alpha, V5 header, top-down; and ALPHABITFIELDS (6) after a 40-byte header", () => {
    const pixels = bmpRows(rowsOf(bgr(rgba, 4), 4), true);
    const masks: [number, number, number, number] = [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000];
    const v5 = bmpFile({ width: W, height: H, header: 124, bpp: 32, compression: 3, masks, topDown: true, pixels });
    const img = check("v5alpha", v5, "bmp", { im: true, ff: true });
    expect(img.channels).toBe(4);
    expectPixels(img, rgba);
    const ab = bmpFile({ width: W, height: H, header: 40, bpp: 32, compression: 6, masks, topDown: true, pixels });
    expectPixels(check("alphabitfields", ab, "bmp"), rgba);
  });

  test("32-bit BITFIELDS in another channel order (RGBA masks, V4 header)", () => {
    // Stored bytes R, G, B, A: little-endian masks 0xff, 0xff00, 0xff0000, 0xff000000.
    const bytes = bmpFile({
      width: W, height: H, header: 108, bpp: 32, compression: 3,
      masks: [0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000],
      pixels: bmpRows(rowsOf(rgba, 4)),
    });
    expectPixels(check("v4rgba", bytes, "bmp", { im: true }), rgba);
  });

  test("32-bit BI_RGB with the reserved byte zero: RGB, not transparent", () => {
    const bgr0 = bgr(expand(rgb, 3, 4), 4).map((v, i) => (i % 4 === 3 ? 0 : v));
    const img = check("bgr0", bmpFile({ width: W, height: H, header: 40, bpp: 32, pixels: bmpRows(rowsOf(bgr0, 4)) }), "bmp", { im: true, ff: true });
    expect(img.channels).toBe(3);
    expectPixels(img, rgb);
  });

  test("16-bit 565 BITFIELDS after a 40-byte header, and inside a V4 header; 16-bit 555 BI_RGB in a V5 header", () => {
    const five = (v: number): number => ((v >> 3) << 3) | (v >> 5);
    const six = (v: number): number => ((v >> 2) << 2) | (v >> 6);
    const px565 = new Uint8Array(W * H * 2);
    const px555 = new Uint8Array(W * H * 2);
    const exp565 = new Uint8Array(W * H * 3);
    const exp555 = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) {
      const [r, g, b] = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!];
      const v565 = ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
      const v555 = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
      px565[i * 2] = v565 & 0xff;
      px565[i * 2 + 1] = v565 >> 8;
      px555[i * 2] = v555 & 0xff;
      px555[i * 2 + 1] = v555 >> 8;
      exp565.set([five(r), six(g), five(b)], i * 3);
      exp555.set([five(r), five(g), five(b)], i * 3);
    }
    const masks: [number, number, number, number] = [0xf800, 0x07e0, 0x001f, 0];
    const after40 = bmpFile({ width: W, height: H, header: 40, bpp: 16, compression: 3, masks, pixels: bmpRows(rowsOf(px565, 2)) });
    expectPixels(check("565-40", after40, "bmp", { im: true, ff: true }), exp565);
    const v4 = bmpFile({ width: W, height: H, header: 108, bpp: 16, compression: 3, masks, pixels: bmpRows(rowsOf(px565, 2)) });
    expectPixels(check("565-v4", v4, "bmp", { im: true, ff: true }), exp565);
    const v5 = bmpFile({ width: W, height: H, header: 124, bpp: 16, pixels: bmpRows(rowsOf(px555, 2)) });
    expectPixels(check("555-v5", v5, "bmp", { im: true, ff: true }), exp555);
  });
});

// ========================================================================= hand-built TGA

describe("hand-built TGA", () => {
  const origins = [
    { name: "bottom-left (default)", topToBottom: false, rightToLeft: false },
    { name: "top-left", topToBottom: true, rightToLeft: false },
    { name: "bottom-right (right-to-left)", topToBottom: false, rightToLeft: true },
    { name: "top-right", topToBottom: true, rightToLeft: true },
  ];
  test.each(origins.map((o) => [o.name, o] as const))("24-bit, origin %s, raw and RLE, with an image ID", (_n, o) => {
    const id = Buffer.from("rawdec test picture: an image ID field to skip");
    for (const type of [2, 10]) {
      const bytes = tgaFile({ type, width: W, height: H, bpp: 24, id, pixels: bgr(rgb, 3), ...o });
      // ImageMagick 6.9.11 inverts the origin (see above): ffmpeg only.
      expectPixels(check(`origin-${type}-${o.topToBottom}-${o.rightToLeft}`, bytes, "tga", { ff: true }), rgb);
    }
  });

  test("32-bit with alpha, RLE packets across rows and per row, TGA 2.0 footer", () => {
    for (const packetsPerRow of [false, true]) {
      const bytes = tgaFile({ type: 10, width: W, height: H, bpp: 32, alphaBits: 8, pixels: bgr(rgba, 4), packetsPerRow, footer: true });
      expectPixels(check(`rle32-${packetsPerRow}`, bytes, "tga", { ff: true }), rgba);
    }
  });

  test("32-bit with alpha all zero (alpha never written): RGB", () => {
    const bytes = tgaFile({ type: 2, width: W, height: H, bpp: 32, pixels: bgr(expand(rgb, 3, 4), 4).map((v, i) => (i % 4 === 3 ? 0 : v)) });
    const img = decodeRaw(bytes, "tga");
    expect(img.channels).toBe(3);
    expectPixels(img, rgb);
  });

  test("colour-mapped: first entry 10, 8-bit indexes, 24-bit and 16-bit (15-bit colour) maps, raw and RLE", () => {
    const { rows, expected } = indexed(idx16, PAL16);
    const indexes = Uint8Array.from(rows.flat(), (i) => i + 10);
    const map24 = bgr(PAL16, 3);
    const map16 = new Uint8Array(32);
    const exp16 = new Uint8Array(expected.length);
    const pal5 = new Uint8Array(48);
    for (let i = 0; i < 16; i++) {
      const [r, g, b] = [PAL16[i * 3]! >> 3, PAL16[i * 3 + 1]! >> 3, PAL16[i * 3 + 2]! >> 3];
      const v = (r << 10) | (g << 5) | b;
      map16[i * 2] = v & 0xff;
      map16[i * 2 + 1] = v >> 8;
      pal5.set([r, g, b].map((c) => (c << 3) | (c >> 2)), i * 3);
    }
    const flat = rows.flat();
    for (let i = 0; i < W * H; i++) exp16.set(pal5.subarray(flat[i]! * 3, flat[i]! * 3 + 3), i * 3);
    for (const type of [1, 9]) {
      const b24 = tgaFile({ type, width: W, height: H, bpp: 8, colourMap: { first: 10, bits: 24, entries: map24 }, pixels: indexes });
      expectPixels(check(`cm24-${type}`, b24, "tga", { ff: true }), expected);
      const b16 = tgaFile({ type, width: W, height: H, bpp: 8, colourMap: { first: 10, bits: 15, entries: map16 }, pixels: indexes });
      expectPixels(check(`cm16-${type}`, b16, "tga", { ff: true }), exp16);
    }
  });

  test("colour-mapped with a 32-bit map (alpha from the map)", () => {
    const map = Uint8Array.of(0, 0, 255, 255, 0, 255, 0, 128, 255, 0, 0, 0); // BGRA: red opaque, green half, blue clear
    const bytes = tgaFile({ type: 1, width: 3, height: 1, bpp: 8, topToBottom: true, colourMap: { first: 0, bits: 32, entries: map }, pixels: Uint8Array.of(0, 1, 2) });
    const img = decodeRaw(bytes, "tga");
    expect(img.channels).toBe(4);
    expect(Array.from(img.data)).toEqual([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0]);
  });

  test("16-bit grey + alpha (type 3 and 11): RGBA", () => {
    const ga = new Uint8Array(W * H * 2);
    const expected = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      ga[i * 2] = grey[i]!;
      ga[i * 2 + 1] = rgba[i * 4 + 3]!;
      expected.set([grey[i]!, grey[i]!, grey[i]!, rgba[i * 4 + 3]!], i * 4);
    }
    for (const type of [3, 11]) expectPixels(check(`ga-${type}`, tgaFile({ type, width: W, height: H, bpp: 16, alphaBits: 8, pixels: ga }), "tga"), expected);
  });

  test("8-bit grey, RLE with top-left origin", () => {
    const bytes = tgaFile({ type: 11, width: W, height: H, bpp: 8, topToBottom: true, pixels: grey });
    expectPixels(check("grey-rle-tl", bytes, "tga", { ff: true }), grey);
  });
});

// ====================================================================== hand-built Netpbm

describe("hand-built Netpbm", () => {
  const rgbPic: () => Picture = () => ({ data: rgb, width: W, height: H, channels: 3 });
  const greyPic: () => Picture = () => ({ data: grey, width: W, height: H, channels: 1 });
  /** What a sample survives as through maxval m: round(round(v * m / 255) * 255 / m). */
  const through = (data: Uint8Array, m: number): Uint8Array => data.map((v) => Math.round((Math.round((v * m) / 255) * 255) / m));

  test("P1 with comments, digits with and without separators", () => {
    const bytes = plainPnm(greyPic(), "P1");
    const expected = grey.map((v) => (v < 128 ? 0 : 255));
    expectPixels(check("p1", bytes, "pbm", { im: true, ff: true }), expected);
  });

  // Samples scale as netpbm's pnmdepth does, round(v * 255 / maxval). ImageMagick goes
  // through 16 bits and rounds twice: within 1 for maxvals other than 1, 15, 255, 65535.
  const imTolerance = (maxval: number): number => ([1, 15, 255, 65535].includes(maxval) ? 0 : 1);

  test.each([255, 1000, 65535, 15])("P2 and P3 with maxval %i", (maxval) => {
    expectPixels(check(`p2-${maxval}`, plainPnm(greyPic(), "P2", maxval), "pgm", { im: true, imTolerance: imTolerance(maxval) }), through(grey, maxval));
    expectPixels(check(`p3-${maxval}`, plainPnm(rgbPic(), "P3", maxval), "ppm", { im: true, imTolerance: imTolerance(maxval) }), through(rgb, maxval));
  });

  test.each([1, 15, 100, 256, 4095, 65535])("P5 and P6 with maxval %i", (maxval) => {
    expectPixels(check(`p5-${maxval}`, binaryPnm(greyPic(), maxval), "pgm", { im: true, imTolerance: imTolerance(maxval) }), through(grey, maxval));
    expectPixels(check(`p6-${maxval}`, binaryPnm(rgbPic(), maxval), "ppm", { im: true, imTolerance: imTolerance(maxval) }), through(rgb, maxval));
  });

  test("P5 and P6 with maxval 255: exact with ffmpeg too", () => {
    expectPixels(check("p5-ff", binaryPnm(greyPic(), 255), "pgm", { ff: true }), grey);
    expectPixels(check("p6-ff", binaryPnm(rgbPic(), 255), "ppm", { ff: true }), rgb);
  });

  test("PAM GRAYSCALE_ALPHA 16-bit, RGB_ALPHA maxval 1023, BLACKANDWHITE, and no TUPLTYPE", () => {
    const ga = new Uint8Array(W * H * 2);
    const expected = new Uint8Array(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      ga.set([grey[i]!, rgba[i * 4 + 3]!], i * 2);
      expected.set([grey[i]!, grey[i]!, grey[i]!, rgba[i * 4 + 3]!], i * 4);
    }
    expectPixels(check("pam-ga16", pam({ data: ga, width: W, height: H, depth: 2 }, "GRAYSCALE_ALPHA", 65535), "pam", { im: true }), expected);
    expectPixels(check("pam-rgba16", pam({ data: rgba, width: W, height: H, depth: 4 }, "RGB_ALPHA", 65535), "pam", { im: true }), rgba);
    // ImageMagick 6.9.11 inverts alpha at this depth: the source only.
    expectPixels(check("pam-rgba1023", pam({ data: rgba, width: W, height: H, depth: 4 }, "RGB_ALPHA", 1023), "pam"), rgba);
    const bw = grey.map((v) => (v < 128 ? 0 : 1));
    const bwImg = decodeRaw(Buffer.concat([Buffer.from(`P7\nWIDTH ${W}\nHEIGHT ${H}\nDEPTH 1\nMAXVAL 1\nTUPLTYPE BLACKANDWHITE\nENDHDR\n`), bw]), "pam");
    expectPixels(bwImg, bw.map((v) => v * 255)); // PAM: 1 is white (PBM: black)
    const none = Buffer.concat([Buffer.from(`P7\nWIDTH ${W}\nHEIGHT ${H}\nDEPTH 3\nMAXVAL 255\nENDHDR\n`), rgb]);
    expectPixels(decodeRaw(none, "pam"), rgb);
  });

  test("PFM little- and big-endian, clamped to 0..1 (negative, over 1, NaN, infinity)", () => {
    const f = Float32Array.from(rgb, (v) => v / 255);
    for (const le of [true, false]) {
      expectPixels(check(`pfm-${le}`, pfm(f, W, H, 3, le), "pfm", { im: true }), rgb);
      const g = Float32Array.from(grey, (v) => v / 255);
      expectPixels(check(`pfm-grey-${le}`, pfm(g, W, H, 1, le), "pfm", { im: true }), grey);
      // The scale's magnitude is not applied (ImageMagick multiplies by it, ffmpeg divides).
      expectPixels(decodeRaw(pfm(g, W, H, 1, le, 2.5), "pfm"), grey);
    }
    const odd = Float32Array.of(-0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5);
    expect(Array.from(decodeRaw(pfm(odd, 2, 1, 3, true), "pfm").data)).toEqual([0, 255, 0, 255, 0, 128]);
  });

  test("the magic number decides within the family: a P6 named .pgm decodes as PPM", () => {
    const img = decodeRaw(binaryPnm(rgbPic(), 255), "pgm");
    expect(img.channels).toBe(3);
    expectPixels(img, rgb);
  });
});

test("ffmpeg-made 1-channel TGA round trip with sniffing of the hand-built files", () => {
  const bytes = tgaFile({ type: 3, width: W, height: H, bpp: 8, pixels: grey });
  expect(sniffed(bytes)).toBe("tga");
  expect(sniffed(bmpFile({ width: 1, height: 1, header: 12, bpp: 24, pixels: Uint8Array.of(1, 2, 3, 0) }))).toBe("bmp");
  expect(sniffed(plainPnm({ data: grey, width: W, height: H, channels: 1 }, "P2"))).toBe("pgm");
  expect(sniffed(pfm(new Float32Array(3), 1, 1, 3, true))).toBe("pfm");
  expect(sniffed(Buffer.from("\x89PNG\r\n\x1a\n0000000000000000000000", "latin1"))).toBeUndefined();
  expect(sniffed(Buffer.from("\xff\xd8\xff\xe0 JFIF 00000000000000000000", "latin1"))).toBeUndefined();
  expect(sniffed(new Uint8Array(0))).toBeUndefined();
});
