// The open invisible watermark of Stable Diffusion's reference code: the `invisible-watermark`
// Python package (import name imwatermark), method "dwtDct" (class EmbedMaxDct).
//
// What the published decoder does (ShieldMnt/invisible-watermark imwatermark/maxDct.py,
// EmbedMaxDct.decode / decode_frame / infer_dct_matrix; watermark.py WatermarkDecoder):
// 1. cv2.cvtColor(BGR -> YUV) on the 8-bit image (OpenCV's fixed-point BT.601 "YUV":
//    U = 0.492 (B - Y) + 128), cropped to multiples of 4 rows and columns.
// 2. With the default scales [0, 36, 36] only channel 1, U, is used (the loop is range(2)
//    and Y's scale is 0; V is never touched).
// 3. One-level 2D Haar DWT (pywt.dwt2): keep the approximation band cA (half size).
// 4. Cut cA into 4x4 blocks, row by row. Despite the names ("dwtDct", infer_dct_matrix),
//    no DCT is applied: in each block, take the coefficient of largest magnitude other
//    than the top-left one (first one on ties, row-major), and read one bit:
//    (|v| mod 36) > 18. Block number k carries payload bit k mod L.
// 5. Average each payload bit's votes; bit = mean * 255 > 127 (a majority, ties to 1).
// The authors' detector (Stability-AI/generative-models scripts/demo/detect.py) then counts
// how many of the L decoded bits equal the known payload, and grades the count
// (SDXL's 48 bits: <= 27 none, <= 33 partial, <= 35 likely, else very likely).
//
// Who embeds what (each with imwatermark's default dwtDct):
// - SD 1.x reference scripts: bytes "StableDiffusionV1" (136 bits), on 8-bit BGR
//   (CompVis/stable-diffusion scripts/txt2img.py put_watermark).
// - SD 2.x reference scripts: bytes "SDV2" (32 bits), on 8-bit BGR
//   (Stability-AI/stablediffusion scripts/txt2img.py).
// - SDXL: bits of 0b101100111110110010010000011110111011000110011110 (48), on a float32
//   image 0..255 (Stability-AI/generative-models sgm/inference/helpers.py,
//   scripts/demo/streamlit_helpers.py; huggingface/diffusers
//   pipelines/stable_diffusion_xl/watermark.py, which until diffusers PR #7013 (2024-02)
//   passed RGB where BGR was expected).
// - FLUX.1 reference code: bits of 0b0010...101110 (black-forest-labs/flux src/flux/util.py),
//   float32. `bin(x)[2:]` drops the two leading zeros: the payload is 46 bits, not 48.
//
// Two things the authors' 8-bit decoder misses, which this decoder also tries:
// - Float embedding (SDXL, FLUX): cv2's float YUV has U = 0.492 (B - Y) + 0.5, not + 128, so
//   the embedder quantised coefficients near 0 that the 8-bit decoder sees near 255 (the
//   argmax lands elsewhere in blocks whose chroma is negative, and the residue shifts by 3).
//   Measured here: the authors' detector scores our float-embedded SDXL images about 27/48
//   ("No watermark detected"). Domain "float" rebuilds the embedder's U from the 8-bit
//   pixels and scores them 39-48/48.
// - diffusers' RGB/BGR swap: channel order "rgb" reads U as if R were B.
// A (domain, order) pair is a "variant". Each payload is counted only in the variants its
// embedders produce (plus the authors' 8-bit one for SDXL), so an image gets 7 looks, not 16.
//
// Fragility: the mark lives in quantised chroma block averages. A PNG round trip keeps it; a
// resize, crop (block grid shift), rotation or JPEG with 4:2:0 chroma subsampling usually
// loses it. A miss says nothing; a hit is evidence (forgeable: the embedder is public).

import { checkPixels, PIXEL_FIELD_PREFIX, type PixelEvidence, type RawPixels } from "./types.js";

export type WatermarkDomain = "uint8" | "float";
export type ChannelOrder = "bgr" | "rgb";
export interface WatermarkVariant {
  domain: WatermarkDomain;
  /** "bgr": the embedder got BGR (correct); "rgb": it got RGB as if it were BGR. */
  order: ChannelOrder;
}

export interface WatermarkPayload {
  id: string;
  label: string;
  bits: readonly number[];
  /** Where the payload is published. */
  source: string;
  /** How its published embedders call imwatermark (and the authors' detector, for SDXL). */
  variants: readonly WatermarkVariant[];
}

const U8_BGR: WatermarkVariant = { domain: "uint8", order: "bgr" };
const F_BGR: WatermarkVariant = { domain: "float", order: "bgr" };
const F_RGB: WatermarkVariant = { domain: "float", order: "rgb" };

function bytesToBits(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes) for (let i = 7; i >= 0; i--) out.push((b >> i) & 1);
  return out;
}

/** Python's `[int(c) for c in bin(x)[2:]]`: leading zeros are dropped. */
function binBits(binary: string): number[] {
  return binary.replace(/^0+/, "").split("").map(Number);
}

export const PAYLOADS: readonly WatermarkPayload[] = [
  {
    id: "sdxl",
    label: "SDXL",
    bits: binBits("101100111110110010010000011110111011000110011110"),
    source: "Stability-AI/generative-models scripts/demo/streamlit_helpers.py, sgm/inference/helpers.py; huggingface/diffusers stable_diffusion_xl/watermark.py",
    // float/bgr: generative-models, diffusers after PR #7013; float/rgb: diffusers before it;
    // uint8/bgr: what the authors' detect.py reads (and 8-bit callers).
    variants: [U8_BGR, F_BGR, F_RGB],
  },
  {
    id: "flux",
    label: "FLUX.1",
    bits: binBits("001010101111111010000111100111001111010100101110"),
    source: "black-forest-labs/flux src/flux/util.py",
    variants: [F_BGR, U8_BGR],
  },
  {
    id: "sd1",
    label: "Stable Diffusion 1.x",
    bits: bytesToBits(new TextEncoder().encode("StableDiffusionV1")),
    source: "CompVis/stable-diffusion scripts/txt2img.py",
    variants: [U8_BGR],
  },
  {
    id: "sd2",
    label: "Stable Diffusion 2.x",
    bits: bytesToBits(new TextEncoder().encode("SDV2")),
    source: "Stability-AI/stablediffusion scripts/txt2img.py",
    variants: [U8_BGR],
  },
];

/** Every decoding pass the payloads need (uint8/rgb has no known embedder). */
export const ALL_VARIANTS: readonly WatermarkVariant[] = [U8_BGR, F_BGR, F_RGB];
/** The single pass of the authors' detector. */
export const AUTHORS_VARIANT: WatermarkVariant = U8_BGR;

/** imwatermark's default dwtDct parameters. */
const SCALE = 36;
const BLOCK = 4;
/** pywt's Haar filter tap, 1/sqrt(2) as a double. */
const HAAR = Math.SQRT1_2;

// OpenCV's fixed-point BT.601 constants (imgproc color_yuv.simd.hpp, color.hpp): x 2^14.
const YUV_SHIFT = 14;
const R2Y = 4899;
const G2Y = 9617;
const B2Y = 1868;
const B2UI = 8061;
// ... and the float ones (R2YF etc. are C floats: rounded to float32).
const R2YF = Math.fround(0.299);
const G2YF = Math.fround(0.587);
const B2YF = Math.fround(0.114);
const B2UF = Math.fround(0.492);

/**
 * Per-block votes of the dwtDct decoder for one variant: one 0/1 per 4x4 block of the
 * Haar approximation of U, row-major. They do not depend on the payload length, so one
 * pass serves every payload. Null when the image is below imwatermark's 256x256-pixel area.
 * `bandStep` > 1 reads only every bandStep-th band of blocks (a screen: the others' votes are
 * NO_VOTE, and every payload bit still gets votes, since a band holds many whole payloads).
 */
export function blockVotes(px: RawPixels, variant: WatermarkVariant, bandStep = 1): Uint8Array | null {
  checkPixels(px);
  const { data, width, height, channels } = px;
  if (width * height < 256 * 256 || channels < 3) return null;
  const r4 = height - (height % 4);
  const c4 = width - (width % 4);
  const rowsCA = r4 / 2;
  const colsCA = c4 / 2;
  const nbi = Math.floor(rowsCA / BLOCK);
  const nbj = Math.floor(colsCA / BLOCK);
  // Our pixels are RGB. imwatermark reads BGR: B is byte 2 when the embedder was given BGR
  // (correct use), byte 0 when it was given RGB as if it were BGR.
  const bOff = variant.order === "bgr" ? 2 : 0;
  const rOff = 2 - bOff;
  const float = variant.domain === "float";

  // U of the 8 pixel rows behind one band of cA (4 rows of blocks), then the band itself.
  const uRows = new Float64Array(2 * BLOCK * c4);
  const bandCols = nbj * BLOCK;
  const band = new Float64Array(BLOCK * bandCols);
  const votes = new Uint8Array(nbi * nbj);
  if (bandStep > 1) votes.fill(NO_VOTE);
  for (let bi = 0; bi < nbi; bi += bandStep) {
    const y0 = bi * 2 * BLOCK;
    for (let r = 0; r < 2 * BLOCK; r++) {
      let p = (y0 + r) * width * channels;
      const o = r * c4;
      const xEnd = 2 * bandCols; // columns past the last whole block are never read
      if (float) {
        for (let x = 0; x < xEnd; x++, p += channels) {
          const b = data[p + bOff] as number;
          const g = data[p + 1] as number;
          const rr = data[p + rOff] as number;
          // cv2's float path: Y = 0.114 B + 0.587 G + 0.299 R; U = (B - Y) * 0.492 + 0.5
          const yy = b * B2YF + g * G2YF + rr * R2YF;
          uRows[o + x] = (b - yy) * B2UF + 0.5;
        }
      } else {
        for (let x = 0; x < xEnd; x++, p += channels) {
          const b = data[p + bOff] as number;
          const g = data[p + 1] as number;
          const rr = data[p + rOff] as number;
          // cv2's 8-bit path: fixed point, rounded, U saturated to 0..255.
          const yy = (b * B2Y + g * G2Y + rr * R2Y + (1 << (YUV_SHIFT - 1))) >> YUV_SHIFT;
          const uu = ((b - yy) * B2UI + (128 << YUV_SHIFT) + (1 << (YUV_SHIFT - 1))) >> YUV_SHIFT;
          uRows[o + x] = uu < 0 ? 0 : uu > 255 ? 255 : uu;
        }
      }
    }
    for (let r = 0; r < BLOCK; r++) {
      const top = 2 * r * c4;
      const bot = top + c4;
      const o = r * bandCols;
      for (let j = 0; j < bandCols; j++) {
        const x0 = 2 * j;
        // pywt.dwt2 filters along axis -2 (down a column) first, then axis -1, each output
        // fl(fl(h*odd) + fl(h*even)): the same double roundings here, so ties and the
        // "> 18" boundary fall exactly as in Python.
        const v0 = HAAR * (uRows[bot + x0] as number) + HAAR * (uRows[top + x0] as number);
        const v1 = HAAR * (uRows[bot + x0 + 1] as number) + HAAR * (uRows[top + x0 + 1] as number);
        band[o + j] = HAAR * v1 + HAAR * v0;
      }
    }
    for (let bj = 0; bj < nbj; bj++) {
      let best = -1;
      let bestVal = 0;
      const c0 = bj * BLOCK;
      for (let k = 1; k < 16; k++) {
        const v = band[(k >> 2) * bandCols + c0 + (k & 3)] as number;
        const a = v < 0 ? -v : v;
        if (a > best) {
          best = a;
          bestVal = a;
        }
      }
      votes[bi * nbj + bj] = bestVal % SCALE > 0.5 * SCALE ? 1 : 0;
    }
  }
  return votes;
}

/** A block a screening pass did not read. */
const NO_VOTE = 255;

/** The L bits imwatermark's decoder returns, from one variant's block votes. */
export function bitsFromVotes(votes: Uint8Array, length: number): number[] {
  const ones = new Array<number>(length).fill(0);
  const count = new Array<number>(length).fill(0);
  for (let k = 0; k < votes.length; k++) {
    if (votes[k] === NO_VOTE) continue;
    const b = k % length;
    count[b]! += 1;
    ones[b]! += votes[k] ?? 0;
  }
  // np.array(scores).mean() * 255 > 127; an empty list's mean is NaN, which compares False.
  return ones.map((o, b) => ((count[b] ?? 0) > 0 && (o / (count[b] ?? 1)) * 255 > 127 ? 1 : 0));
}

/** imwatermark's `WatermarkDecoder("bits", length).decode(bgr, "dwtDct")` for one variant. */
export function decodeDwtDct(px: RawPixels, length: number, variant: WatermarkVariant = { domain: "uint8", order: "bgr" }): number[] | null {
  const votes = blockVotes(px, variant);
  return votes === null ? null : bitsFromVotes(votes, length);
}

export interface PayloadMatch {
  payload: string;
  label: string;
  variant: WatermarkVariant;
  matched: number;
  total: number;
  /** Chance that L fair coin flips match at least this many bits. */
  pRandom: number;
  /** Matching bits in each variant tried, e.g. {"uint8/bgr": 27, "float/bgr": 46}. */
  byVariant: Record<string, number>;
  /** Counted on a screen (every SCREEN_STEP-th band of blocks): nothing there, so no full decode. */
  screened?: boolean;
}

/** P(X >= k) for X ~ Binomial(n, 1/2), exact (n is small). */
export function binomialTail(n: number, k: number): number {
  let sum = 0n;
  let c = 1n; // C(n, 0)
  for (let j = 0; j <= n; j++) {
    if (j >= k) sum += c;
    c = (c * BigInt(n - j)) / BigInt(j + 1);
  }
  // sum < 2^n: as a double it keeps 53 significant bits, plenty for a probability.
  return Number(sum) / 2 ** n;
}

/** The SDXL authors' grades (detect.py MATCH_VALUES), for 48-bit counts. */
export function sdxlAuthorsVerdict(matched: number): string {
  if (matched <= 27) return "No watermark detected";
  if (matched <= 33) return "Partial watermark match. Cannot determine with certainty.";
  if (matched <= 35) return "Likely watermarked";
  return "Very likely watermarked";
}

export interface WatermarkOptions {
  /**
   * Decoding passes to run (default ALL_VARIANTS, 3 passes); a payload is counted in those
   * of its own variants that are listed. [AUTHORS_VARIANT] alone is the authors' detector.
   */
  variants?: readonly WatermarkVariant[];
  payloads?: readonly WatermarkPayload[];
  /**
   * Largest chance, per payload and variant, that random bits match as well: default 1e-5,
   * i.e. SDXL >= 39/48, FLUX >= 38/46, SD1 >= 94/136, SD2 >= 28/32. Stricter than the SDXL
   * authors' "very likely" (36/48, p = 3.6e-4), as prov may flag on this signal alone and
   * an image gets 7 looks (about 7e-5 for random bits). Untouched float-embedded SDXL
   * images measure 39-48/48 here, so 1e-6 (41/48) would miss some.
   */
  maxPRandom?: number;
  /**
   * Screen large images first (default true): read every SCREEN_STEP-th band of blocks, and
   * decode in full only when some payload matches the screen better than chance would
   * (SCREEN_MAX_P). A clean picture, the common case, then costs a quarter of the passes; a
   * marked one is decoded in full, so its count is the full decoder's.
   */
  screen?: boolean;
}

/** Bands of blocks a screen reads: one in SCREEN_STEP. */
export const SCREEN_STEP = 4;
/** A screen goes on to the full decode when a payload matches it this unlikely by chance. */
export const SCREEN_MAX_P = 1e-2;
/** Votes a payload bit gets in a screen, at least, or the screen is skipped (the image is small: full passes are cheap). */
const SCREEN_MIN_VOTES = 30;

const key = (v: WatermarkVariant): string => `${v.domain}/${v.order}`;

/** Every payload's best match over its variants, best first (by pRandom). */
export function matchWatermarks(px: RawPixels, opts: WatermarkOptions = {}): PayloadMatch[] {
  const payloads = opts.payloads ?? PAYLOADS;
  if (opts.screen !== false) {
    const longest = Math.max(0, ...payloads.map((p) => p.bits.length));
    // Blocks in a screen: the approximation band is half the (multiple-of-4) size, in 4x4 blocks.
    const nbi = Math.floor((px.height - (px.height % 4)) / 2 / BLOCK);
    const nbj = Math.floor((px.width - (px.width % 4)) / 2 / BLOCK);
    if (Math.floor(nbi / SCREEN_STEP) * nbj >= SCREEN_MIN_VOTES * longest) {
      const screened = matchWith(px, opts, payloads, SCREEN_STEP);
      if (!screened.some((m) => m.pRandom <= SCREEN_MAX_P)) return screened.map((m) => ({ ...m, screened: true }));
    }
  }
  return matchWith(px, opts, payloads, 1);
}

function matchWith(px: RawPixels, opts: WatermarkOptions, payloads: readonly WatermarkPayload[], bandStep: number): PayloadMatch[] {
  const allowed = new Set((opts.variants ?? ALL_VARIANTS).map(key));
  const votes = new Map<string, Uint8Array | null>();
  const out: PayloadMatch[] = [];
  for (const p of payloads) {
    let best: PayloadMatch | undefined;
    const byVariant: Record<string, number> = {};
    for (const variant of p.variants) {
      const k = key(variant);
      if (!allowed.has(k)) continue;
      if (!votes.has(k)) votes.set(k, blockVotes(px, variant, bandStep));
      const v = votes.get(k);
      if (!v) return []; // too small for imwatermark
      const bits = bitsFromVotes(v, p.bits.length);
      let matched = 0;
      for (let i = 0; i < bits.length; i++) if (bits[i] === p.bits[i]) matched++;
      byVariant[k] = matched;
      if (best === undefined || matched > best.matched) {
        best = { payload: p.id, label: p.label, variant, matched, total: p.bits.length, pRandom: binomialTail(p.bits.length, matched), byVariant };
      }
    }
    if (best) out.push(best);
  }
  return out.sort((a, b) => a.pRandom - b.pRandom);
}

/**
 * Evidence of a known imwatermark dwtDct payload, or null. Cost: one pass over the pixels
 * per variant (3 by default; see the benchmark); `variants: [AUTHORS_VARIANT]` for one.
 */
export function watermarkEvidence(px: RawPixels, opts: WatermarkOptions = {}): PixelEvidence | null {
  const maxP = opts.maxPRandom ?? 1e-5;
  const matches = matchWatermarks(px, opts);
  const hit = matches[0];
  if (hit === undefined || hit.pRandom > maxP) return null;
  const payload = (opts.payloads ?? PAYLOADS).find((p) => p.id === hit.payload);
  return {
    source: "generator",
    field: `${PIXEL_FIELD_PREFIX}imwatermark:dwtDct`,
    value: `${hit.label} invisible watermark (${hit.matched}/${hit.total} bits)`,
    signal: "genai",
    detail: {
      kind: "invisible watermark",
      payload: hit.payload,
      bits: `${hit.matched}/${hit.total}`,
      pRandom: hit.pRandom,
      variant: `${hit.variant.domain}/${hit.variant.order}`,
      byVariant: hit.byVariant,
      // What the authors' detect.py would print: its grading of its own (8-bit) pass.
      ...(hit.payload === "sdxl" && hit.byVariant[key(AUTHORS_VARIANT)] !== undefined
        ? { authorsDetector: `${hit.byVariant[key(AUTHORS_VARIANT)]}/48: ${sdxlAuthorsVerdict(hit.byVariant[key(AUTHORS_VARIANT)] ?? 0)}` }
        : {}),
      payloadSource: payload?.source,
      others: matches.slice(1).map((m) => `${m.label} ${m.matched}/${m.total} (${m.variant.domain}/${m.variant.order})`),
    },
  };
}
