// Generated pictures for the fingerprint bench and tests: photo-like "GenAI stills"
// (gradient skies, hills, buildings, blurred shapes, signage text, grain, vignette) from a
// seeded PRNG, the derivatives a post-production pipeline makes of them (resize, JPEG,
// crop, brightness and grade, H.264 render), and flat frames. Deterministic for a seed
// (text depends on the fonts installed).

import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { rng } from "./tree.js";

/** mulberry32: a small seeded PRNG, uniform in [0, 1) (the bench trees' own). */
export const prng = rng;

const WORDS = ["HOTEL", "NEON", "MARKET", "EXIT", "CAFE", "STATION", "OPEN", "RIVER", "NORTH", "LIBRARY", "PHARMACY", "ARCADE", "GARAGE", "No 7", "ZONE B"];
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [1280, 720],
  [1344, 768],
  [1024, 576],
];

/** A photo-like SVG scene for `seed`. */
export function sceneSvg(seed: number, width: number, height: number): string {
  const r = prng(seed * 7919 + 17);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const between = (lo: number, hi: number): number => lo + r() * (hi - lo);
  const hsl = (h: number, s: number, l: number): string => `hsl(${h.toFixed(0)},${s.toFixed(0)}%,${l.toFixed(0)}%)`;
  const hue = between(0, 360);
  const defs: string[] = [
    `<filter id="soft"><feGaussianBlur stdDeviation="${between(6, 20).toFixed(1)}"/></filter>`,
    `<filter id="softer"><feGaussianBlur stdDeviation="${between(1, 4).toFixed(1)}"/></filter>`,
  ];
  const body: string[] = [];

  // Sky or wall: a gradient at a random angle, two or three stops.
  const angle = between(-25, 25);
  const nStops = 2 + Math.floor(r() * 2);
  const stops = Array.from({ length: nStops }, (_, i) => {
    const h = (hue + between(-60, 60) + 360) % 360;
    return `<stop offset="${(i / (nStops - 1)).toFixed(2)}" stop-color="${hsl(h, between(20, 80), between(15, 85))}"/>`;
  }).join("");
  defs.push(`<linearGradient id="bg" gradientTransform="rotate(${(90 + angle).toFixed(1)} 0.5 0.5)">${stops}</linearGradient>`);
  body.push(`<rect width="${width}" height="${height}" fill="url(#bg)"/>`);

  // A light source: a soft glow.
  const gx = between(0.1, 0.9) * width;
  const gy = between(0.05, 0.6) * height;
  defs.push(
    `<radialGradient id="glow"><stop offset="0" stop-color="${hsl(hue + 30, 90, 90)}" stop-opacity="0.9"/><stop offset="1" stop-color="${hsl(hue + 30, 90, 70)}" stop-opacity="0"/></radialGradient>`,
  );
  body.push(`<circle cx="${gx.toFixed(0)}" cy="${gy.toFixed(0)}" r="${between(0.08, 0.35) * width}" fill="url(#glow)"/>`);

  const kind = pick(["landscape", "city", "interior", "portrait"] as const);
  // Hills or a skyline: one to three layers, darker towards the front.
  const layers = kind === "interior" ? 0 : 1 + Math.floor(r() * 3);
  for (let l = 0; l < layers; l++) {
    const base = height * between(0.45, 0.85);
    const light = between(10, 45) - l * 8;
    const fill = hsl(hue + between(90, 200), between(15, 60), Math.max(4, light));
    if (kind === "city") {
      let x = -10;
      const rects: string[] = [];
      while (x < width) {
        const w = between(0.03, 0.12) * width;
        const h = between(0.1, 0.5) * height;
        rects.push(`<rect x="${x.toFixed(0)}" y="${(base - h).toFixed(0)}" width="${w.toFixed(0)}" height="${(height - base + h).toFixed(0)}" fill="${fill}"/>`);
        // Lit windows.
        for (let k = 0; k < 6; k++) {
          if (r() < 0.5) continue;
          const wx = x + between(0.1, 0.8) * w;
          const wy = base - h + between(0.05, 0.9) * h;
          rects.push(`<rect x="${wx.toFixed(0)}" y="${wy.toFixed(0)}" width="${(w * 0.12).toFixed(1)}" height="${(h * 0.05).toFixed(1)}" fill="${hsl(45, 90, between(50, 80))}"/>`);
        }
        x += w + between(0, 0.02) * width;
      }
      body.push(...rects);
    } else {
      const points: string[] = [`M0,${height}`, `L0,${base.toFixed(0)}`];
      const steps = 4 + Math.floor(r() * 6);
      for (let s = 1; s <= steps; s++) {
        const x = (s / steps) * width;
        const cx = x - width / steps / 2;
        points.push(`Q${cx.toFixed(0)},${(base - between(-0.15, 0.3) * height).toFixed(0)} ${x.toFixed(0)},${(base - between(-0.1, 0.15) * height).toFixed(0)}`);
      }
      points.push(`L${width},${height}Z`);
      body.push(`<path d="${points.join(" ")}" fill="${fill}"${l === 0 ? ' filter="url(#softer)"' : ""}/>`);
    }
  }

  if (kind === "interior") {
    // Walls, a floor, a window.
    const floor = height * between(0.55, 0.8);
    body.push(`<rect y="${floor.toFixed(0)}" width="${width}" height="${(height - floor).toFixed(0)}" fill="${hsl(hue + 40, between(10, 40), between(10, 40))}"/>`);
    const wx = between(0.1, 0.6) * width;
    const wy = between(0.1, 0.3) * height;
    body.push(
      `<rect x="${wx.toFixed(0)}" y="${wy.toFixed(0)}" width="${(between(0.15, 0.35) * width).toFixed(0)}" height="${(between(0.25, 0.4) * height).toFixed(0)}" fill="${hsl(hue + 180, 40, between(60, 90))}" stroke="${hsl(hue, 20, 15)}" stroke-width="${between(4, 14).toFixed(0)}"/>`,
    );
  }
  if (kind === "portrait") {
    // A blurred background bokeh and a figure: head and shoulders.
    for (let k = 0; k < 12; k++) {
      body.push(`<circle cx="${(r() * width).toFixed(0)}" cy="${(r() * height).toFixed(0)}" r="${between(10, 60).toFixed(0)}" fill="${hsl(hue + between(-40, 40), 70, between(50, 90))}" opacity="${between(0.2, 0.6).toFixed(2)}" filter="url(#soft)"/>`);
    }
    const cx = between(0.3, 0.7) * width;
    const skin = hsl(between(15, 35), between(25, 55), between(30, 75));
    body.push(`<ellipse cx="${cx.toFixed(0)}" cy="${(height * 0.95).toFixed(0)}" rx="${(width * 0.22).toFixed(0)}" ry="${(height * 0.35).toFixed(0)}" fill="${hsl(hue + 150, 40, between(10, 50))}"/>`);
    body.push(`<ellipse cx="${cx.toFixed(0)}" cy="${(height * 0.42).toFixed(0)}" rx="${(width * 0.08).toFixed(0)}" ry="${(height * 0.2).toFixed(0)}" fill="${skin}" filter="url(#softer)"/>`);
    body.push(`<ellipse cx="${cx.toFixed(0)}" cy="${(height * 0.3).toFixed(0)}" rx="${(width * 0.09).toFixed(0)}" ry="${(height * 0.12).toFixed(0)}" fill="${hsl(hue, 30, between(5, 40))}"/>`);
  }

  // Objects: rocks, trees, lamps, some out of focus.
  const objects = 3 + Math.floor(r() * 8);
  for (let k = 0; k < objects; k++) {
    const x = r() * width;
    const y = between(0.3, 1) * height;
    const s = between(0.02, 0.12) * width;
    const fill = hsl(hue + between(-120, 120), between(10, 80), between(10, 80));
    const blur = r() < 0.4 ? ' filter="url(#soft)"' : "";
    const shape = pick(["ellipse", "rect", "tri"] as const);
    if (shape === "ellipse") body.push(`<ellipse cx="${x.toFixed(0)}" cy="${y.toFixed(0)}" rx="${s.toFixed(0)}" ry="${(s * between(0.5, 2)).toFixed(0)}" fill="${fill}" opacity="${between(0.6, 1).toFixed(2)}"${blur}/>`);
    else if (shape === "rect") body.push(`<rect x="${x.toFixed(0)}" y="${y.toFixed(0)}" width="${s.toFixed(0)}" height="${(s * between(0.5, 3)).toFixed(0)}" fill="${fill}" transform="rotate(${between(-20, 20).toFixed(0)} ${x.toFixed(0)} ${y.toFixed(0)})"${blur}/>`);
    else body.push(`<polygon points="${x.toFixed(0)},${(y - 2 * s).toFixed(0)} ${(x - s).toFixed(0)},${y.toFixed(0)} ${(x + s).toFixed(0)},${y.toFixed(0)}" fill="${fill}"${blur}/>`);
  }

  // Signage.
  const texts = Math.floor(r() * 3);
  for (let k = 0; k < texts; k++) {
    const size = between(0.025, 0.08) * width;
    body.push(
      `<text x="${(between(0.02, 0.7) * width).toFixed(0)}" y="${(between(0.15, 0.95) * height).toFixed(0)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-weight="bold" font-size="${size.toFixed(0)}" fill="${hsl(hue + between(0, 360), 80, between(40, 95))}">${pick(WORDS)}</text>`,
    );
  }

  // Vignette.
  defs.push(`<radialGradient id="vig" r="0.75"><stop offset="0.5" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${between(0.2, 0.6).toFixed(2)}"/></radialGradient>`);
  body.push(`<rect width="${width}" height="${height}" fill="url(#vig)"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs>${defs.join("")}</defs>${body.join("")}</svg>`;
}

/** The size a still of `seed` gets: 16:9-ish, as GenAI tools and plates are. */
export function sizeFor(seed: number): readonly [number, number] {
  return SIZES[seed % SIZES.length]!;
}

/** A still for `seed`, as PNG bytes: the scene plus film grain (Gaussian, sigma 3..8). */
export async function stillPng(seed: number, size: readonly [number, number] = sizeFor(seed)): Promise<Buffer> {
  const [width, height] = size;
  const { data } = await sharp(Buffer.from(sceneSvg(seed, width, height))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const r = prng(seed ^ 0x5eed);
  const sigma = 3 + r() * 5;
  for (let i = 0; i < data.length; i += 3) {
    // One grain value per pixel (luma grain), Box-Muller.
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()) * sigma;
    for (let c = 0; c < 3; c++) data[i + c] = Math.max(0, Math.min(255, Math.round(data[i + c]! + g)));
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 2 }).toBuffer();
}

// ------------------------------------------------------------------------- derivatives

export interface Derivative {
  kind: string;
  what: string;
  ext: string;
  make: (src: string, out: string) => Promise<void>;
}

export async function dims(src: string): Promise<{ width: number; height: number }> {
  const m = await sharp(src).metadata();
  return { width: m.width, height: m.height };
}

/** The still derivatives (the H.264 render is makeClip). */
export const DERIVATIVES: readonly Derivative[] = [
  { kind: "resize50", what: "50% size (Lanczos), PNG", ext: "png", make: async (s, o) => void (await sharp(s).resize({ width: Math.round((await dims(s)).width / 2) }).png().toFile(o)) },
  { kind: "jpeg50", what: "JPEG quality 50 (4:2:0)", ext: "jpg", make: async (s, o) => void (await sharp(s).jpeg({ quality: 50 }).toFile(o)) },
  {
    kind: "crop5-left",
    what: "5% of the width cut off the left side",
    ext: "png",
    make: async (s, o) => {
      const { width, height } = await dims(s);
      const cut = Math.round(width * 0.05);
      await sharp(s).extract({ left: cut, top: 0, width: width - cut, height }).png().toFile(o);
    },
  },
  {
    kind: "crop5-all",
    what: "5% cut off every side (the centre 90%)",
    ext: "png",
    make: async (s, o) => {
      const { width, height } = await dims(s);
      const cx = Math.round(width * 0.05);
      const cy = Math.round(height * 0.05);
      await sharp(s).extract({ left: cx, top: cy, width: width - 2 * cx, height: height - 2 * cy }).png().toFile(o);
    },
  },
  { kind: "bright15", what: "brightness +15% (sharp modulate)", ext: "png", make: async (s, o) => void (await sharp(s).modulate({ brightness: 1.15 }).png().toFile(o)) },
  {
    kind: "grade",
    what: "hue +20 deg, saturation x1.3, contrast x1.15",
    ext: "png",
    make: async (s, o) => void (await sharp(s).modulate({ hue: 20, saturation: 1.3 }).linear(1.15, -0.15 * 128).png().toFile(o)),
  },
  {
    kind: "combo",
    what: "50% size, brightness +10%, JPEG q70",
    ext: "jpg",
    make: async (s, o) => void (await sharp(s).resize({ width: Math.round((await dims(s)).width / 2) }).modulate({ brightness: 1.1 }).jpeg({ quality: 70 }).toFile(o)),
  },
  { kind: "thumb320", what: "320 px wide JPEG q75", ext: "jpg", make: async (s, o) => void (await sharp(s).resize({ width: 320 }).jpeg({ quality: 75 }).toFile(o)) },
];

// ------------------------------------------------------------------------- video

export function ffmpegRun(args: string[], ffmpeg = "ffmpeg"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (err += s));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(" ")}: exit ${code}: ${err.slice(-500)}`))));
  });
}

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  secondsEach?: number;
  crf?: number;
  preset?: string;
}

/**
 * An H.264 render of stills in sequence, each held `secondsEach` (default 2.5) seconds,
 * scaled to fill width x height (default 1920x1080), yuv420p, libx264 CRF 23.
 * Still k starts at k * secondsEach.
 */
export async function makeClip(stills: readonly string[], out: string, o: ClipOptions = {}): Promise<void> {
  const { width = 1920, height = 1080, fps = 24, secondsEach = 2.5, crf = 23, preset = "veryfast" } = o;
  const inputs = stills.flatMap((s) => ["-loop", "1", "-framerate", String(fps), "-t", String(secondsEach), "-i", s]);
  const scaled = stills.map((_, i) => `[${i}:v]scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p[v${i}]`).join(";");
  const concat = `${stills.map((_, i) => `[v${i}]`).join("")}concat=n=${stills.length}:v=1:a=0[out]`;
  await ffmpegRun([...inputs, "-filter_complex", `${scaled};${concat}`, "-map", "[out]", "-c:v", "libx264", "-preset", preset, "-crf", String(crf), "-r", String(fps), "-pix_fmt", "yuv420p", out]);
}

// ------------------------------------------------------------------------- flat frames

/** Flat and near-flat frames: what must never match anything. */
export async function flatFrames(dir: string, width = 1280, height = 720): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const out: Record<string, string> = {};
  const solid = async (name: string, v: number): Promise<void> => {
    out[name] = path.join(dir, `${name}.png`);
    await sharp({ create: { width, height, channels: 3, background: { r: v, g: v, b: v } } }).png().toFile(out[name]);
  };
  await solid("black", 0);
  await solid("grey", 128);
  await solid("white", 255);
  // Black with sensor grain, as a black frame from a camera or an H.264 fade.
  const r = prng(99);
  const grain = Buffer.alloc(width * height);
  for (let i = 0; i < grain.length; i++) grain[i] = Math.max(0, Math.min(255, Math.round(12 + (r() + r() + r() - 1.5) * 6)));
  out["black-grain"] = path.join(dir, "black-grain.png");
  await sharp(grain, { raw: { width, height, channels: 1 } }).png().toFile(out["black-grain"]);
  out["red"] = path.join(dir, "red.jpg");
  await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 20, b: 30 } } }).jpeg({ quality: 80 }).toFile(out["red"]);
  // A slate: black with white text. Not flat: it has detail, and must still match nothing else.
  out["slate"] = path.join(dir, "slate.png");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#000"/><text x="80" y="200" font-family="DejaVu Sans, sans-serif" font-size="64" fill="#fff">PROD 0420  SC 12A  TK 3</text><text x="80" y="320" font-family="DejaVu Sans, sans-serif" font-size="48" fill="#fff">CAM A   ROLL 007   24 FPS</text></svg>`;
  await sharp(Buffer.from(svg)).png().toFile(out["slate"]);
  return out;
}

export interface GeneratedSet {
  originals: string[];
  /** derivatives[kind][i] is the derivative of originals[i]. */
  derivatives: Record<string, string[]>;
  unrelated: string[];
  /** clips[j] holds originals[2j] (0..secondsEach s) and originals[2j + 1] (secondsEach..2 secondsEach s). */
  clips: string[];
  secondsEach: number;
}

export interface SetOptions {
  originals: number;
  unrelated: number;
  /** Seeds: originals use base + i, unrelated base + 100000 + j. */
  base?: number;
  clip?: ClipOptions;
  /** Render clips (needs ffmpeg). Default true. */
  clips?: boolean;
  /** Size of every still (default: sizeFor(seed), 1024..1344 wide). Smaller is faster. */
  size?: readonly [number, number];
  progress?: (msg: string) => void;
}

/** Write the originals, their derivatives, the clips and the unrelated stills under `dir`. */
export async function generateSet(dir: string, o: SetOptions): Promise<GeneratedSet> {
  const base = o.base ?? 1;
  const secondsEach = o.clip?.secondsEach ?? 2.5;
  for (const sub of ["originals", "unrelated", "clips", ...DERIVATIVES.map((d) => d.kind)]) await mkdir(path.join(dir, sub), { recursive: true });
  const originals: string[] = [];
  const derivatives: Record<string, string[]> = Object.fromEntries(DERIVATIVES.map((d) => [d.kind, [] as string[]]));
  for (let i = 0; i < o.originals; i++) {
    const file = path.join(dir, "originals", `still-${String(i).padStart(3, "0")}.png`);
    await writeFile(file, await stillPng(base + i, o.size ?? sizeFor(base + i)));
    originals.push(file);
    for (const d of DERIVATIVES) {
      const out = path.join(dir, d.kind, `still-${String(i).padStart(3, "0")}.${d.ext}`);
      await d.make(file, out);
      derivatives[d.kind]!.push(out);
    }
    if (i % 10 === 9) o.progress?.(`${i + 1}/${o.originals} originals and derivatives`);
  }
  const unrelated: string[] = [];
  for (let j = 0; j < o.unrelated; j++) {
    const file = path.join(dir, "unrelated", `other-${String(j).padStart(3, "0")}.png`);
    await writeFile(file, await stillPng(base + 100000 + j, o.size ?? sizeFor(base + 100000 + j)));
    unrelated.push(file);
    if (j % 50 === 49) o.progress?.(`${j + 1}/${o.unrelated} unrelated`);
  }
  const clips: string[] = [];
  if (o.clips !== false) {
    for (let j = 0; j + 1 < originals.length; j += 2) {
      const out = path.join(dir, "clips", `clip-${String(j / 2).padStart(3, "0")}.mp4`);
      await makeClip([originals[j]!, originals[j + 1]!], out, { ...o.clip, secondsEach });
      clips.push(out);
    }
    o.progress?.(`${clips.length} H.264 clips`);
  }
  return { originals, derivatives, unrelated, clips, secondsEach };
}
