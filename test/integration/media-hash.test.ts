// prov computes a WAV's media hash itself, in the same read as its SHA-256: it must be
// exactly ExifTool's ImageDataHash, or lineage would break between small and large files.

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashFile, WaveDataHash } from "../../src/adapters/fs/hash.js";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { copySample, tempDir } from "../helpers/index.js";

let reader: MetadataReader;
beforeAll(() => {
  reader = new MetadataReader();
});
afterAll(async () => {
  await reader.end();
});

describe("WAV media hash computed by prov", () => {
  it("equals ExifTool's ImageDataHash, however the reads are split", async () => {
    const dir = tempDir();
    for (const name of ["genai-voice.wav", "room-tone.wav"]) {
      const f = copySample(name, dir);
      const [m] = await reader.readMany([{ path: f, size: 1 }]);
      const exiftool = m?.ok ? m.metadata.mediaHash : null;
      expect(exiftool).toMatch(/^[0-9a-f]{64}$/);
      expect((await hashFile(f)).mediaHash).toBe(exiftool);
      const bytes = readFileSync(f);
      for (const step of [1, 5, 8, 13, 4096]) {
        const w = new WaveDataHash();
        for (let i = 0; i < bytes.length; i += step) w.update(bytes.subarray(i, i + step), i);
        expect(w.digest(bytes.length), `reads of ${step} bytes`).toBe(exiftool);
      }
    }
  });

  it("is null for other formats, a truncated WAV and a WAV without audio", async () => {
    const dir = tempDir();
    expect((await hashFile(copySample("genai-a1111.png", dir))).mediaHash).toBeNull();
    const wav = readFileSync(copySample("room-tone.wav", dir));
    const cut = path.join(dir, "cut.wav");
    writeFileSync(cut, wav.subarray(0, wav.length - 100));
    expect((await hashFile(cut)).mediaHash).toBeNull();
    const empty = Buffer.alloc(44);
    empty.write("RIFF", 0, "latin1");
    empty.writeUInt32LE(36, 4);
    empty.write("WAVEfmt ", 8, "latin1");
    empty.writeUInt32LE(16, 16);
    empty.write("data", 36, "latin1");
    const silent = path.join(dir, "silent.wav");
    writeFileSync(silent, empty);
    expect((await hashFile(silent)).mediaHash).toBeNull();
  });
});
