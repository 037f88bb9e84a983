// The provenance store: the only module that holds SQL. Synchronous (better-sqlite3), so
// callers gather everything async first (hashes, metadata) and then write in one short
// transaction; nothing is ever awaited inside a transaction.

import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { readMigrations, type Migration } from "../migrations.js";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { DECISION_EVENT_KINDS, type Evidence, type Origin, type Status } from "../../src/domain/types.js";
import type { C2paValidation } from "../../src/domain/c2pa-validation.js";
import { DUMP_ORDER, DUMP_TABLES } from "../../src/ports.js";
import type {
  ApprovalRow,
  AssetFactsRow,
  AssetInput,
  EventInput,
  PathFacts,
  AssetRecord,
  AssetRow,
  EventFilter,
  EventRow,
  EvidenceRow,
  FingerprintedRow,
  FingerprintInput,
  FingerprintRow,
  GenAIEvidenceRow,
  GenAIFingerprintRow,
  LocationRow,
  QuarantineRow,
  SequenceEvidenceRow,
  SequenceRow,
  StatKey,
  WatcherClaim,
  WatcherRow,
} from "../../src/ports.js";
import { RefusedError, StoreError, errorMessage } from "../../src/domain/errors.js";
import { errnoCode } from "../../src/errors.js";
import { fsTypeOf, isNetworkFsType } from "../../src/adapters/fs/fsinfo.js";
import { chunks16, neighbours16 } from "../../src/domain/phash.js";
import { halves, popcount } from "../../src/domain/likeness.js";
import { CHAIN_COLUMNS, genesisHash, mergeByTime, nextLink, type ChainHead, type ChainRow, type ChainTable, type ChainValue, type Genesis } from "../../src/domain/chain.js";

/** The decision kinds as an SQL list (src/domain/types.ts keeps them). */
const DECISION_KINDS_SQL = DECISION_EVENT_KINDS.map((k) => `'${k}'`).join(", ");
// db/sqlite/store.ts sits beside its migrations; dist/db/sqlite/store.js three levels below the root.
const here = path.dirname(fileURLToPath(import.meta.url));
const MIGRATIONS_DIR = [path.resolve(here, "migrations"), path.resolve(here, "../../../db/sqlite/migrations")].find((d) =>
  existsSync(d),
);

export type { Migration };

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readMigrations(dir, "db/sqlite/migrations");
}

export interface OpenOptions {
  /** Create the file and apply migrations; otherwise a missing database is an error. */
  create?: boolean;
  readonly?: boolean;
  /** For tests of the network-filesystem refusal: the text of /proc/mounts. */
  mountsText?: string;
}

/**
 * The SQL of the SQLite store, synchronous (better-sqlite3). Only db/sqlite/store.ts uses it:
 * the rest of prov sees the asynchronous Store port (src/ports.ts).
 */
/**
 * The stat cache's rows: a present location's stat key and its asset, packed in one string
 * per file (see unpackCached), for the locations under a path range (two parameters).
 */
const STAT_CACHE_SELECT = `SELECT l.path, l.dev || ' ' || l.ino || ' ' || l.size || ' ' || l.mtime_ns || ' ' || l.ctime_ns
                 || char(31) || l.id || char(31) || a.id || char(31) || a.sha256 || char(31) || a.size
                 || char(31) || a.origin || char(31) || coalesce(a.status, '') || char(31) || a.first_seen
                 || char(31) || coalesce(a.media_hash, '') || char(31) || coalesce(a.metadata_error, '')
       FROM locations l JOIN assets a ON a.id = l.asset_id
       WHERE l.state = 'present' AND l.path >= ? AND l.path < ?
         AND l.dev IS NOT NULL AND l.ino IS NOT NULL AND l.size IS NOT NULL AND l.mtime_ns IS NOT NULL AND l.ctime_ns IS NOT NULL`;

/**
 * At open only (nothing else runs yet): retry what SQLITE_BUSY refused, up to 30 s. The
 * writer has no busy timeout (its transactions wait without blocking the event loop), so
 * even reading the schema version at open can meet another process's brief lock (a reader
 * recovering the WAL as it opens, a checkpoint).
 */
function retryBusyAtOpen<T>(fn: () => T): T {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return fn();
    } catch (err) {
      // SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY: another connection recovering the WAL).
      if (!errnoCode(err)?.startsWith("SQLITE_BUSY") || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** A dumped value back into a SQLite value: `{ $bytes }` to a Buffer, booleans to 0/1, objects to JSON text. */
function sqliteValue(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v !== null && typeof v === "object") {
    const bytes = (v as { $bytes?: unknown }).$bytes;
    if (typeof bytes === "string") return Buffer.from(bytes, "base64");
    return JSON.stringify(v);
  }
  return v;
}

export class SqliteDb {
  constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Open (and, for a writer, create and migrate) the database file. Refused: a file on a
   * network filesystem, a missing file unless `create`, a schema newer than this prov.
   */
  static open(file: string, opts: OpenOptions = {}): SqliteDb {
    const abs = path.resolve(file);
    const fsType = fsTypeOf(path.dirname(abs), opts.mountsText);
    if (fsType && isNetworkFsType(fsType)) {
      throw new StoreError(
        `refusing database ${abs}: it is on a network filesystem (${fsType}). SQLite's WAL mode needs shared memory and ` +
          `POSIX locks that network filesystems do not provide, so the database could be corrupted. Keep it on a local disk ` +
          `(--db or PROV_DB) and back it up to the share.`,
      );
    }
    if (!existsSync(abs)) {
      if (!opts.create || opts.readonly) throw new StoreError(`no database at ${abs}: run \`prov init\` or \`prov scan\` first, or pass --db PATH`);
      mkdirSync(path.dirname(abs), { recursive: true });
    }
    let db: Database.Database;
    let version: number;
    try {
      db = new Database(abs, { readonly: opts.readonly ?? false, fileMustExist: !opts.create });
      // Readers wait for a checkpoint; the writer never waits inside a statement: it takes
      // the write lock with BEGIN IMMEDIATE, retried without blocking the event loop.
      db.pragma(`busy_timeout = ${opts.readonly ? 5000 : 0}`);
      version = retryBusyAtOpen(() => db.pragma("user_version", { simple: true }) as number);
    } catch (err) {
      throw new StoreError(`cannot open database ${abs}: ${errorMessage(err)}`, { cause: err });
    }
    // Refuse a newer database before any pragma that writes (journal_mode rewrites the header).
    const migrations = loadMigrations();
    if (version > migrations.length) {
      db.close();
      throw new StoreError(
        `database ${abs} has schema version ${version}, newer than this prov understands (${migrations.length}); ` +
          `it was written by a newer prov. Upgrade prov; the database was not changed.`,
      );
    }
    const store = new SqliteDb(abs, db);
    try {
      if (!opts.readonly) {
        store.retryBusy(() => db.pragma("journal_mode = WAL"));
        db.pragma("foreign_keys = ON");
      }
      // NORMAL is durable except on power loss; decisions switch to FULL (see commit()).
      db.pragma("synchronous = NORMAL");
      store.migrate(migrations, opts.readonly ?? false);
    } catch (err) {
      db.close();
      if (err instanceof StoreError) throw err;
      throw new StoreError(`cannot open database ${abs}: ${errorMessage(err)}`, { cause: err });
    }
    return store;
  }

  /** The schema version of a database file, read without writing to it (`missingOk`: 0 for no file). */
  static versionOf(file: string, missingOk = false): number {
    const abs = path.resolve(file);
    if (!existsSync(abs)) {
      if (missingOk) return 0;
      throw new StoreError(`no database at ${abs}: run \`prov init\` or \`prov scan\` first, or pass --db PATH`);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(abs, { readonly: true, fileMustExist: true });
      return db.pragma("user_version", { simple: true }) as number;
    } catch (err) {
      throw new StoreError(`cannot open database ${abs}: ${errorMessage(err)}`, { cause: err });
    } finally {
      db?.close();
    }
  }

  private migrate(migrations: Migration[], readonly: boolean): void {
    const current = retryBusyAtOpen(() => this.schemaVersion());
    const latest = migrations.length;
    if (current >= latest) return; // newer databases are refused in open()
    if (readonly) throw new StoreError(`database ${this.file} needs migrating (version ${current} → ${latest}); run any writing command first`);
    this.retryBusy(() => this.begin(true));
    try {
      // Read again under the write lock: another process opening the same new database at the
      // same moment (two watchers started together) may have migrated it while we waited.
      const now = this.schemaVersion();
      if (now >= latest) {
        this.rollback();
        return;
      }
      const pending = migrations.slice(now);
      for (const m of pending) {
        this.db.exec(m.sql);
        if (m.name === "history_chain") this.chainExisting();
      }
      this.db.pragma(`user_version = ${latest}`);
      this.commit();
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /** At open only (nothing else runs yet): wait for another process's write lock, up to 30 s. */
  private retryBusy<T>(fn: () => T): T {
    return retryBusyAtOpen(fn);
  }

  schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  identity(): { id: string; createdAt: string } {
    const row = this.q("SELECT id, created_at FROM store_identity LIMIT 1").get() as { id: string; created_at: string } | undefined;
    if (!row) throw new StoreError(`database ${this.file} has no identity row (store_identity is empty): it was altered by hand`);
    return { id: row.id, createdAt: row.created_at };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------ dump and load (prov db export / import)

  /**
   * Every row of the history tables, table by table, from one snapshot: a read
   * transaction on this connection (WAL: writers go on; this sees the state it began with).
   * The visitor may be asynchronous (a file being written): nothing else uses a reader
   * connection while a dump runs through it.
   */
  async dumpTables(visit: (table: string, row: Record<string, unknown>) => void | Promise<void>): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    this.db.exec("BEGIN");
    try {
      for (const table of DUMP_TABLES) {
        let n = 0;
        for (const row of this.db.prepare(`SELECT * FROM ${table} ORDER BY ${DUMP_ORDER[table].join(", ")}`).iterate() as IterableIterator<Record<string, unknown>>) {
          for (const [k, v] of Object.entries(row)) if (Buffer.isBuffer(v)) row[k] = { $bytes: v.toString("base64") };
          await visit(table, row);
          n++;
        }
        counts[table] = n;
      }
    } finally {
      if (this.db.inTransaction) this.db.exec("COMMIT");
    }
    return counts;
  }

  /** History already here, by table: a load goes only into a store without any. */
  historyRows(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const table of DUMP_TABLES) {
      if (table === "store_identity" || table === "history_genesis") continue;
      const n = (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      if (n > 0) counts[table] = n;
    }
    return counts;
  }

  /**
   * Write a dump's rows, in the caller's write transaction, into a store without history:
   * its own identity and genesis (made when it was created) are replaced by the dump's, so
   * every chain link still verifies. Ids are kept. A table or column this schema lacks is
   * refused by name (the dump came from a newer prov).
   */
  async loadTables(rows: AsyncIterable<{ table: string; row: Record<string, unknown> }>): Promise<Record<string, number>> {
    const have = this.historyRows();
    if (Object.keys(have).length > 0) {
      throw new RefusedError(
        `database ${this.file} already holds history (${Object.entries(have).map(([t, n]) => `${n} ${t}`).join(", ")}); import only into a new, empty database`,
      );
    }
    const known = new Set<string>(DUMP_TABLES);
    const columns = new Map<string, Set<string>>();
    const columnsOf = (table: string): Set<string> => {
      let c = columns.get(table);
      if (!c) {
        c = new Set((this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((r) => r.name));
        columns.set(table, c);
      }
      return c;
    };
    // The genesis is written once; a load is the one time it is written again (it is the
    // same history moving house), inside this transaction only.
    this.db.exec("DROP TRIGGER IF EXISTS history_genesis_delete; DELETE FROM history_genesis; DELETE FROM store_identity;");
    const counts: Record<string, number> = {};
    const inserts = new Map<string, Database.Statement>();
    for await (const { table, row } of rows) {
      if (!known.has(table)) throw new StoreError(`the export has a table this prov does not know: ${JSON.stringify(table)} (was it written by a newer prov?)`);
      const cols = Object.keys(row);
      const ok = columnsOf(table);
      const unknown = cols.find((c) => !ok.has(c));
      if (unknown !== undefined) throw new StoreError(`the export's table ${table} has a column this database does not: ${JSON.stringify(unknown)} (was it written by a newer prov?)`);
      const key = `${table}(${cols.join(",")})`;
      let ins = inserts.get(key);
      if (!ins) {
        ins = this.db.prepare(`INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`);
        inserts.set(key, ins);
      }
      ins.run(...cols.map((c) => sqliteValue(row[c])));
      counts[table] = (counts[table] ?? 0) + 1;
    }
    this.db.exec("CREATE TRIGGER history_genesis_delete BEFORE DELETE ON history_genesis BEGIN SELECT RAISE(ABORT, 'the history genesis is written once'); END;");
    if (!counts["store_identity"]) throw new StoreError("the export has no store identity row: it is not a whole prov export");
    return counts;
  }

  /**
   * Take the write lock (throws SQLITE_BUSY at once when another process holds it: the
   * caller retries). A durable transaction (a decision) runs with synchronous=FULL, so its
   * commit is fsync'd before it returns; the setting is changed outside the transaction.
   */
  begin(durable = false): void {
    this.chainHead = null;
    this.db.pragma(`synchronous = ${durable ? "FULL" : "NORMAL"}`);
    this.db.exec("BEGIN IMMEDIATE");
  }

  commit(): void {
    this.chainHead = null;
    this.db.exec("COMMIT");
  }

  rollback(): void {
    this.chainHead = null;
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  // ------------------------------------------------------------------ statements

  private stmts = new Map<string, Database.Statement>();
  private q(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // ------------------------------------------------------------------ assets

  assetById(id: number): AssetRow | undefined {
    return this.q("SELECT * FROM assets WHERE id = ?").get(id) as AssetRow | undefined;
  }

  assetBySha(sha256: string): AssetRow | undefined {
    return this.q("SELECT * FROM assets WHERE sha256 = ?").get(sha256) as AssetRow | undefined;
  }

  /** For abbreviated hashes typed by a person (at least 8 hex digits). */
  assetsByShaPrefix(prefix: string): AssetRow[] {
    return this.q("SELECT * FROM assets WHERE sha256 >= ? AND sha256 < ? ORDER BY sha256 LIMIT 10").all(prefix, prefix + "g") as AssetRow[];
  }

  assetsByMediaHash(mediaHash: string): AssetRow[] {
    return this.q("SELECT * FROM assets WHERE media_hash = ? ORDER BY id").all(mediaHash) as AssetRow[];
  }

  listAssets(filter: { origin?: Origin | undefined; status?: Status | undefined }): AssetRow[] {
    return this.q(
      `SELECT * FROM assets WHERE (@origin IS NULL OR origin = @origin) AND (@status IS NULL OR status = @status) ORDER BY first_seen, id`,
    ).all({ origin: filter.origin ?? null, status: filter.status ?? null }) as AssetRow[];
  }

  /** Insert new content, or refresh what was read of existing content; returns its id. */
  upsertAsset(a: AssetInput, now: string): { id: number; created: boolean } {
    const existing = this.assetBySha(a.sha256);
    if (existing) {
      this.q(
        `UPDATE assets SET media_hash = coalesce(?, media_hash), file_type = coalesce(?, file_type), mime_type = coalesce(?, mime_type),
           metadata_error = ?, warnings = ?, exiftool_version = coalesce(?, exiftool_version), updated_at = ? WHERE id = ?`,
      ).run(a.mediaHash, a.fileType, a.mimeType, a.metadataError, JSON.stringify(a.warnings), a.exiftoolVersion, now, existing.id);
      return { id: existing.id, created: false };
    }
    const info = this.q(
      `INSERT INTO assets (sha256, size, media_hash, file_type, mime_type, origin, status, metadata_error, warnings, exiftool_version, first_seen, updated_at)
       VALUES (?, ?, ?, ?, ?, 'unknown', NULL, ?, ?, ?, ?, ?)`,
    ).run(a.sha256, a.size, a.mediaHash, a.fileType, a.mimeType, a.metadataError, JSON.stringify(a.warnings), a.exiftoolVersion, now, now);
    return { id: Number(info.lastInsertRowid), created: true };
  }

  setClassification(assetId: number, origin: Origin, status: Status | null, now: string): boolean {
    const info = this.q(
      "UPDATE assets SET origin = ?, status = ?, updated_at = ? WHERE id = ? AND (origin IS NOT ? OR status IS NOT ?)",
    ).run(origin, status, now, assetId, origin, status);
    return info.changes > 0;
  }

  /** Many contents at once, by SHA-256 (a gate burst, a scan chunk). */
  assetsByShas(shas: readonly string[]): Map<string, AssetRow> {
    const out = new Map<string, AssetRow>();
    if (shas.length === 0) return out;
    const rows = this.q("SELECT * FROM assets WHERE sha256 IN (SELECT value FROM json_each(?))").all(JSON.stringify(shas)) as AssetRow[];
    for (const r of rows) out.set(r.sha256, r);
    return out;
  }

  /** What judging one content needs, in one call: see AssetFactsRow. */
  assetFacts(id: number, at: string | null = null): AssetFactsRow | undefined {
    const asset = this.assetById(id);
    if (!asset) return undefined;
    const sequenceIds = (this.q(
      `SELECT DISTINCT sf.sequence_id AS id FROM locations l JOIN sequence_frames sf ON sf.location_id = l.id WHERE (l.asset_id = ? OR l.path = ?) AND l.state = 'present' ORDER BY 1`,
    ).all(id, at) as Array<{ id: number }>).map((r) => r.id);
    return {
      asset,
      evidence: this.evidenceOf(id),
      // One GenAI twin is enough to decide, and a slate or black frame may have thousands of copies: bounded.
      twins: asset.media_hash ? this.genaiEvidenceByMediaHash(asset.media_hash, id, 50) : [],
      // Only a frame of a sequence has a shot (most files are not: skip the seven-way join).
      shot: sequenceIds.length > 0 ? this.genaiEvidenceBySequence(id, 20, at) : [],
      approvals: this.approvalsOf(id),
      siblings: asset.media_hash
        ? (this.q("SELECT id, origin FROM assets WHERE media_hash = ? AND id <> ? AND origin <> 'genai' ORDER BY id LIMIT 1000").all(asset.media_hash, id) as Array<{ id: number; origin: Origin }>)
        : [],
      sequenceIds,
      printState: this.fingerprintState(id),
      prints: this.fingerprintsOf(id),
      at,
      forcedRelease: at !== null && this.forcedRelease(at, asset.sha256) !== undefined,
    };
  }

  /** The location at a path, the same inode elsewhere, a stuck move there. */
  lookAt(p: string, dev: string, ino: string): PathFacts {
    const withAsset = (l: LocationRow): LocationRow & { asset: AssetRow | undefined } => ({ ...l, asset: l.asset_id !== null ? this.assetById(l.asset_id) : undefined });
    const here = this.locationByPath(p);
    return {
      here: here ? withAsset(here) : undefined,
      sameInode: this.locationsByInode(dev, ino).filter((l) => l.path !== p).map(withAsset),
      stuck: this.stuckAt(p),
    };
  }

  /** Record a content with what was read of it: asset row, metadata and folder evidence, fingerprints. */
  recordAsset(r: AssetRecord, now: string): { id: number; created: boolean } {
    const result = this.upsertAsset(r.asset, now);
    if (r.metadataEvidence) this.replaceMetadataEvidence(result.id, r.metadataEvidence, now);
    for (const e of r.folderEvidence ?? []) this.addEvidence(result.id, e, now);
    if (r.fingerprints) this.putFingerprints(result.id, r.fingerprints.info, r.fingerprints.frames);
    return result;
  }

  counts(): Record<string, number> {
    const rows = this.q("SELECT origin || coalesce('/' || status, '') AS k, count(*) AS n FROM assets GROUP BY k").all() as { k: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  }

  // ------------------------------------------------------------------ evidence

  /** GenAI evidence of other assets with this media data (at most `limit` rows). */
  genaiEvidenceByMediaHash(mediaHash: string, excludeAssetId: number | null, limit: number): GenAIEvidenceRow[] {
    return this.q(
      `SELECT e.*, a.sha256 FROM evidence e JOIN assets a ON a.id = e.asset_id
       WHERE a.media_hash = ? AND a.id IS NOT ? AND e.signal IN ('genai', 'genai-edited') ORDER BY e.id LIMIT ?`,
    ).all(mediaHash, excludeAssetId, limit) as GenAIEvidenceRow[];
  }

  evidenceOf(assetId: number): EvidenceRow[] {
    return this.q("SELECT * FROM evidence WHERE asset_id = ? ORDER BY id").all(assetId) as EvidenceRow[];
  }

  /** Evidence read from the file's own bytes is replaced when the file is read again. */
  replaceMetadataEvidence(assetId: number, evidence: readonly Evidence[], now: string): void {
    this.q("DELETE FROM evidence WHERE asset_id = ? AND source IN ('c2pa', 'iptc', 'generator', 'exiftool')").run(assetId);
    for (const e of evidence) this.addEvidence(assetId, e, now);
  }

  /** Returns false when the same (non-manual) evidence was already recorded. */
  addEvidence(assetId: number, e: Evidence, now: string): boolean {
    const info = this.q(
      `INSERT INTO evidence (asset_id, source, field, value, signal, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ).run(assetId, e.source, e.field, e.value, e.signal, e.detail ? JSON.stringify(e.detail) : null, now);
    return info.changes > 0;
  }

  // ------------------------------------------------------------------ locations

  locationByPath(p: string): LocationRow | undefined {
    return this.q("SELECT * FROM locations WHERE path = ?").get(p) as LocationRow | undefined;
  }

  locationsOf(assetId: number): LocationRow[] {
    return this.q("SELECT * FROM locations WHERE asset_id = ? ORDER BY last_seen DESC, id").all(assetId) as LocationRow[];
  }

  /** Record that `p` holds `assetId` (or could not be identified, assetId null). */
  upsertLocation(
    p: string,
    assetId: number | null,
    stat: StatKey | null,
    state: LocationRow["state"],
    error: string | null,
    now: string,
    event?: (previous: LocationRow | undefined, previousSha256: string | null) => EventInput | null,
  ): { id: number; previous: LocationRow | undefined } {
    const r = this.putLocation(p, assetId, stat, state, error, now);
    const prevSha = r.previous?.asset_id != null && r.previous.asset_id !== assetId ? (this.assetById(r.previous.asset_id)?.sha256 ?? null) : null;
    const e = event?.(r.previous, prevSha);
    if (e) this.addEvent(e.kind, now, { assetId: assetId ?? r.previous?.asset_id ?? null, locationId: r.id, path: p, ...(e.detail ? { detail: e.detail } : {}) });
    return r;
  }

  private putLocation(p: string, assetId: number | null, stat: StatKey | null, state: LocationRow["state"], error: string | null, now: string): { id: number; previous: LocationRow | undefined } {
    const previous = this.locationByPath(p);
    const s = stat ?? { dev: null, ino: null, size: null, mtimeNs: null, ctimeNs: null };
    if (previous) {
      this.q(
        `UPDATE locations SET asset_id = coalesce(?, asset_id), dev = ?, ino = ?, size = ?, mtime_ns = ?, ctime_ns = ?, state = ?, error = ?, last_seen = ?
         WHERE id = ?`,
      ).run(assetId, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, state, error, now, previous.id);
      return { id: previous.id, previous };
    }
    const info = this.q(
      `INSERT INTO locations (path, asset_id, dev, ino, size, mtime_ns, ctime_ns, state, error, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(p, assetId, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, state, error, now, now);
    return { id: Number(info.lastInsertRowid), previous: undefined };
  }

  touchLocation(id: number, now: string): void {
    this.q("UPDATE locations SET last_seen = ?, state = 'present', error = NULL WHERE id = ?").run(now, id);
  }

  touchLocations(ids: readonly number[], now: string): void {
    for (const id of ids) this.touchLocation(id, now);
  }

  // ------------------------------------------------------------------ approvals

  approvalsOf(assetId: number): ApprovalRow[] {
    return this.q("SELECT * FROM approvals WHERE asset_id = ? ORDER BY id").all(assetId) as ApprovalRow[];
  }

  lastApproval(assetId: number): ApprovalRow | undefined {
    return this.q("SELECT * FROM approvals WHERE asset_id = ? ORDER BY id DESC LIMIT 1").get(assetId) as ApprovalRow | undefined;
  }

  addApproval(a: Omit<ApprovalRow, "id">): number {
    return this.insertChained("approvals", {
      asset_id: a.asset_id,
      action: a.action,
      by: a.by,
      ref: a.ref,
      scope: a.scope,
      note: a.note,
      doc_path: a.doc_path,
      doc_sha256: a.doc_sha256,
      at: a.at,
      account: a.account,
      host: a.host,
      terms: a.terms,
    });
  }

  // ------------------------------------------------------------------ events (append-only)

  addEvent(
    kind: string,
    at: string,
    refs: { assetId?: number | null; locationId?: number | null; path?: string | null; detail?: Record<string, unknown> },
  ): number {
    return this.insertChained("events", {
      at,
      kind,
      asset_id: refs.assetId ?? null,
      location_id: refs.locationId ?? null,
      path: refs.path ?? null,
      detail: refs.detail ? JSON.stringify(refs.detail) : null,
    });
  }

  // ------------------------------------------------------------------ the history chain

  /**
   * The chain's head while this connection holds the write lock: read once per write
   * transaction (two rowid lookups), then kept here as rows are added; forgotten at
   * commit and rollback, since another process may write next.
   */
  private chainHead: ChainHead | null = null;
  private readonly insertSql = new Map<string, string>();

  /**
   * Insert an event or approval with its link to the row before it, in the caller's
   * transaction (under BEGIN IMMEDIATE, so no other writer can add a row in between); a
   * crash before COMMIT leaves neither the row nor its link. The hash is taken over exactly
   * the values inserted: every column must be given here (a column whose default is not
   * NULL and is left out would not hash as read back).
   */
  private insertChained(table: ChainTable, values: Record<string, ChainValue>): number {
    const cols = Object.keys(values);
    const key = `${table}(${cols.join(",")})`;
    let sql = this.insertSql.get(key);
    if (sql === undefined) {
      sql = `INSERT INTO ${table} (${cols.join(", ")}, ${CHAIN_COLUMNS.join(", ")}) VALUES (${cols.map(() => "?").join(", ")}, ?, ?, ?, ?)`;
      this.insertSql.set(key, sql);
    }
    const stmt = this.q(sql);
    const run = (): number => {
      const head = this.chainHead ?? this.readChainHead();
      const link = nextLink(head, table, values);
      const info = stmt.run(...cols.map((c) => values[c] ?? null), link.seq, link.prev, link.hash, link.fields);
      this.chainHead = { seq: link.seq, hash: link.hash };
      return Number(info.lastInsertRowid);
    };
    if (this.db.inTransaction) return run();
    // Outside a transaction (tools and tests on SqliteDb): one of its own, and no head kept.
    try {
      return this.db.transaction(run).immediate();
    } finally {
      this.chainHead = null;
    }
  }

  /** The last chained row of either table (each table's rows are chained in id order), else the genesis. */
  readChainHead(): ChainHead {
    const row = this.q(
      `SELECT seq, hash FROM (
         SELECT * FROM (SELECT chain_seq AS seq, chain_hash AS hash FROM events WHERE chain_seq IS NOT NULL ORDER BY id DESC LIMIT 1)
         UNION ALL
         SELECT * FROM (SELECT chain_seq AS seq, chain_hash AS hash FROM approvals WHERE chain_seq IS NOT NULL ORDER BY id DESC LIMIT 1)
       ) ORDER BY seq DESC LIMIT 1`,
    ).get() as { seq: number; hash: string | null } | undefined;
    if (row && row.hash !== null) return { seq: row.seq, hash: row.hash };
    // A missing genesis (removed by hand) must not stop the gate from writing: the chain
    // goes on from a zero hash and `prov verify` reports the genesis gone.
    return { seq: 0, hash: this.historyGenesis()?.hash ?? "0".repeat(64) };
  }

  historyGenesis(): Genesis | undefined {
    const g = this.q("SELECT started_at, rows_before, hash FROM history_genesis WHERE id = 1").get() as
      | { started_at: string; rows_before: number; hash: string }
      | undefined;
    if (!g) return undefined;
    const store = this.q("SELECT id FROM store_identity LIMIT 1").get() as { id: string } | undefined;
    return { storeId: store?.id ?? "", startedAt: g.started_at, rowsBefore: g.rows_before, hash: g.hash };
  }

  /**
   * Migration 0008: the genesis row, then the events and approvals already here, chained in
   * the order they were written (mergeByTime). Runs inside the migration's transaction.
   */
  private chainExisting(): void {
    const store = this.q("SELECT id FROM store_identity LIMIT 1").get() as { id: string } | undefined;
    const storeId = store?.id ?? "";
    const rows = (table: ChainTable): Array<Record<string, ChainValue> & { id: number; at: string }> =>
      this.db.prepare(`SELECT * FROM ${table} WHERE chain_hash IS NULL ORDER BY id`).all() as Array<Record<string, ChainValue> & { id: number; at: string }>;
    const merged = mergeByTime(rows("approvals"), rows("events"));
    const startedAt = new Date().toISOString();
    const hash = genesisHash(storeId, startedAt, merged.length);
    this.db.prepare("INSERT INTO history_genesis (id, started_at, rows_before, hash) VALUES (1, ?, ?, ?)").run(startedAt, merged.length, hash);
    let head: ChainHead = { seq: 0, hash };
    const update = {
      events: this.db.prepare("UPDATE events SET chain_seq = ?, chain_prev = ?, chain_hash = ?, chain_fields = ? WHERE id = ?"),
      approvals: this.db.prepare("UPDATE approvals SET chain_seq = ?, chain_prev = ?, chain_hash = ?, chain_fields = ? WHERE id = ?"),
    };
    for (const { table, row } of merged) {
      const link = nextLink(head, table, row);
      update[table].run(link.seq, link.prev, link.hash, link.fields, row.id);
      head = { seq: link.seq, hash: link.hash };
    }
  }

  /**
   * Every event and approval in chain order (rows outside the chain first), one statement
   * so the walk sees one snapshot; `visit` runs synchronously per row, so memory stays flat.
   */
  walkHistory(visit: (row: ChainRow) => void): void {
    const columns = (table: ChainTable): string[] =>
      (this.db.pragma(`table_info(${table})`) as Array<{ name: string }>).map((c) => c.name);
    const cols = { approvals: columns("approvals"), events: columns("events") };
    const content = [...new Set([...cols.approvals, ...cols.events])].filter((c) => c !== "id" && !(CHAIN_COLUMNS as readonly string[]).includes(c)).sort();
    const quote = (c: string): string => `"${c.replace(/"/g, '""')}"`;
    // Each column as c0, c1, …: a table without it gives NULL there (NULLs do not hash).
    const select = (table: ChainTable): string =>
      `SELECT '${table}' AS chain_table, id, chain_seq, chain_prev, chain_hash, chain_fields, ` +
      content.map((c, i) => `${cols[table].includes(c) ? quote(c) : "NULL"} AS c${i}`).join(", ") +
      ` FROM ${table}`;
    const stmt = this.db.prepare(`${select("approvals")} UNION ALL ${select("events")} ORDER BY chain_seq, chain_table, id`);
    for (const raw of stmt.iterate() as IterableIterator<Record<string, ChainValue>>) {
      const table = raw.chain_table as ChainTable;
      const values: Record<string, ChainValue> = {};
      content.forEach((c, i) => {
        if (cols[table].includes(c)) values[c] = raw[`c${i}`] ?? null;
      });
      visit({
        table,
        id: raw.id as number,
        seq: (raw.chain_seq as number | null) ?? null,
        prev: (raw.chain_prev as string | null) ?? null,
        hash: (raw.chain_hash as string | null) ?? null,
        fields: (raw.chain_fields as string | null) ?? null,
        content: values,
      });
    }
  }

  events(filter: EventFilter): EventRow[] {
    // Only the conditions given, so each is an index lookup (a "? IS NULL OR" keeps the planner off the index).
    const where: string[] = [];
    if (filter.assetId !== undefined) where.push("e.asset_id = @assetId");
    if (filter.path !== undefined) where.push("e.path = @path");
    if (filter.kind !== undefined) where.push("e.kind = @kind");
    if (filter.beforeId !== undefined) where.push("e.id < @beforeId");
    return this.q(
      `SELECT e.*, a.sha256 FROM events e LEFT JOIN assets a ON a.id = e.asset_id
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY e.id DESC LIMIT @limit`,
    ).all({ ...(filter.assetId !== undefined ? { assetId: filter.assetId } : {}), ...(filter.path !== undefined ? { path: filter.path } : {}), ...(filter.kind !== undefined ? { kind: filter.kind } : {}), ...(filter.beforeId !== undefined ? { beforeId: filter.beforeId } : {}), limit: filter.limit ?? -1 }) as EventRow[];
  }

  // ------------------------------------------------------------------ locations by inode, missing

  /** Present or missing locations that hold this inode (renames, hard links). */
  locationsByInode(dev: string, ino: string): LocationRow[] {
    return this.q("SELECT * FROM locations WHERE dev = ? AND ino = ? ORDER BY last_seen DESC").all(dev, ino) as LocationRow[];
  }

  /** Locations recorded as present under a folder (for reconciling a root). */
  presentLocationsUnder(dir: string): LocationRow[] {
    return this.q("SELECT * FROM locations WHERE state = 'present' AND path >= ? AND path < ?").all(...pathRange(dir)) as LocationRow[];
  }

  /** Paths recorded as present under a folder, in path order after `after`, a page at a time (a reconcile of a million files). */
  presentPathsUnder(dir: string, after: string | null, limit: number): string[] {
    const [from, to] = pathRange(dir);
    return this.q("SELECT path FROM locations WHERE path >= ? AND path < ? AND path > ? AND state = 'present' ORDER BY path LIMIT ?")
      .pluck()
      .all(from, to, after ?? "", limit) as string[];
  }

  countPresentUnder(dir: string): number {
    return this.q("SELECT count(*) FROM locations WHERE state = 'present' AND path >= ? AND path < ?").pluck().get(...pathRange(dir)) as number;
  }

  /** The stat cache of one folder's own files, not its subfolders' (see statCacheUnder). */
  statCacheIn(dir: string): Map<string, string> {
    const out = new Map<string, string>();
    const [from, to] = pathRange(dir);
    const rows = this.q(
      `${STAT_CACHE_SELECT}
         AND instr(substr(l.path, ?), '/') = 0`,
    ).raw(true).iterate(from, to, from.length + 1) as IterableIterator<[string, string]>;
    for (const [p, packed] of rows) out.set(p, packed);
    return out;
  }

  /**
   * A folder's stat cache in one pass, for scans that trust it (a quick sweep of 100,000
   * files): path → the location's stat key and its asset, packed in one string per file
   * (see unpackCached). Packed because turning SQLite values into JavaScript ones is most
   * of the cost: two values a row instead of twelve, and a fraction of the memory.
   */
  statCacheUnder(dir: string): Map<string, string> {
    const out = new Map<string, string>();
    const rows = this.q(
      `${STAT_CACHE_SELECT}`,
    ).raw(true).iterate(...pathRange(dir)) as IterableIterator<[string, string]>;
    for (const [p, packed] of rows) out.set(p, packed);
    return out;
  }

  /** The evidence of the assets present under a folder, in one query (a quick sweep's preload). */
  evidenceUnder(dir: string): EvidenceRow[] {
    return this.q(`SELECT * FROM evidence WHERE asset_id IN (${ASSETS_UNDER}) ORDER BY id`).all(...pathRange(dir)) as EvidenceRow[];
  }

  /** The approvals of the assets present under a folder, in one query. */
  approvalsUnder(dir: string): ApprovalRow[] {
    return this.q(`SELECT * FROM approvals WHERE asset_id IN (${ASSETS_UNDER}) ORDER BY id`).all(...pathRange(dir)) as ApprovalRow[];
  }

  /** Media hashes that some asset with GenAI evidence has: only those need a lineage lookup. */
  genaiMediaHashes(): Set<string> {
    const rows = this.q(
      `SELECT DISTINCT a.media_hash AS h FROM assets a JOIN evidence e ON e.asset_id = a.id
       WHERE a.media_hash IS NOT NULL AND e.signal IN ('genai', 'genai-edited')`,
    ).all() as Array<{ h: string }>;
    return new Set(rows.map((r) => r.h));
  }

  markMissingAt(p: string, now: string): void {
    this.q("UPDATE locations SET state = 'missing', last_seen = ? WHERE path = ? AND state <> 'missing'").run(now, p);
  }

  markMissing(id: number, now: string): void {
    this.q("UPDATE locations SET state = 'missing', last_seen = ? WHERE id = ? AND state <> 'missing'").run(now, id);
  }

  /** A file moved in a working root: same inode and content, new path. */
  relocate(id: number, newPath: string, stat: StatKey, now: string): void {
    this.q(
      "UPDATE locations SET path = ?, dev = ?, ino = ?, size = ?, mtime_ns = ?, ctime_ns = ?, state = 'present', error = NULL, last_seen = ? WHERE id = ?",
    ).run(newPath, stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs, now, id);
  }

  /** Present files with this file name (any folder), newest first; for finding a cut's source media. */
  presentLocationsNamed(name: string): LocationRow[] {
    // A scan, not an index lookup: asked once per question, never per file.
    return this.q("SELECT * FROM locations WHERE state = 'present' AND asset_id IS NOT NULL AND substr(path, -length(?) - 1) = '/' || ? ORDER BY last_seen DESC LIMIT 20").all(name, name) as LocationRow[];
  }

  // ------------------------------------------------------------------ sequences

  /** Record a folder's sequence as found now: its frames replace those recorded before. */
  putSequence(seq: Omit<SequenceRow, "id" | "first_seen" | "updated_at">, frames: ReadonlyArray<{ locationId: number; frame: number }>, now: string): number {
    const { id } = this.q(
      `INSERT INTO sequences (dir, key, pattern, first_frame, last_frame, frames, gaps, duplicates, first_seen, updated_at)
       VALUES (@dir, @key, @pattern, @first_frame, @last_frame, @frames, @gaps, @duplicates, @now, @now)
       ON CONFLICT (dir, key) DO UPDATE SET pattern = excluded.pattern, first_frame = excluded.first_frame, last_frame = excluded.last_frame,
         frames = excluded.frames, gaps = excluded.gaps, duplicates = excluded.duplicates, updated_at = excluded.updated_at
       RETURNING id`,
    ).get({ ...seq, now }) as { id: number };
    this.q("DELETE FROM sequence_frames WHERE sequence_id = ?").run(id);
    const ins = this.q("INSERT OR IGNORE INTO sequence_frames (sequence_id, location_id, frame) VALUES (?, ?, ?)");
    for (const f of frames) ins.run(id, f.locationId, f.frame);
    return id;
  }

  hasSequencesIn(dir: string): boolean {
    return this.q("SELECT 1 FROM sequences WHERE dir = ? LIMIT 1").get(dir) !== undefined;
  }

  sequenceByKey(dir: string, key: string): SequenceRow | undefined {
    return this.q("SELECT * FROM sequences WHERE dir = ? AND key = ?").get(dir, key) as SequenceRow | undefined;
  }

  /** The sequences a content's files belong to, with the frame each is. */
  sequencesOfAsset(assetId: number): Array<SequenceRow & { frame: number; path: string }> {
    return this.q(
      `SELECT s.*, sf.frame, l.path FROM locations l JOIN sequence_frames sf ON sf.location_id = l.id JOIN sequences s ON s.id = sf.sequence_id
       WHERE l.asset_id = ? AND l.state = 'present' ORDER BY s.id`,
    ).all(assetId) as Array<SequenceRow & { frame: number; path: string }>;
  }

  /** Whether any present frame of the sequence has GenAI evidence of its own. */
  sequenceHasGenAI(sequenceId: number): boolean {
    return this.q(
      `SELECT 1 FROM sequence_frames sf JOIN locations l ON l.id = sf.location_id AND l.state = 'present'
       JOIN evidence e ON e.asset_id = l.asset_id AND e.signal IN ('genai', 'genai-edited') WHERE sf.sequence_id = ? LIMIT 1`,
    ).get(sequenceId) !== undefined;
  }

  /** The asset ids of a sequence's present frames, in frame order. */
  sequenceAssets(sequenceId: number): number[] {
    return (this.q(
      `SELECT DISTINCT l.asset_id AS id FROM sequence_frames sf JOIN locations l ON l.id = sf.location_id
       WHERE sf.sequence_id = ? AND l.asset_id IS NOT NULL ORDER BY sf.frame`,
    ).all(sequenceId) as Array<{ id: number }>).map((r) => r.id);
  }

  /**
   * GenAI evidence of the other frames of the sequences this content is a frame of: one
   * labelled frame makes the shot GenAI. Bounded, like media-hash lineage.
   */
  /** `at`: a path about to hold this content (recorded in the same transaction), whose frame counts too. */
  genaiEvidenceBySequence(assetId: number, limit: number, at: string | null = null): SequenceEvidenceRow[] {
    return this.q(
      `SELECT e.*, a.sha256, s.pattern, sf2.frame FROM locations l1
         JOIN sequence_frames sf1 ON sf1.location_id = l1.id
         JOIN sequences s ON s.id = sf1.sequence_id
         JOIN sequence_frames sf2 ON sf2.sequence_id = sf1.sequence_id
         JOIN locations l2 ON l2.id = sf2.location_id AND l2.state = 'present'
         JOIN evidence e ON e.asset_id = l2.asset_id AND e.signal IN ('genai', 'genai-edited')
         JOIN assets a ON a.id = l2.asset_id
       WHERE (l1.asset_id = ? OR l1.path = ?) AND l1.state = 'present' AND l2.asset_id <> ? AND l2.id <> l1.id
       GROUP BY e.source, e.field, e.value LIMIT ?`,
    ).all(assetId, at, assetId, limit) as SequenceEvidenceRow[];
  }

  // ------------------------------------------------------------------ fingerprints

  fingerprintState(assetId: number): FingerprintedRow | undefined {
    return this.q("SELECT * FROM fingerprinted WHERE asset_id = ?").get(assetId) as FingerprintedRow | undefined;
  }

  /** Replace an asset's fingerprints (derived data, recomputed at will) and say how they were made. */
  putFingerprints(assetId: number, info: Omit<FingerprintedRow, "asset_id">, frames: readonly FingerprintInput[]): void {
    this.q("DELETE FROM fingerprints WHERE asset_id = ?").run(assetId);
    const ins = this.q("INSERT INTO fingerprints (asset_id, seconds, hash, c0, c1, c2, c3, low_detail, turns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    for (const f of frames) ins.run(assetId, f.seconds, f.hash, f.chunks[0], f.chunks[1], f.chunks[2], f.chunks[3], f.lowDetail ? 1 : 0, f.turns ?? null);
    this.q(
      `INSERT INTO fingerprinted (asset_id, algo, state, reason, kind, width, height, duration, fps_num, fps_den, start_tc, at)
       VALUES (@asset_id, @algo, @state, @reason, @kind, @width, @height, @duration, @fps_num, @fps_den, @start_tc, @at)
       ON CONFLICT (asset_id) DO UPDATE SET algo = excluded.algo, state = excluded.state, reason = excluded.reason, kind = excluded.kind,
         width = excluded.width, height = excluded.height, duration = excluded.duration, fps_num = excluded.fps_num,
         fps_den = excluded.fps_den, start_tc = excluded.start_tc, at = excluded.at`,
    ).run({ ...info, asset_id: assetId });
  }

  /**
   * Assets fingerprinted with `algo` and not waiting for anything (`retryReason`: a skip
   * reason that no longer holds, e.g. a missing ffmpeg now installed): a scan backfills the rest.
   */
  fingerprintedAssets(algo: string, retryReason: string | null): Set<number> {
    const rows = this.q("SELECT asset_id FROM fingerprinted WHERE algo = ? AND NOT (state = 'skipped' AND reason IS ?)").raw(true).all(algo, retryReason) as Array<[number]>;
    return new Set(rows.map((r) => r[0]));
  }

  fingerprintsOf(assetId: number): FingerprintRow[] {
    return this.q("SELECT id, asset_id, seconds, hash, low_detail, turns FROM fingerprints WHERE asset_id = ? ORDER BY seconds").all(assetId) as FingerprintRow[];
  }

  /**
   * Multi-index lookup: fingerprints whose chunk i is one of `near[i]` for some i (the
   * caller passes each chunk's values within the search radius). Candidates only, possibly
   * repeated: the caller measures the full distance.
   */
  fingerprintCandidates(near: readonly [number[], number[], number[], number[]]): Array<[id: number, hash: string]> {
    // UNION ALL: a row found through two chunks comes twice; the caller's distance check
    // does not care, and SQLite's de-duplication costs more than it saves. Only id and hash,
    // as arrays: thousands of candidates, of which a handful are near.
    const sel = (c: string): string => `SELECT id, hash FROM fingerprints WHERE low_detail = 0 AND ${c} IN (SELECT value FROM json_each(?))`;
    return this.q(`${sel("c0")} UNION ALL ${sel("c1")} UNION ALL ${sel("c2")} UNION ALL ${sel("c3")}`)
      .raw(true)
      .all(...near.map((n) => JSON.stringify(n))) as Array<[number, string]>;
  }

  /**
   * Fingerprints within `maxDistance` of `hash` (multi-index hashing: two hashes within
   * distance 4r+3 share a 16-bit chunk within r bits): candidates from the chunk indexes,
   * their full distance measured here, and full rows only for the few that are near.
   */
  fingerprintsNear(hash: string, maxDistance: number): Array<{ row: FingerprintRow; distance: number }> {
    const radius = Math.floor(maxDistance / 4);
    const c = chunks16(hash);
    const near = [neighbours16(c[0], radius), neighbours16(c[1], radius), neighbours16(c[2], radius), neighbours16(c[3], radius)] as const;
    const [hi, lo] = halves(hash);
    const found = new Map<number, number>();
    for (const [id, h] of this.fingerprintCandidates(near)) {
      if (found.has(id)) continue;
      const [h2, l2] = halves(h);
      const d = popcount((hi ^ h2) >>> 0) + popcount((lo ^ l2) >>> 0);
      if (d <= maxDistance) found.set(id, d);
    }
    if (found.size === 0) return [];
    const rows = this.q("SELECT id, asset_id, seconds, hash, low_detail FROM fingerprints WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id").all(JSON.stringify([...found.keys()])) as FingerprintRow[];
    return rows.map((row) => ({ row, distance: found.get(row.id)! }));
  }

  fingerprintById(id: number): FingerprintRow | undefined {
    return this.q("SELECT id, asset_id, seconds, hash, low_detail FROM fingerprints WHERE id = ?").get(id) as FingerprintRow | undefined;
  }

  /** Every matchable fingerprint of a GenAI asset, with its asset: a sweep compares against these in memory. */
  genaiFingerprints(): GenAIFingerprintRow[] {
    return this.q(
      `SELECT f.id, f.asset_id, f.seconds, f.hash, f.low_detail, a.sha256, a.origin, a.status
       FROM assets a JOIN fingerprints f ON f.asset_id = a.id
       WHERE a.origin IN ('genai', 'genai-edited') AND f.low_detail = 0 ORDER BY f.asset_id, f.seconds`,
    ).all() as GenAIFingerprintRow[];
  }

  fingerprintCount(): number {
    return (this.q("SELECT count(*) AS n FROM fingerprints").get() as { n: number }).n;
  }

  // ------------------------------------------------------------------ quarantine

  planQuarantine(
    r: Pick<QuarantineRow, "kind" | "original_path" | "original_raw" | "sha256" | "asset_id" | "dev" | "ino" | "reason" | "evidence" | "planned_at">,
    pathFor: (id: number) => string,
    event: EventInput,
  ): QuarantineRow {
    // The destination name holds the row's id, known once the row exists: a unique placeholder first.
    const info = this.q(
      `INSERT INTO quarantine (kind, original_path, original_raw, quarantine_path, sha256, asset_id, dev, ino, reason, evidence, state, planned_at)
       VALUES (@kind, @original_path, @original_raw, @quarantine_path, @sha256, @asset_id, @dev, @ino, @reason, @evidence, 'planned', @planned_at)`,
    ).run({ ...r, quarantine_path: `\0planning-${r.planned_at}-${Math.random()}` });
    const id = Number(info.lastInsertRowid);
    this.setQuarantinePath(id, pathFor(id));
    this.addEvent(event.kind, r.planned_at, { assetId: r.asset_id, path: r.original_path, detail: { quarantine_id: id, ...event.detail } });
    return this.quarantineById(id)!;
  }

  /** A file blocked while still being written: its final content, once it settled in quarantine. */
  /** The quarantined bytes were hashed: what they are, and how the gate judges them now. */
  settleQuarantine(id: number, f: { sha256: string | null; assetId: number | null; kind: QuarantineRow["kind"]; reason: string; evidence: string | null; at: string }): void {
    this.q("UPDATE quarantine SET sha256 = coalesce(?, sha256), asset_id = coalesce(?, asset_id), kind = ?, reason = ?, evidence = coalesce(?, evidence), verified_at = ? WHERE id = ?").run(
      f.sha256,
      f.assetId,
      f.kind,
      f.reason,
      f.evidence,
      f.at,
      id,
    );
  }

  /** Moved rows whose quarantined bytes are not verified yet. */
  unsettledQuarantine(): QuarantineRow[] {
    // A move whose receipt is not written yet (fault set) is retried by the watcher first.
    return this.q("SELECT * FROM quarantine WHERE state = 'moved' AND verified_at IS NULL AND fault IS NULL ORDER BY id").all() as QuarantineRow[];
  }

  /** Rows waiting for a fault to clear: stuck moves, and moved files whose receipt is not written yet. */
  faultedQuarantine(): QuarantineRow[] {
    return this.q("SELECT * FROM quarantine WHERE fault IS NOT NULL AND state IN ('stuck', 'moved') ORDER BY id").all() as QuarantineRow[];
  }

  /** The permission bits of a file made unreadable in place (null: restored). */
  setHeldMode(id: number, mode: number | null): void {
    this.q("UPDATE quarantine SET held_mode = ? WHERE id = ?").run(mode, id);
  }

  /** The destination name is only known once the row has its id. */
  setQuarantinePath(id: number, quarantinePath: string): void {
    this.q("UPDATE quarantine SET quarantine_path = ? WHERE id = ?").run(quarantinePath, id);
  }

  setQuarantineState(
    id: number,
    state: QuarantineRow["state"],
    fields: { error?: string | null; moved_at?: string | null; attempts?: number; heldMode?: number | null; left?: string; fault?: string | null; nextTryAt?: string | null } = {},
    event?: EventInput,
  ): QuarantineRow {
    if (fields.left !== undefined) this.markMissingAt(fields.left, fields.moved_at ?? new Date().toISOString());
    // A fault is kept until it is set again or the row leaves the states that retry (stuck, moved).
    this.q(
      `UPDATE quarantine SET state = @state, error = @error, moved_at = coalesce(@moved_at, moved_at), attempts = attempts + @attempts,
         fault = CASE WHEN @state NOT IN ('stuck', 'moved') THEN NULL WHEN @setFault THEN @fault ELSE fault END,
         next_try_at = CASE WHEN @state NOT IN ('stuck', 'moved') THEN NULL WHEN @setNext THEN @next ELSE next_try_at END
       WHERE id = @id`,
    ).run({
      id,
      state,
      error: fields.error ?? null,
      moved_at: fields.moved_at ?? null,
      attempts: fields.attempts ?? 0,
      setFault: fields.fault !== undefined ? 1 : 0,
      fault: fields.fault ?? null,
      setNext: fields.nextTryAt !== undefined ? 1 : 0,
      next: fields.nextTryAt ?? null,
    });
    if (fields.heldMode !== undefined) this.setHeldMode(id, fields.heldMode);
    const row = this.quarantineById(id)!;
    if (event) this.addEvent(event.kind, fields.moved_at ?? new Date().toISOString(), { assetId: row.asset_id, path: row.original_path, detail: { quarantine_id: id, ...event.detail } });
    return row;
  }

  markReleased(id: number, f: { to: string; by: string; note: string | null; forced: boolean; at: string }): void {
    this.q(
      `UPDATE quarantine SET state = 'released', released_at = ?, released_to = ?, released_by = ?, release_note = ?, release_forced = ? WHERE id = ?`,
    ).run(f.at, f.to, f.by, f.note, f.forced ? 1 : 0, id);
  }

  quarantineById(id: number): QuarantineRow | undefined {
    return this.q("SELECT * FROM quarantine WHERE id = ?").get(id) as QuarantineRow | undefined;
  }

  quarantineRows(states?: readonly QuarantineRow["state"][]): QuarantineRow[] {
    if (!states) return this.q("SELECT * FROM quarantine ORDER BY id").all() as QuarantineRow[];
    return this.q("SELECT * FROM quarantine WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id").all(JSON.stringify(states)) as QuarantineRow[];
  }

  /** A move of this file that is waiting to be retried. */
  stuckAt(p: string): QuarantineRow | undefined {
    return this.q("SELECT * FROM quarantine WHERE state = 'stuck' AND original_path = ? ORDER BY id DESC LIMIT 1").get(p) as QuarantineRow | undefined;
  }

  /** A release with --force lets this content stay at this path despite the gate. */
  forcedRelease(p: string, sha256: string): QuarantineRow | undefined {
    return this.q("SELECT * FROM quarantine WHERE state = 'released' AND release_forced = 1 AND released_to = ? AND sha256 = ? ORDER BY id DESC LIMIT 1").get(
      p,
      sha256,
    ) as QuarantineRow | undefined;
  }

  quarantineCounts(): Record<string, number> {
    const rows = this.q("SELECT kind || '/' || state AS k, count(*) AS n FROM quarantine GROUP BY k").all() as { k: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  }

  assetCount(): number {
    return (this.q("SELECT count(*) AS n FROM assets").get() as { n: number }).n;
  }

  // ------------------------------------------------------------------ C2PA validations

  latestC2pa(assetId: number): C2paValidation | undefined {
    return c2paFromRow(this.q("SELECT * FROM c2pa_validations WHERE asset_id = ? ORDER BY validated_at DESC, id DESC LIMIT 1").get(assetId));
  }

  c2paFor(assetId: number, binding: string, trustSha256: string): C2paValidation | undefined {
    return c2paFromRow(this.q("SELECT * FROM c2pa_validations WHERE asset_id = ? AND binding = ? AND trust_sha256 = ?").get(assetId, binding, trustSha256));
  }

  putC2pa(assetId: number, v: C2paValidation): void {
    this.q(
      `INSERT INTO c2pa_validations (asset_id, binding, validator, trust_sha256, outcome, state, detail, manifests, validated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id, binding, trust_sha256) DO UPDATE SET validator = excluded.validator, outcome = excluded.outcome,
         state = excluded.state, detail = excluded.detail, manifests = excluded.manifests, validated_at = excluded.validated_at`,
    ).run(assetId, v.binding, v.validator, v.trustSha256, v.outcome, v.state, v.detail, JSON.stringify(v.manifests), v.validatedAt);
  }

  // ------------------------------------------------------------------ watcher lock and status

  /** The lease row of one volume ('' : the watcher without --volume). */
  watcherRow(volume: string): WatcherRow | undefined {
    return this.q("SELECT * FROM watcher WHERE volume = ?").get(volume) as WatcherRow | undefined;
  }

  /** Every watcher's row (every volume), for `prov status`. */
  watcherRows(): WatcherRow[] {
    return this.q("SELECT * FROM watcher ORDER BY volume").all() as WatcherRow[];
  }

  /**
   * Claim a volume's watcher lease, in the caller's write transaction (BEGIN IMMEDIATE): the
   * check of the current holder and the claim are one step, so of two watchers started at
   * the same instant exactly one wins. `holds(row)` says whether the row's holder still has
   * the lease (a fresh heartbeat, and on this host a live pid). Refused: the holder's row.
   * The default volume ('') keeps id 1; a named volume's row gets the next id from 2.
   */
  claimWatcher(volume: string, c: { pid: number; host: string; token: string; now: string }, holds: (row: WatcherRow) => boolean): WatcherClaim {
    if (!this.db.inTransaction) throw new Error("claimWatcher must run in a write transaction");
    const previous = this.watcherRow(volume);
    if (previous && !previous.stopped_at && holds(previous)) return { claimed: false, holder: previous };
    this.q(
      `INSERT INTO watcher (id, volume, pid, host, started_at, heartbeat_at, stopped_at, ready, state, token)
       VALUES (CASE WHEN @volume = '' THEN 1 ELSE (SELECT max(2, coalesce(max(id), 0) + 1) FROM watcher) END, @volume, @pid, @host, @now, @now, NULL, 0, '{}', @token)
       ON CONFLICT (volume) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, ready = 0, state = '{}', token = excluded.token`,
    ).run({ volume, pid: c.pid, host: c.host, now: c.now, token: c.token });
    return { claimed: true, previous };
  }

  /** The lease holder's heartbeat: only the row that carries our token. False: the lease is lost. */
  heartbeat(volume: string, token: string, now: string, ready: boolean, state: Record<string, unknown>): boolean {
    return this.q("UPDATE watcher SET heartbeat_at = ?, ready = ?, state = ? WHERE volume = ? AND token = ? AND stopped_at IS NULL").run(now, ready ? 1 : 0, JSON.stringify(state), volume, token).changes === 1;
  }

  /** Prove the lease again (after a pause): the heartbeat's time only. False: the lease is lost. */
  renewWatcher(volume: string, token: string, now: string): boolean {
    return this.q("UPDATE watcher SET heartbeat_at = ? WHERE volume = ? AND token = ? AND stopped_at IS NULL").run(now, volume, token).changes === 1;
  }

  /** Give the lease up (graceful stop); a lease already lost is left to its new holder. */
  releaseWatcher(volume: string, token: string, now: string): boolean {
    return this.q("UPDATE watcher SET stopped_at = ?, ready = 0 WHERE volume = ? AND token = ? AND stopped_at IS NULL").run(now, volume, token).changes === 1;
  }

  /** Decisions made since `afterId` (by other processes too), for the watcher to re-judge deliverables. */
  decisionEventsAfter(afterId: number): { id: number; asset_id: number | null }[] {
    return this.q(
      `SELECT id, asset_id FROM events WHERE id > ? AND kind IN (${DECISION_KINDS_SQL}) ORDER BY id LIMIT 10000`,
    ).all(afterId) as { id: number; asset_id: number | null }[];
  }

  lastEventId(): number {
    return (this.q("SELECT coalesce(max(id), 0) AS n FROM events").get() as { n: number }).n;
  }
}

/** Ids of the assets present under a folder; takes pathRange(dir) as its two parameters. */
const ASSETS_UNDER = "SELECT asset_id FROM locations WHERE state = 'present' AND path >= ? AND path < ? AND asset_id IS NOT NULL";

/** Paths under `dir` as a range of the path index: "dir/" up to (not including) "dir0" ("0" follows "/"). */
function pathRange(dir: string): [string, string] {
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  return [prefix, prefix.slice(0, -1) + "0"];
}

interface C2paValidationRow {
  binding: string;
  validator: string;
  trust_sha256: string;
  outcome: C2paValidation["outcome"];
  state: C2paValidation["state"];
  detail: string | null;
  manifests: string;
  validated_at: string;
}

function c2paFromRow(row: unknown): C2paValidation | undefined {
  if (!row) return undefined;
  const r = row as C2paValidationRow;
  return {
    outcome: r.outcome,
    state: r.state,
    detail: r.detail,
    validator: r.validator,
    binding: r.binding,
    trustSha256: r.trust_sha256,
    manifests: JSON.parse(r.manifests) as C2paValidation["manifests"],
    validatedAt: r.validated_at,
  };
}
