// Hostile files stall nothing: a PNG with a 100 MB text chunk and XMP nested 10,000 deep
// (ExifTool alone takes minutes on it) each get their time and size budget. `prov scan`
// and `prov sweep` finish, the labelled GenAI files beside them are read as ever, and the
// hostile ones are recorded (or listed) with the reason "over budget: …". Real ExifTool,
// real files; the tests wait on the process exit, never on a duration.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { copySample, json, runCli, tempDir } from "../helpers/index.js";
import { bigTextPng, nestedXmp, nestedXmpPng } from "../helpers/hostile.js";

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
    fs.writeFileSync(path.join(dir, "prov.config.json"), JSON.stringify({ budgets: { metadataSeconds: 2, decodeSeconds: 20 } }));
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
    expect(by.get("deep.xmp")?.metadataError).toMatch(/^over budget: ExifTool did not finish reading its metadata within 2 s \(budgets\.metadataSeconds\)/);
    expect(by.get("deep-xmp.png")?.metadataError).toMatch(/^over budget: ExifTool did not finish reading its metadata within 2 s/);
    // Read, but its 100 MB value was cut to maxTagBytes: over budget, and said which tag.
    expect(by.get("big-text.png")?.metadataError).toMatch(/^over budget: tag PNG:Comment is 100\.0 MiB, more than budgets\.maxTagBytes \(4\.0 MiB\)/);
    for (const name of hostile) expect(by.get(name), name).toMatchObject({ result: "new", origin: "unknown" });
    expect(out.summary).toMatchObject({ files: 7, unreadable: 3 });
    expect(r.stderr).not.toMatch(/internal error|bug/i);

    // What the store keeps for the huge value is bounded: no evidence row, no event, near its size.
    const db = fs.statSync(path.join(dir, "scan.db")).size + (fs.existsSync(path.join(dir, "scan.db-wal")) ? fs.statSync(path.join(dir, "scan.db-wal")).size : 0);
    expect(db).toBeLessThan(20 * 1024 * 1024);
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
