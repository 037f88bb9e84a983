// The PostgreSQL adapter of the Store port (src/ports.ts), for a facility: many hosts, one
// database. The only importer of node-postgres (with sql.ts). A pg.Pool serves reads
// outside a transaction (each sees the last committed state); a write transaction takes
// the store's write lock first (a session advisory lock, taken before BEGIN so the
// transaction's snapshot is taken after the previous writer committed: the same one-writer
// rule as SQLite's BEGIN IMMEDIATE, across every host), then runs SERIALIZABLE and is
// retried with backoff on a serialization failure or deadlock. node-postgres errors become
// StoreErrors that name the database by its URL without the password.

import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { readMigrations, type Migration } from "../migrations.js";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { RefusedError, StoreError, errorMessage } from "../../src/domain/errors.js";
import { redactDatabaseUrl } from "../../src/domain/database-url.js";
import { genesisHash } from "../../src/domain/chain.js";
import { DUMP_ORDER, DUMP_TABLES, type DumpRow } from "../../src/ports.js";
import type {
  ApprovalRepo,
  AssetRepo,
  C2paRepo,
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
import { PgSql, type Queryable } from "./sql.js";

// db/postgres/store.ts sits beside its migrations; dist/db/postgres/store.js three levels below the root.
const here = path.dirname(fileURLToPath(import.meta.url));
const MIGRATIONS_DIR = [path.resolve(here, "migrations"), path.resolve(here, "../../../db/postgres/migrations")].find((d) => existsSync(d));

export type PgMigration = Migration;

export function loadPgMigrations(dir = MIGRATIONS_DIR): PgMigration[] {
  return readMigrations(dir, "db/postgres/migrations");
}

/** TLS files for the connection (config databaseTls): a CA bundle, and a client certificate and key. */
export interface PgTls {
  ca?: string | null | undefined;
  cert?: string | null | undefined;
  key?: string | null | undefined;
}

export interface PgOpenOptions {
  /** Create prov's schema in an empty database (init, migrate); otherwise an empty one is an error. */
  create?: boolean;
  /** Do not migrate (a database that needs it is refused). */
  readonly?: boolean;
  /** A file holding the password (mode 0600 or stricter); else PGPASSWORD / PGPASSFILE as libpq. */
  passwordFile?: string | null | undefined;
  tls?: PgTls | null | undefined;
  /** Connections in the pool (default 4). */
  poolSize?: number;
}

/** Advisory lock keys (per database): one writer at a time; one migrator at a time. */
const WRITE_LOCK = 0x70726f76; // "prov"
const MIGRATE_LOCK = 0x70726f6d; // "prom"
/** How long a write waits for another process's write lock before it fails (as on SQLite). */
const LOCK_WAIT_MS = 30_000;
/** Serialization failures and deadlocks: the transaction is run again, this many times at most. */
const MAX_RETRIES = 8;
const RETRYABLE = new Set(["40001", "40P01"]);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** BIGINT (int8, oid 20) as a JavaScript number, for this pool only (never pg.types globally). */
const TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text"))) as typeof pg.types.getTypeParser,
};

function pgCode(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : undefined;
}

/** A password file must be readable only by its owner, like ~/.pgpass. */
export function readPasswordFile(file: string): string {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    throw new StoreError(`database password file ${file}: ${errorMessage(err)}`);
  }
  if ((st.mode & 0o077) !== 0) {
    throw new StoreError(
      `database password file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}); make it readable only by its owner: chmod 600 ${file}`,
    );
  }
  const text = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  if (text === "") throw new StoreError(`database password file ${file} is empty`);
  return text;
}

function readTlsFile(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new StoreError(`databaseTls.${what} ${file}: ${errorMessage(err)}`);
  }
}

/**
 * A pool whose clients never turn a lost connection into an uncaught 'error' event. An
 * idle client's loss is the pool's 'error' (dropped; the next query reconnects); a client
 * checked out (in a transaction, between two of its queries) loses the pool's listener,
 * and the server dying then (kill -9, a crash: "terminating connection due to unexpected
 * postmaster exit") was an uncaught exception that stopped `prov watch`. The loss reaches
 * the caller all the same: the query in flight rejects, the next one rejects as "not
 * queryable", and the client is discarded when released.
 */
function newPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on("error", () => undefined);
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/** The connection settings a URL and the options give (libpq's sslmode honoured as node-postgres can). */
export function connectionConfig(url: string, opts: PgOpenOptions): pg.PoolConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StoreError(`database ${redactDatabaseUrl(url)} is not a valid URL (postgres://USER@HOST:PORT/DATABASE)`);
  }
  const q = u.searchParams;
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || undefined;
  const host = q.get("host") ?? (u.hostname ? decodeURIComponent(u.hostname) : undefined);
  const config: pg.PoolConfig = {
    host,
    port: u.port ? Number(u.port) : q.get("port") ? Number(q.get("port")) : undefined,
    user: u.username ? decodeURIComponent(u.username) : (q.get("user") ?? undefined),
    database: database ?? q.get("dbname") ?? undefined,
    application_name: q.get("application_name") ?? "prov",
    max: opts.poolSize ?? 4,
    types: TYPES,
  };
  // A password in the URL only reaches here from the environment (PROV_DATABASE_URL): the
  // command line and the config file refuse one (src/config.ts).
  if (u.password) config.password = decodeURIComponent(u.password);
  if (opts.passwordFile) config.password = readPasswordFile(opts.passwordFile);
  const tls = opts.tls ?? null;
  const rootcert = tls?.ca ?? q.get("sslrootcert");
  const cert = tls?.cert ?? q.get("sslcert");
  const key = tls?.key ?? q.get("sslkey");
  const mode = q.get("sslmode") ?? (tls ? "verify-full" : "disable");
  switch (mode) {
    case "disable":
    case "allow":
    case "prefer":
      // node-postgres cannot fall back from TLS to plain text: prefer/allow connect in plain
      // text unless TLS files are configured (then verify-full below applies).
      config.ssl = tls ? { ca: rootcert ? readTlsFile(rootcert, "ca") : undefined, cert: cert ? readTlsFile(cert, "cert") : undefined, key: key ? readTlsFile(key, "key") : undefined } : false;
      break;
    case "require":
    case "verify-ca":
    case "verify-full": {
      const ssl: NonNullable<Exclude<pg.PoolConfig["ssl"], boolean>> = {};
      if (rootcert) ssl.ca = readTlsFile(rootcert, "ca");
      if (cert) ssl.cert = readTlsFile(cert, "cert");
      if (key) ssl.key = readTlsFile(key, "key");
      // libpq: require verifies the server's certificate only when a root certificate is given.
      if (mode === "require" && !rootcert) ssl.rejectUnauthorized = false;
      if (mode === "verify-ca") ssl.checkServerIdentity = () => undefined;
      config.ssl = ssl;
      break;
    }
    default:
      throw new StoreError(`database ${redactDatabaseUrl(url)}: sslmode=${mode} is not one of disable, allow, prefer, require, verify-ca, verify-full`);
  }
  return config;
}

type Counter = (name: string) => void;

/** The repositories over one PgSql; `write` runs a write (on the Store: in its own transaction). */
function repos(db: () => PgSql, write: <T>(fn: (w: PgSql) => Promise<T>) => Promise<T>, count: Counter, fail: (err: unknown) => unknown): Repos {
  const r =
    <A extends unknown[], T>(name: string, fn: (d: PgSql, ...a: A) => Promise<T>) =>
    async (...a: A): Promise<T> => {
      count(name);
      try {
        return await fn(db(), ...a);
      } catch (err) {
        throw fail(err);
      }
    };
  const w =
    <A extends unknown[], T>(name: string, fn: (d: PgSql, ...a: A) => Promise<T>) =>
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
    near: r("fingerprints.near", async (d, queries) => {
      const out = [];
      for (const q of queries) out.push(await d.fingerprintsNear(q.hash, q.maxDistance));
      return out;
    }),
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

/** The schema version table's state: absent (an empty database), or the version recorded. */
async function readVersion(db: Queryable): Promise<number | null> {
  const t = await db.query<{ t: string | null }>("SELECT to_regclass('prov_schema')::text AS t");
  if (!t.rows[0]?.t) return null;
  const v = await db.query<{ version: number }>("SELECT version FROM prov_schema WHERE id = 1");
  return v.rows[0]?.version ?? 0;
}

const DUMP_PAGE = 2000;
const LOAD_BATCH = 500;

/** A dumped value as PostgreSQL takes it for a column of this type: `{ $bytes }` to bytes, booleans to 0/1 for integers, objects to JSON text. */
function pgValue(v: unknown, type: string): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "object") {
    const bytes = (v as { $bytes?: unknown }).$bytes;
    if (typeof bytes === "string") return Buffer.from(bytes, "base64");
    return JSON.stringify(v);
  }
  if (typeof v === "boolean" && type !== "boolean") return v ? 1 : 0;
  return v;
}

export class PgStore implements Store {
  readonly dialect = "postgres" as const;
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
  private readonly reader: PgSql;
  /** The store's identity when it was opened (health() compares). */
  private openedId: string | null = null;
  private listener: DecisionListener | null = null;

  private constructor(
    /** The URL without its password. */
    readonly location: string,
    private readonly pool: pg.Pool,
    private readonly connection: pg.ClientConfig,
    private readonly readonly: boolean,
  ) {
    this.reader = new PgSql(this.wrap(pool), false);
    const count: Counter = (name) => this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    const all = repos(() => this.reader, (fn) => this.transaction(async () => fn(this.currentTx!)), count, (err) => this.storeError(err));
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
    this.history = {
      head: () => this.read("history.head", () => this.reader.readChainHead()),
      genesis: () => this.read("history.genesis", () => this.reader.historyGenesis()),
      walk: (visit) => this.read("history.walk", () => this.snapshot((d) => d.walkHistory(visit))),
    };
  }

  /** The PgSql of the write transaction running now (the store's own writes run in one). */
  private currentTx: PgSql | null = null;

  private async read<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1);
    try {
      return await fn();
    } catch (err) {
      throw this.storeError(err);
    }
  }

  /** node-postgres errors become StoreErrors naming the database (never its password); others pass unchanged. */
  storeError(err: unknown): unknown {
    if (err instanceof StoreError) return err;
    if (pgCode(err) !== undefined || (err instanceof Error && /connect|terminat|timeout|socket|ECONN|EHOST|ENOTFOUND/i.test(err.message))) return this.dbError(err);
    return err;
  }

  /** An error a query raised, whatever it is: a StoreError naming the database (password scrubbed). */
  dbError(err: unknown): StoreError {
    if (err instanceof StoreError) return err;
    const pw = typeof this.connection.password === "string" && this.connection.password !== "" ? this.connection.password : null;
    const msg = pw ? errorMessage(err).split(pw).join("***") : errorMessage(err);
    return new StoreError(`database ${this.location}: ${msg}`, { cause: err });
  }

  /** A connection whose query errors are StoreErrors already (so a caller's own errors pass through untouched). */
  private wrap(c: { query: (text: string, values?: unknown[]) => Promise<pg.QueryResult> }): Queryable {
    return {
      query: async (text: string, values?: unknown[]) => {
        try {
          return (await c.query(text, values)) as never;
        } catch (err) {
          throw this.dbError(err);
        }
      },
    };
  }

  /**
   * Connect, check the schema version (a newer one is refused before anything is written),
   * and migrate: an empty database only with `create`, an older one always unless readonly.
   */
  static async open(url: string, opts: PgOpenOptions = {}): Promise<PgStore> {
    const location = redactDatabaseUrl(url);
    const config = connectionConfig(url, opts);
    const pool = newPool(config);
    const store = new PgStore(location, pool, config, opts.readonly ?? false);
    try {
      await store.migrate(opts.create ?? false);
      store.openedId = (await store.reader.identity())?.id ?? null;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw store.dbError(err);
    }
    return store;
  }

  /** The schema version this prov needs on PostgreSQL. */
  static latestVersion(): number {
    return loadPgMigrations().length;
  }

  private async migrate(create: boolean): Promise<{ from: number; to: number }> {
    const migrations = loadPgMigrations();
    const latest = migrations.length;
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      // One migrator at a time (two hosts starting at once): the second sees the first's result.
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATE_LOCK]);
      try {
        const current = await readVersion(client);
        if (current !== null && current > latest) {
          throw new StoreError(
            `database ${this.location} has schema version ${current}, newer than this prov understands (${latest}); ` +
              `it was written by a newer prov. Upgrade prov; the database was not changed.`,
          );
        }
        if (current === null && !create) {
          throw new StoreError(`database ${this.location} has no prov schema: run \`prov init --database URL\` or \`prov migrate\` first`);
        }
        const from = current ?? 0;
        if (from >= latest) return { from, to: from };
        if (this.readonly) throw new StoreError(`database ${this.location} needs migrating (version ${from} → ${latest}); run \`prov migrate\``);
        await client.query("BEGIN");
        try {
          await client.query("CREATE TABLE IF NOT EXISTS prov_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL, migrated_at TEXT NOT NULL)");
          for (const m of migrations.slice(from)) await client.query(m.sql);
          if (from === 0) {
            // The history chain begins with the database (nothing to chain yet): its genesis row.
            const id = await client.query<{ id: string }>("SELECT id FROM store_identity LIMIT 1");
            const startedAt = new Date().toISOString();
            await client.query("INSERT INTO history_genesis (id, started_at, rows_before, hash) VALUES (1, $1, 0, $2)", [startedAt, genesisHash(id.rows[0]?.id ?? "", startedAt, 0)]);
          }
          await client.query(
            "INSERT INTO prov_schema (id, version, migrated_at) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at",
            [latest, new Date().toISOString()],
          );
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK").catch(() => undefined);
          throw err;
        }
        return { from, to: latest };
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATE_LOCK]).catch(() => undefined);
      }
    } catch (err) {
      if (!(err instanceof StoreError) && pgCode(err) === undefined) broken = err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** `prov migrate`: bring an existing (or empty) database to this prov's schema; from → to. */
  static async migrateTo(url: string, opts: PgOpenOptions = {}): Promise<{ from: number; to: number; location: string }> {
    const location = redactDatabaseUrl(url);
    const config = connectionConfig(url, opts);
    const pool = newPool(config);
    const store = new PgStore(location, pool, config, false);
    try {
      return { ...(await store.migrate(true)), location };
    } catch (err) {
      throw store.dbError(err);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }

  /** The version recorded in a database without changing it (null: no prov schema yet). */
  static async versionOf(url: string, opts: PgOpenOptions = {}): Promise<number | null> {
    const config = connectionConfig(url, opts);
    const pool = newPool(config);
    const store = new PgStore(redactDatabaseUrl(url), pool, config, true);
    try {
      return await readVersion(pool as unknown as Queryable);
    } catch (err) {
      throw store.dbError(err);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }

  /** Read inside one REPEATABLE READ transaction: one snapshot across many queries (the history walk). */
  private async snapshot<T>(fn: (d: PgSql) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        const out = await fn(new PgSql(this.wrap(client), false, true));
        await client.query("COMMIT");
        return out;
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
  }

  async transaction<T>(fn: (tx: Repos) => Promise<T>, _opts: TransactionOptions = {}): Promise<T> {
    // Every commit waits for the server's WAL flush (synchronous_commit as the server sets
    // it, on by default): a decision is durable when the promise resolves, as `durable` asks.
    const run = async (): Promise<T> => {
      if (this.closed) throw new StoreError(`database ${this.location} is closed`);
      if (this.readonly) throw new StoreError(`database ${this.location} was opened read-only; this command cannot write to it`);
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw this.dbError(err);
      }
      let broken: Error | undefined;
      let locked = false;
      try {
        // The lock on its own, before BEGIN: a statement sent with it would take the
        // transaction's snapshot before the lock is granted (missing the last writer's rows).
        // COMMIT and the unlock go together (the unlock after the commit).
        await this.lock(client);
        locked = true;
        for (let attempt = 0; ; attempt++) {
          const d = new PgSql(this.wrap(client), true);
          const tx = repos(() => d, (f) => f(d), (name) => this.callCounts.set(name, (this.callCounts.get(name) ?? 0) + 1), (err) => err);
          await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
          this.currentTx = d;
          try {
            if (this.writeGuard) await this.writeGuard(tx);
            const result = await fn(tx);
            await client.query(`COMMIT; SELECT pg_advisory_unlock(${WRITE_LOCK})`);
            locked = false;
            return result;
          } catch (err) {
            await client.query("ROLLBACK").catch((e: unknown) => (broken = e as Error));
            if (broken) throw this.storeError(err);
            if (RETRYABLE.has(pgCode(err) ?? pgCode((err as { cause?: unknown }).cause) ?? "") && attempt < MAX_RETRIES) {
              // Another host's transaction conflicted (only writers outside the write lock can: a migration, plain SQL): again, after a pause.
              await sleep(Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random()));
              continue;
            }
            throw this.storeError(err);
          } finally {
            this.currentTx = null;
          }
        }
      } catch (err) {
        // Not the server's answer (a lost connection): the client is discarded, not pooled again.
        const cause = err instanceof StoreError ? err.cause : undefined;
        if (err instanceof StoreError && cause !== undefined && pgCode(cause) === undefined) broken ??= cause instanceof Error ? cause : new Error(String(cause));
        throw err;
      } finally {
        if (locked && !broken) await client.query(`SELECT pg_advisory_unlock(${WRITE_LOCK})`).catch((e: unknown) => (broken = e as Error));
        client.release(broken);
      }
    };
    // One transaction at a time from this process: the next waits for this one, failed or not.
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * Every history row, table by table in key order, from one REPEATABLE READ snapshot
   * (writers go on). Pages of 2,000 rows by key, so a large history never sits in memory.
   */
  async dump(visit: (table: string, row: Record<string, unknown>) => void | Promise<void>): Promise<Record<string, number>> {
    const client = await this.pool.connect().catch((err: unknown) => {
      throw this.dbError(err);
    });
    const q = this.wrap(client);
    const counts: Record<string, number> = {};
    try {
      await q.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      for (const table of DUMP_TABLES) {
        const keys = DUMP_ORDER[table];
        const keyList = keys.map((k) => `"${k}"`).join(", ");
        let after: unknown[] | null = null;
        let n = 0;
        for (;;) {
          const where: string = after ? `WHERE (${keyList}) > (${keys.map((_, i) => `$${i + 1}`).join(", ")})` : "";
          const page: { rows: Array<Record<string, unknown>> } = await q.query<Record<string, unknown>>(`SELECT * FROM ${table} ${where} ORDER BY ${keyList} LIMIT ${DUMP_PAGE}`, after ?? []);
          for (const row of page.rows) {
            for (const [k, v] of Object.entries(row)) if (Buffer.isBuffer(v)) row[k] = { $bytes: v.toString("base64") };
            await visit(table, row);
            n++;
          }
          if (page.rows.length < DUMP_PAGE) break;
          const last: Record<string, unknown> = page.rows.at(-1)!;
          after = keys.map((k): unknown => last[k]);
        }
        counts[table] = n;
      }
      await q.query("COMMIT");
      return counts;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * A dump's rows into a store without history, in one transaction under the write lock:
   * its own identity and genesis (made when it was created) are replaced by the dump's, the
   * ids kept (identity columns are then moved past them), decisions not announced (they are
   * history, not news). Rows go in batches of up to 500 per INSERT.
   */
  async load(rows: AsyncIterable<DumpRow>): Promise<Record<string, number>> {
    const run = async (): Promise<Record<string, number>> => {
      if (this.closed) throw new StoreError(`database ${this.location} is closed`);
      if (this.readonly) throw new StoreError(`database ${this.location} was opened read-only; this command cannot write to it`);
      const client = await this.pool.connect().catch((err: unknown) => {
        throw this.dbError(err);
      });
      const q = this.wrap(client);
      let locked = false;
      let broken: Error | undefined;
      try {
        await this.lock(client);
        locked = true;
        await q.query("BEGIN");
        try {
          const have: string[] = [];
          for (const table of DUMP_TABLES) {
            if (table === "store_identity" || table === "history_genesis") continue;
            const n = Number((await q.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]?.n ?? 0);
            if (n > 0) have.push(`${n} ${table}`);
          }
          if (have.length > 0) throw new RefusedError(`database ${this.location} already holds history (${have.join(", ")}); import only into a new, empty database`);
          const types = new Map<string, Map<string, string>>();
          for (const r of (await q.query<{ table_name: string; column_name: string; data_type: string }>(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()",
          )).rows) {
            let t = types.get(r.table_name);
            if (!t) types.set(r.table_name, (t = new Map()));
            t.set(r.column_name, r.data_type);
          }
          await q.query(
            "ALTER TABLE history_genesis DISABLE TRIGGER history_genesis_delete; DELETE FROM history_genesis; ALTER TABLE history_genesis ENABLE TRIGGER history_genesis_delete; " +
              "DELETE FROM store_identity; ALTER TABLE events DISABLE TRIGGER events_notify_decision",
          );
          const counts: Record<string, number> = {};
          const known = new Set<string>(DUMP_TABLES);
          let batch: { table: string; cols: string[]; values: unknown[][] } | null = null;
          const flush = async (): Promise<void> => {
            if (!batch || batch.values.length === 0) return;
            const { table, cols, values } = batch;
            const params: unknown[] = [];
            const tuples = values.map((v) => `(${v.map((x) => `$${params.push(x)}`).join(", ")})`);
            await q.query(`INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(", ")}) VALUES ${tuples.join(", ")}`, params);
            batch = null;
          };
          for await (const { table, row } of rows) {
            if (!known.has(table)) throw new StoreError(`the export has a table this prov does not know: ${JSON.stringify(table)} (was it written by a newer prov?)`);
            const cols = Object.keys(row);
            const colTypes = types.get(table)!;
            const unknown = cols.find((c) => !colTypes.has(c));
            if (unknown !== undefined) throw new StoreError(`the export's table ${table} has a column this database does not: ${JSON.stringify(unknown)} (was it written by a newer prov?)`);
            const shape = cols.join(",");
            if (batch && (batch.table !== table || batch.cols.join(",") !== shape || batch.values.length >= LOAD_BATCH)) await flush();
            batch ??= { table, cols, values: [] };
            batch.values.push(cols.map((c) => pgValue(row[c], colTypes.get(c)!)));
            counts[table] = (counts[table] ?? 0) + 1;
          }
          await flush();
          if (!counts["store_identity"]) throw new StoreError("the export has no store identity row: it is not a whole prov export");
          // Identity columns continue after the ids the history brought.
          for (const [table, cols] of types) {
            if (!known.has(table) || !cols.has("id") || table === "history_genesis" || table === "store_identity") continue;
            await q.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1), (SELECT max(id) FROM ${table}) IS NOT NULL)`);
          }
          await q.query("ALTER TABLE events ENABLE TRIGGER events_notify_decision");
          await q.query(`COMMIT; SELECT pg_advisory_unlock(${WRITE_LOCK})`);
          locked = false;
          return counts;
        } catch (err) {
          await client.query("ROLLBACK").catch((e: unknown) => (broken = e as Error));
          throw err;
        }
      } finally {
        if (locked && !broken) await client.query(`SELECT pg_advisory_unlock(${WRITE_LOCK})`).catch((e: unknown) => (broken = e as Error));
        client.release(broken);
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** The write lock, retried without blocking the event loop while another process holds it. */
  private async lock(client: pg.PoolClient): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
      let ok: boolean;
      try {
        ok = (await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${WRITE_LOCK}) AS ok`)).rows[0]?.ok === true;
      } catch (err) {
        throw this.dbError(err);
      }
      if (ok) return;
      if (Date.now() > deadline) throw new StoreError(`database ${this.location} is locked by another process (waited ${LOCK_WAIT_MS / 1000} s)`);
      await sleep(wait);
    }
  }

  async identity(): Promise<{ id: string; createdAt: string }> {
    let id;
    try {
      id = await this.reader.identity();
    } catch (err) {
      throw this.dbError(err);
    }
    if (!id) throw new StoreError(`database ${this.location} has no identity row (store_identity is empty): it was altered by hand`);
    return id;
  }

  /**
   * Is the database the one this process opened? Dropped, emptied or replaced by another
   * prov database while open: said in words. A server that cannot be reached now is not
   * that (writes fail and are retried): null.
   */
  async health(): Promise<string | null> {
    try {
      const id = await this.reader.identity();
      if (!id) return `the database ${this.location} lost its identity row while prov had it open`;
      if (this.openedId !== null && id.id !== this.openedId) return `the database ${this.location} was replaced by another prov database while prov had it open`;
      return null;
    } catch (err) {
      const code = pgCode(err) ?? pgCode((err as { cause?: unknown }).cause);
      if (code === "3D000") return `the database ${this.location} was dropped while prov had it open`;
      if (code === "42P01") return `prov's tables in the database ${this.location} were dropped while prov had it open`;
      return null;
    }
  }

  async schemaVersion(): Promise<number> {
    try {
      return (await readVersion(this.pool as unknown as Queryable)) ?? 0;
    } catch (err) {
      throw this.dbError(err);
    }
  }

  calls(): Record<string, number> {
    return Object.fromEntries(this.callCounts);
  }

  guardWrites(guard: (tx: Repos) => Promise<void>): void {
    this.writeGuard = guard;
  }

  /**
   * Wake `wake` whenever a decision (approve, revoke, tag, classification) is committed, by
   * any process, and after every reconnect of the listening connection (a notice sent
   * while it was down is lost: the caller catches up by id with events.decisionsAfter).
   */
  onDecision(wake: () => void): () => void {
    this.listener ??= new DecisionListener(this.connection, (err) => this.storeError(err));
    return this.listener.add(wake);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.listener?.close();
    await this.pool.end();
  }
}

/** A dedicated connection that LISTENs for decisions, reconnecting with backoff. */
class DecisionListener {
  private readonly wakes = new Set<() => void>();
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private backoff = 100;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly fail: (err: unknown) => unknown,
  ) {}

  add(wake: () => void): () => void {
    this.wakes.add(wake);
    if (this.wakes.size === 1) {
      this.stopped = false;
      void this.connect();
    }
    return () => {
      this.wakes.delete(wake);
      if (this.wakes.size === 0) void this.close();
    };
  }

  /** The pid of the listening backend (tests end it with pg_terminate_backend). */
  pid: number | null = null;

  private wakeAll(): void {
    for (const w of this.wakes) {
      try {
        w();
      } catch {
        // a waker's own failure is its own
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.config, application_name: "prov-listen" });
    this.client = client;
    let failed = false;
    const lost = (): void => {
      if (failed) return;
      failed = true;
      if (this.client === client) this.client = null;
      this.pid = null;
      client.end().catch(() => undefined);
      this.schedule();
    };
    client.on("error", lost);
    client.on("end", lost);
    client.on("notification", (n) => {
      if (n.channel === "prov_decision") this.wakeAll();
    });
    try {
      await client.connect();
      await client.query("LISTEN prov_decision");
      const r = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
      this.pid = r.rows[0]?.pid ?? null;
      if (this.stopped) return void client.end().catch(() => undefined);
      this.backoff = 100;
      // Anything committed while not listening: the watcher catches up by id.
      this.wakeAll();
    } catch (err) {
      void this.fail(err);
      lost();
    }
  }

  private schedule(): void {
    if (this.stopped || this.retry) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 5000);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, wait);
    this.retry.unref();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const c = this.client;
    this.client = null;
    this.pid = null;
    if (c) {
      c.removeAllListeners("end");
      c.removeAllListeners("error");
      c.on("error", () => undefined);
      await c.end().catch(() => undefined);
    }
  }
}
