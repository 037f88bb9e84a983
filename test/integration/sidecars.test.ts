// XMP sidecars on real files: a still with no labels of its own and an ExifTool-written
// sidecar saying it was generated (both naming conventions) is GenAI through its sidecar;
// the sidecar is reported skipped ("XMP sidecar of ..."), not recorded; an .xmp with no media
// beside it stays a file of its own; a sidecar written after the scan is read on the next one.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { xmpSidecarsIn } from "../../src/app/sidecars.js";
import { bundledExiftool, copySample, evidenceOfAsset, openStore, runScan, tempDir } from "../helpers/index.js";

const TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

/** An XMP sidecar written by ExifTool itself, with an IPTC digital source type. */
export function writeSidecar(file: string, dst = TRAINED): string {
  fs.rmSync(file, { force: true });
  execFileSync(bundledExiftool, ["-q", `-XMP-iptcExt:DigitalSourceType=${dst}`, "-o", file], { stdio: "pipe" });
  return file;
}

let reader: MetadataReader;
beforeAll(() => {
  reader = new MetadataReader({ maxProcs: 1 });
});
afterAll(async () => {
  await reader.end();
});

describe("which sidecar describes which file", () => {
  it("pairs shot.xmp and shot.exr.xmp with shot.exr, and leaves a lone .xmp alone", async () => {
    const dir = tempDir();
    const xmp = '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>';
    const jumbf = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from("jumbjumd", "latin1"), Buffer.alloc(4)]);
    const f = (name: string, body: string | Buffer = "") => {
      fs.writeFileSync(path.join(dir, name), body);
      return { type: "file" as const, path: path.join(dir, name) };
    };
    const m = (name: string) => path.join(dir, name);
    const s = await xmpSidecarsIn([
      f("shot.exr"), f("shot.xmp", xmp), f("shot.exr.xmp", "\uFEFF  " + xmp), f("shot.c2pa", jumbf), f("lone.xmp", xmp), f("lone.c2pa", jumbf),
      f("raw.CR2"), f("raw.jpg"), f("RAW.XMP", xmp),
      // Named like sidecars, but a picture and a text file: files of their own, never waved through.
      f("fake.png"), f("fake.xmp", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), f("fake.c2pa", "not a manifest store"),
    ]);
    expect(s.ofMedia.get(m("shot.exr"))).toEqual([m("shot.xmp"), m("shot.exr.xmp"), m("shot.c2pa")]);
    expect(s.ofMedia.get(m("raw.CR2"))).toEqual([m("RAW.XMP")]);
    expect(s.ofMedia.get(m("raw.jpg"))).toEqual([m("RAW.XMP")]);
    expect(s.describes.get(m("shot.xmp"))).toBe("XMP sidecar of shot.exr");
    expect(s.describes.get(m("shot.c2pa"))).toBe("C2PA manifest store of shot.exr");
    // Not media: a lone .xmp and a lone .c2pa describe nothing (and not each other).
    expect(s.describes.has(m("lone.xmp"))).toBe(false);
    expect(s.describes.has(m("lone.c2pa"))).toBe(false);
    expect(s.ofMedia.has(m("fake.png"))).toBe(false);
    expect(s.describes.has(m("fake.xmp"))).toBe(false);
    expect(s.describes.has(m("fake.c2pa"))).toBe(false);
  });
});

describe("XMP sidecars in a scan", () => {
  it("counts a sidecar's labels for the file it describes (both conventions)", async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, "prov.db"));
    const media = path.join(dir, "media");
    copySample("unlabelled-still.png", media, "adobe.png");
    writeSidecar(path.join(media, "adobe.xmp"));
    copySample("unlabelled-shot.mov", media, "darktable.mov");
    writeSidecar(path.join(media, "darktable.mov.xmp"));
    writeSidecar(path.join(media, "lone.xmp"));
    const run = await runScan(store, reader, [media], { extensions: [...["png", "mov", "xmp"]] });
    for (const name of ["adobe.png", "darktable.mov"]) {
      const o = run.byPath.get(path.join(media, name));
      expect(o?.kind, name).toBe("recorded");
      if (o?.kind !== "recorded") continue;
      expect(o.origin, name).toBe("genai");
      const ev = await evidenceOfAsset(store, o.assetId);
      const dst = ev.find((e) => e.field === "sidecar:XMP-iptcExt:DigitalSourceType");
      expect(dst, name).toMatchObject({ source: "iptc", signal: "genai", value: expect.stringContaining("trainedAlgorithmicMedia") });
      expect(String(dst?.detail?.["sidecar"])).toMatch(/(adobe\.xmp|darktable\.mov\.xmp)$/);
    }
    expect(run.byPath.get(path.join(media, "adobe.xmp"))).toMatchObject({ kind: "skipped", reason: "XMP sidecar of adobe.png" });
    expect(run.byPath.get(path.join(media, "darktable.mov.xmp"))).toMatchObject({ kind: "skipped", reason: "XMP sidecar of darktable.mov" });
    // With no media beside it, an .xmp is a file of its own, as before.
    expect(run.byPath.get(path.join(media, "lone.xmp"))).toMatchObject({ kind: "recorded", origin: "genai" });
    expect(await store.locations.byPath(path.join(media, "adobe.xmp"))).toBeUndefined();
  });

  it("reads a sidecar written after the file was recorded, and drops one that now says otherwise", async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, "prov.db"));
    const media = path.join(dir, "media");
    const still = copySample("unlabelled-still.png", media, "plate.png");
    const first = await runScan(store, reader, [media]);
    expect(first.byPath.get(still)).toMatchObject({ kind: "recorded", origin: "unknown" });
    writeSidecar(path.join(media, "plate.xmp"));
    const second = await runScan(store, reader, [media]);
    expect(second.byPath.get(still)).toMatchObject({ kind: "recorded", change: "reread", origin: "genai" });
    const third = await runScan(store, reader, [media]);
    expect(third.byPath.get(still)).toMatchObject({ kind: "unchanged", origin: "genai" });
    // Rewritten (a colourist corrects it): the new sidecar replaces what the old one said.
    writeSidecar(path.join(media, "plate.xmp"), "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture");
    fs.utimesSync(path.join(media, "plate.xmp"), new Date(), new Date(Date.now() + 5000));
    const fourth = await runScan(store, reader, [media]);
    expect(fourth.byPath.get(still)).toMatchObject({ kind: "recorded", origin: "not-genai" });
  });
});

describe("a file scanned on its own", () => {
  it("still finds its sidecar, and a sidecar named on its own is skipped as one", async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, "prov.db"));
    const media = path.join(dir, "media");
    const still = copySample("unlabelled-still.png", media, "plate.png");
    const xmp = writeSidecar(path.join(media, "plate.png.xmp"));
    const run = await runScan(store, reader, [still]);
    expect(run.byPath.get(still)).toMatchObject({ kind: "recorded", origin: "genai" });
    // Scanned again on its own after a rewrite of its content: its sidecar still counts.
    fs.appendFileSync(still, Buffer.from([0]));
    expect((await runScan(store, reader, [still])).byPath.get(still)).toMatchObject({ kind: "recorded", change: "changed", origin: "genai" });
    expect((await runScan(store, reader, [xmp])).byPath.get(xmp)).toMatchObject({ kind: "skipped", reason: "XMP sidecar of plate.png" });
  });
});
