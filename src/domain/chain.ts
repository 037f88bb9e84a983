// The history chain: events and approvals, in the order prov wrote them, each committing to
// the previous row's hash, so a row edited, deleted or moved by anything but prov (plain SQL
// on the database file) is found. Pure: the canonical encoding of a row, its hash, and the
// walk that checks a chain row by row. The store computes links when it inserts; `prov
// verify` and `prov export-history` (src/app/history.ts) walk.
//
// A row's hash is SHA-256 over the canonical encoding of [version, table, previous hash,
// [[column, value], ...]]: every column of the row but its id and the chain's own columns,
// sorted by name, NULLs left out (so a nullable column added by a later migration leaves
// older rows' hashes as they were). Beside the hash each row keeps a short digest per
// column (FNV-1a), only to say which columns of an edited row changed (the hash decides
// whether it changed; a digest that was also altered only makes the list less precise).
// The first row's previous hash is the genesis hash, which binds the chain to the database
// it was started in (its identity) and records when it began.

import { createHash } from "node:crypto";

export type ChainTable = "events" | "approvals";
export type ChainValue = string | number | null;

export const CHAIN_VERSION = "prov-history-1";
/** Columns of the chained tables that are not content: the chain's own and the row id. */
export const CHAIN_COLUMNS = ["chain_seq", "chain_prev", "chain_hash", "chain_fields"] as const;

/** The last link of a chain: what the next row commits to. */
export interface ChainHead {
  /** Position in the chain, 1 for the first row; 0 for the genesis (an empty chain). */
  seq: number;
  hash: string;
}

/** What the chain's first row commits to: the database and when the chain began there. */
export interface Genesis {
  storeId: string;
  startedAt: string;
  /** Events and approvals already in the database then: chained at that moment, in order, proven from then on only. */
  rowsBefore: number;
  hash: string;
}

/** The chain columns a new row is inserted with. */
export interface ChainLink {
  seq: number;
  prev: string;
  hash: string;
  fields: string;
}

/** A row as the walk sees it: its place, its stored link and its content. */
export interface ChainRow {
  table: ChainTable;
  id: number;
  seq: number | null;
  prev: string | null;
  hash: string | null;
  fields: string | null;
  /** The content columns (nulls are ignored). */
  content: Record<string, ChainValue>;
}

const sha256 = (s: string): string => createHash("sha256").update(s, "utf8").digest("hex");

/** As SQLite stores a JS string: lone surrogates become U+FFFD (what the database gives back). */
function wellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

const SURROGATE = /[\uD800-\uDFFF]/;
const NOT_CONTENT: ReadonlySet<string> = new Set(["id", ...CHAIN_COLUMNS]);

type Entries = Array<[string, ChainValue]>;

/** The content columns that count: not null, sorted by name, strings as the database keeps them. */
function entries(content: Record<string, ChainValue>): Entries {
  const out: Entries = [];
  for (const k of Object.keys(content).sort()) {
    const v = content[k];
    if (v === null || v === undefined || NOT_CONTENT.has(k)) continue;
    out.push([k, typeof v === "string" && SURROGATE.test(v) ? wellFormed(v) : v]);
  }
  return out;
}

const encode = (table: ChainTable, prev: string, e: Entries): string => JSON.stringify([CHAIN_VERSION, table, prev, e]);

/** The canonical encoding of a row: what its hash is taken over. */
export function canonicalRow(table: ChainTable, prev: string, content: Record<string, ChainValue>): string {
  return encode(table, prev, entries(content));
}

export function rowHash(table: ChainTable, prev: string, content: Record<string, ChainValue>): string {
  return sha256(canonicalRow(table, prev, content));
}

/**
 * FNV-1a (32 bits) over the UTF-16 code units of a string. The column digests only say
 * which columns changed (the SHA-256 row hash decides whether anything did), so a fast
 * non-cryptographic hash will do: a SHA-256 per column cost more than the insert itself.
 */
function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** A number and the same digits as text digest differently (# and =). */
const digests = (e: Entries): string => e.map(([k, v]) => `${k}=${fnv1a(`${k}${typeof v === "number" ? "#" : "="}${v}`)}`).join(" ");

/** Per column, FNV-1a of "name=value" ("name#value" for a number), 8 hex digits: "at=1a2b3c4d kind=…". */
export function fieldDigests(content: Record<string, ChainValue>): string {
  return digests(entries(content));
}

/** The columns whose value no longer matches its digest (added, removed or changed). */
export function changedFields(stored: string | null, content: Record<string, ChainValue>): string[] {
  const was = new Map<string, string>();
  for (const part of (stored ?? "").split(" ")) {
    const at = part.lastIndexOf("=");
    if (at > 0) was.set(part.slice(0, at), part.slice(at + 1));
  }
  const now = new Map<string, string>();
  for (const part of fieldDigests(content).split(" ")) {
    const at = part.lastIndexOf("=");
    if (at > 0) now.set(part.slice(0, at), part.slice(at + 1));
  }
  const names = new Set([...was.keys(), ...now.keys()]);
  return [...names].filter((n) => was.get(n) !== now.get(n)).sort();
}

export function genesisHash(storeId: string, startedAt: string, rowsBefore: number): string {
  return sha256(JSON.stringify([CHAIN_VERSION, "genesis", wellFormed(storeId), wellFormed(startedAt), rowsBefore]));
}

/** The link of a new row after `head`. */
export function nextLink(head: ChainHead, table: ChainTable, content: Record<string, ChainValue>): ChainLink {
  const e = entries(content);
  return { seq: head.seq + 1, prev: head.hash, hash: sha256(encode(table, head.hash, e)), fields: digests(e) };
}

/**
 * Rows already in a database when the chain begins, in the order they were written: each
 * table keeps its id order; between the two, earlier `at` first (an approval before the
 * event that reports it).
 */
export function mergeByTime<T extends { id: number; at: string }>(approvals: T[], events: T[]): Array<{ table: ChainTable; row: T }> {
  const out: Array<{ table: ChainTable; row: T }> = [];
  let a = 0;
  let e = 0;
  while (a < approvals.length || e < events.length) {
    const ra = approvals[a];
    const re = events[e];
    if (ra && (!re || ra.at <= re.at)) {
      out.push({ table: "approvals", row: ra });
      a++;
    } else if (re) {
      out.push({ table: "events", row: re });
      e++;
    }
  }
  return out;
}

// ------------------------------------------------------------------ the walk

export type BreakKind = "edited" | "deleted" | "reordered" | "unchained" | "genesis" | "head";

export interface ChainBreak {
  kind: BreakKind;
  /** The chain row where it shows (its position; null for a row outside the chain or the genesis). */
  row: number | null;
  table?: ChainTable;
  id?: number;
  /** edited: the columns that no longer hash (empty: the stored link itself was altered). */
  fields?: string[];
  /** deleted: the positions missing. */
  missing?: { from: number; to: number };
  message: string;
}

export interface ChainReport {
  intact: boolean;
  /** Rows in the chain (rows outside it not counted). */
  rows: number;
  head: ChainHead;
  genesis: Genesis | null;
  /** The first breaks, in chain order (at most MAX_BREAKS), and how many there were. */
  breaks: ChainBreak[];
  breakCount: number;
  /** With a recorded head to check: was it found in the chain. */
  recordedHead?: { hash: string; found: boolean; row: number | null };
}

export const MAX_BREAKS = 100;

const name = (r: { table: ChainTable; id: number }): string => `${r.table} id ${r.id}`;

/**
 * Walks a chain given row by row in chain order (by position; rows without one first).
 * Most breaks are found in one pass; a link that points at no row before it is settled by
 * a second pass (`locate`) over the same rows, which finds where that hash is, if anywhere
 * (a row moved: reordered; nowhere: the row it followed was deleted or rewritten).
 * Memory stays flat: only the open questions are kept, never the chain.
 */
export class ChainWalker {
  private last: ChainHead;
  private readonly lastId = new Map<ChainTable, { id: number; seq: number }>();
  private count = 0;
  private readonly breaks: ChainBreak[] = [];
  private breakCount = 0;
  /** Links that point at no row seen before: hash → the row that holds the link. */
  private readonly dangling = new Map<string, { row: number; table: ChainTable; id: number }>();
  private readonly found = new Map<string, number>();
  private recorded: { hash: string; found: boolean; row: number | null } | undefined;
  /** The row before had its stored hash altered (content intact): the next link breaks because of it. */
  private lastAltered = false;

  constructor(
    private readonly genesis: Genesis | null,
    opts: { recordedHead?: string } = {},
  ) {
    this.last = { seq: 0, hash: genesis?.hash ?? "" };
    if (!genesis) this.add({ kind: "genesis", row: null, message: "the chain's genesis row (history_genesis) is missing: the chain cannot be checked from its start" });
    else if (genesisHash(genesis.storeId, genesis.startedAt, genesis.rowsBefore) !== genesis.hash)
      this.add({ kind: "genesis", row: null, message: "the chain's genesis row (history_genesis) was edited: it no longer hashes (when the chain began, or how many rows it found)" });
    if (opts.recordedHead !== undefined) {
      const h = opts.recordedHead.toLowerCase();
      this.recorded = { hash: h, found: genesis?.hash === h, row: genesis?.hash === h ? 0 : null };
    }
  }

  private add(b: ChainBreak): void {
    this.breakCount++;
    if (this.breaks.length < MAX_BREAKS) this.breaks.push(b);
  }

  push(r: ChainRow): void {
    if (r.seq === null || r.hash === null || r.prev === null) {
      this.add({ kind: "unchained", row: null, table: r.table, id: r.id, message: `${name(r)} is not in the chain (no hash): it was inserted, or its link erased, outside prov` });
      return;
    }
    this.count++;
    const expected = this.last.seq + 1;
    const altered = this.lastAltered;
    this.lastAltered = false;
    if (rowHash(r.table, r.prev, r.content) !== r.hash) {
      const fields = changedFields(r.fields, r.content);
      this.lastAltered = fields.length === 0;
      this.add({
        kind: "edited",
        row: r.seq,
        table: r.table,
        id: r.id,
        fields,
        message:
          fields.length > 0
            ? `row ${r.seq} (${name(r)}) was edited: ${fields.join(", ")} no longer ${fields.length === 1 ? "hashes" : "hash"}`
            : `row ${r.seq} (${name(r)}) was edited: its content is as recorded but its stored hash or link was altered`,
      });
    }
    if (r.prev !== this.last.hash) {
      if (r.seq > expected) {
        const missing = { from: expected, to: r.seq - 1 };
        this.add({
          kind: "deleted",
          row: r.seq,
          table: r.table,
          id: r.id,
          missing,
          message: `${missing.from === missing.to ? `row ${missing.from} was` : `rows ${missing.from} to ${missing.to} were`} deleted (row ${r.seq}, ${name(r)}, follows a row that is gone)`,
        });
      } else if (!altered && !this.dangling.has(r.prev)) {
        this.dangling.set(r.prev, { row: r.seq, table: r.table, id: r.id });
        // placeholder, settled by locate()/finish(): keeps chain order among the breaks
        this.add({ kind: "reordered", row: r.seq, table: r.table, id: r.id, message: "" });
      }
    } else if (r.seq !== expected) {
      this.add({ kind: "edited", row: r.seq, table: r.table, id: r.id, fields: ["chain_seq"], message: `row ${r.seq} (${name(r)}) was renumbered: it follows row ${this.last.seq} but says it is row ${r.seq}` });
    }
    const before = this.lastId.get(r.table);
    if (before && r.id < before.id) {
      this.add({
        kind: "reordered",
        row: r.seq,
        table: r.table,
        id: r.id,
        message: `row ${r.seq} (${name(r)}) comes after row ${before.seq} (${r.table} id ${before.id}) in the chain but before it by id: rows were reordered`,
      });
    }
    if (!before || r.id > before.id) this.lastId.set(r.table, { id: r.id, seq: r.seq });
    if (this.recorded && !this.recorded.found && r.hash === this.recorded.hash) this.recorded = { ...this.recorded, found: true, row: r.seq };
    this.last = { seq: r.seq, hash: r.hash };
  }

  /** Hashes a second pass must look for (empty: no second pass is needed). */
  wanted(): ReadonlySet<string> {
    return new Set(this.dangling.keys());
  }

  /** Second pass: every row again, in any order. */
  locate(r: ChainRow): void {
    if (r.hash !== null && r.seq !== null && this.dangling.has(r.hash) && !this.found.has(r.hash)) this.found.set(r.hash, r.seq);
  }

  finish(): ChainReport {
    for (const b of this.breaks) {
      if (b.kind !== "reordered" || b.message !== "") continue;
      const [prev, at] = [...this.dangling].find(([, d]) => d.row === b.row && d.id === b.id) ?? [];
      if (!prev || !at) continue;
      const where = this.found.get(prev);
      const who = `row ${at.row} (${at.table} id ${at.id})`;
      if (where !== undefined) {
        b.message = `${who} is out of place: it was written after row ${where}, ${where > at.row ? "which now comes later" : "not right before it"}: rows were reordered`;
      } else {
        b.kind = "edited";
        b.message = `${who} no longer follows the row before it: that row was rewritten (its hash changed with it), or rows were deleted and the rest renumbered`;
      }
    }
    if (this.recorded && !this.recorded.found) {
      this.add({
        kind: "head",
        row: null,
        message: `the recorded head ${this.recorded.hash} is not in the chain: rows written up to it were deleted or rewritten`,
      });
    }
    const report: ChainReport = {
      intact: this.breakCount === 0,
      rows: this.count,
      head: this.last,
      genesis: this.genesis,
      breaks: this.breaks,
      breakCount: this.breakCount,
    };
    if (this.recorded) report.recordedHead = this.recorded;
    return report;
  }
}

/** "row N" of the first break, for a one-line verdict. */
export function verdictOf(r: ChainReport): string {
  if (r.intact) return `history intact: ${r.rows} rows, head row ${r.head.seq} ${r.head.hash}`;
  const first = r.breaks[0];
  const at = r.breaks.find((b) => b.row !== null)?.row;
  return `history broken${at !== undefined && at !== null ? ` at row ${at}` : ""}: ${first?.message ?? "see the breaks"}${r.breakCount > 1 ? ` (and ${r.breakCount - 1} more)` : ""}`;
}
