// The SQLite adapter of the Store port (src/ports.ts): the only importer of better-sqlite3
// (through sql.ts). Two connections to one WAL file: a reader, so reads outside a
// transaction always see the last committed state and never wait for a writer, and a
// writer, used by one transaction at a time (an in-process lock queues them). The write
// lock is taken with BEGIN IMMEDIATE, retried asynchronously while another process holds
// it, so a busy database never blocks the event loop (the gate keeps working).

import { statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { StoreError, errorMessage } from "../../src/domain/errors.js";
import { errnoCode } from "../../src/errors.js";
import type {
  ApprovalRepo,
  AssetRepo,
  C2paRepo,
  DumpRow,
  EventRepo,
  EvidenceRepo,
  FingerprintRepo,
  HistoryRepo,
  LocationRepo,
  QuarantineRepo,
  Repos,
  SequenceRepo,
  Store,
  TransactionOptions,
  WatcherRepo,
} from "../../src/ports.js";
import { SqliteDb, type OpenOptions } from "./sql.js";

export type { OpenOptions } from "./sql.js";

/** How long a write waits for another process's write lock before it fails. */
const LOCK_WAIT_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** SQLite errors become StoreErrors that name the database; others pass unchanged. */
function storeError(file: string, err: unknown): unknown {
  if (err instanceof StoreError) return err;
  if (errnoCode(err)?.startsWith("SQLITE_")) return new StoreError(`database ${file}: ${errorMessage(err)}`, { cause: err });
  return err;
}

type Counter = (name: string) => void;

/** The repositories over one connection; `write` runs a write (on the Store: in its own transaction). */
function repos(db: () => SqliteDb, write: <T>(fn: (w: SqliteDb) => T) => Promise<T>, count: Counter): Repos {
  const r =
    <A extends unknown[], T>(name: string, fn: (d: SqliteDb, ...a: A) => T) =>
    async (...a: A): Promise<T> => {
      count(name);
      const d = db();
      try {
        return fn(d, ...a);
      } catch (err) {
        throw storeError(d.file, err);
      }
    };
  const w =
    <A extends unknown[], T>(name: string, fn: (d: SqliteDb, ...a: A) => T) =>
    (...a: A): Promise<T> => {
      count(name);
      return write((d) => fn(d, ...a));
    };
  const assets: AssetRepo = {
    bySha: r("assets.bySha", (d, sha) => d.assetBySha(sha)),
    byShas: r("assets.byShas", (d, shas) => d.assetsByShas(shas)),
    byId: r("assets.byId", (d, id) => d.assetById(id)),
    byShaPrefix: r("assets.byShaPrefix", (d, p) => d.assetsByShaPrefix(p)),
    byMediaHash: r("assets.byMediaHash", (d, h) => d.assetsByMediaHash(h)),
    list: r("assets.list", (d, f) => d.listAssets(f)),
    count: r("assets.count", (d) => d.assetCount()),
    facts: r("assets.facts", (d, id, at) => d.assetFacts(id, at ?? null)),
    record: w("assets.record", (d, rec, now) => d.recordAsset(rec, now)),
    setClassification: w("assets.setClassification", (d, id, origin, status, now) => d.setClassification(id, origin, status, now)),
  };
  const evidence: EvidenceRepo = {
    of: r("evidence.of", (d, id) => d.evidenceOf(id)),
    under: r("evidence.under", (d, dir) => d.evidenceUnder(dir)),
    genaiByMediaHash: r("evidence.genaiByMediaHash", (d, h, ex, limit) => d.genaiEvidenceByMediaHash(h, ex, limit)),
    genaiMediaHashes: r("evidence.genaiMediaHashes", (d) => d.genaiMediaHashes()),
    replaceMetadata: w("evidence.replaceMetadata", (d, id, ev, now) => d.replaceMetadataEvidence(id, ev, now)),
    add: w("evidence.add", (d, id, e, now) => d.addEvidence(id, e, now)),
  };
  const approvals: ApprovalRepo = {
    of: r("approvals.of", (d, id) => d.approvalsOf(id)),
    last: r("approvals.last", (d, id) => d.lastApproval(id)),
    under: r("approvals.under", (d, dir) => d.approvalsUnder(dir)),
    add: w("approvals.add", (d, a) => d.addApproval(a)),
  };
  const locations: LocationRepo = {
    byPath: r("locations.byPath", (d, p) => d.locationByPath(p)),
    lookAt: r("locations.lookAt", (d, p, dev, ino) => d.lookAt(p, dev, ino)),
    ofAsset: r("locations.ofAsset", (d, id) => d.locationsOf(id)),
    byInode: r("locations.byInode", (d, dev, ino) => d.locationsByInode(dev, ino)),
    presentUnder: r("locations.presentUnder", (d, dir) => d.presentLocationsUnder(dir)),
    statCacheUnder: r("locations.statCacheUnder", (d, dir) => d.statCacheUnder(dir)),
    statCacheIn: r("locations.statCacheIn", (d, dir) => d.statCacheIn(dir)),
    presentPathsUnder: r("locations.presentPathsUnder", (d, dir, after, limit) => d.presentPathsUnder(dir, after, limit)),
    countPresentUnder: r("locations.countPresentUnder", (d, dir) => d.countPresentUnder(dir)),
    presentNamed: r("locations.presentNamed", (d, name) => d.presentLocationsNamed(name)),
    upsert: w("locations.upsert", (d, p, id, stat, state, error, now, event) => d.upsertLocation(p, id, stat, state, error, now, event)),
    touch: w("locations.touch", (d, ids, now) => d.touchLocations(ids, now)),
    markMissing: w("locations.markMissing", (d, id, now) => d.markMissing(id, now)),
    markMissingAt: w("locations.markMissingAt", (d, p, now) => d.markMissingAt(p, now)),
    relocate: w("locations.relocate", (d, id, p, stat, now) => d.relocate(id, p, stat, now)),
  };
  const events: EventRepo = {
    add: w("events.add", (d, kind, at, refs) => d.addEvent(kind, at, refs)),
    list: r("events.list", (d, f) => d.events(f)),
    lastId: r("events.lastId", (d) => d.lastEventId()),
    decisionsAfter: r("events.decisionsAfter", (d, id) => d.decisionEventsAfter(id)),
  };
  const sequences: SequenceRepo = {
    put: w("sequences.put", (d, seq, frames, now) => d.putSequence(seq, frames, now)),
    hasIn: r("sequences.hasIn", (d, dir) => d.hasSequencesIn(dir)),
    byKey: r("sequences.byKey", (d, dir, key) => d.sequenceByKey(dir, key)),
    ofAsset: r("sequences.ofAsset", (d, id) => d.sequencesOfAsset(id)),
    hasGenAI: r("sequences.hasGenAI", (d, id) => d.sequenceHasGenAI(id)),
    assets: r("sequences.assets", (d, id) => d.sequenceAssets(id)),
  };
  const fingerprints: FingerprintRepo = {
    state: r("fingerprints.state", (d, id) => d.fingerprintState(id)),
    put: w("fingerprints.put", (d, id, info, frames) => d.putFingerprints(id, info, frames)),
    done: r("fingerprints.done", (d, algo, retry) => d.fingerprintedAssets(algo, retry)),
    of: r("fingerprints.of", (d, id) => d.fingerprintsOf(id)),
    near: r("fingerprints.near", (d, queries) => queries.map((q) => d.fingerprintsNear(q.hash, q.maxDistance))),
    genai: r("fingerprints.genai", (d) => d.genaiFingerprints()),
    count: r("fingerprints.count", (d) => d.fingerprintCount()),
  };
  const quarantine: QuarantineRepo = {
    byId: r("quarantine.byId", (d, id) => d.quarantineById(id)),
    rows: r("quarantine.rows", (d, states) => d.quarantineRows(states)),
    stuckAt: r("quarantine.stuckAt", (d, p) => d.stuckAt(p)),
    forcedRelease: r("quarantine.forcedRelease", (d, p, sha) => d.forcedRelease(p, sha)),
    counts: r("quarantine.counts", (d) => d.quarantineCounts()),
    unsettled: r("quarantine.unsettled", (d) => d.unsettledQuarantine()),
    faulted: r("quarantine.faulted", (d) => d.faultedQuarantine()),
    plan: w("quarantine.plan", (d, row, pathFor, event) => d.planQuarantine(row, pathFor, event)),
    setState: w("quarantine.setState", (d, id, state, fields, event) => d.setQuarantineState(id, state, fields, event)),
    settle: w("quarantine.settle", (d, id, f) => d.settleQuarantine(id, f)),
    setHeldMode: w("quarantine.setHeldMode", (d, id, mode) => d.setHeldMode(id, mode)),
    markReleased: w("quarantine.markReleased", (d, id, f) => d.markReleased(id, f)),
  };
  const watcher: WatcherRepo = {
    row: r("watcher.row", (d, volume) => d.watcherRow(volume)),
    rows: r("watcher.rows", (d) => d.watcherRows()),
    claim: w("watcher.claim", (d, volume, c, holds) => d.claimWatcher(volume, c, holds)),
    heartbeat: w("watcher.heartbeat", (d, volume, token, now, ready, state) => d.heartbeat(volume, token, now, ready, state)),
    renew: w("watcher.renew", (d, volume, token, now) => d.renewWatcher(volume, token, now)),
    release: w("watcher.release", (d, volume, token, now) => d.releaseWatcher(volume, token, now)),
  };
  const c2pa: C2paRepo = {
    latest: r("c2pa.latest", (d, id) => d.latestC2pa(id)),
    get: r("c2pa.get", (d, id, binding, trust) => d.c2paFor(id, binding, trust)),
    put: w("c2pa.put", (d, id, v) => d.putC2pa(id, v)),
  };
  return { assets, evidence, approvals, locations, events, sequences, fingerprints, quarantine, watcher, c2pa };
}

export class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;
  readonly assets;
  readonly evidence;
  readonly approvals;
  readonly locations;
  readonly events;
  readonly sequences;
  readonly fingerprints;
  readonly quarantine;
  readonly watcher;
  readonly c2pa;
  readonly history: HistoryRepo;

  private readonly callCounts = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private writeGuard: ((tx: Repos) => Promise<void>) | null = null;

  /** The database file's device and inode when it was opened. */
  private readonly opened: { dev: number; ino: number } | null;

  private constructor(
    readonly location: string,
    private readonly reader: SqliteDb,
    private readonly writer: SqliteDb | null,
  ) {
    let st = null;
    try {
      st = statSync(location);
    } catch {
      // an in-memory database, or one that vanished already: health() says so
    }
    this.opened = st ? { dev: st.dev, ino: st.ino } : null;
    const count: Counter = (name) => this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    const all = repos(() => this.reader, (fn) => this.transaction(async () => fn(this.writerDb())), count);
    this.assets = all.assets;
    this.evidence = all.evidence;
    this.approvals = all.approvals;
    this.locations = all.locations;
    this.events = all.events;
    this.sequences = all.sequences;
    this.fingerprints = all.fingerprints;
    this.quarantine = all.quarantine;
    this.watcher = all.watcher;
    this.c2pa = all.c2pa;
    const read = <T>(name: string, fn: () => T): Promise<T> => {
      count(name);
      try {
        return Promise.resolve(fn());
      } catch (err) {
        return Promise.reject(storeError(this.location, err));
      }
    };
    this.history = {
      head: () => read("history.head", () => this.reader.readChainHead()),
      genesis: () => read("history.genesis", () => this.reader.historyGenesis()),
      walk: (visit) => read("history.walk", () => this.reader.walkHistory(visit)),
    };
  }

  /**
   * Open a database file. A writer (the default) creates it with `create` and migrates it;
   * `readonly` opens a reader only (any write is refused).
   */
  static async open(file: string, opts: OpenOptions = {}): Promise<SqliteStore> {
    const writer = opts.readonly ? null : SqliteDb.open(file, opts);
    let reader: SqliteDb;
    try {
      reader = SqliteDb.open(file, { ...opts, readonly: true, create: false });
    } catch (err) {
      writer?.close();
      throw err;
    }
    return new SqliteStore(reader.file, reader, writer);
  }

  /** For tests and tools that name the store by its file. */
  get file(): string {
    return this.location;
  }

  private writerDb(): SqliteDb {
    if (!this.writer) throw new StoreError(`database ${this.location} was opened read-only; this command cannot write to it`);
    return this.writer;
  }

  async transaction<T>(fn: (tx: Repos) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new StoreError(`database ${this.location} is closed`);
      const w = this.writerDb();
      await this.lock(w, opts.durable === true);
      const tx = repos(() => w, async (f) => f(w), (name) => this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1));
      try {
        if (this.writeGuard) await this.writeGuard(tx);
        const result = await fn(tx);
        w.commit();
        return result;
      } catch (err) {
        try {
          w.rollback();
        } catch {
          // the original error says more
        }
        throw storeError(this.location, err);
      }
    };
    // One transaction at a time on the writer: the next waits for this one, failed or not.
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** BEGIN IMMEDIATE, retried without blocking while another process holds the write lock. */
  private async lock(w: SqliteDb, durable: boolean): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
      try {
        w.begin(durable);
        return;
      } catch (err) {
        if (!errnoCode(err)?.startsWith("SQLITE_BUSY")) throw storeError(this.location, err); // SQLITE_BUSY_RECOVERY too
        if (Date.now() > deadline) throw new StoreError(`database ${this.location} is locked by another process (waited ${LOCK_WAIT_MS / 1000} s)`, { cause: err });
        await sleep(wait);
      }
    }
  }

  async identity(): Promise<{ id: string; createdAt: string }> {
    try {
      return this.reader.identity();
    } catch (err) {
      throw storeError(this.location, err);
    }
  }

  /**
   * Is the file at the store's path still the database this process has open? A database
   * deleted or replaced while open takes every later write into a file no one will read.
   */
  async health(): Promise<string | null> {
    let now;
    try {
      now = await stat(this.location);
    } catch (err) {
      return errnoCode(err) === "ENOENT" ? `the database file ${this.location} was deleted while prov had it open` : null;
    }
    if (this.opened && (now.ino !== this.opened.ino || now.dev !== this.opened.dev)) return `the database file ${this.location} was replaced by another file while prov had it open`;
    return null;
  }

  async schemaVersion(): Promise<number> {
    return this.reader.schemaVersion();
  }

  calls(): Record<string, number> {
    return Object.fromEntries(this.callCounts);
  }

  guardWrites(guard: (tx: Repos) => Promise<void>): void {
    this.writeGuard = guard;
  }

  async dump(visit: (table: string, row: Record<string, unknown>) => void | Promise<void>): Promise<Record<string, number>> {
    try {
      return await this.reader.dumpTables(visit);
    } catch (err) {
      throw storeError(this.location, err);
    }
  }

  load(rows: AsyncIterable<DumpRow>): Promise<Record<string, number>> {
    const run = async (): Promise<Record<string, number>> => {
      if (this.closed) throw new StoreError(`database ${this.location} is closed`);
      const w = this.writerDb();
      await this.lock(w, true);
      try {
        const counts = await w.loadTables(rows);
        w.commit();
        return counts;
      } catch (err) {
        try {
          w.rollback();
        } catch {
          // the original error says more
        }
        throw storeError(this.location, err);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.writer?.close();
    this.reader.close();
  }
}
