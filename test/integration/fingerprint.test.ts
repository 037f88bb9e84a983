// Perceptual fingerprints on real files: generated stills and their derivatives through
// real sharp, H.264 renders through real ffmpeg. CI installs ffmpeg: nothing is skipped.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DERIVATIVES, ffmpegRun, flatFrames, generateSet, stillPng, type GeneratedSet } from "../../bench/images.js";
import {
  FFMPEG_MISSING,
  FfmpegMissingError,
  FingerprintError,
  MATCH_MAX,
  PARTIAL_MIN_SHARE,
  POSSIBLE_MAX,
  chunks16,
  findFfmpeg,
  fingerprintFrameAt,
  fingerprintImage,
  fingerprintVideo,
  hamming,
  hashGrey,
  isFingerprintableImage,
  neighbours16,
  popcount32,
  probeVideo,
  verdictFor,
  type ImageFingerprint,
} from "../../src/adapters/decode/index.js";
import { processAlive as alive, waitFor } from "../helpers/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prov-fingerprint-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SECONDS_EACH = 2.5;
const FPS = 24;
let set: GeneratedSet;
let originals: ImageFingerprint[];

beforeAll(async () => {
  set = await generateSet(path.join(dir, "set"), {
    originals: 6,
    unrelated: 20,
    size: [640, 360],
    clip: { width: 1280, height: 720, fps: FPS, secondsEach: SECONDS_EACH, preset: "ultrafast" },
  });
  originals = await Promise.all(set.originals.map((f) => fingerprintImage(f)));
}, 60_000);

async function rejection(p: Promise<unknown>): Promise<FingerprintError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FingerprintError);
  return err as FingerprintError;
}

describe("hash helpers", () => {
  const a = "0123456789abcdef";
  it("hamming counts differing bits, both halves", () => {
    expect(hamming(a, a)).toBe(0);
    expect(hamming("0000000000000000", "ffffffffffffffff")).toBe(64);
    expect(hamming("8000000000000001", "0000000000000000")).toBe(2);
    expect(hamming("0123456789ABCDEF", a)).toBe(0);
    expect(hamming("00000000ffffffff", "ffffffff00000000")).toBe(64);
    expect(() => hamming("0123456789abcdeg", a)).toThrow(RangeError);
    expect(() => hamming("0123", a)).toThrow(RangeError);
    expect(popcount32(0xffffffff)).toBe(32);
  });

  it("chunks16 splits into four 16-bit values, most significant first", () => {
    expect(chunks16(a)).toEqual([0x0123, 0x4567, 0x89ab, 0xcdef]);
    expect(chunks16("ffff0000ffff0000")).toEqual([65535, 0, 65535, 0]);
    expect(() => chunks16("xyz")).toThrow(RangeError);
  });

  it("neighbours16 lists every value within the radius, once", () => {
    const x = 0xbeef;
    const n2 = neighbours16(x, 2);
    expect(n2.length).toBe(137);
    expect(new Set(n2).size).toBe(137);
    expect(n2[0]).toBe(x);
    for (const v of n2) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(0xffff);
      expect(popcount32(v ^ x)).toBeLessThanOrEqual(2);
    }
    // Nothing within 2 is left out.
    let within = 0;
    for (let v = 0; v < 65536; v++) if (popcount32(v ^ x) <= 2) within++;
    expect(within).toBe(137);
    expect(neighbours16(x, 0)).toEqual([x]);
    expect(neighbours16(x, 1).length).toBe(17);
    expect(neighbours16(x, 4).length).toBe(2517);
    expect(new Set(neighbours16(0, 16)).size).toBe(65536);
    expect(() => neighbours16(65536, 1)).toThrow(RangeError);
  });

  it("multi-index: hashes within POSSIBLE_MAX share a chunk within floor(POSSIBLE_MAX / 4)", () => {
    const r = Math.floor(POSSIBLE_MAX / 4);
    const h = originals[0]!.hash;
    // Flip POSSIBLE_MAX bits spread evenly over the four chunks: the worst case.
    let hi = Number.parseInt(h.slice(0, 8), 16);
    let lo = Number.parseInt(h.slice(8), 16);
    for (let i = 0; i < POSSIBLE_MAX; i++) {
      const bit = (i % 4) * 16 + Math.floor(i / 4);
      if (bit < 32) hi ^= 1 << (31 - bit);
      else lo ^= 1 << (63 - bit);
    }
    const far = (hi >>> 0).toString(16).padStart(8, "0") + (lo >>> 0).toString(16).padStart(8, "0");
    expect(hamming(h, far)).toBe(POSSIBLE_MAX);
    const [a0, a1, a2, a3] = chunks16(h);
    const found = [a0, a1, a2, a3].some((c, i) => neighbours16(c, r).includes(chunks16(far)[i]!));
    expect(found).toBe(true);
  });

  it("verdictFor follows MATCH_MAX and POSSIBLE_MAX", () => {
    expect(verdictFor(0)).toBe("match");
    expect(verdictFor(MATCH_MAX)).toBe("match");
    expect(verdictFor(MATCH_MAX + 1)).toBe("possible");
    expect(verdictFor(POSSIBLE_MAX)).toBe("possible");
    expect(verdictFor(POSSIBLE_MAX + 1)).toBe("none");
  });

  it("hashGrey: flat input is lowDetail and all zeros; wrong sizes are refused", () => {
    expect(hashGrey(new Uint8Array(1024).fill(77))).toEqual({ hash: "0000000000000000", lowDetail: true });
    expect(() => hashGrey(new Uint8Array(100))).toThrow(RangeError);
  });
});

describe("stills", () => {
  it("finds every kind of derivative (match or possible)", async () => {
    for (const d of DERIVATIVES) {
      for (let i = 0; i < set.originals.length; i++) {
        const f = await fingerprintImage(set.derivatives[d.kind]![i]!);
        const dist = hamming(f.hash, originals[i]!.hash);
        expect({ kind: d.kind, i, verdict: verdictFor(dist) }).not.toEqual({ kind: d.kind, i, verdict: "none" });
        // Everything but the crops is a plain match.
        if (!d.kind.startsWith("crop")) expect({ kind: d.kind, i, dist, verdict: verdictFor(dist) }).toMatchObject({ verdict: "match" });
        expect(f.lowDetail).toBe(false);
      }
    }
  });

  it("does not match unrelated stills", async () => {
    const unrelated = await Promise.all(set.unrelated.map((f) => fingerprintImage(f)));
    for (const u of unrelated) for (const o of originals) expect(verdictFor(hamming(u.hash, o.hash))).toBe("none");
    for (let i = 0; i < originals.length; i++) for (let j = i + 1; j < originals.length; j++) expect(verdictFor(hamming(originals[i]!.hash, originals[j]!.hash))).toBe("none");
  });

  it("reports the displayed size and honours EXIF orientation", async () => {
    expect(originals[0]).toMatchObject({ width: 640, height: 360, lowDetail: false });
    // Pixels stored rotated 90 degrees clockwise, tagged to be shown rotated back (orientation 8).
    const rotated = path.join(dir, "rotated.jpg");
    await sharp(set.originals[0]!).rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 95 }).toFile(rotated);
    const meta = await sharp(rotated).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([360, 640, 8]);
    const f = await fingerprintImage(rotated);
    expect(f).toMatchObject({ width: 640, height: 360 });
    expect(hamming(f.hash, originals[0]!.hash)).toBeLessThanOrEqual(4);
  });

  it("decodes WebP, TIFF, AVIF, GIF, 16-bit PNG and alpha to the same picture", async () => {
    const src = set.originals[1]!;
    const want = originals[1]!.hash;
    const files: Record<string, string> = {};
    files["webp"] = path.join(dir, "x.webp");
    await sharp(src).webp({ quality: 80 }).toFile(files["webp"]);
    files["tiff"] = path.join(dir, "x.tif");
    await sharp(src).tiff({ compression: "lzw" }).toFile(files["tiff"]);
    files["tiff16"] = path.join(dir, "x16.tif");
    await sharp(src).toColourspace("rgb16").tiff().toFile(files["tiff16"]);
    files["png16"] = path.join(dir, "x16.png");
    await sharp(src).toColourspace("rgb16").png().toFile(files["png16"]);
    files["avif"] = path.join(dir, "x.avif");
    await sharp(src).avif({ quality: 60 }).toFile(files["avif"]);
    files["gif"] = path.join(dir, "x.gif");
    await sharp(src).gif().toFile(files["gif"]);
    files["alpha"] = path.join(dir, "alpha.png");
    await sharp(src).ensureAlpha(1).png().toFile(files["alpha"]);
    expect((await sharp(files["png16"]).metadata()).depth).toBe("ushort");
    for (const [kind, file] of Object.entries(files)) {
      const f = await fingerprintImage(file);
      expect({ kind, verdict: verdictFor(hamming(f.hash, want)) }).toEqual({ kind, verdict: "match" });
    }
  });

  it("names what it will try by extension", () => {
    for (const ok of ["a.jpg", "b.JPEG", "c.png", "d.webp", "e.tif", "f.tiff", "g.avif", "h.gif", ".png", "png", "PNG"]) expect(isFingerprintableImage(ok)).toBe(true);
    for (const no of ["a.heic", "a.heif", "a.exr", "a.dpx", "a.mov", "a.txt", "noext", ""]) expect(isFingerprintableImage(no)).toBe(false);
  });
});

describe("flat frames", () => {
  it("marks black, grey, white, one colour and grainy black as lowDetail; a slate is not, and matches nothing", async () => {
    const flats = await flatFrames(path.join(dir, "flat"), 640, 360);
    for (const name of ["black", "grey", "white", "red", "black-grain"]) {
      const f = await fingerprintImage(flats[name]!);
      expect({ name, lowDetail: f.lowDetail }).toEqual({ name, lowDetail: true });
      // Solid frames hash alike (hence lowDetail); grain, what survives of it, hashes as noise.
      if (name !== "black-grain") expect(f.hash).toBe("0000000000000000");
      for (const o of originals) expect(verdictFor(hamming(f.hash, o.hash))).not.toBe("match");
    }
    const slate = await fingerprintImage(flats["slate"]!);
    expect(slate.lowDetail).toBe(false);
    for (const o of originals) expect(verdictFor(hamming(slate.hash, o.hash))).toBe("none");
  });
});

describe("bad image input", () => {
  const cases: Array<[string, (p: string) => void, RegExp]> = [
    ["empty.png", (p) => fs.writeFileSync(p, ""), /empty file/],
    ["text.png", (p) => fs.writeFileSync(p, "this is not a picture\n"), /not an image in a supported format/],
    ["dir.png", (p) => fs.mkdirSync(p), /is a directory/],
    ["missing.png", () => undefined, /no such file/],
  ];
  for (const [name, make, reason] of cases) {
    it(`${name}: FingerprintError naming the file`, async () => {
      const p = path.join(dir, "bad", name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      make(p);
      const err = await rejection(fingerprintImage(p));
      expect(err.file).toBe(p);
      expect(err.message).toBe(`${p}: cannot fingerprint: ${err.reason}`);
      expect(err.reason).toMatch(reason);
    });
  }

  it("a JPEG cut to a third fails as truncated (not hashed from grey filler): most of the picture is missing", async () => {
    const p = path.join(dir, "bad", "third.jpg");
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const full = await sharp(await stillPng(7, [640, 360])).jpeg({ quality: 90 }).toBuffer();
    fs.writeFileSync(p, full.subarray(0, Math.floor(full.length / 3)));
    const err = await rejection(fingerprintImage(p));
    expect(err.reason).toMatch(/^truncated or corrupt image data \(about \d+% of the picture decodes\)$/);
    expect(Number(/about (\d+)%/.exec(err.reason)![1])).toBeLessThan(PARTIAL_MIN_SHARE * 100);
    expect(err.message).toContain(p);
  });

  it("a JPEG or PNG missing its last 200 bytes is fingerprinted from what a viewer shows, and says so", async () => {
    const whole = await fingerprintImage(set.originals[0]!);
    for (const [name, bytes] of [
      ["cut.jpg", await sharp(set.originals[0]!).jpeg({ quality: 90 }).toBuffer()],
      ["cut.png", fs.readFileSync(set.originals[0]!)],
    ] as const) {
      const p = path.join(dir, "bad", name);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, bytes.subarray(0, bytes.length - 200));
      const f = await fingerprintImage(p);
      expect(f.partial, name).toMatch(/^truncated or corrupt image data: fingerprinted what decodes \(about \d+% of the picture\), as a viewer shows it$/);
      const best = Math.min(hamming(f.hash, whole.hash), f.trimmed ? hamming(f.trimmed.hash, whole.hash) : 64);
      expect(best, name).toBeLessThanOrEqual(MATCH_MAX);
    }
  });

  it("an unreadable file: permission denied (as user nobody when the tests run as root)", async () => {
    const p = path.join(dir, "bad", "locked.png");
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.copyFileSync(set.originals[0]!, p);
    fs.chmodSync(p, 0);
    if (process.getuid?.() !== 0) {
      const err = await rejection(fingerprintImage(p));
      expect(err.reason).toBe("permission denied");
      return;
    }
    // Root reads anything: ask as nobody, in a child process, with the folders traversable.
    for (let d = path.dirname(p); d.startsWith(dir); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    const mod = path.resolve("dist/src/adapters/decode/index.js");
    const script = `import(${JSON.stringify(mod)}).then((m) => m.fingerprintImage(${JSON.stringify(p)})).then(() => console.log("read"), (e) => console.log(e.reason))`;
    const out = execFileSync(process.execPath, ["-e", script], { uid: 65534, gid: 65534, encoding: "utf8" });
    expect(out.trim()).toBe("permission denied");
  });
});

describe("video", () => {
  it("samples every second and at the cut, with frame-accurate times, matching the stills", async () => {
    const v = await fingerprintVideo(set.clips[0]!);
    expect(v.info).toMatchObject({ width: 1280, height: 720, fpsNum: FPS, fpsDen: 1, frames: 2 * SECONDS_EACH * FPS, codec: "h264", startTimecode: null });
    expect(v.info.duration).toBeCloseTo(2 * SECONDS_EACH, 1);
    const frame = 1 / FPS;
    const want: Array<[number, "interval" | "scene", number]> = [
      [0, "interval", 0],
      [1, "interval", 0],
      [2, "interval", 0],
      [2.5, "scene", 1],
      [3.5, "interval", 1],
      [4.5, "interval", 1],
    ];
    expect(v.frames.length).toBe(want.length);
    v.frames.forEach((f, i) => {
      const [seconds, reason, still] = want[i]!;
      expect(Math.abs(f.seconds - seconds)).toBeLessThanOrEqual(2 * frame);
      expect(f.reason).toBe(reason);
      expect(f.lowDetail).toBe(false);
      expect({ i, verdict: verdictFor(hamming(f.hash, originals[still]!.hash)) }).toEqual({ i, verdict: "match" });
      expect(verdictFor(hamming(f.hash, originals[1 - still]!.hash))).toBe("none");
    });
    const capped = await fingerprintVideo(set.clips[0]!, { maxFrames: 2 });
    expect(capped.frames.map((f) => f.seconds)).toEqual(v.frames.slice(0, 2).map((f) => f.seconds));
  });

  it("fingerprints the frame nearest a time", async () => {
    const b = await fingerprintFrameAt(set.clips[0]!, 3.0);
    expect(verdictFor(hamming(b.hash, originals[1]!.hash))).toBe("match");
    const a = await fingerprintFrameAt(set.clips[0]!, 2.5 - 1 / FPS);
    expect(verdictFor(hamming(a.hash, originals[0]!.hash))).toBe("match");
    const err = await rejection(fingerprintFrameAt(set.clips[0]!, 60));
    expect(err.reason).toMatch(/no frame at 60\.000 s/);
  });

  it("reads the start timecode of a QuickTime tmcd track; black video is lowDetail", async () => {
    const mov = path.join(dir, "tc.mov");
    await ffmpegRun(["-f", "lavfi", "-i", "color=c=black:s=320x180:r=25:d=1", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-timecode", "01:00:10:00", mov]);
    const info = await probeVideo(mov);
    expect(info).toMatchObject({ startTimecode: "01:00:10:00", fpsNum: 25, fpsDen: 1, frames: 25, width: 320, height: 180 });
    const v = await fingerprintVideo(mov);
    expect(v.frames.length).toBe(1);
    expect(v.frames[0]).toMatchObject({ seconds: 0, lowDetail: true, hash: "0000000000000000" });
  });

  it("bad video input throws FingerprintError naming the file", async () => {
    const notVideo = path.join(dir, "bad", "text.mp4");
    fs.mkdirSync(path.dirname(notVideo), { recursive: true });
    fs.writeFileSync(notVideo, "not a video at all\n".repeat(100));
    let err = await rejection(fingerprintVideo(notVideo));
    expect(err.message.startsWith(`${notVideo}: cannot fingerprint: `)).toBe(true);
    expect(err.reason).toMatch(/Invalid data found/);

    // moov first (faststart), the media data cut short: ffmpeg exits 0 after what it could read.
    const whole = path.join(dir, "bad", "whole.mov");
    await ffmpegRun(["-f", "lavfi", "-i", "testsrc2=s=640x360:r=24:d=3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", whole]);
    const cut = path.join(dir, "bad", "cut.mov");
    const bytes = fs.readFileSync(whole);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
    err = await rejection(fingerprintVideo(cut));
    expect(err.file).toBe(cut);
    expect(err.reason).toMatch(/truncated video/);

    const wav = path.join(dir, "bad", "tone.wav");
    await ffmpegRun(["-f", "lavfi", "-i", "sine=d=0.5", wav]);
    err = await rejection(fingerprintVideo(wav));
    expect(err.reason).toBe("no video stream (audio only)");

    err = await rejection(fingerprintVideo(path.join(dir, "bad", "nope.mp4")));
    expect(err.reason).toMatch(/no such file/);
  });

  it("stops a hung ffmpeg", async () => {
    const hang = path.join(dir, "hang.sh");
    const pids = path.join(dir, "hang.pids");
    // Each stand-in ffmpeg says who it is, then hangs; the fingerprinter must end it, not wait it out.
    fs.writeFileSync(hang, `#!/bin/sh\necho $$ >> ${JSON.stringify(pids)}\nexec sleep 600\n`, { mode: 0o755 });
    const err = await rejection(fingerprintVideo(set.clips[0]!, { tools: { ffmpeg: hang, ffprobe: hang }, stallSeconds: 0.5 }));
    expect(err.reason).toMatch(/no progress for 0.5 s/);
    const started = fs.readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(started.length).toBeGreaterThan(0);
    await waitFor(() => started.every((pid) => !alive(pid)), `the hung ffmpeg (pids ${started.join(", ")}) to be ended`);
  });
});

describe("finding ffmpeg", () => {
  it("finds ffmpeg and ffprobe on PATH", () => {
    const tools = findFfmpeg();
    expect(tools).not.toBeNull();
    expect(execFileSync(tools!.ffprobe, ["-version"], { encoding: "utf8" })).toMatch(/ffprobe version/);
  });

  it("says null when they are missing, and the video path says what to install", async () => {
    expect(findFfmpeg({ PATH: "" })).toBeNull();
    expect(findFfmpeg({ ...process.env, PROV_FFMPEG: "/nonexistent/ffmpeg" })).toBeNull();
    expect(findFfmpeg({ ...process.env, PROV_FFPROBE: "/nonexistent/ffprobe" })).toBeNull();
    const real = findFfmpeg()!;
    expect(findFfmpeg({ PATH: "", PROV_FFMPEG: real.ffmpeg })).toEqual(real); // ffprobe found next to it
    expect(FFMPEG_MISSING).toMatch(/apt-get install ffmpeg/);

    const saved = process.env["PROV_FFMPEG"];
    process.env["PROV_FFMPEG"] = "/nonexistent";
    try {
      const err = await rejection(fingerprintVideo(set.clips[0]!));
      expect(err).toBeInstanceOf(FfmpegMissingError);
      expect(err.reason).toBe(FFMPEG_MISSING);
    } finally {
      if (saved === undefined) delete process.env["PROV_FFMPEG"];
      else process.env["PROV_FFMPEG"] = saved;
    }
  });
});
