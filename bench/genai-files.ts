// Files for the benchmarks: clean stills, and labelled GenAI files never seen before (the
// repository's samples, made unique inside their structure so their labels stay readable).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { rng } from "./tree.js";

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A clean still: 320x240 JPEG of seeded noise over a seeded colour; every one different. */
export async function cleanJpeg(seed: number): Promise<Buffer> {
  const r = rng(seed);
  return sharp({ create: { width: 320, height: 240, channels: 3, background: { r: r() * 255, g: r() * 255, b: r() * 255 }, noise: { type: "gaussian", mean: 128, sigma: 30 } } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

const A1111 = readFileSync(path.join(root, "samples/genai-a1111.png"));
const IPTC_JPEG = readFileSync(path.join(root, "samples/genai-concept-art.jpg"));

/** A labelled GenAI file never seen before: the repository's samples, made unique inside their structure. */
export function genaiFile(i: number, tag: string): { name: string; bytes: Buffer } {
  if (i % 2 === 0) {
    // A tEXt chunk before IEND (the A1111 "parameters" chunk stays).
    const body = Buffer.from(`tEXt${tag}\0${i}`, "latin1");
    const chunk = Buffer.alloc(body.length + 8);
    chunk.writeUInt32BE(body.length - 4, 0);
    body.copy(chunk, 4);
    chunk.writeUInt32BE(crc32(body), body.length + 4);
    const iend = A1111.length - 12;
    return { name: `gen_${tag}_${i}.png`, bytes: Buffer.concat([A1111.subarray(0, iend), chunk, A1111.subarray(iend)]) };
  }
  // A COM segment right after SOI (the XMP with IPTC trainedAlgorithmicMedia stays).
  const text = Buffer.from(`${tag} ${i}`, "latin1");
  const com = Buffer.alloc(4 + text.length);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(text.length + 2, 2);
  text.copy(com, 4);
  return { name: `gen_${tag}_${i}.jpg`, bytes: Buffer.concat([IPTC_JPEG.subarray(0, 2), com, IPTC_JPEG.subarray(2)]) };
}

function crc32(b: Buffer): number {
  return (require("node:zlib") as { crc32(b: Buffer): number }).crc32(b) >>> 0;
}

