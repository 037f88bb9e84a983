// The label rules through the real scanner with its default extensions: PDFs are recorded
// (concept art and storyboards are delivered as PDF), and the real-dev files come out as
// their MANIFEST.md says (a real SQLite store and prov's ExifTool reader); and through the
// built CLI, an IPTC version "3.0" is disclosed as written.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { DEFAULT_EXTENSIONS } from "../../src/config.js";
import { json, openStore, runCli, runScan, tempDir, type ScanRun } from "../helpers/index.js";
import * as b from "../helpers/label-files.js";
import * as f from "../helpers/label-files-formats.js";
import { realDevDir, realDevExpectations, sharedFolderAvailable, writeSamples } from "../helpers/label-files-read.js";

const hasRealDev = sharedFolderAvailable("real-dev scan test", path.join(realDevDir, "MANIFEST.md"));

let reader: MetadataReader;
beforeAll(() => {
  reader = new MetadataReader({ maxProcs: 1 });
});
afterAll(async () => {
  await reader?.end();
});

function origins(run: ScanRun): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of run.outcomes) out[path.basename(o.path)] = o.kind === "recorded" || o.kind === "unchanged" ? o.origin : `${o.kind}: ${"reason" in o ? o.reason : ""}`;
  return out;
}

describe("prov scan with the default extensions", () => {
  it("records PDFs: a GenAI concept art PDF and storyboards with IPTC or TC260 labels are GenAI, an office PDF is not", async () => {
    expect(DEFAULT_EXTENSIONS).toContain("pdf");
    const dir = tempDir();
    const iptc = (inner: string) => b.xmpPacket(inner, { Iptc4xmpExt: f.NS.Iptc4xmpExt });
    writeSamples(dir, {
      "firefly-concept.pdf": b.pdf({ Title: "Concept art v3", Creator: "Adobe Firefly", Producer: "Adobe PDF Library 17.0" }),
      "storyboard-edited.pdf": b.pdf({ Title: "Storyboard ep101", Creator: "Adobe InDesign 19.0" }, iptc(`<Iptc4xmpExt:DigitalSourceType>${f.IPTC}compositeWithTrainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>`)),
      "storyboard-tc260.pdf": b.pdf({ Title: "Storyboard ep102", Creator: "WPS Office" }, b.xmpPacket(`<TC260:AIGC>${b.xmlEscape(JSON.stringify(f.tc260Label("1")))}</TC260:AIGC>`, { TC260: f.TC260_NS })),
      "call-sheet.pdf": b.pdf({ Title: "Call sheet day 3", Creator: "Microsoft® Word for Microsoft 365", Producer: "Microsoft® Word for Microsoft 365" }),
    });
    const store = await openStore(path.join(tempDir(), "prov.db"));
    const run = await runScan(store, reader, [dir]);
    expect(origins(run)).toEqual({
      "firefly-concept.pdf": "genai",
      "storyboard-edited.pdf": "genai-edited",
      "storyboard-tc260.pdf": "genai",
      "call-sheet.pdf": "unknown",
    });
  });
});

describe("values are strings, as written", () => {
  it('an approved file\'s IPTC AISystemVersionUsed "3.0" is disclosed by prov sweep as model "3.0", not 3', async () => {
    const cwd = tempDir();
    const xmp = b.xmpPacket(
      "<Iptc4xmpExt:AISystemUsed>Imagen</Iptc4xmpExt:AISystemUsed><Iptc4xmpExt:AISystemVersionUsed>3.0</Iptc4xmpExt:AISystemVersionUsed>",
      { Iptc4xmpExt: f.NS.Iptc4xmpExt },
    );
    writeSamples(path.join(cwd, "deliver"), { "key-art.jpg": b.jpegFile([{ kind: "xmp", xmp }]) });
    const prov = (...args: string[]) => runCli(args, { cwd });
    expect((await prov("init")).code).toBe(0);
    expect((await prov("scan", "deliver")).code).toBe(0);
    const ap = await prov("approve", "deliver/key-art.jpg", "--by", "Producer P", "--ref", "APR-7");
    expect(ap.code, ap.stderr).toBe(0);
    const report = json(await prov("sweep", "deliver", "--format", "json"));
    expect(report.files[0].disclosure).toMatchObject({ origin: "genai", tool: "Imagen", model: "3.0" });
  });
});

describe.runIf(hasRealDev)("prov scan of the real-dev files", () => {
  it("each comes out as real-dev/MANIFEST.md says", async () => {
    const expected = realDevExpectations();
    const dir = tempDir();
    for (const name of expected.keys()) {
      fs.copyFileSync(path.join(realDevDir, name), path.join(dir, name));
      fs.chmodSync(path.join(dir, name), 0o644);
    }
    const store = await openStore(path.join(tempDir(), "prov.db"));
    const run = await runScan(store, reader, [dir]);
    expect(origins(run)).toEqual(Object.fromEntries(expected));
  });
});
