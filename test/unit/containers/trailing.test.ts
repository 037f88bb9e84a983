// Data after an image's end: real images from sharp and ffmpeg, with things appended,
// and hand-built JPEG structure (EXIF thumbnails, MPF pictures, restart markers) that a
// naive "search for FF D9" gets wrong.

import { open, readFile, writeFile } from "node:fs/promises";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyse, runOnBuffer, StructureError, trailingOfBuffer, trailingOfFile, WALKABLE, walkerFor, walkJpeg, type Need, type TrailingReport } from "../../../src/adapters/containers/trailing.js";
import { bytes, ffmpeg, randomBytes, requireTool, run, scratch, u16be, u32be } from "./helpers.js";

const tmp = scratch("trailing");
afterAll(() => tmp.remove());

let jpeg: Uint8Array; // the "clean" picture
let genai: Uint8Array; // the one hidden after it
let png: Uint8Array;
let thumb: Uint8Array; // a tiny JPEG used as an EXIF thumbnail

const picture = (w: number, h: number, r: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r, g: 90, b: 40 } } });
const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

beforeAll(async () => {
  requireTool("ffmpeg", "apt-get install ffmpeg");
  requireTool("zip", "apt-get install zip");
  jpeg = asBytes(await picture(96, 64, 200).jpeg({ quality: 80 }).toBuffer());
  genai = asBytes(await picture(80, 80, 20).jpeg({ quality: 70 }).toBuffer());
  png = asBytes(await picture(32, 32, 120).png().toBuffer());
  thumb = asBytes(await picture(8, 8, 250).jpeg().toBuffer());
});

/** Insert a segment right after SOI. */
function withSegment(image: Uint8Array, marker: number, payload: Uint8Array): Uint8Array {
  return bytes(image.subarray(0, 2), [0xff, marker], u16be(payload.length + 2), payload, image.subarray(2));
}

/** An APP1 EXIF block whose IFD1 holds a whole JPEG thumbnail (with its own SOI..EOI). */
function exifWithThumbnail(t: Uint8Array): Uint8Array {
  const ifd0 = bytes(u16be(0), u32be(8 + 6)); // no entries; IFD1 follows
  const ifd1At = 8 + ifd0.length;
  const thumbAt = ifd1At + 2 + 2 * 12 + 4;
  const ifd1 = bytes(u16be(2), u16be(0x0201), u16be(4), u32be(1), u32be(thumbAt), u16be(0x0202), u16be(4), u32be(1), u32be(t.length), u32be(0));
  return bytes("Exif\0\0", "MM", [0, 0x2a], u32be(8), ifd0, ifd1, t);
}

/**
 * A multi-picture (MPF) JPEG: `primary` with an APP2 MP index declaring `secondary`, which
 * follows the primary's EOI after `gap` bytes of padding. Offsets in the index are relative
 * to the MP header ("MM"), which sits 10 bytes into the file (SOI, FFE2, length, "MPF\0").
 */
function mpf(primary: Uint8Array, secondary: Uint8Array, gap = 0, declaredOffsetShift = 0): { file: Uint8Array; primaryLength: number } {
  const entriesAt = 8 + 2 + 3 * 12 + 4;
  const tiffAt = 10;
  const segLength = 2 + 4 + entriesAt + 32; // length field, "MPF\0", header+IFD, two 16-byte entries
  const primaryLength = primary.length + 2 + segLength;
  const secondaryAt = primaryLength + gap;
  const ifd = bytes(
    u16be(3),
    [0xb0, 0x00, 0, 7], u32be(4), "0100",
    [0xb0, 0x01, 0, 4], u32be(1), u32be(2),
    [0xb0, 0x02, 0, 7], u32be(32), u32be(entriesAt),
    u32be(0),
  );
  const entries = bytes(
    u32be(0x20030000), u32be(primaryLength), u32be(0), [0, 0, 0, 0],
    u32be(0), u32be(secondary.length), u32be(secondaryAt - tiffAt + declaredOffsetShift), [0, 0, 0, 0],
  );
  const payload = bytes("MPF\0", "MM", [0, 0x2a], u32be(8), ifd, entries);
  const first = withSegment(primary, 0xe2, payload);
  expect(first.length).toBe(primaryLength);
  return { file: bytes(first, new Uint8Array(gap), secondary), primaryLength };
}

/** Both entry points must agree; return the buffer one (bytesRead differs by design). */
async function both(name: string, data: Uint8Array): Promise<TrailingReport | null> {
  const path = tmp.file(name);
  await writeFile(path, data);
  const fromBuffer = trailingOfBuffer(data);
  const fromFile = await trailingOfFile(path);
  const strip = (r: TrailingReport | null) => (r ? { ...r, bytesRead: 0 } : r);
  expect(strip(fromFile)).toEqual(strip(fromBuffer));
  return fromBuffer;
}

describe("JPEG", () => {
  it("a clean baseline JPEG ends at its EOI, with nothing after it", async () => {
    const r = await both("clean.jpg", jpeg);
    expect(r).toMatchObject({ format: "jpeg", size: jpeg.length, end: jpeg.length, trailing: 0, parts: [], embedded: [], scanned: 0 });
  });

  it("a progressive JPEG (many scans, tables between them) too", async () => {
    const p = asBytes(await picture(200, 120, 10).jpeg({ progressive: true }).toBuffer());
    expect(await both("progressive.jpg", p)).toMatchObject({ end: p.length, trailing: 0, embedded: [] });
  });

  it("a whole GenAI JPEG appended is trailing data, and is found as an embedded JPEG", async () => {
    const r = await both("appended.jpg", bytes(jpeg, genai));
    expect(r).toEqual({
      format: "jpeg",
      size: jpeg.length + genai.length,
      end: jpeg.length,
      trailing: genai.length,
      parts: [],
      embedded: [{ offset: jpeg.length, length: genai.length, format: "jpeg", kind: "image", lengthKnown: true }],
      scanned: genai.length,
      bytesRead: expect.any(Number) as number,
    });
  });

  it("an EXIF thumbnail inside APP1 (a whole JPEG with its own EOI) is part of the file, not trailing", async () => {
    const withThumb = withSegment(jpeg, 0xe1, exifWithThumbnail(thumb));
    expect(await both("thumb.jpg", withThumb)).toMatchObject({ end: withThumb.length, trailing: 0, embedded: [] });
  });

  it("a GenAI JPEG that itself carries a thumbnail is found once, as one embedded file", async () => {
    const hidden = withSegment(genai, 0xe1, exifWithThumbnail(thumb));
    const r = await both("thumb-hidden.jpg", bytes(jpeg, hidden));
    expect(r?.embedded).toEqual([{ offset: jpeg.length, length: hidden.length, format: "jpeg", kind: "image", lengthKnown: true }]);
  });

  it("entropy data with FF00 stuffing, restart markers, fill bytes and a fake EOI inside a comment", () => {
    const sof = bytes([0xff, 0xc0], u16be(11), [8], u16be(1), u16be(1), [1, 1, 0x11, 0]);
    const sos = bytes([0xff, 0xda], u16be(8), [1, 1, 0, 0, 63, 0]);
    const entropy = bytes([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0x00, 0xff, 0xd7, 0x78, 0xff, 0x00]);
    const comment = bytes([0xff, 0xfe], u16be(6), [0xff, 0xd9, 0xff, 0xd9]); // "FFD9" inside a COM segment
    const file = bytes([0xff, 0xd8], comment, sof, sos, entropy, [0xff, 0xff, 0xff, 0xd9]);
    const r = trailingOfBuffer(file);
    expect(r).toMatchObject({ format: "jpeg", end: file.length, trailing: 0 });
    // The same walk, byte for byte, when the entropy data straddles the 64 KiB window edge.
    const big = bytes([0xff, 0xd8], sof, sos, new Uint8Array(65536 - 2 - sof.length - sos.length - 1), [0xff, 0x00, 0x11, 0xff, 0xd9], genai);
    expect(trailingOfBuffer(big)).toMatchObject({ end: big.length - genai.length, trailing: genai.length });
  });

  it("MPF: a declared second picture after EOI is part of the file, listed in parts", async () => {
    const { file, primaryLength } = mpf(jpeg, genai);
    const r = await both("mpf.jpg", file);
    expect(r).toMatchObject({
      end: file.length,
      trailing: 0,
      parts: [{ offset: primaryLength, length: genai.length, format: "jpeg", declaredBy: "mpf" }],
      embedded: [],
    });
    expect(r?.note).toBeUndefined();
  });

  it("MPF: zero padding between pictures is allowed; a JPEG appended after the MPF pictures is still trailing", async () => {
    const { file, primaryLength } = mpf(jpeg, genai, 100);
    const r = await both("mpf-more.jpg", bytes(file, thumb));
    expect(r).toMatchObject({
      end: file.length,
      trailing: thumb.length,
      parts: [{ offset: primaryLength + 100, length: genai.length }],
      embedded: [{ offset: file.length, length: thumb.length, format: "jpeg", lengthKnown: true }],
    });
  });

  it("MPF: an index pointing past other data does not stretch the end over it", async () => {
    // The declared offset is 10 bytes late, so the picture there does not walk as a JPEG.
    const { file, primaryLength } = mpf(jpeg, genai, 0, 10);
    const r = await both("mpf-bad.jpg", file);
    expect(r).toMatchObject({
      end: primaryLength,
      trailing: genai.length,
      parts: [],
      note: "the MPF index declares 1 more picture(s); 0 follow the first image",
      embedded: [{ offset: primaryLength, length: genai.length, format: "jpeg" }],
    });
  });

  it("a cut-off JPEG is an error that says where and what", async () => {
    const noisy = asBytes(await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 0 }, noise: { type: "gaussian", mean: 128, sigma: 40 } } }).jpeg().toBuffer());
    const cut = noisy.subarray(0, noisy.length - 100);
    expect(() => trailingOfBuffer(cut)).toThrow(StructureError);
    expect(() => trailingOfBuffer(cut)).toThrow(/^jpeg at byte \d+: the file ends inside entropy-coded data, before end-of-image$/);
    expect(() => trailingOfBuffer(bytes([0xff, 0xd8, 0xff, 0xe0], u16be(4), [0, 0, 0xff, 0xdb], u16be(1)))).toThrow("jpeg at byte 8: segment FFDB has length 1");
    expect(() => trailingOfBuffer(jpeg.subarray(0, 150))).toThrow(/^jpeg at byte \d+: the file ends inside (a marker|a segment length|an APP2 segment)$/);
    expect(() => trailingOfBuffer(bytes([0xff, 0xd8, 0xff, 0xe0], u16be(4), [0, 0, 0x00, 0x11]))).toThrow("jpeg at byte 8: expected a marker, found byte 0x00");
  });

  it("walkJpeg asks for at most 64 KiB at a time", () => {
    const sof = bytes([0xff, 0xc0], u16be(11), [8], u16be(1), u16be(1), [1, 1, 0x11, 0]);
    const sos = bytes([0xff, 0xda], u16be(8), [1, 1, 0, 0, 63, 0]);
    const file = bytes([0xff, 0xd8], sof, sos, new Uint8Array(3 * 1024 * 1024), [0xff, 0xd9]);
    const asks: Need[] = [];
    const w = walkJpeg(0, true);
    let step = w.next();
    while (!step.done) {
      asks.push(step.value);
      step = w.next(file.subarray(step.value.at, step.value.at + step.value.len));
    }
    expect(step.value.end).toBe(file.length);
    expect(Math.max(...asks.map((a) => a.len))).toBe(65536);
  });
});

describe("other formats", () => {
  it("PNG: ends after IEND; a zip appended (a PNG/zip polyglot) is found, its length running to the end", async () => {
    const zipPath = tmp.file("inner.zip");
    await writeFile(tmp.file("note.txt"), "hello\n");
    run("zip", ["-q", "-j", zipPath, tmp.file("note.txt")]);
    const zip = await readFile(zipPath);
    const r = await both("poly.png", bytes(png, zip));
    expect(r).toMatchObject({ format: "png", end: png.length, trailing: zip.length, embedded: [{ offset: png.length, length: zip.length, format: "zip", kind: "archive", lengthKnown: false }] });
  });

  it("PNG without IEND is an error", () => {
    expect(() => trailingOfBuffer(png.subarray(0, png.length - 12))).toThrow(/^png at byte \d+: the file ends inside a chunk header$/);
  });

  it("GIF (animated, by ffmpeg): ends at the trailer byte; an appended JPEG is found", async () => {
    const path = tmp.file("anim.gif");
    ffmpeg(["-f", "lavfi", "-i", "testsrc=size=48x32:rate=5", "-t", "1", "-f", "gif", path]);
    const gif = await readFile(path);
    const r = await both("anim+jpeg.gif", bytes(gif, genai));
    expect(r).toMatchObject({ format: "gif", end: gif.length, trailing: genai.length, embedded: [{ offset: gif.length, format: "jpeg", lengthKnown: true }] });
  });

  it("GIF without its trailer is an error", async () => {
    const gif = asBytes(await picture(8, 8, 1).gif().toBuffer());
    expect(() => trailingOfBuffer(gif.subarray(0, gif.length - 1))).toThrow(/^gif at byte \d+: the file ends inside a block$/);
  });

  it("WebP: ends where the RIFF size says; a PNG appended after 3 bytes of junk is found", async () => {
    const webp = asBytes(await picture(40, 30, 7).webp().toBuffer());
    const r = await both("x.webp", bytes(webp, "abc", png));
    expect(r).toMatchObject({ format: "webp", end: webp.length, trailing: 3 + png.length, embedded: [{ offset: webp.length + 3, length: png.length, format: "png", lengthKnown: true }] });
  });

  it("WAV with an odd-sized data chunk: the pad byte belongs to the file", async () => {
    const path = tmp.file("odd.wav");
    ffmpeg(["-f", "lavfi", "-i", "sine=sample_rate=8000", "-af", "atrim=end_sample=1001", "-ac", "1", "-c:a", "pcm_u8", "-f", "wav", path]);
    const wav = await readFile(path);
    expect(await both("odd.wav", wav)).toMatchObject({ format: "wav", end: wav.length, trailing: 0 });
    expect(await both("odd+jpeg.wav", bytes(wav, jpeg))).toMatchObject({ end: wav.length, trailing: jpeg.length, embedded: [{ offset: wav.length, format: "jpeg" }] });
  });

  it("AVI, MP4, MOV, Matroska, WebM and BMP: an appended JPEG is trailing and found", async () => {
    const V = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-t", "0.5"];
    const made: Array<[string, string[], string]> = [
      ["v.avi", [...V, "-c:v", "mpeg4", "-f", "avi"], "avi"],
      ["v.mp4", [...V, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4"], "mp4"],
      ["v.mov", [...V, "-c:v", "mjpeg", "-f", "mov"], "mov"],
      ["v.mkv", [...V, "-c:v", "mpeg4", "-f", "matroska"], "mkv"],
      ["v.webm", [...V, "-c:v", "libvpx", "-f", "webm"], "webm"],
      ["v.bmp", ["-f", "lavfi", "-i", "testsrc=size=63x47", "-frames:v", "1", "-c:v", "bmp", "-f", "image2"], "bmp"],
    ];
    for (const [name, args, format] of made) {
      ffmpeg([...args, tmp.file(name)]);
      const data = await readFile(tmp.file(name));
      expect(await both(name, data), name).toMatchObject({ format, end: data.length, trailing: 0, embedded: [] });
      expect(await both(`${name}+.jpg`, bytes(data, genai)), name).toMatchObject({
        format,
        end: data.length,
        trailing: genai.length,
        embedded: [{ offset: data.length, length: genai.length, format: "jpeg", lengthKnown: true }],
      });
    }
  });

  it("an MP4 cut inside a box is an error naming the box", async () => {
    const mp4 = await readFile(tmp.file("v.mp4"));
    expect(() => trailingOfBuffer(mp4.subarray(0, mp4.length - 10))).toThrow(/^mp4 at byte \d+: box "(moov|mdat)" declares \d+ bytes but only \d+ remain$/);
  });

  it("every format listed as walkable has a walker, and others have none", () => {
    expect(WALKABLE.filter((f) => walkerFor(f, 0, 0) === null)).toEqual([]);
    expect(["tiff", "pdf", "mp3", "zip", "tga", "unknown"].map((f) => walkerFor(f, 0, 0))).toEqual([null, null, null, null, null, null]);
  });

  it("a format with no walkable end (TIFF) gives null rather than a guess", async () => {
    const tiff = asBytes(await picture(8, 8, 3).tiff().toBuffer());
    expect(trailingOfBuffer(tiff)).toBeNull();
    expect(await both("x.tiff", tiff)).toBeNull();
  });
});

describe("searching the trailing data", () => {
  it("random trailing bytes hold no embedded files (no false positives in 1 MiB)", async () => {
    const noise = randomBytes(1 << 20, 42);
    const r = await both("noise.jpg", bytes(jpeg, noise));
    expect(r).toMatchObject({ end: jpeg.length, trailing: noise.length, embedded: [], scanned: noise.length });
  });

  it("a JPEG whose signature straddles the 256 KiB search-window edge is found", async () => {
    for (const pad of [256 * 1024 - 1, 256 * 1024 - 2, 256 * 1024 - 16, 256 * 1024 - 17]) {
      const r = await both(`straddle-${pad}.jpg`, bytes(jpeg, new Uint8Array(pad), genai));
      expect(r?.embedded, `pad ${pad}`).toEqual([{ offset: jpeg.length + pad, length: genai.length, format: "jpeg", kind: "image", lengthKnown: true }]);
    }
  });

  it("maxScanBytes bounds the search, and says how much was searched", () => {
    const data = bytes(jpeg, new Uint8Array(5000), genai);
    expect(trailingOfBuffer(data, { maxScanBytes: 4096 })).toMatchObject({ trailing: 5000 + genai.length, scanned: 4096, embedded: [] });
    expect(trailingOfBuffer(data, { maxScanBytes: 8192 })?.embedded).toHaveLength(1);
  });

  it("crafted trailing data (fake GIF headers whose sub-block chains run to the end) cannot make the search quadratic", async () => {
    // Every byte is non-zero, so from each fake header the GIF walk follows sub-blocks to
    // the end of the file: 64 walks of ~2 MiB each without the meter.
    const fake = bytes("GIF89a", [1, 1, 1, 1, 0x70, 1, 1, 0x21, 0xf9], new Uint8Array(64 * 1024).fill(0xff));
    const trailing = bytes(...Array.from({ length: 64 }, () => fake));
    const path = tmp.file("quadratic.jpg");
    await writeFile(path, bytes(jpeg, trailing));
    const r = await trailingOfFile(path);
    expect(r?.note).toMatch(/^the search for embedded files stopped at byte \d+: candidates there took more than 4 times the searched bytes to walk$/);
    expect(r!.scanned).toBeLessThan(trailing.length);
    expect(r!.bytesRead).toBeLessThan(6 * trailing.length);
  });

  it("several files appended one after another are each found", async () => {
    const r = await both("many.jpg", bytes(jpeg, genai, png, thumb));
    expect(r?.embedded.map((e) => [e.offset, e.length, e.format])).toEqual([
      [jpeg.length, genai.length, "jpeg"],
      [jpeg.length + genai.length, png.length, "png"],
      [jpeg.length + genai.length + png.length, thumb.length, "jpeg"],
    ]);
  });

  it("a 5 GiB MP4 (sparse) with a JPEG after it: a few reads find both, memory stays bounded", async () => {
    const path = tmp.file("huge.mp4");
    const fh = await open(path, "w");
    const mdatSize = 5 * 1024 ** 3;
    const ftypBox = bytes(u32be(20), "ftyp", "isom", u32be(0x200), "isom");
    const mdatHeader = bytes(u32be(1), "mdat", u32be(Math.floor(mdatSize / 2 ** 32)), u32be(mdatSize % 2 ** 32));
    await fh.write(ftypBox, 0, ftypBox.length, 0);
    await fh.write(mdatHeader, 0, mdatHeader.length, ftypBox.length);
    const end = ftypBox.length + mdatSize;
    await fh.write(genai, 0, genai.length, end); // everything between is a hole: no disk used
    await fh.close();
    const r = await trailingOfFile(path);
    expect(r).toMatchObject({ format: "mp4", end, trailing: genai.length, embedded: [{ offset: end, length: genai.length, format: "jpeg" }] });
    expect(r!.bytesRead).toBeLessThan(256 * 1024);
  });

  it("every request the whole analysis makes is at most 256 KiB, even over 3 MiB of trailing zeros", () => {
    const data = bytes(jpeg, new Uint8Array(3 << 20), genai);
    const asks: number[] = [];
    const parser = analyse(data.length, 1 << 30);
    let step = parser.next();
    while (!step.done) {
      asks.push(step.value.len);
      step = parser.next(data.subarray(step.value.at, step.value.at + step.value.len));
    }
    expect(step.value?.embedded).toHaveLength(1);
    expect(Math.max(...asks)).toBe(256 * 1024);
    // The buffer driver gives the same answer as stepping by hand.
    expect(runOnBuffer(analyse(data.length, 1 << 30), data)).toEqual(step.value);
  });
});
