import path from "node:path";
import { describe, expect, test } from "vitest";
import { decodeStoredPixels, mayHoldStealth } from "../../../src/adapters/decode/pixels.js";
import { readStealthPngInfo, stealthEvidence, stealthGenerator } from "../../../src/domain/pixel-signals/stealth.js";
import type { RawPixels } from "../../../src/domain/pixel-signals/types.js";
import { OWN, own } from "./helpers/fixtures.js";
import { flat, noise, photoLike, rng, stealthBits, toJpeg, toPng, withAlpha, writeStealth } from "../../../bench/pixel-writers.js";

const A1111_TEXT =
  "photo of a duck, ünïcödé 🦆\nNegative prompt: monochrome\nSteps: 15, Sampler: UniPC, CFG scale: 5, Seed: 235284042, Size: 512x400, Model hash: c0d1994c73, Model: realisticVisionV20";

describe("stealth pnginfo: files written by Python (Pillow) in the published format", () => {
  for (const [file, mode, compressed] of [
    ["stealth-alpha-comp.png", "alpha", true],
    ["stealth-alpha-info.png", "alpha", false],
    ["stealth-rgb-comp.png", "rgb", true],
    ["stealth-rgb-info.png", "rgb", false],
  ] as const) {
    test(file, async () => {
      const px = await decodeStoredPixels(path.join(OWN, file));
      const p = readStealthPngInfo(px);
      expect(p).not.toBeNull();
      expect(p?.text).toBe(own.stealthText);
      expect(p?.mode).toBe(mode);
      expect(p?.compressed).toBe(compressed);
      const ev = stealthEvidence(px);
      expect(ev).toMatchObject({ source: "generator", field: `pixels:${mode}-lsb:${p?.signature}`, signal: "genai", detail: { generator: "AUTOMATIC1111/Forge" } });
      expect(await mayHoldStealth(path.join(OWN, file))).toBe(true);
    });
  }
});

describe("stealth pnginfo: round trips through our port of the writer and a PNG file", () => {
  const cases: Array<[string, RawPixels]> = [
    ["RGB 300x200", photoLike(300, 200, 11)],
    ["RGBA 257x131", withAlpha(photoLike(257, 131, 12), 200)],
    ["tall 7x3000 (signature in column 0)", photoLike(7, 3000, 13)],
    // 60 rows: the 120-pixel alpha signature spans two columns, the RGB one fits in column 0.
    ["wide 3000x60 (signature spans columns)", photoLike(3000, 60, 14)],
  ];
  for (const [name, base] of cases) {
    for (const mode of ["alpha", "rgb"] as const) {
      for (const compressed of [true, false]) {
        test(`${name}, ${mode}, ${compressed ? "gzip" : "plain"}`, async () => {
          const marked = writeStealth(base, A1111_TEXT, mode, compressed);
          const back = await decodeStoredPixels(await toPng(marked));
          expect(back.channels).toBe(marked.channels);
          const p = readStealthPngInfo(back);
          expect(p?.text).toBe(A1111_TEXT);
          expect(p?.signature).toBe(`stealth_${mode === "alpha" ? "png" : "rgb"}${compressed ? "comp" : "info"}`);
          expect(p?.declaredBits).toBe(stealthBits(A1111_TEXT, mode, compressed).length - 120 - 32);
          expect(await mayHoldStealth(await toPng(marked))).toBe(true);
        });
      }
    }
  }

  test("every payload length modulo 3 in RGB mode (the 33rd length bit is payload)", () => {
    const base = photoLike(64, 64, 3);
    for (const text of ["a", "ab", "abc", "abcd", "Steps: 1, Sampler: x"]) {
      for (const compressed of [false, true]) {
        expect(readStealthPngInfo(writeStealth(base, text, "rgb", compressed))?.text).toBe(text);
      }
    }
  });

  test("random texts of many lengths, both modes", () => {
    const r = rng(99);
    const base = withAlpha(photoLike(97, 89, 4), 255);
    for (let k = 0; k < 40; k++) {
      const len = Math.floor(r() * 600);
      const text = Array.from({ length: len }, () => String.fromCharCode(32 + Math.floor(r() * 95))).join("");
      const mode = k % 2 === 0 ? "alpha" : "rgb";
      const got = readStealthPngInfo(writeStealth(base, text, mode, k % 3 === 0))?.text ?? null;
      // An empty text leaves a zero length, which the reader never completes.
      expect(got).toBe(text === "" ? null : text);
    }
  });

  test("RGBA with both signatures: the RGB one wins (it completes first, at pixel 40)", () => {
    const base = withAlpha(photoLike(80, 80, 5), 255);
    const both = writeStealth(writeStealth(base, "alpha text", "alpha", false), "rgb text", "rgb", false);
    expect(readStealthPngInfo(both)?.text).toBe("rgb text");
  });

  test("generator is recognised from the payload", () => {
    expect(stealthGenerator(A1111_TEXT)).toBe("AUTOMATIC1111/Forge");
    expect(stealthGenerator('{"Software": "NovelAI", "Comment": "{}"}')).toBe("NovelAI");
    expect(stealthGenerator('{"prompt": "{\\"3\\": {}}", "workflow": "{}"}')).toBe("ComfyUI (stealth pnginfo node)");
    expect(stealthGenerator("hello")).toBe("stealth pnginfo writer");
  });
});

describe("stealth pnginfo: nothing where there is nothing", () => {
  const negatives: Array<[string, RawPixels]> = [
    ["photo-like RGB", photoLike(640, 480, 21)],
    ["photo-like RGBA, opaque", withAlpha(photoLike(640, 480, 22), 255)],
    ["noisy alpha (random LSBs everywhere)", noise(640, 480, 4, 23)],
    ["noisy RGB", noise(640, 480, 3, 24)],
    ["flat black RGBA", withAlpha(flat(320, 240, [0, 0, 0]), 0)],
    ["flat alpha 254 (all LSBs 0)", withAlpha(flat(320, 240, [10, 20, 30]), 254)],
    ["tiny 6x6", photoLike(6, 6, 25)],
    ["grey", { data: new Uint8Array(64 * 64).fill(128), width: 64, height: 64, channels: 1 }],
  ];
  for (const [name, px] of negatives) {
    test(name, () => {
      expect(readStealthPngInfo(px)).toBeNull();
      expect(stealthEvidence(px)).toBeNull();
    });
  }

  test("many random images: no false signature", () => {
    for (let s = 0; s < 200; s++) expect(readStealthPngInfo(noise(64, 48, s % 2 ? 4 : 3, 1000 + s))).toBeNull();
  });

  test("a valid signature with a corrupt gzip payload reads as nothing (as the extension does)", () => {
    const marked = writeStealth(photoLike(120, 120, 6), A1111_TEXT, "alpha", true);
    // Flip alpha LSBs in the middle of the payload (column-major index 400 onwards).
    for (let i = 400; i < 480; i++) {
      const x = Math.floor(i / 120);
      const y = i % 120;
      const p = (y * 120 + x) * 4 + 3;
      marked.data[p] = (marked.data[p] ?? 0) ^ 1;
    }
    expect(readStealthPngInfo(marked)).toBeNull();
  });

  test("a payload longer than the image is never complete", () => {
    const marked = writeStealth(photoLike(40, 40, 7), "x".repeat(150), "alpha", false); // 1600 pixels, needs 1352
    expect(readStealthPngInfo(marked)?.text).toBe("x".repeat(150));
    // The same bits in a shorter image: cut the last columns off (column-major keeps the start).
    const cut = { width: 33, height: 40, channels: 4, data: new Uint8Array(33 * 40 * 4) };
    for (let y = 0; y < 40; y++) cut.data.set(marked.data.subarray(y * 160, y * 160 + 33 * 4), y * 33 * 4);
    expect(readStealthPngInfo(cut)).toBeNull();
  });

  test("lost by a JPEG re-encode (as expected: LSBs do not survive lossy coding)", async () => {
    const marked = writeStealth(photoLike(300, 200, 8), A1111_TEXT, "rgb", true);
    const jpeg = await decodeStoredPixels(await toJpeg(marked, 95));
    expect(readStealthPngInfo(jpeg)).toBeNull();
  });

  test("the probe says no for ordinary files", async () => {
    expect(await mayHoldStealth(await toPng(photoLike(640, 480, 31)))).toBe(false);
    expect(await mayHoldStealth(await toPng(noise(640, 480, 4, 32)))).toBe(false);
    expect(await mayHoldStealth(await toJpeg(photoLike(640, 480, 33), 90))).toBe(false);
  });
});
