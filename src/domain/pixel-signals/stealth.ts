// "Stealth pnginfo": generation parameters hidden in the least-significant bits of a PNG's
// pixels, where no metadata reader (ExifTool included) looks, and which survive metadata
// stripping (but not a lossy re-encode, a resize, a crop of the top-left, or flattening the
// alpha).
//
// Format, as written and read by the published code (ported, not copied):
//   ashen-sensored/sd_webui_stealth_pnginfo  scripts/stealth_pnginfo.py (the A1111 extension)
//   lllyasviel/stable-diffusion-webui-forge  modules/stealth_infotext.py (same reader, built in)
//   catboxanon/comfyui_stealth_pnginfo       stealth.py, util.py (ComfyUI node; reuses the above)
//   NovelAI/novelai-image-metadata           nai_meta.py (alpha, stealth_pngcomp only)
// - Pixels are visited column-major: x over the width, and for each x, y down the height.
// - Alpha mode: one bit per pixel, the alpha LSB. RGB mode: three bits per pixel, the R, G
//   and B LSBs in that order.
// - Bits, most significant first within each byte:
//   signature (15 ASCII bytes: stealth_pnginfo | stealth_pngcomp in alpha,
//   stealth_rgbinfo | stealth_rgbcomp in RGB; "comp" means gzip), then a 32-bit big-endian
//   length *in bits*, then the payload (UTF-8 text, or gzip of it).
//
// The reader's quirks are kept, because "what the extension reads" is the spec:
// - In an RGBA image the RGB signature is tested first (it completes at pixel 40, the alpha
//   one at pixel 120); a failed alpha signature ends the search.
// - RGB mode: the 32 length bits end inside pixel 51, whose third bit is the first payload
//   bit; the length is only compared after each following pixel.
// - A payload that is not a whole number of bytes keeps its short last group as a number.
// - Uncompressed text is decoded with errors="ignore"; a gzip or UTF-8 failure in a
//   compressed payload means no result.

import { gunzipSync } from "node:zlib";
import { checkPixels, PIXEL_FIELD_PREFIX, type PixelEvidence, type RawPixels } from "./types.js";
import { decodeUtf8Ignore } from "./utf8.js";

export const STEALTH_SIGNATURES = ["stealth_pnginfo", "stealth_pngcomp", "stealth_rgbinfo", "stealth_rgbcomp"] as const;
export type StealthSignature = (typeof STEALTH_SIGNATURES)[number];

/** Bits in a signature: 15 bytes. */
const SIG_BITS = 15 * 8;

export interface StealthPayload {
  signature: StealthSignature;
  mode: "alpha" | "rgb";
  compressed: boolean;
  /** Payload length the image declares, in bits. */
  declaredBits: number;
  /** Payload bytes as stored (still gzipped when compressed). */
  stored: Uint8Array;
  /** The decoded text (gunzipped, UTF-8). */
  text: string;
}

/**
 * Reads stealth pnginfo from RGB or RGBA pixels exactly as the A1111/Forge reader does;
 * null when there is none (or it does not decode). Cost: O(1) for images without a
 * signature (40, at most 120, pixels are looked at), O(payload) otherwise.
 */
export function readStealthPngInfo(px: RawPixels): StealthPayload | null {
  checkPixels(px);
  const { width, height, channels } = px;
  if (channels !== 3 && channels !== 4) return null; // PIL's reader fails on L/LA/P modes
  const n = width * height;
  const rgb = new RgbBits(px);

  // The RGB signature completes first (pixel 40), in both RGB and RGBA images.
  if (n >= SIG_BITS / 3) {
    const sig = bitsToAscii(rgb, 0, SIG_BITS);
    if (sig === "stealth_rgbinfo" || sig === "stealth_rgbcomp") return readRgbMode(px, rgb, sig);
  }
  if (channels === 4 && n >= SIG_BITS) {
    const alpha = new AlphaBits(px);
    const sig = bitsToAscii(alpha, 0, SIG_BITS);
    if (sig === "stealth_pnginfo" || sig === "stealth_pngcomp") return readAlphaMode(alpha, n, sig);
  }
  return null;
}

function readAlphaMode(alpha: AlphaBits, n: number, signature: "stealth_pnginfo" | "stealth_pngcomp"): StealthPayload | null {
  // Pixels 120..151 hold the length; the payload follows from pixel 152, one bit a pixel.
  if (n < SIG_BITS + 32) return null;
  const declaredBits = readUint32(alpha, SIG_BITS);
  // The reader stops when its count *equals* the length, after appending a bit: a zero
  // length never matches, and a payload running past the last pixel is never complete.
  if (declaredBits === 0 || SIG_BITS + 32 + declaredBits > n) return null;
  const stored = packBits(alpha, SIG_BITS + 32, declaredBits);
  return finish(signature, "alpha", declaredBits, stored);
}

function readRgbMode(px: RawPixels, rgb: RgbBits, signature: "stealth_rgbinfo" | "stealth_rgbcomp"): StealthPayload | null {
  const n = px.width * px.height;
  // Pixels 40..50 give 33 bits: 32 of length, then the first payload bit.
  const lenStart = SIG_BITS; // bit offset of the length in the RGB bit stream
  if (n < 51) return null;
  const declaredBits = readUint32(rgb, lenStart);
  // After the length pixel the reader holds 1 payload bit and compares only after each
  // further pixel (3 bits): it needs k >= 1 more pixels with 1 + 3k >= length.
  const k = Math.max(1, Math.ceil((declaredBits - 1) / 3));
  if (51 + k > n) return null;
  const kept = Math.min(declaredBits, 1 + 3 * k); // the reader truncates to the length
  if (kept === 0) return null; // a zero length leaves an empty buffer: no result
  const stored = packBits(rgb, lenStart + 32, kept);
  return finish(signature, "rgb", declaredBits, stored);
}

function finish(signature: StealthSignature, mode: "alpha" | "rgb", declaredBits: number, stored: Uint8Array): StealthPayload | null {
  const compressed = signature.endsWith("comp");
  let text: string;
  if (compressed) {
    let raw: Uint8Array;
    try {
      raw = gunzipSync(stored);
    } catch {
      return null;
    }
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      return null;
    }
  } else {
    text = decodeUtf8Ignore(stored);
  }
  return { signature, mode, compressed, declaredBits, stored, text };
}

// ---------------------------------------------------------------- bit streams

interface BitStream {
  /** The i-th bit of the stream (0 or 1). */
  bit(i: number): number;
}

/** Alpha LSBs, column-major. */
class AlphaBits implements BitStream {
  constructor(private readonly px: RawPixels) {}
  bit(i: number): number {
    const { width, height, data } = this.px;
    const x = Math.floor(i / height);
    const y = i - x * height;
    return (data[(y * width + x) * 4 + 3] ?? 0) & 1;
  }
}

/** R, G, B LSBs of each pixel in turn, pixels column-major. */
class RgbBits implements BitStream {
  constructor(private readonly px: RawPixels) {}
  bit(i: number): number {
    const { width, height, data, channels } = this.px;
    const p = Math.floor(i / 3);
    const c = i - p * 3;
    const x = Math.floor(p / height);
    const y = p - x * height;
    return (data[(y * width + x) * channels + c] ?? 0) & 1;
  }
}

function bitsToAscii(s: BitStream, start: number, nbits: number): string {
  let out = "";
  for (let i = 0; i < nbits; i += 8) {
    let b = 0;
    for (let j = 0; j < 8; j++) b = (b << 1) | s.bit(start + i + j);
    out += String.fromCharCode(b);
  }
  return out;
}

function readUint32(s: BitStream, start: number): number {
  let v = 0;
  for (let j = 0; j < 32; j++) v = v * 2 + s.bit(start + j);
  return v;
}

/** `nbits` bits from `start`, 8 to a byte MSB first; a short last group keeps its value. */
function packBits(s: BitStream, start: number, nbits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(nbits / 8));
  for (let i = 0; i < nbits; i += 8) {
    const take = Math.min(8, nbits - i);
    let b = 0;
    for (let j = 0; j < take; j++) b = (b << 1) | s.bit(start + i + j);
    out[i >> 3] = b;
  }
  return out;
}

// ---------------------------------------------------------------- evidence

const A1111 = /(^|\n)Steps: \d+, Sampler: /;

/** Which tool wrote a stealth payload, from its content; a fallback when unknown. */
export function stealthGenerator(text: string): string {
  const t = text.trimStart();
  if (t.startsWith("{")) {
    try {
      const o: unknown = JSON.parse(t);
      if (typeof o === "object" && o !== null && !Array.isArray(o)) {
        const rec = o as Record<string, unknown>;
        if (rec["Software"] === "NovelAI" || (typeof rec["Source"] === "string" && /novelai|stable diffusion/i.test(rec["Source"]))) return "NovelAI";
        if ("prompt" in rec || "workflow" in rec) return "ComfyUI (stealth pnginfo node)";
      }
    } catch {
      // not JSON: fall through
    }
  }
  if (A1111.test(text)) return "AUTOMATIC1111/Forge";
  return "stealth pnginfo writer";
}

/** Prompts and workflows can be megabytes; evidence keeps enough to be read. */
export function clip(s: string, max = 2000): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}

/**
 * Evidence from stealth pnginfo, or null. Only the writers of AI generation parameters use
 * this format, so a decodable payload is a GenAI mark (a forgeable one, like any label).
 */
export function stealthEvidence(px: RawPixels): PixelEvidence | null {
  const p = readStealthPngInfo(px);
  if (p === null || p.text.length === 0) return null;
  return {
    source: "generator",
    field: `${PIXEL_FIELD_PREFIX}${p.mode}-lsb:${p.signature}`,
    value: clip(p.text),
    signal: "genai",
    detail: {
      kind: "generator metadata in the pixels",
      generator: stealthGenerator(p.text),
      format: "stealth pnginfo",
      mode: p.mode,
      compressed: p.compressed,
      payloadBits: p.declaredBits,
    },
  };
}
