// Label-free copies of a GenAI still (issue 14, "Derivatives prov misses"): what someone
// makes when they take a generated picture into a cut without its metadata: mirrored,
// rotated, letterboxed, cropped on one side, captioned, turned grey, cut short, grabbed
// as a frame out of a GenAI video. Used by bench/fingerprint.ts (recall and false matches
// per kind) and the derivatives integration test. Every copy is written by sharp or ffmpeg
// as a tool would write it: no metadata survives.

import { readFile, writeFile } from "node:fs/promises";
import sharp from "sharp";
import { dims, ffmpegRun, type Derivative } from "./images.js";

/** A label-free copy: made as a derivative is (kind, what, extension, how). */
export type LabelFree = Derivative;

/** Rec.601 luma of gamma-encoded RGB: what ffmpeg's gray, ImageMagick's -grayscale Rec601Luma and most "desaturate" buttons give. */
const LUMA_601: [[number, number, number], [number, number, number], [number, number, number]] = [
  [0.299, 0.587, 0.114],
  [0.299, 0.587, 0.114],
  [0.299, 0.587, 0.114],
];

export const LABEL_FREE: readonly LabelFree[] = [
  { kind: "mirror", what: "mirrored left-right, JPEG q90", ext: "jpg", make: async (s, o) => void (await sharp(s).flop().jpeg({ quality: 90 }).toFile(o)) },
  { kind: "rot90", what: "rotated 90 deg clockwise (pixels, no EXIF orientation), JPEG q90", ext: "jpg", make: async (s, o) => void (await sharp(s).rotate(90).jpeg({ quality: 90 }).toFile(o)) },
  {
    kind: "letterbox",
    what: "letterboxed into 4:3 with black bars (PNG)",
    ext: "png",
    make: async (s, o) => {
      const { width } = await dims(s);
      await sharp(s).resize(width, Math.round((width * 3) / 4), { fit: "contain", background: "#000000" }).png().toFile(o);
    },
  },
  {
    kind: "pillarbox",
    what: "pillarboxed into 2.39:1 with black bars, JPEG q90",
    ext: "jpg",
    make: async (s, o) => {
      const { height } = await dims(s);
      await sharp(s).resize(Math.round(height * 2.39), height, { fit: "contain", background: "#000000" }).jpeg({ quality: 90 }).toFile(o);
    },
  },
  {
    kind: "crop10",
    what: "10% of the width cut off the right side, JPEG q90",
    ext: "jpg",
    make: async (s, o) => {
      const { width, height } = await dims(s);
      await sharp(s).extract({ left: 0, top: 0, width: width - Math.round(width * 0.1), height }).jpeg({ quality: 90 }).toFile(o);
    },
  },
  {
    kind: "caption",
    what: "a two-line subtitle burned in (white on a dark box, lower 18%), JPEG q90",
    ext: "jpg",
    make: async (s, o) => {
      const { width, height } = await dims(s);
      const box = Math.round(height * 0.18);
      const fs = Math.round(box / 3);
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${Math.round(width * 0.1)}" y="${height - box - Math.round(height * 0.03)}" width="${Math.round(width * 0.8)}" height="${box}" fill="#000" fill-opacity="0.7"/><text x="50%" y="${height - box + fs}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${fs}" fill="#fff">We were never here, were we?</text><text x="50%" y="${height - box + 2.2 * fs}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-size="${fs}" fill="#fff">- Not in this light.</text></svg>`;
      await sharp(s).composite([{ input: Buffer.from(svg) }]).jpeg({ quality: 90 }).toFile(o);
    },
  },
  {
    kind: "grey601",
    what: "greyscale by Rec.601 luma (ffmpeg/ImageMagick/desaturate), JPEG q90",
    ext: "jpg",
    make: async (s, o) => void (await sharp(s).recomb(LUMA_601).jpeg({ quality: 90 }).toFile(o)),
  },
  {
    kind: "bw-red",
    what: "black and white through a red filter (red channel only, contrast x1.3), JPEG q90",
    ext: "jpg",
    make: async (s, o) => void (await sharp(s).extractChannel("red").linear(1.3, -0.15 * 255).jpeg({ quality: 90 }).toFile(o)),
  },
  {
    kind: "truncated",
    what: "JPEG q90 with its last 200 bytes cut (a viewer still shows it)",
    ext: "jpg",
    make: async (s, o) => {
      const full = await sharp(s).jpeg({ quality: 90 }).toBuffer();
      await writeFile(o, full.subarray(0, full.length - 200));
    },
  },
  {
    kind: "truncated-png",
    what: "PNG with its last 200 bytes cut",
    ext: "png",
    make: async (s, o) => {
      const full = await readFile(s);
      await writeFile(o, full.subarray(0, full.length - 200));
    },
  },
];

/**
 * A GenAI-like video of a still: a camera move over it (pan across and a slow push in),
 * `seconds` long at 24 fps, 1280x720 H.264: what a generator's image-to-video gives.
 */
export async function motionClip(still: string, out: string, seconds = 6, preset = "veryfast"): Promise<void> {
  // Scaled to 1.4x the frame, then a 1280x720 window moving right and down, narrowing.
  const x = `(iw-ow)*t/${seconds}`;
  const y = `(ih-oh)*t/${seconds}/2`;
  await ffmpegRun([
    ...["-loop", "1", "-framerate", "24", "-t", String(seconds), "-i", still],
    ...["-vf", `scale=1792:1008,crop=w=1280:h=720:x='${x}':y='${y}',setsar=1,format=yuv420p`],
    ...["-c:v", "libx264", "-preset", preset, "-crf", "23", "-r", "24", out],
  ]);
}

/** A frame of a video at `seconds`, as PNG (what "export frame" in a player or NLE writes). */
export async function frameGrab(video: string, seconds: number, out: string): Promise<void> {
  await ffmpegRun(["-ss", String(seconds), "-i", video, "-frames:v", "1", out]);
}
