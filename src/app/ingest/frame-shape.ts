// Ingest: the size and format of a numbered frame from its header, so that only frames of
// one shot are grouped into an image sequence (src/domain/sequence.ts groupFrames). One read
// of the file's first bytes; formats not understood here say nothing (null) and are grouped
// by name alone.

import { open } from "node:fs/promises";
import type { FrameShape } from "../../domain/sequence.js";

const HEAD_BYTES = 64 * 1024;

export async function frameShape(p: string): Promise<FrameShape | null> {
  let fh;
  try {
    fh = await open(p, "r");
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return shapeOf(buf.subarray(0, bytesRead));
  } catch {
    return null; // unreadable here: the hash reports why
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** The size and format a header gives; null when it is not one of the formats read here. */
export function shapeOf(b: Buffer): FrameShape | null {
  try {
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString("latin1", 12, 16) === "IHDR") return { format: "png", width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpeg(b);
    if (b.length >= 8 && b.readUInt32LE(0) === 20000630) return exr(b);
    if (b.length >= 780 && (b.toString("latin1", 0, 4) === "SDPX" || b.toString("latin1", 0, 4) === "XPDS")) {
      const be = b.toString("latin1", 0, 4) === "SDPX";
      return { format: "dpx", width: be ? b.readUInt32BE(772) : b.readUInt32LE(772), height: be ? b.readUInt32BE(776) : b.readUInt32LE(776) };
    }
    if (b.length >= 8 && (b.toString("latin1", 0, 4) === "II*\0" || b.toString("latin1", 0, 4) === "MM\0*")) return tiff(b);
    if (b.length >= 26 && b.toString("latin1", 0, 2) === "BM") return { format: "bmp", width: Math.abs(b.readInt32LE(18)), height: Math.abs(b.readInt32LE(22)) };
  } catch {
    return null; // a header cut short: not understood
  }
  return null;
}

function jpeg(b: Buffer): FrameShape | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = b.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { format: "jpeg", height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  return null;
}

function exr(b: Buffer): FrameShape | null {
  let i = 8;
  while (i < b.length) {
    const nameEnd = b.indexOf(0, i);
    if (nameEnd < 0 || nameEnd === i) return null; // end of header without a dataWindow
    const name = b.toString("latin1", i, nameEnd);
    const typeEnd = b.indexOf(0, nameEnd + 1);
    if (typeEnd < 0 || typeEnd + 4 > b.length) return null;
    const size = b.readUInt32LE(typeEnd + 1);
    const at = typeEnd + 5;
    if (name === "dataWindow" && size === 16 && at + 16 <= b.length) {
      const [x0, y0, x1, y1] = [b.readInt32LE(at), b.readInt32LE(at + 4), b.readInt32LE(at + 8), b.readInt32LE(at + 12)];
      return { format: "exr", width: x1 - x0 + 1, height: y1 - y0 + 1 };
    }
    i = at + size;
  }
  return null;
}

function tiff(b: Buffer): FrameShape | null {
  const le = b[0] === 0x49;
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const ifd = u32(4);
  if (ifd + 2 > b.length) return null;
  let width = 0;
  let height = 0;
  for (let k = 0, n = u16(ifd); k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > b.length) return null;
    const tag = u16(e);
    const value = u16(e + 2) === 3 ? u16(e + 8) : u32(e + 8);
    if (tag === 256) width = value;
    else if (tag === 257) height = value;
  }
  return width > 0 && height > 0 ? { format: "tiff", width, height } : null;
}
