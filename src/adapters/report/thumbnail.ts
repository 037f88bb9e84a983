// Thumbnails of flagged files for the HTML/PDF report: a small JPEG (at most THUMB_SIZE px
// on its longer side), embedded in the report as a data: URI, so the report stays one file
// that loads nothing. Stills through sharp (EXIF orientation applied, transparency on
// white; a truncated or corrupt one gets the placeholder, not a picture of filler); video,
// and stills sharp does not read (OpenEXR, DPX), through ffmpeg: a poster
// frame (ffmpeg's `thumbnail` filter picks the most representative of the first frames, so
// a fade from black does not give a black box). A file that gives no picture gets a
// reason instead, shown as a placeholder: nothing here throws.
//
// Symbolic links are never followed (a link in a delivery may point anywhere), and the
// reasons never name the file's path (the report may be redacted).

import { spawn } from "node:child_process";
import { lstat, open } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../domain/errors.js";
import { describeFsError } from "../../errors.js";
import { IMAGE_EXTENSIONS, MAX_INPUT_PIXELS } from "../decode/image.js";
import { findFfmpeg } from "../decode/video.js";

/** Longer side of a thumbnail, px (shown at half that or less; sharp on a 2x screen and in print). */
export const THUMB_SIZE = 160;

export type Thumbnail = { dataUri: string; width: number; height: number } | { reason: string };

const SOUND = new Set([".wav", ".bwf", ".aif", ".aiff", ".aifc", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".caf", ".wma"]);
/** Not pictures at all: no decoder is tried. */
const NOT_PICTURES = new Set([".xmp", ".pdf", ".txt", ".json", ".xml", ".edl", ".otio", ".c2pa", ".mhl"]);

type SharpFn = (typeof import("sharp"))["default"];
let sharpLoaded: Promise<SharpFn> | null = null;
const loadSharp = (): Promise<SharpFn> => (sharpLoaded ??= import("sharp").then((m) => m.default));

/**
 * The thumbnail of `file`, or why there is none. `seconds`: how long a decode may take
 * (budgets.decodeSeconds).
 */
export async function makeThumbnail(file: string, opts: { seconds: number }): Promise<Thumbnail> {
  try {
    const st = await lstat(file);
    if (st.isSymbolicLink()) return { reason: "symbolic link: not followed" };
    if (!st.isFile()) return { reason: "not a regular file" };
    if (st.size === 0) return { reason: "empty file" };
  } catch (err) {
    return { reason: `cannot be read (${describeFsError(err)})` };
  }
  const ext = path.extname(file).toLowerCase();
  if (SOUND.has(ext)) return { reason: "sound only: no picture" };
  if (NOT_PICTURES.has(ext)) return { reason: "not a picture" };
  if (IMAGE_EXTENSIONS.has(ext)) {
    // Strict: a truncated or corrupt still gets the placeholder, not a picture of filler.
    return viaSharp(file, opts.seconds).catch(async (err: unknown) => {
      let why = shortReason(err);
      // libvips's message is not always the decoder's (with decodes on several threads it
      // may say only "Unknown error"): a PNG or JPEG without its end marker is cut short.
      if (why === "decoder error" && (await cutShort(file, ext))) why = "truncated or corrupt";
      return { reason: `cannot be decoded (${why})` };
    });
  }
  return viaFfmpeg(file, opts.seconds);
}

async function viaSharp(file: string, seconds: number): Promise<Thumbnail> {
  const sharp = await loadSharp();
  const { data, info } = await sharp(file, { failOn: "error", limitInputPixels: MAX_INPUT_PIXELS, animated: false })
    .timeout({ seconds: Math.max(1, Math.ceil(seconds)) })
    .rotate()
    .resize(THUMB_SIZE, THUMB_SIZE, { fit: "inside", withoutEnlargement: true })
    .flatten({ background: "#ffffff" })
    .jpeg({ quality: 72, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  return { dataUri: `data:image/jpeg;base64,${data.toString("base64")}`, width: info.width, height: info.height };
}

function viaFfmpeg(file: string, seconds: number): Promise<Thumbnail> {
  const tools = findFfmpeg();
  if (!tools) return Promise.resolve({ reason: "no preview: ffmpeg is not installed" });
  const args = [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-nostats"],
    // "file:" so that a name like "concat:a|b" or "http:..." is read as a file.
    ...["-i", "file:" + path.resolve(file), "-map", "0:V:0?", "-an", "-sn", "-dn", "-frames:v", "1"],
    ...["-vf", `thumbnail=24,scale=${THUMB_SIZE}:${THUMB_SIZE}:force_original_aspect_ratio=decrease:flags=area,format=yuvj420p`],
    ...["-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "5", "pipe:1"],
  ];
  return new Promise((resolve) => {
    const child = spawn(tools.ffmpeg, args, { stdio: ["ignore", "pipe", "pipe"], windowsHide: true });
    const out: Buffer[] = [];
    let err = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, Math.max(1, seconds) * 1000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => {
      if (err.length < 4096) err += b.toString("utf8");
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ reason: `no preview: ffmpeg could not start (${errorMessage(e)})` });
    });
    child.on("close", async (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(out);
      if (timedOut) return resolve({ reason: `no preview: decoding took over ${seconds} s` });
      if (code !== 0 || jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) {
        const last = err.split("\n").map((l) => l.trim()).filter(Boolean).at(-1) ?? "";
        const why = /does not contain any stream|matches no streams|Output file #0 does not contain|no video/i.test(err + last) ? "no picture in it" : "cannot be decoded";
        return resolve({ reason: why });
      }
      try {
        const meta = await (await loadSharp())(jpeg).metadata();
        resolve({ dataUri: `data:image/jpeg;base64,${jpeg.toString("base64")}`, width: meta.width ?? THUMB_SIZE, height: meta.height ?? THUMB_SIZE });
      } catch {
        resolve({ reason: "cannot be decoded" });
      }
    });
  });
}

/** Does a PNG lack its IEND chunk, or a JPEG its end-of-image marker, at its end? (Other types: unknown, false.) */
async function cutShort(file: string, ext: string): Promise<boolean> {
  const png = ext === ".png";
  const jpeg = ext === ".jpg" || ext === ".jpeg";
  if (!png && !jpeg) return false;
  let fh;
  try {
    fh = await open(file, "r");
    const size = (await fh.stat()).size;
    const tail = Buffer.alloc(Math.min(size, 64));
    await fh.read(tail, 0, tail.length, size - tail.length);
    if (png) return !tail.includes(Buffer.from([0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82])); // "IEND" and its CRC
    return !tail.includes(Buffer.from([0xff, 0xd9]));
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

/** A decoder's message without the file's path (reports may be redacted). */
function shortReason(err: unknown): string {
  const m = errorMessage(err).split("\n")[0] ?? "";
  if (/unsupported image format/i.test(m)) return "not a picture sharp reads";
  if (/premature end|truncated|corrupt|invalid|read error|bad (huffman|seek)|VipsJpeg|unexpected end/i.test(m)) return "truncated or corrupt";
  if (/timeout/i.test(m)) return "took too long";
  if (/pixel limit|too large/i.test(m)) return "too large";
  return "decoder error";
}
