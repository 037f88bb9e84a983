// The perceptual hash of a picture decoded here (fed to sharp as raw pixels) is the hash
// prov gives the PNG of the same picture (decoded by sharp itself), bit for bit; and a
// resized GenAI copy saved as BMP/TGA/PPM, which sharp cannot open, now matches its original.

import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeRaw, type RawFormat } from "../../../src/adapters/decode/rawdec.js";
import { ffEncode, ffToPng, IMAGEMAGICK, im, readFileSync, tempDir, testPicture } from "./helpers/tools.js";
import { hamming, MATCH_MAX, phashOf } from "./helpers/phash.js";
import { fingerprintPath } from "../../../src/app/perceptual.js";

const W = 640;
const H = 360;
let tmp: ReturnType<typeof tempDir>;
let rgb: Uint8Array;
let rgba: Uint8Array;

beforeAll(() => {
  tmp = tempDir();
  rgb = testPicture(W, H);
  rgba = testPicture(W, H, true);
});
afterAll(() => tmp.cleanup());

const CASES: Array<{ codec: string; pixFmt: string; ext: string; format: RawFormat; alpha?: boolean; extra?: string[] }> = [
  { codec: "bmp", pixFmt: "bgr24", ext: "bmp", format: "bmp" },
  { codec: "bmp", pixFmt: "bgra", ext: "bmp", format: "bmp", alpha: true },
  { codec: "bmp", pixFmt: "rgb565le", ext: "bmp", format: "bmp" },
  { codec: "bmp", pixFmt: "rgb555le", ext: "bmp", format: "bmp" },
  { codec: "bmp", pixFmt: "pal8", ext: "bmp", format: "bmp" },
  { codec: "bmp", pixFmt: "gray", ext: "bmp", format: "bmp" },
  { codec: "bmp", pixFmt: "monob", ext: "bmp", format: "bmp" },
  { codec: "targa", pixFmt: "bgr24", ext: "tga", format: "tga", extra: ["-rle", "1"] },
  { codec: "targa", pixFmt: "bgra", ext: "tga", format: "tga", alpha: true, extra: ["-rle", "0"] },
  { codec: "targa", pixFmt: "rgb555le", ext: "tga", format: "tga", extra: ["-rle", "1"] },
  { codec: "targa", pixFmt: "gray", ext: "tga", format: "tga", extra: ["-rle", "1"] },
  { codec: "targa", pixFmt: "pal8", ext: "tga", format: "tga", extra: ["-rle", "1"] },
  { codec: "ppm", pixFmt: "rgb24", ext: "ppm", format: "ppm" },
  { codec: "ppm", pixFmt: "rgb48be", ext: "ppm", format: "ppm" },
  { codec: "pgm", pixFmt: "gray", ext: "pgm", format: "pgm" },
  { codec: "pgm", pixFmt: "gray16be", ext: "pgm", format: "pgm" },
  { codec: "pbm", pixFmt: "monow", ext: "pbm", format: "pbm" },
  { codec: "pam", pixFmt: "rgba", ext: "pam", format: "pam", alpha: true },
  { codec: "pam", pixFmt: "ya8", ext: "pam", format: "pam", alpha: true },
  { codec: "pam", pixFmt: "rgba64be", ext: "pam", format: "pam", alpha: true },
  { codec: "pam", pixFmt: "monob", ext: "pam", format: "pam" },
];

describe("same pHash as the PNG of the same picture", () => {
  test.each(CASES.map((c) => [`${c.codec} ${c.pixFmt}`, c] as const))("%s", async (name, c) => {
    const file = tmp.file(`${name.replace(/\W+/g, "_")}.${c.ext}`);
    ffEncode(c.alpha ? rgba : rgb, c.alpha ? "rgba" : "rgb24", W, H, file, c.codec, c.pixFmt, c.extra);
    const png = `${file}.png`;
    ffToPng(file, png); // ffmpeg's decode, as PNG (16-bit where the file is)
    const raw = decodeRaw(readFileSync(file), c.format);
    expect(await phashOf(raw)).toBe(await phashOf(png));
  });

  test.each(["rgb", "grey"])("PFM (%s), against ImageMagick's PNG", async (kind) => {
    const src = tmp.file(`pfm-src-${kind}.png`);
    ffEncode(rgb, "rgb24", W, H, src, "png", kind === "grey" ? "gray" : "rgb24");
    const file = tmp.file(`pic-${kind}.pfm`);
    im(src, `PFM:${file}`);
    const png = tmp.file(`pic-${kind}.pfm.png`);
    im(file, "-depth", "8", `PNG:${png}`);
    expect(await phashOf(decodeRaw(readFileSync(file), "pfm"))).toBe(await phashOf(png));
  });
});

test("a resized copy saved as BMP, TGA or PPM without an extension: sharp cannot read it, prov fingerprints it by content and it matches the original", async () => {
  const original = tmp.file("original.png");
  ffEncode(rgb, "rgb24", W, H, original, "png", "rgb24");
  const originalHash = await phashOf(original);
  for (const [codec, ext, format, extra] of [
    ["bmp", "bmp", "bmp", []],
    ["targa", "tga", "tga", ["-rle", "1"]],
    ["ppm", "ppm", "ppm", []],
  ] as const) {
    const copy = tmp.file(`copy-${codec}`); // no extension, as a renamed download would be
    ffEncode(rgb, "rgb24", W, H, copy, codec, codec === "ppm" ? "rgb24" : "bgr24", ["-vf", "scale=427:240:flags=lanczos", "-f", "image2", ...extra]);
    await expect(sharp(copy).metadata(), `sharp reads ${ext}?`).rejects.toThrow(/unsupported image format/);
    expect(await phashOf(decodeRaw(readFileSync(copy), format))).toMatch(/^[0-9a-f]{16}$/);
    const made = await fingerprintPath(copy, { video: false, everySeconds: 1 }, new Date().toISOString());
    expect(made?.info, `${ext} copy`).toMatchObject({ state: "done", kind: "image", width: 427, height: 240 });
    const hash = made!.frames[0]!.hash;
    expect(hamming(hash, originalHash), `${ext}: ${hash} vs ${originalHash}`).toBeLessThanOrEqual(MATCH_MAX);
  }
});
