// Every shared fixture (real files from public projects) through the real pipeline:
// real ExifTool, real SQLite, real hashing. Expectations come from MANIFEST.md.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/ports.js";
import { classify } from "../../src/domain/classify.js";
import type { Evidence } from "../../src/domain/types.js";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { toEvidence } from "../../src/domain/lineage.js";
import type { FileOutcome } from "../../src/app/ingest/scan.js";
import { backticked, copyFixture, fixturesDir, markdownTable, mediaDir, openStore, runScan, sharedAvailable, tempDir, type ScanRun } from "../helpers/index.js";

const haveShared = sharedAvailable();

interface ManifestRow {
  file: string;
  ai: "y" | "n" | "unknown";
  c2pa: string;
}

function manifestRows(): ManifestRow[] {
  const text = fs.readFileSync(path.join(fixturesDir, "MANIFEST.md"), "utf8");
  return markdownTable(text, ["file", "AI per metadata", "C2PA?"]).map((r) => {
    const ai = r["AI per metadata"]!;
    if (ai !== "y" && ai !== "n" && ai !== "unknown") throw new Error(`MANIFEST.md: unexpected AI value ${JSON.stringify(ai)} for ${r["file"]}`);
    return { file: backticked(r["file"]!), ai, c2pa: r["C2PA?"]! };
  });
}

/** Corrupt, hostile or odd containers (MANIFEST.md quick index). */
const HOSTILE = ["empty_file.png", "riff_bomb_1000.wav", "JXL.jxl", "QuickTime.mov", "PNG.png", "QuickTime.heic", "RIFF.webp", "QuickTime.m4a", "Matroska.mkv"];

describe.runIf(haveShared)("shared fixtures through the real scan (needs ../shared/fixtures)", () => {
  let dir: string;
  let store: Store;
  let reader: MetadataReader;
  let run: ScanRun;
  let rows: ManifestRow[];

  beforeAll(async () => {
    rows = manifestRows();
    dir = tempDir();
    for (const name of fs.readdirSync(mediaDir)) copyFixture(name, path.join(dir, "media"));
    store = await openStore(path.join(dir, "prov.db"));
    reader = new MetadataReader({ maxProcs: 1 });
    run = await runScan(store, reader, [path.join(dir, "media")]);
  });

  afterAll(async () => {
    await reader?.end();
    store?.close();
  });

  const at = (name: string) => path.join(dir, "media", name);
  const outcome = (name: string): FileOutcome => {
    const o = run.byPath.get(at(name));
    if (!o) throw new Error(`${name}: no scan outcome`);
    return o;
  };
  const recorded = (name: string) => {
    const o = outcome(name);
    if (o.kind !== "recorded") throw new Error(`${name}: expected recorded, got ${JSON.stringify(o)}`);
    return o;
  };
  const evidenceOf = async (name: string): Promise<Evidence[]> => (await store.evidence.of(recorded(name).assetId)).map(toEvidence);

  it("MANIFEST.md lists exactly the files in media/ (32)", async () => {
    expect(rows.map((r) => r.file).sort()).toEqual(fs.readdirSync(mediaDir).sort());
    expect(rows).toHaveLength(32);
  });

  it("the scan completes and accounts for every file", async () => {
    expect(run.summary.files).toBe(rows.length);
    expect(run.summary.new + run.summary.newLocations).toBe(rows.length - run.summary.errors);
    for (const r of rows) expect(run.byPath.has(at(r.file)), r.file).toBe(true);
  });

  it("every file the manifest says is AI-generated is genai or genai-edited, and temporary", async () => {
    const ai = rows.filter((r) => r.ai === "y");
    expect(ai.length).toBeGreaterThanOrEqual(7);
    for (const r of ai) {
      const o = recorded(r.file);
      expect([r.file, o.origin]).toEqual([r.file, expect.stringMatching(/^genai(-edited)?$/)]);
      expect(o.status, r.file).toBe("temporary");
      const asset = (await store.assets.bySha(o.sha256))!;
      expect([asset.origin, asset.status], r.file).toEqual([o.origin, "temporary"]);
    }
  });

  it("no file the manifest calls n or unknown is genai or genai-edited", async () => {
    for (const r of rows.filter((x) => x.ai !== "y")) {
      const o = outcome(r.file);
      if (o.kind === "error") continue; // an unreadable file is not a GenAI claim either
      if (o.kind !== "recorded") throw new Error(`${r.file}: ${o.kind}`);
      expect([r.file, o.origin]).toEqual([r.file, expect.not.stringMatching(/^genai/)]);
      expect(o.status, r.file).toBeNull();
    }
  });

  it("the recorded origin is what classify() says of the stored evidence", async () => {
    for (const r of rows) {
      const o = outcome(r.file);
      if (o.kind !== "recorded") continue;
      expect(classify((await evidenceOf(r.file))).origin, r.file).toBe(o.origin);
    }
  });

  it("hostile and odd files end as a recorded read error or origin unknown", async () => {
    for (const name of HOSTILE) {
      const o = outcome(name);
      if (o.kind === "error") {
        const loc = (await store.locations.byPath(at(name)))!;
        expect(loc.state, name).toBe("error");
        continue;
      }
      expect(o.kind, name).toBe("recorded");
      if (o.kind !== "recorded") continue;
      if (o.metadataError) {
        const events = (await store.events.list({ assetId: o.assetId })).filter((e) => e.kind === "read-error" && e.path === at(name));
        expect(events.length, name).toBeGreaterThan(0);
      } else {
        expect(o.origin, name).toBe("unknown");
      }
    }
  });

  it("empty_file.png: ExifTool's 'File is empty' is recorded as a metadata read error", async () => {
    const o = recorded("empty_file.png");
    expect(o.metadataError).toBe("File is empty");
    expect((await store.assets.bySha(o.sha256))!.metadata_error).toBe("File is empty");
    const ev = (await store.events.list({ assetId: o.assetId })).find((e) => e.kind === "read-error");
    expect(ev?.path).toBe(at("empty_file.png"));
    expect(JSON.parse(ev!.detail!)).toEqual({ stage: "metadata", reason: "File is empty" });
  });

  it("every file with an embedded C2PA store (per MANIFEST) has C2PA manifest-store evidence with the right count", async () => {
    const withC2pa = rows.filter((r) => /^y \(\d+ manifests?\)/.test(r.c2pa));
    expect(withC2pa.length).toBeGreaterThanOrEqual(15);
    for (const r of withC2pa) {
      const n = /^y \((\d+) manifests?\)/.exec(r.c2pa)![1];
      const store = (await evidenceOf(r.file)).filter((e) => e.source === "c2pa" && e.field === "manifest store");
      expect(store.map((e) => e.value.split(";")[0]), r.file).toEqual([`${n} manifest${n === "1" ? "" : "s"}`]);
    }
  });

  it("DALL-E webp is GenAI through the ingredient (parent) manifest only", async () => {
    const o = recorded("DALL-E_cloud_surfing_puppy.webp");
    expect(o.origin).toBe("genai");
    const ev = (await evidenceOf("DALL-E_cloud_surfing_puppy.webp"));
    expect(ev.filter((e) => e.field.startsWith("active manifest") && e.signal !== "info")).toEqual([]);
    expect(ev).toContainEqual(
      expect.objectContaining({
        source: "c2pa",
        field: expect.stringMatching(/^ingredient manifest .*digitalSourceType$/),
        value: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia",
        signal: "genai",
      }),
    );
    expect(classify(ev).decidedBy.every((e) => e.field.startsWith("ingredient manifest"))).toBe(true);
  });

  it("Bing Image Creator jpg is GenAI by the action description, with no digitalSourceType", async () => {
    const ev = (await evidenceOf("bing_creator_cloud_surfing_puppy.jpg"));
    expect(recorded("bing_creator_cloud_surfing_puppy.jpg").origin).toBe("genai");
    expect(ev).toContainEqual(expect.objectContaining({ source: "c2pa", field: expect.stringMatching(/description$/), value: "AI Generated Image", signal: "genai" }));
    expect(ev.some((e) => /digitalSourceType$/i.test(e.field))).toBe(false);
    // ExifTool's JUMBF warning is data, not a failure.
    expect(recorded("bing_creator_cloud_surfing_puppy.jpg").metadataError).toBeNull();
  });

  it("amazon-titan-g1.png is GenAI by C2PA trainedAlgorithmicMedia and has a media hash", async () => {
    const o = recorded("amazon-titan-g1.png");
    const ev = (await evidenceOf("amazon-titan-g1.png"));
    expect(ev).toContainEqual(
      expect.objectContaining({ field: expect.stringMatching(/^active manifest .*digitalSourceType$/), value: expect.stringMatching(/trainedAlgorithmicMedia$/), signal: "genai" }),
    );
    expect((await store.assets.bySha(o.sha256))!.media_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("sample1_signed.wav: the C2PA chunk after the audio is read (ExifTool runs without -fast)", async () => {
    const ev = (await evidenceOf("sample1_signed.wav"));
    expect(ev).toContainEqual(expect.objectContaining({ source: "c2pa", field: "manifest store", signal: "info" }));
    expect(ev).toContainEqual(expect.objectContaining({ value: "http://c2pa.org/digitalsourcetype/empty", signal: "not-genai" }));
    expect(recorded("sample1_signed.wav").origin).toBe("not-genai");
  });

  it("cloud-only-firefly.jpg: the remote manifest is recorded, not checked, and decides nothing", async () => {
    const ev = (await evidenceOf("cloud-only-firefly.jpg"));
    expect(ev).toContainEqual(
      expect.objectContaining({ source: "c2pa", field: "XMP-dcterms:Provenance", value: expect.stringMatching(/^remote manifest, not checked: https:\/\/cai-manifests\.adobe\.com\//), signal: "info" }),
    );
    expect(recorded("cloud-only-firefly.jpg").origin).toBe("unknown");
  });

  it("XMP.svg: the legacy 'cai' JUMBF store is not treated as C2PA", async () => {
    const ev = (await evidenceOf("XMP.svg"));
    expect(ev).toContainEqual(expect.objectContaining({ source: "c2pa", field: "JUMBF store", value: "cai (not C2PA)", signal: "info" }));
    expect(ev.some((e) => e.field === "manifest store")).toBe(false);
    expect(recorded("XMP.svg").origin).toBe("unknown");
  });

  it("generator text metadata: A1111 (PNG and JPEG), ComfyUI, NovelAI", async () => {
    const gen = async (name: string) => (await evidenceOf(name)).filter((e) => e.source === "generator" && e.signal === "genai").map((e) => [e.field, e.detail?.["generator"]]);
    expect(await gen("automatic1111_cropped.png")).toContainEqual(["PNG:Parameters", "AUTOMATIC1111/Forge"]);
    expect(await gen("automatic1111_cropped.jpg")).toContainEqual(["ExifIFD:UserComment", "AUTOMATIC1111/Forge"]);
    expect(await gen("img2img_cropped.png")).toEqual(expect.arrayContaining([["PNG:Prompt", "ComfyUI"], ["PNG:Workflow", "ComfyUI"]]));
    expect(await gen("novelai1_cropped.png")).toContainEqual(["PNG:Software", "NovelAI"]);
  });

  it("IPTC softwareImage is not GenAI; PLUS.xmp's bogus value is info only", async () => {
    expect(recorded("IPTC-PhotometadataRef-Std2024.1.jpg").origin).toBe("not-genai");
    const plus = (await evidenceOf("PLUS.xmp"));
    expect(plus).toContainEqual(expect.objectContaining({ source: "iptc", field: "XMP-iptcExt:DigitalSourceType", signal: "info", value: expect.stringContaining("not in the IPTC vocabulary") }));
    expect(recorded("PLUS.xmp").origin).toBe("unknown");
  });

  it("tampered C2PA files are read like any other (presence is not validity) and are not GenAI", async () => {
    for (const name of ["adobe-20220124-E-sig-CA.jpg", "adobe-20220124-E-dat-CA.jpg", "cards_invalid.jpg"]) {
      const o = recorded(name);
      expect(o.metadataError, name).toBeNull();
      expect(o.origin, name).not.toMatch(/^genai/);
    }
  });

  it("every recorded file has one 'seen' event at its path", async () => {
    for (const r of rows) {
      const o = outcome(r.file);
      if (o.kind !== "recorded") continue;
      const seen = (await store.events.list({ path: at(r.file) })).filter((e) => e.kind === "seen");
      expect(seen.length, r.file).toBe(1);
    }
  });
});
