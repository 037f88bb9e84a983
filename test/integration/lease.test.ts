// The watcher lease at the store: the SQL claim (db/sqlite/sql.ts claimWatcher) checks the
// holder and claims in one BEGIN IMMEDIATE, heartbeats, renewals and releases touch only the
// row that carries their token, and the write fence (Store.guardWrites) with the lease of
// watchers/lock.ts. Real SQLite files in temp dirs, two connections like two processes.

import path from "node:path";
import { hostname } from "node:os";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Store, WatcherRow } from "../../src/ports.js";
import { LeaseError, StoreError } from "../../src/domain/errors.js";
import { holdsLease, STALE_MS, WatcherLease } from "../../watchers/lock.js";
import { openStore, tempDir } from "../helpers/index.js";

const host = hostname();
const iso = (ms: number): string => new Date(ms).toISOString();
const holds = (row: WatcherRow): boolean => holdsLease(row);

async function twoStores(): Promise<[Store, Store, string]> {
  const file = path.join(tempDir(), "prov.db");
  const a = await openStore(file);
  const b = await openStore(file);
  return [a, b, file];
}

describe("the watcher lease in the store", () => {
  it("claims once: a live holder refuses the claim and is named; heartbeat, renew and release need the token", async () => {
    const [a, b] = await twoStores();
    const now = Date.now();
    const first = await a.watcher.claim("", { pid: process.pid, host, token: "token-a", now: iso(now) }, holds);
    expect(first).toEqual({ claimed: true, previous: undefined });

    const refused = await b.watcher.claim("", { pid: 1, host, token: "token-b", now: iso(now) }, holds);
    expect(refused.claimed).toBe(false);
    if (!refused.claimed) expect(refused.holder).toMatchObject({ pid: process.pid, host, token: "token-a", stopped_at: null });
    expect((await b.watcher.row(""))?.token).toBe("token-a");

    expect(await a.watcher.heartbeat("", "token-a", iso(now + 1), true, { ready: true })).toBe(true);
    expect(await b.watcher.heartbeat("", "token-b", iso(now + 2), true, {})).toBe(false);
    expect(await b.watcher.renew("", "token-b", iso(now + 2))).toBe(false);
    expect(await b.watcher.release("", "token-b", iso(now + 2))).toBe(false);
    const row = (await a.watcher.row(""))!;
    expect(row).toMatchObject({ token: "token-a", heartbeat_at: iso(now + 1), ready: 1, stopped_at: null });

    // Released: the next claim gets it, and the old token proves nothing any more.
    expect(await a.watcher.release("", "token-a", iso(now + 3))).toBe(true);
    const next = await b.watcher.claim("", { pid: process.pid, host, token: "token-c", now: iso(now + 4) }, holds);
    expect(next.claimed).toBe(true);
    if (next.claimed) expect(next.previous).toMatchObject({ token: "token-a", stopped_at: iso(now + 3) });
    expect(await a.watcher.heartbeat("", "token-a", iso(now + 5), true, {})).toBe(false);
    expect(await a.watcher.renew("", "token-a", iso(now + 5))).toBe(false);
  });

  it("takes over a stale heartbeat, and a dead pid on this host, but not a fresh live holder", async () => {
    const [a, b] = await twoStores();
    const now = Date.now();
    // A holder (this live process) whose heartbeat is older than STALE_MS: paused or hung.
    await a.watcher.claim("", { pid: process.pid, host, token: "paused", now: iso(now - STALE_MS - 1000) }, holds);
    const took = await b.watcher.claim("", { pid: process.pid, host, token: "second", now: iso(now) }, holds);
    expect(took.claimed).toBe(true);
    if (took.claimed) expect(took.previous?.token).toBe("paused");
    expect(await a.watcher.heartbeat("", "paused", iso(now + 1), true, {})).toBe(false);

    // A fresh heartbeat from a pid that is not alive on this host: the watcher was killed.
    const dead = 2 ** 22 + 12345; // above pid_max's default: no such process
    await b.watcher.release("", "second", iso(now + 1));
    await b.watcher.claim("", { pid: dead, host, token: "killed", now: iso(now + 2) }, holds);
    expect(holdsLease((await a.watcher.row(""))!)).toBe(false);
    expect((await a.watcher.claim("", { pid: process.pid, host, token: "third", now: iso(now + 3) }, holds)).claimed).toBe(true);

    // The same fresh heartbeat from another host is trusted (its pid cannot be checked here).
    await a.watcher.release("", "third", iso(now + 4));
    await a.watcher.claim("", { pid: dead, host: "edit-02", token: "remote", now: iso(Date.now()) }, holds);
    const refused = await b.watcher.claim("", { pid: process.pid, host, token: "fourth", now: iso(Date.now()) }, holds);
    expect(refused.claimed).toBe(false);
    if (!refused.claimed) expect(refused.holder).toMatchObject({ pid: dead, host: "edit-02" });
  });

  it("the check happens under the write lock: a claim waiting for another writer sees the holder it committed", async () => {
    const [, b, file] = await twoStores();
    // Another process takes the write lock and writes a live holder while our claim waits.
    const other = new Database(file);
    try {
      other.exec("BEGIN IMMEDIATE");
      other
        .prepare("INSERT INTO watcher (id, pid, host, started_at, heartbeat_at, stopped_at, ready, state, token) VALUES (1, ?, ?, ?, ?, NULL, 0, '{}', 'other')")
        .run(process.pid, host, iso(Date.now()), iso(Date.now()));
      const claim = b.watcher.claim("", { pid: process.pid, host, token: "mine", now: iso(Date.now()) }, holds);
      let settled = false;
      void claim.finally(() => (settled = true));
      await new Promise((r) => setImmediate(r));
      expect(settled, "the claim must wait for the other writer's lock").toBe(false);
      other.exec("COMMIT");
      const r = await claim;
      expect(r.claimed).toBe(false);
      if (!r.claimed) expect(r.holder.token).toBe("other");
    } finally {
      other.close();
    }
  });

  it("a claim while another process keeps the write lock (a watcher frozen mid-write) is refused with a sentence naming the holder", { timeout: 120_000 }, async () => {
    const [a, b, file] = await twoStores();
    const holder = new WatcherLease(a, 4000, () => undefined, Date.now, 4242);
    await holder.claim();
    const other = new Database(file);
    try {
      other.exec("BEGIN IMMEDIATE"); // kept for the whole wait, as a SIGSTOPped writer would
      const err = await new WatcherLease(b, 4000, () => undefined).claim().then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(LeaseError);
      expect((err as Error).message).toMatch(/^cannot claim the watcher lease of .*prov\.db: the database is locked by another process \(the watcher lease names pid 4242 on host .*; try again later$/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("two connections (like two processes) claiming in the same tick: exactly one wins, 20 times", async () => {
    for (let i = 0; i < 20; i++) {
      const [a, b] = await twoStores();
      const now = iso(Date.now());
      const results = await Promise.all([
        a.watcher.claim("", { pid: process.pid, host, token: `a${i}`, now }, holds),
        b.watcher.claim("", { pid: process.pid, host, token: `b${i}`, now }, holds),
      ]);
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
      const winner = results[0]!.claimed ? `a${i}` : `b${i}`;
      expect((await a.watcher.row(""))?.token).toBe(winner);
    }
  });

  it("a lease lost while paused: the next guard proves it, finds the new holder, and every write is fenced", async () => {
    const [a, b] = await twoStores();
    let clock = Date.now() - STALE_MS - 5000; // the first watcher's wall clock, frozen in the past
    const lost: LeaseError[] = [];
    const first = new WatcherLease(a, 4000, (err) => lost.push(err), () => clock);
    a.guardWrites((tx) => first.guardWrite(tx));
    await first.claim();
    await first.beat(true, { ready: true });
    await first.guard(); // no pause: the flag is enough, no write

    // Frozen past STALE_MS: a second watcher (the real clock) takes the lease over.
    const second = new WatcherLease(b, 4000, () => undefined, Date.now, 4242);
    await second.claim();
    expect((await b.watcher.row(""))).toMatchObject({ pid: 4242, token: second.token });

    // The first wakes up: much more time passed than the heartbeat interval, so it proves the lease first.
    clock += STALE_MS + 5000;
    const err = await first.guard().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(LeaseError);
    expect((err as LeaseError).message).toBe(`lost the watcher lease to pid 4242 on host ${host}: stopping`);
    expect(lost).toHaveLength(1);
    expect(first.lost).toBe(err);

    // From now on nothing it writes reaches the database; reads still work; the lease row is the second's.
    await expect(first.beat(true, {})).rejects.toBeInstanceOf(LeaseError);
    await expect(a.events.add("seen", iso(Date.now()), { path: "/x" })).rejects.toBeInstanceOf(LeaseError);
    await expect(first.guard()).rejects.toBeInstanceOf(LeaseError);
    await first.release(); // a lost lease is not released: it is not ours
    expect(await a.events.lastId()).toBe(0);
    expect((await a.watcher.row(""))).toMatchObject({ pid: 4242, token: second.token, stopped_at: null });
    expect(lost).toHaveLength(1);
    await expect(second.guard()).resolves.toBeUndefined();
  });

  it("a write after a pause proves the lease in its own transaction, and goes ahead when it still holds", async () => {
    const [a] = await twoStores();
    let clock = Date.now();
    const lease = new WatcherLease(a, 4000, () => undefined, () => clock);
    a.guardWrites((tx) => lease.guardWrite(tx));
    await lease.claim();
    clock += 8000; // paused, but nobody took over
    await a.events.add("seen", iso(clock), { path: "/y" });
    expect((await a.watcher.row(""))?.heartbeat_at).toBe(iso(clock));
    expect(await a.events.lastId()).toBe(1);
  });

  it("a write fence that refuses rolls the write back with its own error", async () => {
    const [a] = await twoStores();
    a.guardWrites(async () => {
      throw new StoreError("fenced");
    });
    await expect(a.events.add("seen", iso(Date.now()), { path: "/z" })).rejects.toThrow("fenced");
    expect(await a.events.lastId()).toBe(0);
  });
});

describe("a lease per volume (migration 0012)", () => {
  it("watchers on two volumes hold their leases at once; a second claim on a volume is refused; rows() lists every one", async () => {
    const [a, b] = await twoStores();
    const now = Date.now();
    expect((await a.watcher.claim("EDIT-A", { pid: process.pid, host, token: "a", now: iso(now) }, holds)).claimed).toBe(true);
    expect((await b.watcher.claim("EDIT-B", { pid: process.pid, host: "edit-02", token: "b", now: iso(now) }, holds)).claimed).toBe(true);
    expect((await b.watcher.claim("", { pid: process.pid, host, token: "none", now: iso(now) }, holds)).claimed).toBe(true);
    const refused = await b.watcher.claim("EDIT-A", { pid: process.pid, host: "edit-03", token: "a2", now: iso(now) }, holds);
    expect(refused.claimed).toBe(false);
    if (!refused.claimed) expect(refused.holder).toMatchObject({ volume: "EDIT-A", token: "a" });
    // Tokens are per volume: one volume's token proves nothing on another.
    expect(await a.watcher.heartbeat("EDIT-B", "a", iso(now + 1), true, {})).toBe(false);
    expect(await a.watcher.heartbeat("EDIT-A", "a", iso(now + 1), true, { roots: [] })).toBe(true);
    expect(await b.watcher.renew("EDIT-A", "b", iso(now + 1))).toBe(false);
    const rows = await a.watcher.rows();
    expect(rows.map((r) => [r.volume, r.token, r.ready])).toEqual([
      ["", "none", 0],
      ["EDIT-A", "a", 1],
      ["EDIT-B", "b", 0],
    ]);
    // The default volume keeps id 1 (what older tools read); named volumes never take it.
    expect(rows.find((r) => r.volume === "")?.id).toBe(1);
    expect(rows.filter((r) => r.volume !== "").every((r) => r.id >= 2)).toBe(true);
    // A stale holder's volume may be taken; the others are untouched.
    expect(await a.watcher.release("EDIT-A", "a", iso(now + 2))).toBe(true);
    expect((await b.watcher.claim("EDIT-A", { pid: process.pid, host: "edit-03", token: "a2", now: iso(now + 3) }, holds)).claimed).toBe(true);
    expect((await a.watcher.row("EDIT-B"))?.token).toBe("b");
  });

  it("a database from before 0012 keeps its watcher row as the default volume's", async () => {
    const file = path.join(tempDir(), "prov.db");
    await (await openStore(file)).close();
    // Back to schema 11 with the single-row table, as an older prov left it.
    const db = new Database(file);
    // (Without what later migrations made: 0013's index.)
    db.exec(`DROP INDEX events_kind; DROP TABLE watcher;
      CREATE TABLE watcher (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL, stopped_at TEXT, ready INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT '{}', token TEXT) STRICT;`);
    db.prepare("INSERT INTO watcher VALUES (1, 4242, 'edit-01', ?, ?, NULL, 1, '{\"roots\":[]}', 'old')").run(iso(Date.now()), iso(Date.now()));
    db.pragma("user_version = 11");
    db.close();
    const store = await openStore(file);
    expect(await store.schemaVersion()).toBeGreaterThanOrEqual(12);
    expect(await store.watcher.rows()).toEqual([expect.objectContaining({ id: 1, volume: "", pid: 4242, host: "edit-01", ready: 1, token: "old" })]);
    // Its holder is still judged by its heartbeat: a claim on the default volume is refused, another volume's is not.
    expect((await store.watcher.claim("", { pid: process.pid, host, token: "new", now: iso(Date.now()) }, holds)).claimed).toBe(false);
    expect((await store.watcher.claim("EDIT-A", { pid: process.pid, host, token: "new", now: iso(Date.now()) }, holds)).claimed).toBe(true);
    await store.close();
  });
});
