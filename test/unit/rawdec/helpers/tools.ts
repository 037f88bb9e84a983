// External reference decoders and encoders for the tests: ffmpeg (required) and ImageMagick
// (used when a real one is installed; /usr/local/bin/convert may be a stand-in that only
// shows pictures, so it is recognised by `-version`).

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export const FFMPEG = "ffmpeg";

function run(cmd: string, args: string[], input?: Uint8Array): Buffer {
  return execFileSync(cmd, args, { input, maxBuffer: 1 << 30, stdio: ["pipe", "pipe", "pipe"] });
}

/**
 * The ImageMagick command ("magick" or "convert"). Required: the decoders are checked
 * against two independent references, and a missing one fails loudly rather than skipping.
 */
export const IMAGEMAGICK: string = (() => {
  for (const cmd of ["magick", "convert"]) {
    const r = spawnSync(cmd, ["-version"], { encoding: "utf8" });
    if (r.status === 0 && /ImageMagick/.test(r.stdout)) return cmd;
  }
  throw new Error("these tests check the BMP/TGA/Netpbm decoders against ImageMagick, which is not on PATH: apt-get install imagemagick");
})();

export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "rawdec-"));
  return { dir, file: (name) => path.join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A detailed test picture from ffmpeg's testsrc2 (colour bars, gradients, text), raw RGB or RGBA. */
export function testPicture(width: number, height: number, alpha = false): Uint8Array {
  // testsrc2 rounds odd sizes down: make it even and crop.
  const vf = [`format=rgb24,crop=${width}:${height}:0:0`];
  if (alpha) vf.push("format=rgba", "geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='mod(X*4+Y,256)'");
  const even = (n: number): number => n + (n & 1);
  return run(FFMPEG, [
    "-v", "error", "-f", "lavfi", "-i", `testsrc2=size=${even(width)}x${even(height)}:rate=1`, "-frames:v", "1",
    "-vf", vf.join(","), "-pix_fmt", alpha ? "rgba" : "rgb24", "-f", "rawvideo", "-",
  ]);
}

/** Encode raw pixels (rgb24/rgba/gray) with ffmpeg to `out` (codec, pix_fmt, extra options). */
export function ffEncode(raw: Uint8Array, inFmt: string, width: number, height: number, out: string, codec: string, pixFmt: string, extra: string[] = []): void {
  run(FFMPEG, [
    "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", inFmt, "-s", `${width}x${height}`, "-i", "-",
    "-frames:v", "1", "-c:v", codec, "-pix_fmt", pixFmt, ...extra, "-update", "1", out,
  ], raw);
}

/** ffmpeg's decode of `file` as raw pixels in `pixFmt` (gray, rgb24, rgba). */
export function ffDecode(file: string, pixFmt: "gray" | "rgb24" | "rgba", demuxer?: string): Buffer {
  return run(FFMPEG, ["-v", "error", ...(demuxer ? ["-f", demuxer] : []), "-i", file, "-frames:v", "1", "-pix_fmt", pixFmt, "-f", "rawvideo", "-"]);
}

/** ffmpeg's PNG of `file`. */
export function ffToPng(file: string, png: string): void {
  run(FFMPEG, ["-v", "error", "-y", "-i", file, "-frames:v", "1", "-update", "1", png]);
}

/** ImageMagick's decode of `file` as 8-bit raw samples: "gray", "rgb" or "rgba". */
export function imDecode(file: string, map: "gray" | "rgb" | "rgba", coder?: string): Buffer {
  return run(IMAGEMAGICK, [coder ? `${coder}:${file}` : file, "-depth", "8", `${map}:-`]);
}

/** ImageMagick convert with arguments (files included). */
export function im(...args: string[]): Buffer {
  return run(IMAGEMAGICK, args);
}

export { readFileSync, writeFileSync };
