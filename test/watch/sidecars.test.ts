// The gate reads an XMP sidecar beside the file it judges: a still with no labels of its own
// whose sidecar says it was generated is blocked; the same kind of still without one is allowed.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disposeAll, ENGINES, exiftoolBin, expectAllowed, expectBlocked, expectNoErrors, Sandbox, sha256, uniqueGenaiPng, uniquePlainPng, type Watcher, write } from "./helpers.js";

afterAll(disposeAll);

describe.each(ENGINES)("XMP sidecars at the gate (%s)", (engine) => {
  let sb: Sandbox;
  let w: Watcher;
  beforeAll(async () => {
    sb = await Sandbox.create({ engine, mode: "polling" });
    w = await sb.watch();
  });
  afterAll(async () => {
    if (w?.alive) expectNoErrors(w);
    await sb?.dispose();
  });

  it("blocks a file whose sidecar says GenAI, allows its neighbour without one", async () => {
    // Made outside deliverables, then moved in (the sidecar first, as a copy tool lists it).
    const src = path.join(sb.scratch, "sidecar");
    fs.mkdirSync(src, { recursive: true });
    const g = uniquePlainPng("sidecar-genai");
    const p = uniquePlainPng("sidecar-plain");
    write(path.join(src, "matte.png"), g);
    write(path.join(src, "plate.png"), p);
    execFileSync(exiftoolBin, ["-q", "-XMP-iptcExt:DigitalSourceType=http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia", "-o", path.join(src, "matte.xmp")], { stdio: "pipe" });
    const old = new Date(Date.now() - 3600_000);
    for (const n of ["matte.xmp", "matte.png", "plate.png"]) fs.utimesSync(path.join(src, n), old, old);
    const dir = path.join(sb.del, "sidecar");
    fs.mkdirSync(dir);
    for (const n of ["matte.xmp", "matte.png", "plate.png"]) fs.renameSync(path.join(src, n), path.join(dir, n));
    const row = await expectBlocked(sb, path.join(dir, "matte.png"), sha256(g));
    expect(row.kind).toBe("blocked");
    // Blocked for what its sidecar said, recorded as the content's evidence.
    const shown = await sb.cli(["show", sha256(g)]);
    expect(shown.stdout).toMatch(/genai +iptc +sidecar:XMP-iptcExt:DigitalSourceType: .*trainedAlgorithmicMedia/);
    await expectAllowed(sb, w, path.join(dir, "plate.png"), sha256(p));
  });

  it("a GenAI picture renamed like a sidecar (shot.xmp beside shot.png) is judged as the picture it is", async () => {
    const dir = path.join(sb.del, "disguised");
    const src = path.join(sb.scratch, "disguised");
    fs.mkdirSync(src, { recursive: true });
    const plate = uniquePlainPng("disguised-plate");
    const g = uniqueGenaiPng("disguised-genai");
    write(path.join(src, "shot.png"), plate);
    write(path.join(src, "shot.xmp"), g);
    const old = new Date(Date.now() - 3600_000);
    for (const n of ["shot.png", "shot.xmp"]) fs.utimesSync(path.join(src, n), old, old);
    fs.mkdirSync(dir);
    for (const n of ["shot.png", "shot.xmp"]) fs.renameSync(path.join(src, n), path.join(dir, n));
    const row = await expectBlocked(sb, path.join(dir, "shot.xmp"), sha256(g));
    expect(row.kind).toBe("blocked");
    await expectAllowed(sb, w, path.join(dir, "shot.png"), sha256(plate));
  });
});
