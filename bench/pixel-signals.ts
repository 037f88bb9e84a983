// Cost per image of each pixel signal (src/domain/pixel-signals, src/app/pixel-evidence.ts),
// median of several runs, on 512x512, 1024x1024 and 2048x2048 pictures, then what a scan
// pays: the same folder of PNGs scanned with pixel signals off, cheap only, and all.
// `node dist/bench/pixel-signals.js [--runs N] [--files N] [--scan-runs N] [--skip-cost]`
// (after `npm run build`). The scans take turns (off, cheap, all; again), so a change in the
// machine's load falls on all three alike; each figure is the median.
// Decoding is timed apart: every signal needs decoded pixels; the stealth probe avoids a
// full decode when no signature is there.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openStore } from "../db/index.js";
import { MetadataReader } from "../src/adapters/exiftool.js";
import { fingerprintImage } from "../src/adapters/decode/image.js";
import { decodeStoredPixels, mayHoldStealth } from "../src/adapters/decode/pixels.js";
import { scan } from "../src/app/ingest/scan.js";
import { pixelEvidenceOf, type PixelSignalOptions } from "../src/app/pixel-evidence.js";
import { DEFAULT_EXTENSIONS, DEFAULT_FOLDER_RULES, DEFAULT_IGNORE } from "../src/config.js";
import { folderMatcher } from "../src/domain/folders.js";
import { ALL_SIGNALS, AUTHORS_VARIANT, CHEAP_SIGNALS, PAYLOADS, pixelEvidence, watermarkEvidence } from "../src/domain/pixel-signals/index.js";
import { novelaiEvidence } from "../src/domain/pixel-signals/novelai.js";
import { stealthEvidence } from "../src/domain/pixel-signals/stealth.js";
import type { RawPixels } from "../src/domain/pixel-signals/types.js";
import { embedDwtDct } from "./wm-encoder.js";
import { newEd25519, photoLike, toPng, withAlpha, writeNovelAI, writeStealth } from "./pixel-writers.js";

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "7" }, files: { type: "string", default: "40" }, "scan-runs": { type: "string", default: "5" }, "skip-cost": { type: "boolean", default: false } } });
const RUNS = Number(args.runs);
const FILES = Number(args.files);

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

const tmp = await mkdtemp(path.join(tmpdir(), "prov-bench-pixels-"));
for (const [w, h] of (args["skip-cost"] ? [] : [
  [512, 512],
  [1024, 1024],
  [2048, 2048],
]) as ReadonlyArray<readonly [number, number]>) {
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
  await time(size, "watermark: authors' single pass (uint8/bgr), full", () => watermarkEvidence(rgb, { variants: [AUTHORS_VARIANT], screen: false }));
  await time(size, "watermark: 3 full passes (uint8/bgr, float/bgr, float/rgb)", () => watermarkEvidence(rgb, { screen: false }));
  await time(size, "watermark: default (screen, full passes only on a hint)", () => watermarkEvidence(rgb));
  await time(size, "pixelEvidence, CHEAP_SIGNALS (stealth + novelai), clean RGBA", () => pixelEvidence(rgba, { signals: CHEAP_SIGNALS }));
  await time(size, "pixelEvidence, all signals, clean RGBA", () => pixelEvidence(rgba));
  // What a scan pays per file (pixelEvidenceOf: header, probe or decode, signals), beside the
  // fingerprint decode it already pays for every still.
  const file = path.join(tmp, `clean-${size}.png`);
  await writeFile(file, pngRgb);
  const stealthFile = path.join(tmp, `stealth-${size}.png`);
  await writeFile(stealthFile, pngStealth);
  const wmFile = path.join(tmp, `sdxl-${size}.png`);
  await writeFile(wmFile, await toPng(embedDwtDct(rgb, PAYLOADS.find((p) => p.id === "sdxl")!.bits, { domain: "float", quantize: "trunc" })));
  const all: PixelSignalOptions = { signals: ALL_SIGNALS };
  const cheap: PixelSignalOptions = { signals: CHEAP_SIGNALS };
  await time(size, "scan context: fingerprint of the PNG (decode + pHash)", () => fingerprintImage(file));
  await time(size, "per file, cheap signals, clean PNG (probe only)", () => pixelEvidenceOf(file, cheap));
  await time(size, "per file, cheap signals, stealth PNG (probe, decode, read)", () => pixelEvidenceOf(stealthFile, cheap));
  await time(size, "per file, all signals (default), clean PNG", () => pixelEvidenceOf(file, all));
  await time(size, "per file, all signals (default), SDXL-watermarked PNG", async () => {
    if ((await pixelEvidenceOf(wmFile, all)).length !== 1) throw new Error("watermark not found");
  });
}
console.log(`\nnode ${process.version}, ${RUNS} runs each, median`);

// The scan: FILES photo-like 1024x1024 PNGs (a quarter with stealth pnginfo), a fresh
// database each time, real ExifTool. Fingerprints on, as by default.
const folder = path.join(tmp, "scan");
const { mkdir } = await import("node:fs/promises");
await mkdir(folder);
for (let i = 0; i < FILES; i++) {
  const px = photoLike(1024, 1024, 100 + i);
  await writeFile(path.join(folder, `still_${String(i).padStart(3, "0")}_v${i}.png`), await toPng(i % 4 === 0 ? writeStealth(px, params, "alpha", true) : px));
}
console.log(`\nscan of ${FILES} PNGs, 1024x1024 (${Math.ceil(FILES / 4)} with stealth pnginfo), fingerprints on:`);
const reader = new MetadataReader({ maxProcs: 2 });
try {
  const configs = [
    ["pixel signals off", undefined],
    ["cheap signals (stealth, NovelAI)", { signals: CHEAP_SIGNALS }],
    ["all signals (default)", { signals: ALL_SIGNALS }],
  ] as const;
  const times = configs.map(() => [] as number[]);
  const genai = configs.map(() => 0);
  const scanRuns = Number(args["scan-runs"]);
  for (let r = 0; r < scanRuns; r++) {
    for (const [c, [, pixelSignals]] of configs.entries()) {
      const store = await openStore(path.join(tmp, `scan-${r}-${c}.db`), { create: true });
      const t0 = performance.now();
      const summary = await scan([folder], { store, reader, folderMatcher: folderMatcher(DEFAULT_FOLDER_RULES), fingerprint: { decodeSeconds: 60, video: false, everySeconds: 2 }, pixelSignals }, { extensions: DEFAULT_EXTENSIONS, ignore: DEFAULT_IGNORE, sequences: false });
      times[c]!.push(performance.now() - t0);
      genai[c] = summary.origins.genai;
      await store.close();
    }
  }
  for (const [c, [label]] of configs.entries()) {
    const sorted = [...times[c]!].sort((x, y) => x - y);
    const ms = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`  ${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${(FILES / (ms / 1000)).toFixed(1).padStart(6)} files/s  (${(ms / FILES).toFixed(1)} ms a file; ${genai[c]} GenAI; runs ${sorted.map((t) => (t / 1000).toFixed(2)).join(", ")} s)`);
  }
} finally {
  await reader.end();
  await rm(tmp, { recursive: true, force: true });
}
