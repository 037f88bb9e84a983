// The SQLite store: migrations, refusal of newer databases and network filesystems,
// append-only history, STRICT tables. Real SQLite files in temp dirs.

import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { loadMigrations, type OpenOptions } from "../../db/sqlite/sql.js";
import type { Store } from "../../src/ports.js";
import { StoreError } from "../../src/domain/errors.js";
import { openStore, repoRoot, sha256Of, tempDir } from "../helpers/index.js";

const migrationFiles = fs.readdirSync(path.join(repoRoot, "db/sqlite/migrations")).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f));
const LATEST = migrationFiles.length;

function raw(file: string, opts: Database.Options = {}): Database.Database {
  const db = new Database(file, opts);
  return db;
}

function userVersion(file: string): number {
  const db = raw(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma("user_version", { simple: true }) as number;
  } finally {
    db.close();
  }
}

async function openError(file: string, opts: OpenOptions): Promise<StoreError> {
  try {
    await (await openStore(file, opts)).close();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error(`openStore(${file}) did not fail`);
}

/** A small asset + location + event + approval, through the Store port. */
async function seed(store: Store): Promise<number> {
  const now = new Date().toISOString();
  return store.transaction(async (tx) => {
    const { id } = await tx.assets.record(
      { asset: { sha256: "a".repeat(64), size: 10, mediaHash: null, fileType: "PNG", mimeType: "image/png", metadataError: null, warnings: [], exiftoolVersion: "13.59" } },
      now,
    );
    await tx.locations.upsert("/x/a.png", id, { dev: "1", ino: "2", size: 10, mtimeNs: "3", ctimeNs: "4" }, "present", null, now);
    await tx.events.add("seen", now, { assetId: id, path: "/x/a.png", detail: { note: "seed" } });
    await tx.approvals.add({ asset_id: id, action: "approve", by: "alice", ref: "R-1", scope: null, note: null, doc_path: null, doc_sha256: null, at: now, account: null, host: null, terms: null });
    return id;
  });
}

describe("migrations", () => {
  it("there is at least one migration and they are numbered 0001.. without gaps", () => {
    expect(LATEST).toBeGreaterThanOrEqual(1);
    expect(loadMigrations().map((m) => m.version)).toEqual(migrationFiles.map((_, i) => i + 1));
  });

  it("an empty database is migrated to user_version = number of migration files", async () => {
    const dir = tempDir();
    const file = path.join(dir, "sub", "prov.db");
    const store = await openStore(file, { create: true });
    expect(await store.schemaVersion()).toBe(LATEST);
    await store.close();
    expect(userVersion(file)).toBe(LATEST);
  });

  it("reopening is idempotent: same version, same schema, data kept", async () => {
    const dir = tempDir();
    const file = path.join(dir, "prov.db");
    const s1 = await openStore(file, { create: true });
    const id = await seed(s1);
    await s1.close();
    const schema = () => {
      const db = raw(file, { readonly: true });
      try {
        return db.prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY name").all();
      } finally {
        db.close();
      }
    };
    const before = schema();
    for (let i = 0; i < 2; i++) {
      const s = await openStore(file, { create: true });
      expect(await s.schemaVersion()).toBe(LATEST);
      expect((await s.assets.byId(id))?.sha256).toBe("a".repeat(64));
      expect(await s.events.list({ assetId: id })).toHaveLength(1);
      await s.close();
    }
    expect(schema()).toEqual(before);
    // read-only open of an up-to-date database works too
    const ro = await openStore(file, { readonly: true });
    expect(await ro.approvals.of(id)).toHaveLength(1);
  });

  it("loadMigrations refuses gaps in the numbering", () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "0001_a.sql"), "CREATE TABLE a (x INTEGER) STRICT;");
    fs.writeFileSync(path.join(dir, "0003_c.sql"), "CREATE TABLE c (x INTEGER) STRICT;");
    fs.writeFileSync(path.join(dir, "README.md"), "not a migration");
    expect(() => loadMigrations(dir)).toThrow(StoreError);
    expect(() => loadMigrations(dir)).toThrow(/without gaps/);
  });

  it("a missing database is not created unless asked", async () => {
    const dir = tempDir();
    const file = path.join(dir, "none.db");
    expect((await openError(file, {})).message).toMatch(/no database at/);
    expect((await openError(file, { readonly: true })).message).toMatch(/no database at/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe("a database newer than this prov", () => {
  it("is refused with a StoreError mentioning 'newer', for writers and readers, and its content is not changed", async () => {
    const dir = tempDir();
    const file = path.join(dir, "prov.db");
    const s = await openStore(file, { create: true });
    await seed(s);
    await s.close();
    const db = raw(file);
    db.pragma(`user_version = ${LATEST + 1}`);
    db.exec("CREATE TABLE from_the_future (x INTEGER) STRICT");
    db.close();
    const bytes = sha256Of(file);

    for (const opts of [{ create: true }, {}, { readonly: true }]) {
      const err = await openError(file, opts);
      expect(err.message).toMatch(/newer/);
      expect(err.message).toContain(String(LATEST + 1));
      expect(err.kind).toBe("store");
    }
    expect(userVersion(file)).toBe(LATEST + 1);
    expect(sha256Of(file)).toBe(bytes);
    const check = raw(file, { readonly: true });
    expect(check.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    check.close();
  });

  // Product bug (see report): Store.open switches journal_mode to WAL before checking the
  // version, so a newer database in rollback-journal mode is rewritten (header bytes 18-19)
  // although the error says "the database was not changed".
  it("is not modified at all, even when it is not in WAL mode", async () => {
    const dir = tempDir();
    const file = path.join(dir, "future.db");
    const db = raw(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("delete");
    db.exec("CREATE TABLE t (x INTEGER) STRICT; INSERT INTO t VALUES (1);");
    db.pragma(`user_version = ${LATEST + 5}`);
    db.close();
    const bytes = sha256Of(file);

    expect((await openError(file, { create: true })).message).toMatch(/newer/);
    expect(sha256Of(file)).toBe(bytes);
    expect(fs.existsSync(file + "-wal")).toBe(false);
  });
});

describe("append-only history", () => {
  it("the Store port has no way to change or remove events or approvals", async () => {
    const s = await openStore(path.join(tempDir(), "prov.db"), { create: true });
    for (const repo of [s.events, s.approvals]) {
      expect(Object.keys(repo).filter((m) => !/^(add|list|lastId|decisionsAfter|of|last|under)$/.test(m))).toEqual([]);
    }
    expect(Object.keys(s.events).sort()).toEqual(["add", "decisionsAfter", "lastId", "list"]);
    expect(Object.keys(s.approvals).sort()).toEqual(["add", "last", "of", "under"]);
  });

  it("raw UPDATE/DELETE on events and approvals through another connection fail with 'append-only'", async () => {
    const dir = tempDir();
    const file = path.join(dir, "prov.db");
    const s = await openStore(file, { create: true });
    const id = await seed(s);
    await s.close();

    const db = raw(file);
    try {
      expect(() => db.prepare("UPDATE events SET kind = 'forged'").run()).toThrow(/append-only/);
      expect(() => db.prepare("DELETE FROM events").run()).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE approvals SET by = 'mallory'").run()).toThrow(/append-only/);
      expect(() => db.prepare("DELETE FROM approvals WHERE asset_id = ?").run(id)).toThrow(/append-only/);
      // Appending still works.
      db.prepare("INSERT INTO events (at, kind, detail) VALUES (?, 'note', NULL)").run(new Date().toISOString());
      expect(db.prepare("SELECT kind FROM events ORDER BY id").all()).toEqual([{ kind: "seen" }, { kind: "note" }]);
      expect(db.prepare("SELECT by FROM approvals").all()).toEqual([{ by: "alice" }]);
    } finally {
      db.close();
    }
  });
});

describe("network filesystems", () => {
  it("a database on cifs is refused before anything is created", async () => {
    const mount = tempDir();
    const real = fs.realpathSync(mount);
    const file = path.join(real, "share", "prov.db");
    const mountsText = `/dev/sda1 / ext4 rw 0 0\n//nas/share ${real} cifs rw 0 0\n`;
    const err = await openError(file, { create: true, mountsText });
    expect(err.message).toContain("cifs");
    expect(err.message).toContain(file);
    expect(fs.existsSync(path.join(real, "share"))).toBe(false);
  });

  it("nfs4 is refused too; a local filesystem or fuseblk is fine", async () => {
    const mount = fs.realpathSync(tempDir());
    expect((await openError(path.join(mount, "p.db"), { create: true, mountsText: `nas:/x ${mount} nfs4 rw 0 0\n` })).message).toContain("nfs4");
    const local = await openStore(path.join(mount, "a.db"), { create: true, mountsText: `/dev/sda1 ${mount} ext4 rw 0 0\n` });
    expect(await local.schemaVersion()).toBe(LATEST);
    const ntfs = await openStore(path.join(mount, "b.db"), { create: true, mountsText: `/dev/sdb1 ${mount} fuseblk rw 0 0\n` });
    expect(await ntfs.schemaVersion()).toBe(LATEST);
  });
});

describe("schema", () => {
  it("every table is STRICT", async () => {
    const dir = tempDir();
    const file = path.join(dir, "prov.db");
    await (await openStore(file, { create: true })).close();
    const db = raw(file, { readonly: true });
    try {
      const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
        name: string;
        strict: number;
      }[];
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(["assets", "locations", "evidence", "approvals", "events"]));
      for (const t of tables) expect([t.name, t.strict]).toEqual([t.name, 1]);
    } finally {
      db.close();
    }
    // STRICT in practice: a wrong type is rejected, not coerced.
    const w = raw(file);
    try {
      expect(() =>
        w.prepare("INSERT INTO assets (sha256, size, origin, first_seen, updated_at) VALUES (?, 'big', 'unknown', 'now', 'now')").run("b".repeat(64)),
      ).toThrow(/cannot store TEXT value in INTEGER column/);
    } finally {
      w.close();
    }
  });

  it("the database runs in WAL mode with foreign keys on", async () => {
    const dir = tempDir();
    const file = path.join(dir, "prov.db");
    const s = await openStore(file, { create: true });
    await expect(s.transaction((tx) => tx.events.add("seen", "now", { assetId: 999_999 }))).rejects.toThrow(/FOREIGN KEY/);
    await s.close();
    const db = raw(file, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    db.close();
  });
});

describe("transactions over the asynchronous port", () => {
  const asset = (sha: string) => ({ asset: { sha256: sha, size: 1, mediaHash: null, fileType: null, mimeType: null, metadataError: null, warnings: [], exiftoolVersion: null } });

  it("a transaction that fails writes nothing; the error comes back", async () => {
    const s = await openStore(path.join(tempDir(), "prov.db"), { create: true });
    const boom = new Error("boom");
    await expect(
      s.transaction(async (tx) => {
        await tx.assets.record(asset("b".repeat(64)), "now");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await s.assets.bySha("b".repeat(64))).toBeUndefined();
  });

  it("reads outside a transaction see only what was committed; transactions run one at a time", async () => {
    const s = await openStore(path.join(tempDir(), "prov.db"), { create: true });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const order: string[] = [];
    const first = s.transaction(async (tx) => {
      await tx.assets.record(asset("c".repeat(64)), "now");
      order.push("first wrote");
      await gate;
      order.push("first commits");
    });
    const second = s.transaction(async (tx) => {
      order.push("second runs");
      return tx.assets.bySha("c".repeat(64));
    });
    await new Promise((r) => setImmediate(r));
    expect(await s.assets.bySha("c".repeat(64)), "not committed yet").toBeUndefined();
    release();
    await first;
    expect((await second)?.sha256, "the second saw the first's commit").toBe("c".repeat(64));
    expect(order).toEqual(["first wrote", "first commits", "second runs"]);
  });

  it("another process holding the write lock makes a write wait without blocking the event loop", async () => {
    const file = path.join(tempDir(), "prov.db");
    const s = await openStore(file, { create: true });
    const other = raw(file);
    other.exec("BEGIN IMMEDIATE");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const write = s.transaction((tx) => tx.assets.record(asset("d".repeat(64)), "now"));
    // The loop keeps turning while the write waits for the lock.
    await new Promise<void>((resolve) => {
      const check = (): void => (ticks >= 5 ? resolve() : void setTimeout(check, 5));
      check();
    });
    expect(await s.assets.bySha("d".repeat(64))).toBeUndefined();
    other.exec("COMMIT");
    other.close();
    await write;
    clearInterval(timer);
    expect((await s.assets.bySha("d".repeat(64)))?.size).toBe(1);
  });

  it("counts the calls made to each repository", async () => {
    const s = await openStore(path.join(tempDir(), "prov.db"), { create: true });
    const before = s.calls()["assets.bySha"] ?? 0;
    await s.assets.bySha("e".repeat(64));
    await s.assets.bySha("e".repeat(64));
    expect(s.calls()["assets.bySha"]).toBe(before + 2);
  });
});
