// Pixel evidence: GenAI marks that live in the pixels, so they survive metadata stripping.
//
// Signals and their cost class (measured figures in README.md, bench/pixel-signals.ts):
// - "stealth": A1111/Forge/ComfyUI stealth pnginfo. O(1) when absent (reads <= 120 pixels).
// - "novelai": NovelAI's alpha block; O(1) when absent. When present, verifying the
//   signature hashes every RGB byte (SHA-512 inside Ed25519): linear, tens of ms at 4K.
// - "watermark": imwatermark dwtDct. Linear in pixels, per variant: the slow one. Skip it on
//   a hot path, or narrow `watermark.variants`.
// All need decoded pixels; decoding (the adapter's job) usually costs more than any of them, and the
// stealth formats only exist in lossless files with the marks in the top-left corner
// (`mayHoldStealth` in src/adapters/decode/pixels.ts probes that without a full decode).

import { watermarkEvidence, type WatermarkOptions } from "./imwatermark.js";
import { novelaiEvidence, type NovelAIOptions } from "./novelai.js";
import { stealthEvidence } from "./stealth.js";
import type { PixelEvidence, RawPixels } from "./types.js";

export type PixelSignal = "stealth" | "novelai" | "watermark";
export const CHEAP_SIGNALS: readonly PixelSignal[] = ["stealth", "novelai"];
export const ALL_SIGNALS: readonly PixelSignal[] = ["stealth", "novelai", "watermark"];

export interface PixelEvidenceOptions {
  /** Which signals to run; default all. CHEAP_SIGNALS for a hot path. */
  signals?: readonly PixelSignal[];
  novelai?: NovelAIOptions;
  watermark?: WatermarkOptions;
}

/** Every positive pixel signal found; [] when none. */
export function pixelEvidence(px: RawPixels, opts: PixelEvidenceOptions = {}): PixelEvidence[] {
  const want = new Set(opts.signals ?? ALL_SIGNALS);
  const out: PixelEvidence[] = [];
  let novelai: PixelEvidence | null = null;
  if (want.has("novelai")) {
    novelai = novelaiEvidence(px, opts.novelai);
    if (novelai) out.push(novelai);
  }
  // NovelAI's block is stealth pnginfo too: report it once, as NovelAI's.
  if (want.has("stealth") && novelai === null) {
    const s = stealthEvidence(px);
    if (s) out.push(s);
  }
  if (want.has("watermark")) {
    const w = watermarkEvidence(px, opts.watermark);
    if (w) out.push(w);
  }
  return out;
}

export * from "./imwatermark.js";
export * from "./novelai.js";
export * from "./stealth.js";
export * from "./types.js";
