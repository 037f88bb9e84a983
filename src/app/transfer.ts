// Move a store's whole history to another store (`prov db export` / `prov db import`):
// a single host's SQLite file into the facility's PostgreSQL, or back. The export is JSON
// lines: a header (format, the store it came from, its schema), one line per row of every
// history table, and an end line with the rows per table, the chain head and a SHA-256
// of every line before it, so a truncated or edited export is refused before anything is
// committed. The import writes into a store without history, in one transaction, keeping
// ids, the identity and every chain link; then walks the chain and compares its head
// with the export's. Nothing is lost or rewritten on the way, and the export never
// replaces an existing file.

import { createHash } from "node:crypto";
import { createReadStream, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { openDurable } from "../adapters/fs/durable.js";
import type { ChainReport } from "../domain/chain.js";
import { InputError, StoreError } from "../domain/errors.js";
import { describeFsError, errnoCode } from "../errors.js";
import { DUMP_TABLES, type DumpRow, type Store } from "../ports.js";
import { verifyHistory } from "./history.js";

export const DUMP_FORMAT = "prov-database-export";
export const DUMP_FORMAT_VERSION = 1;

export interface DumpHeader {
  format: typeof DUMP_FORMAT;
  version: number;
  prov: string;
  from: { dialect: string; schemaVersion: number; identity: string };
  exportedAt: string;
}

export interface DumpEnd {
  end: true;
  rows: Record<string, number>;
  /** The last link of the history chain in the export (row number and hash). */
  head: { row: number; hash: string | null };
  /** SHA-256 of every line before this one, newlines included. */
  sha256: string;
}

export interface ExportSummary {
  file: string;
  rows: Record<string, number>;
  head: DumpEnd["head"];
}

/** The chain head among dumped rows: the event or approval with the highest chain_seq. */
class HeadTracker {
  head: DumpEnd["head"] = { row: 0, hash: null };
  see(table: string, row: Record<string, unknown>): void {
    if (table !== "events" && table !== "approvals") return;
    const seq = row["chain_seq"];
    if (typeof seq === "number" && seq > this.head.row) this.head = { row: seq, hash: typeof row["chain_hash"] === "string" ? row["chain_hash"] : null };
  }
}

export async function exportStore(store: Store, out: string, prov: string, now: string): Promise<ExportSummary> {
  const identity = await store.identity();
  let file;
  try {
    file = await openDurable(out, { exclusive: true, mode: 0o600 });
  } catch (err) {
    throw new InputError(`cannot write the export ${out}: ${describeFsError(err)}`, { cause: err });
  }
  const fd = file.handle.fd;
  const hash = createHash("sha256");
  let buf = "";
  const flush = (): void => {
    if (buf.length > 0) writeSync(fd, buf);
    buf = "";
  };
  const line = (v: unknown): void => {
    const s = `${JSON.stringify(v)}\n`;
    hash.update(s);
    buf += s;
    if (buf.length > 1 << 20) flush();
  };
  try {
    const header: DumpHeader = {
      format: DUMP_FORMAT,
      version: DUMP_FORMAT_VERSION,
      prov,
      from: { dialect: store.dialect, schemaVersion: await store.schemaVersion(), identity: identity.id },
      exportedAt: now,
    };
    line(header);
    const head = new HeadTracker();
    const rows = await store.dump((table, row) => {
      head.see(table, row);
      line({ t: table, r: row });
    });
    flush();
    const end: DumpEnd = { end: true, rows, head: head.head, sha256: hash.digest("hex") };
    writeSync(fd, `${JSON.stringify(end)}\n`);
    await file.commit();
    return { file: out, rows, head: head.head };
  } catch (err) {
    await file.abort();
    if (errnoCode(err) === "EEXIST") throw new InputError(`${out} already exists: an export never replaces a file; name a new one`, { cause: err });
    throw err;
  }
}

export interface ImportSummary {
  rows: Record<string, number>;
  head: DumpEnd["head"];
  from: DumpHeader["from"];
  report: ChainReport;
}

/** The rows of an export file, checked line by line; the end line is checked before the last row is handed on. */
async function* readDump(file: string, onHeader: (h: DumpHeader) => void, onEnd: (e: DumpEnd) => void): AsyncGenerator<DumpRow> {
  const bad = (n: number, what: string): InputError => new InputError(`${file}, line ${n}: ${what}`);
  const input = createReadStream(file);
  try {
    await new Promise<void>((resolve, reject) => input.once("open", () => resolve()).once("error", reject));
  } catch (err) {
    throw new InputError(`cannot read the export ${file}: ${describeFsError(err)}`, { cause: err });
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  const hash = createHash("sha256");
  const counts: Record<string, number> = {};
  const tables = new Set<string>(DUMP_TABLES);
  let n = 0;
  let pending: DumpRow | null = null;
  let ended = false;
  for await (const text of lines) {
    n++;
    if (ended) throw bad(n, "there is more after the end line: the file was edited or two exports were joined");
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw bad(n, n === 1 ? "not a prov database export (its first line is not JSON)" : "not JSON: the file is damaged");
    }
    if (n === 1) {
      const h = v as Partial<DumpHeader>;
      if (h?.format !== DUMP_FORMAT) throw bad(1, `not a prov database export (format ${JSON.stringify(h?.format ?? null)}); \`prov export-history\` files are for auditors, \`prov db import\` takes \`prov db export\` files`);
      if (h.version !== DUMP_FORMAT_VERSION) throw bad(1, `export format version ${String(h.version)}; this prov reads version ${DUMP_FORMAT_VERSION} (upgrade prov)`);
      onHeader(h as DumpHeader);
      hash.update(`${text}\n`);
      continue;
    }
    const o = v as Record<string, unknown>;
    if (o["end"] === true) {
      const e = o as unknown as DumpEnd;
      if (e.sha256 !== hash.digest("hex")) throw bad(n, "the export's checksum does not match its lines: it was changed after it was written");
      for (const t of new Set([...Object.keys(e.rows ?? {}), ...Object.keys(counts)])) {
        if ((e.rows?.[t] ?? 0) !== (counts[t] ?? 0)) throw bad(n, `the end line counts ${e.rows?.[t] ?? 0} rows of ${t}, the file holds ${counts[t] ?? 0}`);
      }
      onEnd(e);
      ended = true;
      if (pending) yield pending;
      pending = null;
      continue;
    }
    hash.update(`${text}\n`);
    const table = o["t"];
    const row = o["r"];
    if (typeof table !== "string" || !tables.has(table) || row === null || typeof row !== "object" || Array.isArray(row)) {
      throw bad(n, `not a row of a history table (${text.slice(0, 80)})`);
    }
    counts[table] = (counts[table] ?? 0) + 1;
    if (pending) yield pending;
    pending = { table, row: row as Record<string, unknown> };
  }
  if (n === 0) throw new InputError(`${file} is empty: not a prov database export`);
  if (!ended) throw new InputError(`${file} ends without its end line after ${n} lines: the export is incomplete (was it cut short?); nothing was imported`);
}

/**
 * Load an export into `store` (new, without history). All or nothing: a damaged file,
 * a store that already has history, or a table this prov does not know leaves the store as
 * it was. Then the chain is walked: the import reports its verdict and the head.
 */
export async function importStore(store: Store, file: string): Promise<ImportSummary> {
  let header: DumpHeader | null = null;
  let end: DumpEnd | null = null;
  const rows = await store.load(
    readDump(
      file,
      (h) => (header = h),
      (e) => (end = e),
    ),
  );
  if (!header || !end) throw new StoreError(`${file}: the import finished without reading the whole export`);
  const report = await verifyHistory(store);
  const { head } = end as DumpEnd;
  if (report.intact && head.hash !== null && (report.head.seq !== head.row || report.head.hash !== head.hash)) {
    throw new StoreError(`the history imported from ${file} ends at row ${report.head.seq} ${report.head.hash}, the export at row ${head.row} ${head.hash}`);
  }
  return { rows, head, from: (header as DumpHeader).from, report };
}
