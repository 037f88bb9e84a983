// Test-only ports of the published *writers*, to make files in each format:
// - stealth pnginfo: add_data/prepare_data of ashen-sensored/sd_webui_stealth_pnginfo
//   (scripts/stealth_pnginfo.py) = Forge's modules/stealth_infotext.py;
// - NovelAI's alpha block: LSBInjector / inject_data of NovelAI/novelai-image-metadata
//   (nai_meta_writer.py), with a signed_hash made by a key we generate (NovelAI's private
//   key is, rightly, not public);
// - images: deterministic synthetic pictures (a "photo-like" one with texture and colour,
//   flat, gradient, noise) and PNG/JPEG round trips through sharp.

import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { gzipSync } from "node:zlib";
import sharp from "sharp";
import { rgbBytes } from "../src/domain/pixel-signals/novelai.js";
import { pyDumps, pyLoads } from "../src/domain/pixel-signals/pyjson.js";
import type { RawPixels } from "../src/domain/pixel-signals/types.js";
import { rng } from "./tree.js";

// ---------------------------------------------------------------- stealth pnginfo

/** prepare_data: signature bits, 32-bit length in bits, payload bits. */
export function stealthBits(text: string, mode: "alpha" | "rgb", compressed: boolean): number[] {
  const signature = `stealth_${mode === "alpha" ? "png" : "rgb"}${compressed ? "comp" : "info"}`;
  const payload = compressed ? gzipSync(Buffer.from(text, "utf8")) : Buffer.from(text, "utf8");
  const bits: number[] = [];
  const pushByte = (b: number): void => {
    for (let i = 7; i >= 0; i--) bits.push((b >> i) & 1);
  };
  for (const b of Buffer.from(signature, "ascii")) pushByte(b);
  const len = payload.length * 8;
  for (let i = 31; i >= 0; i--) bits.push(Math.floor(len / 2 ** i) % 2);
  for (const b of payload) pushByte(b);
  return bits;
}

/**
 * add_data: alpha mode first sets alpha to 255 (putalpha(255)), then writes one bit per
 * pixel; RGB mode writes three. Column-major. Returns a new RGBA (alpha) or same-channel
 * (rgb) image.
 */
export function writeStealth(px: RawPixels, text: string, mode: "alpha" | "rgb", compressed: boolean): RawPixels {
  const bits = stealthBits(text, mode, compressed);
  const { width, height } = px;
  let out: RawPixels;
  if (mode === "alpha") {
    out = withAlpha(px, 255);
  } else {
    out = { ...px, data: Uint8Array.from(px.data) };
  }
  const ch = out.channels;
  let index = 0;
  outer: for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      if (index >= bits.length) break outer;
      const p = (y * width + x) * ch;
      if (mode === "alpha") {
        out.data[p + 3] = ((out.data[p + 3] ?? 0) & ~1) | (bits[index] ?? 0);
        index += 1;
      } else {
        for (let c = 0; c < 3; c++) {
          if (index + c < bits.length) out.data[p + c] = ((out.data[p + c] ?? 0) & ~1) | (bits[index + c] ?? 0);
        }
        index += 3;
      }
    }
  }
  if (index < bits.length) throw new Error("image too small for the payload");
  return out;
}

export function withAlpha(px: RawPixels, alpha: number): RawPixels {
  const n = px.width * px.height;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = px.data[i * px.channels + c] ?? 0;
    data[i * 4 + 3] = px.channels === 4 ? (px.data[i * 4 + 3] ?? alpha) : alpha;
  }
  return { data, width: px.width, height: px.height, channels: 4 };
}

// ---------------------------------------------------------------- NovelAI

export function newEd25519(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync("ed25519");
}

/**
 * A NovelAI-style image: the comment is signed as NovelAI's server evidently does (what
 * nai_sig.py verifies: RGB bytes + json.dumps(comment without signed_hash)), signed_hash is
 * added last, and the metadata JSON (json.dumps of the text chunks, Title removed, as
 * serialize_metadata does) is gzipped into the alpha LSBs as LSBInjector.finalize writes
 * it: alpha 0xff everywhere, 0xfe|bit over the block, column-major.
 */
export function writeNovelAI(px: RawPixels, commentJson: string, privateKey: KeyObject | null, extra: Record<string, string> = {}): RawPixels {
  const rgba = withAlpha(px, 255);
  const comment = pyLoads(commentJson);
  if (comment.kind !== "dict") throw new Error("comment must be an object");
  if (privateKey !== null) {
    const msg = Buffer.concat([rgbBytes(rgba), Buffer.from(pyDumps(comment), "utf8")]);
    const sig = sign(null, msg, privateKey).toString("base64");
    comment.entries.set("signed_hash", { kind: "str", value: sig });
  }
  const meta = {
    kind: "dict" as const,
    entries: new Map([
      ["Description", { kind: "str" as const, value: extra["Description"] ?? "a cat in space" }],
      ["Software", { kind: "str" as const, value: extra["Software"] ?? "NovelAI" }],
      ["Source", { kind: "str" as const, value: extra["Source"] ?? "NovelAI Diffusion V4.5 4BDE2A90" }],
      ["Generation time", { kind: "str" as const, value: "1.23" }],
      ["Comment", { kind: "str" as const, value: pyDumps(comment) }],
    ]),
  };
  const block = gzipSync(Buffer.from(pyDumps(meta), "utf8"));
  const head = Buffer.alloc(19);
  head.write("stealth_pngcomp", 0, "ascii");
  head.writeUInt32BE(block.length * 8, 15);
  const buf = Buffer.concat([head, block]);
  const { width, height } = rgba;
  if (buf.length * 8 > width * height) throw new Error("image too small for the block");
  let k = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const p = (y * width + x) * 4 + 3;
      if (k < buf.length * 8) {
        const bit = ((buf[k >> 3] ?? 0) >> (7 - (k & 7))) & 1;
        rgba.data[p] = 0xfe | bit;
      } else {
        rgba.data[p] = 0xff;
      }
      k++;
    }
  }
  return rgba;
}

// ---------------------------------------------------------------- images

// Deterministic PRNG (mulberry32, the benches' one), so test images are the same every run.
export { rng };

/**
 * A photo-like RGB picture: smooth colour fields, a few shapes, edges and fine noise, so
 * chroma varies like a real image (a flat or pure-noise image is a poor stand-in for both
 * the watermark and its false positives).
 */
export function photoLike(width: number, height: number, seed = 1): RawPixels {
  const r = rng(seed);
  const data = new Uint8Array(width * height * 3);
  const blobs = Array.from({ length: 12 }, () => ({
    x: r() * width,
    y: r() * height,
    rad: (0.05 + r() * 0.3) * Math.min(width, height),
    col: [r() * 255, r() * 255, r() * 255],
  }));
  const f1 = 2 + r() * 4;
  const f2 = 2 + r() * 4;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      let cr = 120 + 80 * Math.sin(f1 * u * 3.1 + v * 2);
      let cg = 110 + 70 * Math.sin(f2 * v * 2.7 + u);
      let cb = 100 + 90 * Math.cos((u + v) * 3.3);
      for (const b of blobs) {
        const d = Math.hypot(x - b.x, y - b.y);
        if (d < b.rad) {
          const w = 0.7 * (1 - d / b.rad);
          cr = cr * (1 - w) + (b.col[0] ?? 0) * w;
          cg = cg * (1 - w) + (b.col[1] ?? 0) * w;
          cb = cb * (1 - w) + (b.col[2] ?? 0) * w;
        }
      }
      const n = (r() - 0.5) * 12;
      const p = (y * width + x) * 3;
      data[p] = clamp8(cr + n);
      data[p + 1] = clamp8(cg + n);
      data[p + 2] = clamp8(cb + n);
    }
  }
  return { data, width, height, channels: 3 };
}

export function flat(width: number, height: number, rgb: [number, number, number]): RawPixels {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height, channels: 3 };
}

export function gradient(width: number, height: number): RawPixels {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = Math.round((255 * x) / (width - 1));
      data[p + 1] = Math.round((255 * y) / (height - 1));
      data[p + 2] = Math.round((255 * (x + y)) / (width + height - 2));
    }
  }
  return { data, width, height, channels: 3 };
}

export function noise(width: number, height: number, channels: 3 | 4, seed = 7): RawPixels {
  const r = rng(seed);
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { data, width, height, channels };
}

export function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** Encodes to PNG with sharp (lossless), as a file a user would have. */
export async function toPng(px: RawPixels): Promise<Buffer> {
  return sharp(Buffer.from(px.data), { raw: { width: px.width, height: px.height, channels: px.channels as 3 | 4 } })
    .png()
    .toBuffer();
}

export async function toJpeg(px: RawPixels, quality: number): Promise<Buffer> {
  return sharp(Buffer.from(px.data), { raw: { width: px.width, height: px.height, channels: px.channels as 3 | 4 } })
    .jpeg({ quality })
    .toBuffer();
}

export async function resized(px: RawPixels, factor: number): Promise<Buffer> {
  return sharp(Buffer.from(px.data), { raw: { width: px.width, height: px.height, channels: px.channels as 3 | 4 } })
    .resize(Math.round(px.width * factor), Math.round(px.height * factor))
    .png()
    .toBuffer();
}
