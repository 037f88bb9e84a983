// Data after an image's end. ExifTool, sharp and every viewer read the first image in a
// file, so a whole GenAI JPEG appended after a clean one is invisible to them. This walks
// each format's own structure to where the format says the file ends, reports the bytes
// after that, and sniffs the trailing bytes for whole files hidden there.
//
// The walkers are pure generators: they yield "give me bytes [at, at+len)" and are handed
// what is there (shorter at the end of the file). One driver answers from a buffer, one
// from a file handle, so the same parsing code serves tests over buffers and huge files
// read in bounded windows (a 40 GB MP4 costs a few reads: its boxes say how far to skip).

import { open, type FileHandle } from "node:fs/promises";
import { indexOf, latin1, startsWith, u16be, u16le, u32be, u32le, u64be, u64le, u8 } from "./bytes.js";
import { sniffContentType, SNIFF_HEAD_BYTES, type ContentKind } from "./sniff.js";

/** A request for bytes [at, at + len). The answer is shorter only at the end of the data. */
export interface Need {
  at: number;
  len: number;
}

export type Walker = Generator<Need, Walked, Uint8Array>;

/** Where a walked structure ends, and the extra pictures its format declares. */
export interface Walked {
  end: number;
  parts: Part[];
  note?: string;
}

/** A picture the format itself declares after its main image (JPEG multi-picture, MPF). */
export interface Part {
  offset: number;
  length: number;
  format: string;
  declaredBy: "mpf";
}

/** A whole file found in the trailing bytes. */
export interface Embedded {
  offset: number;
  length: number;
  format: string;
  kind: ContentKind;
  /**
   * true: the embedded file's own structure says where it ends. false: its format has no
   * end this module can walk (zip, PDF, TIFF, ...) or it is cut short, so `length` runs
   * to the next thing found or the end of the data.
   */
  lengthKnown: boolean;
}

export interface TrailingReport {
  /** The outer file's format, as sniffed. */
  format: string;
  size: number;
  /** Where the format says the file ends: past its last image and any MPF pictures it declares. */
  end: number;
  /** Bytes after `end`. */
  trailing: number;
  parts: Part[];
  embedded: Embedded[];
  /** How many of the trailing bytes were searched for embedded files (at most maxScanBytes). */
  scanned: number;
  /** Bytes read from the file in all, to show the reading stayed bounded. */
  bytesRead: number;
  note?: string;
}

export interface TrailingOptions {
  /** Search at most this many trailing bytes for embedded files. */
  maxScanBytes?: number;
}

export const DEFAULT_MAX_SCAN_BYTES = 256 * 1024 * 1024;
/** Walkers ask for at most this much at once (one window), so memory stays bounded. */
export const WINDOW = 64 * 1024;

/** Something in the structure is wrong or missing; says which format, where and what. */
export class StructureError extends Error {
  constructor(
    readonly format: string,
    readonly offset: number,
    message: string,
  ) {
    super(`${format} at byte ${offset}: ${message}`);
    this.name = "StructureError";
  }
}

/** The formats whose end this module can walk to. */
export const WALKABLE = ["jpeg", "png", "gif", "webp", "wav", "avi", "bmp", "mp4", "mov", "m4a", "3gp", "heic", "heif", "avif", "cr3", "jxl", "jp2", "mkv", "webm"] as const;

export function walkerFor(format: string, base: number, size: number): Walker | null {
  switch (format) {
    case "jpeg":
      return walkJpeg(base, true);
    case "png":
      return walkPng(base);
    case "gif":
      return walkGif(base);
    case "webp":
    case "wav":
    case "avi":
      return walkRiff(base, size, format);
    case "bmp":
      return walkBmp(base, size);
    case "mp4":
    case "mov":
    case "m4a":
    case "3gp":
    case "heic":
    case "heif":
    case "avif":
    case "cr3":
    case "jxl":
    case "jp2":
      return walkBoxes(base, size, format);
    case "mkv":
    case "webm":
      return walkEbml(base, size, format);
    default:
      return null;
  }
}

// ------------------------------------------------------------------------- drivers

/** A pull parser: yields what it needs to read, returns its answer. */
export type Pull<T> = Generator<Need, T, Uint8Array>;

/** No walker or scanner asks for more than this at once; a bigger ask is a bug here, not bad input. */
const MAX_REQUEST = 4 * WINDOW;

function checkRequest({ at, len }: Need): void {
  if (!Number.isSafeInteger(at) || at < 0 || !Number.isSafeInteger(len) || len < 0 || len > MAX_REQUEST) {
    throw new Error(`internal error: a parser asked for ${len} bytes at ${at} (at most ${MAX_REQUEST} at once)`);
  }
}

/** Run a pull parser over bytes in memory. */
export function runOnBuffer<T>(parser: Pull<T>, data: Uint8Array, counter = { bytes: 0 }): T {
  let step = parser.next();
  while (!step.done) {
    checkRequest(step.value);
    const { at, len } = step.value;
    const got = data.subarray(Math.min(at, data.length), Math.min(at + len, data.length));
    counter.bytes += got.length;
    step = parser.next(got);
  }
  return step.value;
}

/** Run a pull parser over an open file, one bounded read per request. */
export async function runOnFile<T>(parser: Pull<T>, fh: FileHandle, size: number, counter = { bytes: 0 }): Promise<T> {
  let step = parser.next();
  while (!step.done) {
    checkRequest(step.value);
    step = parser.next(await readAt(fh, size, step.value.at, step.value.len, counter));
  }
  return step.value;
}

async function readAt(fh: FileHandle, size: number, at: number, len: number, counter: { bytes: number }): Promise<Uint8Array> {
  const n = Math.max(0, Math.min(len, size - at));
  const buf = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(buf, got, n - got, at + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  counter.bytes += got;
  return buf.subarray(0, got);
}

// ---------------------------------------------------------------------- entry points

/**
 * The whole analysis as one pull parser: sniff, walk to the end, search what follows.
 * null: this module cannot tell where such a file ends (TIFF, PDF, MP3, ...).
 */
export function* analyse(size: number, maxScanBytes: number): Pull<Omit<TrailingReport, "bytesRead"> | null> {
  const head = yield { at: 0, len: Math.min(SNIFF_HEAD_BYTES, size) };
  const tail = yield { at: Math.max(0, size - 26), len: 26 };
  const type = sniffContentType(head, tail, size);
  const walker = walkerFor(type.format, 0, size);
  if (!walker) return null;
  const walked = yield* walker;
  const found = yield* scanTrailing(walked.end, size, maxScanBytes);
  const out: Omit<TrailingReport, "bytesRead"> = {
    format: type.format,
    size,
    end: walked.end,
    trailing: size - walked.end,
    parts: walked.parts,
    embedded: found.embedded,
    scanned: found.scanned,
  };
  const notes = [walked.note, found.note].filter((n): n is string => n !== undefined);
  if (notes.length > 0) out.note = notes.join("; ");
  return out;
}

/** The trailing-data report for bytes in memory; null if the format is not walkable. */
export function trailingOfBuffer(data: Uint8Array, opts: TrailingOptions = {}): TrailingReport | null {
  const counter = { bytes: 0 };
  const r = runOnBuffer(analyse(data.length, opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES), data, counter);
  return r && { ...r, bytesRead: counter.bytes };
}

/** The trailing-data report for a file, read in bounded windows; null if the format is not walkable. */
export async function trailingOfFile(path: string, opts: TrailingOptions = {}): Promise<TrailingReport | null> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const counter = { bytes: 0 };
    const r = await runOnFile(analyse(size, opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES), fh, size, counter);
    return r && { ...r, bytesRead: counter.bytes };
  } finally {
    await fh.close();
  }
}

// ------------------------------------------------------------- embedded-file search

/**
 * Byte patterns that may start a whole file, each tied to the formats sniff may call it.
 * `back` is how far before the pattern the file starts (ISO-BMFF's "ftyp" is at +4).
 */
const SIGNATURES: ReadonlyArray<{ sig: readonly number[]; back: number; formats: readonly string[] }> = [
  { sig: [0xff, 0xd8, 0xff], back: 0, formats: ["jpeg"] },
  { sig: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], back: 0, formats: ["png"] },
  { sig: ascii("GIF8"), back: 0, formats: ["gif"] },
  { sig: ascii("RIFF"), back: 0, formats: ["webp", "wav", "avi"] },
  { sig: ascii("ftyp"), back: 4, formats: ["mp4", "mov", "m4a", "3gp", "heic", "heif", "avif", "cr3"] },
  { sig: [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20], back: 0, formats: ["jxl"] },
  { sig: [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20], back: 0, formats: ["jp2"] },
  { sig: [0x1a, 0x45, 0xdf, 0xa3], back: 0, formats: ["mkv", "webm"] },
  { sig: [0x50, 0x4b, 0x03, 0x04], back: 0, formats: ["zip"] },
  { sig: ascii("%PDF-"), back: 0, formats: ["pdf"] },
  { sig: ascii("8BPS"), back: 0, formats: ["psd"] },
  { sig: [0x49, 0x49, 0x2a, 0x00], back: 0, formats: ["tiff"] },
  { sig: [0x4d, 0x4d, 0x00, 0x2a], back: 0, formats: ["tiff"] },
  { sig: [0x76, 0x2f, 0x31, 0x01], back: 0, formats: ["exr"] },
  { sig: ascii("SDPX"), back: 0, formats: ["dpx"] },
  { sig: ascii("BM"), back: 0, formats: ["bmp"] },
  { sig: ascii("qoif"), back: 0, formats: ["qoi"] },
  { sig: ascii("fLaC"), back: 0, formats: ["flac"] },
  { sig: ascii("OggS"), back: 0, formats: ["ogg"] },
  { sig: [0x1f, 0x8b, 0x08], back: 0, formats: ["gzip"] },
];

/** Formats too weakly signed to believe in the middle of other data unless their structure walks. */
const MUST_WALK = new Set(["bmp", "gzip"]);

function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}

const SCAN_WINDOW = 4 * WINDOW;
/** Windows overlap by the longest signature plus its back-offset, so a split signature is seen. */
const SCAN_OVERLAP = 16;

/**
 * Search [start, start + maxScan) for whole files. A candidate is a signature whose bytes
 * sniff as that format; a walkable one must walk (then the search skips past it, so the
 * thumbnails inside an embedded JPEG are part of it); an unwalkable one (zip, PDF, TIFF)
 * is recorded with its length unknown and the search goes on just after its signature.
 */
function* scanTrailing(start: number, size: number, maxScan: number): Pull<{ embedded: Embedded[]; scanned: number; note?: string }> {
  let limit = Math.min(size, start + maxScan);
  const embedded: Embedded[] = [];
  const meter = { bytes: 0, max: WALK_FACTOR * (limit - start) + SCAN_WINDOW };
  let windowAt = start;
  let window: Uint8Array = new Uint8Array(0);
  // A short read means the file ended early (it shrank while being read): stop there.
  function* load(at: number): Pull<void> {
    windowAt = at;
    const want = Math.min(SCAN_WINDOW, limit - at);
    window = yield { at, len: want };
    if (window.length < want) limit = at + window.length;
  }
  yield* load(start);
  // Next occurrence of each signature in the current window (absolute file offset of the
  // file start it implies), so each signature is searched once per window, not per candidate.
  let next: number[] = [];
  const refresh = (from: number): void => {
    next = SIGNATURES.map(({ sig, back }, i) => {
      const cached = next[i];
      if (cached !== undefined && cached >= from) return cached;
      const j = indexOf(window, sig, Math.max(0, from - windowAt + back));
      return j < 0 ? Number.POSITIVE_INFINITY : windowAt + j - back;
    });
  };
  let pos = start;
  refresh(pos);
  while (pos < limit) {
    const c = Math.min(...next);
    // Candidates in the last SCAN_OVERLAP bytes of a window are found again in the next one.
    const windowEnd = windowAt + window.length;
    const lastWindow = windowEnd >= limit;
    if (c === Number.POSITIVE_INFINITY || (!lastWindow && c >= windowEnd - SCAN_OVERLAP)) {
      if (lastWindow) break;
      yield* load(Math.max(pos, windowEnd - SCAN_OVERLAP));
      next = [];
      pos = windowAt;
      refresh(pos);
      continue;
    }
    if (c >= limit) break;
    // Walking candidates may read far past them (a fake JPEG header before megabytes of
    // zeros is walked to the end); the walks together may read at most WALK_FACTOR times
    // the searched span, so crafted trailing data cannot make the search quadratic.
    let after: number | undefined;
    try {
      after = yield* metered(classify(c, start, size, embedded), meter);
    } catch (err) {
      if (!(err instanceof WalkBudgetExceeded)) throw err;
      return {
        embedded: closeOpenLengths(embedded, size),
        scanned: c - start,
        note: `the search for embedded files stopped at byte ${c}: candidates there took more than ${WALK_FACTOR} times the searched bytes to walk`,
      };
    }
    pos = after ?? c + 1;
    if (pos >= limit) break;
    if (pos >= windowAt + window.length) {
      yield* load(pos);
      next = [];
    }
    refresh(pos);
  }
  return { embedded: closeOpenLengths(embedded, size), scanned: limit - start };
}

const WALK_FACTOR = 4;

class WalkBudgetExceeded extends Error {}

/** Forward a parser's requests, counting them; stop it when the meter runs out. */
function* metered<T>(parser: Pull<T>, meter: { bytes: number; max: number }): Pull<T> {
  let step = parser.next();
  while (!step.done) {
    const got: Uint8Array = yield step.value;
    meter.bytes += got.length;
    if (meter.bytes > meter.max) throw new WalkBudgetExceeded(); // the parser is just dropped: it holds nothing
    step = parser.next(got);
  }
  return step.value;
}

/**
 * Is the candidate at `c` an embedded file? Record it and return where to search next,
 * or return undefined to go on one byte further.
 */
function* classify(c: number, start: number, size: number, embedded: Embedded[]): Pull<number | undefined> {
  const head = yield { at: c, len: Math.min(SNIFF_HEAD_BYTES, size - c) };
  const type = sniffContentType(head);
  if (type.kind === "unknown") return undefined;
  const signature = SIGNATURES.find((s) => s.formats.includes(type.format));
  if (!signature) return undefined;
  const atBoundary = c === start || embedded.some((e) => e.lengthKnown && e.offset + e.length === c);
  const walker = walkerFor(type.format, c, size);
  let walkFailed = false;
  if (walker) {
    try {
      const walked = yield* walker;
      embedded.push({ offset: c, length: walked.end - c, format: type.format, kind: type.kind, lengthKnown: true });
      return walked.end;
    } catch (err) {
      if (!(err instanceof StructureError)) throw err;
      walkFailed = true;
    }
  }
  // A walkable format that does not walk is either random bytes that look like a
  // signature, or a file cut short: believe the latter only where a file would start.
  if ((walkFailed || MUST_WALK.has(type.format)) && !atBoundary) return undefined;
  if (type.confidence !== "magic") return undefined;
  embedded.push({ offset: c, length: -1, format: type.format, kind: type.kind, lengthKnown: false });
  return c + signature.sig.length - signature.back;
}

/** Unknown lengths run to the next embedded file, or to the end of the data. */
function closeOpenLengths(embedded: Embedded[], size: number): Embedded[] {
  return embedded.map((e, i) => (e.length >= 0 ? e : { ...e, length: (embedded[i + 1]?.offset ?? size) - e.offset }));
}

// ----------------------------------------------------------------------- the walkers

/** A one-window cache so small reads (GIF sub-blocks, PNG chunk headers) cost one request per window. */
class Window {
  at = 0;
  buf: Uint8Array = new Uint8Array(0);
}

function* get(w: Window, at: number, len: number): Generator<Need, Uint8Array, Uint8Array> {
  if (at >= w.at && at + len <= w.at + w.buf.length) return w.buf.subarray(at - w.at, at - w.at + len);
  const got = yield { at, len: Math.max(len, WINDOW) };
  w.at = at;
  w.buf = got;
  return got.subarray(0, len);
}

/** Exactly `len` bytes at `at`, or a StructureError saying the file ends first. */
function* need(w: Window, at: number, len: number, format: string, what: string): Generator<Need, Uint8Array, Uint8Array> {
  const b = yield* get(w, at, len);
  if (b.length < len) throw new StructureError(format, at, `the file ends inside ${what}`);
  return b;
}

/**
 * JPEG: marker segments to EOI. Segment lengths are followed, never searched, so an EXIF
 * thumbnail (a whole JPEG inside APP1) or a FlashPix/MPF preview inside APP2 is skipped
 * with its segment. After SOS the entropy-coded data is scanned for the next marker:
 * FF00 is a stuffed byte and FFD0..FFD7 are restart markers, both part of the scan.
 * With `mpf`, the pictures an MPF index (APP2 "MPF\0") declares after EOI are walked too
 * and the end moves past them, as long as they follow on (at most 4 KiB of padding).
 */
export function* walkJpeg(base: number, mpf: boolean): Walker {
  const F = "jpeg";
  const w = new Window();
  const soi = yield* need(w, base, 2, F, "the start-of-image marker");
  if (soi[0] !== 0xff || soi[1] !== 0xd8) throw new StructureError(F, base, "no start-of-image marker (FF D8)");
  let pos = base + 2;
  const declared: Array<{ offset: number; size: number }> = [];
  for (;;) {
    const m = yield* need(w, pos, 2, F, "a marker");
    if (m[0] !== 0xff) throw new StructureError(F, pos, `expected a marker, found byte 0x${hex(m[0]!)}`);
    const marker = m[1]!;
    if (marker === 0xff) {
      pos += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      const eoi = pos + 2;
      if (!mpf || declared.length === 0) return { end: eoi, parts: [] };
      return yield* followMpf(w, eoi, declared);
    }
    if (marker === 0xd8) throw new StructureError(F, pos, "a second start-of-image marker before end-of-image");
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      pos += 2; // standalone markers carry no length
      continue;
    }
    if (marker === 0x00) throw new StructureError(F, pos, "stuffed byte FF00 outside entropy-coded data");
    const lenBytes = yield* need(w, pos + 2, 2, F, "a segment length");
    const len = u16be(lenBytes, 0)!;
    if (len < 2) throw new StructureError(F, pos, `segment FF${hex(marker)} has length ${len}`);
    if (marker === 0xe2 && mpf && len >= 8) {
      const seg = yield* need(w, pos + 4, len - 2, F, "an APP2 segment");
      if (startsWith(seg, "MPF\0")) declared.push(...mpfEntries(seg.subarray(4), pos + 8));
    }
    pos += 2 + len;
    if (marker === 0xda) pos = yield* skipEntropy(w, pos);
  }
}

/** Scan entropy-coded data for the FF that starts the next real marker. */
function* skipEntropy(w: Window, from: number): Generator<Need, number, Uint8Array> {
  let pos = from;
  for (;;) {
    const chunk = yield* get(w, pos, WINDOW);
    if (chunk.length === 0) throw new StructureError("jpeg", pos, "the file ends inside entropy-coded data, before end-of-image");
    let i = 0;
    for (;;) {
      i = indexOf(chunk, [0xff], i);
      if (i < 0 || i + 1 >= chunk.length) break;
      const next = chunk[i + 1]!;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        i += 2; // stuffed zero or restart marker: still the scan
        continue;
      }
      if (next === 0xff) {
        i += 1; // fill bytes before a marker
        continue;
      }
      return pos + i;
    }
    // Keep a trailing FF for the next window so FF|xx split across windows is seen.
    const consumed = i >= 0 && i + 1 >= chunk.length ? i : chunk.length;
    if (consumed === 0 && chunk.length === 1) throw new StructureError("jpeg", pos, "the file ends inside entropy-coded data, before end-of-image");
    pos += consumed;
  }
}

/** MP entries from an MPF APP2 payload (after "MPF\0"); offsets are relative to its TIFF header. */
function mpfEntries(tiff: Uint8Array, tiffAt: number): Array<{ offset: number; size: number }> {
  const le = startsWith(tiff, "II*\0");
  if (!le && !startsWith(tiff, "MM\0*")) return [];
  const r16 = (at: number): number | undefined => (le ? u16le(tiff, at) : u16be(tiff, at));
  const r32 = (at: number): number | undefined => (le ? u32le(tiff, at) : u32be(tiff, at));
  const ifd = r32(4);
  const count = ifd === undefined ? undefined : r16(ifd);
  if (ifd === undefined || count === undefined) return [];
  const out: Array<{ offset: number; size: number }> = [];
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + 12 * i;
    if (r16(e) !== 0xb002) continue; // MPEntry: 16 bytes per picture
    const bytes = r32(e + 4) ?? 0;
    const at = r32(e + 8) ?? 0;
    for (let j = 0; j + 16 <= bytes; j += 16) {
      const size = r32(at + j + 4);
      const offset = r32(at + j + 8);
      // Offset 0 is the primary picture, the one just walked.
      if (size !== undefined && offset !== undefined && offset !== 0) out.push({ offset: tiffAt + offset, size });
    }
  }
  return out;
}

const MPF_MAX_GAP = 4096;

/** Extend the end over MPF-declared pictures that follow on; each must walk as a JPEG. */
function* followMpf(w: Window, eoi: number, declared: Array<{ offset: number; size: number }>): Generator<Need, Walked, Uint8Array> {
  let end = eoi;
  const parts: Part[] = [];
  for (const d of [...declared].sort((a, b) => a.offset - b.offset)) {
    const gap = d.offset - end;
    if (gap < 0 || gap > MPF_MAX_GAP) break;
    if (gap > 0) {
      // Only padding may sit between pictures; anything else is not the format's.
      const pad = yield* get(w, end, gap);
      if (pad.length < gap || pad.some((x) => x !== 0x00 && x !== 0xff)) break;
    }
    let walked: Walked;
    try {
      walked = yield* walkJpeg(d.offset, false);
    } catch (err) {
      if (err instanceof StructureError) break;
      throw err;
    }
    parts.push({ offset: d.offset, length: walked.end - d.offset, format: "jpeg", declaredBy: "mpf" });
    end = walked.end;
  }
  const out: Walked = { end, parts };
  if (parts.length < declared.length) out.note = `the MPF index declares ${declared.length} more picture(s); ${parts.length} follow the first image`;
  return out;
}

/** PNG: length-prefixed chunks to IEND. */
function* walkPng(base: number): Walker {
  const F = "png";
  const w = new Window();
  const sig = yield* need(w, base, 8, F, "the signature");
  if (!startsWith(sig, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) throw new StructureError(F, base, "no PNG signature");
  let pos = base + 8;
  for (;;) {
    const h = yield* need(w, pos, 8, F, "a chunk header");
    const len = u32be(h, 0)!;
    const type = latin1(h, 4, 8);
    if (len > 0x7fffffff) throw new StructureError(F, pos, `chunk "${type}" declares length ${len}, over the PNG limit of 2^31-1`);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new StructureError(F, pos, `chunk type ${JSON.stringify(type)} is not four letters`);
    const next = pos + 12 + len;
    if (type === "IEND") {
      yield* need(w, pos + 8, 4, F, "the IEND chunk");
      return { end: next, parts: [] };
    }
    pos = next;
  }
}

/** GIF: header, colour tables, then blocks of sub-blocks, to the trailer byte 0x3B. */
function* walkGif(base: number): Walker {
  const F = "gif";
  const w = new Window();
  const h = yield* need(w, base, 13, F, "the header");
  if (!startsWith(h, "GIF87a") && !startsWith(h, "GIF89a")) throw new StructureError(F, base, "no GIF signature");
  const flags = h[10]!;
  let pos = base + 13 + (flags & 0x80 ? 3 * (2 << (flags & 7)) : 0);
  for (;;) {
    const [block] = yield* need(w, pos, 1, F, "a block");
    if (block === 0x3b) return { end: pos + 1, parts: [] };
    if (block === 0x21) {
      pos = yield* skipSubBlocks(w, pos + 2); // introducer, label, then sub-blocks
    } else if (block === 0x2c) {
      const d = yield* need(w, pos, 10, F, "an image descriptor");
      const local = d[9]!;
      pos += 10 + (local & 0x80 ? 3 * (2 << (local & 7)) : 0);
      pos = yield* skipSubBlocks(w, pos + 1); // LZW minimum code size, then the data
    } else {
      throw new StructureError(F, pos, `unknown block 0x${hex(block!)} (expected 0x21, 0x2C or the trailer 0x3B)`);
    }
  }
}

function* skipSubBlocks(w: Window, from: number): Generator<Need, number, Uint8Array> {
  let pos = from;
  for (;;) {
    const [n] = yield* need(w, pos, 1, "gif", "a data sub-block");
    pos += 1 + n!;
    if (n === 0) return pos;
  }
}

/**
 * RIFF (WebP, WAV, AVI): the size field says where it ends, plus a pad byte when odd.
 * AVI files over 1 GB continue in "RIFF....AVIX" chunks, part of the same file. RF64/BW64
 * keep the real size in their ds64 chunk.
 */
function* walkRiff(base: number, fileSize: number, format: string): Walker {
  const w = new Window();
  const h = yield* need(w, base, 12, format, "the RIFF header");
  const tag = latin1(h, 0, 4);
  if (tag === "RF64" || tag === "BW64") {
    const ds64 = yield* need(w, base + 12, 16, format, "the ds64 chunk");
    const riffSize = latin1(ds64, 0, 4) === "ds64" ? u64le(ds64, 8) : undefined;
    if (riffSize === undefined) throw new StructureError(format, base + 12, "an RF64 file without a readable ds64 chunk");
    return { end: base + 8 + riffSize + (riffSize % 2), parts: [] };
  }
  if (tag !== "RIFF") throw new StructureError(format, base, `expected "RIFF", found ${JSON.stringify(tag)}`);
  const size = u32le(h, 4)!;
  if (size === 0 || size === 0xffffffff) {
    // Streaming writers leave the size unset; nothing says where such a file ends.
    return { end: fileSize, parts: [], note: "the RIFF size is unset (a streamed file), so its end cannot be told" };
  }
  let end = base + 8 + size + (size % 2);
  if (latin1(h, 8, 12) === "AVI ") {
    for (;;) {
      const next = yield* get(w, end, 12);
      if (next.length < 12 || !startsWith(next, "RIFF") || !startsWith(next, "AVIX", 8)) break;
      const n = u32le(next, 4)!;
      end += 8 + n + (n % 2);
    }
  }
  // A pad byte may be missing at the very end; a shortfall beyond that is a cut-off file.
  if (end - 1 > fileSize) throw new StructureError(format, base, `the RIFF size says the file ends at byte ${end}, but it has ${fileSize}`);
  return { end: Math.min(end, fileSize), parts: [] };
}

/** BMP: the file header's size field, checked against where the pixels say they end. */
function* walkBmp(base: number, fileSize: number): Walker {
  const F = "bmp";
  const w = new Window();
  const h = yield* need(w, base, 54, F, "the headers");
  const declared = u32le(h, 2)!;
  const dataAt = u32le(h, 10)!;
  const dib = u32le(h, 14)!;
  let pixels = 0;
  if (dib >= 40) {
    const width = Math.abs(u32le(h, 18)! | 0);
    const height = Math.abs(u32le(h, 22)! | 0);
    const bpp = u16le(h, 28)!;
    const compression = u32le(h, 30)!;
    const imageSize = u32le(h, 34)!;
    // Uncompressed rows are padded to 4 bytes; compressed ones say their size.
    pixels = compression === 0 || compression === 3 || compression === 6 ? Math.ceil((width * bpp) / 32) * 4 * height : imageSize;
  }
  const minimum = dataAt + pixels;
  if (declared === 0) return { end: Math.min(fileSize - base, minimum) + base, parts: [], note: "the BMP size field is 0; the end is where its pixels end" };
  if (declared < minimum) throw new StructureError(F, base, `the size field says ${declared} bytes but the pixels end at ${minimum}`);
  if (base + declared > fileSize) throw new StructureError(F, base, `the size field says ${declared} bytes but only ${fileSize - base} are there`);
  return { end: base + declared, parts: [] };
}

/**
 * ISO base media (MP4, MOV, HEIF, AVIF, CR3, JPEG XL and JPEG 2000 containers): top-level
 * boxes tile the file. The end is where the boxes stop: at a box of size 0 ("to the end"),
 * or at bytes that are not a box header (type not four printable characters, or a size
 * that runs past the end of the file).
 */
function* walkBoxes(base: number, fileSize: number, format: string): Walker {
  const w = new Window();
  let pos = base;
  let boxes = 0;
  for (;;) {
    if (pos + 8 > fileSize) break;
    const h = yield* get(w, pos, 16);
    if (h.length < 8) break;
    const size32 = u32be(h, 0)!;
    const type = latin1(h, 4, 8);
    if (!/^[\x20-\x7e]{4}$/.test(type) || type.trim() === "") break;
    let size = size32;
    if (size32 === 1) {
      const large = u64be(h, 8);
      if (large === undefined || large < 16) break;
      size = large;
    } else if (size32 === 0) {
      return { end: fileSize, parts: [] };
    } else if (size32 < 8) {
      break;
    }
    if (pos + size > fileSize) {
      // A box header that runs past the end: a cut-off file, not trailing data (bytes
      // after the last box that are not a box header at all stop the walk above).
      throw new StructureError(format, pos, `box "${type}" declares ${size} bytes but only ${fileSize - pos} remain`);
    }
    pos += size;
    boxes++;
  }
  if (boxes === 0) throw new StructureError(format, base, "no box header where the file starts");
  return { end: pos, parts: [] };
}

/** Matroska/WebM: the EBML header, then the Segment; an unknown-size Segment runs to the end. */
function* walkEbml(base: number, fileSize: number, format: string): Walker {
  const w = new Window();
  let pos = base;
  let elements = 0;
  const TOP = new Set([0x1a45dfa3, 0x18538067, 0xec, 0xbf]); // EBML, Segment, Void, CRC-32
  while (pos < fileSize) {
    const h = yield* get(w, pos, 12);
    const id = ebmlId(h);
    if (!id || !TOP.has(id.value)) break;
    const len = ebmlSize(h, id.length);
    if (!len) break;
    if (len.unknown) return { end: fileSize, parts: [] };
    const next = pos + id.length + len.length + len.value;
    if (next > fileSize) throw new StructureError(format, pos, `element 0x${id.value.toString(16).toUpperCase()} declares ${len.value} bytes but only ${fileSize - pos - id.length - len.length} remain`);
    pos = next;
    elements++;
  }
  if (elements === 0) throw new StructureError(format, base, "no EBML element where the file starts");
  return { end: pos, parts: [] };
}

function ebmlId(b: Uint8Array): { value: number; length: number } | undefined {
  const first = u8(b, 0);
  if (!first) return undefined;
  const length = Math.clz32(first) - 23;
  if (length > 4 || length > b.length) return undefined;
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + b[i]!;
  return { value, length };
}

function ebmlSize(b: Uint8Array, at: number): { value: number; length: number; unknown: boolean } | undefined {
  const first = u8(b, at);
  if (!first) return undefined;
  const length = Math.clz32(first) - 23;
  if (at + length > b.length) return undefined;
  let value = first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i]!;
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: allOnes };
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}
