// Thumbnails for the desk: 256 px JPEGs, sharp for stills, a poster frame from ffmpeg for a
// video (the first frame, as src/adapters/decode/video.ts finds ffmpeg). Kept in memory by
// path, size and modification time. The caller decides which file may be shown (only under
// the roots); nothing here takes a path from a request.

import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { findFfmpeg, MAX_INPUT_PIXELS } from "../adapters/decode/index.js";
import { sniffPicture } from "../app/perceptual.js";

export const THUMB_PX = 256;
const CACHE_MAX = 500;
const cache = new Map<string, Buffer | null>();

/** A 256 px JPEG of the picture in `file`, or null when it holds none prov can draw. */
export async function thumbnail(file: string, budgetMs = 30_000): Promise<Buffer | null> {
  const st = await stat(file).catch(() => null);
  if (!st?.isFile()) return null;
  const key = `${file}\0${st.size}\0${st.mtimeMs}`;
  if (cache.has(key)) return cache.get(key)!;
  const picture = await sniffPicture(file);
  let out: Buffer | null = null;
  if (picture?.kind === "video") out = await posterFrame(file, budgetMs);
  else if (picture?.kind === "image" && picture.decoder === "sharp") out = await still(file).catch(() => null);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, out);
  return out;
}

/** A still's thumbnail from bytes in memory (an upload). */
export function still(input: string | Buffer): Promise<Buffer> {
  return sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: "none" }).rotate().resize(THUMB_PX, THUMB_PX, { fit: "inside", withoutEnlargement: true }).flatten({ background: "#ffffff" }).jpeg({ quality: 80 }).toBuffer();
}

function posterFrame(file: string, budgetMs: number): Promise<Buffer | null> {
  const tools = findFfmpeg();
  if (!tools) return Promise.resolve(null);
  return new Promise((resolve) => {
    const args = ["-hide_banner", "-nostdin", "-loglevel", "error", "-i", "file:" + path.resolve(file), "-frames:v", "1", "-vf", `scale=${THUMB_PX}:${THUMB_PX}:force_original_aspect_ratio=decrease`, "-f", "image2pipe", "-vcodec", "mjpeg", "pipe:1"];
    const child = spawn(tools.ffmpeg, args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), budgetMs);
    child.stdout.on("data", (b: Buffer) => chunks.push(b));
    child.on("error", () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const data = Buffer.concat(chunks);
      resolve(code === 0 && data.length > 0 ? data : null);
    });
  });
}
