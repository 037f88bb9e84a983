// Pixel signals end to end: PNGs made here (stealth pnginfo by the published writer's port,
// NovelAI's block signed with a test key, the SDXL watermark by the encoder's port), labels
// stripped by the real ExifTool, recorded by the real `prov scan` / `prov sweep` into real
// SQLite, and shown by `prov show`.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { scan } from "../../src/app/ingest/scan.js";
import { pixelSignalOptions } from "../../src/app/pixel-evidence.js";
import { defaultConfig, DEFAULT_EXTENSIONS, DEFAULT_FOLDER_RULES, DEFAULT_IGNORE } from "../../src/config.js";
import { classify } from "../../src/domain/classify.js";
import { folderMatcher } from "../../src/domain/folders.js";
import { PAYLOADS } from "../../src/domain/pixel-signals/index.js";
import { bundledExiftool, evidenceOfAsset, json, openStore, runCli, sha256Of, tempDir } from "../helpers/index.js";
import { embedDwtDct } from "../../bench/wm-encoder.js";
import { newEd25519, photoLike, toPng, writeNovelAI, writeStealth } from "../../bench/pixel-writers.js";

const A1111 = "a lighthouse at dusk\nNegative prompt: blurry\nSteps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 1234, Size: 512x512, Model: sd_xl_base_1.0";

/** A PNG with a tEXt chunk after IHDR (how A1111 stores `parameters`), CRC from node:zlib. */
function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const body = Buffer.concat([Buffer.from(keyword, "latin1"), Buffer.from([0]), Buffer.from(text, "latin1")]);
  const chunk = Buffer.alloc(12 + body.length);
  chunk.writeUInt32BE(body.length, 0);
  chunk.write("tEXt", 4, "latin1");
  body.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + body.length)), 8 + body.length);
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

let dir: string;
let reader: MetadataReader;
const files = { stealth: "", plain: "", novelai: "", sdxl: "" };
let labelled = "";

beforeAll(async () => {
  dir = tempDir();
  const shots = path.join(dir, "shots");
  fs.mkdirSync(shots);
  // An A1111 output: parameters in a text chunk and, by the stealth extension, in the alpha LSBs.
  files.stealth = path.join(shots, "stripped.png");
  fs.writeFileSync(files.stealth, withTextChunk(await toPng(writeStealth(photoLike(512, 512, 11), A1111, "alpha", true)), "parameters", A1111));
  labelled = sha256Of(files.stealth);
  // The label stripped by ExifTool (the bundled one), as a pipeline that drops metadata would.
  execFileSync(bundledExiftool, ["-q", "-all=", "-overwrite_original", files.stealth]);
  files.plain = path.join(shots, "plain.png");
  fs.writeFileSync(files.plain, await toPng(photoLike(512, 512, 12)));
  // NovelAI's block, signed by a key that is not NovelAI's: a NovelAI claim, not "signed by NovelAI".
  files.novelai = path.join(shots, "novelai.png");
  const { privateKey } = newEd25519();
  fs.writeFileSync(files.novelai, await toPng(writeNovelAI(photoLike(320, 320, 13), '{"prompt": "a fox", "steps": 28, "scale": 5.0}', privateKey)));
  // SDXL's reference code: the 48-bit payload embedded on a float image.
  files.sdxl = path.join(shots, "sdxl.png");
  const sdxl = PAYLOADS.find((p) => p.id === "sdxl")!.bits;
  fs.writeFileSync(files.sdxl, await toPng(embedDwtDct(photoLike(768, 768, 14), sdxl, { domain: "float", quantize: "trunc" })));
  reader = new MetadataReader({ maxProcs: 1 });
});
afterAll(async () => {
  await reader?.end();
});

describe("prov scan and show: pixel signals on label-stripped PNGs", () => {
  it("a stripped PNG with stealth pnginfo is GenAI by its pixels; a plain PNG is not", async () => {
    // The label was there, and ExifTool stripped it (beforeAll).
    expect(labelled).not.toBe(sha256Of(files.stealth));
    expect(fs.readFileSync(files.stealth).includes(Buffer.from("parameters\0"))).toBe(false);

    const db = path.join(dir, "prov.db");
    const scanned = await runCli(["--db", db, "--json", "scan", path.join(dir, "shots")], { cwd: dir });
    expect(scanned.code, scanned.stderr).toBe(0);

    const shown = await runCli(["--db", db, "show", files.stealth], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^origin {3}genai {3}status temporary$/m);
    expect(shown.stdout).toMatch(/genai +generator pixels:alpha-lsb:stealth_pngcomp: a lighthouse at dusk⏎Negative prompt/);

    const stealth = json<{ evidence: Array<{ field: string; detail?: Record<string, unknown> }> }>(await runCli(["--db", db, "--json", "show", files.stealth], { cwd: dir }));
    expect(stealth.evidence.find((e) => e.field.startsWith("pixels:"))?.detail).toMatchObject({ generator: "AUTOMATIC1111/Forge", format: "stealth pnginfo", mode: "alpha", compressed: true });

    const plain = await runCli(["--db", db, "show", files.plain], { cwd: dir });
    expect(plain.stdout).toMatch(/^origin {3}unknown$/m);
    expect(plain.stdout).not.toContain("pixels:");
  });

  it("NovelAI's block signed by another key is a NovelAI claim with an invalid signature; the SDXL watermark is found with its bit count", async () => {
    const db = path.join(dir, "prov.db");
    const nai = json<{ origin: string; evidence: Array<{ field: string; value: string; detail?: Record<string, unknown> }> }>(await runCli(["--db", db, "--json", "show", files.novelai], { cwd: dir }));
    const naiEv = nai.evidence.find((e) => e.field.startsWith("pixels:"));
    expect(naiEv?.value).toBe("NovelAI metadata, signature invalid");
    expect(naiEv?.detail).toMatchObject({ generator: "NovelAI", signature: "invalid" });

    const wm = await runCli(["--db", db, "show", files.sdxl], { cwd: dir });
    expect(wm.stdout).toMatch(/^origin {3}genai/m);
    const m = /generator pixels:imwatermark:dwtDct: SDXL invisible watermark \((\d+)\/48 bits\)/.exec(wm.stdout);
    expect(m, wm.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(39);
  });

  it("pixelSignals.watermark false: the stealth mark is still read, the watermark is not looked for", async () => {
    const work = path.join(dir, "config-run");
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, "prov.config.json"), JSON.stringify({ database: "prov.db", pixelSignals: { watermark: false } }));
    const r = await runCli(["--json", "scan", files.sdxl, files.stealth], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const origin = async (f: string): Promise<string> => json<{ origin: string }>(await runCli(["--json", "show", f], { cwd: work })).origin;
    expect(await origin(files.sdxl)).toBe("unknown");
    expect(await origin(files.stealth)).toBe("genai");

    fs.writeFileSync(path.join(work, "prov.config.json"), JSON.stringify({ database: "prov.db", pixelSignals: { enabled: "yes" } }));
    const bad = await runCli(["scan", files.sdxl], { cwd: work });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("pixelSignals.enabled: must be true or false");
  });

  it("prov sweep records the stealth PNG as GenAI and reports it", async () => {
    const root = path.join(dir, "sweep-root");
    fs.mkdirSync(root);
    fs.copyFileSync(files.stealth, path.join(root, "delivery.png"));
    fs.copyFileSync(files.plain, path.join(root, "plate.png"));
    const db = path.join(dir, "sweep.db");
    const r = await runCli(["--db", db, "sweep", root], { cwd: dir });
    // A violation (temporary GenAI, not approved), named with the evidence its pixels gave.
    expect(r.code, r.stderr).toBe(1);
    const line = r.stdout.split("\n").findIndex((l) => l.includes("delivery.png"));
    expect(line, r.stdout).toBeGreaterThan(r.stdout.split("\n").findIndex((l) => l.startsWith("VIOLATIONS")));
    expect(r.stdout).toContain("pixels:alpha-lsb:stealth_pngcomp");
    expect(r.stdout).not.toMatch(/VIOLATIONS[^]*plate\.png/);
    const shown = json<{ origin: string; evidence: Array<{ field: string }> }>(await runCli(["--db", db, "--json", "show", path.join(root, "delivery.png")], { cwd: dir }));
    expect(shown.origin).toBe("genai");
    expect(shown.evidence.map((e) => e.field)).toContain("pixels:alpha-lsb:stealth_pngcomp");
  });
});

describe("recording: a re-read that does not look at the pixels keeps what they said", () => {
  it("scan with pixel signals, then a rehash scan without them (as the gate reads): still GenAI by its pixels", async () => {
    const store = await openStore(path.join(tempDir(), "keep.db"));
    const deps = { store, reader, folderMatcher: folderMatcher(DEFAULT_FOLDER_RULES) };
    const opts = { extensions: DEFAULT_EXTENSIONS, ignore: DEFAULT_IGNORE };
    await scan([files.stealth], { ...deps, pixelSignals: pixelSignalOptions(defaultConfig()) }, opts);
    const asset = await store.assets.bySha(sha256Of(files.stealth));
    expect(asset?.origin).toBe("genai");
    await scan([files.stealth], deps, { ...opts, rehash: true });
    const ev = await evidenceOfAsset(store, asset!.id);
    expect(ev.filter((e) => e.field.startsWith("pixels:")).map((e) => e.field)).toEqual(["pixels:alpha-lsb:stealth_pngcomp"]);
    expect(classify(ev).origin).toBe("genai");
    expect((await store.assets.byId(asset!.id))?.origin).toBe("genai");
  });
});
