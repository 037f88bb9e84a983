// Thumbnails for the report (src/adapters/report/thumbnail.ts) from the project's samples:
// a small JPEG for a still and for a video's poster frame; a reason, never an exception,
// for what gives no picture; symbolic links never followed.

import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { makeThumbnail, THUMB_SIZE } from "../../src/adapters/report/thumbnail.js";
import { copySample, tempDir } from "../helpers/index.js";

async function jpegOf(t: Awaited<ReturnType<typeof makeThumbnail>>): Promise<{ width: number; height: number; format: string }> {
  if (!("dataUri" in t)) throw new Error(`no thumbnail: ${t.reason}`);
  expect(t.dataUri.startsWith("data:image/jpeg;base64,")).toBe(true);
  const meta = await sharp(Buffer.from(t.dataUri.slice("data:image/jpeg;base64,".length), "base64")).metadata();
  expect({ width: meta.width, height: meta.height }).toEqual({ width: t.width, height: t.height });
  return { width: meta.width!, height: meta.height!, format: meta.format! };
}

describe("makeThumbnail", () => {
  it("a still: a JPEG at most 160 px on its longer side, a few kB", async () => {
    const dir = tempDir();
    const t = await makeThumbnail(copySample("genai-a1111.png", dir), { seconds: 30 });
    const j = await jpegOf(t);
    expect(j.format).toBe("jpeg");
    expect(Math.max(j.width, j.height)).toBe(THUMB_SIZE);
    expect("dataUri" in t && t.dataUri.length).toBeLessThan(20_000);
  });

  it("a video: a poster frame from ffmpeg", async () => {
    const dir = tempDir();
    const j = await jpegOf(await makeThumbnail(copySample("genai-shot.mov", dir), { seconds: 60 }));
    expect(Math.max(j.width, j.height)).toBeLessThanOrEqual(THUMB_SIZE);
  });

  it("what gives no picture says why", async () => {
    const dir = tempDir();
    expect(await makeThumbnail(copySample("genai-voice.wav", dir), { seconds: 30 })).toEqual({ reason: "sound only: no picture" });
    const empty = path.join(dir, "empty.png");
    fs.writeFileSync(empty, "");
    expect(await makeThumbnail(empty, { seconds: 30 })).toEqual({ reason: "empty file" });
    const cut = path.join(dir, "cut.png");
    fs.writeFileSync(cut, fs.readFileSync(copySample("genai-a1111.png", dir)).subarray(0, 3000));
    expect(await makeThumbnail(cut, { seconds: 30 })).toEqual({ reason: "cannot be decoded (truncated or corrupt)" });
    const notVideo = path.join(dir, "notes.mov");
    fs.writeFileSync(notVideo, "not a movie at all");
    expect(await makeThumbnail(notVideo, { seconds: 30 })).toEqual({ reason: "cannot be decoded" });
    expect(await makeThumbnail(path.join(dir, "gone.png"), { seconds: 30 })).toEqual({ reason: "cannot be read (no such file or folder)" });
  });

  it("a symbolic link is not followed, even to a picture", async () => {
    const dir = tempDir();
    const real = copySample("genai-a1111.png", dir);
    const link = path.join(dir, "link.png");
    fs.symlinkSync(real, link);
    expect(await makeThumbnail(link, { seconds: 30 })).toEqual({ reason: "symbolic link: not followed" });
  });
});
