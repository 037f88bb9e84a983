// Cost per image of each pixel signal, median of several runs, on a 1920x1080 and a
// 4096x2160 picture (`npm run bench`). Decoding is timed apart: every signal needs decoded
// pixels, and the caller decodes once for all of them.

import { decodeStoredPixels, mayHoldStealth } from "../src/adapters/decode/pixels.js";
import { AUTHORS_VARIANT, watermarkEvidence } from "../src/domain/pixel-signals/imwatermark.js";
import { CHEAP_SIGNALS, pixelEvidence } from "../src/domain/pixel-signals/index.js";
import { novelaiEvidence } from "../src/domain/pixel-signals/novelai.js";
import { stealthEvidence } from "../src/domain/pixel-signals/stealth.js";
import type { RawPixels } from "../src/domain/pixel-signals/types.js";
import { newEd25519, photoLike, toPng, withAlpha, writeNovelAI, writeStealth } from "../test/unit/pixel-signals/helpers/writers.js";

const RUNS = Number(process.env["RUNS"] ?? 7);

async function median(fn: () => unknown): Promise<number> {
  await fn(); // warm-up: JIT, caches
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)] ?? NaN;
}

function must<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`bench setup: ${what} not found`);
  return v;
}

const rows: Array<[string, string, number]> = [];
async function time(size: string, what: string, fn: () => unknown): Promise<void> {
  const ms = await median(fn);
  rows.push([size, what, ms]);
  console.log(`${size.padEnd(10)} ${what.padEnd(58)} ${ms.toFixed(2).padStart(9)} ms`);
}

const { publicKey, privateKey } = newEd25519();
const params = `a castle at dusk\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1, Size: 1024x1024, Model: sdxl ${"x".repeat(300)}`;
const comment = JSON.stringify({ prompt: "a castle at dusk", steps: 28, scale: 5.0, seed: 1, sampler: "k_euler_ancestral" });

for (const [w, h] of [
  [1920, 1080],
  [4096, 2160],
] as const) {
  const size = `${w}x${h}`;
  const rgb = photoLike(w, h, 5);
  const rgba: RawPixels = withAlpha(rgb, 255);
  const stealthRgba = writeStealth(rgb, params, "alpha", true);
  const nai = writeNovelAI(rgb, comment, privateKey);
  const pngRgb = await toPng(rgb);
  const pngStealth = await toPng(stealthRgba);

  await time(size, "decode PNG to RGB (sharp, context)", () => decodeStoredPixels(pngRgb));
  await time(size, "decode PNG to RGBA (sharp, context)", () => decodeStoredPixels(pngStealth));
  await time(size, "mayHoldStealth probe on the PNG file (no full decode)", () => mayHoldStealth(pngRgb));
  await time(size, "stealth: absent (RGBA)", () => stealthEvidence(rgba));
  await time(size, "stealth: present (alpha, gzip, 400-char parameters)", () => must(stealthEvidence(stealthRgba), "stealth"));
  await time(size, "novelai: absent (RGBA)", () => novelaiEvidence(rgba));
  await time(size, "novelai: present, signature skipped", () => must(novelaiEvidence(nai, { skipVerify: true }), "novelai"));
  await time(size, "novelai: present, Ed25519 verified (RGB bytes + comment)", () => {
    const ev = must(novelaiEvidence(nai, { publicKey }), "novelai");
    if (ev.detail["signature"] !== "verified") throw new Error("not verified");
  });
  await time(size, "watermark: authors' single pass (uint8/bgr)", () => watermarkEvidence(rgb, { variants: [AUTHORS_VARIANT] }));
  await time(size, "watermark: default, 3 passes (uint8/bgr, float/bgr, float/rgb)", () => watermarkEvidence(rgb));
  await time(size, "pixelEvidence, CHEAP_SIGNALS (stealth + novelai), clean RGBA", () => pixelEvidence(rgba, { signals: CHEAP_SIGNALS }));
  await time(size, "pixelEvidence, all signals, clean RGBA", () => pixelEvidence(rgba));
}
console.log(`\nnode ${process.version}, ${RUNS} runs each, median`);
