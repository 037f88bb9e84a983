// The MetadataReader against the real bundled ExifTool: what it returns, and that labels
// written by ExifTool itself are found by the evidence rules.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify } from "../../src/domain/classify.js";
import { evidenceFromTags } from "../../src/domain/evidence.js";
import { MetadataReader, type FileMetadata } from "../../src/adapters/exiftool.js";
import { bundledExiftool, copySample, samplesDir, tempDir } from "../helpers/index.js";

let reader: MetadataReader;
beforeAll(() => {
  reader = new MetadataReader({ maxProcs: 1 });
});
afterAll(async () => {
  await reader?.end();
});

async function read(file: string): Promise<FileMetadata> {
  const [r] = await reader.readMany([{ path: file, size: fs.statSync(file).size }]);
  if (!r?.ok) throw new Error(`${file}: ${r?.reason}`);
  return r.metadata;
}

function exiftool(args: string[]): string {
  return execFileSync(bundledExiftool, args, { encoding: "utf8" });
}

/** A PNG with extra tEXt chunks inserted before IEND. */
function pngWithText(src: string, dest: string, texts: Record<string, string>): string {
  const png = fs.readFileSync(src);
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const iend = png.length - 12;
  expect(png.subarray(iend + 4, iend + 8).toString("latin1")).toBe("IEND");
  const extra = Object.entries(texts).map(([k, v]) => chunk("tEXt", Buffer.concat([Buffer.from(k, "latin1"), Buffer.from([0]), Buffer.from(v, "latin1")])));
  fs.writeFileSync(dest, Buffer.concat([png.subarray(0, iend), ...extra, png.subarray(iend)]));
  return dest;
}

describe("MetadataReader", () => {
  it("uses the bundled ExifTool", async () => {
    const version = exiftool(["-ver"]).trim();
    expect(await reader.exiftoolVersion()).toBe(version);
    expect(Number(version)).toBeGreaterThanOrEqual(13);
  });

  it("returns results in the order asked, with a failure for a file that is not there", async () => {
    const dir = tempDir();
    const a = copySample("camera-plate.jpg", dir);
    const b = copySample("genai-a1111.png", dir);
    const gone = path.join(dir, "gone.png");
    const rs = await reader.readMany([
      { path: b, size: 1 },
      { path: gone, size: 1 },
      { path: a, size: 1 },
    ]);
    expect(rs.map((r) => r.ok)).toEqual([true, false, true]);
    expect(rs[0]!.ok && rs[0]!.metadata.fileType).toBe("PNG");
    expect(rs[2]!.ok && rs[2]!.metadata.fileType).toBe("JPEG");
    expect(rs[1]!.ok ? null : rs[1]!.reason).toMatch(/nothing|not found|failed/i);
  });

  it("computes the media hash (ImageDataHash, SHA-256) only up to mediaHashMaxBytes", async () => {
    const dir = tempDir();
    const f = copySample("camera-plate.jpg", dir);
    expect((await read(f)).mediaHash).toMatch(/^[0-9a-f]{64}$/);
    const small = new MetadataReader({ maxProcs: 1, mediaHashMaxBytes: 100 });
    try {
      const [r] = await small.readMany([{ path: f, size: fs.statSync(f).size }]);
      expect(r?.ok && r.metadata.mediaHash).toBeNull();
    } finally {
      await small.end();
    }
  });

  it("the media hash survives stripping every label with exiftool -all=", async () => {
    const dir = tempDir();
    const f = copySample("genai-concept-art.jpg", dir);
    const g = copySample("genai-concept-art.jpg", dir, "stripped.jpg");
    exiftool(["-q", "-all=", "-overwrite_original", g]);
    const [mf, mg] = [await read(f), await read(g)];
    expect(mf.mediaHash).toBe(mg.mediaHash);
    expect(classify(evidenceFromTags(mf.tags)).origin).toBe("genai");
    expect(classify(evidenceFromTags(mg.tags)).origin).toBe("unknown");
  });

  it("ExifTool warnings are data, not errors", async () => {
    const dir = tempDir();
    const f = path.join(dir, "trunc.jpg");
    fs.writeFileSync(f, fs.readFileSync(path.join(samplesDir, "camera-plate.jpg")).subarray(0, 1000));
    const m = await read(f);
    expect(m.error).toBeNull();
    expect(m.warnings.length).toBeGreaterThan(0);
  });
});

describe("labels written by real tools are found", () => {
  it("InvokeAI PNG text chunks, as ExifTool names them", async () => {
    const dir = tempDir();
    const f = pngWithText(path.join(samplesDir, "unlabelled-still.png"), path.join(dir, "invoke.png"), {
      invokeai_metadata: '{"generation_mode":"txt2img","model":{"name":"sd-1.5"}}',
    });
    const m = await read(f);
    const e = evidenceFromTags(m.tags);
    expect(e).toContainEqual(expect.objectContaining({ source: "generator", field: "PNG:Invokeai_metadata", signal: "genai", detail: expect.objectContaining({ generator: "InvokeAI" }) }));
  });

  it("IPTC 2025.1 AISystemUsed written by ExifTool", async () => {
    const dir = tempDir();
    const f = copySample("unlabelled-still.png", dir);
    exiftool(["-q", "-overwrite_original", "-XMP-iptcExt:AISystemUsed=Midjourney", f]);
    const e = evidenceFromTags((await read(f)).tags);
    expect(e).toContainEqual({ source: "iptc", field: "XMP-iptcExt:AISystemUsed", value: "Midjourney", signal: "genai" });
  });

  // Product bug (see report): evidence.ts looks for a flat "HistorySoftwareAgent" tag, but
  // the reader uses -struct, under which ExifTool returns XMP-xmpMM:History as a list of
  // {Action, SoftwareAgent, ...} objects, so the History check can never fire.
  it("an XMP-xmpMM History entry whose SoftwareAgent is a generator is GenAI evidence", async () => {
    const dir = tempDir();
    const f = copySample("unlabelled-still.png", dir);
    exiftool(["-q", "-overwrite_original", "-XMP-xmpMM:HistoryAction=created", "-XMP-xmpMM:HistorySoftwareAgent=Adobe Firefly", f]);
    const m = await read(f);
    expect(m.tags["XMP-xmpMM:History"]).toEqual([{ Action: "created", SoftwareAgent: "Adobe Firefly" }]);
    expect(classify(evidenceFromTags(m.tags)).origin).toBe("genai");
  });
});
