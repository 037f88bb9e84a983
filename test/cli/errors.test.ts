// Errors a user can cause: each is one sentence naming the file and what is wrong, with
// the documented exit code, and never "internal error" (exit 70).

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openStore as openDb } from "../../db/index.js";
import { Quarantine } from "../../src/app/quarantine.js";
import { copySample, json, runCli, sha256Of, tempDir, type CliResult } from "../helpers/index.js";

function expectCode(r: CliResult, code: number, message: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|this is a bug|\n\s+at /);
}

async function project(): Promise<{ dir: string; prov: (...args: string[]) => Promise<CliResult> }> {
  const dir = tempDir();
  const prov = (...args: string[]) => runCli(args, { cwd: dir });
  const r = await prov("init");
  expect(r.code, r.stderr).toBe(0);
  return { dir, prov };
}

describe("paths that do not exist", () => {
  it("prov scan of a mistyped path says 'no such file', scans the rest and exits 1", async () => {
    const { dir, prov } = await project();
    const real = copySample("camera-plate.jpg", dir);
    const r = await prov("--json", "scan", "nothere.jpg", real);
    expect(r.code, r.stderr).toBe(1);
    const out = json(r);
    expect(out.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: path.join(dir, "nothere.jpg"), result: "error", error: "cannot scan: no such file or folder" }),
        expect.objectContaining({ path: real, result: "new", sha256: sha256Of(real) }),
      ]),
    );
    const text = await prov("scan", "nothere.jpg");
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/nothere\.jpg: cannot scan: no such file or folder/);
    expect(text.stderr).toMatch(/1 unreadable/);
    expect(text.stderr + text.stdout).not.toMatch(/vanished|internal error/);
    // Nothing was recorded for a path that never existed.
    const store = await openDb(path.join(dir, "prov.db"), { readonly: true });
    try {
      expect((await store.locations.byPath(path.join(dir, "nothere.jpg")))).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it("approve --doc of a missing document and sweep --out into a missing folder name the path", async () => {
    const { dir, prov } = await project();
    const f = copySample("genai-a1111.png", dir);
    expectCode(await prov("approve", f, "--by", "P", "--ref", "R-1", "--doc", "/missing.pdf"), 2, /--doc \/missing\.pdf: no such file or folder/);
    fs.mkdirSync(path.join(dir, "del"));
    expectCode(await prov("sweep", "del", "--out", "/missing/dir/r.html"), 2, /cannot write report \/missing\/dir\/r\.html: no such file or folder/);
  });
});

describe("prov release --to", () => {
  /** A project with one GenAI still in quarantine, approved so that it may be released. */
  async function quarantined(): Promise<{ dir: string; prov: (...args: string[]) => Promise<CliResult>; id: number }> {
    const { dir, prov } = await project();
    const del = path.join(dir, "deliverables");
    fs.mkdirSync(del);
    const f = copySample("genai-concept-art.jpg", del);
    expect((await prov("scan", f)).code).toBe(0);
    expect((await prov("approve", f, "--by", "P", "--ref", "R-1")).code).toBe(0);
    const store = await openDb(path.join(dir, "prov.db"));
    try {
      const asset = (await store.assets.bySha(sha256Of(f)))!;
      const st = fs.statSync(f, { bigint: true });
      const row = await new Quarantine(store, path.join(dir, "quarantine"), "test").quarantine({
        path: f, kind: "blocked", reason: "test", evidence: [], sha256: asset.sha256, assetId: asset.id, dev: String(st.dev), ino: String(st.ino),
      });
      expect(row.state).toBe("moved");
      return { dir, prov, id: row.id };
    } finally {
      await store.close();
    }
  }

  it("refuses, with a sentence and exit 2, every target it cannot use; the file stays in quarantine", async () => {
    const { dir, prov, id } = await quarantined();
    const cases: Array<[string, RegExp]> = [
      ["/etc/passwd/x.jpg", /cannot release to --to \/etc\/passwd\/x\.jpg: a part of the path is a file, not a folder/],
      [path.join(dir, "top/missing/x.jpg"), /the folder .*top\/missing and the one above it do not exist; create them, or add --parents/],
      ["/proc/1/nope/x.jpg", /cannot release to --to \/proc\/1\/nope\/x\.jpg/],
      ["/sys/kernel/x.jpg", /cannot release #\d+ to \/sys\/kernel\/x\.jpg|cannot release to --to \/sys\/kernel\/x\.jpg/],
      [path.join(dir, "prov.config.json"), /already exists; choose another place with --to \(prov never overwrites\)/],
    ];
    for (const [to, message] of cases) {
      expectCode(await prov("release", String(id), "--by", "P", "--to", to), 2, message);
      expect(json(await prov("--json", "quarantine", "ls")).items[0]).toMatchObject({ id, state: "moved" });
    }
    expect(fs.existsSync(path.join(dir, "top"))).toBe(false);
  });

  it("creates the one missing last folder, or more with --parents", async () => {
    const a = await quarantined();
    const one = path.join(a.dir, "deliverables", "approved", "x.jpg");
    const r = await a.prov("release", String(a.id), "--by", "P", "--to", one);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.existsSync(one)).toBe(true);

    const b = await quarantined();
    const deep = path.join(b.dir, "a", "b", "c", "x.jpg");
    const p = await b.prov("release", String(b.id), "--by", "P", "--to", deep, "--parents");
    expect(p.code, p.stderr).toBe(0);
    expect(fs.existsSync(deep)).toBe(true);
  });
});

describe("settings at the edge of their range", () => {
  it("the longest ExifTool timeout the config allows works (it used to be an internal error)", async () => {
    const { dir, prov } = await project();
    const file = copySample("camera-plate.jpg", dir);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, "prov.config.json"), "utf8")) as Record<string, any>;
    cfg["budgets"] = { ...(cfg["budgets"] ?? {}), metadataSeconds: 3600 };
    fs.writeFileSync(path.join(dir, "prov.config.json"), JSON.stringify(cfg));
    const r = await prov("--json", "scan", file);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).files[0].result).toBe("new");
  });
});
