// The history chain's use cases: verify the chain in a store, export it for an auditor
// (JSON lines, its head hash in the last line), and verify such an export offline. The
// rules (encoding, hashes, the walk) are src/domain/chain.ts; this module only feeds it.

import { createReadStream, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { CHAIN_VERSION, ChainWalker, type ChainReport, type ChainRow, type ChainTable, type ChainValue, type Genesis } from "../domain/chain.js";
import { InputError, errorMessage } from "../domain/errors.js";
import { openDurable } from "../adapters/fs/durable.js";
import { describeFsError } from "../errors.js";
import type { Store } from "../ports.js";

const EXPORT_FORMAT = "prov-history";
const EXPORT_VERSION = 1;

export interface VerifyOptions {
  /** A head hash recorded earlier (a sweep report's, an export's): it must still be in the chain. */
  recordedHead?: string | undefined;
}

/** Walk the store's chain: one pass, and a second only when a link points at no row before it. */
export async function verifyHistory(store: Store, opts: VerifyOptions = {}): Promise<ChainReport> {
  const genesis = (await store.history.genesis()) ?? null;
  const walker = new ChainWalker(genesis, opts.recordedHead === undefined ? {} : { recordedHead: opts.recordedHead });
  await store.history.walk((r) => walker.push(r));
  if (walker.wanted().size > 0) await store.history.walk((r) => walker.locate(r));
  return walker.finish();
}

// ------------------------------------------------------------------ export

interface ExportHeader {
  format: typeof EXPORT_FORMAT;
  version: number;
  chain: string;
  store: { id: string; location: string };
  exportedAt: string;
  genesis: { startedAt: string; rowsBefore: number; hash: string } | null;
}

interface ExportRow {
  row: number | null;
  table: ChainTable;
  id: number;
  prev: string | null;
  hash: string | null;
  fields: string | null;
  content: Record<string, ChainValue>;
}

interface ExportEnd {
  end: true;
  rows: number;
  head: { row: number; hash: string };
  intact: boolean;
  breaks: number;
}

/** Lines written synchronously (the walk's visitor is synchronous), a megabyte at a time. */
class LineWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly write: (s: string) => void) {}
  line(v: unknown): void {
    const s = JSON.stringify(v) + "\n";
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts.join(""));
    this.parts = [];
    this.size = 0;
  }
}

export interface ExportResult {
  report: ChainReport;
  /** The file written; null for stdout. */
  file: string | null;
}

/**
 * Write the chain as JSON lines: a header (the store, the genesis), one line per row as
 * stored (its link and content), then the head. To a file: complete or not at all
 * (a temporary file beside it, fsync, rename). The chain is verified as it is written; a
 * broken chain is exported all the same (the export says so), for the auditor to see.
 */
export async function exportHistory(store: Store, out: string | null, now: string): Promise<ExportResult> {
  const genesis = (await store.history.genesis()) ?? null;
  const identity = await store.identity();
  const header: ExportHeader = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    chain: CHAIN_VERSION,
    store: { id: identity.id, location: store.location },
    exportedAt: now,
    genesis: genesis && { startedAt: genesis.startedAt, rowsBefore: genesis.rowsBefore, hash: genesis.hash },
  };
  let file: Awaited<ReturnType<typeof openDurable>> | null = null;
  if (out !== null) {
    try {
      file = await openDurable(out);
    } catch (err) {
      throw new InputError(`cannot write the history export ${out}: ${describeFsError(err)}`, { cause: err });
    }
  }
  const fd = file?.handle.fd;
  const lines = new LineWriter(fd === undefined ? (s) => process.stdout.write(s) : (s) => writeSync(fd, s));
  try {
    const walker = new ChainWalker(genesis);
    lines.line(header);
    await store.history.walk((r) => {
      walker.push(r);
      const row: ExportRow = { row: r.seq, table: r.table, id: r.id, prev: r.prev, hash: r.hash, fields: r.fields, content: r.content };
      lines.line(row);
    });
    if (walker.wanted().size > 0) await store.history.walk((r) => walker.locate(r));
    const report = walker.finish();
    const end: ExportEnd = { end: true, rows: report.rows, head: { row: report.head.seq, hash: report.head.hash }, intact: report.intact, breaks: report.breakCount };
    lines.line(end);
    lines.flush();
    if (file) await file.commit();
    return { report, file: out };
  } catch (err) {
    await file?.abort();
    throw err;
  }
}

// ------------------------------------------------------------------ an export, offline

const HEX64 = /^[0-9a-f]{64}$/;

function bad(file: string, line: number, what: string): InputError {
  return new InputError(`history export ${file}, line ${line}: ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseLine(file: string, n: number, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw bad(file, n, `not JSON (${errorMessage(err)})`);
  }
}

function headerOf(file: string, n: number, v: unknown): Genesis | null {
  if (!isRecord(v) || v.format !== EXPORT_FORMAT) throw bad(file, n, `not a prov history export (its first line must say "format": "${EXPORT_FORMAT}")`);
  if (v.version !== EXPORT_VERSION || v.chain !== CHAIN_VERSION) throw bad(file, n, `export version ${String(v.version)} (${String(v.chain)}) is not one this prov reads (${EXPORT_VERSION}, ${CHAIN_VERSION})`);
  const store = v.store;
  if (!isRecord(store) || typeof store.id !== "string") throw bad(file, n, "the header has no store id");
  const g = v.genesis;
  if (g === null) return null;
  if (!isRecord(g) || typeof g.startedAt !== "string" || typeof g.rowsBefore !== "number" || typeof g.hash !== "string") throw bad(file, n, "the header's genesis is not { startedAt, rowsBefore, hash }");
  return { storeId: store.id, startedAt: g.startedAt, rowsBefore: g.rowsBefore, hash: g.hash };
}

const nullable = (v: unknown, t: "string" | "number"): boolean => v === null || typeof v === t;

function rowOf(file: string, n: number, v: Record<string, unknown>): ChainRow {
  const { row, table, id, prev, hash, fields, content } = v;
  if (table !== "events" && table !== "approvals") throw bad(file, n, `"table" must be "events" or "approvals"`);
  if (typeof id !== "number" || !nullable(row, "number") || !nullable(prev, "string") || !nullable(hash, "string") || !nullable(fields, "string"))
    throw bad(file, n, "a row needs row, table, id, prev, hash and fields");
  if (!isRecord(content)) throw bad(file, n, `"content" must be an object of columns`);
  for (const [k, c] of Object.entries(content)) if (c !== null && typeof c !== "string" && typeof c !== "number") throw bad(file, n, `column ${k} is neither text, a number nor null`);
  return { table, id, seq: row as number | null, prev: prev as string | null, hash: hash as string | null, fields: fields as string | null, content: content as Record<string, ChainValue> };
}

async function* lines(file: string): AsyncGenerator<{ n: number; text: string }> {
  const stream = createReadStream(file, { encoding: "utf8" });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of rl) {
      n++;
      if (text.trim() !== "") yield { n, text };
    }
  } catch (err) {
    throw new InputError(`cannot read the history export ${file}: ${describeFsError(err)}`, { cause: err });
  } finally {
    rl.close();
    stream.destroy();
  }
}

/**
 * Verify an export without the database: the same walk over its rows, then its last line
 * against where the walk ended (an export cut short, or rows removed from it, is broken).
 */
export async function verifyExport(file: string, opts: VerifyOptions = {}): Promise<ChainReport> {
  let walker: ChainWalker | null = null;
  let end: { n: number; v: Record<string, unknown> } | null = null;
  const pass = async (visit: (r: ChainRow) => void): Promise<void> => {
    let header = false;
    for await (const { n, text } of lines(file)) {
      const v = parseLine(file, n, text);
      if (!header) {
        header = true;
        const genesis = headerOf(file, n, v);
        walker ??= new ChainWalker(genesis, opts.recordedHead === undefined ? {} : { recordedHead: opts.recordedHead });
        continue;
      }
      if (!isRecord(v)) throw bad(file, n, "not an object");
      if (end) throw bad(file, n, `a line after the export's last line (${end.n})`);
      if (v.end === true) {
        end = { n, v };
        continue;
      }
      visit(rowOf(file, n, v));
    }
  };
  await pass((r) => walker!.push(r));
  const w = walker as ChainWalker | null;
  if (!w) throw new InputError(`history export ${file} is empty`);
  if (w.wanted().size > 0) {
    end = null;
    await pass((r) => w.locate(r));
  }
  const report = w.finish();
  const last = end as { n: number; v: Record<string, unknown> } | null;
  const extra = (message: string): void => {
    report.breaks.push({ kind: "head", row: null, message });
    report.breakCount++;
    report.intact = false;
  };
  if (!last) extra("the export has no last line (its head): it was cut short");
  else {
    const head = last.v.head;
    const stated = isRecord(head) && typeof head.hash === "string" && HEX64.test(head.hash) ? head : null;
    if (!stated) throw bad(file, last.n, `the last line's "head" must be { row, hash }`);
    if (stated.hash !== report.head.hash || stated.row !== report.head.seq)
      extra(`the export states head row ${String(stated.row)} ${String(stated.hash)}, but its rows end at row ${report.head.seq} ${report.head.hash}: rows were removed from or added to the export`);
    if (last.v.intact === false) extra("the export says the chain was already broken in the database it was made from");
  }
  return report;
}
