// Files written by ffmpeg (every pixel format its bmp, targa, ppm, pgm, pbm, pam and pfm
// encoders take), decoded here and by ffmpeg itself (to raw gray/rgb24/rgba), and by
// ImageMagick when installed. None of these formats is lossy: the decodes must agree
// exactly, except where a reference decoder itself rounds differently (said per case).

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeRaw, type RawFormat } from "../../../src/adapters/decode/rawdec.js";
import { expectPixels, flipRows, sniffed } from "./helpers/compare.js";
import { ffDecode, ffEncode, IMAGEMAGICK, imDecode, readFileSync, tempDir, testPicture } from "./helpers/tools.js";

const W = 173; // odd: row padding, partial bytes of 1- and 4-bit rows
const H = 97;

interface Case {
  codec: string;
  pixFmt: string;
  format: RawFormat;
  alpha?: boolean;
  extra?: string[];
  channels: 1 | 3 | 4;
  /** TGA header type expected (checks the RLE path is really taken). */
  tgaType?: number;
  /** ffmpeg reduces 16-bit and float samples to 8 bits its own way (truncating): within 1. */
  ffTolerance?: number;
  /** Compare with ffmpeg only in the top 4 bits: ffmpeg and ImageMagick expand 4-bit fields by shifting (0xF -> 0xF0), this decoder by bit replication (0xF -> 0xFF). */
  fourBit?: boolean;
  /** ffmpeg 5.1 writes and reads PFM rows top-down; the format (and ImageMagick) say bottom-up. */
  ffFlipped?: boolean;
  /** ImageMagick rounds 5-bit TGA fields (ffmpeg and this decoder replicate bits); 16-bit and float samples: within 1. */
  imTolerance?: number;
}

const CASES: Case[] = [
  { codec: "bmp", pixFmt: "bgr24", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "bgra", format: "bmp", alpha: true, channels: 4 },
  { codec: "bmp", pixFmt: "rgb565le", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "rgb555le", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "rgb444le", format: "bmp", channels: 3, fourBit: true },
  { codec: "bmp", pixFmt: "rgb8", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "bgr8", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "rgb4_byte", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "bgr4_byte", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "gray", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "pal8", format: "bmp", channels: 3 },
  { codec: "bmp", pixFmt: "monob", format: "bmp", channels: 3 },
  { codec: "targa", pixFmt: "bgr24", format: "tga", extra: ["-rle", "0"], channels: 3, tgaType: 2 },
  { codec: "targa", pixFmt: "bgr24", format: "tga", extra: ["-rle", "1"], channels: 3, tgaType: 10 },
  { codec: "targa", pixFmt: "bgra", format: "tga", alpha: true, extra: ["-rle", "0"], channels: 4, tgaType: 2 },
  { codec: "targa", pixFmt: "rgb555le", format: "tga", extra: ["-rle", "0"], channels: 3, tgaType: 2, imTolerance: 1 },
  { codec: "targa", pixFmt: "rgb555le", format: "tga", extra: ["-rle", "1"], channels: 3, tgaType: 10, imTolerance: 1 },
  { codec: "targa", pixFmt: "gray", format: "tga", extra: ["-rle", "0"], channels: 1, tgaType: 3 },
  { codec: "targa", pixFmt: "gray", format: "tga", extra: ["-rle", "1"], channels: 1, tgaType: 11 },
  { codec: "targa", pixFmt: "pal8", format: "tga", extra: ["-rle", "0"], channels: 3, tgaType: 1 },
  { codec: "targa", pixFmt: "pal8", format: "tga", extra: ["-rle", "1"], channels: 3, tgaType: 9 },
  { codec: "ppm", pixFmt: "rgb24", format: "ppm", channels: 3 },
  { codec: "ppm", pixFmt: "rgb48be", format: "ppm", channels: 3, ffTolerance: 1, imTolerance: 1 },
  { codec: "pgm", pixFmt: "gray", format: "pgm", channels: 1 },
  { codec: "pgm", pixFmt: "gray16be", format: "pgm", channels: 1, ffTolerance: 1, imTolerance: 1 },
  { codec: "pbm", pixFmt: "monow", format: "pbm", channels: 1 },
  { codec: "pam", pixFmt: "rgb24", format: "pam", channels: 3 },
  { codec: "pam", pixFmt: "rgba", format: "pam", alpha: true, channels: 4 },
  { codec: "pam", pixFmt: "rgb48be", format: "pam", channels: 3, ffTolerance: 1, imTolerance: 1 },
  { codec: "pam", pixFmt: "rgba64be", format: "pam", alpha: true, channels: 4, ffTolerance: 1, imTolerance: 1 },
  { codec: "pam", pixFmt: "gray", format: "pam", channels: 1 },
  { codec: "pam", pixFmt: "ya8", format: "pam", alpha: true, channels: 4 },
  { codec: "pam", pixFmt: "gray16be", format: "pam", channels: 1, ffTolerance: 1, imTolerance: 1 },
  { codec: "pam", pixFmt: "ya16be", format: "pam", alpha: true, channels: 4, ffTolerance: 1, imTolerance: 1 },
  { codec: "pam", pixFmt: "monob", format: "pam", channels: 1 },
  { codec: "pfm", pixFmt: "gbrpf32le", format: "pfm", channels: 3, ffFlipped: true, ffTolerance: 1, imTolerance: 1 },
  { codec: "pfm", pixFmt: "gbrpf32be", format: "pfm", channels: 3, ffFlipped: true, ffTolerance: 1, imTolerance: 1 },
  { codec: "pfm", pixFmt: "grayf32le", format: "pfm", channels: 1, ffFlipped: true, ffTolerance: 1, imTolerance: 1 },
  { codec: "pfm", pixFmt: "grayf32be", format: "pfm", channels: 1, ffFlipped: true, ffTolerance: 1, imTolerance: 1 },
];

const EXT: Record<string, string> = { bmp: "bmp", targa: "tga", ppm: "ppm", pgm: "pgm", pbm: "pbm", pam: "pam", pfm: "pfm" };
const PIX: Record<number, "gray" | "rgb24" | "rgba"> = { 1: "gray", 3: "rgb24", 4: "rgba" };
const MAP: Record<number, "gray" | "rgb" | "rgba"> = { 1: "gray", 3: "rgb", 4: "rgba" };

let tmp: ReturnType<typeof tempDir>;
let rgb: Uint8Array;
let rgba: Uint8Array;

beforeAll(() => {
  tmp = tempDir();
  rgb = testPicture(W, H);
  rgba = testPicture(W, H, true);
});
afterAll(() => tmp.cleanup());

describe("files written by ffmpeg", () => {
  test.each(CASES.map((c) => [`${c.codec} ${c.pixFmt} ${(c.extra ?? []).join(" ")}`.trim(), c] as const))("%s", (name, c) => {
    const file = tmp.file(`${name.replace(/\W+/g, "_")}.${EXT[c.codec]}`);
    ffEncode(c.alpha ? rgba : rgb, c.alpha ? "rgba" : "rgb24", W, H, file, c.codec, c.pixFmt, c.extra);
    const bytes = readFileSync(file);
    if (c.tgaType !== undefined) expect(bytes[2], "TGA image type").toBe(c.tgaType);
    expect(sniffed(bytes)).toBe(c.format);

    const img = decodeRaw(bytes, c.format);
    expect([img.width, img.height, img.channels]).toEqual([W, H, c.channels]);

    let ref = ffDecode(file, PIX[c.channels]!);
    if (c.ffFlipped) ref = Buffer.from(flipRows(ref, W, H, c.channels));
    if (c.fourBit) {
      expectPixels({ ...img, data: img.data.map((v) => v >> 4) }, ref.map((v) => v >> 4), 0, "ffmpeg (4-bit fields)");
      expect(img.data.every((v) => v >> 4 === (v & 15))).toBe(true); // replicated: 0xF -> 0xFF
    } else {
      expectPixels(img, ref, c.ffTolerance ?? 0, "ffmpeg");
    }
    // Lossless from the 8-bit source where the format holds every 8-bit value.
    if (c.channels === (c.alpha ? 4 : 3) && ["bgr24", "bgra", "rgb24", "rgba"].includes(c.pixFmt)) {
      expectPixels(img, c.alpha ? rgba : rgb, 0, "source");
    }

    {
      const imRef = imDecode(file, MAP[c.channels]!);
      if (c.fourBit) expectPixels({ ...img, data: img.data.map((v) => v >> 4) }, imRef.map((v) => v >> 4), 0, "ImageMagick (4-bit fields)");
      else expectPixels(img, imRef, c.imTolerance ?? 0, "ImageMagick");
    }
  });
});
