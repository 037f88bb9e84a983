// `prov db export` / `prov db import`: a host's whole history (scan, approvals, revocation,
// tags, sweep, C2PA validations, fingerprints) moved into a new database, nothing lost:
// exported again from the new database, every row line is the same, byte for byte, and
// the history chain verifies to the same head. A damaged or cut-short export, or a target
// that already has history, is refused and leaves the target as it was.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, copySample, json, runCli, tempDir, type CliResult } from "../helpers/index.js";
import { postgresAvailable, startPostgres, type PgCluster } from "../helpers/postgres.js";

let dir: string;
let exported: string;

const prov = (args: string[], cwd = dir): Promise<CliResult> => runCli(args, { cwd, timeoutMs: 90_000 });

/** The row lines of an export (without its header and end line, which name the time and checksum). */
const rowLines = (file: string): string[] => fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(1, -1);

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
  dir = tempDir();
  const edit = path.join(dir, "edit");
  fs.mkdirSync(edit);
  for (const f of ["genai-concept-art.jpg", "camera-plate.jpg", "genai-a1111.png", "comfyui-matte.png"]) copySample(f, edit);
  const steps = [
    ["init"],
    ["scan", "edit"],
    ["approve", "edit/genai-concept-art.jpg", "--by", "Dana Post", "--ref", "STUDIO-GENAI-0042"],
    ["revoke", "edit/genai-concept-art.jpg", "--by", "Dana Post", "--note", "withdrawn"],
    ["tag", "edit/camera-plate.jpg", "--genai", "--note", "the vendor says it was extended"],
    ["sweep", "edit"],
  ];
  for (const s of steps) {
    const r = await prov(["--db", "a.db", ...s]);
    if (r.code !== 0 && !(s[0] === "sweep" && r.code === 1)) throw new Error(`prov ${s.join(" ")}: ${r.code}\n${r.stderr}`);
  }
  const r = await prov(["--db", "a.db", "db", "export", "a.export.jsonl", "--json"]);
  expect(r.code, r.stderr).toBe(0);
  exported = path.join(dir, "a.export.jsonl");
}, 180_000);

describe("prov db export / import (SQLite to SQLite)", () => {
  it("moves every row: exported again from the new database, each row line is the same, and the chain verifies to the same head", async () => {
    const imp = await prov(["--db", "b.db", "db", "import", "a.export.jsonl", "--json"]);
    expect(imp.code, imp.stderr).toBe(0);
    const out = json(imp);
    expect(out.intact).toBe(true);
    expect(out.rows.assets).toBe(4);
    expect(out.rows.approvals).toBeGreaterThanOrEqual(2);
    const again = await prov(["--db", "b.db", "db", "export", "b.export.jsonl"]);
    expect(again.code, again.stderr).toBe(0);
    expect(rowLines(path.join(dir, "b.export.jsonl"))).toEqual(rowLines(exported));

    const va = json(await prov(["--db", "a.db", "verify", "--json"]));
    const vb = json(await prov(["--db", "b.db", "verify", "--json"]));
    expect(vb.intact).toBe(true);
    expect(vb.head).toEqual(va.head);
    // The use cases read it as they read the original.
    const sa = await prov(["--db", "a.db", "show", "edit/genai-concept-art.jpg", "--json"]);
    const sb = await prov(["--db", "b.db", "show", "edit/genai-concept-art.jpg", "--json"]);
    expect(json(sb)).toEqual(json(sa));
  });

  it("refuses an export cut short, one edited after it was written, and a file that is no export; the target keeps no trace", async () => {
    const lines = fs.readFileSync(exported, "utf8").trimEnd().split("\n");
    const cut = path.join(dir, "cut.jsonl");
    fs.writeFileSync(cut, `${lines.slice(0, -1).join("\n")}\n`);
    const edited = path.join(dir, "edited.jsonl");
    const i = lines.findIndex((l) => l.startsWith('{"t":"approvals"'));
    fs.writeFileSync(edited, `${[...lines.slice(0, i), lines[i]!.replace("STUDIO-GENAI-0042", "STUDIO-GENAI-0099"), ...lines.slice(i + 1)].join("\n")}\n`);
    const history = path.join(dir, "history.jsonl");
    expect((await prov(["--db", "a.db", "export-history", "--out", history])).code).toBe(0);

    for (const [file, message] of [
      [cut, /ends without its end line/],
      [edited, /checksum does not match/],
      [history, /not a prov database export.*export-history/],
      [path.join(dir, "missing.jsonl"), /cannot read the export .*missing\.jsonl/],
    ] as const) {
      const r = await prov(["--db", "c.db", "db", "import", path.basename(file)]);
      expect(r.code, `${file}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/internal/i);
    }
    // Nothing of the refused imports stayed: the good export still goes in.
    const ok = await prov(["--db", "c.db", "db", "import", "a.export.jsonl"]);
    expect(ok.code, ok.stderr).toBe(0);
  });

  it("refuses a database that already has history, and never replaces an existing export", async () => {
    const r = await prov(["--db", "a.db", "db", "import", "a.export.jsonl"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds history .*import only into a new, empty database/);
    const before = fs.readFileSync(exported);
    const again = await prov(["--db", "a.db", "db", "export", "a.export.jsonl"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists: an export never replaces a file/);
    expect(fs.readFileSync(exported).equals(before)).toBe(true);
  });
});

describe.runIf(postgresAvailable())("prov db export / import (SQLite to PostgreSQL and back)", () => {
  let cluster: PgCluster;
  beforeAll(async () => {
    cluster = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  const onPg = (url: string, args: string[]): Promise<CliResult> => runCli(["--db", url, ...args], { cwd: dir, env: { PGPASSWORD: cluster.password }, timeoutMs: 90_000 });

  it("a host's SQLite history goes into PostgreSQL whole, and comes back out the same, row for row", async () => {
    const url = cluster.url(await cluster.createDatabase("facility"));
    const imp = await onPg(url, ["db", "import", "a.export.jsonl", "--json"]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(json(imp)).toMatchObject({ intact: true, from: { dialect: "sqlite" } });
    expect(imp.stdout + imp.stderr).not.toContain(cluster.password);
    const pgExport = path.join(dir, "pg.export.jsonl");
    const exp = await onPg(url, ["db", "export", "pg.export.jsonl"]);
    expect(exp.code, exp.stderr).toBe(0);
    expect(rowLines(pgExport)).toEqual(rowLines(exported));
    // The use cases on PostgreSQL read what SQLite had: the history verifies to the same head, the same answers.
    const va = json(await prov(["--db", "a.db", "verify", "--json"]));
    const vp = json(await onPg(url, ["verify", "--json"]));
    expect(vp).toMatchObject({ intact: true, head: va.head });
    const sa = json(await prov(["--db", "a.db", "show", "edit/genai-a1111.png", "--json"]));
    const sp = json(await onPg(url, ["show", "edit/genai-a1111.png", "--json"]));
    expect(sp).toEqual(sa);
    // New decisions on PostgreSQL continue the ids and the chain.
    const appr = await onPg(url, ["approve", "edit/genai-a1111.png", "--by", "Dana Post", "--ref", "STUDIO-GENAI-0050"]);
    expect(appr.code, appr.stderr).toBe(0);
    const after = json(await onPg(url, ["verify", "--json"]));
    expect(after.intact).toBe(true);
    expect(after.head.row).toBeGreaterThan(va.head.row);
    // Back into SQLite: the same rows again.
    expect((await prov(["--db", "back.db", "db", "import", "pg.export.jsonl"])).code).toBe(0);
    expect((await prov(["--db", "back.db", "db", "export", "back.export.jsonl"])).code).toBe(0);
    expect(rowLines(path.join(dir, "back.export.jsonl"))).toEqual(rowLines(exported));
  });

  it("refuses a PostgreSQL database that already has history, and leaves it as it was", async () => {
    const url = cluster.url(await cluster.createDatabase("busy"));
    expect((await onPg(url, ["db", "import", "a.export.jsonl"])).code).toBe(0);
    const before = json(await onPg(url, ["verify", "--json"]));
    const again = await onPg(url, ["db", "import", "a.export.jsonl"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds history/);
    expect(json(await onPg(url, ["verify", "--json"])).head).toEqual(before.head);
  });
});
