// The benchmark tree: N small but real images (JPEG via jpeg-js, PNG via node:zlib) over
// 20 folders, a copy of samples/ (real GenAI labels, QuickTime, WAV) and one big WAV of
// pseudo-random essence. Deterministic, so a reused tree is the same tree; generated
// under a temporary name and renamed, so an interrupted run never leaves a half tree
// that looks complete.

import { createCipheriv } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { copyFile, mkdir, open, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";
import jpeg from "jpeg-js";

export interface TreeSpec {
  files: number;
  bigBytes: number;
  /** Repository samples/ folder to copy in, or null when it is missing. */
  samplesDir: string | null;
}

export interface Tree {
  root: string;
  images: number;
  samples: number;
  bigFile: string;
  bigBytes: number;
  reused: boolean;
  generateSeconds: number;
}

/** Bump when the generator changes, so an old tree is regenerated rather than reused. */
const FORMAT = 1;
const FOLDERS = 20;
const MARKER = ".prov-bench.json";
const WAV_HEADER = 44;
/** RIFF sizes are 32-bit; a bigger file would need RF64. */
export const MAX_BIG_BYTES = 0xffff_ffff - 8;

interface Marker {
  format: number;
  files: number;
  bigBytes: number;
  samples: string[];
}

/** Media only: a README or JSON in samples/ would be read by `exiftool -r` but skipped by prov, and the counts would differ. */
const SAMPLE_MEDIA = /\.(jpe?g|png|tiff?|webp|mov|mp4|wav|aiff?)$/i;

/** Round to whole 16-bit stereo frames (4 bytes) so the WAV is valid. */
export function bigBytesFor(gib: number): number {
  return WAV_HEADER + Math.floor((gib * 1024 ** 3 - WAV_HEADER) / 4) * 4;
}

/** Remove an interrupted generation. Called from a signal handler: synchronous on purpose. */
export function removePartial(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith("tree.partial-")) rmSync(path.join(dir, name), { recursive: true, force: true });
}

/**
 * Reuse `dir/tree` when `dir/.prov-bench.json` says it was made with the same spec;
 * otherwise (re)generate it. A non-empty `dir` without the marker is not ours: refuse
 * rather than delete someone's files.
 */
export async function prepareTree(dir: string, spec: TreeSpec, progress: (msg: string) => void): Promise<Tree> {
  const samples = spec.samplesDir
    ? (await readdir(spec.samplesDir, { withFileTypes: true })).filter((d) => d.isFile() && SAMPLE_MEDIA.test(d.name)).map((d) => d.name).sort()
    : [];
  const want: Marker = { format: FORMAT, files: spec.files, bigBytes: spec.bigBytes, samples };
  const treeDir = path.join(dir, "tree");
  const bigFile = path.join(treeDir, "essence", "long-take.wav");
  const result = (reused: boolean, seconds: number): Tree => ({
    root: treeDir, images: spec.files, samples: samples.length, bigFile, bigBytes: spec.bigBytes, reused, generateSeconds: seconds,
  });

  const markerPath = path.join(dir, MARKER);
  const have = readMarker(markerPath);
  if (have && JSON.stringify(have) === JSON.stringify(want) && existsSync(treeDir)) return result(true, 0);
  if (!have && existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new Error(`${dir} exists, is not empty and has no ${MARKER}: not a benchmark tree, refusing to overwrite it (pick another --dir)`);
  }

  const started = performance.now();
  await mkdir(dir, { recursive: true });
  await rm(markerPath, { force: true });
  await rm(treeDir, { recursive: true, force: true });
  const partial = path.join(dir, `tree.partial-${process.pid}`);
  await mkdir(partial, { recursive: true });

  progress(`generating ${spec.files} images in ${FOLDERS} folders`);
  const folders = Array.from({ length: FOLDERS }, (_, i) => `reel_${String(i + 1).padStart(2, "0")}`);
  for (const f of folders) await mkdir(path.join(partial, f));
  for (let i = 0; i < spec.files; i++) {
    const { name, bytes } = makeImage(i);
    await writeFile(path.join(partial, folders[i % FOLDERS]!, name), bytes);
    // jpeg-js sets up its tables on every encode (~25 ms an image): say that it is moving.
    if ((i + 1) % 500 === 0 && i + 1 < spec.files) progress(`  ${i + 1} of ${spec.files} images`);
  }

  if (spec.samplesDir && samples.length > 0) {
    await mkdir(path.join(partial, "samples"));
    for (const n of samples) await copyFile(path.join(spec.samplesDir, n), path.join(partial, "samples", n));
  }

  progress(`writing ${(spec.bigBytes / 1024 ** 3).toFixed(2)} GiB WAV`);
  await mkdir(path.join(partial, "essence"));
  await writeBigWav(path.join(partial, "essence", path.basename(bigFile)), spec.bigBytes);

  await rename(partial, treeDir);
  await writeFile(markerPath, JSON.stringify(want) + "\n");
  return result(false, (performance.now() - started) / 1000);
}

function readMarker(p: string): Marker | null {
  try {
    return JSON.parse(readFileSync(p, "utf8")) as Marker;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Small images

/** mulberry32: tiny, seedable, good enough to make every image's pixels different. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A gradient with a seeded tint and grain: compresses like a real frame, never repeats. */
function pixels(seed: number, width: number, height: number, channels: 3 | 4): Buffer {
  const r = rng(seed);
  const tint = [r() * 255, r() * 255, r() * 255];
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      for (let c = 0; c < 3; c++) out[o + c] = Math.max(0, Math.min(255, ((x + y) * 255) / (width + height) * 0.5 + tint[c]! * 0.5 + (r() - 0.5) * 40));
      if (channels === 4) out[o + 3] = 255;
    }
  }
  return out;
}

/**
 * Three JPEGs in four, one PNG in four. Metadata rotates so ExifTool parses a realistic
 * mix: EXIF camera fields, XMP with an IPTC DigitalSourceType, JPEG comments, PNG text,
 * and every tenth PNG carries AUTOMATIC1111 "parameters" (a GenAI label).
 */
function makeImage(i: number): { name: string; bytes: Buffer } {
  const base = `shot_${String(i + 1).padStart(5, "0")}_v001`;
  const width = i % 2 === 0 ? 64 : 96;
  const height = i % 2 === 0 ? 48 : 64;
  if (i % 4 === 3) {
    const text: [string, string][] = [["Software", "prov-bench"]];
    if (i % 40 === 3) {
      text.push(["parameters", `matte painting of a harbour at dawn\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: ${i}, Size: ${width}x${height}, Model: bench-model`]);
    } else if (i % 8 === 7) text.push(["Comment", `plate ${i}`]);
    return { name: `${base}.png`, bytes: png(width, height, pixels(i, width, height, 3), text) };
  }
  const comments = i % 3 === 1 ? [`prov bench frame ${i}`] : [];
  let bytes = jpeg.encode({ width, height, data: pixels(i, width, height, 4), comments }, 80).data;
  const segments: Buffer[] = [];
  if (i % 3 === 0) {
    segments.push(exifApp1({ Make: "BenchCam", Model: `Model ${i % 7}`, Software: "prov-bench 1", DateTime: "2025:03:14 09:41:27", Artist: `Operator ${i % 5}` }));
  }
  if (i % 5 === 0) segments.push(xmpApp1(i));
  if (segments.length > 0) bytes = insertAfterApp0(bytes, segments);
  return { name: `${base}.jpg`, bytes };
}

function png(width: number, height: number, rgb: Buffer, text: [string, string][]): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const out = Buffer.alloc(12 + body.length);
    out.writeUInt32BE(body.length, 0);
    out.write(type, 4, "latin1");
    body.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method variants, no interlace
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) rgb.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3); // filter byte 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...text.map(([k, v]) => chunk("tEXt", Buffer.from(`${k}\0${v}`, "latin1"))),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

const EXIF_TAGS: Record<string, number> = { Make: 0x010f, Model: 0x0110, Software: 0x0131, DateTime: 0x0132, Artist: 0x013b };

/** A big-endian TIFF IFD0 of ASCII tags in an APP1 "Exif" segment. */
function exifApp1(tags: Record<string, string>): Buffer {
  const entries = Object.entries(tags)
    .map(([k, v]) => ({ tag: EXIF_TAGS[k]!, value: Buffer.from(`${v}\0`, "latin1") }))
    .sort((a, b) => a.tag - b.tag);
  const ifdSize = 2 + entries.length * 12 + 4;
  const tiff = Buffer.alloc(8 + ifdSize + entries.reduce((n, e) => n + (e.value.length > 4 ? e.value.length : 0), 0));
  tiff.write("MM", 0, "latin1");
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(entries.length, 8);
  let data = 8 + ifdSize;
  entries.forEach((e, n) => {
    const o = 10 + n * 12;
    tiff.writeUInt16BE(e.tag, o);
    tiff.writeUInt16BE(2, o + 2); // ASCII
    tiff.writeUInt32BE(e.value.length, o + 4);
    if (e.value.length <= 4) e.value.copy(tiff, o + 8);
    else {
      tiff.writeUInt32BE(data, o + 8);
      e.value.copy(tiff, data);
      data += e.value.length;
    }
  });
  return app1(Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]));
}

function xmpApp1(i: number): Buffer {
  const packet =
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:dc="http://purl.org/dc/elements/1.1/"` +
    ` Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture">` +
    `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Bench plate ${i}</rdf:li></rdf:Alt></dc:title>` +
    `</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
  return app1(Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), Buffer.from(packet, "utf8")]));
}

function app1(body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** APP1 segments go after SOI and the JFIF APP0 that jpeg-js writes. */
function insertAfterApp0(jpg: Buffer, segments: Buffer[]): Buffer {
  let at = 2;
  if (jpg.readUInt16BE(2) === 0xffe0) at = 4 + jpg.readUInt16BE(4);
  return Buffer.concat([jpg.subarray(0, at), ...segments, jpg.subarray(at)]);
}

// ---------------------------------------------------------------------------------------
// Big essence file

/**
 * 48 kHz 16-bit stereo PCM WAV. The samples are an AES-128-CTR keystream with a fixed
 * key: deterministic, incompressible (no filesystem or cache shortcut) and generated at
 * GB/s, written in 8 MiB chunks.
 */
async function writeBigWav(file: string, total: number): Promise<void> {
  const dataBytes = total - WAV_HEADER;
  const header = Buffer.alloc(WAV_HEADER);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(total - 8, 4);
  header.write("WAVEfmt ", 8, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22); // channels
  header.writeUInt32LE(48_000, 24);
  header.writeUInt32LE(48_000 * 4, 28); // byte rate
  header.writeUInt16LE(4, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "latin1");
  header.writeUInt32LE(dataBytes, 40);

  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16, 0x5a), Buffer.alloc(16, 0));
  const zeros = Buffer.alloc(8 * 1024 * 1024);
  const fh = await open(file, "w");
  try {
    await fh.write(header);
    for (let left = dataBytes; left > 0; ) {
      const n = Math.min(left, zeros.length);
      await fh.write(cipher.update(n === zeros.length ? zeros : zeros.subarray(0, n)));
      left -= n;
    }
  } finally {
    await fh.close();
  }
}
