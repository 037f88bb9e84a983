// Content type by bytes, not by name. The deliverables gate decided by extension, so a
// GenAI picture saved as BMP, TGA, PPM, or renamed to .dat or .jpg.bak walked past it.
// This looks only at the bytes: magic numbers where a format has them, and strict
// structural checks where it has none (TGA without its v2 footer, old tar, MPEG-TS,
// MP3 frames, SVG text). Pure: no I/O here except the sniffFile() convenience.
//
// "magic": a signature the format defines (possibly with fields checked for sanity).
// "heuristic": no signature exists, but several independent fields agree; wrong on a
// crafted file, very rarely wrong by chance.

import { open } from "node:fs/promises";
import { indexOf, latin1, startsWith, u16be, u16le, u32be, u32le, u8 } from "./bytes.js";

export type ContentKind = "image" | "video" | "audio" | "archive" | "document" | "unknown";

export interface ContentType {
  kind: ContentKind;
  /** Short lower-case name: "jpeg", "png", "tga", "mp4", "mov", "zip", "tar", ... or "unknown". */
  format: string;
  confidence: "magic" | "heuristic";
}

/** How many bytes from the start of a file sniffContentType wants (MXF run-in, tar, SVG prolog). */
export const SNIFF_HEAD_BYTES = 8192;
/** How many bytes from the end it wants (the TGA v2 footer is the last 26). */
export const SNIFF_TAIL_BYTES = 26;

export const UNKNOWN: ContentType = Object.freeze({ kind: "unknown", format: "unknown", confidence: "heuristic" });

const magic = (kind: ContentKind, format: string): ContentType => ({ kind, format, confidence: "magic" });
const heuristic = (kind: ContentKind, format: string): ContentType => ({ kind, format, confidence: "heuristic" });

/**
 * What the bytes are. `head` is the start of the file (SNIFF_HEAD_BYTES is plenty), `tail`
 * its last bytes (only TGA needs them) and `size` the whole file's size (only the TGA
 * heuristic uses it, to check the pixels fit). Never throws.
 */
export function sniffContentType(head: Uint8Array, tail?: Uint8Array, size?: number): ContentType {
  if (head.length === 0) return UNKNOWN;
  // Strong signatures first: a file that carries one is that format, even if it also
  // happens to satisfy a weaker check further down (a JPEG with a TGA footer appended).
  return (
    images(head) ??
    bmff(head) ??
    riff(head) ??
    ebml(head) ??
    video(head) ??
    audio(head) ??
    archives(head) ??
    documents(head) ??
    tgaByFooter(head, tail) ??
    // Weak ones last: each needs several fields to agree.
    tarByChecksum(head) ??
    mpegTs(head) ??
    mpegAudio(head) ??
    tgaByHeader(head, size) ??
    pcx(head) ??
    ico(head) ??
    svg(head) ??
    UNKNOWN
  );
}

/** Read a file's head and tail (bounded, never the whole file) and sniff them. */
export async function sniffFile(path: string): Promise<ContentType> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    const head = new Uint8Array(Math.min(SNIFF_HEAD_BYTES, size));
    await fh.read(head, 0, head.length, 0);
    const tail = new Uint8Array(Math.min(SNIFF_TAIL_BYTES, size));
    await fh.read(tail, 0, tail.length, size - tail.length);
    return sniffContentType(head, tail, size);
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------- images

function images(b: Uint8Array): ContentType | undefined {
  if (isJpeg(b)) return magic("image", "jpeg");
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return magic("image", "png");
  if (startsWith(b, "GIF87a") || startsWith(b, "GIF89a")) return magic("image", "gif");
  // TIFF and BigTIFF, either byte order. Camera raws (DNG, CR2, NEF, ARW) are TIFF too.
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return magic("image", "tiff");
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00, 0x08, 0x00, 0x00, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b, 0x00, 0x08, 0x00, 0x00])) {
    return magic("image", "tiff");
  }
  if (isBmp(b)) return magic("image", "bmp");
  const pnm = netpbm(b);
  if (pnm) return magic("image", pnm);
  if (startsWith(b, [0x76, 0x2f, 0x31, 0x01])) return magic("image", "exr");
  if (startsWith(b, "SDPX") || startsWith(b, "XPDS")) return magic("image", "dpx");
  if (startsWith(b, [0x80, 0x2a, 0x5f, 0xd7]) || startsWith(b, [0xd7, 0x5f, 0x2a, 0x80])) return magic("image", "cineon");
  if (startsWith(b, "8BPS")) {
    const version = u16be(b, 4);
    if (version === 1 || version === 2) return magic("image", "psd");
  }
  // JPEG XL: bare codestream, or the ISO-BMFF-style container whose first box is "JXL ".
  if (startsWith(b, [0xff, 0x0a])) return magic("image", "jxl");
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) return magic("image", "jxl");
  // JPEG 2000: the JP2 container (signature box "jP  "), or a bare codestream (SOC then SIZ).
  if (startsWith(b, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    // Motion JPEG 2000 shares the signature box; its ftyp brand says which it is.
    return startsWith(b, "ftyp", 16) && startsWith(b, "mjp2", 20) ? magic("video", "mj2") : magic("image", "jp2");
  }
  if (startsWith(b, [0xff, 0x4f, 0xff, 0x51])) return magic("image", "j2k");
  if (startsWith(b, "gimp xcf ")) return magic("image", "xcf");
  if (startsWith(b, "qoif")) return magic("image", "qoi");
  if (startsWith(b, "farbfeld")) return magic("image", "farbfeld");
  if (startsWith(b, "#?RADIANCE\n") || startsWith(b, "#?RGBE\n")) return magic("image", "hdr");
  if (startsWith(b, "DDS ") && u32le(b, 4) === 124) return magic("image", "dds");
  if (startsWith(b, [0x59, 0xa6, 0x6a, 0x95])) return magic("image", "sunras");
  if (startsWith(b, [0x01, 0xda])) {
    // SGI: storage 0|1, bytes per channel 1|2, dimension 1..3.
    const storage = u8(b, 2);
    const bpc = u8(b, 3);
    const dim = u16be(b, 4);
    if ((storage === 0 || storage === 1) && (bpc === 1 || bpc === 2) && dim !== undefined && dim >= 1 && dim <= 3) return magic("image", "sgi");
  }
  return undefined;
}

/** SOI, then (after optional 0xFF fill) a marker that may follow SOI, with a sane length. */
function isJpeg(b: Uint8Array): boolean {
  if (!startsWith(b, [0xff, 0xd8, 0xff])) return false;
  let i = 2;
  while (u8(b, i) === 0xff && u8(b, i + 1) === 0xff) i++; // fill bytes before a marker are legal
  const marker = u8(b, i + 1);
  if (marker === undefined) return b.length <= i + 1; // cut off right after "FF D8 FF": still the signature
  // Anything from SOF0 (C0) to COM (FE), except SOI, EOI and RSTn, can follow SOI.
  if (marker < 0xc0 || marker === 0xd8 || marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) return false;
  const len = u16be(b, i + 2);
  return len === undefined || len >= 2;
}

const BMP_DIB_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

/** "BM" alone is two ASCII letters; the DIB header size and reserved fields make it a signature. */
function isBmp(b: Uint8Array): boolean {
  if (!startsWith(b, "BM")) return false;
  const reserved = u32le(b, 6);
  const dataOffset = u32le(b, 10);
  const dib = u32le(b, 14);
  if (reserved === undefined || dataOffset === undefined || dib === undefined) return false;
  return reserved === 0 && BMP_DIB_SIZES.has(dib) && dataOffset >= 14 + dib;
}

/** Netpbm: "P1".."P7", "PF"/"Pf" (PFM), "PH"/"Ph" (PHM), then whitespace. */
function netpbm(b: Uint8Array): string | undefined {
  if (u8(b, 0) !== 0x50) return undefined;
  const c = u8(b, 1);
  const ws = u8(b, 2);
  if (c === undefined || ws === undefined || !isSpace(ws)) return undefined;
  const kind = String.fromCharCode(c);
  const format = { "1": "pbm", "4": "pbm", "2": "pgm", "5": "pgm", "3": "ppm", "6": "ppm", "7": "pam", F: "pfm", f: "pfm", H: "phm", h: "phm" }[kind];
  if (format === undefined) return undefined;
  if (format === "pam") return startsWith(b, "P7\n") ? format : undefined; // PAM requires a newline
  // The next token must be a number (width), possibly after comments.
  let i = 2;
  for (;;) {
    while (i < b.length && isSpace(b[i]!)) i++;
    if (u8(b, i) !== 0x23) break; // '#': a comment to end of line
    while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i++;
  }
  if (i >= b.length) return format; // header cut short by the caller's head: trust "Pn "
  const d = b[i]!;
  return d >= 0x30 && d <= 0x39 ? format : undefined;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

// ---------------------------------------------------------------- ISO base media (ftyp)

const HEIC_BRANDS = new Set(["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);
const MP4_BRANDS = new Set(["isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42", "mp71", "avc1", "dash", "msnv", "M4V ", "M4VH", "M4VP", "f4v ", "mmp4", "XAVC", "NDAS", "MSNV"]);
const M4A_BRANDS = new Set(["M4A ", "M4B ", "M4P ", "F4A ", "F4B "]);

/**
 * ISO base media files (MP4, MOV, HEIF/HEIC, AVIF, CR3, 3GP, M4A) start with an ftyp box
 * whose brands say which. The major brand decides when it is specific; a generic major
 * brand ("isom", "mif1") defers to the compatible brands.
 */
function bmff(b: Uint8Array): ContentType | undefined {
  if (!startsWith(b, "ftyp", 4)) return quicktimeWithoutFtyp(b);
  const boxSize = u32be(b, 0);
  if (boxSize === undefined || boxSize < 16) return undefined;
  const brands: string[] = [latin1(b, 8, 12)];
  for (let at = 16; at + 4 <= Math.min(boxSize, b.length); at += 4) brands.push(latin1(b, at, at + 4));
  const major = brands[0]!;
  const has = (set: ReadonlySet<string> | string): boolean => brands.some((x) => (typeof set === "string" ? x === set : set.has(x)));

  if (major === "qt  ") return magic("video", "mov");
  if (AVIF_BRANDS.has(major)) return magic("image", "avif");
  if (HEIC_BRANDS.has(major)) return magic("image", "heic");
  if (major === "crx ") return magic("image", "cr3");
  if (major === "jxl ") return magic("image", "jxl");
  if (M4A_BRANDS.has(major)) return magic("audio", "m4a");
  if (major.startsWith("3gp") || major.startsWith("3g2")) return magic("video", "3gp");
  // Generic major brand: the compatible list decides; still images before movies, since a
  // HEIF image may list "iso8" and an MP4 never lists "avif".
  if (has(AVIF_BRANDS)) return magic("image", "avif");
  if (has(HEIC_BRANDS)) return magic("image", "heic");
  if (has("mif1") || has("msf1") || has("miaf")) return magic("image", "heif");
  if (has("qt  ")) return magic("video", "mov");
  if (has(M4A_BRANDS)) return magic("audio", "m4a");
  if (MP4_BRANDS.has(major) || has(MP4_BRANDS)) return magic("video", "mp4");
  // An ftyp box with brands we do not know is still an ISO base media file.
  return heuristic("video", "mp4");
}

/** Old QuickTime files have no ftyp; their first atom is one of a few. */
function quicktimeWithoutFtyp(b: Uint8Array): ContentType | undefined {
  const size = u32be(b, 0);
  if (size === undefined || (size < 8 && size !== 0 && size !== 1)) return undefined;
  const type = latin1(b, 4, 8);
  if (!["moov", "mdat", "wide", "free", "skip", "pnot"].includes(type)) return undefined;
  // "free"/"skip"/"wide" boxes alone are weak; the file must have moov or mdat soon after.
  if (type === "moov" || type === "mdat") return heuristic("video", "mov");
  if (size >= 8 && size < b.length - 8) {
    const next = latin1(b, size + 4, size + 8);
    if (next === "moov" || next === "mdat") return heuristic("video", "mov");
  }
  return undefined;
}

// ---------------------------------------------------------------------- RIFF, EBML

function riff(b: Uint8Array): ContentType | undefined {
  const isRiff = startsWith(b, "RIFF") || startsWith(b, "RIFX");
  const isRf64 = startsWith(b, "RF64") || startsWith(b, "BW64");
  if (!isRiff && !isRf64) return undefined;
  const form = latin1(b, 8, 12);
  if (form === "WAVE") return magic("audio", "wav");
  if (isRf64) return undefined;
  if (form === "WEBP") return magic("image", "webp");
  if (form === "AVI " || form === "AVIX") return magic("video", "avi");
  return undefined;
}

/** Matroska and WebM: the EBML header's DocType element says which. */
function ebml(b: Uint8Array): ContentType | undefined {
  if (!startsWith(b, [0x1a, 0x45, 0xdf, 0xa3])) return undefined;
  const headerSize = vint(b, 4);
  if (!headerSize) return heuristic("video", "mkv");
  const end = Math.min(b.length, 4 + headerSize.length + headerSize.value);
  let at = 4 + headerSize.length;
  while (at < end) {
    const id = vintRaw(b, at);
    if (!id) break;
    const len = vint(b, at + id.length);
    if (!len) break;
    const dataAt = at + id.length + len.length;
    if (id.value === 0x4282) {
      const docType = latin1(b, dataAt, dataAt + len.value).replace(/\0+$/, "");
      if (docType === "webm") return magic("video", "webm");
      if (docType === "matroska") return magic("video", "mkv");
      return heuristic("video", "mkv");
    }
    at = dataAt + len.value;
  }
  return heuristic("video", "mkv");
}

/** An EBML variable-length integer with its length marker removed. */
function vint(b: Uint8Array, at: number): { value: number; length: number } | undefined {
  const first = u8(b, at);
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23; // 1..8
  if (at + length > b.length) return undefined;
  let value = first & (0xff >> length);
  for (let i = 1; i < length; i++) value = value * 256 + b[at + i]!;
  return { value, length };
}

/** An EBML element ID keeps its length marker. */
function vintRaw(b: Uint8Array, at: number): { value: number; length: number } | undefined {
  const first = u8(b, at);
  if (first === undefined || first === 0) return undefined;
  const length = Math.clz32(first) - 23;
  if (length > 4 || at + length > b.length) return undefined;
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + b[at + i]!;
  return { value, length };
}

// ------------------------------------------------------------------- other video/audio

const MXF_PARTITION_KEY = [0x06, 0x0e, 0x2b, 0x34, 0x02, 0x05, 0x01, 0x01, 0x0d, 0x01, 0x02, 0x01, 0x01];

function video(b: Uint8Array): ContentType | undefined {
  // MXF: the header partition pack key, at the start or after a run-in of up to 64 KiB.
  if (startsWith(b, MXF_PARTITION_KEY)) return magic("video", "mxf");
  const runIn = indexOf(b, MXF_PARTITION_KEY);
  if (runIn > 0) return magic("video", "mxf");
  if (startsWith(b, "FLV") && u8(b, 3) === 1) return magic("video", "flv");
  if (startsWith(b, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return magic("video", "asf");
  if (startsWith(b, [0x00, 0x00, 0x01, 0xba])) return magic("video", "mpeg-ps");
  if (startsWith(b, [0x00, 0x00, 0x01, 0xb3])) return magic("video", "mpeg-video");
  if (startsWith(b, ".RMF")) return magic("video", "rm");
  return undefined;
}

function audio(b: Uint8Array): ContentType | undefined {
  if (startsWith(b, "FORM") && (startsWith(b, "AIFF", 8) || startsWith(b, "AIFC", 8))) return magic("audio", "aiff");
  if (startsWith(b, "fLaC")) return magic("audio", "flac");
  if (startsWith(b, "OggS") && u8(b, 4) === 0) {
    // The first page's first packet names the codec; Theora makes it a video.
    return startsWith(b, [0x80, 0x74, 0x68, 0x65, 0x6f, 0x72, 0x61], 28) ? magic("video", "ogg") : magic("audio", "ogg");
  }
  if (startsWith(b, "caff")) return magic("audio", "caf");
  if (startsWith(b, ".snd")) return magic("audio", "au");
  if (startsWith(b, "#!AMR")) return magic("audio", "amr");
  if (startsWith(b, "MThd") && u32be(b, 4) === 6) return magic("audio", "midi");
  if (startsWith(b, "ID3") && (u8(b, 3) ?? 0) >= 2 && (u8(b, 3) ?? 0) <= 4) {
    // An ID3v2 tag usually starts an MP3, but FLAC and AAC can carry one: look past it.
    const tagEnd = 10 + syncsafe(b, 6);
    if (startsWith(b, "fLaC", tagEnd)) return magic("audio", "flac");
    const after = tagEnd < b.length ? mpegFrame(b, tagEnd) : undefined;
    if (after === "aac") return magic("audio", "aac");
    if (after === "mp2") return magic("audio", "mp2");
    return magic("audio", "mp3");
  }
  return undefined;
}

function syncsafe(b: Uint8Array, at: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v = (v << 7) | ((u8(b, at + i) ?? 0) & 0x7f);
  return v;
}

/** MPEG-TS: the 0x47 sync byte every 188 bytes (or every 192 in M2TS/BDAV). */
function mpegTs(b: Uint8Array): ContentType | undefined {
  for (const [stride, first, format] of [
    [188, 0, "mpegts"],
    [192, 4, "m2ts"],
  ] as const) {
    const packets = Math.min(5, Math.floor((b.length - first) / stride));
    if (packets < 3) continue;
    let ok = true;
    for (let i = 0; i < packets && ok; i++) {
      const at = first + i * stride;
      // Sync byte, no transport error flag, and an adaptation-field-control value other than
      // the reserved 0: a run of 'G' characters in text is not a transport stream.
      ok = b[at] === 0x47 && (b[at + 1]! & 0x80) === 0 && ((b[at + 3]! >> 4) & 3) !== 0;
    }
    if (ok) return heuristic("video", format);
  }
  return undefined;
}

const MPEG1_L3_KBPS = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MPEG2_L3_KBPS = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const MPEG1_L2_KBPS = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
const SAMPLE_RATES = [
  [11025, 12000, 8000], // MPEG 2.5
  [0, 0, 0],
  [22050, 24000, 16000], // MPEG 2
  [44100, 48000, 32000], // MPEG 1
];

/**
 * Raw MPEG audio (no ID3 tag) has no signature, only an 11-bit frame sync. One header is
 * weak, so the frame it describes must be followed by a second header.
 */
function mpegAudio(b: Uint8Array): ContentType | undefined {
  const first = mpegFrameLength(b, 0);
  if (!first) return undefined;
  if (first.format === "aac") {
    const next = mpegFrameLength(b, first.next);
    return next?.format === "aac" ? heuristic("audio", "aac") : undefined;
  }
  const next = mpegFrameLength(b, first.next);
  return next && next.format === first.format ? heuristic("audio", first.format) : undefined;
}

function mpegFrame(b: Uint8Array, at: number): string | undefined {
  return mpegFrameLength(b, at)?.format;
}

function mpegFrameLength(b: Uint8Array, at: number): { format: string; next: number } | undefined {
  const h = u32be(b, at);
  if (h === undefined || h >>> 21 !== 0x7ff) return undefined;
  const version = (h >>> 19) & 3; // 0 = 2.5, 1 = reserved, 2 = MPEG 2, 3 = MPEG 1
  const layer = (h >>> 17) & 3; // 1 = III, 2 = II, 3 = I, 0 = ADTS (AAC)
  if (layer === 0) {
    // ADTS: 12-bit sync, frame length in 13 bits.
    if ((h >>> 20) !== 0xfff) return undefined;
    const len = (((u8(b, at + 3) ?? 0) & 3) << 11) | ((u8(b, at + 4) ?? 0) << 3) | ((u8(b, at + 5) ?? 0) >> 5);
    return len >= 7 ? { format: "aac", next: at + len } : undefined;
  }
  if (version === 1) return undefined;
  const bitrateIndex = (h >>> 12) & 0xf;
  const rateIndex = (h >>> 10) & 3;
  const padding = (h >>> 9) & 1;
  if (bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const rate = SAMPLE_RATES[version]![rateIndex]!;
  if (layer === 3) return undefined; // Layer I: rare enough to leave to a signature we do not have
  const table = layer === 1 ? (version === 3 ? MPEG1_L3_KBPS : MPEG2_L3_KBPS) : version === 3 ? MPEG1_L2_KBPS : MPEG2_L3_KBPS;
  const kbps = table[bitrateIndex]!;
  const samples = layer === 1 && version !== 3 ? 72 : 144;
  const length = Math.floor((samples * kbps * 1000) / rate) + padding;
  if (length < 24) return undefined;
  return { format: layer === 1 ? "mp3" : "mp2", next: at + length };
}

// ---------------------------------------------------------------- archives, documents

function archives(b: Uint8Array): ContentType | undefined {
  // Local file header, empty archive (end record only), or a spanned archive's marker.
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06]) || startsWith(b, [0x50, 0x4b, 0x07, 0x08])) {
    return magic("archive", "zip");
  }
  if (startsWith(b, "ustar\0", 257) || startsWith(b, "ustar  \0", 257)) return magic("archive", "tar");
  if (startsWith(b, [0x1f, 0x8b, 0x08])) return magic("archive", "gzip");
  if (startsWith(b, "BZh") && (u8(b, 3) ?? 0) >= 0x31 && (u8(b, 3) ?? 0) <= 0x39) return magic("archive", "bzip2");
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return magic("archive", "xz");
  if (startsWith(b, [0x28, 0xb5, 0x2f, 0xfd])) return magic("archive", "zstd");
  if (startsWith(b, [0x04, 0x22, 0x4d, 0x18])) return magic("archive", "lz4");
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return magic("archive", "7z");
  if (startsWith(b, "Rar!\x1a\x07")) return magic("archive", "rar");
  if (startsWith(b, "MSCF") && u32le(b, 4) === 0) return magic("archive", "cab");
  if (startsWith(b, "!<arch>\n")) return magic("archive", "ar");
  if (startsWith(b, "070701") || startsWith(b, "070702") || startsWith(b, "070707")) return magic("archive", "cpio");
  return undefined;
}

function documents(b: Uint8Array): ContentType | undefined {
  // PDF readers accept the header anywhere in the first 1024 bytes.
  const pdf = indexOf(b.subarray(0, 1024), "%PDF-");
  if (pdf >= 0) return magic("document", "pdf");
  if (startsWith(b, "%!PS")) return magic("document", "postscript");
  if (startsWith(b, "{\\rtf")) return magic("document", "rtf");
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return magic("document", "ole");
  return undefined;
}

// ------------------------------------------------------------------- weak signatures

const TGA_FOOTER = "TRUEVISION-XFILE.\0";

/** A TGA v2 file ends with "TRUEVISION-XFILE.\0"; its header must still be plausible. */
function tgaByFooter(head: Uint8Array, tail: Uint8Array | undefined): ContentType | undefined {
  if (!tail || tail.length < TGA_FOOTER.length) return undefined;
  if (!startsWith(tail, TGA_FOOTER, tail.length - TGA_FOOTER.length)) return undefined;
  return tgaHeaderProblem(head, undefined) === null ? magic("image", "tga") : undefined;
}

/** TGA v1 has no signature at all: every header field must hold a legal value. */
function tgaByHeader(head: Uint8Array, size: number | undefined): ContentType | undefined {
  return tgaHeaderProblem(head, size) === null ? heuristic("image", "tga") : undefined;
}

/** Why these 18 bytes are not a TGA header, or null if every field is legal. */
export function tgaHeaderProblem(b: Uint8Array, size: number | undefined): string | null {
  if (b.length < 18) return "shorter than the 18-byte header";
  const idLength = b[0]!;
  const cmapType = b[1]!;
  const imageType = b[2]!;
  const cmapFirst = u16le(b, 3)!;
  const cmapLength = u16le(b, 5)!;
  const cmapDepth = b[7]!;
  const width = u16le(b, 12)!;
  const height = u16le(b, 14)!;
  const depth = b[16]!;
  const descriptor = b[17]!;
  if (![1, 2, 3, 9, 10, 11].includes(imageType)) return `image type ${imageType}`;
  const mapped = imageType === 1 || imageType === 9;
  if (mapped !== (cmapType === 1)) return `colour map type ${cmapType} with image type ${imageType}`;
  if (cmapType === 0 && (cmapFirst !== 0 || cmapLength !== 0 || cmapDepth !== 0)) return "colour map fields set without a colour map";
  if (cmapType === 1 && (cmapLength === 0 || ![15, 16, 24, 32].includes(cmapDepth))) {
    return "implausible colour map";
  }
  if (width === 0 || height === 0) return "zero width or height";
  const truecolour = imageType === 2 || imageType === 10;
  const legalDepths = truecolour ? [15, 16, 24, 32] : [8, 16];
  if (!legalDepths.includes(depth)) return `pixel depth ${depth}`;
  if (descriptor & 0xc0) return "interleaving bits set"; // obsolete; no writer sets them
  const alphaBits = descriptor & 0x0f;
  // 32-bit BGRA carries 8 alpha bits, 16-bit grey+alpha 8, 15/16-bit RGB at most 1.
  const maxAlpha = depth === 32 ? 8 : depth === 16 ? (truecolour ? 1 : 8) : depth === 15 ? 1 : 0;
  if (alphaBits > maxAlpha) return `${alphaBits} alpha bits at depth ${depth}`;
  if (size !== undefined) {
    const cmapBytes = cmapType === 1 ? cmapLength * Math.ceil(cmapDepth / 8) : 0;
    const pixels = width * height * Math.ceil(depth / 8);
    const minimum = 18 + idLength + cmapBytes + (imageType < 8 ? pixels : Math.ceil(pixels / 128) + 1);
    if (size < minimum) return `file of ${size} bytes too short for ${width}x${height}x${depth}`;
    // Run-length data can be at most about 1/128 longer than raw pixels, plus the v2 extras.
    if (imageType < 8 && size > minimum + 64 * 1024 + 495 + 26 && size > minimum * 2) return "file much longer than its pixels";
  }
  return null;
}

/** Old (pre-POSIX) tar has no magic; its header checksum and octal fields do the job. */
function tarByChecksum(b: Uint8Array): ContentType | undefined {
  if (b.length < 512) return undefined;
  const stored = octal(b, 148, 8);
  if (stored === undefined) return undefined;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  if (sum !== stored || sum === 8 * 0x20) return undefined;
  if (octal(b, 100, 8) === undefined || octal(b, 124, 12) === undefined) return undefined;
  if (b[0] === 0) return undefined; // every member has a name
  return heuristic("archive", "tar");
}

/** An octal tar field: digits, optionally space-padded, ended by NUL or space. */
function octal(b: Uint8Array, at: number, len: number): number | undefined {
  const s = latin1(b, at, at + len).replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

/** ZSoft PCX: no signature beyond 0x0A, so version, encoding, depth and planes must agree. */
function pcx(b: Uint8Array): ContentType | undefined {
  if (b.length < 128 || b[0] !== 0x0a) return undefined;
  const [version, encoding, bpp] = [b[1]!, b[2]!, b[3]!];
  const xmin = u16le(b, 4)!;
  const ymin = u16le(b, 6)!;
  const xmax = u16le(b, 8)!;
  const ymax = u16le(b, 10)!;
  const planes = b[65]!;
  const bytesPerLine = u16le(b, 66)!;
  if (![0, 2, 3, 4, 5].includes(version) || encoding !== 1 || ![1, 2, 4, 8].includes(bpp)) return undefined;
  if (xmax < xmin || ymax < ymin || ![1, 3, 4].includes(planes) || b[64] !== 0) return undefined;
  if (bytesPerLine === 0 || bytesPerLine % 2 !== 0 || bytesPerLine * 8 < (xmax - xmin + 1) * bpp) return undefined;
  return heuristic("image", "pcx");
}

/** Windows icon: reserved 0, type 1, a count, and directory entries that make sense. */
function ico(b: Uint8Array): ContentType | undefined {
  if (!startsWith(b, [0x00, 0x00, 0x01, 0x00])) return undefined;
  const count = u16le(b, 4);
  if (count === undefined || count === 0 || count > 256 || b.length < 6 + 16) return undefined;
  const reserved = b[9];
  const planes = u16le(b, 10)!;
  const bpp = u16le(b, 12)!;
  const bytes = u32le(b, 14)!;
  const offset = u32le(b, 18)!;
  if (reserved !== 0 || planes > 1 || ![0, 1, 4, 8, 16, 24, 32].includes(bpp) || bytes === 0 || offset < 6 + 16 * count) return undefined;
  return heuristic("image", "ico");
}

/** SVG is XML text whose root element is <svg>; skip the prolog to find the root. */
function svg(b: Uint8Array): ContentType | undefined {
  let s = Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, SNIFF_HEAD_BYTES)).toString("utf8");
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  // Text has no NUL bytes; binary that happens to contain "<svg" does.
  if (s.includes("\0")) return undefined;
  let i = 0;
  for (;;) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (s.startsWith("<?", i)) i = after(s, "?>", i);
    else if (s.startsWith("<!--", i)) i = after(s, "-->", i);
    else if (s.startsWith("<!DOCTYPE", i)) {
      const bracket = s.indexOf("[", i);
      const close = s.indexOf(">", i);
      i = bracket >= 0 && bracket < close ? after(s, "]>", bracket) : after(s, ">", i);
    } else break;
    if (i < 0) return undefined;
  }
  return /^<(svg:)?svg[\s>/]/.test(s.slice(i, i + 10)) ? heuristic("image", "svg") : undefined;
}

function after(s: string, token: string, from: number): number {
  const at = s.indexOf(token, from);
  return at < 0 ? -1 : at + token.length;
}
