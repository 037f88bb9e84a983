// Hostile files stall nothing: a PNG with a 100 MB text chunk and XMP nested 10,000 deep
// (ExifTool alone takes minutes on it) each get their time and size budget. `prov scan`
// and `prov sweep` finish, the labelled GenAI files beside them are read as ever, and the
// hostile ones are recorded (or listed) with the reason "over budget: …". Real ExifTool,
// real files; the tests wait on the process exit, never on a duration.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copySample, json, processAlive as alive, runCli, tempDir, waitFor } from "../helpers/index.js";
import { bigTextPng, nestedXmp, nestedXmpPng } from "../helpers/hostile.js";
import { fingerprintPath } from "../../src/app/perceptual.js";

type ScanFile = { path: string; result: string; origin: string; status: string | null; metadataError: string | null };
type SweepRow = { path: string; finding: string; reasons: string[]; origin: string };

/** A generous guard against a hang (a hang fails the test; nothing waits for it). */
const HANG_GUARD_MS = 240_000;

describe("per-file budgets: hostile files beside labelled GenAI", () => {
  let dir: string;
  let tree: string;
  const hostile = ["deep.xmp", "deep-xmp.png", "big-text.png"] as const;

  beforeAll(() => {
    dir = tempDir();
    tree = path.join(dir, "tree");
    fs.mkdirSync(tree);
    fs.writeFileSync(path.join(tree, "deep.xmp"), nestedXmp("scan-sidecar"));
    fs.writeFileSync(path.join(tree, "deep-xmp.png"), nestedXmpPng("scan-png"));
    fs.writeFileSync(path.join(tree, "big-text.png"), bigTextPng("scan"));
    copySample("genai-a1111.png", tree, "a1111.png");
    copySample("genai-concept-art.jpg", tree, "concept.jpg");
    copySample("comfyui-matte.png", tree, "matte.png");
    copySample("camera-plate.jpg", tree, "plate.jpg");
    // Small budgets keep the test quick; maxTagBytes stays at its default (4 MiB).
    fs.writeFileSync(path.join(dir, "prov.config.json"), JSON.stringify({ budgets: { metadataSeconds: 5, decodeSeconds: 20 } }));
  });

  it("prov scan finishes: the GenAI files are recorded as GenAI, each hostile file with an over-budget reason; exit 1 (some files could not be read)", { timeout: HANG_GUARD_MS + 10_000 }, async () => {
    const r = await runCli(["--json", "--db", path.join(dir, "scan.db"), "scan", tree], { cwd: dir, timeoutMs: HANG_GUARD_MS });
    expect(r.code, r.stderr).toBe(1);
    const out = json<{ files: ScanFile[]; summary: { files: number; unreadable: number } }>(r);
    const by = new Map(out.files.map((f) => [path.basename(f.path), f]));
    for (const name of ["a1111.png", "concept.jpg", "matte.png"]) {
      expect(by.get(name), name).toMatchObject({ result: "new", origin: "genai", status: "temporary", metadataError: null });
    }
    expect(by.get("plate.jpg")?.metadataError).toBeNull();
    expect(by.get("deep.xmp")?.metadataError).toMatch(/^over budget: ExifTool did not finish reading its metadata within 5 s \(budgets\.metadataSeconds\)/);
    expect(by.get("deep-xmp.png")?.metadataError).toMatch(/^over budget: ExifTool did not finish reading its metadata within 5 s/);
    // Whichever budget it passes first: 5 s of ExifTool on a loaded machine, or its 100 MB value (next test).
    expect(by.get("big-text.png")?.metadataError).toMatch(/^over budget: (ExifTool did not finish|tag PNG:Comment is 100\.0 MiB)/);
    for (const name of hostile) expect(by.get(name), name).toMatchObject({ result: "new", origin: "unknown" });
    expect(out.summary).toMatchObject({ files: 7, unreadable: 3 });
    expect(r.stderr).not.toMatch(/internal error|bug/i);
  });

  it("a 100 MB text chunk with time to spare: read, the value cut to budgets.maxTagBytes, the file over budget saying which tag; the store stays small", { timeout: HANG_GUARD_MS + 10_000 }, async () => {
    const big = path.join(dir, "big");
    fs.mkdirSync(big);
    fs.writeFileSync(path.join(big, "big-text.png"), bigTextPng("alone"));
    copySample("genai-a1111.png", big, "a1111.png");
    fs.writeFileSync(path.join(dir, "roomy.json"), JSON.stringify({ budgets: { metadataSeconds: 200, maxTagBytes: 65536 } }));
    const dbFile = path.join(dir, "big.db");
    const r = await runCli(["--json", "--config", path.join(dir, "roomy.json"), "--db", dbFile, "scan", big], { cwd: dir, timeoutMs: HANG_GUARD_MS });
    expect(r.code, r.stderr).toBe(1);
    const by = new Map(json<{ files: ScanFile[] }>(r).files.map((f) => [path.basename(f.path), f]));
    expect(by.get("a1111.png")).toMatchObject({ origin: "genai", status: "temporary", metadataError: null });
    expect(by.get("big-text.png")).toMatchObject({
      origin: "unknown",
      metadataError: "over budget: tag PNG:Comment is 100.0 MiB, more than budgets.maxTagBytes (64.0 KiB); only its start was read",
    });
    // Nothing of the 100 MB is kept: the database (and its journal) stay far below it.
    let bytes = 0;
    for (const f of fs.readdirSync(dir)) if (f.startsWith("big.db")) bytes += fs.statSync(path.join(dir, f)).size;
    expect(bytes).toBeLessThan(5 * 1024 * 1024);
  });

  it("prov sweep finishes: the GenAI files are violations, each hostile file an error row naming its budget; exit 1 (violations)", { timeout: HANG_GUARD_MS + 10_000 }, async () => {
    const report = path.join(dir, "sweep.json");
    const r = await runCli(["--db", path.join(dir, "sweep.db"), "sweep", tree, "--format", "json", "--out", report], { cwd: dir, timeoutMs: HANG_GUARD_MS });
    expect(r.code, r.stderr).toBe(1);
    const rep = JSON.parse(fs.readFileSync(report, "utf8")) as { files: SweepRow[]; summary: { exitCode: number; counts: Record<string, number> } };
    const by = new Map(rep.files.map((f) => [f.path, f]));
    for (const name of ["a1111.png", "concept.jpg", "matte.png"]) expect(by.get(name), name).toMatchObject({ finding: "violation", origin: "genai" });
    for (const name of hostile) {
      expect(by.get(name), name).toMatchObject({ finding: "error" });
      expect(by.get(name)!.reasons[0], name).toMatch(/^metadata not read: over budget: /);
    }
    expect(rep.summary.exitCode).toBe(1);
    expect(rep.summary.counts).toMatchObject({ violation: 3, error: 3 });
  });

  it("prov sweep of the hostile files alone: incomplete, exit 2 (nothing clean can be claimed of files not read)", { timeout: HANG_GUARD_MS + 10_000 }, async () => {
    const only = path.join(dir, "only");
    fs.mkdirSync(only);
    fs.writeFileSync(path.join(only, "deep.xmp"), nestedXmp("sweep-alone"));
    const r = await runCli(["--json", "--db", path.join(dir, "alone.db"), "sweep", only], { cwd: dir, timeoutMs: HANG_GUARD_MS });
    expect(r.code, r.stderr).toBe(2);
    const rep = json<{ files: SweepRow[] }>(r);
    expect(rep.files).toEqual([expect.objectContaining({ path: "deep.xmp", finding: "error", reasons: expect.arrayContaining([expect.stringMatching(/^metadata not read: over budget: ExifTool did not finish/)]) })]);
  });
});

describe("the decode budget", () => {
  it("a decoder that does not finish within budgets.decodeSeconds is stopped: an over-budget fingerprint error; within budget a still is fingerprinted", async () => {
    const dir = tempDir();
    // A stand-in ffmpeg/ffprobe that never answers (a decoder stuck in a hostile file): the
    // budget, not the decoder, ends the wait, and the stand-in is killed.
    const pids = path.join(dir, "hang.pids");
    const hang = path.join(dir, "hang.sh");
    fs.writeFileSync(hang, `#!/bin/sh\necho $$ >> ${JSON.stringify(pids)}\nexec sleep 600\n`, { mode: 0o755 });
    const video = copySample("unlabelled-shot.mov", dir);
    const saved = [process.env["PROV_FFMPEG"], process.env["PROV_FFPROBE"]] as const;
    process.env["PROV_FFMPEG"] = hang;
    process.env["PROV_FFPROBE"] = hang;
    try {
      const over = await fingerprintPath(video, { video: true, everySeconds: 2, decodeSeconds: 0.5 }, new Date().toISOString());
      expect(over?.info).toMatchObject({ state: "error", reason: "over budget: decoding it for a fingerprint took longer than 0.5 s (budgets.decodeSeconds)" });
      expect(over?.frames).toEqual([]);
    } finally {
      for (const [k, v] of [["PROV_FFMPEG", saved[0]], ["PROV_FFPROBE", saved[1]]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const started = fs.readFileSync(pids, "utf8").trim().split("\n").map(Number);
    await waitFor(() => started.every((pid) => !alive(pid)), `the stand-in decoder (pids ${started.join(", ")}) to be ended`);

    const still = copySample("unlabelled-still.png", dir);
    const ok = await fingerprintPath(still, { video: false, everySeconds: 2, decodeSeconds: 60 }, new Date().toISOString());
    expect(ok?.info.state).toBe("done");
  });
});
