// The provenance store: the only module that holds SQL. Synchronous (better-sqlite3), so
// callers gather everything async first (hashes, metadata) and then write in one short
// transaction; nothing is ever awaited inside a transaction.

import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { Evidence, Origin, Signal, Status } from "../src/detect/types.js";
import { DatabaseError, errnoCode, errorMessage } from "../src/errors.js";
import { fsTypeOf, isNetworkFsType } from "../src/fsinfo.js";

// dist/db/store.js and db/store.ts both sit one level below the repository root.
const here = path.dirname(fileURLToPath(import.meta.url));
const MIGRATIONS_DIR = [path.resolve(here, "migrations"), path.resolve(here, "../../db/migrations")].find((d) =>
  existsSync(d),
);

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  if (!dir) throw new DatabaseError("database migrations folder (db/migrations) is missing from this installation");
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{4})_([\w-]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2] ?? file, sql: readFileSync(path.join(dir, file), "utf8") });
  }
  out.forEach((mig, i) => {
    if (mig.version !== i + 1) throw new DatabaseError(`database migrations must be numbered 0001, 0002, ... without gaps; found ${mig.version} at position ${i + 1}`);
  });
  return out;
}

export interface AssetRow {
  id: number;
  sha256: string;
  size: number;
  media_hash: string | null;
  file_type: string | null;
  mime_type: string | null;
  origin: Origin;
  status: Status | null;
  metadata_error: string | null;
  warnings: string;
  exiftool_version: string | null;
  first_seen: string;
  updated_at: string;
}

export interface LocationRow {
  id: number;
  path: string;
  asset_id: number | null;
  dev: string | null;
  ino: string | null;
  size: number | null;
  mtime_ns: string | null;
  ctime_ns: string | null;
  state: "present" | "missing" | "error";
  error: string | null;
  first_seen: string;
  last_seen: string;
}

export interface EvidenceRow {
  id: number;
  asset_id: number;
  source: Evidence["source"];
  field: string;
  value: string;
  signal: Signal;
  detail: string | null;
  recorded_at: string;
}

export interface ApprovalRow {
  id: number;
  asset_id: number;
  action: "approve" | "revoke";
  by: string;
  ref: string | null;
  scope: string | null;
  note: string | null;
  doc_path: string | null;
  doc_sha256: string | null;
  at: string;
}

export interface EventRow {
  id: number;
  at: string;
  kind: string;
  asset_id: number | null;
  location_id: number | null;
  path: string | null;
  detail: string | null;
  sha256?: string | null;
}

export interface StatKey {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
}

export interface AssetInput {
  sha256: string;
  size: number;
  mediaHash: string | null;
  fileType: string | null;
  mimeType: string | null;
  metadataError: string | null;
  warnings: string[];
  exiftoolVersion: string | null;
}

export interface OpenOptions {
  /** Create the file and apply migrations; otherwise a missing database is an error. */
  create?: boolean;
  readonly?: boolean;
  /** For tests of the network-filesystem refusal: the text of /proc/mounts. */
  mountsText?: string;
}

export class Store {
  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
  ) {}

  static open(file: string, opts: OpenOptions = {}): Store {
    const abs = path.resolve(file);
    const fsType = fsTypeOf(path.dirname(abs), opts.mountsText);
    if (fsType && isNetworkFsType(fsType)) {
      throw new DatabaseError(
        `refusing database ${abs}: it is on a network filesystem (${fsType}). SQLite's WAL mode needs shared memory and ` +
          `POSIX locks that network filesystems do not provide, so the database could be corrupted. Keep it on a local disk ` +
          `(--db or PROV_DB) and back it up to the share.`,
      );
    }
    if (!existsSync(abs)) {
      if (!opts.create || opts.readonly) throw new DatabaseError(`no database at ${abs}: run \`prov init\` or \`prov scan\` first, or pass --db PATH`);
      mkdirSync(path.dirname(abs), { recursive: true });
    }
    let db: Database.Database;
    try {
      db = new Database(abs, { readonly: opts.readonly ?? false, fileMustExist: !opts.create });
      db.pragma("busy_timeout = 10000");
      if (!opts.readonly) {
        db.pragma("journal_mode = WAL");
        db.pragma("foreign_keys = ON");
      }
      // NORMAL is durable except on power loss; decisions switch to FULL (see decision()).
      db.pragma("synchronous = NORMAL");
    } catch (err) {
      throw new DatabaseError(`cannot open database ${abs}: ${errorMessage(err)}`, { cause: err });
    }
    const store = new Store(abs, db);
    try {
      store.migrate(loadMigrations(), opts.readonly ?? false);
    } catch (err) {
      db.close();
      throw err;
    }
    return store;
  }

  private migrate(migrations: Migration[], readonly: boolean): void {
    const current = this.schemaVersion();
    const latest = migrations.length;
    if (current > latest) {
      throw new DatabaseError(
        `database ${this.file} has schema version ${current}, newer than this prov understands (${latest}); ` +
          `it was written by a newer prov. Upgrade prov; the database was not changed.`,
      );
    }
    if (current === latest) return;
    if (readonly) throw new DatabaseError(`database ${this.file} needs migrating (version ${current} → ${latest}); run any writing command first`);
    const pending = migrations.slice(current);
    this.write(() => {
      for (const m of pending) this.db.exec(m.sql);
      this.db.pragma(`user_version = ${latest}`);
    });
  }

  schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A write transaction, BEGIN IMMEDIATE so it never fails half-way with SQLITE_BUSY. */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (err) {
      if (errnoCode(err)?.startsWith("SQLITE_")) throw new DatabaseError(`database ${this.file}: ${errorMessage(err)}`, { cause: err });
      throw err;
    }
  }

  /** A write that records a decision (approval, quarantine): fsync'd before it returns. */
  decision<T>(fn: () => T): T {
    this.db.pragma("synchronous = FULL");
    try {
      return this.write(fn);
    } finally {
      this.db.pragma("synchronous = NORMAL");
    }
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

  counts(): Record<string, number> {
    const rows = this.q("SELECT origin || coalesce('/' || status, '') AS k, count(*) AS n FROM assets GROUP BY k").all() as { k: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  }

  // ------------------------------------------------------------------ evidence

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
  ): { id: number; previous: LocationRow | undefined } {
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

  // ------------------------------------------------------------------ approvals

  approvalsOf(assetId: number): ApprovalRow[] {
    return this.q("SELECT * FROM approvals WHERE asset_id = ? ORDER BY id").all(assetId) as ApprovalRow[];
  }

  lastApproval(assetId: number): ApprovalRow | undefined {
    return this.q("SELECT * FROM approvals WHERE asset_id = ? ORDER BY id DESC LIMIT 1").get(assetId) as ApprovalRow | undefined;
  }

  addApproval(a: Omit<ApprovalRow, "id">): number {
    const info = this.q(
      `INSERT INTO approvals (asset_id, action, by, ref, scope, note, doc_path, doc_sha256, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(a.asset_id, a.action, a.by, a.ref, a.scope, a.note, a.doc_path, a.doc_sha256, a.at);
    return Number(info.lastInsertRowid);
  }

  // ------------------------------------------------------------------ events (append-only)

  addEvent(
    kind: string,
    at: string,
    refs: { assetId?: number | null; locationId?: number | null; path?: string | null; detail?: Record<string, unknown> },
  ): number {
    const info = this.q(`INSERT INTO events (at, kind, asset_id, location_id, path, detail) VALUES (?, ?, ?, ?, ?, ?)`).run(
      at,
      kind,
      refs.assetId ?? null,
      refs.locationId ?? null,
      refs.path ?? null,
      refs.detail ? JSON.stringify(refs.detail) : null,
    );
    return Number(info.lastInsertRowid);
  }

  events(filter: { assetId?: number | undefined; path?: string | undefined; limit?: number | undefined }): EventRow[] {
    return this.q(
      `SELECT e.*, a.sha256 FROM events e LEFT JOIN assets a ON a.id = e.asset_id
       WHERE (@assetId IS NULL OR e.asset_id = @assetId) AND (@path IS NULL OR e.path = @path)
       ORDER BY e.id DESC LIMIT @limit`,
    ).all({ assetId: filter.assetId ?? null, path: filter.path ?? null, limit: filter.limit ?? -1 }) as EventRow[];
  }
}
