// The ports: what the use cases (src/app) need from the world, as interfaces. Adapters
// implement them: the store in db/ (SQLite, later PostgreSQL), metadata in
// src/adapters/exiftool.ts, decoders in src/adapters/decode/, files in src/adapters/fs/,
// the clock below. The domain (src/domain) needs none of them.

import type { ChainHead, ChainRow, Genesis } from "./domain/chain.js";
import type { C2paValidation } from "./domain/c2pa-validation.js";
import type { RawTags } from "./domain/evidence.js";
import type { Evidence, Origin, Signal, Status } from "./domain/types.js";

export type { RawTags };

// ------------------------------------------------------------------ clock

/** Time, injected so tests can freeze it and the rules never read the wall clock themselves. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** The same instant as an ISO 8601 string (UTC), as the store records times. */
  iso(): string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  iso: () => new Date().toISOString(),
};

// ------------------------------------------------------------------ store rows

/** A file's identity as the filesystem gives it: a cache key, never the content's identity. */
export interface StatKey {
  dev: string;
  ino: string;
  size: number;
  mtimeNs: string;
  ctimeNs: string;
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

/** The asset fields a scan's outcome and a sweep's row need. */
export type AssetSummary = Pick<AssetRow, "id" | "sha256" | "size" | "media_hash" | "origin" | "status" | "metadata_error" | "first_seen">;

/** One entry of a folder's stat cache (statCacheUnder), unpacked. */
export interface CachedStat {
  locationId: number;
  asset: AssetSummary;
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
  /** The operating-system account and host that recorded it (null before prov recorded them). */
  account: string | null;
  host: string | null;
  /** The approval's terms as JSON (src/domain/approval-terms.ts); null for a revocation or an older approval. */
  terms: string | null;
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

export interface QuarantineRow {
  id: number;
  kind: "blocked" | "held";
  original_path: string;
  quarantine_path: string;
  sha256: string | null;
  asset_id: number | null;
  dev: string | null;
  ino: string | null;
  reason: string;
  evidence: string | null;
  state: "planned" | "moved" | "stuck" | "rolled-back" | "released";
  error: string | null;
  attempts: number;
  planned_at: string;
  moved_at: string | null;
  released_at: string | null;
  released_to: string | null;
  released_by: string | null;
  release_note: string | null;
  release_forced: number;
  /** When the quarantined bytes were verified to be what was judged (null: not yet). */
  verified_at: string | null;
  /** The permission bits of a file the gate made unreadable in place while it was still being written. */
  held_mode: number | null;
  /** The original path's bytes, when its name is not UTF-8 (original_path shows it escaped). */
  original_raw: Buffer | null;
  /**
   * What keeps a move from completing, "<where>:<code>" (where: quarantine, source,
   * receipt, move, growing), or null. A moved row with a fault still needs its receipt.
   */
  fault: string | null;
  /** When a row with a fault is tried again (ISO 8601). */
  next_try_at: string | null;
}

export interface WatcherRow {
  /** 1 for the default volume's row (the one row before migration 0012). */
  id: number;
  /** The volume whose lease this is (config `volumes`); '' for `prov watch` without --volume. */
  volume: string;
  pid: number;
  host: string;
  started_at: string;
  heartbeat_at: string;
  stopped_at: string | null;
  ready: number;
  state: string;
  /** The holder's lease token (random, per start); null in a row written before the lease (migration 0005). */
  token: string | null;
}

/** A claim of the watcher lease: won (with the row it replaced), or refused (with the holder's row). */
export type WatcherClaim = { claimed: true; previous: WatcherRow | undefined } | { claimed: false; holder: WatcherRow };

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

/** An image sequence found in a folder. */
export interface SequenceRow {
  id: number;
  dir: string;
  key: string;
  pattern: string;
  first_frame: number;
  last_frame: number;
  frames: number;
  gaps: string;
  duplicates: string;
  first_seen: string;
  updated_at: string;
}

/** How an asset was fingerprinted, or why it was not. */
export interface FingerprintedRow {
  asset_id: number;
  algo: string;
  state: "done" | "skipped" | "error";
  reason: string | null;
  kind: "image" | "video" | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  fps_num: number | null;
  fps_den: number | null;
  start_tc: string | null;
  at: string;
}

export interface FingerprintRow {
  id: number;
  asset_id: number;
  /** null for a still; the sampled frame's time in a video. */
  seconds: number | null;
  hash: string;
  low_detail: 0 | 1;
  /** The picture's 7 flips and rotations (phash.ts packTurns); read with the asset's own prints, null before 0008. */
  turns?: string | null;
}

export interface FingerprintInput {
  seconds: number | null;
  hash: string;
  chunks: readonly [number, number, number, number];
  lowDetail: boolean;
  /** The picture's 7 flips and rotations (phash.ts packTurns). */
  turns?: string | null;
}

/** Evidence of another asset that travels to this one (same media data, or a frame of the same shot). */
export type GenAIEvidenceRow = EvidenceRow & { sha256: string };
export type SequenceEvidenceRow = EvidenceRow & { sha256: string; pattern: string; frame: number };
export type GenAIFingerprintRow = FingerprintRow & { sha256: string; origin: Origin; status: Status | null };

/**
 * Everything the rules need to judge one recorded content, read in one call: the asset,
 * its own evidence, the GenAI evidence of its media-data twins and of the other frames of
 * its shot, and its approvals (newest last).
 */
export interface AssetFactsRow {
  asset: AssetRow;
  evidence: EvidenceRow[];
  twins: GenAIEvidenceRow[];
  shot: SequenceEvidenceRow[];
  approvals: ApprovalRow[];
  /** Other assets with the same media data that are not "genai" yet (GenAI evidence travels to them); bounded. */
  siblings: Array<{ id: number; origin: Origin }>;
  /** The image sequences this content is a frame of. */
  sequenceIds: number[];
  /** How it was fingerprinted, and its fingerprints (a still has one, a video one per sampled frame). */
  printState: FingerprintedRow | undefined;
  prints: FingerprintRow[];
  /** The path forced releases were checked for (null: none). */
  at: string | null;
  /** A person released this content to that path with --force. */
  forcedRelease: boolean;
}

/** What the store knows at a path, asked in one call when the gate first looks at it. */
export interface PathFacts {
  /** The location recorded at this path, with its asset (when it has one). */
  here: (LocationRow & { asset: AssetRow | undefined }) | undefined;
  /** Other locations that hold this inode (renames, hard links), each with its asset. */
  sameInode: Array<LocationRow & { asset: AssetRow | undefined }>;
  /** A move of the file at this path waiting to be retried. */
  stuck: QuarantineRow | undefined;
}

/** An event written with the change it records (same transaction, same call). */
export interface EventInput {
  kind: string;
  detail?: Record<string, unknown>;
}

/** What recording one content writes with its asset row (one aggregate: the content and what was read of it). */
export interface AssetRecord {
  asset: AssetInput;
  /** Evidence read from the file's own bytes: replaces what was read before. */
  metadataEvidence?: readonly Evidence[] | undefined;
  /** Folder-rule evidence: accumulates. */
  folderEvidence?: readonly Evidence[] | undefined;
  /** Fingerprints made from these bytes (derived data, replaced). */
  fingerprints?: { info: Omit<FingerprintedRow, "asset_id">; frames: readonly FingerprintInput[] } | null | undefined;
}

// ------------------------------------------------------------------ store repositories

export interface AssetRepo {
  bySha(sha256: string): Promise<AssetRow | undefined>;
  /** Many at once (a gate burst, a scan chunk): found ones only, keyed by SHA-256. */
  byShas(sha256s: readonly string[]): Promise<Map<string, AssetRow>>;
  byId(id: number): Promise<AssetRow | undefined>;
  /** For abbreviated hashes typed by a person (at least 8 hex digits). */
  byShaPrefix(prefix: string): Promise<AssetRow[]>;
  byMediaHash(mediaHash: string): Promise<AssetRow[]>;
  list(filter: { origin?: Origin | undefined; status?: Status | undefined }): Promise<AssetRow[]>;
  count(): Promise<number>;
  /** Facts for judging an asset (see AssetFactsRow); bounded: lineage rows are capped. `at`: a path to check forced releases for. */
  facts(id: number, at?: string | null): Promise<AssetFactsRow | undefined>;
  /** Insert new content, or refresh what was read of existing content, with its evidence and fingerprints. */
  record(r: AssetRecord, now: string): Promise<{ id: number; created: boolean }>;
  /** Cache the origin and status derived from the evidence; true when they changed. */
  setClassification(id: number, origin: Origin, status: Status | null, now: string): Promise<boolean>;
}

export interface EvidenceRepo {
  of(assetId: number): Promise<EvidenceRow[]>;
  /** The evidence of the assets present under a folder, in one query (a quick sweep's preload). */
  under(dir: string): Promise<EvidenceRow[]>;
  /** GenAI evidence of other assets with this media data (at most `limit` rows). */
  genaiByMediaHash(mediaHash: string, excludeAssetId: number | null, limit: number): Promise<GenAIEvidenceRow[]>;
  /** Media hashes that some asset with GenAI evidence has: only those need a lineage lookup. */
  genaiMediaHashes(): Promise<Set<string>>;
  /** Evidence read from the file's own bytes is replaced when the file is read again. */
  replaceMetadata(assetId: number, evidence: readonly Evidence[], now: string): Promise<void>;
  /** Returns false when the same (non-manual) evidence was already recorded. */
  add(assetId: number, e: Evidence, now: string): Promise<boolean>;
}

export interface ApprovalRepo {
  of(assetId: number): Promise<ApprovalRow[]>;
  last(assetId: number): Promise<ApprovalRow | undefined>;
  under(dir: string): Promise<ApprovalRow[]>;
  add(a: Omit<ApprovalRow, "id">): Promise<number>;
}

export interface LocationRepo {
  byPath(p: string): Promise<LocationRow | undefined>;
  /** The location at a path, the locations of the same inode, and a stuck move there: one call. */
  lookAt(p: string, dev: string, ino: string): Promise<PathFacts>;
  ofAsset(assetId: number): Promise<LocationRow[]>;
  /** Present or missing locations that hold this inode (renames, hard links). */
  byInode(dev: string, ino: string): Promise<LocationRow[]>;
  presentUnder(dir: string): Promise<LocationRow[]>;
  /** A folder's stat cache in one pass, packed one string per file (see unpackCached). */
  statCacheUnder(dir: string): Promise<Map<string, string>>;
  /** The same for one folder's own files only (a reconcile compares a folder at a time). */
  statCacheIn(dir: string): Promise<Map<string, string>>;
  /** Paths present under a folder in path order after `after` (null: from the start), at most `limit`. */
  presentPathsUnder(dir: string, after: string | null, limit: number): Promise<string[]>;
  countPresentUnder(dir: string): Promise<number>;
  /** Present files with this file name (any folder), newest first; for finding a cut's source media. */
  presentNamed(name: string): Promise<LocationRow[]>;
  /** Record what is at a path; `event` (seen, changed, read-error) is written with it, when given. */
  upsert(
    p: string,
    assetId: number | null,
    stat: StatKey | null,
    state: LocationRow["state"],
    error: string | null,
    now: string,
    /** The event to write with it, given what the path held before (and that content's SHA-256). */
    event?: (previous: LocationRow | undefined, previousSha256: string | null) => EventInput | null,
  ): Promise<{ id: number; previous: LocationRow | undefined }>;
  touch(ids: readonly number[], now: string): Promise<void>;
  markMissing(id: number, now: string): Promise<void>;
  /** The file at this path left (moved to quarantine): its location is missing, never deleted. */
  markMissingAt(p: string, now: string): Promise<void>;
  relocate(id: number, newPath: string, stat: StatKey, now: string): Promise<void>;
}

export interface EventFilter {
  assetId?: number | undefined;
  path?: string | undefined;
  kind?: string | undefined;
  beforeId?: number | undefined;
  limit?: number | undefined;
}

export interface EventRepo {
  add(kind: string, at: string, refs: { assetId?: number | null; locationId?: number | null; path?: string | null; detail?: Record<string, unknown> }): Promise<number>;
  /**
   * Events newest first, narrowed by any of: asset, path, kind (one kind: "sweep"), ids below
   * `beforeId` (the next page after the last id seen); `limit` rows at most. Each filter given
   * is an indexed condition (events (asset_id, id), (kind, id)): listing the few sweeps of a
   * store of millions of events reads those rows, not the table.
   */
  list(filter: EventFilter): Promise<EventRow[]>;
  lastId(): Promise<number>;
  /** Decisions made since `afterId` (by other processes too), for the watcher to re-judge deliverables. */
  decisionsAfter(afterId: number): Promise<Array<{ id: number; asset_id: number | null }>>;
}

export interface SequenceRepo {
  put(seq: Omit<SequenceRow, "id" | "first_seen" | "updated_at">, frames: ReadonlyArray<{ locationId: number; frame: number }>, now: string): Promise<number>;
  hasIn(dir: string): Promise<boolean>;
  byKey(dir: string, key: string): Promise<SequenceRow | undefined>;
  ofAsset(assetId: number): Promise<Array<SequenceRow & { frame: number; path: string }>>;
  hasGenAI(sequenceId: number): Promise<boolean>;
  assets(sequenceId: number): Promise<number[]>;
}

export interface FingerprintRepo {
  state(assetId: number): Promise<FingerprintedRow | undefined>;
  put(assetId: number, info: Omit<FingerprintedRow, "asset_id">, frames: readonly FingerprintInput[]): Promise<void>;
  /** Assets fingerprinted with `algo` that need nothing now (`retryReason`: a skip reason that no longer holds). */
  done(algo: string, retryReason: string | null): Promise<Set<number>>;
  of(assetId: number): Promise<FingerprintRow[]>;
  /**
   * The matchable fingerprints within each query's `maxDistance` bits of its `hash` (a
   * picture and its flips and rotations), each with its distance, a list per query: one
   * call, however the adapter finds them (SQLite: four 16-bit chunk indexes, multi-index hashing).
   */
  near(queries: ReadonlyArray<{ hash: string; maxDistance: number }>): Promise<Array<Array<{ row: FingerprintRow; distance: number }>>>;
  /** Every matchable fingerprint of a GenAI asset, with its asset. */
  genai(): Promise<GenAIFingerprintRow[]>;
  count(): Promise<number>;
}

export interface QuarantineRepo {
  byId(id: number): Promise<QuarantineRow | undefined>;
  rows(states?: readonly QuarantineRow["state"][]): Promise<QuarantineRow[]>;
  /** A move of this file that is waiting to be retried. */
  stuckAt(p: string): Promise<QuarantineRow | undefined>;
  /** A release with --force lets this content stay at this path despite the gate. */
  forcedRelease(p: string, sha256: string): Promise<QuarantineRow | undefined>;
  counts(): Promise<Record<string, number>>;
  /** Moved rows whose quarantined bytes are not verified yet (and whose receipt is written). */
  unsettled(): Promise<QuarantineRow[]>;
  /** Rows waiting for a fault to clear: stuck moves, and moved files whose receipt is not written yet. */
  faulted(): Promise<QuarantineRow[]>;
  /** Plan a move: the row (its quarantine path named from its id), with its event; returns the row written. */
  plan(
    r: Pick<QuarantineRow, "kind" | "original_path" | "original_raw" | "sha256" | "asset_id" | "dev" | "ino" | "reason" | "evidence" | "planned_at">,
    pathFor: (id: number) => string,
    event: EventInput,
  ): Promise<QuarantineRow>;
  /** Move a row to a state (with its event, when given); returns the row as it now is. */
  setState(
    id: number,
    state: QuarantineRow["state"],
    fields?: {
      error?: string | null;
      moved_at?: string | null;
      attempts?: number;
      heldMode?: number | null;
      /** The path the file left: its location is missing now. */
      left?: string;
      /** Set (or cleared with null) the row's fault; left as it is when undefined. Cleared when the row leaves stuck and moved. */
      fault?: string | null;
      nextTryAt?: string | null;
    },
    event?: EventInput,
  ): Promise<QuarantineRow>;
  /** The quarantined bytes were hashed: what they are, and how they are judged now. */
  /** `sha256` null: a symbolic link (its target is in the receipt; links are never followed). */
  settle(id: number, f: { sha256: string | null; assetId: number | null; kind: QuarantineRow["kind"]; reason: string; evidence: string | null; at: string }): Promise<void>;
  setHeldMode(id: number, mode: number | null): Promise<void>;
  markReleased(id: number, f: { to: string; by: string; note: string | null; forced: boolean; at: string }): Promise<void>;
}

/** Recorded C2PA validations (db c2pa_validations): one per asset, validator binding and trust bundle. */
export interface C2paRepo {
  /** The latest validation of this content, whatever validator or anchors made it. */
  latest(assetId: number): Promise<C2paValidation | undefined>;
  /** The validation made with this binding and trust bundle, if any. */
  get(assetId: number, binding: string, trustSha256: string): Promise<C2paValidation | undefined>;
  /** Record (or replace) the validation for its asset, binding and trust bundle. */
  put(assetId: number, v: C2paValidation): Promise<void>;
}

/**
 * The watcher leases, one per volume ('' : `prov watch` without --volume): at most one
 * watcher per volume per database, any number of volumes at once. Claimed atomically; every
 * heartbeat, renewal and release names the volume and the holder's token and reports
 * whether it still holds the lease (false: another watcher took it over).
 */
export interface WatcherRepo {
  row(volume: string): Promise<WatcherRow | undefined>;
  /** Every volume's row (running, stopped or stale), by volume. */
  rows(): Promise<WatcherRow[]>;
  /** Check the holder and claim in one write transaction; `holds` judges the current row (synchronous). */
  claim(volume: string, c: { pid: number; host: string; token: string; now: string }, holds: (row: WatcherRow) => boolean): Promise<WatcherClaim>;
  heartbeat(volume: string, token: string, now: string, ready: boolean, state: Record<string, unknown>): Promise<boolean>;
  renew(volume: string, token: string, now: string): Promise<boolean>;
  release(volume: string, token: string, now: string): Promise<boolean>;
}

/**
 * The history chain over events and approvals (src/domain/chain.ts), read-only: the store
 * links each row as it inserts it. Outside any transaction.
 */
export interface HistoryRepo {
  /** The last link: what the next row will commit to (row 0 and the genesis hash while empty). */
  head(): Promise<ChainHead>;
  /** When the chain began in this store; undefined if its genesis row is gone. */
  genesis(): Promise<Genesis | undefined>;
  /** Every row in chain order (rows outside the chain first), `visit` called synchronously per row. */
  walk(visit: (row: ChainRow) => void): Promise<void>;
}

/** The repositories, as a transaction sees them (or the store, each call on its own). */
export interface Repos {
  readonly assets: AssetRepo;
  readonly evidence: EvidenceRepo;
  readonly approvals: ApprovalRepo;
  readonly locations: LocationRepo;
  readonly events: EventRepo;
  readonly sequences: SequenceRepo;
  readonly fingerprints: FingerprintRepo;
  readonly quarantine: QuarantineRepo;
  readonly watcher: WatcherRepo;
  readonly c2pa: C2paRepo;
}

export interface TransactionOptions {
  /** A decision (approval, quarantine intent): durable on disk before the promise resolves. */
  durable?: boolean;
}

/**
 * The provenance store. Asynchronous, so one interface serves an embedded SQLite file and
 * a PostgreSQL server. Reads outside a transaction see the last committed state; writes
 * that must stand or fall together go through transaction(), whose callback must not do
 * I/O of its own (read everything first, then write).
 */
export interface Store extends Repos {
  /** Where the store is, for messages (a file path, or a URL without credentials). */
  readonly location: string;
  readonly dialect: "sqlite" | "postgres";
  transaction<T>(fn: (tx: Repos) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  readonly history: HistoryRepo;
  schemaVersion(): Promise<number>;
  /** The store's own identity, made once when it was created; kept next to the quarantine. */
  identity(): Promise<{ id: string; createdAt: string }>;
  /** null while the store is the one opened; else, in words, what happened to it (deleted, replaced). */
  health(): Promise<string | null>;
  /** How many calls the use cases made, by repository method (for the figures in commit messages and benchmarks). */
  calls(): Record<string, number>;
  /**
   * A fence for every write from now on: each transaction calls `guard(tx)` first, inside
   * the transaction (after the write lock is taken); a throw rolls it back and fails the
   * write. The watcher passes its lease: a watcher that lost the lease, or was paused and
   * cannot prove it still holds it, writes nothing to the database its successor owns.
   */
  guardWrites(guard: (tx: Repos) => Promise<void>): void;
  /**
   * Every row of every table that holds history (all but the watcher leases), table by
   * table in the order `load` takes them, from one consistent snapshot; values as JSON
   * (bytes as `{ $bytes: base64 }`). For `prov db export`.
   */
  dump(visit: (table: string, row: Record<string, unknown>) => void | Promise<void>): Promise<Record<string, number>>;
  /**
   * The rows of a dump into this store, which must hold no history yet; ids, the identity,
   * the history genesis and every chain link kept as they were; all or nothing (one
   * transaction). For `prov db import`. Returns the rows written per table.
   */
  load(rows: AsyncIterable<DumpRow>): Promise<Record<string, number>>;
  /**
   * A wake-up when a decision (approve, revoke, tag, classification) is committed by any
   * process, and after every reconnect of the adapter's listener; returns the unsubscribe.
   * Only a wake-up: the caller catches up by id (events.decisionsAfter). Optional: an
   * adapter without one (SQLite) is polled.
   */
  onDecision?(wake: () => void): () => void;
  close(): Promise<void>;
}

/** One row of a dump: its table and its columns (as `Store.dump` gives them). */
export interface DumpRow {
  table: string;
  row: Record<string, unknown>;
}

/** The tables a dump holds, in the order they are loaded (every row's references come before it). */
export const DUMP_TABLES = [
  "store_identity",
  "history_genesis",
  "assets",
  "locations",
  "evidence",
  "approvals",
  "events",
  "quarantine",
  "fingerprinted",
  "fingerprints",
  "sequences",
  "sequence_frames",
  "c2pa_validations",
] as const;

/** Each dumped table's rows in key order, so both engines dump one history identically. */
export const DUMP_ORDER: Record<(typeof DUMP_TABLES)[number], readonly string[]> = {
  store_identity: ["id"],
  history_genesis: ["id"],
  assets: ["id"],
  locations: ["id"],
  evidence: ["id"],
  approvals: ["id"],
  events: ["id"],
  quarantine: ["id"],
  fingerprinted: ["asset_id"],
  fingerprints: ["id"],
  sequences: ["id"],
  sequence_frames: ["sequence_id", "location_id"],
  c2pa_validations: ["id"],
};

// ------------------------------------------------------------------ metadata

export interface FileMetadata {
  tags: RawTags;
  fileType: string | null;
  mimeType: string | null;
  /** ExifTool ImageDataHash (SHA-256), null when the format has none or it was not computed. */
  mediaHash: string | null;
  /** The reader's own warnings: data about the file, not failures. */
  warnings: string[];
  /** A file-level error such as "File is empty" or "File format error". */
  error: string | null;
  exiftoolVersion: string | null;
}

export type MetadataResult = { ok: true; metadata: FileMetadata } | { ok: false; reason: string };

/** A file to read: its path as prov shows it, and its bytes' name when that is not UTF-8. */
export interface MetadataRequest {
  path: string;
  raw?: Buffer | undefined;
  size: number;
  /** false: labels only, without ImageDataHash (a shot's frames outside its sample). */
  mediaHash?: boolean;
}

/** What a caller may hear before readMany resolves: so a slow file holds up no other. */
export interface ReadProgress {
  /** One file's result (index into the files asked), as soon as it is known. */
  onEach?(index: number, result: MetadataResult): void;
  /** Every file has its result or is being read alone with the whole time budget (the call's slot can go to others). */
  onQuickDone?(): void;
}

export interface MetadataReader {
  /** Results in the order asked; a file that cannot be read gets its own failure. */
  readMany(files: readonly MetadataRequest[], progress?: ReadProgress): Promise<MetadataResult[]>;
  /** Process ids of the reader's helper processes (for a crashed watcher's clean-up). */
  pids(): number[];
  /** Ends helper processes a killed owner left behind; returns the pids ended. */
  endOrphans(pids: readonly number[]): number[];
  end(): Promise<void>;
}
