// The history chain in a real SQLite store: rows written through the Store are linked in one
// order over events and approvals, by one writer or two at once; a rolled-back transaction
// leaves no link; a database from before the chain is chained when it migrates; and a process
// killed (SIGKILL) while it writes events leaves the chain whole after a restart.

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { loadMigrations } from "../../db/sqlite/sql.js";
import { verifyHistory } from "../../src/app/history.js";
import type { Store } from "../../src/ports.js";
import { cliPath, openStore, repoRoot, runCli, tempDir, waitFor } from "../helpers/index.js";
import { uniquePlainPng } from "../watch/helpers.js";

interface LinkRow {
  tbl: string;
  id: number;
  chain_seq: number | null;
}

function links(file: string): LinkRow[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare("SELECT 'approvals' AS tbl, id, chain_seq FROM approvals UNION ALL SELECT 'events', id, chain_seq FROM events ORDER BY chain_seq")
      .all() as LinkRow[];
  } finally {
    db.close();
  }
}

async function addAsset(store: Store, sha: string): Promise<number> {
  return store.transaction(async (tx) => {
    const { id } = await tx.assets.record(
      { asset: { sha256: sha, size: 10, mediaHash: null, fileType: "PNG", mimeType: "image/png", metadataError: null, warnings: [], exiftoolVersion: "13.59" } },
      new Date().toISOString(),
    );
    return id;
  });
}

describe("writing the chain", () => {
  it("events and approvals are linked in one order as they are written, 1, 2, 3, … over both tables; verify says intact", async () => {
    const file = path.join(tempDir(), "prov.db");
    const store = await openStore(file);
    const asset = await addAsset(store, "a".repeat(64));
    const now = new Date().toISOString();
    await store.transaction(async (tx) => {
      await tx.events.add("seen", now, { assetId: asset, path: "/edit/a.png" });
      await tx.approvals.add({ asset_id: asset, action: "approve", by: "Dana Post", ref: "R-1", scope: null, note: null, doc_path: null, doc_sha256: null, at: now, account: null, host: null, terms: null });
      await tx.events.add("approved", now, { assetId: asset, detail: { by: "Dana Post", ref: "R-1" } });
    });
    await store.events.add("scan", now, { detail: { files: 1 } }); // on its own: a transaction of its own
    expect(links(file).map((l) => `${l.chain_seq} ${l.tbl} ${l.id}`)).toEqual(["1 events 1", "2 approvals 1", "3 events 2", "4 events 3"]);
    const report = await verifyHistory(store);
    expect(report).toMatchObject({ intact: true, rows: 4, breakCount: 0 });
    expect(await store.history.head()).toEqual(report.head);
    expect(report.genesis).toMatchObject({ storeId: (await store.identity()).id, rowsBefore: 0 });
  });

  it("a rolled-back transaction leaves no link behind: the next row follows the last committed one", async () => {
    const store = await openStore(path.join(tempDir(), "prov.db"));
    const now = new Date().toISOString();
    await store.events.add("seen", now, { path: "/a" });
    await expect(
      store.transaction(async (tx) => {
        await tx.events.add("seen", now, { path: "/b" });
        await tx.events.add("seen", now, { path: "/c" });
        throw new Error("the caller changed its mind");
      }),
    ).rejects.toThrow(/changed its mind/);
    await store.events.add("seen", now, { path: "/d" });
    const report = await verifyHistory(store);
    expect(report).toMatchObject({ intact: true, rows: 2, head: { seq: 2 } });
  });

  it("two writers on one database (two stores, as two processes): taking turns and contending, one intact chain", async () => {
    const file = path.join(tempDir(), "prov.db");
    const a = await openStore(file);
    const b = await openStore(file);
    const now = new Date().toISOString();
    const one = (s: Store, who: string, i: number) =>
      s.transaction(async (tx) => {
        await tx.events.add("seen", now, { path: `/${who}/${i}` });
        if (i % 5 === 0) await tx.events.add("changed", now, { path: `/${who}/${i}` });
      });
    // Turns: each store's head is stale every time (the other wrote last); it must read it again.
    for (let i = 0; i < 20; i++) {
      await one(a, "a", i);
      await one(b, "b", i);
    }
    // Contention: both at once, the write lock decides.
    await Promise.all([...Array.from({ length: 20 }, (_, i) => one(a, "a", 20 + i)), ...Array.from({ length: 20 }, (_, i) => one(b, "b", 20 + i))]);
    expect(links(file).map((l) => l.chain_seq)).toEqual(Array.from({ length: 96 }, (_, i) => i + 1));
    expect(await verifyHistory(a)).toMatchObject({ intact: true, rows: 96 });
    expect(await verifyHistory(b)).toMatchObject({ intact: true, rows: 96 });
  });
});

describe("a database from before the chain", () => {
  /** A database at schema version 7 with history written by an older prov (plain SQL, no links). */
  function olderDatabase(file: string): void {
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    for (const m of loadMigrations().slice(0, 7)) db.exec(m.sql);
    db.pragma("user_version = 7");
    db.prepare("INSERT INTO assets (sha256, size, origin, status, first_seen, updated_at) VALUES (?, 1, 'genai', 'temporary', ?, ?)").run("b".repeat(64), "2026-11-01T09:00:00.000Z", "2026-11-01T09:00:00.000Z");
    const ev = db.prepare("INSERT INTO events (at, kind, asset_id, path, detail) VALUES (?, ?, 1, ?, ?)");
    ev.run("2026-11-01T09:00:00.000Z", "seen", "/edit/b.png", null);
    ev.run("2026-11-01T09:00:00.000Z", "classified", "/edit/b.png", JSON.stringify({ origin: "genai" }));
    db.prepare("INSERT INTO approvals (asset_id, action, by, ref, at) VALUES (1, 'approve', 'Dana Post', 'R-9', ?)").run("2026-11-02T10:00:00.000Z");
    ev.run("2026-11-02T10:00:00.000Z", "approved", "/edit/b.png", JSON.stringify({ by: "Dana Post" }));
    ev.run("2026-11-03T08:00:00.000Z", "seen", "/edit/b\uFFFD.png", null);
    db.close();
  }

  it("is chained when it migrates, in the order written; the genesis says when and how many rows it found; new rows follow", async () => {
    const file = path.join(tempDir(), "prov.db");
    olderDatabase(file);
    const before = Date.now();
    const store = await openStore(file);
    expect(await store.schemaVersion()).toBe(loadMigrations().length);
    expect(links(file).map((l) => `${l.chain_seq} ${l.tbl} ${l.id}`)).toEqual(["1 events 1", "2 events 2", "3 approvals 1", "4 events 3", "5 events 4"]);
    const genesis = await store.history.genesis();
    expect(genesis?.rowsBefore).toBe(5);
    expect(Date.parse(genesis!.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    await store.events.add("seen", new Date().toISOString(), { assetId: 1, path: "/edit/b.png" });
    expect(await verifyHistory(store)).toMatchObject({ intact: true, rows: 6, head: { seq: 6 } });
    await store.close();

    // From then on an old row is as protected as a new one.
    const db = new Database(file);
    db.exec("DROP TRIGGER events_append_only_update");
    db.prepare("UPDATE events SET path = '/edit/other.png' WHERE id = 2").run();
    db.close();
    const again = await openStore(file);
    const report = await verifyHistory(again);
    expect(report.breaks).toEqual([expect.objectContaining({ kind: "edited", row: 2, table: "events", id: 2, fields: ["path"] })]);
  });

  it("prov's own code still cannot rewrite a chained row: the append-only triggers hold after the migration", async () => {
    const file = path.join(tempDir(), "prov.db");
    olderDatabase(file);
    await (await openStore(file)).close();
    const db = new Database(file);
    try {
      expect(() => db.prepare("UPDATE events SET kind = 'x' WHERE id = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE approvals SET by = 'x' WHERE id = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare("DELETE FROM events WHERE id = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE history_genesis SET rows_before = 0").run()).toThrow(/written once/);
    } finally {
      db.close();
    }
  });
});

describe("kill -9 while events are written", () => {
  /**
   * A process that does nothing but write: transactions of 25 events back to back through
   * the built Store, printing how many rows are committed after each commit. A SIGKILL
   * lands inside a transaction almost every time.
   */
  function writer(dir: string, db: string): ChildProcess & { committed: () => number } {
    const script = path.join(dir, "writer.mjs");
    fs.writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(pathToFileURL(path.join(repoRoot, "dist/db/index.js")).href)};
const store = await openStore(${JSON.stringify(db)}, { create: true });
let n = 0;
for (;;) {
  await store.transaction(async (tx) => {
    for (let i = 0; i < 25; i++) await tx.events.add("seen", new Date().toISOString(), { path: "/burst/" + n + "-" + i, detail: { i } });
    if (n % 4 === 0) await tx.approvals.add({ asset_id: 1, action: "approve", by: "writer", ref: "R-" + n, scope: null, note: null, doc_path: null, doc_sha256: null, at: new Date().toISOString() , account: null, host: null, terms: null });
  });
  n++;
  process.stdout.write(n + "\\n");
}
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "pipe"] }) as ChildProcess & { committed: () => number };
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.committed = () => Number(out.trim().split("\n").at(-1) ?? 0);
    return child;
  }

  it("SIGKILL mid-transaction, five times: after each restart the chain is whole and holds every commit reported", { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const db = path.join(dir, "prov.db");
    {
      const store = await openStore(db);
      await addAsset(store, "c".repeat(64));
      await store.close();
    }
    let reported = 0;
    for (const wait of [1, 3, 7, 12, 20]) {
      const child = writer(dir, db);
      const exited = new Promise((resolve) => child.on("exit", resolve));
      await waitFor(() => child.committed() >= wait, `the writer to commit ${wait} transactions`, 60_000, 5);
      child.kill("SIGKILL");
      await exited;
      reported += child.committed();
      const store = await openStore(db);
      const report = await verifyHistory(store);
      expect(report.breaks, JSON.stringify(report.breaks.slice(0, 3))).toEqual([]);
      expect(report.intact).toBe(true);
      // Every transaction reported committed is there (each holds 25 events, every fourth an approval).
      expect(report.rows).toBeGreaterThanOrEqual(reported * 25);
      await store.close();
    }
  });

  it("prov scan killed while it records a folder: prov verify exits 0, and again after the scan is run to the end", { timeout: 180_000 }, async () => {
    const dir = tempDir();
    const edit = path.join(dir, "edit");
    fs.mkdirSync(edit);
    for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(edit, `plate-${i}.png`), uniquePlainPng(`chain-kill-${i}`));
    const db = path.join(dir, "prov.db");
    expect((await runCli(["--db", db, "init"], { cwd: dir })).code).toBe(0);
    const child = spawn(process.execPath, [cliPath, "--db", db, "scan", "edit"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const events = (): number => {
      try {
        const r = new Database(db, { readonly: true, fileMustExist: true });
        try {
          return (r.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n;
        } finally {
          r.close();
        }
      } catch {
        return 0;
      }
    };
    const first = await Promise.race([waitFor(() => events() > 0 || null, "prov scan to record its first files", 120_000, 5), exited.then(() => null)]);
    child.kill("SIGKILL");
    await exited;
    expect(first, `the scan was killed before it finished (its stderr: ${stderr})`).not.toBeNull();
    const mid = await runCli(["--db", db, "verify"], { cwd: dir });
    expect(mid.code, mid.stdout + mid.stderr).toBe(0);
    expect(mid.stdout).toMatch(/^history intact: \d+ rows/);
    const rest = await runCli(["--db", db, "scan", "edit"], { cwd: dir, timeoutMs: 150_000 });
    expect(rest.code, rest.stderr).toBe(0);
    const end = await runCli(["--db", db, "--json", "verify"], { cwd: dir });
    expect(end.code, end.stdout).toBe(0);
    const report = JSON.parse(end.stdout) as { intact: boolean; rows: number };
    expect(report.intact).toBe(true);
    expect(report.rows).toBeGreaterThanOrEqual(400);
  });
});
