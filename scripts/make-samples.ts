/**
 * Generates the sample media in samples/ (`npm run samples`).
 *
 * Every file is synthesised here from scratch (pixels, audio samples, container
 * bytes), then labelled with the vendored ExifTool where a label is wanted, so
 * the set is redistributable and reproducible: running the script twice gives
 * byte-identical files. For that reason nothing below reads the clock or uses
 * an unseeded random source, and every timestamp that ends up inside a file is
 * a fixed constant.
 *
 * The GenAI labels are assertions written by this script, not output of the
 * named AI systems: the files exist to exercise prov's origin detection.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import { ExifTool, type WriteTags } from "exiftool-vendored";
import jpeg from "jpeg-js";

// ---------------------------------------------------------------------------
// Constants

/** dist/scripts/make-samples.js -> <repo>/samples */
const SAMPLES_DIR = fileURLToPath(new URL("../../samples/", import.meta.url));

/** The hashes in samples/README.md were produced with this ExifTool; another
 * version writes a different XMPToolkit string (and maybe layout). */
const EXPECTED_EXIFTOOL_VERSION = "13.59";

const DST = "http://cv.iptc.org/newscodes/digitalsourcetype/";

/** Fixed capture/creation time used for every embedded timestamp. */
const FIXED_UNIX_SECONDS = Date.UTC(2025, 2, 14, 9, 41, 27) / 1000;
/** QuickTime counts seconds from 1904-01-01 UTC. */
const QT_EPOCH_OFFSET = 2_082_844_800;

type Origin = "genai" | "genai-edited" | "possibly-genai" | "not-genai" | "unknown";

/** Tag values as ExifTool names them with `-G1` (e.g. `XMP-iptcExt:AISystemUsed`). */
type GroupedTags = Record<string, string | number>;

// ---------------------------------------------------------------------------
// Small maths helpers for the procedural pictures

type Rgb = readonly [number, number, number];

const clamp = (v: number, lo = 0, hi = 1): number => Math.min(hi, Math.max(lo, v));
const mix = (a: number, b: number, t: number): number => a + (b - a) * t;
const mixRgb = (a: Rgb, b: Rgb, t: number): Rgb => [mix(a[0], b[0], t), mix(a[1], b[1], t), mix(a[2], b[2], t)];
const addRgb = (a: Rgb, b: Rgb, k: number): Rgb => [a[0] + b[0] * k, a[1] + b[1] * k, a[2] + b[2] * k];
const smoothstep = (e0: number, e1: number, x: number): number => {
  const t = clamp((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
};

/** Integer hash -> [0, 1). Stands in for Math.random so output is reproducible. */
function hash2(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ Math.imul(seed, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296;
}

/** Smooth value noise, then fractal sum of octaves (fBm). */
function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const top = mix(hash2(ix, iy, seed), hash2(ix + 1, iy, seed), sx);
  const bottom = mix(hash2(ix, iy + 1, seed), hash2(ix + 1, iy + 1, seed), sx);
  return mix(top, bottom, sy);
}

function fbm(x: number, y: number, seed: number, octaves: number): number {
  let sum = 0;
  let amp = 0.5;
  let norm = 0;
  for (let o = 0; o < octaves; o++) {
    sum += amp * valueNoise(x, y, seed + o);
    norm += amp;
    x *= 2;
    y *= 2;
    amp *= 0.5;
  }
  return sum / norm;
}

/** Seeded PRNG (mulberry32) for audio noise. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

// ---------------------------------------------------------------------------
// Rasters

interface Raster {
  readonly width: number;
  readonly height: number;
  /** 1 = grey, 3 = RGB */
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** Shader receives normalised coordinates: u in [0,1) across, v in [0,1) down. */
function renderRgb(width: number, height: number, shader: (u: number, v: number) => Rgb): Raster {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = shader((x + 0.5) / width, (y + 0.5) / height);
      const i = (y * width + x) * 3;
      data[i] = Math.round(clamp(c[0], 0, 255));
      data[i + 1] = Math.round(clamp(c[1], 0, 255));
      data[i + 2] = Math.round(clamp(c[2], 0, 255));
    }
  }
  return { width, height, channels: 3, data };
}

function renderGrey(width: number, height: number, shader: (u: number, v: number) => number): Raster {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = Math.round(clamp(shader((x + 0.5) / width, (y + 0.5) / height), 0, 255));
    }
  }
  return { width, height, channels: 1, data };
}

// ---------------------------------------------------------------------------
// Encoders

/** Baseline JPEG via jpeg-js (pure JS, so identical bytes on every platform). */
function encodeJpeg(img: Raster, quality: number): Buffer {
  if (img.channels !== 3) throw new Error("encodeJpeg expects RGB");
  const rgba = Buffer.alloc(img.width * img.height * 4, 0xff);
  for (let p = 0; p < img.width * img.height; p++) {
    rgba[p * 4] = img.data[p * 3] ?? 0;
    rgba[p * 4 + 1] = img.data[p * 3 + 1] ?? 0;
    rgba[p * 4 + 2] = img.data[p * 3 + 2] ?? 0;
  }
  return jpeg.encode({ width: img.width, height: img.height, data: rgba }, quality).data;
}

function pngChunk(type: string, body: Buffer): Buffer {
  const typeAndBody = Buffer.concat([Buffer.from(type, "latin1"), body]);
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  typeAndBody.copy(out, 4);
  out.writeUInt32BE(crc32(typeAndBody), 8 + body.length);
  return out;
}

/** PNG filter type 4 predictor. */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Minimal PNG writer: IHDR, optional tEXt chunks (before IDAT, where
 * AUTOMATIC1111/ComfyUI put them), one IDAT, IEND. Each scanline gets the
 * filter with the smallest sum of absolute residuals (the usual libpng
 * heuristic), which keeps the smooth gradients small.
 */
function encodePng(img: Raster, text: ReadonlyArray<readonly [keyword: string, value: string]> = []): Buffer {
  const bpp = img.channels;
  const stride = img.width * bpp;
  const px = (i: number): number => img.data[i] ?? 0;
  const filtered = Buffer.alloc((stride + 1) * img.height);
  const candidate = Buffer.alloc(stride);
  for (let y = 0; y < img.height; y++) {
    const row = y * stride;
    const prev = row - stride;
    let bestFilter = 0;
    let bestScore = Infinity;
    let best = Buffer.alloc(stride);
    for (let f = 0; f <= 4; f++) {
      let score = 0;
      for (let x = 0; x < stride; x++) {
        const cur = px(row + x);
        const a = x >= bpp ? px(row + x - bpp) : 0;
        const b = y > 0 ? px(prev + x) : 0;
        const c = x >= bpp && y > 0 ? px(prev + x - bpp) : 0;
        const predictor = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const r = (cur - predictor) & 0xff;
        candidate[x] = r;
        score += r < 128 ? r : 256 - r;
      }
      if (score < bestScore) {
        bestScore = score;
        bestFilter = f;
        best = Buffer.from(candidate);
      }
    }
    const o = y * (stride + 1);
    filtered[o] = bestFilter;
    best.copy(filtered, o + 1);
  }

  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = img.channels === 1 ? 0 : 2; // colour type: grey / truecolour
  // compression, filter method, interlace all 0

  const textChunks = text.map(([keyword, value]) => {
    // tEXt is Latin-1 only; keep the generator honest about that.
    if (/[^\x20-\x7e\n]/.test(keyword + value)) throw new Error(`non-ASCII tEXt in ${keyword}`);
    return pngChunk("tEXt", Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.of(0), Buffer.from(value, "latin1")]));
  });

  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    ...textChunks,
    // Fixed level/strategy; output depends only on Node's bundled zlib.
    pngChunk("IDAT", deflateSync(filtered, { level: 9, memLevel: 9, windowBits: 15 })),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

interface RiffChunk {
  readonly id: string;
  readonly body: Buffer;
}

function riffChunk({ id, body }: RiffChunk): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  // RIFF chunks are word aligned: odd sizes get one pad byte (not counted).
  return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

/** 16-bit mono PCM WAV; extra chunks (e.g. `_PMX` XMP) follow the audio. */
function encodeWav(samples: Float64Array, sampleRate: number, extra: readonly RiffChunk[] = []): Buffer {
  const fmt = Buffer.alloc(16);
  fmt.writeUInt16LE(1, 0); // PCM
  fmt.writeUInt16LE(1, 2); // mono
  fmt.writeUInt32LE(sampleRate, 4);
  fmt.writeUInt32LE(sampleRate * 2, 8); // byte rate
  fmt.writeUInt16LE(2, 12); // block align
  fmt.writeUInt16LE(16, 14); // bits per sample
  const pcm = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => pcm.writeInt16LE(Math.round(clamp(s, -1, 1) * 32767), i * 2));
  const body = Buffer.concat([
    Buffer.from("WAVE", "latin1"),
    riffChunk({ id: "fmt ", body: fmt }),
    riffChunk({ id: "data", body: pcm }),
    ...extra.map(riffChunk),
  ]);
  return riffChunk({ id: "RIFF", body });
}

// --- QuickTime (Motion-JPEG .mov) ---------------------------------------------

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const fourcc = (s: string): Buffer => Buffer.from(s, "latin1");
const zeros = (n: number): Buffer => Buffer.alloc(n);
/** QuickTime Pascal string padded to a fixed field width. */
const pascal = (s: string, width?: number): Buffer => {
  const b = Buffer.concat([Buffer.of(s.length), Buffer.from(s, "latin1")]);
  return width === undefined ? b : Buffer.concat([b, zeros(width - b.length)]);
};

function atom(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([u32(8 + body.length), fourcc(type), body]);
}
/** Atom with a version byte and 24-bit flags. */
function fullAtom(type: string, version: number, flags: number, ...parts: Buffer[]): Buffer {
  return atom(type, u32(((version & 0xff) << 24) | (flags & 0xffffff)), ...parts);
}

const UNITY_MATRIX = Buffer.concat([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000].map(u32));

/**
 * A minimal QuickTime movie with one Motion-JPEG ('jpeg') video track, laid
 * out "fast start" (ftyp, moov, mdat). ExifTool puts moov first as well when
 * it adds udta/XMP_, so labelled and unlabelled movies share one layout.
 */
function encodeMjpegMov(frames: readonly Buffer[], width: number, height: number, fps: number): Buffer {
  const movieTimescale = 600;
  const mediaTimescale = fps * 1000;
  const mediaDuration = frames.length * 1000;
  const movieDuration = Math.round((frames.length / fps) * movieTimescale);
  const qtTime = FIXED_UNIX_SECONDS + QT_EPOCH_OFFSET;

  const ftyp = atom("ftyp", fourcc("qt  "), u32(0x20050300), fourcc("qt  "));
  const mdat = atom("mdat", ...frames);

  const mvhd = fullAtom(
    "mvhd", 0, 0,
    u32(qtTime), u32(qtTime), u32(movieTimescale), u32(movieDuration),
    u32(0x10000), u16(0x100), zeros(10), // rate 1.0, volume 1.0, reserved
    UNITY_MATRIX,
    zeros(24), // preview time/duration, poster time, selection, current time
    u32(2), // next track ID
  );
  const tkhd = fullAtom(
    "tkhd", 0, 0x3, // enabled | in movie
    u32(qtTime), u32(qtTime), u32(1), zeros(4), u32(movieDuration), zeros(8),
    u16(0), u16(0), u16(0), zeros(2), // layer, alternate group, volume, reserved
    UNITY_MATRIX,
    u32(width << 16), u32(height << 16),
  );
  const edts = atom("edts", fullAtom("elst", 0, 0, u32(1), u32(movieDuration), u32(0), u32(0x10000)));
  const mdhd = fullAtom(
    "mdhd", 0, 0,
    u32(qtTime), u32(qtTime), u32(mediaTimescale), u32(mediaDuration),
    u16(0x55c4), u16(0), // language 'und' (packed ISO-639-2), quality
  );
  const mediaHdlr = fullAtom("hdlr", 0, 0, fourcc("mhlr"), fourcc("vide"), zeros(12), pascal("VideoHandler"));
  const vmhd = fullAtom("vmhd", 0, 1, u16(0x40), u16(0x8000), u16(0x8000), u16(0x8000));
  const dataHdlr = fullAtom("hdlr", 0, 0, fourcc("dhlr"), fourcc("alis"), zeros(12), pascal("DataHandler"));
  const dinf = atom("dinf", fullAtom("dref", 0, 0, u32(1), fullAtom("alis", 0, 1))); // 1 = data in this file
  const sampleEntry = atom(
    "jpeg",
    zeros(6), u16(1), // reserved, data reference index
    u16(0), u16(0), zeros(4), // version, revision, vendor
    u32(0), u32(0x200), // temporal quality, spatial quality (normal)
    u16(width), u16(height),
    u32(0x480000), u32(0x480000), // 72 dpi
    u32(0), u16(1), // data size, frames per sample
    pascal("Photo - JPEG", 32),
    u16(24), u16(0xffff), // depth, no colour table
  );
  // stbl children except stco, which needs the final layout.
  const stblChildren = Buffer.concat([
    fullAtom("stsd", 0, 0, u32(1), sampleEntry),
    fullAtom("stts", 0, 0, u32(1), u32(frames.length), u32(1000)),
    fullAtom("stsc", 0, 0, u32(1), u32(1), u32(frames.length), u32(1)), // one chunk holds every frame
    fullAtom("stsz", 0, 0, u32(0), u32(frames.length), ...frames.map((f) => u32(f.length))),
  ]);
  // stco points past moov, whose size does not depend on the offset value.
  const moov = (firstFrameOffset: number): Buffer =>
    atom(
      "moov",
      mvhd,
      atom(
        "trak",
        tkhd,
        edts,
        atom(
          "mdia",
          mdhd,
          mediaHdlr,
          atom("minf", vmhd, dataHdlr, dinf, atom("stbl", stblChildren, fullAtom("stco", 0, 0, u32(1), u32(firstFrameOffset)))),
        ),
      ),
    );
  const moovSize = moov(0).length;
  return Buffer.concat([ftyp, moov(ftyp.length + moovSize + 8), mdat]);
}

// ---------------------------------------------------------------------------
// Pictures

/** Matte painting: violet sky, sun, floating citadel, sea with glints. */
function conceptArt(u: number, v: number): Rgb {
  const aspect = 16 / 9;
  const horizon = 0.64;
  const skyTop: Rgb = [38, 18, 82];
  const skyLow: Rgb = [246, 142, 96];
  let c = mixRgb(skyTop, skyLow, smoothstep(0, horizon, v) ** 1.4);
  // Sun with a wide glow.
  const sd = Math.hypot((u - 0.7) * aspect, v - 0.5);
  c = addRgb(c, [255, 200, 140], Math.exp(-sd * 7) * 0.6);
  if (sd < 0.075) c = mixRgb(c, [255, 236, 200], smoothstep(0.075, 0.065, sd));
  // Far mountain ridge, hazed toward the sky colour.
  const ridge = horizon - 0.07 - 0.04 * Math.sin(u * 9 + 0.5) - 0.02 * Math.sin(u * 27 + 2);
  if (v > ridge && v < horizon) c = mixRgb([92, 48, 110], c, 0.35);
  // Floating island: a lens-shaped rock with three towers on top.
  const ix = (u - 0.3) / 0.13;
  const rockTop = 0.36;
  if (Math.abs(ix) < 1 && v > rockTop && v < rockTop + 0.14 * (1 - ix * ix)) c = [46, 24, 62];
  const towers: ReadonlyArray<readonly [x0: number, x1: number, top: number]> = [
    [0.245, 0.265, 0.24],
    [0.29, 0.318, 0.15],
    [0.335, 0.352, 0.22],
  ];
  for (const [x0, x1, top] of towers) {
    if (u > x0 && u < x1 && v > top && v <= rockTop + 0.005) {
      const rim = smoothstep(x1 - 0.006, x1, u); // sun-side rim light
      c = mixRgb([40, 22, 58], [250, 170, 120], rim * 0.8);
    }
  }
  // Sea: darkened sky reflection plus a glitter path under the sun.
  if (v >= horizon) {
    const depth = (v - horizon) / (1 - horizon);
    const mirror = mixRgb(skyLow, skyTop, depth);
    c = mixRgb(mirror, [20, 10, 40], 0.35 + depth * 0.3);
    const ripple = 0.5 + 0.5 * Math.sin(v * 220 + Math.sin(u * 40) * 2);
    const path = Math.exp(-(((u - 0.7) * aspect) ** 2) / (0.004 + depth * 0.03));
    c = addRgb(c, [255, 210, 150], ripple * path * 0.7);
  }
  return c;
}

/** "lighthouse on a cliff at dusk": cliff, striped tower, lamp and beam. */
function lighthouse(u: number, v: number): Rgb {
  const horizon = 0.62;
  let c = mixRgb([14, 24, 66], [240, 150, 90], smoothstep(0.05, horizon, v) ** 1.6);
  if (v > horizon) c = mixRgb([40, 60, 100], [8, 16, 38], smoothstep(horizon, 1, v));
  // Cliff on the right, edge slanting down to the sea.
  const cliffEdge = 0.52 + (v - 0.5) * 0.35 + 0.015 * Math.sin(v * 60);
  if (u > cliffEdge && v > 0.5 + 0.03 * Math.sin(u * 14)) c = mixRgb([30, 26, 30], [60, 44, 40], (v - 0.5) * 2);
  // Tower: slightly tapered, red/white bands.
  const lampX = 0.74;
  const lampY = 0.24;
  const halfW = 0.028 + (v - 0.3) * 0.05;
  if (v > 0.3 && v < 0.53 && Math.abs(u - lampX) < halfW) {
    const band = Math.floor((v - 0.3) / 0.046) % 2 === 0;
    const shade = 0.65 + 0.35 * smoothstep(lampX + halfW, lampX - halfW, u);
    const base: Rgb = band ? [232, 226, 214] : [180, 40, 36];
    c = [base[0] * shade, base[1] * shade, base[2] * shade];
  }
  if (v > 0.255 && v <= 0.3 && Math.abs(u - lampX) < 0.022) c = [52, 48, 56]; // lantern room
  // Lamp glow and a beam sweeping to the left.
  const ld = Math.hypot(u - lampX, v - lampY - 0.03);
  c = addRgb(c, [255, 236, 170], Math.exp(-ld * 30));
  const angle = Math.atan2(v - (lampY + 0.03), lampX - u); // 0 = pointing left
  if (u < lampX) c = addRgb(c, [255, 240, 190], Math.exp(-((angle - 0.06) ** 2) / 0.0016) * 0.45 * smoothstep(0, 0.7, u));
  return c;
}

/** Soft organic alpha matte: white shape, feathered edge, black surround. */
function matte(u: number, v: number): number {
  const dx = u - 0.5;
  const dy = v - 0.52;
  const r = Math.hypot(dx, dy);
  const theta = Math.atan2(dy, dx);
  const edge = 0.3 + 0.045 * Math.sin(theta * 3 + 0.4) + 0.025 * Math.sin(theta * 7 + 1.3);
  return 255 * smoothstep(edge + 0.025, edge - 0.025, r);
}

/** Day-lit location plate (sky, hills, road)... */
function locationPlate(u: number, v: number): Rgb {
  const horizon = 0.55;
  let c = mixRgb([92, 148, 214], [196, 220, 238], smoothstep(0, horizon, v));
  const hill = horizon - 0.06 * Math.sin(u * 5 + 1) - 0.03 * Math.sin(u * 13);
  if (v > hill) c = mixRgb([74, 122, 60], [40, 84, 38], smoothstep(hill, 1, v));
  // Road in perspective, converging on a vanishing point on the horizon.
  const w = (v - horizon) * 0.9;
  if (v > horizon && Math.abs(u - 0.62) < w) {
    c = [96, 94, 92];
    if (Math.abs(u - 0.62) < w * 0.04 && Math.floor((v - horizon) * 60) % 2 === 0) c = [230, 220, 170];
  }
  return c;
}

/** ...with a generated element (an iridescent dome) filled into the left side. */
function genFillComposite(u: number, v: number): Rgb {
  const plate = locationPlate(u, v);
  const d = Math.hypot((u - 0.24) * (16 / 9), (v - 0.52) * 1.6);
  const inside = smoothstep(0.31, 0.27, d); // feathered fill mask
  if (inside <= 0 || v > 0.56) return plate;
  const glow: Rgb = mixRgb([120, 230, 220], [236, 120, 220], clamp(u * 3 + v));
  const shaded = mixRgb(glow, [255, 255, 255], Math.exp(-Math.hypot(u - 0.19, v - 0.35) * 18) * 0.8);
  return mixRgb(plate, shaded, inside);
}

/** Backlot street plate: buildings with window grids, pavement, vignette. */
function cameraPlate(u: number, v: number): Rgb {
  let c = mixRgb([120, 160, 205], [210, 218, 222], smoothstep(0, 0.6, v));
  const buildings: ReadonlyArray<readonly [x0: number, x1: number, top: number, col: Rgb]> = [
    [0.0, 0.22, 0.18, [150, 118, 96]],
    [0.22, 0.41, 0.3, [186, 176, 160]],
    [0.41, 0.66, 0.1, [120, 112, 118]],
    [0.66, 0.83, 0.26, [170, 132, 104]],
    [0.83, 1.0, 0.16, [136, 140, 150]],
  ];
  for (const [x0, x1, top, col] of buildings) {
    if (u >= x0 && u < x1 && v > top && v < 0.74) {
      c = col;
      const wx = ((u - x0) * 40) % 1;
      const wy = ((v - top) * 22) % 1;
      if (wx > 0.3 && wx < 0.75 && wy > 0.35 && wy < 0.8 && v < 0.68) c = mixRgb(col, [50, 62, 78], 0.7);
    }
  }
  if (v >= 0.74) c = mixRgb([128, 126, 122], [86, 84, 82], smoothstep(0.74, 1, v));
  if (v >= 0.74 && v < 0.76) c = [200, 196, 186]; // kerb
  const vignette = 1 - 0.35 * (((u - 0.5) * 1.6) ** 2 + (v - 0.5) ** 2);
  return [c[0] * vignette, c[1] * vignette, c[2] * vignette];
}

/** Colour bars over a grey ramp. */
function colourBars(u: number, v: number): Rgb {
  const bars: readonly Rgb[] = [
    [191, 191, 191], [191, 191, 0], [0, 191, 191], [0, 191, 0], [191, 0, 191], [191, 0, 0], [0, 0, 191],
  ];
  if (v < 0.67) return bars[Math.min(6, Math.floor(u * 7))] ?? [0, 0, 0];
  const g = 255 * u;
  return [g, g, g];
}

/** Video frame t in [0,1): sun rising over the sea while an orb drifts right. */
function orbFrame(t: number) {
  return (u: number, v: number): Rgb => {
    const horizon = 0.66;
    let c = mixRgb([30, 30, 90], [250, 160, 100], smoothstep(0, horizon, v) ** (1.5 - t * 0.4));
    const sd = Math.hypot((u - 0.5) * (16 / 9), v - (0.74 - t * 0.3));
    if (v < horizon) c = addRgb(c, [255, 210, 150], Math.exp(-sd * 6) * 0.7);
    if (sd < 0.1 && v < horizon) c = [255, 232, 190];
    if (v >= horizon) {
      const waves = 0.5 + 0.5 * Math.sin(v * 160 - t * 12 + Math.sin(u * 25 + t * 6));
      c = mixRgb([40, 50, 96], [210, 150, 110], waves * Math.exp(-(((u - 0.5) * 4) ** 2)) * 0.8);
    }
    const od = Math.hypot((u - (0.12 + t * 0.7)) * (16 / 9), v - 0.34 - 0.05 * Math.sin(t * 6));
    c = mixRgb(c, [140, 250, 240], smoothstep(0.075, 0.055, od));
    return c;
  };
}

/** Video frame for the unlabelled shot: scrolling stripes and a moving block. */
function stripeFrame(t: number, frame: number) {
  return (u: number, v: number): Rgb => {
    // Soft (sinusoidal) stripes: hard edges would cost a lot of JPEG bytes.
    const stripe = 0.5 + 0.5 * Math.sin(Math.PI * (u * 6 + v * 3 - t * 2));
    let c = mixRgb([30, 36, 60 + 60 * u], [60, 70 + 100 * v, 140], stripe);
    const bx = 0.08 + (frame / 12) * 0.8;
    if (u > bx && u < bx + 0.1 && v > 0.4 && v < 0.6) c = [245, 245, 240];
    return c;
  };
}

// ---------------------------------------------------------------------------
// Audio

const SAMPLE_RATE = 48_000;

/** Half a second of a sung "ah": glottal harmonics shaped by vowel formants. */
function voice(): Float64Array {
  const n = SAMPLE_RATE / 2;
  const out = new Float64Array(n);
  const formants: ReadonlyArray<readonly [hz: number, bw: number, gain: number]> = [
    [730, 90, 1],
    [1090, 110, 0.5],
    [2440, 160, 0.25],
  ];
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    const f0 = 150 + 20 * (t / 0.5) + 3 * Math.sin(2 * Math.PI * 5.5 * t); // glide + vibrato
    phase += (2 * Math.PI * f0) / SAMPLE_RATE;
    let s = 0;
    for (let k = 1; k * f0 < 4000; k++) {
      let a = 0;
      for (const [hz, bw, gain] of formants) a += gain * Math.exp(-(((k * f0 - hz) / bw) ** 2));
      s += (a + 0.05 / k) * Math.sin(k * phase);
    }
    const env = smoothstep(0, 0.03, t) * smoothstep(0.5, 0.42, t);
    out[i] = 0.25 * s * env;
  }
  return out;
}

/** Room tone: quiet low-passed noise plus faint 50 Hz mains hum. */
function roomTone(): Float64Array {
  const n = SAMPLE_RATE / 2;
  const out = new Float64Array(n);
  const rand = mulberry32(0x70e5);
  let lp = 0;
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    lp += 0.04 * (rand() * 2 - 1 - lp); // one-pole low-pass: soft "air" noise
    const hum = 0.004 * Math.sin(2 * Math.PI * 50 * t) + 0.0015 * Math.sin(2 * Math.PI * 100 * t);
    out[i] = (0.05 * lp + hum) * smoothstep(0, 0.02, t) * smoothstep(0.5, 0.48, t);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Metadata

class Labeller {
  constructor(private readonly et: ExifTool) {}

  /**
   * Writes tags in place. `-overwrite_original` avoids a *_original backup;
   * MWG is off so every tag lands exactly in the group named; minor errors
   * are not ignored so a tag ExifTool cannot write fails the run.
   */
  async write(file: string, tags: GroupedTags): Promise<void> {
    // Group-qualified names ("XMP-iptcExt:...") are valid ExifTool tags but
    // outside exiftool-vendored's WriteTags type, hence the cast.
    const res = await this.et.write(file, tags as WriteTags, {
      writeArgs: ["-overwrite_original"],
      useMWG: false,
      ignoreMinorErrors: false,
    });
    if (res.updated + res.created !== 1 || (res.warnings?.length ?? 0) > 0) {
      throw new Error(`ExifTool did not cleanly write ${path.basename(file)}: ${JSON.stringify(res)}`);
    }
  }

  /** ExifTool cannot write WAV, so build the XMP packet as a sidecar and return it. */
  async xmpPacket(tags: GroupedTags): Promise<Buffer> {
    const dir = await mkdtemp(path.join(tmpdir(), "prov-samples-"));
    try {
      const sidecar = path.join(dir, "packet.xmp");
      await this.write(sidecar, tags); // ExifTool creates a missing .xmp from scratch
      return await readFile(sidecar);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Reads every tag back (`-G1 -a`), as prov would see them. */
  async read(file: string): Promise<Record<string, unknown>> {
    return (await this.et.readRaw(file, {
      readArgs: ["-G1", "-a", "-s"],
      useMWG: false,
      ignoreMinorErrors: false,
    })) as Record<string, unknown>;
  }
}

// ---------------------------------------------------------------------------
// The samples

interface Sample {
  readonly name: string;
  readonly what: string;
  readonly exercises: string;
  readonly origin: Origin;
  /** Tags that must read back (exact value) from the finished file. */
  readonly expect: GroupedTags;
  build(file: string, label: Labeller): Promise<void>;
}

const A1111_PARAMETERS = [
  "a lighthouse on a cliff at dusk, volumetric light beam, dramatic sky, highly detailed, matte painting",
  "Negative prompt: blurry, lowres, watermark, text",
  "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x512, Model hash: abcdef1234, Model: sd_xl_base_1.0",
].join("\n");

/** ComfyUI "prompt" chunk: the API-format graph, nodes keyed by id with class_type. */
const COMFY_PROMPT = {
  "3": {
    class_type: "KSampler",
    inputs: {
      seed: 424242, steps: 25, cfg: 6.5, sampler_name: "dpmpp_2m", scheduler: "karras", denoise: 1,
      model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0],
    },
  },
  "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sd_xl_base_1.0.safetensors" } },
  "5": { class_type: "EmptyLatentImage", inputs: { width: 256, height: 256, batch_size: 1 } },
  "6": { class_type: "CLIPTextEncode", inputs: { text: "soft-edged white blob alpha matte, black background", clip: ["4", 1] } },
  "7": { class_type: "CLIPTextEncode", inputs: { text: "noise, texture, text", clip: ["4", 1] } },
  "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
  "9": { class_type: "SaveImage", inputs: { filename_prefix: "matte", images: ["8", 0] } },
} as const;

/** ComfyUI "workflow" chunk: the editor graph (nodes with type, links, widget values). */
function comfyWorkflow(): unknown {
  const node = (id: number, type: string, order: number, widgets: readonly unknown[]) => ({
    id, type, pos: [100 + order * 320, 120], size: [300, 160], flags: {}, order, mode: 0,
    properties: { "Node name for S&R": type }, widgets_values: widgets,
  });
  return {
    last_node_id: 9,
    last_link_id: 9,
    nodes: [
      node(4, "CheckpointLoaderSimple", 0, ["sd_xl_base_1.0.safetensors"]),
      node(5, "EmptyLatentImage", 1, [256, 256, 1]),
      node(6, "CLIPTextEncode", 2, [COMFY_PROMPT["6"].inputs.text]),
      node(7, "CLIPTextEncode", 3, [COMFY_PROMPT["7"].inputs.text]),
      node(3, "KSampler", 4, [424242, "fixed", 25, 6.5, "dpmpp_2m", "karras", 1]),
      node(8, "VAEDecode", 5, []),
      node(9, "SaveImage", 6, ["matte"]),
    ],
    links: [
      [1, 4, 0, 3, 0, "MODEL"], [2, 6, 0, 3, 1, "CONDITIONING"], [3, 7, 0, 3, 2, "CONDITIONING"],
      [4, 5, 0, 3, 3, "LATENT"], [5, 4, 1, 6, 0, "CLIP"], [6, 4, 1, 7, 0, "CLIP"],
      [7, 3, 0, 8, 0, "LATENT"], [8, 4, 2, 8, 1, "VAE"], [9, 8, 0, 9, 0, "IMAGE"],
    ],
    groups: [],
    config: {},
    extra: {},
    version: 0.4,
  };
}

const VIDEO_W = 160;
const VIDEO_H = 90;
const VIDEO_FPS = 24;
const VIDEO_FRAMES = 12;

function videoFrames(shader: (t: number, frame: number) => (u: number, v: number) => Rgb): Buffer[] {
  return Array.from({ length: VIDEO_FRAMES }, (_, f) =>
    encodeJpeg(renderRgb(VIDEO_W, VIDEO_H, shader(f / VIDEO_FRAMES, f)), 70),
  );
}

const SAMPLES: readonly Sample[] = [
  {
    name: "genai-concept-art.jpg",
    what: "256x144 JPEG concept painting (floating citadel at sunset).",
    exercises:
      "IPTC `XMP-iptcExt:DigitalSourceType` = trainedAlgorithmicMedia plus the IPTC 2025.1 AI fields (AISystemUsed, AISystemVersionUsed, AIPromptInformation, AIPromptWriterName).",
    origin: "genai",
    expect: {
      "XMP-iptcExt:DigitalSourceType": `${DST}trainedAlgorithmicMedia`,
      "XMP-iptcExt:AISystemUsed": "Firefly Image 3",
      "XMP-iptcExt:AISystemVersionUsed": "3.0",
      "XMP-iptcExt:AIPromptInformation":
        "matte painting of a floating citadel above a violet sea at sunset, cinematic lighting",
      "XMP-iptcExt:AIPromptWriterName": "prov sample generator",
    },
    async build(file, label) {
      await writeFile(file, encodeJpeg(renderRgb(256, 144, conceptArt), 82));
      await label.write(file, this.expect);
    },
  },
  {
    name: "genai-a1111.png",
    what: "512x512 PNG (lighthouse at dusk) as saved by AUTOMATIC1111's web UI.",
    exercises:
      "PNG `tEXt` keyword `parameters` with A1111 generation text (prompt, Negative prompt, Steps/Sampler/CFG/Seed/Model hash/Model). No XMP, no IPTC.",
    origin: "genai",
    expect: { "PNG:Parameters": A1111_PARAMETERS },
    async build(file) {
      await writeFile(file, encodePng(renderRgb(512, 512, lighthouse), [["parameters", A1111_PARAMETERS]]));
    },
  },
  {
    name: "comfyui-matte.png",
    what: "256x256 8-bit greyscale PNG: a soft-edged alpha matte as saved by ComfyUI.",
    exercises:
      "PNG `tEXt` chunks `prompt` (API graph: nodes with `class_type` KSampler, CheckpointLoaderSimple, ...) and `workflow` (editor graph). No XMP.",
    origin: "genai",
    expect: { "PNG:Prompt": JSON.stringify(COMFY_PROMPT), "PNG:Workflow": JSON.stringify(comfyWorkflow()) },
    async build(file) {
      const text = [["prompt", JSON.stringify(COMFY_PROMPT)], ["workflow", JSON.stringify(comfyWorkflow())]] as const;
      await writeFile(file, encodePng(renderGrey(256, 256, matte), text));
    },
  },
  {
    name: "genfill-composite.jpg",
    what: "256x144 JPEG location plate with a generated dome filled into the left side.",
    exercises: "DigitalSourceType = compositeWithTrainedAlgorithmicMedia (real plate edited with generative fill).",
    origin: "genai-edited",
    expect: { "XMP-iptcExt:DigitalSourceType": `${DST}compositeWithTrainedAlgorithmicMedia` },
    async build(file, label) {
      await writeFile(file, encodeJpeg(renderRgb(256, 144, genFillComposite), 82));
      await label.write(file, this.expect);
    },
  },
  {
    name: "camera-plate.jpg",
    what: "256x144 JPEG backlot street plate with camera EXIF.",
    exercises:
      "EXIF Make/Model/LensModel/DateTimeOriginal/ExposureTime/FNumber/ISO and DigitalSourceType = digitalCapture: a labelled camera original.",
    origin: "not-genai",
    expect: {
      "IFD0:Make": "Canon",
      "IFD0:Model": "Canon EOS R5",
      "ExifIFD:LensModel": "RF24-70mm F2.8 L IS USM",
      "ExifIFD:DateTimeOriginal": "2025:03:14 09:41:27",
      "ExifIFD:OffsetTimeOriginal": "+00:00",
      "ExifIFD:ExposureTime": "1/50",
      "ExifIFD:FNumber": "5.6",
      "ExifIFD:ISO": "400",
      "XMP-iptcExt:DigitalSourceType": `${DST}digitalCapture`,
    },
    async build(file, label) {
      await writeFile(file, encodeJpeg(renderRgb(256, 144, cameraPlate), 82));
      await label.write(file, {
        "EXIF:Make": "Canon",
        "EXIF:Model": "Canon EOS R5",
        "EXIF:LensModel": "RF24-70mm F2.8 L IS USM",
        "EXIF:DateTimeOriginal": "2025:03:14 09:41:27",
        "EXIF:OffsetTimeOriginal": "+00:00",
        "EXIF:ExposureTime": "1/50",
        "EXIF:FNumber": 5.6,
        "EXIF:ISO": 400,
        // What a camera also records; -validate wants the image size tags.
        "EXIF:ExifImageWidth": 256,
        "EXIF:ExifImageHeight": 144,
        "EXIF:ColorSpace": "sRGB",
        "EXIF:XResolution": 72,
        "EXIF:YResolution": 72,
        "EXIF:ResolutionUnit": "inches",
        "XMP-iptcExt:DigitalSourceType": `${DST}digitalCapture`,
      });
    },
  },
  {
    name: "procedural-noise.png",
    what: "128x128 greyscale PNG of fractal value noise (procedural, seeded).",
    exercises:
      "DigitalSourceType = algorithmicMedia: procedural, NOT GenAI. Checks whole-term matching (the code is a suffix of trainedAlgorithmicMedia, case aside).",
    origin: "not-genai",
    expect: { "XMP-iptcExt:DigitalSourceType": `${DST}algorithmicMedia` },
    async build(file, label) {
      await writeFile(file, encodePng(renderGrey(128, 128, (u, v) => 255 * fbm(u * 8, v * 8, 7, 4))));
      await label.write(file, this.expect);
    },
  },
  {
    name: "unlabelled-still.png",
    what: "160x90 RGB PNG of colour bars over a grey ramp.",
    exercises: "A still with no metadata at all (IHDR, IDAT, IEND only).",
    origin: "unknown",
    expect: {},
    async build(file) {
      await writeFile(file, encodePng(renderRgb(160, 90, colourBars)));
    },
  },
  {
    name: "genai-voice.wav",
    what: "0.5 s 48 kHz 16-bit mono PCM WAV: a synthetic sung 'ah' (formant-shaped harmonics).",
    exercises:
      "XMP in a RIFF `_PMX` chunk (ExifTool 13.59 cannot write WAV, so the script embeds an ExifTool-made packet): DigitalSourceType = trainedAlgorithmicMedia, AISystemUsed = ElevenLabs.",
    origin: "genai",
    expect: {
      "XMP-iptcExt:DigitalSourceType": `${DST}trainedAlgorithmicMedia`,
      "XMP-iptcExt:AISystemUsed": "ElevenLabs",
    },
    async build(file, label) {
      const xmp = await label.xmpPacket(this.expect);
      await writeFile(file, encodeWav(voice(), SAMPLE_RATE, [{ id: "_PMX", body: xmp }]));
    },
  },
  {
    name: "room-tone.wav",
    what: "0.5 s 48 kHz 16-bit mono PCM WAV: quiet room tone (filtered noise, 50 Hz hum).",
    exercises: "Audio with no labels (fmt and data chunks only).",
    origin: "unknown",
    expect: {},
    async build(file) {
      await writeFile(file, encodeWav(roomTone(), SAMPLE_RATE));
    },
  },
  {
    name: "genai-shot.mov",
    what: `${VIDEO_W}x${VIDEO_H} Motion-JPEG QuickTime, ${VIDEO_FRAMES} frames at ${VIDEO_FPS} fps (0.5 s): sun rising, orb drifting.`,
    exercises: "XMP in `moov/udta/XMP_` of a QuickTime movie: DigitalSourceType = trainedAlgorithmicMedia, AISystemUsed = Sora.",
    origin: "genai",
    expect: {
      "XMP-iptcExt:DigitalSourceType": `${DST}trainedAlgorithmicMedia`,
      "XMP-iptcExt:AISystemUsed": "Sora",
    },
    async build(file, label) {
      await writeFile(file, encodeMjpegMov(videoFrames(orbFrame), VIDEO_W, VIDEO_H, VIDEO_FPS));
      await label.write(file, this.expect);
    },
  },
  {
    name: "unlabelled-shot.mov",
    what: `${VIDEO_W}x${VIDEO_H} Motion-JPEG QuickTime, ${VIDEO_FRAMES} frames at ${VIDEO_FPS} fps (0.5 s): scrolling stripes, moving block.`,
    exercises: "Video with no labels (container timestamps are fixed, no XMP).",
    origin: "unknown",
    expect: {},
    async build(file) {
      await writeFile(file, encodeMjpegMov(videoFrames(stripeFrame), VIDEO_W, VIDEO_H, VIDEO_FPS));
    },
  },
];

// ---------------------------------------------------------------------------
// Verification and README

/** Labels prov looks at; none may appear on an "unknown" sample. */
const LABEL_TAG = /DigitalSourceType|AISystem|AIPrompt|^PNG:(Parameters|Prompt|Workflow)$/;

async function verify(sample: Sample, file: string, label: Labeller): Promise<void> {
  const tags = await label.read(file);
  const problems: string[] = [];
  for (const key of ["ExifTool:Error", "ExifTool:Warning"]) {
    if (tags[key] !== undefined) problems.push(`${key}: ${String(tags[key])}`);
  }
  for (const [key, want] of Object.entries(sample.expect)) {
    const got = tags[key];
    // ExifTool's JSON prints numeric-looking text ("3.0") as a number.
    const same = typeof got === "number" ? got === Number(want) : String(got) === String(want);
    if (!same) problems.push(`${key} = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  if (sample.origin === "unknown") {
    for (const key of Object.keys(tags)) if (LABEL_TAG.test(key)) problems.push(`unexpected label ${key}`);
  }
  if (problems.length > 0) throw new Error(`${sample.name}: ${problems.join("; ")}`);
}

function readme(rows: ReadonlyArray<{ sample: Sample; bytes: number; sha256: string }>): string {
  const cell = (s: string): string => s.replace(/\|/g, "\\|");
  return [
    "# Sample media",
    "",
    "These files are generated by `npm run samples` (scripts/make-samples.ts) and are safe to redistribute: the project made every pixel, audio sample and container byte; nothing here is third-party media.",
    "",
    "The GenAI labels are metadata written by the generator to exercise prov's origin detection; the files were not produced by the AI systems they name.",
    "",
    "| File | What it is | What it exercises | Expected origin | Bytes | SHA-256 |",
    "| --- | --- | --- | --- | ---: | --- |",
    ...rows.map(
      ({ sample, bytes, sha256 }) =>
        `| \`${sample.name}\` | ${cell(sample.what)} | ${cell(sample.exercises)} | \`${sample.origin}\` | ${bytes} | \`${sha256}\` |`,
    ),
    "",
    "## Reproducibility",
    "",
    "Regenerating gives byte-identical files: no clock, no unseeded randomness, fixed embedded timestamps (2025-03-14 09:41:27 UTC), and ExifTool writes in place (`-overwrite_original`) without adding dates.",
    `The hashes above assume the pinned toolchain: ExifTool ${EXPECTED_EXIFTOOL_VERSION} (exiftool-vendored), jpeg-js 0.4.4 and Node 20's bundled zlib (PNG IDAT compression). A different zlib or ExifTool may produce different bytes with the same content and labels.`,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  // Resolve the vendored binary explicitly so a system exiftool is never used.
  const exiftoolPath: unknown = createRequire(import.meta.url)("exiftool-vendored.pl");
  if (typeof exiftoolPath !== "string") throw new Error("exiftool-vendored.pl did not resolve to a path");
  const et = new ExifTool({ exiftoolPath, maxProcs: 1 });
  try {
    const version = await et.version();
    if (version !== EXPECTED_EXIFTOOL_VERSION) {
      process.stderr.write(`make-samples: warning: ExifTool ${version}, README hashes assume ${EXPECTED_EXIFTOOL_VERSION}\n`);
    }
    await mkdir(SAMPLES_DIR, { recursive: true });
    const label = new Labeller(et);
    const rows: Array<{ sample: Sample; bytes: number; sha256: string }> = [];
    for (const sample of SAMPLES) {
      const file = path.join(SAMPLES_DIR, sample.name);
      await sample.build(file, label);
      await verify(sample, file, label);
      const bytes = await readFile(file);
      rows.push({ sample, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
    }
    await writeFile(path.join(SAMPLES_DIR, "README.md"), readme(rows));
    const total = rows.reduce((sum, r) => sum + r.bytes, 0);
    for (const r of rows) process.stderr.write(`  ${r.sample.name.padEnd(24)} ${String(r.bytes).padStart(7)}  ${r.sample.origin}\n`);
    process.stderr.write(`make-samples: ${rows.length} files (${(total / 1024).toFixed(1)} KiB) + README.md in ${SAMPLES_DIR}\n`);
  } finally {
    await et.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`make-samples: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
