// The generated samples in samples/: each one's expected origin, from samples/README.md.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/ports.js";
import { isGenAI, ORIGINS, type Origin } from "../../src/domain/types.js";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { toEvidence } from "../../src/domain/lineage.js";
import { backticked, copySample, markdownTable, openStore, runScan, samplesDir, sha256Of, tempDir, type ScanRun } from "../helpers/index.js";

interface SampleRow {
  file: string;
  origin: Origin;
  bytes: number;
  sha256: string;
}

const rows: SampleRow[] = markdownTable(fs.readFileSync(path.join(samplesDir, "README.md"), "utf8"), ["File", "Expected origin", "Bytes", "SHA-256"]).map((r) => {
  const origin = backticked(r["Expected origin"]!);
  if (!(ORIGINS as readonly string[]).includes(origin)) throw new Error(`samples/README.md: unknown origin ${origin}`);
  return { file: backticked(r["File"]!), origin: origin as Origin, bytes: Number(r["Bytes"]), sha256: backticked(r["SHA-256"]!) };
});

describe("samples/ (expected origins from samples/README.md)", () => {
  let dir: string;
  let store: Store;
  let reader: MetadataReader;
  let run: ScanRun;

  beforeAll(async () => {
    dir = tempDir();
    for (const r of rows) copySample(r.file, path.join(dir, "samples"));
    store = await openStore(path.join(dir, "prov.db"));
    reader = new MetadataReader({ maxProcs: 1 });
    run = await runScan(store, reader, [path.join(dir, "samples")]);
  });

  afterAll(async () => {
    await reader?.end();
    store?.close();
  });

  it("the README table lists every sample file", async () => {
    const files = fs.readdirSync(samplesDir).filter((f) => f !== "README.md");
    expect(rows.map((r) => r.file).sort()).toEqual(files.sort());
    expect(rows.length).toBeGreaterThanOrEqual(11);
  });

  it("each sample's size and SHA-256 are as the README says", async () => {
    for (const r of rows) {
      const p = path.join(samplesDir, r.file);
      expect([r.file, fs.statSync(p).size, sha256Of(p)]).toEqual([r.file, r.bytes, r.sha256]);
    }
  });

  it.each(rows.map((r) => [r.file, r.origin] as const))("%s is %s", async (file, origin) => {
    const o = run.byPath.get(path.join(dir, "samples", file));
    expect(o).toMatchObject({ kind: "recorded", origin, metadataError: null });
    if (o?.kind !== "recorded") return;
    expect(o.status).toBe(isGenAI(origin) ? "temporary" : null);
    const asset = (await store.assets.bySha(o.sha256))!;
    expect([asset.origin, asset.status]).toEqual([origin, o.status]);
  });

  it("procedural-noise.png (algorithmicMedia) is not mistaken for trainedAlgorithmicMedia", async () => {
    const o = run.byPath.get(path.join(dir, "samples", "procedural-noise.png"));
    if (o?.kind !== "recorded") throw new Error("not recorded");
    const ev = (await store.evidence.of(o.assetId)).map(toEvidence);
    expect(ev).toContainEqual({ source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia", signal: "not-genai" });
    expect(ev.some((e) => isGenAI(e.signal))).toBe(false);
  });

  it("the IPTC 2025.1 AI fields of genai-concept-art.jpg and genai-voice.wav are recorded", async () => {
    const fields = async (file: string) => {
      const o = run.byPath.get(path.join(dir, "samples", file));
      if (o?.kind !== "recorded") throw new Error(`${file} not recorded`);
      return (await store.evidence.of(o.assetId)).map((e) => [e.field, e.signal]);
    };
    expect(await fields("genai-concept-art.jpg")).toEqual(
      expect.arrayContaining([
        ["XMP-iptcExt:AISystemUsed", "genai"],
        ["XMP-iptcExt:AIPromptInformation", "genai"],
        ["XMP-iptcExt:DigitalSourceType", "genai"],
      ]),
    );
    expect(await fields("genai-voice.wav")).toEqual(expect.arrayContaining([["XMP-iptcExt:AISystemUsed", "genai"]]));
  });
});
