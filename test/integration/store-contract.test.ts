// The Store port's contract, the same cases on both adapters: SQLite (a file in a temp
// folder) and PostgreSQL (a real throwaway cluster, a fresh database per test). What the
// use cases rely on: every repository's answers, path ranges in byte order, transactions
// that roll back, append-only history that refuses UPDATE and DELETE whatever writes it,
// the refusal of a newer schema; on PostgreSQL also the decision wake-up and its catch-up
// after the listening connection is killed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { StoreError } from "../../src/domain/errors.js";
import { chunks16 } from "../../src/domain/phash.js";
import { verifyHistory } from "../../src/app/history.js";
import type { AssetInput, Store, StatKey } from "../../src/ports.js";
import type { C2paValidation } from "../../src/domain/c2pa-validation.js";
import { openStore as openAny } from "../../db/index.js";
import { repoRoot, tempDir, waitFor } from "../helpers/index.js";
import { postgresAvailable, startPostgres, type PgCluster } from "../helpers/postgres.js";

/** The PostgreSQL schema this prov writes: its number of migrations. */
const PG_SCHEMA_VERSION = fs.readdirSync(path.join(repoRoot, "db/postgres/migrations")).filter((f) => /^\d{4}_.*\.sql$/.test(f)).length;

interface Engine {
  name: "sqlite" | "postgres";
  /** A fresh, empty store; closed after the test. */
  fresh(): Promise<{ store: Store; location: string; raw: (sql: string) => Promise<void>; reopen: () => Promise<Store> }>;
}

let cluster: PgCluster | null = null;
const pgHere = postgresAvailable();

const sqlite: Engine = {
  name: "sqlite",
  async fresh() {
    const file = path.join(tempDir(), "prov.db");
    const store = await openAny(file, { create: true });
    return {
      store,
      location: file,
      raw: async (sql) => {
        const db = new Database(file);
        try {
          db.exec(sql);
        } finally {
          db.close();
        }
      },
      reopen: () => openAny(file, {}),
    };
  },
};

const postgres: Engine = {
  name: "postgres",
  async fresh() {
    const db = await cluster!.createDatabase();
    const url = cluster!.urlWithPassword(db);
    const store = await openAny(url, { create: true });
    return { store, location: url, raw: async (sql) => void (await cluster!.query(db, sql)), reopen: () => openAny(url, {}) };
  },
};

beforeAll(async () => {
  if (pgHere) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

const NOW = "2026-01-01T00:00:00.000Z";
const LATER = "2026-01-02T00:00:00.000Z";
const sha = (c: string): string => c.repeat(64).slice(0, 64);
const asset = (s: string, over: Partial<AssetInput> = {}): AssetInput => ({
  sha256: s, size: 10, mediaHash: null, fileType: "PNG", mimeType: "image/png", metadataError: null, warnings: [], exiftoolVersion: "13.59", ...over,
});
const stat = (ino: string): StatKey => ({ dev: "1", ino, size: 10, mtimeNs: "100", ctimeNs: "200" });
const approval = (assetId: number, action: "approve" | "revoke" = "approve") => ({
  asset_id: assetId, action, by: "alice", ref: "R-1", scope: null, note: null, doc_path: null, doc_sha256: null, at: NOW, account: "alice", host: "bay1", terms: null,
});

async function storeError(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error("expected a StoreError");
}

const engines = [sqlite, postgres].map((e) => [e.name, e] as const);

describe.each(engines)("Store contract on %s", (name, engine) => {
  const run = name === "sqlite" || pgHere;
  let fresh: Awaited<ReturnType<Engine["fresh"]>>;
  let store: Store;
  const open = async (): Promise<void> => {
    fresh = await engine.fresh();
    store = fresh.store;
  };
  const close = async (): Promise<void> => store.close();

  it.runIf(run)("assets: record, look up every way, list, count, classify", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a"), { mediaHash: sha("m") }) }, NOW);
      const b = await store.assets.record({ asset: asset(sha("b"), { mediaHash: sha("m"), size: 5_000_000_000 }) }, NOW);
      expect(a).toEqual({ id: expect.any(Number), created: true });
      expect(await store.assets.record({ asset: asset(sha("a"), { fileType: null, warnings: ["w"] }) }, LATER)).toEqual({ id: a.id, created: false });
      const row = (await store.assets.byId(a.id))!;
      expect(row).toMatchObject({ sha256: sha("a"), size: 10, file_type: "PNG", warnings: '["w"]', origin: "unknown", status: null, first_seen: NOW, updated_at: LATER });
      expect((await store.assets.byId(b.id))!.size).toBe(5_000_000_000);
      expect((await store.assets.bySha(sha("b")))!.id).toBe(b.id);
      expect([...(await store.assets.byShas([sha("a"), sha("b"), sha("c")])).keys()].sort()).toEqual([sha("a"), sha("b")]);
      expect((await store.assets.byShaPrefix("aaaaaaaa")).map((r) => r.id)).toEqual([a.id]);
      expect((await store.assets.byMediaHash(sha("m"))).map((r) => r.id)).toEqual([a.id, b.id]);
      expect(await store.assets.count()).toBe(2);
      expect(await store.assets.setClassification(a.id, "genai", "temporary", NOW)).toBe(true);
      expect(await store.assets.setClassification(a.id, "genai", "temporary", NOW)).toBe(false);
      expect((await store.assets.list({ origin: "genai" })).map((r) => r.id)).toEqual([a.id]);
      expect((await store.assets.list({ status: "temporary" })).map((r) => r.id)).toEqual([a.id]);
      expect((await store.assets.list({})).length).toBe(2);
      expect(store.calls()["assets.record"]).toBe(3);
    } finally {
      await close();
    }
  });

  it.runIf(run)("evidence: metadata replaced, folder and manual accumulate, lineage by media hash", async () => {
    await open();
    try {
      const a = await store.assets.record(
        {
          asset: asset(sha("a"), { mediaHash: sha("m") }),
          metadataEvidence: [{ source: "iptc", field: "DigitalSourceType", value: "trainedAlgorithmicMedia", signal: "genai" }],
          folderEvidence: [{ source: "folder", field: "path", value: "**/AI_TEMP/**", signal: "genai", detail: { note: "n" } }],
        },
        NOW,
      );
      const b = await store.assets.record({ asset: asset(sha("b"), { mediaHash: sha("m") }) }, NOW);
      expect(await store.evidence.add(a.id, { source: "folder", field: "path", value: "**/AI_TEMP/**", signal: "genai" }, NOW)).toBe(false);
      expect(await store.evidence.add(a.id, { source: "manual", field: "tag", value: "genai", signal: "genai" }, NOW)).toBe(true);
      expect(await store.evidence.add(a.id, { source: "manual", field: "tag", value: "genai", signal: "genai" }, NOW)).toBe(true);
      await store.evidence.replaceMetadata(a.id, [{ source: "c2pa", field: "actions", value: "created", signal: "genai" }], LATER);
      const ev = await store.evidence.of(a.id);
      expect(ev.map((e) => e.source)).toEqual(["folder", "manual", "manual", "c2pa"]);
      expect(JSON.parse(ev[0]!.detail!)).toEqual({ note: "n" });
      expect((await store.evidence.genaiByMediaHash(sha("m"), b.id, 10)).map((e) => e.sha256)).toEqual([sha("a"), sha("a"), sha("a"), sha("a")]);
      expect(await store.evidence.genaiByMediaHash(sha("m"), a.id, 10)).toEqual([]);
      expect([...(await store.evidence.genaiMediaHashes())]).toEqual([sha("m")]);
      const facts = (await store.assets.facts(b.id))!;
      expect(facts.twins.length).toBe(4);
      expect(facts.siblings).toEqual([{ id: a.id, origin: "unknown" }]);
      await store.locations.upsert("/r/x.png", a.id, stat("1"), "present", null, NOW);
      expect((await store.evidence.under("/r")).length).toBe(4);
      expect(await store.evidence.under("/other")).toEqual([]);
    } finally {
      await close();
    }
  });

  it.runIf(run)("approvals: append, latest decides, under a folder", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      const first = await store.approvals.add(approval(a.id));
      const second = await store.approvals.add(approval(a.id, "revoke"));
      expect(second).toBeGreaterThan(first);
      expect((await store.approvals.of(a.id)).map((r) => r.action)).toEqual(["approve", "revoke"]);
      expect(await store.approvals.last(a.id)).toMatchObject({ id: second, action: "revoke", by: "alice", account: "alice", host: "bay1" });
      await store.locations.upsert("/r/a.png", a.id, stat("1"), "present", null, NOW);
      expect((await store.approvals.under("/r")).length).toBe(2);
      expect((await store.approvals.under("/r/a.png")).length).toBe(0);
    } finally {
      await close();
    }
  });

  it.runIf(run)("locations: upsert with its event, path ranges in byte order, stat cache, inode, rename, missing", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      const b = await store.assets.record({ asset: asset(sha("b")) }, NOW);
      const seen: Array<[string | undefined, string | null]> = [];
      const ev = (prev: { path: string } | undefined, prevSha: string | null) => (seen.push([prev?.path, prevSha]), { kind: prev ? "changed" : "seen" });
      const l1 = await store.locations.upsert("/r/a/1.png", a.id, stat("11"), "present", null, NOW, ev);
      await store.locations.upsert("/r/a/1.png", b.id, stat("12"), "present", null, LATER, ev);
      expect(seen).toEqual([[undefined, null], ["/r/a/1.png", sha("a")]]);
      // Byte order: "/r/a/" < "/r/a-x" is false in byte order ('-' 0x2d < '/' 0x2f): outside; "/r/a0" outside; "/r/a/sub/2" inside.
      await store.locations.upsert("/r/a-x/3.png", a.id, stat("13"), "present", null, NOW);
      await store.locations.upsert("/r/a0/4.png", a.id, stat("14"), "present", null, NOW);
      await store.locations.upsert("/r/a/sub/2.png", a.id, stat("15"), "present", null, NOW);
      await store.locations.upsert("/r/a/Z.png", a.id, stat("16"), "present", null, NOW);
      await store.locations.upsert("/r/a/err.png", null, null, "error", "EACCES", NOW);
      expect((await store.locations.presentUnder("/r/a")).map((l) => l.path).sort()).toEqual(["/r/a/1.png", "/r/a/Z.png", "/r/a/sub/2.png"]);
      expect(await store.locations.countPresentUnder("/r/a/")).toBe(3);
      expect(await store.locations.presentPathsUnder("/r/a", null, 2)).toEqual(["/r/a/1.png", "/r/a/Z.png"]);
      expect(await store.locations.presentPathsUnder("/r/a", "/r/a/Z.png", 2)).toEqual(["/r/a/sub/2.png"]);
      const cache = await store.locations.statCacheUnder("/r/a");
      expect([...cache.keys()].sort()).toEqual(["/r/a/1.png", "/r/a/Z.png", "/r/a/sub/2.png"]);
      expect(cache.get("/r/a/1.png")).toBe(["1 12 10 100 200", l1.id, b.id, sha("b"), 10, "unknown", "", NOW, "", ""].join("\x1f"));
      expect([...(await store.locations.statCacheIn("/r/a")).keys()].sort()).toEqual(["/r/a/1.png", "/r/a/Z.png"]);
      expect((await store.locations.byPath("/r/a/1.png"))).toMatchObject({ asset_id: b.id, ino: "12", size: 10, state: "present", first_seen: NOW, last_seen: LATER });
      expect((await store.locations.ofAsset(a.id)).length).toBe(4);
      expect((await store.locations.byInode("1", "13")).map((l) => l.path)).toEqual(["/r/a-x/3.png"]);
      const facts = await store.locations.lookAt("/r/a/new.png", "1", "13");
      expect(facts.here).toBeUndefined();
      expect(facts.sameInode.map((l) => [l.path, l.asset?.sha256])).toEqual([["/r/a-x/3.png", sha("a")]]);
      expect((await store.locations.presentNamed("Z.png")).map((l) => l.path)).toEqual(["/r/a/Z.png"]);
      await store.locations.relocate(l1.id, "/r/b/1.png", stat("12"), LATER);
      expect(await store.locations.byPath("/r/a/1.png")).toBeUndefined();
      await store.locations.markMissingAt("/r/b/1.png", LATER);
      expect((await store.locations.byPath("/r/b/1.png"))!.state).toBe("missing");
      await store.locations.touch([l1.id], LATER);
      expect((await store.locations.byPath("/r/b/1.png"))!.state).toBe("present");
      await store.locations.markMissing(l1.id, LATER);
      expect((await store.locations.byPath("/r/b/1.png"))!.state).toBe("missing");
      const events = await store.events.list({ path: "/r/a/1.png" });
      expect(events.map((e) => e.kind)).toEqual(["changed", "seen"]);
      expect(events[0]).toMatchObject({ asset_id: b.id, location_id: l1.id, sha256: sha("b") });
    } finally {
      await close();
    }
  });

  it.runIf(run)("events: list by asset and path with a limit, last id, decisions after an id", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      expect(await store.events.lastId()).toBe(0);
      const e1 = await store.events.add("seen", NOW, { assetId: a.id, path: "/p", detail: { n: 1 } });
      const e2 = await store.events.add("approved", NOW, { assetId: a.id });
      const e3 = await store.events.add("scan", NOW, {});
      const e4 = await store.events.add("tagged", NOW, { assetId: a.id });
      expect(await store.events.lastId()).toBe(e4);
      expect((await store.events.list({})).map((e) => e.id)).toEqual([e4, e3, e2, e1]);
      expect((await store.events.list({ limit: 2 })).map((e) => e.id)).toEqual([e4, e3]);
      expect((await store.events.list({ assetId: a.id })).map((e) => e.id)).toEqual([e4, e2, e1]);
      expect(JSON.parse((await store.events.list({ path: "/p" }))[0]!.detail!)).toEqual({ n: 1 });
      expect(await store.events.decisionsAfter(0)).toEqual([{ id: e2, asset_id: a.id }, { id: e4, asset_id: a.id }]);
      expect(await store.events.decisionsAfter(e2)).toEqual([{ id: e4, asset_id: a.id }]);
    } finally {
      await close();
    }
  });

  it.runIf(run)("events: list by kind, a page at a time below an id, with the other filters", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      const sweeps: number[] = [];
      for (let i = 0; i < 5; i++) {
        await store.events.add("seen", NOW, { assetId: a.id, path: `/d/${i}` });
        sweeps.push(await store.events.add("sweep", NOW, { path: i % 2 === 0 ? "/d" : "/e", detail: { n: i } }));
      }
      const newest = [...sweeps].reverse();
      expect((await store.events.list({ kind: "sweep" })).map((e) => e.id)).toEqual(newest);
      expect((await store.events.list({ kind: "sweep", limit: 2 })).map((e) => e.id)).toEqual(newest.slice(0, 2));
      // The next page: below the last id seen.
      expect((await store.events.list({ kind: "sweep", limit: 2, beforeId: newest[1] })).map((e) => e.id)).toEqual(newest.slice(2, 4));
      expect((await store.events.list({ kind: "sweep", beforeId: newest[4] })).map((e) => e.id)).toEqual([]);
      expect((await store.events.list({ kind: "sweep", path: "/e" })).map((e) => e.id)).toEqual([sweeps[3], sweeps[1]]);
      expect((await store.events.list({ kind: "seen", assetId: a.id })).length).toBe(5);
      expect((await store.events.list({ kind: "sweep", assetId: a.id })).length).toBe(0);
      expect(await store.events.list({ kind: "no-such-kind" })).toEqual([]);
      expect(JSON.parse((await store.events.list({ kind: "sweep", limit: 1 }))[0]!.detail!)).toEqual({ n: 4 });
    } finally {
      await close();
    }
  });

  it.runIf(run)("sequences: put, replace frames, GenAI on one frame travels to the shot", async () => {
    await open();
    try {
      const ids: number[] = [];
      const frames: Array<{ locationId: number; frame: number }> = [];
      for (const [i, c] of ["1", "2", "3"].entries()) {
        const a = await store.assets.record({ asset: asset(sha(c)), ...(i === 2 ? { folderEvidence: [{ source: "folder", field: "f", value: "v", signal: "genai" }] } : {}) }, NOW);
        ids.push(a.id);
        const l = await store.locations.upsert(`/s/shot.100${i}.exr`, a.id, stat(`s${i}`), "present", null, NOW);
        frames.push({ locationId: l.id, frame: 1000 + i });
      }
      const seq = { dir: "/s", key: "shot.#.exr", pattern: "shot.%04d.exr", first_frame: 1000, last_frame: 1002, frames: 3, gaps: "[]", duplicates: "[]" };
      const id = await store.sequences.put(seq, frames, NOW);
      expect(await store.sequences.put({ ...seq, frames: 3 }, frames, LATER)).toBe(id);
      expect(await store.sequences.hasIn("/s")).toBe(true);
      expect(await store.sequences.hasIn("/t")).toBe(false);
      expect(await store.sequences.byKey("/s", "shot.#.exr")).toMatchObject({ id, first_frame: 1000, last_frame: 1002, first_seen: NOW, updated_at: LATER });
      expect((await store.sequences.ofAsset(ids[0]!)).map((s) => [s.id, s.frame, s.path])).toEqual([[id, 1000, "/s/shot.1000.exr"]]);
      expect(await store.sequences.hasGenAI(id)).toBe(true);
      expect(await store.sequences.assets(id)).toEqual(ids);
      const facts = (await store.assets.facts(ids[0]!))!;
      expect(facts.sequenceIds).toEqual([id]);
      expect(facts.shot.map((e) => [e.sha256, e.pattern, e.frame])).toEqual([[sha("3"), "shot.%04d.exr", 1002]]);
    } finally {
      await close();
    }
  });

  it.runIf(run)("fingerprints: put, state, done, near within a distance (multi-index), GenAI prints", async () => {
    await open();
    try {
      const h = "f0f0f0f0f0f0f0f0";
      const near = "f0f0f0f0f0f0f0f3"; // 2 bits away
      const far = "0f0f0f0f0f0f0f0f";
      const frame = (hash: string, seconds: number | null, lowDetail = false) => ({ seconds, hash, chunks: chunks16(hash), lowDetail, turns: null });
      const info = { algo: "phash64", state: "done" as const, reason: null, kind: "image" as const, width: 64, height: 64, duration: null, fps_num: null, fps_den: null, start_tc: null, at: NOW };
      const a = await store.assets.record({ asset: asset(sha("a")), fingerprints: { info, frames: [frame(h, null)] } }, NOW);
      const v = await store.assets.record({ asset: asset(sha("v")) }, NOW);
      await store.fingerprints.put(v.id, { ...info, kind: "video", duration: 2.5, fps_num: 24000, fps_den: 1001, start_tc: "01:00:00:00" }, [frame(far, 1.5), frame(near, 0.5), frame(h, 2, true)]);
      const s = await store.assets.record({ asset: asset(sha("s")) }, NOW);
      await store.fingerprints.put(s.id, { ...info, state: "skipped", reason: "no ffmpeg", kind: null, width: null, height: null }, []);
      expect(await store.fingerprints.state(v.id)).toMatchObject({ kind: "video", duration: 2.5, fps_num: 24000, start_tc: "01:00:00:00" });
      expect([...(await store.fingerprints.done("phash64", "no ffmpeg"))].sort()).toEqual([a.id, v.id]);
      expect([...(await store.fingerprints.done("phash64", null))].sort()).toEqual([a.id, v.id, s.id]);
      expect((await store.fingerprints.of(v.id)).map((f) => f.seconds)).toEqual([0.5, 1.5, 2]);
      expect(await store.fingerprints.count()).toBe(4);
      const [hits, none] = await store.fingerprints.near([{ hash: h, maxDistance: 4 }, { hash: "123456789abcdef0", maxDistance: 2 }]);
      expect(hits!.map((x) => [x.row.asset_id, x.row.hash, x.distance]).sort()).toEqual([[a.id, h, 0], [v.id, near, 2]].sort());
      expect(none).toEqual([]);
      await store.assets.setClassification(v.id, "genai", "temporary", NOW);
      expect((await store.fingerprints.genai()).map((f) => [f.hash, f.seconds, f.sha256, f.origin])).toEqual([[near, 0.5, sha("v"), "genai"], [far, 1.5, sha("v"), "genai"]]);
    } finally {
      await close();
    }
  });

  it.runIf(run)("quarantine: plan names the row by its id, states, faults kept and cleared, settle, release", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      await store.locations.upsert("/d/x.png", a.id, stat("1"), "present", null, NOW);
      const raw = Buffer.from([0x2f, 0x64, 0x2f, 0xff, 0x2e, 0x70]);
      const row = await store.quarantine.plan(
        { kind: "blocked", original_path: "/d/x.png", original_raw: raw, sha256: sha("a"), asset_id: a.id, dev: "1", ino: "1", reason: "GenAI", evidence: "[]", planned_at: NOW },
        (id) => `/q/${id}-x.png`,
        { kind: "quarantine-planned" },
      );
      expect(row).toMatchObject({ state: "planned", quarantine_path: `/q/${row.id}-x.png`, attempts: 0, release_forced: 0, fault: null });
      expect(Buffer.compare(row.original_raw!, raw)).toBe(0);
      const stuck = await store.quarantine.setState(row.id, "stuck", { error: "EROFS", attempts: 1, fault: "quarantine:EROFS", nextTryAt: LATER }, { kind: "quarantine-stuck" });
      expect(stuck).toMatchObject({ state: "stuck", attempts: 1, fault: "quarantine:EROFS", next_try_at: LATER });
      expect((await store.quarantine.stuckAt("/d/x.png"))!.id).toBe(row.id);
      expect((await store.quarantine.faulted()).map((r) => r.id)).toEqual([row.id]);
      const kept = await store.quarantine.setState(row.id, "stuck", { attempts: 1 });
      expect(kept).toMatchObject({ attempts: 2, fault: "quarantine:EROFS", next_try_at: LATER });
      const moved = await store.quarantine.setState(row.id, "moved", { moved_at: LATER, left: "/d/x.png", fault: null, heldMode: 0o644 }, { kind: "quarantined" });
      expect(moved).toMatchObject({ state: "moved", moved_at: LATER, fault: null, held_mode: 0o644, next_try_at: LATER });
      expect((await store.locations.byPath("/d/x.png"))!.state).toBe("missing");
      expect((await store.quarantine.unsettled()).map((r) => r.id)).toEqual([row.id]);
      await store.quarantine.settle(row.id, { sha256: null, assetId: null, kind: "held", reason: "held", evidence: null, at: LATER });
      expect(await store.quarantine.byId(row.id)).toMatchObject({ sha256: sha("a"), asset_id: a.id, kind: "held", verified_at: LATER, evidence: "[]" });
      expect(await store.quarantine.unsettled()).toEqual([]);
      await store.quarantine.setHeldMode(row.id, null);
      expect(await store.quarantine.counts()).toEqual({ "held/moved": 1 });
      await store.quarantine.markReleased(row.id, { to: "/d/ok.png", by: "bob", note: null, forced: true, at: LATER });
      expect((await store.quarantine.forcedRelease("/d/ok.png", sha("a")))!.id).toBe(row.id);
      expect(await store.quarantine.forcedRelease("/d/ok.png", sha("b"))).toBeUndefined();
      expect((await store.quarantine.rows(["released"])).map((r) => r.id)).toEqual([row.id]);
      expect(await store.quarantine.rows(["planned"])).toEqual([]);
      expect((await store.quarantine.byId(row.id))!.fault).toBeNull();
      expect((await store.events.list({ path: "/d/x.png" })).map((e) => [e.kind, JSON.parse(e.detail!).quarantine_id])).toEqual([
        ["quarantined", row.id], ["quarantine-stuck", row.id], ["quarantine-planned", row.id],
      ]);
    } finally {
      await close();
    }
  });

  it.runIf(run)("c2pa validations: one per asset, binding and trust bundle; replaced, latest", async () => {
    await open();
    try {
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      const v: C2paValidation = { outcome: "validated", state: "valid", detail: null, validator: "c2pa-rs 0.92.0", binding: "b@1", trustSha256: sha("t"), manifests: [], validatedAt: NOW };
      await store.c2pa.put(a.id, v);
      await store.c2pa.put(a.id, { ...v, state: "trusted", validatedAt: LATER });
      await store.c2pa.put(a.id, { ...v, trustSha256: sha("u"), validatedAt: NOW });
      expect(await store.c2pa.get(a.id, "b@1", sha("t"))).toEqual({ ...v, state: "trusted", validatedAt: LATER });
      expect((await store.c2pa.latest(a.id))!.validatedAt).toBe(LATER);
      expect(await store.c2pa.get(a.id, "b@2", sha("t"))).toBeUndefined();
    } finally {
      await close();
    }
  });

  it.runIf(run)("watcher leases, one per volume: claimed once, refused while held, token-checked heartbeat, renew, release; every volume listed", async () => {
    await open();
    try {
      expect(await store.watcher.row("")).toBeUndefined();
      const c1 = await store.transaction((tx) => tx.watcher.claim("", { pid: 1, host: "h", token: "t1", now: NOW }, () => true));
      expect(c1).toEqual({ claimed: true, previous: undefined });
      const c2 = await store.watcher.claim("", { pid: 2, host: "h", token: "t2", now: NOW }, () => true);
      expect(c2).toMatchObject({ claimed: false, holder: { token: "t1", pid: 1 } });
      expect(await store.watcher.heartbeat("", "t1", LATER, true, { q: 1 })).toBe(true);
      expect(await store.watcher.heartbeat("", "t2", LATER, true, {})).toBe(false);
      expect(await store.watcher.row("")).toMatchObject({ id: 1, volume: "", heartbeat_at: LATER, ready: 1, state: '{"q":1}' });
      expect(await store.watcher.renew("", "t1", LATER)).toBe(true);
      // Another volume's lease is its own: claimed beside the first, with its own id.
      const a = await store.watcher.claim("EDIT-A", { pid: 5, host: "h2", token: "ta", now: NOW }, () => true);
      expect(a).toEqual({ claimed: true, previous: undefined });
      expect(await store.watcher.heartbeat("EDIT-A", "t1", LATER, true, {})).toBe(false);
      expect(await store.watcher.heartbeat("EDIT-A", "ta", LATER, true, {})).toBe(true);
      expect((await store.watcher.rows()).map((r) => [r.volume, r.token])).toEqual([["", "t1"], ["EDIT-A", "ta"]]);
      expect((await store.watcher.row("EDIT-A"))!.id).toBeGreaterThanOrEqual(2);
      const c3 = await store.watcher.claim("", { pid: 3, host: "h", token: "t3", now: LATER }, () => false);
      expect(c3).toMatchObject({ claimed: true, previous: { token: "t1" } });
      expect(await store.watcher.release("", "t1", LATER)).toBe(false);
      expect(await store.watcher.release("", "t3", LATER)).toBe(true);
      expect(await store.watcher.row("")).toMatchObject({ token: "t3", stopped_at: LATER, ready: 0 });
      expect(await store.watcher.row("EDIT-A")).toMatchObject({ token: "ta", stopped_at: null });
    } finally {
      await close();
    }
  });

  it.runIf(run)("history: a chain over events and approvals that verifies; UPDATE and DELETE refused by the database itself", async () => {
    await open();
    try {
      const g = (await store.history.genesis())!;
      expect(g).toMatchObject({ storeId: (await store.identity()).id, rowsBefore: 0 });
      expect(await store.history.head()).toEqual({ seq: 0, hash: g.hash });
      const a = await store.assets.record({ asset: asset(sha("a")) }, NOW);
      await store.transaction(async (tx) => {
        await tx.approvals.add(approval(a.id));
        await tx.events.add("approved", NOW, { assetId: a.id, detail: { ref: "R-1" } });
      });
      await store.events.add("scan", NOW, { detail: { files: 1 } });
      const seen: Array<[string, number | null]> = [];
      await store.history.walk((r) => seen.push([r.table, r.seq]));
      expect(seen).toEqual([["approvals", 1], ["events", 2], ["events", 3]]);
      const report = await verifyHistory(store);
      expect(report).toMatchObject({ intact: true, rows: 3, breakCount: 0 });
      expect((await store.history.head()).seq).toBe(3);
      for (const sql of ["UPDATE events SET kind = 'x'", "DELETE FROM events", "UPDATE approvals SET \"by\" = 'mallory'", "DELETE FROM approvals", "DELETE FROM history_genesis", "UPDATE history_genesis SET rows_before = 5"]) {
        await expect(fresh.raw(sql), sql).rejects.toThrow(/append-only|written once/);
      }
      expect((await verifyHistory(store)).intact).toBe(true);
    } finally {
      await close();
    }
  });

  it.runIf(run)("transactions: a throw rolls back everything; the write guard fences every write", async () => {
    await open();
    try {
      await expect(
        store.transaction(async (tx) => {
          const a = await tx.assets.record({ asset: asset(sha("a")) }, NOW);
          await tx.events.add("seen", NOW, { assetId: a.id });
          throw new Error("changed my mind");
        }),
      ).rejects.toThrow("changed my mind");
      expect(await store.assets.count()).toBe(0);
      expect(await store.events.lastId()).toBe(0);
      expect((await store.history.head()).seq).toBe(0);
      let guarded = 0;
      store.guardWrites(async (tx) => {
        guarded++;
        if ((await tx.watcher.row("")) === undefined) throw new Error("no lease");
      });
      await expect(store.events.add("scan", NOW, {})).rejects.toThrow("no lease");
      expect(guarded).toBe(1);
      expect(await store.events.lastId()).toBe(0);
      store.guardWrites(async () => undefined);
      // Concurrent writers from one process: each its own transaction, all in the chain.
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.events.add("scan", NOW, { detail: { i } })));
      expect((await verifyHistory(store)).rows).toBe(10);
    } finally {
      await close();
    }
  });

  it.runIf(run)("a database whose schema is newer than this prov is refused, unchanged", async () => {
    await open();
    const version = await store.schemaVersion();
    await close();
    expect(version).toBeGreaterThan(0);
    await fresh.raw(name === "sqlite" ? `PRAGMA user_version = ${version + 1}` : `UPDATE prov_schema SET version = ${version + 1}`);
    const err = await storeError(fresh.reopen());
    expect(err.message).toMatch(new RegExp(`schema version ${version + 1}, newer than this prov understands \\(${version}\\)`));
    expect(err.message).not.toContain(cluster?.password ?? "\0");
  });

  it.runIf(name === "postgres" && pgHere)("onDecision: a decision committed by another store wakes this one; after its connection is killed it reconnects and wakes again", async () => {
    await open();
    const other = await fresh.reopen();
    try {
      let wakes = 0;
      let handled = 0;
      const caught: number[] = [];
      const unsubscribe = store.onDecision!(() => {
        wakes++;
        // What the watcher does: catch up by id (the notice is only a wake-up).
        void store.events.decisionsAfter(handled).then((rows) => {
          for (const r of rows) if (r.id > handled) caught.push((handled = r.id));
        });
      });
      await waitFor(() => wakes >= 1, "the listener's first wake-up (after it connects)", 30_000);
      const a = await other.assets.record({ asset: asset(sha("a")) }, NOW);
      const e1 = await other.events.add("approved", NOW, { assetId: a.id });
      await waitFor(() => caught.includes(e1), "the approval to wake the listener", 30_000);
      // Not a decision: no wake-up needed (nothing to assert on absence); a revoke while the listener is down:
      const before = wakes;
      await cluster!.query("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'prov-listen'");
      const e2 = await other.events.add("revoked", NOW, { assetId: a.id });
      await waitFor(() => caught.includes(e2), "the revoke made while the listener was cut off to be caught up", 30_000);
      expect(wakes).toBeGreaterThan(before);
      await waitFor(async () => (await cluster!.query("postgres", "SELECT 1 FROM pg_stat_activity WHERE application_name = 'prov-listen'")).length === 1, "the listener to reconnect", 30_000);
      const e3 = await other.events.add("tagged", NOW, { assetId: a.id });
      await waitFor(() => caught.includes(e3), "a decision after the reconnect to wake the listener", 30_000);
      unsubscribe();
      await waitFor(async () => (await cluster!.query("postgres", "SELECT 1 FROM pg_stat_activity WHERE application_name = 'prov-listen'")).length === 0, "the listener to close on unsubscribe", 30_000);
    } finally {
      await other.close();
      await close();
    }
  });

  it.runIf(name === "postgres" && pgHere)("two stores (two hosts) writing at once: one writer at a time, one unbroken chain; BIGINT parsed as numbers on prov's pool only", async () => {
    await open();
    const other = await fresh.reopen();
    try {
      const a = await store.assets.record({ asset: asset(sha("a"), { size: 2 ** 40 }) }, NOW);
      await Promise.all([
        ...Array.from({ length: 20 }, (_, i) => store.events.add("scan", NOW, { detail: { host: "a", i } })),
        ...Array.from({ length: 20 }, (_, i) => other.transaction(async (tx) => {
          await tx.approvals.add(approval(a.id));
          await tx.events.add("approved", NOW, { assetId: a.id, detail: { host: "b", i } });
        })),
      ]);
      const report = await verifyHistory(other);
      expect(report).toMatchObject({ intact: true, rows: 60, breakCount: 0 });
      expect((await other.assets.byId(a.id))!.size).toBe(2 ** 40);
      const { default: pg } = await import("pg");
      expect(pg.types.getTypeParser(20)("5")).toBe("5"); // the global parser is untouched
    } finally {
      await other.close();
      await close();
    }
  });

  it.runIf(name === "postgres" && pgHere)("errors name the database without its password; an empty database is not created without create", async () => {
    const db = await cluster!.createDatabase();
    const err = await storeError(openAny(cluster!.urlWithPassword(db), {}));
    expect(err.message).toMatch(/has no prov schema/);
    expect(err.message).toContain(`postgres://postgres@127.0.0.1:${cluster!.port}/${db}`);
    expect(err.message).not.toContain(cluster!.password);
    const bad = await storeError(openAny(`postgres://postgres:wrong-${cluster!.password.slice(0, 4)}x@127.0.0.1:${cluster!.port}/${db}`, {}));
    expect(bad.message).toMatch(/password authentication failed/);
    expect(bad.message).not.toContain(`wrong-${cluster!.password.slice(0, 4)}x`);
  });
});

describe.runIf(pgHere)("PostgreSQL over TLS", () => {
  let tlsCluster: PgCluster;
  beforeAll(async () => {
    tlsCluster = await startPostgres({ tls: true });
  });
  afterAll(async () => {
    await tlsCluster?.stop();
  });

  it("sslmode and databaseTls: verify-full with the CA connects over TLS; without the CA the certificate is refused; require encrypts without verifying", async () => {
    const db = await tlsCluster.createDatabase();
    const dir = tempDir();
    const pw = path.join(dir, "pw");
    fs.writeFileSync(pw, "password\n", { mode: 0o600 });
    const base = `postgres://${tlsCluster.tls!.user}@127.0.0.1:${tlsCluster.port}/${db}`;
    // tls_user is refused without TLS (pg_hba): each store that opens proves TLS was used.
    await storeError(openAny(`${base}?sslmode=disable`, { create: true, postgres: { passwordFile: pw } }));
    const verified = await openAny(base, { create: true, postgres: { passwordFile: pw, tls: { ca: tlsCluster.tls!.ca } } });
    expect(await verified.schemaVersion()).toBe(PG_SCHEMA_VERSION);
    await verified.close();
    const unverified = await storeError(openAny(`${base}?sslmode=verify-full`, { postgres: { passwordFile: pw } }));
    expect(unverified.message).toMatch(/certificate/i);
    const required = await openAny(`${base}?sslmode=require`, { postgres: { passwordFile: pw } });
    expect(await required.assets.count()).toBe(0);
    await required.close();
    const missingCa = await storeError(openAny(base, { postgres: { passwordFile: pw, tls: { ca: path.join(dir, "nope.pem") } } }));
    expect(missingCa.message).toContain(`databaseTls.ca ${path.join(dir, "nope.pem")}`);
  });
});
