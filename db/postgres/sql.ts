// The SQL of the PostgreSQL store: the only module besides store.ts that knows node-postgres.
// One PgSql wraps one connection (a pool for reads outside a transaction, a checked-out
// client inside one); every method mirrors db/sqlite/sql.ts's SqliteDb with the same
// semantics, in PostgreSQL's dialect. Queries are written with `?` placeholders, as on
// SQLite, and numbered ($1, $2, ...) once when first used.

import type { QueryResultRow } from "pg";
import { DECISION_EVENT_KINDS, type Evidence, type Origin, type Status } from "../../src/domain/types.js";
import type { C2paValidation } from "../../src/domain/c2pa-validation.js";
import type {
  ApprovalRow,
  AssetFactsRow,
  AssetInput,
  AssetRecord,
  AssetRow,
  EventInput,
  EventFilter,
  EventRow,
  EvidenceRow,
  FingerprintedRow,
  FingerprintInput,
  FingerprintRow,
  GenAIEvidenceRow,
  GenAIFingerprintRow,
  LocationRow,
  PathFacts,
  QuarantineRow,
  SequenceEvidenceRow,
  SequenceRow,
  StatKey,
  WatcherClaim,
  WatcherRow,
} from "../../src/ports.js";
import { chunks16, neighbours16 } from "../../src/domain/phash.js";
import { halves, popcount } from "../../src/domain/likeness.js";
import { CHAIN_COLUMNS, nextLink, type ChainHead, type ChainRow, type ChainTable, type ChainValue, type Genesis } from "../../src/domain/chain.js";

/** A pool or a client: anything that runs a query. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** The decision kinds as an SQL list (src/domain/types.ts keeps them). */
const DECISION_KINDS_SQL = DECISION_EVENT_KINDS.map((k) => `'${k}'`).join(", ");
const numbered = new Map<string, string>();
/** `?` placeholders (as the SQLite adapter writes them) numbered for PostgreSQL. */
function sql(text: string): string {
  let out = numbered.get(text);
  if (out === undefined) {
    let n = 0;
    out = text.replace(/\?/g, () => `$${++n}`);
    numbered.set(text, out);
  }
  return out;
}

/** Paths under `dir` as a range of the path index ("C" collation: byte order, as on SQLite). */
function pathRange(dir: string): [string, string] {
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  return [prefix, prefix.slice(0, -1) + "0"];
}

const ASSETS_UNDER = "SELECT asset_id FROM locations WHERE state = 'present' AND path >= ? AND path < ? AND asset_id IS NOT NULL";

const STAT_CACHE_SELECT = `SELECT l.path, l.dev || ' ' || l.ino || ' ' || l.size || ' ' || l.mtime_ns || ' ' || l.ctime_ns
                 || chr(31) || l.id || chr(31) || a.id || chr(31) || a.sha256 || chr(31) || a.size
                 || chr(31) || a.origin || chr(31) || coalesce(a.status, '') || chr(31) || a.first_seen
                 || chr(31) || coalesce(a.media_hash, '') || chr(31) || coalesce(a.metadata_error, '') AS packed
       FROM locations l JOIN assets a ON a.id = l.asset_id
       WHERE l.state = 'present' AND l.path >= ? AND l.path < ?
         AND l.dev IS NOT NULL AND l.ino IS NOT NULL AND l.size IS NOT NULL AND l.mtime_ns IS NOT NULL AND l.ctime_ns IS NOT NULL`;

const quote = (c: string): string => `"${c.replace(/"/g, '""')}"`;

export class PgSql {
  /** The chain's head while this connection holds the write lock (one transaction). */
  private chainHead: ChainHead | null = null;

  constructor(
    private readonly db: Queryable,
    /** True for a client inside a write transaction (holding the write lock). */
    readonly inTransaction: boolean,
    /** One client (a transaction, a snapshot): one query at a time; a pool runs them side by side. */
    private readonly serial: boolean = inTransaction,
  ) {}

  /** Independent reads: side by side on a pool, one after another on one client (node-postgres queues no more). */
  private async each<T extends readonly unknown[]>(...thunks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
    if (!this.serial) return (await Promise.all(thunks.map((t) => t()))) as unknown as T;
    const out: unknown[] = [];
    for (const t of thunks) out.push(await t());
    return out as unknown as T;
  }

  private async all<R>(text: string, ...params: unknown[]): Promise<R[]> {
    return (await this.db.query(sql(text), params)).rows as R[];
  }

  private async get<R>(text: string, ...params: unknown[]): Promise<R | undefined> {
    return (await this.db.query(sql(text), params)).rows[0] as R | undefined;
  }

  private async run(text: string, ...params: unknown[]): Promise<number> {
    return (await this.db.query(sql(text), params)).rowCount ?? 0;
  }

  // ------------------------------------------------------------------ identity

  async identity(): Promise<{ id: string; createdAt: string } | undefined> {
    const row = await this.get<{ id: string; created_at: string }>("SELECT id, created_at FROM store_identity LIMIT 1");
    return row ? { id: row.id, createdAt: row.created_at } : undefined;
  }

  // ------------------------------------------------------------------ assets

  assetById(id: number): Promise<AssetRow | undefined> {
    return this.get("SELECT * FROM assets WHERE id = ?", id);
  }

  assetBySha(sha256: string): Promise<AssetRow | undefined> {
    return this.get("SELECT * FROM assets WHERE sha256 = ?", sha256);
  }

  assetsByShaPrefix(prefix: string): Promise<AssetRow[]> {
    return this.all("SELECT * FROM assets WHERE sha256 >= ? AND sha256 < ? ORDER BY sha256 LIMIT 10", prefix, prefix + "g");
  }

  assetsByMediaHash(mediaHash: string): Promise<AssetRow[]> {
    return this.all("SELECT * FROM assets WHERE media_hash = ? ORDER BY id", mediaHash);
  }

  listAssets(filter: { origin?: Origin | undefined; status?: Status | undefined }): Promise<AssetRow[]> {
    return this.all(
      "SELECT * FROM assets WHERE (?::text IS NULL OR origin = ?) AND (?::text IS NULL OR status = ?) ORDER BY first_seen, id",
      filter.origin ?? null,
      filter.origin ?? null,
      filter.status ?? null,
      filter.status ?? null,
    );
  }

  async upsertAsset(a: AssetInput, now: string): Promise<{ id: number; created: boolean }> {
    const existing = await this.assetBySha(a.sha256);
    if (existing) {
      await this.run(
        `UPDATE assets SET media_hash = coalesce(?, media_hash), file_type = coalesce(?, file_type), mime_type = coalesce(?, mime_type),
           metadata_error = ?, warnings = ?, exiftool_version = coalesce(?, exiftool_version), updated_at = ? WHERE id = ?`,
        a.mediaHash, a.fileType, a.mimeType, a.metadataError, JSON.stringify(a.warnings), a.exiftoolVersion, now, existing.id,
      );
      return { id: existing.id, created: false };
    }
    const row = await this.get<{ id: number }>(
      `INSERT INTO assets (sha256, size, media_hash, file_type, mime_type, origin, status, metadata_error, warnings, exiftool_version, first_seen, updated_at)
       VALUES (?, ?, ?, ?, ?, 'unknown', NULL, ?, ?, ?, ?, ?) RETURNING id`,
      a.sha256, a.size, a.mediaHash, a.fileType, a.mimeType, a.metadataError, JSON.stringify(a.warnings), a.exiftoolVersion, now, now,
    );
    return { id: row!.id, created: true };
  }

  async setClassification(assetId: number, origin: Origin, status: Status | null, now: string): Promise<boolean> {
    const n = await this.run(
      "UPDATE assets SET origin = ?, status = ?, updated_at = ? WHERE id = ? AND (origin IS DISTINCT FROM ? OR status IS DISTINCT FROM ?)",
      origin, status, now, assetId, origin, status,
    );
    return n > 0;
  }

  async assetsByShas(shas: readonly string[]): Promise<Map<string, AssetRow>> {
    const out = new Map<string, AssetRow>();
    if (shas.length === 0) return out;
    for (const r of await this.all<AssetRow>("SELECT * FROM assets WHERE sha256 = ANY(?::text[])", [...shas])) out.set(r.sha256, r);
    return out;
  }

  async assetFacts(id: number, at: string | null = null): Promise<AssetFactsRow | undefined> {
    const asset = await this.assetById(id);
    if (!asset) return undefined;
    // Independent reads at once: on the pool they run side by side (a round trip each on a
    // server, not a function call as on SQLite); a transaction's client queues them.
    const [sequenceIds, evidence, twins, approvals, siblings, printState, prints, forced] = await this.each<
      [number[], EvidenceRow[], GenAIEvidenceRow[], ApprovalRow[], Array<{ id: number; origin: Origin }>, FingerprintedRow | undefined, FingerprintRow[], QuarantineRow | undefined]
    >(
      () =>
        this.all<{ id: number }>(
          `SELECT DISTINCT sf.sequence_id AS id FROM locations l JOIN sequence_frames sf ON sf.location_id = l.id WHERE (l.asset_id = ? OR l.path = ?) AND l.state = 'present' ORDER BY 1`,
          id,
          at,
        ).then((rows) => rows.map((r) => r.id)),
      () => this.evidenceOf(id),
      () => (asset.media_hash ? this.genaiEvidenceByMediaHash(asset.media_hash, id, 50) : Promise.resolve([])),
      () => this.approvalsOf(id),
      () =>
        asset.media_hash
          ? this.all<{ id: number; origin: Origin }>("SELECT id, origin FROM assets WHERE media_hash = ? AND id <> ? AND origin <> 'genai' ORDER BY id LIMIT 1000", asset.media_hash, id)
          : Promise.resolve([]),
      () => this.fingerprintState(id),
      () => this.fingerprintsOf(id),
      () => (at !== null ? this.forcedRelease(at, asset.sha256) : Promise.resolve(undefined)),
    );
    return {
      asset,
      evidence,
      twins,
      shot: sequenceIds.length > 0 ? await this.genaiEvidenceBySequence(id, 20, at) : [],
      approvals,
      siblings,
      sequenceIds,
      printState,
      prints,
      at,
      forcedRelease: forced !== undefined,
    };
  }

  async lookAt(p: string, dev: string, ino: string): Promise<PathFacts> {
    const withAsset = async (l: LocationRow): Promise<LocationRow & { asset: AssetRow | undefined }> => ({ ...l, asset: l.asset_id !== null ? await this.assetById(l.asset_id) : undefined });
    const here = await this.locationByPath(p);
    const same = (await this.locationsByInode(dev, ino)).filter((l) => l.path !== p);
    const sameInode: Array<LocationRow & { asset: AssetRow | undefined }> = [];
    for (const l of same) sameInode.push(await withAsset(l));
    return {
      here: here ? await withAsset(here) : undefined,
      sameInode,
      stuck: await this.stuckAt(p),
    };
  }

  async recordAsset(r: AssetRecord, now: string): Promise<{ id: number; created: boolean }> {
    const result = await this.upsertAsset(r.asset, now);
    if (r.metadataEvidence) await this.replaceMetadataEvidence(result.id, r.metadataEvidence, now);
    for (const e of r.folderEvidence ?? []) await this.addEvidence(result.id, e, now);
    if (r.fingerprints) await this.putFingerprints(result.id, r.fingerprints.info, r.fingerprints.frames);
    return result;
  }

  async assetCount(): Promise<number> {
    return (await this.get<{ n: number }>("SELECT count(*) AS n FROM assets"))!.n;
  }

  // ------------------------------------------------------------------ evidence

  genaiEvidenceByMediaHash(mediaHash: string, excludeAssetId: number | null, limit: number): Promise<GenAIEvidenceRow[]> {
    return this.all(
      `SELECT e.*, a.sha256 FROM evidence e JOIN assets a ON a.id = e.asset_id
       WHERE a.media_hash = ? AND a.id IS DISTINCT FROM ?::bigint AND e.signal IN ('genai', 'genai-edited') ORDER BY e.id LIMIT ?`,
      mediaHash, excludeAssetId, limit,
    );
  }

  evidenceOf(assetId: number): Promise<EvidenceRow[]> {
    return this.all("SELECT * FROM evidence WHERE asset_id = ? ORDER BY id", assetId);
  }

  async replaceMetadataEvidence(assetId: number, evidence: readonly Evidence[], now: string): Promise<void> {
    await this.run("DELETE FROM evidence WHERE asset_id = ? AND source IN ('c2pa', 'iptc', 'generator', 'exiftool')", assetId);
    for (const e of evidence) await this.addEvidence(assetId, e, now);
  }

  async addEvidence(assetId: number, e: Evidence, now: string): Promise<boolean> {
    const n = await this.run(
      `INSERT INTO evidence (asset_id, source, field, value, signal, detail, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      assetId, e.source, e.field, e.value, e.signal, e.detail ? JSON.stringify(e.detail) : null, now,
    );
    return n > 0;
  }

  evidenceUnder(dir: string): Promise<EvidenceRow[]> {
    return this.all(`SELECT * FROM evidence WHERE asset_id IN (${ASSETS_UNDER}) ORDER BY id`, ...pathRange(dir));
  }

  async genaiMediaHashes(): Promise<Set<string>> {
    const rows = await this.all<{ h: string }>(
      `SELECT DISTINCT a.media_hash AS h FROM assets a JOIN evidence e ON e.asset_id = a.id
       WHERE a.media_hash IS NOT NULL AND e.signal IN ('genai', 'genai-edited')`,
    );
    return new Set(rows.map((r) => r.h));
  }

  // ------------------------------------------------------------------ locations

  locationByPath(p: string): Promise<LocationRow | undefined> {
    return this.get("SELECT * FROM locations WHERE path = ?", p);
  }

  locationsOf(assetId: number): Promise<LocationRow[]> {
    return this.all("SELECT * FROM locations WHERE asset_id = ? ORDER BY last_seen DESC, id", assetId);
  }

  async upsertLocation(
    p: string,
    assetId: number | null,
    stat: StatKey | null,
    state: LocationRow["state"],
    error: string | null,
    now: string,
    event?: (previous: LocationRow | undefined, previousSha256: string | null) => EventInput | null,
  ): Promise<{ id: number; previous: LocationRow | undefined }> {
    const r = await this.putLocation(p, assetId, stat, state, error, now);
    const prevSha = r.previous?.asset_id != null && r.previous.asset_id !== assetId ? ((await this.assetById(r.previous.asset_id))?.sha256 ?? null) : null;
    const e = event?.(r.previous, prevSha);
    if (e) await this.addEvent(e.kind, now, { assetId: assetId ?? r.previous?.asset_id ?? null, locationId: r.id, path: p, ...(e.detail ? { detail: e.detail } : {}) });
    return r;
  }

  private async putLocation(p: string, assetId: number | null, stat: StatKey | null, state: LocationRow["state"], error: string | null, now: string): Promise<{ id: number; previous: LocationRow | undefined }> {
    const previous = await this.locationByPath(p);
    const s = stat ?? { dev: null, ino: null, size: null, mtimeNs: null, ctimeNs: null };
    if (previous) {
      await this.run(
        `UPDATE locations SET asset_id = coalesce(?, asset_id), dev = ?, ino = ?, size = ?, mtime_ns = ?, ctime_ns = ?, state = ?, error = ?, last_seen = ? WHERE id = ?`,
        assetId, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, state, error, now, previous.id,
      );
      return { id: previous.id, previous };
    }
    const row = await this.get<{ id: number }>(
      `INSERT INTO locations (path, asset_id, dev, ino, size, mtime_ns, ctime_ns, state, error, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      p, assetId, s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs, state, error, now, now,
    );
    return { id: row!.id, previous: undefined };
  }

  async touchLocations(ids: readonly number[], now: string): Promise<void> {
    if (ids.length === 0) return;
    await this.run("UPDATE locations SET last_seen = ?, state = 'present', error = NULL WHERE id = ANY(?::bigint[])", now, [...ids]);
  }

  locationsByInode(dev: string, ino: string): Promise<LocationRow[]> {
    return this.all("SELECT * FROM locations WHERE dev = ? AND ino = ? ORDER BY last_seen DESC, id", dev, ino);
  }

  presentLocationsUnder(dir: string): Promise<LocationRow[]> {
    return this.all("SELECT * FROM locations WHERE state = 'present' AND path >= ? AND path < ?", ...pathRange(dir));
  }

  async presentPathsUnder(dir: string, after: string | null, limit: number): Promise<string[]> {
    const [from, to] = pathRange(dir);
    const rows = await this.all<{ path: string }>(
      "SELECT path FROM locations WHERE path >= ? AND path < ? AND path > ? AND state = 'present' ORDER BY path LIMIT ?",
      from, to, after ?? "", limit,
    );
    return rows.map((r) => r.path);
  }

  async countPresentUnder(dir: string): Promise<number> {
    return (await this.get<{ n: number }>("SELECT count(*) AS n FROM locations WHERE state = 'present' AND path >= ? AND path < ?", ...pathRange(dir)))!.n;
  }

  async statCacheIn(dir: string): Promise<Map<string, string>> {
    const [from, to] = pathRange(dir);
    const rows = await this.all<{ path: string; packed: string }>(`${STAT_CACHE_SELECT} AND strpos(substr(l.path, ?), '/') = 0`, from, to, from.length + 1);
    return new Map(rows.map((r) => [r.path, r.packed]));
  }

  async statCacheUnder(dir: string): Promise<Map<string, string>> {
    const rows = await this.all<{ path: string; packed: string }>(STAT_CACHE_SELECT, ...pathRange(dir));
    return new Map(rows.map((r) => [r.path, r.packed]));
  }

  async markMissingAt(p: string, now: string): Promise<void> {
    await this.run("UPDATE locations SET state = 'missing', last_seen = ? WHERE path = ? AND state <> 'missing'", now, p);
  }

  async markMissing(id: number, now: string): Promise<void> {
    await this.run("UPDATE locations SET state = 'missing', last_seen = ? WHERE id = ? AND state <> 'missing'", now, id);
  }

  async relocate(id: number, newPath: string, stat: StatKey, now: string): Promise<void> {
    await this.run(
      "UPDATE locations SET path = ?, dev = ?, ino = ?, size = ?, mtime_ns = ?, ctime_ns = ?, state = 'present', error = NULL, last_seen = ? WHERE id = ?",
      newPath, stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs, now, id,
    );
  }

  presentLocationsNamed(name: string): Promise<LocationRow[]> {
    return this.all("SELECT * FROM locations WHERE state = 'present' AND asset_id IS NOT NULL AND right(path, length(?) + 1) = '/' || ? ORDER BY last_seen DESC, id LIMIT 20", name, name);
  }

  // ------------------------------------------------------------------ approvals

  approvalsOf(assetId: number): Promise<ApprovalRow[]> {
    return this.all("SELECT * FROM approvals WHERE asset_id = ? ORDER BY id", assetId);
  }

  lastApproval(assetId: number): Promise<ApprovalRow | undefined> {
    return this.get("SELECT * FROM approvals WHERE asset_id = ? ORDER BY id DESC LIMIT 1", assetId);
  }

  approvalsUnder(dir: string): Promise<ApprovalRow[]> {
    return this.all(`SELECT * FROM approvals WHERE asset_id IN (${ASSETS_UNDER}) ORDER BY id`, ...pathRange(dir));
  }

  addApproval(a: Omit<ApprovalRow, "id">): Promise<number> {
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

  // ------------------------------------------------------------------ events and the history chain

  addEvent(kind: string, at: string, refs: { assetId?: number | null; locationId?: number | null; path?: string | null; detail?: Record<string, unknown> }): Promise<number> {
    return this.insertChained("events", {
      at,
      kind,
      asset_id: refs.assetId ?? null,
      location_id: refs.locationId ?? null,
      path: refs.path ?? null,
      detail: refs.detail ? JSON.stringify(refs.detail) : null,
    });
  }

  /**
   * Insert an event or approval with its link to the row before it. Only inside a write
   * transaction: the store's write lock (an advisory lock taken before BEGIN) keeps any
   * other writer from adding a row between the head read here and this insert.
   */
  private async insertChained(table: ChainTable, values: Record<string, ChainValue>): Promise<number> {
    if (!this.inTransaction) throw new Error(`insertChained(${table}) must run in a write transaction`);
    const cols = Object.keys(values);
    const head = this.chainHead ?? (await this.readChainHead());
    const link = nextLink(head, table, values);
    const params = [...cols.map((c) => values[c] ?? null), link.seq, link.prev, link.hash, link.fields];
    const row = await this.get<{ id: number }>(
      `INSERT INTO ${table} (${[...cols, ...CHAIN_COLUMNS].map(quote).join(", ")}) VALUES (${params.map(() => "?").join(", ")}) RETURNING id`,
      ...params,
    );
    this.chainHead = { seq: link.seq, hash: link.hash };
    return row!.id;
  }

  async readChainHead(): Promise<ChainHead> {
    const row = await this.get<{ seq: number; hash: string | null }>(
      `SELECT seq, hash FROM (
         (SELECT chain_seq AS seq, chain_hash AS hash FROM events WHERE chain_seq IS NOT NULL ORDER BY id DESC LIMIT 1)
         UNION ALL
         (SELECT chain_seq AS seq, chain_hash AS hash FROM approvals WHERE chain_seq IS NOT NULL ORDER BY id DESC LIMIT 1)
       ) h ORDER BY seq DESC LIMIT 1`,
    );
    if (row && row.hash !== null) return { seq: row.seq, hash: row.hash };
    return { seq: 0, hash: (await this.historyGenesis())?.hash ?? "0".repeat(64) };
  }

  async historyGenesis(): Promise<Genesis | undefined> {
    const g = await this.get<{ started_at: string; rows_before: number; hash: string }>("SELECT started_at, rows_before, hash FROM history_genesis WHERE id = 1");
    if (!g) return undefined;
    const store = await this.get<{ id: string }>("SELECT id FROM store_identity LIMIT 1");
    return { storeId: store?.id ?? "", startedAt: g.started_at, rowsBefore: g.rows_before, hash: g.hash };
  }

  /**
   * Every event and approval in chain order (rows outside the chain first), read a page at
   * a time inside one REPEATABLE READ transaction (one snapshot, flat memory); the caller
   * gives a client and runs BEGIN/COMMIT around it.
   */
  async walkHistory(visit: (row: ChainRow) => void): Promise<void> {
    const colRows = await this.all<{ table_name: ChainTable; column_name: string; data_type: string }>(
      "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name IN ('approvals', 'events') ORDER BY ordinal_position",
    );
    const cols: Record<ChainTable, string[]> = { approvals: [], events: [] };
    const numeric = new Set<string>();
    for (const r of colRows) {
      cols[r.table_name].push(r.column_name);
      if (["bigint", "integer", "smallint", "double precision", "real"].includes(r.data_type)) numeric.add(`${r.table_name}.${r.column_name}`);
    }
    const content = [...new Set([...cols.approvals, ...cols.events])].filter((c) => c !== "id" && !(CHAIN_COLUMNS as readonly string[]).includes(c)).sort();
    // Every column read as text (one shape for the union), given its type back below.
    const select = (table: ChainTable): string =>
      `SELECT '${table}'::text AS chain_table, id, chain_seq, chain_prev, chain_hash, chain_fields, ` +
      content.map((c, i) => `${cols[table].includes(c) ? `${quote(c)}::text` : "NULL::text"} AS c${i}`).join(", ") +
      ` FROM ${table}`;
    const PAGE = 5000;
    let after: [number, string, number] = [-2, "", 0];
    for (;;) {
      const rows = await this.all<Record<string, string | number | null>>(
        `SELECT * FROM (${select("approvals")} UNION ALL ${select("events")}) h
         WHERE (coalesce(chain_seq, -1), chain_table, id) > (?::bigint, ?::text, ?::bigint)
         ORDER BY coalesce(chain_seq, -1), chain_table, id LIMIT ${PAGE}`,
        ...after,
      );
      for (const raw of rows) {
        const table = raw["chain_table"] as ChainTable;
        const values: Record<string, ChainValue> = {};
        content.forEach((c, i) => {
          if (!cols[table].includes(c)) return;
          const v = raw[`c${i}`] ?? null;
          values[c] = v !== null && numeric.has(`${table}.${c}`) ? Number(v) : v;
        });
        visit({
          table,
          id: raw["id"] as number,
          seq: (raw["chain_seq"] as number | null) ?? null,
          prev: (raw["chain_prev"] as string | null) ?? null,
          hash: (raw["chain_hash"] as string | null) ?? null,
          fields: (raw["chain_fields"] as string | null) ?? null,
          content: values,
        });
      }
      if (rows.length < PAGE) return;
      const last = rows.at(-1)!;
      after = [(last["chain_seq"] as number | null) ?? -1, last["chain_table"] as string, last["id"] as number];
    }
  }

  events(filter: EventFilter): Promise<EventRow[]> {
    // Only the conditions given, so each is an index lookup (a generic plan of "? IS NULL OR" is a scan).
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.assetId !== undefined) where.push("e.asset_id = ?"), params.push(filter.assetId);
    if (filter.path !== undefined) where.push("e.path = ?"), params.push(filter.path);
    if (filter.kind !== undefined) where.push("e.kind = ?"), params.push(filter.kind);
    if (filter.beforeId !== undefined) where.push("e.id < ?"), params.push(filter.beforeId);
    return this.all(
      `SELECT e.*, a.sha256 FROM events e LEFT JOIN assets a ON a.id = e.asset_id
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY e.id DESC LIMIT ?`,
      ...params, filter.limit ?? null,
    );
  }

  decisionEventsAfter(afterId: number): Promise<{ id: number; asset_id: number | null }[]> {
    return this.all(`SELECT id, asset_id FROM events WHERE id > ? AND kind IN (${DECISION_KINDS_SQL}) ORDER BY id LIMIT 10000`, afterId);
  }

  async lastEventId(): Promise<number> {
    return (await this.get<{ n: number }>("SELECT coalesce(max(id), 0) AS n FROM events"))!.n;
  }

  // ------------------------------------------------------------------ sequences

  async putSequence(seq: Omit<SequenceRow, "id" | "first_seen" | "updated_at">, frames: ReadonlyArray<{ locationId: number; frame: number }>, now: string): Promise<number> {
    const row = await this.get<{ id: number }>(
      `INSERT INTO sequences (dir, key, pattern, first_frame, last_frame, frames, gaps, duplicates, first_seen, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (dir, key) DO UPDATE SET pattern = excluded.pattern, first_frame = excluded.first_frame, last_frame = excluded.last_frame,
         frames = excluded.frames, gaps = excluded.gaps, duplicates = excluded.duplicates, updated_at = excluded.updated_at
       RETURNING id`,
      seq.dir, seq.key, seq.pattern, seq.first_frame, seq.last_frame, seq.frames, seq.gaps, seq.duplicates, now, now,
    );
    const id = row!.id;
    await this.run("DELETE FROM sequence_frames WHERE sequence_id = ?", id);
    if (frames.length > 0) {
      await this.run(
        `INSERT INTO sequence_frames (sequence_id, location_id, frame)
         SELECT ?, l, f FROM unnest(?::bigint[], ?::bigint[]) AS t(l, f) ON CONFLICT DO NOTHING`,
        id, frames.map((f) => f.locationId), frames.map((f) => f.frame),
      );
    }
    return id;
  }

  async hasSequencesIn(dir: string): Promise<boolean> {
    return (await this.get("SELECT 1 AS x FROM sequences WHERE dir = ? LIMIT 1", dir)) !== undefined;
  }

  sequenceByKey(dir: string, key: string): Promise<SequenceRow | undefined> {
    return this.get("SELECT * FROM sequences WHERE dir = ? AND key = ?", dir, key);
  }

  sequencesOfAsset(assetId: number): Promise<Array<SequenceRow & { frame: number; path: string }>> {
    return this.all(
      `SELECT s.*, sf.frame, l.path FROM locations l JOIN sequence_frames sf ON sf.location_id = l.id JOIN sequences s ON s.id = sf.sequence_id
       WHERE l.asset_id = ? AND l.state = 'present' ORDER BY s.id`,
      assetId,
    );
  }

  async sequenceHasGenAI(sequenceId: number): Promise<boolean> {
    return (
      (await this.get(
        `SELECT 1 AS x FROM sequence_frames sf JOIN locations l ON l.id = sf.location_id AND l.state = 'present'
         JOIN evidence e ON e.asset_id = l.asset_id AND e.signal IN ('genai', 'genai-edited') WHERE sf.sequence_id = ? LIMIT 1`,
        sequenceId,
      )) !== undefined
    );
  }

  async sequenceAssets(sequenceId: number): Promise<number[]> {
    // SQLite's DISTINCT ... ORDER BY frame: each asset at its first frame.
    const rows = await this.all<{ id: number }>(
      `SELECT l.asset_id AS id FROM sequence_frames sf JOIN locations l ON l.id = sf.location_id
       WHERE sf.sequence_id = ? AND l.asset_id IS NOT NULL GROUP BY l.asset_id ORDER BY min(sf.frame), l.asset_id`,
      sequenceId,
    );
    return rows.map((r) => r.id);
  }

  genaiEvidenceBySequence(assetId: number, limit: number, at: string | null = null): Promise<SequenceEvidenceRow[]> {
    // One row per (source, field, value), as SQLite's GROUP BY with bare columns gives.
    return this.all(
      `SELECT * FROM (
         SELECT DISTINCT ON (e.source, e.field, e.value) e.*, a.sha256, s.pattern, sf2.frame FROM locations l1
           JOIN sequence_frames sf1 ON sf1.location_id = l1.id
           JOIN sequences s ON s.id = sf1.sequence_id
           JOIN sequence_frames sf2 ON sf2.sequence_id = sf1.sequence_id
           JOIN locations l2 ON l2.id = sf2.location_id AND l2.state = 'present'
           JOIN evidence e ON e.asset_id = l2.asset_id AND e.signal IN ('genai', 'genai-edited')
           JOIN assets a ON a.id = l2.asset_id
         WHERE (l1.asset_id = ? OR l1.path = ?) AND l1.state = 'present' AND l2.asset_id <> ? AND l2.id <> l1.id
         ORDER BY e.source, e.field, e.value, e.id
       ) g ORDER BY source, field, value LIMIT ?`,
      assetId, at, assetId, limit,
    );
  }

  // ------------------------------------------------------------------ fingerprints

  fingerprintState(assetId: number): Promise<FingerprintedRow | undefined> {
    return this.get("SELECT * FROM fingerprinted WHERE asset_id = ?", assetId);
  }

  async putFingerprints(assetId: number, info: Omit<FingerprintedRow, "asset_id">, frames: readonly FingerprintInput[]): Promise<void> {
    await this.run("DELETE FROM fingerprints WHERE asset_id = ?", assetId);
    if (frames.length > 0) {
      await this.run(
        `INSERT INTO fingerprints (asset_id, seconds, hash, c0, c1, c2, c3, low_detail, turns)
         SELECT ?, s, h, a, b, c, d, l, tu
         FROM unnest(?::float8[], ?::text[], ?::int[], ?::int[], ?::int[], ?::int[], ?::int[], ?::text[]) WITH ORDINALITY AS t(s, h, a, b, c, d, l, tu, n)
         ORDER BY n`,
        assetId,
        frames.map((f) => f.seconds),
        frames.map((f) => f.hash),
        frames.map((f) => f.chunks[0]),
        frames.map((f) => f.chunks[1]),
        frames.map((f) => f.chunks[2]),
        frames.map((f) => f.chunks[3]),
        frames.map((f) => (f.lowDetail ? 1 : 0)),
        frames.map((f) => f.turns ?? null),
      );
    }
    await this.run(
      `INSERT INTO fingerprinted (asset_id, algo, state, reason, kind, width, height, duration, fps_num, fps_den, start_tc, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id) DO UPDATE SET algo = excluded.algo, state = excluded.state, reason = excluded.reason, kind = excluded.kind,
         width = excluded.width, height = excluded.height, duration = excluded.duration, fps_num = excluded.fps_num,
         fps_den = excluded.fps_den, start_tc = excluded.start_tc, at = excluded.at`,
      assetId, info.algo, info.state, info.reason, info.kind, info.width, info.height, info.duration, info.fps_num, info.fps_den, info.start_tc, info.at,
    );
  }

  async fingerprintedAssets(algo: string, retryReason: string | null): Promise<Set<number>> {
    const rows = await this.all<{ asset_id: number }>("SELECT asset_id FROM fingerprinted WHERE algo = ? AND NOT (state = 'skipped' AND reason IS NOT DISTINCT FROM ?::text)", algo, retryReason);
    return new Set(rows.map((r) => r.asset_id));
  }

  fingerprintsOf(assetId: number): Promise<FingerprintRow[]> {
    return this.all("SELECT id, asset_id, seconds, hash, low_detail, turns FROM fingerprints WHERE asset_id = ? ORDER BY seconds NULLS FIRST, id", assetId);
  }

  /** Multi-index hashing, as on SQLite: candidates from the four chunk indexes, full distance measured here. */
  async fingerprintsNear(hash: string, maxDistance: number): Promise<Array<{ row: FingerprintRow; distance: number }>> {
    const radius = Math.floor(maxDistance / 4);
    const c = chunks16(hash);
    const near = [neighbours16(c[0], radius), neighbours16(c[1], radius), neighbours16(c[2], radius), neighbours16(c[3], radius)];
    const sel = (col: string): string => `SELECT id, hash FROM fingerprints WHERE low_detail = 0 AND ${col} = ANY(?::int[])`;
    const candidates = await this.all<{ id: number; hash: string }>(`${sel("c0")} UNION ALL ${sel("c1")} UNION ALL ${sel("c2")} UNION ALL ${sel("c3")}`, ...near);
    const [hi, lo] = halves(hash);
    const found = new Map<number, number>();
    for (const { id, hash: h } of candidates) {
      if (found.has(id)) continue;
      const [h2, l2] = halves(h);
      const d = popcount((hi ^ h2) >>> 0) + popcount((lo ^ l2) >>> 0);
      if (d <= maxDistance) found.set(id, d);
    }
    if (found.size === 0) return [];
    const rows = await this.all<FingerprintRow>("SELECT id, asset_id, seconds, hash, low_detail FROM fingerprints WHERE id = ANY(?::bigint[]) ORDER BY id", [...found.keys()]);
    return rows.map((row) => ({ row, distance: found.get(row.id)! }));
  }

  genaiFingerprints(): Promise<GenAIFingerprintRow[]> {
    return this.all(
      `SELECT f.id, f.asset_id, f.seconds, f.hash, f.low_detail, a.sha256, a.origin, a.status
       FROM assets a JOIN fingerprints f ON f.asset_id = a.id
       WHERE a.origin IN ('genai', 'genai-edited') AND f.low_detail = 0 ORDER BY f.asset_id, f.seconds NULLS FIRST, f.id`,
    );
  }

  async fingerprintCount(): Promise<number> {
    return (await this.get<{ n: number }>("SELECT count(*) AS n FROM fingerprints"))!.n;
  }

  // ------------------------------------------------------------------ quarantine

  async planQuarantine(
    r: Pick<QuarantineRow, "kind" | "original_path" | "original_raw" | "sha256" | "asset_id" | "dev" | "ino" | "reason" | "evidence" | "planned_at">,
    pathFor: (id: number) => string,
    event: EventInput,
  ): Promise<QuarantineRow> {
    // The id first (PostgreSQL hands it out before the insert), so the row is written with its path.
    const { id } = (await this.get<{ id: number }>("SELECT nextval(pg_get_serial_sequence('quarantine', 'id')) AS id"))!;
    await this.run(
      `INSERT INTO quarantine (id, kind, original_path, original_raw, quarantine_path, sha256, asset_id, dev, ino, reason, evidence, state, planned_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', ?)`,
      id, r.kind, r.original_path, r.original_raw, pathFor(id), r.sha256, r.asset_id, r.dev, r.ino, r.reason, r.evidence, r.planned_at,
    );
    await this.addEvent(event.kind, r.planned_at, { assetId: r.asset_id, path: r.original_path, detail: { quarantine_id: id, ...event.detail } });
    return (await this.quarantineById(id))!;
  }

  async settleQuarantine(id: number, f: { sha256: string | null; assetId: number | null; kind: QuarantineRow["kind"]; reason: string; evidence: string | null; at: string }): Promise<void> {
    await this.run(
      "UPDATE quarantine SET sha256 = coalesce(?, sha256), asset_id = coalesce(?, asset_id), kind = ?, reason = ?, evidence = coalesce(?, evidence), verified_at = ? WHERE id = ?",
      f.sha256, f.assetId, f.kind, f.reason, f.evidence, f.at, id,
    );
  }

  unsettledQuarantine(): Promise<QuarantineRow[]> {
    return this.all("SELECT * FROM quarantine WHERE state = 'moved' AND verified_at IS NULL AND fault IS NULL ORDER BY id");
  }

  faultedQuarantine(): Promise<QuarantineRow[]> {
    return this.all("SELECT * FROM quarantine WHERE fault IS NOT NULL AND state IN ('stuck', 'moved') ORDER BY id");
  }

  async setHeldMode(id: number, mode: number | null): Promise<void> {
    await this.run("UPDATE quarantine SET held_mode = ? WHERE id = ?", mode, id);
  }

  async setQuarantineState(
    id: number,
    state: QuarantineRow["state"],
    fields: { error?: string | null; moved_at?: string | null; attempts?: number; heldMode?: number | null; left?: string; fault?: string | null; nextTryAt?: string | null } = {},
    event?: EventInput,
  ): Promise<QuarantineRow> {
    if (fields.left !== undefined) await this.markMissingAt(fields.left, fields.moved_at ?? new Date().toISOString());
    await this.run(
      `UPDATE quarantine SET state = $1, error = $2, moved_at = coalesce($3, moved_at), attempts = attempts + $4,
         fault = CASE WHEN $1 NOT IN ('stuck', 'moved') THEN NULL WHEN $5 THEN $6 ELSE fault END,
         next_try_at = CASE WHEN $1 NOT IN ('stuck', 'moved') THEN NULL WHEN $7 THEN $8 ELSE next_try_at END
       WHERE id = $9`,
      state, fields.error ?? null, fields.moved_at ?? null, fields.attempts ?? 0, fields.fault !== undefined, fields.fault ?? null, fields.nextTryAt !== undefined, fields.nextTryAt ?? null, id,
    );
    if (fields.heldMode !== undefined) await this.setHeldMode(id, fields.heldMode);
    const row = (await this.quarantineById(id))!;
    if (event) await this.addEvent(event.kind, fields.moved_at ?? new Date().toISOString(), { assetId: row.asset_id, path: row.original_path, detail: { quarantine_id: id, ...event.detail } });
    return row;
  }

  async markReleased(id: number, f: { to: string; by: string; note: string | null; forced: boolean; at: string }): Promise<void> {
    await this.run(
      "UPDATE quarantine SET state = 'released', released_at = ?, released_to = ?, released_by = ?, release_note = ?, release_forced = ? WHERE id = ?",
      f.at, f.to, f.by, f.note, f.forced ? 1 : 0, id,
    );
  }

  quarantineById(id: number): Promise<QuarantineRow | undefined> {
    return this.get("SELECT * FROM quarantine WHERE id = ?", id);
  }

  quarantineRows(states?: readonly QuarantineRow["state"][]): Promise<QuarantineRow[]> {
    if (!states) return this.all("SELECT * FROM quarantine ORDER BY id");
    return this.all("SELECT * FROM quarantine WHERE state = ANY(?::text[]) ORDER BY id", [...states]);
  }

  stuckAt(p: string): Promise<QuarantineRow | undefined> {
    return this.get("SELECT * FROM quarantine WHERE state = 'stuck' AND original_path = ? ORDER BY id DESC LIMIT 1", p);
  }

  forcedRelease(p: string, sha256: string): Promise<QuarantineRow | undefined> {
    return this.get("SELECT * FROM quarantine WHERE state = 'released' AND release_forced = 1 AND released_to = ? AND sha256 = ? ORDER BY id DESC LIMIT 1", p, sha256);
  }

  async quarantineCounts(): Promise<Record<string, number>> {
    const rows = await this.all<{ k: string; n: number }>("SELECT kind || '/' || state AS k, count(*) AS n FROM quarantine GROUP BY 1");
    return Object.fromEntries(rows.map((r) => [r.k, r.n]));
  }

  // ------------------------------------------------------------------ C2PA validations

  async latestC2pa(assetId: number): Promise<C2paValidation | undefined> {
    return c2paFromRow(await this.get("SELECT * FROM c2pa_validations WHERE asset_id = ? ORDER BY validated_at DESC, id DESC LIMIT 1", assetId));
  }

  async c2paFor(assetId: number, binding: string, trustSha256: string): Promise<C2paValidation | undefined> {
    return c2paFromRow(await this.get("SELECT * FROM c2pa_validations WHERE asset_id = ? AND binding = ? AND trust_sha256 = ?", assetId, binding, trustSha256));
  }

  async putC2pa(assetId: number, v: C2paValidation): Promise<void> {
    await this.run(
      `INSERT INTO c2pa_validations (asset_id, binding, validator, trust_sha256, outcome, state, detail, manifests, validated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (asset_id, binding, trust_sha256) DO UPDATE SET validator = excluded.validator, outcome = excluded.outcome,
         state = excluded.state, detail = excluded.detail, manifests = excluded.manifests, validated_at = excluded.validated_at`,
      assetId, v.binding, v.validator, v.trustSha256, v.outcome, v.state, v.detail, JSON.stringify(v.manifests), v.validatedAt,
    );
  }

  // ------------------------------------------------------------------ the watcher lease

  /** The lease row of one volume ('' : the watcher without --volume). */
  watcherRow(volume: string): Promise<WatcherRow | undefined> {
    return this.get("SELECT * FROM watcher WHERE volume = ?", volume);
  }

  /** Every watcher's row (every volume), for `prov status`. */
  watcherRows(): Promise<WatcherRow[]> {
    return this.all("SELECT * FROM watcher ORDER BY volume COLLATE \"C\"");
  }

  /**
   * In the caller's write transaction (under the write lock): check the volume's holder
   * and claim, one step. The default volume ('') keeps id 1; a named volume's row gets the
   * next id from 2.
   */
  async claimWatcher(volume: string, c: { pid: number; host: string; token: string; now: string }, holds: (row: WatcherRow) => boolean): Promise<WatcherClaim> {
    if (!this.inTransaction) throw new Error("claimWatcher must run in a write transaction");
    const previous = await this.get<WatcherRow>("SELECT * FROM watcher WHERE volume = ? FOR UPDATE", volume);
    if (previous && !previous.stopped_at && holds(previous)) return { claimed: false, holder: previous };
    await this.run(
      `INSERT INTO watcher (id, volume, pid, host, started_at, heartbeat_at, stopped_at, ready, state, token)
       VALUES (CASE WHEN ? = '' THEN 1 ELSE (SELECT GREATEST(2, coalesce(max(id), 0) + 1) FROM watcher) END, ?, ?, ?, ?, ?, NULL, 0, '{}', ?)
       ON CONFLICT (volume) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, ready = 0, state = '{}', token = excluded.token`,
      volume, volume, c.pid, c.host, c.now, c.now, c.token,
    );
    return { claimed: true, previous };
  }

  async heartbeat(volume: string, token: string, now: string, ready: boolean, state: Record<string, unknown>): Promise<boolean> {
    return (await this.run("UPDATE watcher SET heartbeat_at = ?, ready = ?, state = ? WHERE volume = ? AND token = ? AND stopped_at IS NULL", now, ready ? 1 : 0, JSON.stringify(state), volume, token)) === 1;
  }

  async renewWatcher(volume: string, token: string, now: string): Promise<boolean> {
    return (await this.run("UPDATE watcher SET heartbeat_at = ? WHERE volume = ? AND token = ? AND stopped_at IS NULL", now, volume, token)) === 1;
  }

  async releaseWatcher(volume: string, token: string, now: string): Promise<boolean> {
    return (await this.run("UPDATE watcher SET stopped_at = ?, ready = 0 WHERE volume = ? AND token = ? AND stopped_at IS NULL", now, volume, token)) === 1;
  }
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
