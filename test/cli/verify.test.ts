// `prov verify` and `prov export-history` on a database prov wrote (scan, approve, revoke,
// sweep of the samples), then altered with plain SQL the way someone with the file and
// sqlite3 would: drop the append-only triggers, then edit, delete or reorder rows. Each
// alteration is found, at its row, in text and JSON; an export verifies offline and its
// own alterations are found; the head a sweep report states catches a history cut short.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath, copySample, json, runCli, tempDir, type CliResult } from "../helpers/index.js";

let base: string;
let baseDir: string;

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
  baseDir = tempDir();
  const edit = path.join(baseDir, "edit");
  fs.mkdirSync(edit);
  for (const f of ["genai-concept-art.jpg", "camera-plate.jpg", "genai-a1111.png"]) copySample(f, edit);
  base = path.join(baseDir, "prov.db");
  const run = async (...args: string[]): Promise<void> => {
    const r = await runCli(["--db", base, ...args], { cwd: baseDir, timeoutMs: 60_000 });
    if (r.code !== 0 && !(args[0] === "sweep" && r.code === 1)) throw new Error(`prov ${args.join(" ")}: ${r.code}\n${r.stderr}`);
  };
  await run("init");
  await run("scan", "edit");
  await run("approve", "edit/genai-concept-art.jpg", "--by", "Dana Post", "--ref", "STUDIO-GENAI-0042");
  await run("revoke", "edit/genai-concept-art.jpg", "--by", "Dana Post", "--note", "withdrawn");
  await run("approve", "edit/genai-a1111.png", "--by", "Dana Post", "--ref", "STUDIO-GENAI-0043");
}, 120_000);

/** A copy of the base database (a consistent one: SQLite's backup, WAL included). */
async function copy(): Promise<{ dir: string; db: string }> {
  const dir = tempDir();
  const db = path.join(dir, "prov.db");
  const src = new Database(base, { readonly: true });
  await src.backup(db);
  src.close();
  return { dir, db };
}

/** What someone with the file does: drop the triggers that refuse it, then plain SQL. */
function tamper(db: string, sql: string): void {
  const d = new Database(db);
  try {
    d.exec("DROP TRIGGER IF EXISTS events_append_only_update; DROP TRIGGER IF EXISTS events_append_only_delete;");
    d.exec("DROP TRIGGER IF EXISTS approvals_append_only_update; DROP TRIGGER IF EXISTS approvals_append_only_delete;");
    d.exec(sql);
  } finally {
    d.close();
  }
}

function rowOf(db: string, table: string, id: number): number {
  const d = new Database(db, { readonly: true });
  try {
    return (d.prepare(`SELECT chain_seq AS s FROM ${table} WHERE id = ?`).get(id) as { s: number }).s;
  } finally {
    d.close();
  }
}

const verify = (db: string, dir: string, ...args: string[]): Promise<CliResult> => runCli(["--db", db, "verify", ...args], { cwd: dir });

interface VerifyJson {
  intact: boolean;
  brokenAt: number | null;
  rows: number;
  head: { row: number; hash: string };
  breaks: Array<{ kind: string; row: number | null; table?: string; id?: number; fields?: string[]; message: string }>;
}

describe("prov verify", () => {
  it("an untouched history: exit 0, the head, when the chain began", async () => {
    const { dir, db } = await copy();
    const r = await verify(db, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^history intact: \d+ rows, head row (\d+) [0-9a-f]{64}\n/);
    expect(r.stdout).toMatch(/chain began \d{4}-\d\d-\d\dT/);
    const j = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(j).toMatchObject({ intact: true, brokenAt: null, breaks: [] });
    expect(j.rows).toBeGreaterThan(5);
  });

  it("a row edited with plain SQL: exit 1, broken at that row, the columns that changed", async () => {
    const { dir, db } = await copy();
    tamper(db, "UPDATE approvals SET by = 'Someone Else', ref = 'FORGED-1' WHERE id = 2");
    const row = rowOf(db, "approvals", 2);
    const r = await verify(db, dir);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(`history broken at row ${row}: row ${row} (approvals id 2) was edited: by, ref no longer hash`);
    const j = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(j).toMatchObject({ intact: false, brokenAt: row });
    expect(j.breaks).toEqual([expect.objectContaining({ kind: "edited", row, table: "approvals", id: 2, fields: ["by", "ref"] })]);
  });

  it("an event's detail edited: found, named", async () => {
    const { dir, db } = await copy();
    tamper(db, "UPDATE events SET detail = '{\"origin\":\"not-genai\"}' WHERE id = 3");
    const j = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(j.breaks).toEqual([expect.objectContaining({ kind: "edited", row: rowOf(db, "events", 3), table: "events", id: 3, fields: ["detail"] })]);
  });

  it("a row deleted with plain SQL: exit 1, broken at the row after the gap, which row is missing", async () => {
    const { dir, db } = await copy();
    const gone = rowOf(db, "approvals", 1);
    tamper(db, "DELETE FROM approvals WHERE id = 1");
    const r = await verify(db, dir);
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n")[0]).toMatch(new RegExp(`^history broken at row ${gone + 1}: row ${gone} was deleted \\(row ${gone + 1}, `));
    const j = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(j.breaks).toEqual([expect.objectContaining({ kind: "deleted", row: gone + 1, missing: { from: gone, to: gone } })]);
  });

  it("two rows reordered with plain SQL (their ids swapped): exit 1, reordered, at the row that moved", async () => {
    const { dir, db } = await copy();
    tamper(db, "UPDATE events SET id = -1 WHERE id = 2; UPDATE events SET id = 2 WHERE id = 3; UPDATE events SET id = 3 WHERE id = -1;");
    const r = await verify(db, dir);
    expect(r.code).toBe(1);
    const at = rowOf(db, "events", 2); // the row written third now has id 2, and comes after id 3
    expect(r.stdout.split("\n")[0]).toBe(`history broken at row ${at}: row ${at} (events id 2) comes after row ${at - 1} (events id 3) in the chain but before it by id: rows were reordered`);
  });

  it("two rows reordered by their place in the chain: exit 1, reordered, from the first row moved", async () => {
    const { dir, db } = await copy();
    // swap the places of events 4 and 5
    const s4 = rowOf(base, "events", 4);
    const s5 = rowOf(base, "events", 5);
    tamper(db, `UPDATE events SET chain_seq = ${s4} WHERE id = 5; UPDATE events SET chain_seq = ${s5} WHERE id = 4;`);
    const j = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(j.intact).toBe(false);
    expect(j.brokenAt).toBe(s4);
    expect(j.breaks[0]).toMatchObject({ kind: "reordered", row: s4, table: "events", id: 5 });
  });

  it("a row inserted with plain SQL is outside the chain: exit 1", async () => {
    const { dir, db } = await copy();
    tamper(db, "INSERT INTO events (at, kind, path) VALUES ('2026-01-01T00:00:00.000Z', 'seen', '/made/up.png')");
    const r = await verify(db, dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^history broken: events id \d+ is not in the chain \(no hash\): it was inserted, or its link erased, outside prov/);
  });

  it("a missing or unreadable database is a clear error (exit 3), not a verdict", async () => {
    const dir = tempDir();
    const missing = await verify(path.join(dir, "none.db"), dir);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no database at .*none\.db/);
    expect(missing.stdout).toBe("");
    const junk = path.join(dir, "junk.db");
    fs.writeFileSync(junk, "this is not a database, just text that is long enough to look like a header....".repeat(20));
    const bad = await verify(junk, dir);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/junk\.db.*not a database/);
    const head = await verify(path.join(dir, "none.db"), dir, "--head", "xyz");
    expect(head.code).toBe(2);
    expect(head.stderr).toMatch(/--head must be a SHA-256 in hex, 64 digits/);
  });
});

describe("the head a sweep report states", () => {
  it("is the chain's head after the sweep's own event; a history cut after it fails `prov verify --head`", async () => {
    const { dir, db } = await copy();
    fs.mkdirSync(path.join(dir, "deliver"));
    copySample("camera-plate.jpg", path.join(dir, "deliver"));
    const sweep = await runCli(["--db", db, "sweep", "deliver", "--format", "json"], { cwd: dir });
    const report = json<{ summary: { history: { row: number; hash: string } } }>(sweep);
    expect(report.summary.history.hash).toMatch(/^[0-9a-f]{64}$/);
    const j = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(j.head).toEqual(report.summary.history);
    const text = await runCli(["--db", db, "sweep", "deliver"], { cwd: dir });
    expect(text.stdout).toMatch(/history head: row \d+ [0-9a-f]{64}/);

    expect((await verify(db, dir, "--head", report.summary.history.hash)).code).toBe(0);
    // The last rows removed: the chain alone still links, the recorded head is gone.
    tamper(db, `DELETE FROM events WHERE chain_seq >= ${report.summary.history.row}`);
    expect((await verify(db, dir)).code).toBe(0);
    const cut = await verify(db, dir, "--head", report.summary.history.hash);
    expect(cut.code).toBe(1);
    expect(cut.stdout).toMatch(new RegExp(`the recorded head ${report.summary.history.hash} is not in the chain`));
  });
});

describe("prov export-history", () => {
  it("writes the chain with its head for an auditor, which verifies offline; an altered export is found", async () => {
    const { dir, db } = await copy();
    const out = path.join(dir, "history.jsonl");
    const r = await runCli(["--db", db, "export-history", "--out", out], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/history exported to .*history\.jsonl: \d+ rows, head row \d+ [0-9a-f]{64}/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const lines = fs.readFileSync(out, "utf8").trimEnd().split("\n");
    const head = JSON.parse(lines[0]!);
    expect(head).toMatchObject({ format: "prov-history", version: 1, genesis: { rowsBefore: 0 } });
    const end = JSON.parse(lines.at(-1)!);
    const fromDb = json<VerifyJson>(await runCli(["--db", db, "--json", "verify"], { cwd: dir }));
    expect(end).toEqual({ end: true, rows: fromDb.rows, head: fromDb.head, intact: true, breaks: 0 });
    expect(lines).toHaveLength(fromDb.rows + 2);

    // Offline: no database at all.
    const offline = await runCli(["verify", "--export", out], { cwd: tempDir() });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.stdout.split("\n")[0]).toBe(`history intact: ${fromDb.rows} rows, head row ${fromDb.head.row} ${fromDb.head.hash}`);

    // Stdout gives the same lines.
    const piped = await runCli(["--db", db, "export-history"], { cwd: dir });
    expect(piped.stdout.trimEnd().split("\n").slice(1)).toEqual(lines.slice(1));

    // An edited row in the export.
    const edited = path.join(dir, "edited.jsonl");
    const row3 = JSON.parse(lines[3]!);
    row3.content.kind = "nothing-happened";
    fs.writeFileSync(edited, [...lines.slice(0, 3), JSON.stringify(row3), ...lines.slice(4)].join("\n") + "\n");
    const e = json<VerifyJson>(await runCli(["--json", "verify", "--export", edited], { cwd: dir }));
    expect(e.breaks).toEqual([expect.objectContaining({ kind: "edited", row: row3.row, fields: ["kind"] })]);

    // The last row removed from the export: its last line says otherwise.
    const cut = path.join(dir, "cut.jsonl");
    fs.writeFileSync(cut, [...lines.slice(0, -2), lines.at(-1)].join("\n") + "\n");
    const c = await runCli(["verify", "--export", cut], { cwd: dir });
    expect(c.code).toBe(1);
    expect(c.stdout).toMatch(/rows were removed from or added to the export/);

    // Cut short (no last line), and not an export at all: a clear error naming the file and line.
    const short = path.join(dir, "short.jsonl");
    fs.writeFileSync(short, lines.slice(0, -1).join("\n") + "\n");
    expect((await runCli(["verify", "--export", short], { cwd: dir })).stdout).toMatch(/no last line \(its head\): it was cut short/);
    const junk = path.join(dir, "junk.jsonl");
    fs.writeFileSync(junk, lines[0] + "\n{not json\n");
    const j = await runCli(["verify", "--export", junk], { cwd: dir });
    expect(j.code).toBe(2);
    expect(j.stderr).toMatch(/history export .*junk\.jsonl, line 2: not JSON/);
    const none = await runCli(["verify", "--export", path.join(dir, "nope.jsonl")], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/cannot read the history export .*nope\.jsonl/);
  });

  it("to a folder that does not exist: a clear error, nothing written", async () => {
    const { dir, db } = await copy();
    const r = await runCli(["--db", db, "export-history", "--out", path.join(dir, "no/such/dir/h.jsonl")], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write the history export .*h\.jsonl/);
  });
});
