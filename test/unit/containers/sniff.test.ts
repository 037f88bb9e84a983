// Every format from real bytes: files made here by ffmpeg, sharp and the archivers, plus
// hand-built headers for formats none of them writes (HEIC, PSD, Cineon, CR3, PDF). Each
// file gets a name that says nothing (".dat"), since the point is deciding by bytes.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SNIFF_HEAD_BYTES, sniffContentType, sniffFile, tgaHeaderProblem, type ContentType } from "../../../src/adapters/containers/sniff.js";
import { ascii, bytes, ffmpeg, randomBytes, requireTool, run, scratch, u16be, u16le, u32be, u32le } from "./helpers.js";

const tmp = scratch("sniff");
afterAll(() => tmp.remove());

type Row = { label: string; make: (out: string) => void | Promise<void>; want: [ContentType["kind"], string, ContentType["confidence"]] };

// One small test picture and one second of video and audio, shared by the ffmpeg rows.
const IMG = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=1", "-frames:v", "1"];
const VID = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "0.5"];
const AUD = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "0.5"];
const image = (codec: string, ...extra: string[]) => (out: string) => ffmpeg([...IMG, ...extra, "-c:v", codec, "-f", "image2", out]);
const media = (...args: string[]) => (out: string) => ffmpeg([...args, out]);
const write = (data: Uint8Array) => (out: string) => writeFileSync(out, data);
const picture = () => sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 30, b: 90 } } });

/** A minimal ftyp box: size, "ftyp", major brand, minor version, compatible brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const body = bytes(major, [0, 0, 0, 0], ...compatible);
  return bytes(u32be(8 + body.length), "ftyp", body, u32be(8), "mdat");
}

const ROWS: Row[] = [
  // --- images, made by sharp
  { label: "JPEG (sharp)", make: async (o) => void (await picture().jpeg().toFile(o)), want: ["image", "jpeg", "magic"] },
  { label: "PNG (sharp)", make: async (o) => void (await picture().png().toFile(o)), want: ["image", "png", "magic"] },
  { label: "GIF (sharp)", make: async (o) => void (await picture().gif().toFile(o)), want: ["image", "gif", "magic"] },
  { label: "WebP (sharp)", make: async (o) => void (await picture().webp().toFile(o)), want: ["image", "webp", "magic"] },
  { label: "TIFF little-endian (sharp)", make: async (o) => void (await picture().tiff().toFile(o)), want: ["image", "tiff", "magic"] },
  { label: "AVIF (sharp)", make: async (o) => void (await picture().avif().toFile(o)), want: ["image", "avif", "magic"] },
  // --- images, made by ffmpeg
  { label: "BMP", make: image("bmp"), want: ["image", "bmp", "magic"] },
  { label: "TGA v2 (footer)", make: image("targa"), want: ["image", "tga", "magic"] },
  { label: "PPM", make: image("ppm"), want: ["image", "ppm", "magic"] },
  { label: "PGM", make: image("pgm", "-pix_fmt", "gray"), want: ["image", "pgm", "magic"] },
  { label: "PBM", make: image("pbm", "-pix_fmt", "monob"), want: ["image", "pbm", "magic"] },
  { label: "PAM", make: image("pam", "-pix_fmt", "rgba"), want: ["image", "pam", "magic"] },
  { label: "PFM", make: image("pfm", "-pix_fmt", "gbrpf32le"), want: ["image", "pfm", "magic"] },
  { label: "PHM", make: image("phm", "-pix_fmt", "gbrpf32le"), want: ["image", "phm", "magic"] },
  { label: "OpenEXR", make: image("exr", "-pix_fmt", "gbrpf32le"), want: ["image", "exr", "magic"] },
  { label: "DPX", make: image("dpx"), want: ["image", "dpx", "magic"] },
  { label: "JPEG XL codestream", make: image("libjxl"), want: ["image", "jxl", "magic"] },
  { label: "JPEG 2000 (JP2 container)", make: image("jpeg2000", "-format", "jp2"), want: ["image", "jp2", "magic"] },
  { label: "JPEG 2000 codestream", make: image("jpeg2000", "-format", "j2k"), want: ["image", "j2k", "magic"] },
  { label: "QOI", make: image("qoi"), want: ["image", "qoi", "magic"] },
  { label: "SGI", make: image("sgi"), want: ["image", "sgi", "magic"] },
  { label: "Sun raster", make: image("sunrast"), want: ["image", "sunras", "magic"] },
  { label: "PCX", make: image("pcx"), want: ["image", "pcx", "heuristic"] },
  { label: "Motion JPEG frame", make: image("mjpeg", "-pix_fmt", "yuvj420p"), want: ["image", "jpeg", "magic"] },
  { label: "APNG", make: media(...VID, "-f", "apng"), want: ["image", "png", "magic"] },
  { label: "ICO", make: media(...IMG, "-c:v", "bmp", "-pix_fmt", "bgra", "-f", "ico"), want: ["image", "ico", "heuristic"] },
  // --- images, hand-built headers (no tool here writes them)
  { label: "HEIC (ftyp heic)", make: write(ftyp("heic", "mif1", "heic")), want: ["image", "heic", "magic"] },
  { label: "HEIC (generic major brand mif1)", make: write(ftyp("mif1", "mif1", "heic")), want: ["image", "heic", "magic"] },
  { label: "HEIF with no HEVC brand", make: write(ftyp("mif1", "mif1", "miaf")), want: ["image", "heif", "magic"] },
  { label: "AVIF with generic major brand", make: write(ftyp("mif1", "mif1", "avif", "miaf")), want: ["image", "avif", "magic"] },
  { label: "Canon CR3", make: write(ftyp("crx ", "crx ", "isom")), want: ["image", "cr3", "magic"] },
  {
    label: "JPEG XL in its BMFF container",
    make: write(bytes([0, 0, 0, 0x0c], "JXL ", [0x0d, 0x0a, 0x87, 0x0a], ftyp("jxl ", "jxl "))),
    want: ["image", "jxl", "magic"],
  },
  { label: "PSD", make: write(bytes("8BPS", u16be(1), new Uint8Array(6), u16be(3), u32be(48), u32be(64), u16be(8), u16be(3))), want: ["image", "psd", "magic"] },
  { label: "PSB (large document)", make: write(bytes("8BPS", u16be(2), new Uint8Array(20))), want: ["image", "psd", "magic"] },
  { label: "Cineon (big-endian)", make: write(bytes([0x80, 0x2a, 0x5f, 0xd7], u32be(2048), new Uint8Array(2040))), want: ["image", "cineon", "magic"] },
  { label: "Cineon (little-endian)", make: write(bytes([0xd7, 0x5f, 0x2a, 0x80], u32le(2048), new Uint8Array(2040))), want: ["image", "cineon", "magic"] },
  { label: "BigTIFF", make: write(bytes("II", [0x2b, 0, 8, 0, 0, 0], new Uint8Array(16))), want: ["image", "tiff", "magic"] },
  { label: "TIFF big-endian", make: write(bytes("MM", [0, 0x2a], u32be(8), new Uint8Array(16))), want: ["image", "tiff", "magic"] },
  { label: "Radiance HDR", make: write(ascii("#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 1 +X 1\n\0\0\0\0")), want: ["image", "hdr", "magic"] },
  { label: "SVG", make: write(ascii('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')), want: ["image", "svg", "heuristic"] },
  {
    label: "SVG after BOM, XML declaration, comment and DOCTYPE with internal subset",
    make: write(Buffer.from('\ufeff<?xml version="1.0"?>\n<!-- by hand -->\n<!DOCTYPE svg [ <!ENTITY a "b"> ]>\n<svg viewBox="0 0 1 1"></svg>', "utf8")),
    want: ["image", "svg", "heuristic"],
  },
  // --- video
  { label: "MP4 (H.264)", make: media(...VID, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4"), want: ["video", "mp4", "magic"] },
  { label: "MOV", make: media(...VID, "-c:v", "mjpeg", "-f", "mov"), want: ["video", "mov", "magic"] },
  { label: "3GP", make: media(...VID, "-c:v", "mpeg4", "-f", "3gp"), want: ["video", "3gp", "magic"] },
  { label: "Matroska", make: media(...VID, "-c:v", "mpeg4", "-f", "matroska"), want: ["video", "mkv", "magic"] },
  { label: "WebM", make: media(...VID, "-c:v", "libvpx", "-f", "webm"), want: ["video", "webm", "magic"] },
  { label: "AVI", make: media(...VID, "-c:v", "mpeg4", "-f", "avi"), want: ["video", "avi", "magic"] },
  { label: "MPEG-TS", make: media(...VID, "-c:v", "mpeg2video", "-f", "mpegts"), want: ["video", "mpegts", "heuristic"] },
  { label: "M2TS (192-byte packets)", make: media(...VID, "-c:v", "mpeg2video", "-mpegts_m2ts_mode", "1", "-f", "mpegts"), want: ["video", "m2ts", "heuristic"] },
  { label: "MXF (OP1a)", make: media("-f", "lavfi", "-i", "testsrc=size=64x48:rate=25", "-t", "0.2", "-c:v", "mpeg2video", "-f", "mxf"), want: ["video", "mxf", "magic"] },
  { label: "MPEG program stream", make: media(...VID, "-c:v", "mpeg2video", "-f", "vob"), want: ["video", "mpeg-ps", "magic"] },
  { label: "FLV", make: media(...VID, "-c:v", "flv", "-f", "flv"), want: ["video", "flv", "magic"] },
  { label: "ASF/WMV", make: media(...VID, "-c:v", "wmv2", "-f", "asf"), want: ["video", "asf", "magic"] },
  { label: "Ogg Theora", make: media(...VID, "-c:v", "libtheora", "-f", "ogg"), want: ["video", "ogg", "magic"] },
  // --- audio
  { label: "WAV", make: media(...AUD, "-f", "wav"), want: ["audio", "wav", "magic"] },
  { label: "RF64 WAV", make: media(...AUD, "-rf64", "always", "-f", "wav"), want: ["audio", "wav", "magic"] },
  { label: "AIFF", make: media(...AUD, "-f", "aiff"), want: ["audio", "aiff", "magic"] },
  { label: "MP3 with ID3v2", make: media(...AUD, "-c:a", "libmp3lame", "-f", "mp3"), want: ["audio", "mp3", "magic"] },
  { label: "MP3 bare frames (no tag)", make: media(...AUD, "-c:a", "libmp3lame", "-id3v2_version", "0", "-write_xing", "0", "-f", "mp3"), want: ["audio", "mp3", "heuristic"] },
  { label: "MP2 bare frames", make: media(...AUD, "-c:a", "mp2", "-f", "mp2"), want: ["audio", "mp2", "heuristic"] },
  { label: "AAC in ADTS", make: media(...AUD, "-c:a", "aac", "-f", "adts"), want: ["audio", "aac", "heuristic"] },
  { label: "FLAC", make: media(...AUD, "-f", "flac"), want: ["audio", "flac", "magic"] },
  { label: "Ogg Vorbis", make: media(...AUD, "-c:a", "libvorbis", "-f", "ogg"), want: ["audio", "ogg", "magic"] },
  { label: "Ogg Opus", make: media(...AUD, "-c:a", "libopus", "-f", "ogg"), want: ["audio", "ogg", "magic"] },
  { label: "M4A", make: media(...AUD, "-c:a", "aac", "-f", "ipod"), want: ["audio", "m4a", "magic"] },
  { label: "CAF", make: media(...AUD, "-f", "caf"), want: ["audio", "caf", "magic"] },
  { label: "Sun AU", make: media(...AUD, "-f", "au"), want: ["audio", "au", "magic"] },
  // --- archives and documents
  { label: "zip", make: (o) => void run("sh", ["-c", `echo hello > ${tmp.dir}/z.txt && cd ${tmp.dir} && zip -q -X z.zip z.txt && mv z.zip ${o}`]), want: ["archive", "zip", "magic"] },
  { label: "POSIX tar", make: (o) => void run("sh", ["-c", `cd ${tmp.dir} && echo hi > t.txt && tar --format=posix -cf ${o} t.txt`]), want: ["archive", "tar", "magic"] },
  { label: "GNU tar", make: (o) => void run("sh", ["-c", `cd ${tmp.dir} && echo hi > t.txt && tar --format=gnu -cf ${o} t.txt`]), want: ["archive", "tar", "magic"] },
  { label: "v7 tar (no magic: checksum)", make: (o) => void run("sh", ["-c", `cd ${tmp.dir} && echo hi > t.txt && tar --format=v7 -cf ${o} t.txt`]), want: ["archive", "tar", "heuristic"] },
  { label: "gzip", make: (o) => void run("sh", ["-c", `echo hi | gzip -c > ${o}`]), want: ["archive", "gzip", "magic"] },
  { label: "bzip2", make: (o) => void run("sh", ["-c", `echo hi | bzip2 -c > ${o}`]), want: ["archive", "bzip2", "magic"] },
  { label: "xz", make: (o) => void run("sh", ["-c", `echo hi | xz -c > ${o}`]), want: ["archive", "xz", "magic"] },
  { label: "zstd", make: (o) => void run("sh", ["-c", `echo hi | zstd -q -c > ${o}`]), want: ["archive", "zstd", "magic"] },
  { label: "PDF", make: write(ascii("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")), want: ["document", "pdf", "magic"] },
  { label: "PDF after junk (allowed within 1024 bytes)", make: write(ascii("junk junk\n%PDF-1.4\n%%EOF\n")), want: ["document", "pdf", "magic"] },
];

const NEGATIVES: Array<{ label: string; data: Uint8Array }> = [
  { label: "empty", data: new Uint8Array(0) },
  { label: "4 KiB of random bytes (seed 1)", data: randomBytes(4096, 1) },
  { label: "64 KiB of random bytes (seed 2)", data: randomBytes(65536, 2) },
  { label: "17 random bytes (seed 3)", data: randomBytes(17, 3) },
  { label: "English text", data: ascii("The quick brown fox jumps over the lazy dog.\nAgain and again.\n".repeat(40)) },
  { label: "text that starts with BM", data: ascii("BMW and Mercedes are cars, not bitmaps.\n".repeat(20)) },
  { label: "text that starts with P6 and a word", data: ascii("P6 is a pretty good name for a model.\n") },
  { label: "a run of G (0x47 every 188 bytes is not a transport stream)", data: ascii("G".repeat(2000)) },
  { label: "GIF87 without the a", data: ascii("GIF87 is a year\n") },
  { label: "HTML", data: ascii("<!DOCTYPE html>\n<html><body><svg></svg></body></html>\n") },
  { label: "JSON", data: ascii('{"svg": "<svg>", "n": 1}\n') },
  { label: "all zeros", data: new Uint8Array(4096) },
  { label: "SOI followed by EOI (no image)", data: bytes([0xff, 0xd8, 0xff, 0xd9]) },
  { label: "RIFF of an unknown form", data: bytes("RIFF", u32le(4), "ACON") },
];

describe("sniffContentType: real files of every format, named .dat", () => {
  const made = new Map<string, string>();
  beforeAll(async () => {
    requireTool("ffmpeg", "apt-get install ffmpeg");
    for (const tool of ["zip", "tar", "gzip", "bzip2", "xz", "zstd"]) requireTool(tool, `apt-get install ${tool}`);
    for (const [i, row] of ROWS.entries()) {
      const out = tmp.file(`sample-${i}.dat`);
      await row.make(out);
      made.set(row.label, out);
    }
  }, 120_000);

  it.each(ROWS)("$label", async (row) => {
    const file = made.get(row.label)!;
    const [kind, format, confidence] = row.want;
    expect(await sniffFile(file)).toEqual({ kind, format, confidence });
  });

  it("a TGA with its v2 footer cut off is still a TGA, by its header fields alone", () => {
    const full = readFileSync(made.get("TGA v2 (footer)")!);
    const v1 = full.subarray(0, full.length - 26);
    expect(sniffContentType(v1.subarray(0, SNIFF_HEAD_BYTES), v1.subarray(-26), v1.length)).toEqual({ kind: "image", format: "tga", confidence: "heuristic" });
  });

  it("an uncompressed TGA (no RLE) without footer is found too", () => {
    const out = tmp.file("raw.tga.bak");
    ffmpeg([...IMG, "-c:v", "targa", "-rle", "0", "-f", "image2", out]);
    const full = readFileSync(out);
    const v1 = full.subarray(0, full.length - 26);
    expect(sniffContentType(v1.subarray(0, 4096), v1.subarray(-26), v1.length)).toEqual({ kind: "image", format: "tga", confidence: "heuristic" });
    // ... but not when the size says its pixels cannot fit.
    expect(sniffContentType(v1.subarray(0, 4096), v1.subarray(-26), 100)).toEqual({ kind: "unknown", format: "unknown", confidence: "heuristic" });
  });

  it("a JPEG renamed .jpg.bak, and a PNG renamed .dat, are still found by their bytes", async () => {
    const jpeg = made.get("JPEG (sharp)")!;
    renameSync(jpeg, tmp.file("shot.jpg.bak"));
    expect(await sniffFile(tmp.file("shot.jpg.bak"))).toEqual({ kind: "image", format: "jpeg", confidence: "magic" });
    made.set("JPEG (sharp)", tmp.file("shot.jpg.bak"));
  });

  it("a JPEG with a TGA footer appended is still a JPEG (strong magic wins)", () => {
    const jpeg = readFileSync(made.get("JPEG (sharp)")!);
    const tail = ascii("\0\0\0\0\0\0\0\0TRUEVISION-XFILE.\0");
    expect(sniffContentType(jpeg.subarray(0, 4096), tail, jpeg.length + tail.length)).toEqual({ kind: "image", format: "jpeg", confidence: "magic" });
  });
});

describe("sniffContentType: negatives are unknown", () => {
  it.each(NEGATIVES)("$label", ({ data }) => {
    expect(sniffContentType(data.subarray(0, SNIFF_HEAD_BYTES), data.subarray(-26), data.length)).toEqual({ kind: "unknown", format: "unknown", confidence: "heuristic" });
  });

  it("1,000 random 512-byte blocks: none is called anything", () => {
    const hits: string[] = [];
    for (let seed = 1; seed <= 1000; seed++) {
      const b = randomBytes(512, seed * 7919);
      const t = sniffContentType(b, b.subarray(-26), 1 << 20);
      if (t.kind !== "unknown") hits.push(`seed ${seed}: ${t.format}`);
    }
    expect(hits).toEqual([]);
  });
});

describe("the TGA header heuristic names what is wrong", () => {
  const good = bytes([0, 0, 2], new Uint8Array(5), u16le(0), u16le(0), u16le(4), u16le(4), [24, 0]);
  it("accepts a plain 4x4 24-bit header", () => expect(tgaHeaderProblem(good, 18 + 48)).toBeNull());
  it.each([
    ["image type 0", (b: Uint8Array): void => { b[2] = 0; }, "image type 0"],
    ["colour map fields without a map", (b: Uint8Array): void => { b[5] = 1; }, "colour map fields set without a colour map"],
    ["depth 7", (b: Uint8Array): void => { b[16] = 7; }, "pixel depth 7"],
    ["interleave bits", (b: Uint8Array): void => { b[17] = 0x40; }, "interleaving bits set"],
    ["alpha bits at depth 24", (b: Uint8Array): void => { b[17] = 8; }, "8 alpha bits at depth 24"],
    ["zero width", (b: Uint8Array): void => { b[12] = 0; }, "zero width or height"],
  ] as const)("rejects %s", (_label, mutate, problem) => {
    const b = Uint8Array.from(good);
    mutate(b);
    expect(tgaHeaderProblem(b, 18 + 48)).toBe(problem);
  });
  it("rejects a file too short for its pixels", () => expect(tgaHeaderProblem(good, 40)).toBe("file of 40 bytes too short for 4x4x24"));
});
