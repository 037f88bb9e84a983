// Perceptual fingerprints: which hash, which thresholds, what it costs.
//
// Generates (bench/images.ts) photo-like GenAI stills, the derivatives post-production makes
// of them (resize, JPEG, crops, brightness, grade, thumbnails, H.264 renders) and unrelated
// stills of the same generator family (plus the repository's samples/), then, for each
// candidate hash, prints how far each derivative lands from its original and how close
// unrelated pictures come: recall per kind of derivative and the false-match rate at the
// product's thresholds (scaled to the hash's length). Then the product pipeline itself
// (fingerprintImage, fingerprintVideo), flat frames, and costs. Prints figures, never
// asserts them, except that the product hash equals the bench's phash64.

import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import sharp from "sharp";
import {
  HASH_SIZE,
  LOW_DETAIL_STDDEV,
  MATCH_MAX,
  POSSIBLE_MAX,
  SCENE_THRESHOLD,
  chunks16,
  findFfmpeg,
  fingerprintImage,
  fingerprintVideo,
  hamming,
  hashGrey,
  neighbours16,
  verdictFor,
} from "../src/adapters/decode/index.js";
import { DIHEDRAL, dihedralOfHash, TRIM_SIZE, unpackTurns } from "../src/domain/phash.js";
import { fingerprintPath } from "../src/app/perceptual.js";
import { DERIVATIVES, ffmpegRun, flatFrames, generateSet, stillPng, type GeneratedSet } from "./images.js";
import { measure } from "./proc.js";
import { frameGrab, LABEL_FREE, motionClip } from "./label-free.js";
import type { GenAIFingerprintRow } from "../src/ports.js";
import type { Near, Probe } from "../src/domain/likeness.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const SET_VERSION = 3;

const USAGE = `usage: node dist/bench/fingerprint.js [options]
  --dir DIR            where the generated set lives (default: $TMPDIR/prov-bench-fingerprint-<uid>); reused when its marker matches
  --originals N        generated GenAI stills (default 40; even)
  --unrelated N        unrelated generated stills (default 200; the samples/ stills are added)
  --video-seconds N    length of the 1080p24 H.264 clip timed for the video cost (default 30)
  --skip-cost          no cost figures
  --baseline DIST      a build (dist/) of the code before: its figures for the label-free copies are printed beside today's
  --skip-label-free    no label-free copies table
  --only-label-free    only the label-free copies table
  --clean              delete the set afterwards`;

const progress = (msg: string): void => void process.stderr.write(`[bench fingerprint] ${msg}\n`);

interface Options {
  dir: string;
  originals: number;
  unrelated: number;
  videoSeconds: number;
  skipCost: boolean;
  clean: boolean;
  baseline: string | null;
  skipLabelFree: boolean;
  onlyLabelFree: boolean;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: "string" },
      originals: { type: "string", default: "40" },
      unrelated: { type: "string", default: "200" },
      "video-seconds": { type: "string", default: "30" },
      "skip-cost": { type: "boolean", default: false },
      baseline: { type: "string" },
      "skip-label-free": { type: "boolean", default: false },
      "only-label-free": { type: "boolean", default: false },
      clean: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    process.exit(0);
  }
  const int = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}\n${USAGE}`);
    return n;
  };
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return {
    dir: path.resolve(values.dir ?? path.join(tmpdir(), `prov-bench-fingerprint-${uid}`)),
    originals: int("originals", values.originals, 2) & ~1,
    unrelated: int("unrelated", values.unrelated, 1),
    videoSeconds: int("video-seconds", values["video-seconds"], 1),
    skipCost: values["skip-cost"],
    clean: values.clean,
    baseline: values.baseline ? path.resolve(values.baseline) : null,
    skipLabelFree: values["skip-label-free"],
    onlyLabelFree: values["only-label-free"],
  };
}

// ---------------------------------------------------------------------------------------
// Candidate hashes. phash64 is the product's (src/fingerprint/phash.ts); the others live
// only here, to print the comparison.

type Grey = Map<string, Uint8Array>;

interface Candidate {
  name: string;
  what: string;
  bits: number;
  sizes: ReadonlyArray<readonly [number, number]>;
  hash: (g: Grey) => Uint32Array;
}

const key = (w: number, h: number): string => `${w}x${h}`;

/** DCT-II coefficients (u, v) in [from, from + count) of an n x n picture, unscaled. */
function dctBlock(px: Uint8Array, n: number, from: number, count: number, centre: boolean): Float64Array {
  const cos = new Float64Array(count * n);
  for (let u = 0; u < count; u++) for (let x = 0; x < n; x++) cos[u * n + x] = Math.cos(((2 * x + 1) * (u + from) * Math.PI) / (2 * n));
  let mean = 0;
  if (centre) {
    for (const v of px) mean += v;
    mean /= px.length;
  }
  const rows = new Float64Array(count * n);
  for (let y = 0; y < n; y++) {
    for (let v = 0; v < count; v++) {
      let acc = 0;
      for (let x = 0; x < n; x++) acc += (px[y * n + x]! - mean) * cos[v * n + x]!;
      rows[v * n + y] = acc;
    }
  }
  const out = new Float64Array(count * count);
  for (let u = 0; u < count; u++) {
    for (let v = 0; v < count; v++) {
      let acc = 0;
      for (let y = 0; y < n; y++) acc += rows[v * n + y]! * cos[u * n + y]!;
      out[u * count + v] = acc;
    }
  }
  return out;
}

function bitsAboveMedian(c: Float64Array): Uint32Array {
  const sorted = Float64Array.from(c).sort();
  const mid = sorted.length / 2;
  const median = (sorted[mid - 1]! + sorted[mid]!) / 2;
  const words = new Uint32Array(c.length / 32);
  for (let i = 0; i < c.length; i++) if (c[i]! > median) words[i >>> 5]! |= 1 << (31 - (i & 31));
  return words;
}

function fromHex(hex: string): Uint32Array {
  return Uint32Array.of(Number.parseInt(hex.slice(0, 8), 16), Number.parseInt(hex.slice(8, 16), 16));
}

function dhash(px: Uint8Array): Uint32Array {
  const words = new Uint32Array(2);
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) if (px[y * 9 + x]! < px[y * 9 + x + 1]!) words[(y * 8 + x) >>> 5]! |= 1 << (31 - ((y * 8 + x) & 31));
  return words;
}

const CANDIDATES: readonly Candidate[] = [
  { name: "phash64", what: "the product's: 32x32 DCT, 64 lowest frequencies by diagonal (u + v = 1..10, not (5,5)) vs median", bits: 64, sizes: [[32, 32]], hash: (g) => fromHex(hashGrey(g.get(key(32, 32))!).hash) },
  { name: "phash64-1..8", what: "classic pHash (phash.org): 32x32 DCT, coefficients 1..8 x 1..8 vs median", bits: 64, sizes: [[32, 32]], hash: (g) => bitsAboveMedian(dctBlock(g.get(key(32, 32))!, 32, 1, 8, true)) },
  { name: "phash64-dc", what: "pHash as ImageHash: 32x32 DCT, coefficients 0..7 x 0..7 (with DC) vs median", bits: 64, sizes: [[32, 32]], hash: (g) => bitsAboveMedian(dctBlock(g.get(key(32, 32))!, 32, 0, 8, false)) },
  { name: "dhash64", what: "dHash: 9x8 grey, left < right", bits: 64, sizes: [[9, 8]], hash: (g) => dhash(g.get(key(9, 8))!) },
  {
    name: "phash+dhash128",
    what: "phash64 (the product's) and dhash64 concatenated",
    bits: 128,
    sizes: [
      [32, 32],
      [9, 8],
    ],
    hash: (g) => {
      const a = fromHex(hashGrey(g.get(key(32, 32))!).hash);
      const b = dhash(g.get(key(9, 8))!);
      return Uint32Array.of(a[0]!, a[1]!, b[0]!, b[1]!);
    },
  },
  { name: "pdq-like256", what: "PDQ-like: 64x64 DCT, coefficients 1..16 x 1..16 vs median", bits: 256, sizes: [[64, 64]], hash: (g) => bitsAboveMedian(dctBlock(g.get(key(64, 64))!, 64, 1, 16, true)) },
];

function popcount(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) as number;
}

function distance(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount((a[i]! ^ b[i]!) >>> 0);
  return d;
}

/** The same decode as src/adapters/decode/image.ts (into TRIM_SIZE, then w x h), at any size; borders kept. */
async function grey(file: string, w: number, h: number): Promise<Uint8Array> {
  const small = await sharp(file, { failOn: "error" }).rotate().flatten({ background: "#000000" }).greyscale().resize(TRIM_SIZE, TRIM_SIZE, { fit: "inside" }).raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
  const data = await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: 1 } }).resize(w, h, { fit: "fill" }).toColourspace("b-w").raw({ depth: "uchar" }).toBuffer();
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

const SIZES_NEEDED = [...new Map(CANDIDATES.flatMap((c) => c.sizes).map((s) => [key(s[0], s[1]), s] as const)).values()];

async function greys(file: string): Promise<Grey> {
  const g: Grey = new Map();
  for (const [w, h] of SIZES_NEEDED) g.set(key(w, h), await grey(file, w, h));
  return g;
}

function stddev(px: Uint8Array): number {
  let sum = 0;
  for (const v of px) sum += v;
  const mean = sum / px.length;
  let sq = 0;
  for (const v of px) sq += (v - mean) ** 2;
  return Math.sqrt(sq / px.length);
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))]!;
}

const median = (xs: readonly number[]): number => quantile([...xs].sort((a, b) => a - b), 0.5);
const pct = (n: number, of: number): string => `${((100 * n) / of).toFixed(n > 0 && n / of < 0.001 ? 3 : 2)}%`;
const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const lpad = (s: string | number, n: number): string => String(s).padStart(n);

// ---------------------------------------------------------------------------------------
// The set

interface Marker {
  version: number;
  originals: number;
  unrelated: number;
}

async function prepareSet(o: Options): Promise<GeneratedSet & { frames: string[] }> {
  const want: Marker = { version: SET_VERSION, originals: o.originals, unrelated: o.unrelated };
  const markerFile = path.join(o.dir, "marker.json");
  const frameFiles = (n: number): string[] => Array.from({ length: n }, (_, i) => path.join(o.dir, "video-frames", `frame-${String(i).padStart(3, "0")}.png`));
  if (existsSync(markerFile)) {
    const got = JSON.parse(await readFile(markerFile, "utf8")) as Marker;
    if (got.version === want.version && got.originals === want.originals && got.unrelated === want.unrelated) {
      progress(`reusing the set in ${o.dir}`);
      const set = JSON.parse(await readFile(path.join(o.dir, "set.json"), "utf8")) as GeneratedSet;
      return { ...set, frames: frameFiles(o.originals) };
    }
  }
  await rm(o.dir, { recursive: true, force: true });
  await mkdir(o.dir, { recursive: true });
  const started = performance.now();
  const set = await generateSet(o.dir, { originals: o.originals, unrelated: o.unrelated, progress, clip: { secondsEach: 2.5 } });
  // A mid-hold frame of each still out of its H.264 render, as PNG: the "video" derivative
  // for every candidate (the product's own video path is measured separately).
  await mkdir(path.join(o.dir, "video-frames"), { recursive: true });
  const frames = frameFiles(o.originals);
  for (let j = 0; j < set.clips.length; j++) {
    const fps = 24;
    const a = Math.round((set.secondsEach / 2) * fps);
    const b = Math.round(set.secondsEach * 1.5 * fps);
    await ffmpegRun(["-i", set.clips[j]!, "-vf", `select='eq(n\\,${a})+eq(n\\,${b})'`, "-vsync", "passthrough", path.join(o.dir, "video-frames", `tmp-${j}-%d.png`)]);
    await writeFile(frames[2 * j]!, await readFile(path.join(o.dir, "video-frames", `tmp-${j}-1.png`)));
    await writeFile(frames[2 * j + 1]!, await readFile(path.join(o.dir, "video-frames", `tmp-${j}-2.png`)));
  }
  progress(`generated the set in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await writeFile(path.join(o.dir, "set.json"), JSON.stringify(set));
  await writeFile(markerFile, JSON.stringify(want));
  return { ...set, frames };
}

// ---------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const tools = findFfmpeg();
  if (!tools) throw new Error("ffmpeg is needed for the video derivatives and costs");
  const set = await prepareSet(o);
  const samples = (await readdir(path.join(repo, "samples"))).filter((f) => /\.(jpe?g|png)$/i.test(f)).map((f) => path.join(repo, "samples", f));
  const unrelated = [...set.unrelated, ...samples];
  if (o.onlyLabelFree) {
    process.stdout.write((await labelFreeTable(o, set, unrelated)).join("\n") + "\n");
    return;
  }
  const kinds = [...DERIVATIVES.map((d) => d.kind), "h264-frame"];
  const derivativeFiles: Record<string, string[]> = { ...set.derivatives, "h264-frame": set.frames };

  progress("decoding");
  const orig = await Promise.all(set.originals.map(greys));
  const deriv: Record<string, Grey[]> = {};
  for (const k of kinds) deriv[k] = await Promise.all(derivativeFiles[k]!.map(greys));
  const other: Grey[] = [];
  for (const f of unrelated) other.push(await greys(f));

  // The product path gives the bench's phash64, or the comparison means nothing.
  for (let i = 0; i < Math.min(5, set.originals.length); i++) {
    const f = await fingerprintImage(set.originals[i]!);
    if (f.hash !== hashGrey(orig[i]!.get(key(32, 32))!).hash) throw new Error(`fingerprintImage and the bench disagree on ${set.originals[i]}`);
  }

  const lines: string[] = [];
  const out = (s = ""): void => void lines.push(s);
  const all = orig.length + other.length;
  const nPairs = (all * (all - 1)) / 2;
  out(`Perceptual hash candidates: ${orig.length} generated GenAI stills, ${kinds.length} kinds of derivative each;`);
  out(`false matches over ${nPairs} unrelated pairs: every pair of the ${orig.length} originals and ${other.length} unrelated stills (${set.unrelated.length} generated, ${samples.length} from samples/).`);
  out(`Thresholds: the product's MATCH_MAX ${MATCH_MAX} / POSSIBLE_MAX ${POSSIBLE_MAX} of 64 bits, scaled to each hash's length.`);
  for (const d of DERIVATIVES) out(`  ${pad(d.kind, 11)} ${d.what}`);
  out(`  ${pad("h264-frame", 11)} mid-hold frame of the still rendered into 1920x1080 H.264 (libx264 veryfast CRF 23, 24 fps), extracted as PNG`);
  out();

  let product: { per: Record<string, number[]>; unrel: number[] } | null = null;
  const summary: string[] = [];
  summary.push(`${pad("candidate", 15)} ${pad("bits", 4)} ${pad("match/possible", 14)} ${kinds.map((k) => lpad(k, 10)).join(" ")}  ${lpad("unrel min", 9)} ${lpad("p0.1%", 6)} ${lpad("FMR match", 10)} ${lpad("FMR poss.", 10)}`);
  // Each hash at its own operating points, so lengths and scales compare fairly.
  const fair: string[] = [
    `${pad("candidate", 15)} ${pad("bits", 4)}  ${pad("all found at <=", 16)} ${lpad("FMR there", 10)}   ${pad("no false match at <=", 21)} ${lpad("recall there", 12)}  ${lpad("crop5-all there", 15)}`,
  ];
  for (const c of CANDIDATES) {
    const match = Math.round((MATCH_MAX * c.bits) / 64);
    const possible = Math.round((POSSIBLE_MAX * c.bits) / 64);
    const hO = orig.map(c.hash);
    const per: Record<string, number[]> = {};
    for (const k of kinds) per[k] = deriv[k]!.map((g, i) => distance(c.hash(g), hO[i]!));
    const hU = other.map(c.hash);
    const unrel: number[] = [];
    const everyone = [...hO, ...hU];
    for (let i = 0; i < everyone.length; i++) for (let j = i + 1; j < everyone.length; j++) unrel.push(distance(everyone[i]!, everyone[j]!));
    unrel.sort((a, b) => a - b);
    const fm = unrel.filter((d) => d <= match).length;
    const fp = unrel.filter((d) => d <= possible).length;

    out(`${c.name} (${c.bits} bits): ${c.what}`);
    out(`  match <= ${match}, possible <= ${possible}`);
    out(`  ${pad("kind", 11)} ${lpad("match", 7)} ${lpad("possible", 9)} ${lpad("median", 7)} ${lpad("p95", 5)} ${lpad("max", 5)}`);
    for (const k of kinds) {
      const ds = [...per[k]!].sort((a, b) => a - b);
      const m = ds.filter((d) => d <= match).length;
      const p = ds.filter((d) => d <= possible).length;
      out(`  ${pad(k, 11)} ${lpad(`${m}/${ds.length}`, 7)} ${lpad(`${p}/${ds.length}`, 9)} ${lpad(quantile(ds, 0.5), 7)} ${lpad(quantile(ds, 0.95), 5)} ${lpad(ds[ds.length - 1]!, 5)}`);
    }
    const worst = Math.max(...kinds.flatMap((k) => per[k]!));
    out(`  unrelated: min ${unrel[0]}, 0.1% ${quantile(unrel, 0.001)}, 1% ${quantile(unrel, 0.01)}, median ${quantile(unrel, 0.5)}; false match ${fm} (${pct(fm, unrel.length)}), false possible ${fp} (${pct(fp, unrel.length)})`);
    const fAtWorst = unrel.filter((d) => d <= worst).length;
    out(`  every derivative within ${worst} (${((100 * worst) / c.bits).toFixed(1)}% of bits); unrelated pairs that close: ${fAtWorst} (${pct(fAtWorst, unrel.length)}); margin ${unrel[0]! - worst} bits`);
    out();
    if (c.name === "phash64") product = { per, unrel };
    const zero = unrel[0]! - 1;
    const recallAt = (ks: readonly string[], t: number): string => {
      const ds = ks.flatMap((k) => per[k]!);
      return `${((100 * ds.filter((d) => d <= t).length) / ds.length).toFixed(1)}%`;
    };
    fair.push(
      `${pad(c.name, 15)} ${pad(c.bits, 4)}  ${pad(`${worst} (${((100 * worst) / c.bits).toFixed(1)}%)`, 16)} ${lpad(pct(fAtWorst, unrel.length), 10)}   ${pad(`${zero} (${((100 * zero) / c.bits).toFixed(1)}%)`, 21)} ${lpad(recallAt(kinds, zero), 12)}  ${lpad(recallAt(["crop5-all"], zero), 15)}`,
    );
    const found = (k: string): string => {
      const ds = per[k]!;
      return `${ds.filter((d) => d <= match).length}/${ds.filter((d) => d <= possible).length}`;
    };
    summary.push(
      `${pad(c.name, 15)} ${pad(c.bits, 4)} ${pad(`${match}/${possible}`, 14)} ${kinds.map((k) => lpad(found(k), 10)).join(" ")}  ${lpad(unrel[0]!, 9)} ${lpad(quantile(unrel, 0.001), 6)} ${lpad(pct(fm, unrel.length), 10)} ${lpad(pct(fp, unrel.length), 10)}`,
    );
  }
  out(`Summary: per kind "found as match/found at least as possible" of ${orig.length}; FMR = unrelated pairs at or under the threshold, of ${nPairs}`);
  for (const s of summary) out("  " + s);
  out();
  out(`Each candidate at its own operating points: the distance that finds every derivative and the false matches it lets in; the largest distance with no false match and the derivatives it finds:`);
  for (const s of fair) out("  " + s);
  out();

  if (product) {
    const { per, unrel } = product;
    out(`phash64 by threshold (distances are even): derivatives found at or under it, of ${orig.length}; unrelated pairs at or under it, of ${unrel.length}`);
    out(`  ${lpad("<=", 3)} ${kinds.map((k) => lpad(k, 10)).join(" ")}  ${lpad("unrelated", 16)}`);
    for (let t = 8; t <= 22; t += 2) {
      const n = unrel.filter((d) => d <= t).length;
      const mark = t === MATCH_MAX ? "  <- MATCH_MAX" : t === POSSIBLE_MAX ? "  <- POSSIBLE_MAX" : "";
      out(`  ${lpad(t, 3)} ${kinds.map((k) => lpad(per[k]!.filter((d) => d <= t).length, 10)).join(" ")}  ${lpad(`${n} (${pct(n, unrel.length)})`, 16)}${mark}`);
    }
    out();
  }

  // ----------------------------------------------------------- the product's video path
  progress("fingerprintVideo on the clips");
  let videoMatch = 0;
  let videoPossible = 0;
  const videoDistances: number[] = [];
  let cuts = 0;
  const cutErrors: number[] = [];
  let framesTotal = 0;
  const origHash = await Promise.all(set.originals.map(async (f) => (await fingerprintImage(f)).hash));
  for (let j = 0; j < set.clips.length; j++) {
    const v = await fingerprintVideo(set.clips[j]!, { tools });
    framesTotal += v.frames.length;
    for (const [which, from, to] of [
      [2 * j, 0, set.secondsEach],
      [2 * j + 1, set.secondsEach, 2 * set.secondsEach],
    ] as const) {
      const inRange = v.frames.filter((f) => f.seconds >= from - 1e-6 && f.seconds < to - 1e-6);
      const best = Math.min(...inRange.map((f) => hamming(f.hash, origHash[which]!)));
      videoDistances.push(best);
      if (verdictFor(best) === "match") videoMatch++;
      if (verdictFor(best) !== "none") videoPossible++;
    }
    const cut = v.frames.find((f) => f.reason === "scene");
    if (cut) {
      cuts++;
      cutErrors.push(Math.abs(cut.seconds - set.secondsEach));
    }
  }
  const vd = [...videoDistances].sort((a, b) => a - b);
  out(`Product video path (fingerprintVideo: every 1 s + scene > ${SCENE_THRESHOLD}, ffmpeg 32x32 area scale) against fingerprintImage of the stills:`);
  out(`  ${set.clips.length} clips of 2 stills x ${set.secondsEach} s: ${framesTotal} frames sampled; best frame per still: match ${videoMatch}/${vd.length}, possible ${videoPossible}/${vd.length}; distance median ${quantile(vd, 0.5)}, max ${vd[vd.length - 1]}`);
  out(`  cuts found as 'scene' frames: ${cuts}/${set.clips.length}; their time vs the true cut: max error ${cutErrors.length ? (Math.max(...cutErrors) * 1000).toFixed(1) : "n/a"} ms`);
  out();

  if (!o.skipLabelFree) for (const l of await labelFreeTable(o, set, unrelated)) out(l);

  // ----------------------------------------------------------- flat frames
  const flats = await flatFrames(path.join(o.dir, "flat"));
  const matchable = [...origHash, ...(await Promise.all(unrelated.map(async (f) => (await fingerprintImage(f)).hash)))];
  out(`Flat frames (lowDetail when the 32x32 grey's std dev < ${LOW_DETAIL_STDDEV}):`);
  out(`  ${pad("frame", 12)} ${pad("hash", 17)} ${pad("std dev", 8)} ${pad("lowDetail", 9)} nearest real image (distance, verdict if it were compared)`);
  const flatHashes: Record<string, string> = {};
  for (const [name, file] of Object.entries(flats)) {
    const f = await fingerprintImage(file);
    flatHashes[name] = f.hash;
    const sd = stddev(await grey(file, HASH_SIZE, HASH_SIZE));
    const nearest = Math.min(...matchable.map((h) => hamming(h, f.hash)));
    out(`  ${pad(name, 12)} ${pad(f.hash, 17)} ${pad(sd.toFixed(2), 8)} ${pad(String(f.lowDetail), 9)} ${nearest} ${verdictFor(nearest)}`);
  }
  const names = Object.keys(flatHashes);
  const pairs: string[] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs.push(`${names[i]}-${names[j]} ${hamming(flatHashes[names[i]!]!, flatHashes[names[j]!]!)}`);
  out(`  distances among them: ${pairs.join(", ")}`);
  const sds = [...orig.map((g) => stddev(g.get(key(32, 32))!)), ...other.map((g) => stddev(g.get(key(32, 32))!))].sort((a, b) => a - b);
  out(`  std dev of the real images (originals, unrelated, samples): min ${sds[0]!.toFixed(1)}, median ${quantile(sds, 0.5).toFixed(1)}`);
  out();

  // ----------------------------------------------------------- distances, index
  const hashes = matchable.slice(0, 64);
  const reps = 1_000_000;
  let sink = 0;
  let t = performance.now();
  for (let i = 0; i < reps; i++) sink += hamming(hashes[i % hashes.length]!, hashes[(i * 7) % hashes.length]!);
  const hamNs = ((performance.now() - t) * 1e6) / reps;
  out(`hamming(hex, hex): ${hamNs.toFixed(0)} ns per call (${reps.toLocaleString("en-US")} calls; checksum ${sink})`);
  const nb: string[] = [];
  for (const r of [1, 2, 3, 4, 5]) {
    const c = chunks16(hashes[0]!)[0];
    neighbours16(c, r);
    t = performance.now();
    const n = 200;
    let len = 0;
    for (let i = 0; i < n; i++) len = neighbours16((c + i) & 0xffff, r).length;
    nb.push(`r=${r}: ${len} values, ${(((performance.now() - t) * 1000) / n).toFixed(0)} us`);
  }
  out(`neighbours16(chunk, r): ${nb.join("; ")}`);
  out(`  a lookup within POSSIBLE_MAX ${POSSIBLE_MAX} probes each of the 4 chunk indexes with radius ${Math.floor(POSSIBLE_MAX / 4)}`);
  out();

  // ----------------------------------------------------------- costs
  if (!o.skipCost) {
    progress("costs");
    const costDir = path.join(o.dir, "cost");
    await mkdir(costDir, { recursive: true });
    const base = await stillPng(424242, [1920, 1080]);
    const files: Array<[string, string]> = [
      ["1280x720 PNG (generated original)", set.originals[0]!],
      ["1920x1080 JPEG q90", path.join(costDir, "hd.jpg")],
      ["3840x2160 JPEG q90", path.join(costDir, "uhd.jpg")],
      ["3840x2160 PNG", path.join(costDir, "uhd.png")],
      ["3840x2160 16-bit TIFF", path.join(costDir, "uhd16.tif")],
    ];
    if (!existsSync(path.join(costDir, "uhd16.tif"))) {
      await sharp(base).jpeg({ quality: 90 }).toFile(path.join(costDir, "hd.jpg"));
      await sharp(base).resize(3840, 2160).jpeg({ quality: 90 }).toFile(path.join(costDir, "uhd.jpg"));
      await sharp(base).resize(3840, 2160).png({ compressionLevel: 6 }).toFile(path.join(costDir, "uhd.png"));
      await sharp(base).resize(3840, 2160).toColourspace("rgb16").tiff({ compression: "lzw" }).toFile(path.join(costDir, "uhd16.tif"));
    }
    out(`fingerprintImage cost (median of runs, one at a time; then two at a time, as a caller with a small pool):`);
    for (const [label, file] of files) {
      const runs = label.startsWith("3840") ? 5 : 15;
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) {
        const s = performance.now();
        await fingerprintImage(file);
        ms.push(performance.now() - s);
      }
      const s2 = performance.now();
      let left = 2 * runs;
      const worker = async (): Promise<void> => {
        while (left-- > 0) await fingerprintImage(file);
      };
      await Promise.all([worker(), worker()]);
      const par = (performance.now() - s2) / (2 * runs);
      out(`  ${pad(label, 36)} ${lpad(median(ms).toFixed(1), 7)} ms    2 at a time: ${lpad(par.toFixed(1), 7)} ms per image`);
    }
    out();

    const long = path.join(costDir, `hd-${o.videoSeconds}s.mp4`);
    if (!existsSync(long)) {
      progress(`encoding a ${o.videoSeconds} s 1080p24 H.264 clip for the video cost`);
      // Moving test pattern with light temporal grain: a broadcast-like bitrate, a
      // cut-free picture, so the scene detector costs what it costs on real footage.
      await ffmpegRun([
        ...["-f", "lavfi", "-i", `testsrc2=size=1920x1080:rate=24:duration=${o.videoSeconds},noise=alls=8:allf=t`],
        ...["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", long],
      ]);
    }
    const perMinute = 60 / o.videoSeconds;
    const row = async (label: string, fn: () => Promise<number>): Promise<void> => {
      const m = await measure(fn);
      const u = m.usage;
      out(
        `  ${pad(label, 44)} ${lpad((u.seconds * perMinute).toFixed(1), 6)} s wall per minute of video   CPU ${(((u.cpuSelf ?? 0) + (u.cpuChildren ?? 0)) * perMinute).toFixed(1)} s/min   frames ${lpad(m.value || "-", 4)}   other load ${u.otherLoadCores?.toFixed(2) ?? "n/a"} cores`,
      );
    };
    out(`Video cost: ${o.videoSeconds} s of 1920x1080 24 fps H.264 (High, CRF 23, ~${((await fileSize(long)) * 8 / o.videoSeconds / 1e6).toFixed(1)} Mb/s), 2 cores, scaled to a minute:`);
    await row("decode only (ffmpeg -f null)", async () => {
      await ffmpegRun(["-i", long, "-an", "-f", "null", "-"], tools.ffmpeg);
      return 0;
    });
    await row(`fingerprintVideo, every 1 s + scene > ${SCENE_THRESHOLD}`, async () => (await fingerprintVideo(long, { tools })).frames.length);
    await row("fingerprintVideo, every 1 s, no scene", async () => (await fingerprintVideo(long, { tools, sceneThreshold: 0 })).frames.length);
    await row(`fingerprintVideo, every 2 s + scene > ${SCENE_THRESHOLD}`, async () => (await fingerprintVideo(long, { tools, everySeconds: 2 })).frames.length);
    out();
  }

  process.stdout.write(lines.join("\n") + "\n");
  if (o.clean) await rm(o.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------
// Label-free copies (issue 14): recall and false matches per kind of copy, through the
// product's own path (fingerprintPath as ingest makes the rows, GenAIFingerprints.near as
// the sweep compares), for today's code and, with --baseline, the code before.

interface Engine {
  label: string;
  fingerprintPath: (p: string, opts: { video: boolean; everySeconds: number }, now: string) => Promise<{ info: { state: string; reason: string | null }; frames: Array<{ seconds: number | null; hash: string; lowDetail: boolean; turns?: string | null }> } | null>;
  GenAIFingerprints: new (rows: GenAIFingerprintRow[]) => { near(hash: string, max: number, turns?: string | null): Near };
  lookalikes: (probes: Probe[], near: Near[], limits: { match: number; possible: number }) => Array<{ assetId: number; distance: number; verdict: "match" | "possible"; turn?: string }>;
}

const CLIPS = 10;
// Half-way between 0.25 s samples and nearly 1 s from the 2 s ones: the worst case for both.
const GRABS = [1.125, 3.125, 5.125];
const EVERY = 2; // the configuration's default fingerprint.everySeconds

async function engineFrom(dist: string, label: string): Promise<Engine> {
  const perceptual = (await import(path.join(dist, "src/app/perceptual.js"))) as Pick<Engine, "fingerprintPath">;
  const likeness = (await import(path.join(dist, "src/domain/likeness.js"))) as Pick<Engine, "GenAIFingerprints" | "lookalikes">;
  return { label, fingerprintPath: perceptual.fingerprintPath, GenAIFingerprints: likeness.GenAIFingerprints, lookalikes: likeness.lookalikes };
}

async function labelFreeTable(o: Options, set: GeneratedSet, unrelated: readonly string[]): Promise<string[]> {
  const lfDir = path.join(o.dir, "label-free");
  const copies: Record<string, string[]> = {};
  for (const t of LABEL_FREE) {
    await mkdir(path.join(lfDir, t.kind), { recursive: true });
    copies[t.kind] = [];
    for (let i = 0; i < set.originals.length; i++) {
      const f = path.join(lfDir, t.kind, `still-${String(i).padStart(3, "0")}.${t.ext}`);
      if (!existsSync(f)) await t.make(set.originals[i]!, f);
      copies[t.kind]!.push(f);
    }
  }
  progress("label-free copies made; GenAI motion clips and frame grabs");
  const clips: string[] = [];
  const grabs: Array<{ file: string; clip: number }> = [];
  await mkdir(path.join(lfDir, "motion"), { recursive: true });
  for (let j = 0; j < Math.min(CLIPS, set.originals.length); j++) {
    const clip = path.join(lfDir, "motion", `clip-${j}.mp4`);
    if (!existsSync(clip)) await motionClip(set.originals[j]!, clip);
    clips.push(clip);
    for (const t of GRABS) {
      const g = path.join(lfDir, "motion", `clip-${j}-at-${t}s.png`);
      if (!existsSync(g)) await frameGrab(clip, t, g);
      grabs.push({ file: g, clip: j });
    }
  }
  const engines: Engine[] = [];
  if (o.baseline) engines.push(await engineFrom(o.baseline, "before"));
  engines.push(await engineFrom(path.join(repo, "dist"), "today"));
  const now = new Date().toISOString();
  const opts = { video: true, everySeconds: EVERY };
  const kinds = [...LABEL_FREE.map((t) => t.kind), "frame-grab"];
  const results: Record<string, Record<string, string>> = {};
  const unrel: Record<string, string> = {};
  const notes: string[] = [];
  const turnNotes: string[] = [];
  const turned = new Map<string, number>();
  const falseTurns = new Map<string, number>();
  for (const e of engines) {
    progress(`label-free: ${e.label}`);
    const rows: GenAIFingerprintRow[] = [];
    let id = 0;
    const add = async (file: string, assetId: number): Promise<void> => {
      const f = await e.fingerprintPath(file, opts, now);
      for (const fr of f?.frames ?? []) rows.push({ id: ++id, asset_id: assetId, seconds: fr.seconds, hash: fr.hash, low_detail: fr.lowDetail ? 1 : 0, sha256: String(assetId), origin: "genai", status: null });
    };
    for (let i = 0; i < set.originals.length; i++) await add(set.originals[i]!, i + 1);
    for (let j = 0; j < clips.length; j++) await add(clips[j]!, 1000 + j);
    const genai = new e.GenAIFingerprints(rows);
    // The GenAI assets the file looks like, by the product's rules (lookalikes: flat frames never match).
    const probe = async (file: string): Promise<{ best: Map<number, { d: number; verdict: string; turn: string }>; state: string }> => {
      const f = await e.fingerprintPath(file, opts, now);
      const probes: Probe[] = (f?.frames ?? []).map((fr) => ({ seconds: fr.seconds, hash: fr.hash, lowDetail: fr.lowDetail, turns: fr.turns ?? null }));
      const near = probes.map((p) => (p.lowDetail ? [] : genai.near(p.hash, POSSIBLE_MAX, p.turns)));
      const best = new Map<number, { d: number; verdict: string; turn: string }>();
      for (const m of e.lookalikes(probes, near, { match: MATCH_MAX, possible: POSSIBLE_MAX })) best.set(m.assetId, { d: m.distance, verdict: m.verdict, turn: m.turn ?? "as is" });
      return { best, state: f ? f.info.state + (f.info.reason ? ` (${f.info.reason})` : "") : "null" };
    };
    results[e.label] = {};
    for (const k of kinds) {
      const cases = k === "frame-grab" ? grabs.map((g) => ({ file: g.file, want: 1000 + g.clip })) : copies[k]!.map((file, i) => ({ file, want: i + 1 }));
      let match = 0;
      let possible = 0;
      let wrong = 0;
      const ds: number[] = [];
      for (const c of cases) {
        const { best, state } = await probe(c.file);
        const hit = best.get(c.want);
        if (hit) ds.push(hit.d);
        if (hit?.verdict === "match") match++;
        if (hit) possible++;
        if (hit && hit.turn !== "as is") turned.set(hit.turn, (turned.get(hit.turn) ?? 0) + 1);
        for (const [a, v] of best) if (a !== c.want && v.verdict === "match") wrong++;
        if (!state.startsWith("done") && notes.length < 6) notes.push(`${e.label} ${k}: ${path.basename(c.file)}: ${state}`);
        if (state.startsWith("done (") && k.startsWith("truncated") && notes.length < 12 && !notes.some((n) => n.startsWith(`${e.label} ${k}`))) notes.push(`${e.label} ${k}: ${state}`);
      }
      ds.sort((a, b) => a - b);
      results[e.label]![k] = `${match}/${possible}/${cases.length}${ds.length ? ` med ${quantile(ds, 0.5)}` : ""}${wrong ? ` +${wrong} wrong` : ""}`;
      if (turned.size > 0) turnNotes.push(`${e.label} ${k}: found turned: ${[...turned].map(([t, n]) => `${t} ${n}`).join(", ")}`);
      turned.clear();
    }
    let fm = 0;
    let fp = 0;
    let pairsM = 0;
    let pairsP = 0;
    for (const f of unrelated) {
      const { best } = await probe(f);
      const vs = [...best.values()];
      if (vs.some((v) => v.verdict === "match")) fm++;
      if (vs.length > 0) fp++;
      pairsM += vs.filter((v) => v.verdict === "match").length;
      pairsP += vs.length;
      for (const v of vs) falseTurns.set(v.turn, (falseTurns.get(v.turn) ?? 0) + 1);
    }
    const nPairs = unrelated.length * (set.originals.length + clips.length);
    unrel[e.label] = `${fm}/${fp} of ${unrelated.length} stills; pairs ${pairsM}/${pairsP} of ${nPairs} (${pct(pairsM, nPairs)}/${pct(pairsP, nPairs)})${falseTurns.size ? `; by turn: ${[...falseTurns].map(([t, n]) => `${t} ${n}`).join(", ")}` : ""}`;
    falseTurns.clear();
  }
  const lines: string[] = [];
  lines.push(`Label-free copies of ${set.originals.length} GenAI stills, found through the product path (fingerprintPath rows, GenAIFingerprints.near as the sweep and gate compare):`);
  for (const t of LABEL_FREE) lines.push(`  ${pad(t.kind, 13)} ${t.what}`);
  lines.push(`  ${pad("frame-grab", 13)} PNG frame at ${GRABS.join(", ")} s of ${clips.length} 6 s 1280x720 H.264 camera moves over a still (recorded as GenAI videos, sampled every ${EVERY} s as configured by default)`);
  lines.push(`  cells: match/possible/of (match <= ${MATCH_MAX}, possible <= ${POSSIBLE_MAX}), median distance of those found, and copies also matching another GenAI asset`);
  lines.push(`  ${pad("kind", 13)} ${engines.map((e) => pad(e.label, 30)).join(" ")}`);
  for (const k of kinds) lines.push(`  ${pad(k, 13)} ${engines.map((e) => pad(results[e.label]![k]!, 30)).join(" ")}`);
  for (const e of engines) lines.push(`  unrelated probes (${e.label}): with a false match/possible ${unrel[e.label]}`);
  for (const n of [...turnNotes, ...notes]) lines.push(`  note: ${n}`);
  // Dihedral from bits: how far the turns derived from a stored hash alone (rows made before
  // turns were stored) land from the exact ones made from the DCT coefficients.
  const fromBits: number[] = [];
  for (const f of set.originals) {
    const fr = (await fingerprintPath(f, opts, now))?.frames[0];
    const exact = fr ? unpackTurns(fr.hash, fr.turns) : null;
    if (!fr || !exact) continue;
    DIHEDRAL.forEach((g, k) => k > 0 && fromBits.push(hamming(dihedralOfHash(fr.hash, g), exact[k]!)));
  }
  fromBits.sort((a, b) => a - b);
  if (fromBits.length > 0) lines.push(`  dihedral from bits (older rows): ${fromBits.length} turned hashes of the originals, off the exact ones by median ${quantile(fromBits, 0.5)}, p95 ${quantile(fromBits, 0.95)}, max ${fromBits.at(-1)} bits`);
  lines.push("");
  return lines;
}

async function fileSize(file: string): Promise<number> {
  return (await stat(file)).size;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench fingerprint: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
