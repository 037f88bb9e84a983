// The quarantine: where the gate puts what must not stay in deliverables. Every move is
// an intent in the store first ('planned'), then the move, then 'moved' with a JSON
// receipt beside the file; nothing is ever deleted. recover() finishes or rolls back
// intents left by a crash. A file that cannot be moved yet because it is still being
// written to another filesystem is made unreadable where it is, and moved once complete.

import { constants } from "node:fs";
import { chmod, copyFile, link, lstat, open, readdir, readFile, rename, rm, statfs, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import type { Evidence } from "../domain/types.js";
import { errorMessage } from "../domain/errors.js";
import { errnoCode } from "../errors.js";
import { log } from "../log.js";
import { ensureDir, exists, failpoint, fsyncDir, hashOf, MoveError, safeMove, writeFileDurable } from "../adapters/fs/move.js";
import { systemClock, type Clock, type QuarantineRow, type Repos, type Store } from "../ports.js";

/**
 * Asked before a move starts (and inside the transaction that plans it): throws when this
 * process may not act any more (the watcher lost its lease to another watcher).
 */
export type ActGuard = (tx?: Repos) => Promise<void>;

export interface QuarantineRequest {
  /** The path as prov shows it (escaped when its name is not UTF-8). */
  path: string;
  /** The path's bytes, when its name is not UTF-8. */
  raw?: Buffer | undefined;
  kind: "blocked" | "held";
  reason: string;
  evidence: readonly Evidence[];
  sha256: string | null;
  assetId: number | null;
  dev: string | null;
  ino: string | null;
}

/** Keep names within 255 bytes after the "<id>-" prefix, extension kept. */
export function quarantineName(id: number | string, original: string): string {
  const prefix = `${id}-`;
  const base = path.basename(original);
  const max = 255 - Buffer.byteLength(prefix) - Buffer.byteLength(".partial");
  if (Buffer.byteLength(base) <= max) return prefix + base;
  const ext = path.extname(base).slice(0, 16);
  // Trim whole code points: cutting a UTF-16 surrogate pair would make an invalid name.
  const stem = Array.from(base.slice(0, base.length - ext.length));
  while (Buffer.byteLength(stem.join("")) + Buffer.byteLength(ext) > max) stem.pop();
  return prefix + stem.join("") + ext;
}

export function receiptPath(row: Pick<QuarantineRow, "id" | "quarantine_path">): string {
  return path.join(path.dirname(row.quarantine_path), `${row.id}.receipt.json`);
}

/** Where the original file is on disk: its name's bytes when they are not UTF-8. */
export function originalOf(row: Pick<QuarantineRow, "original_path" | "original_raw">): string | Buffer {
  return row.original_raw ?? row.original_path;
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Backoff between attempts of a move that cannot be done yet: 1 s, doubling, at most 5 min. */
export const RETRY_FIRST_MS = 1000;
export const RETRY_MAX_MS = 5 * 60_000;

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(20, Math.max(0, attempts - 1)));
}

/**
 * Moves made while the store refused writes (a read-only, full or failing database): each
 * is an entry in this folder of the quarantine, written durably before its move (the
 * intent) and again after it (the receipt), and recorded in the store once it takes
 * writes again (`importJournal`). Not a name the gate or a receipt reader ever uses.
 */
export const JOURNAL_DIR = ".prov-journal";

/** One move the store could not record: what a quarantine row would hold. */
export interface JournalEntry {
  journal: "prov quarantine without the database";
  state: "planned" | "moved";
  kind: QuarantineRequest["kind"];
  original_path: string;
  original_path_bytes_hex: string | null;
  quarantine_path: string;
  sha256: string | null;
  dev: string | null;
  ino: string | null;
  reason: string;
  evidence: readonly Evidence[];
  planned_at: string;
  moved_at: string | null;
  /** Why the store was not used: its error. */
  store_error: string;
  host: string;
  prov_version: string;
}

/** The watcher's heartbeat while its store refuses writes (read by `prov status`). */
export interface SideHeartbeat {
  pid: number;
  host: string;
  at: string;
  ready: boolean;
  storeError: string;
  gateFaults: Array<{ path: string; reason: string; attempts: number; nextTryAt: string }>;
}

const SIDE_HEARTBEAT = "heartbeat.json";

export async function writeSideHeartbeat(quarantineRoot: string, hb: SideHeartbeat): Promise<void> {
  const dir = path.join(quarantineRoot, JOURNAL_DIR);
  await ensureDir(dir);
  await writeFileDurable(path.join(dir, SIDE_HEARTBEAT), JSON.stringify(hb, null, 2) + "\n");
}

export async function removeSideHeartbeat(quarantineRoot: string): Promise<void> {
  await rm(path.join(quarantineRoot, JOURNAL_DIR, SIDE_HEARTBEAT), { force: true });
}

/** What a watcher whose store refused writes left in the quarantine: its last heartbeat, and the moves not yet recorded. */
export async function readWithoutStore(quarantineRoot: string): Promise<{ heartbeat: SideHeartbeat | null; unrecorded: number }> {
  const dir = path.join(quarantineRoot, JOURNAL_DIR);
  const names = await readdir(dir).catch(() => [] as string[]);
  let heartbeat: SideHeartbeat | null = null;
  if (names.includes(SIDE_HEARTBEAT)) {
    try {
      const hb = JSON.parse(await readFile(path.join(dir, SIDE_HEARTBEAT), "utf8")) as SideHeartbeat;
      if (typeof hb.pid === "number" && typeof hb.at === "string" && typeof hb.storeError === "string") heartbeat = { ...hb, gateFaults: Array.isArray(hb.gateFaults) ? hb.gateFaults : [] };
    } catch {
      heartbeat = null; // half written or not ours: as if absent
    }
  }
  return { heartbeat, unrecorded: names.filter((n) => JOURNAL_ENTRY.test(n)).length };
}

const JOURNAL_ENTRY = /^[0-9a-f]{12}\.json$/;

/** Room a receipt needs (they are a few KiB). */
const RECEIPT_ROOM = 64 * 1024;

export class Quarantine {
  /** Rows whose move this process is carrying out now. */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly store: Store,
    readonly root: string,
    private readonly version: string,
    /** How long a file must be unchanged before it may be copied across filesystems. */
    private readonly quietMs = 0,
    private readonly clock: Clock = systemClock,
    private readonly guard: ActGuard = async () => undefined,
    /** Without a store the lease cannot be proved: a move goes ahead only while it is not known to be lost. */
    private readonly leaseLost: () => Error | null = () => null,
    /** Rows this watcher finishes at recovery (several watchers share a database: each its own roots' rows). */
    private readonly owns: (row: QuarantineRow) => boolean = () => true,
  ) {}

  private journalDir(): string {
    return path.join(this.root, JOURNAL_DIR);
  }

  /**
   * The gate fails closed when its store refuses writes: a file its own labels block (or
   * that cannot be judged) is moved all the same, with a journal entry in the quarantine
   * as its intent and receipt, recorded in the store once it takes writes again. Returns
   * false when the file could not be moved now (it stays, whole, and is retried).
   */
  async quarantineWithoutStore(req: QuarantineRequest, storeError: string): Promise<boolean> {
    const lost = this.leaseLost();
    if (lost) throw lost;
    const id = randomBytes(6).toString("hex");
    const at = this.clock.iso();
    const dest = path.join(this.root, at.slice(0, 10), quarantineName(`offline-${id}`, req.path));
    const entry: JournalEntry = {
      journal: "prov quarantine without the database",
      state: "planned",
      kind: req.kind,
      original_path: req.path,
      original_path_bytes_hex: req.raw ? req.raw.toString("hex") : null,
      quarantine_path: dest,
      sha256: req.sha256,
      dev: req.dev,
      ino: req.ino,
      reason: req.reason,
      evidence: req.evidence,
      planned_at: at,
      moved_at: null,
      store_error: storeError,
      host: hostname(),
      prov_version: this.version,
    };
    const file = path.join(this.journalDir(), `${id}.json`);
    await ensureDir(this.journalDir());
    await writeFileDurable(file, JSON.stringify(entry, null, 2) + "\n");
    try {
      await ensureDir(path.dirname(dest));
      await safeMove(req.raw ?? req.path, dest, { dev: req.dev, ino: req.ino, sha256: req.sha256 }, "quarantine", this.quietMs);
    } catch (err) {
      // Not moved: the intent goes, the file stays whole where it is and is tried again.
      await rm(file, { force: true });
      await fsyncDir(this.journalDir()).catch(() => undefined);
      log.warn(`cannot quarantine ${req.path} without the database: ${errorMessage(err)}`);
      return false;
    }
    entry.state = "moved";
    entry.moved_at = this.clock.iso();
    // The move stands even if this last write fails: the import finds the file in quarantine.
    await writeFileDurable(file, JSON.stringify(entry, null, 2) + "\n").catch((err: unknown) => log.warn(`journal entry ${file} not updated: ${errorMessage(err)}`));
    this.journalPending = true;
    log.warn(`quarantined without the database (${storeError}): ${req.path} → ${dest}; it is recorded once the database takes writes again`, { kind: req.kind, reason: req.reason });
    return true;
  }

  /** Journal entries are waiting to be recorded in the store (set by a move without it, or found at start). */
  journalPending = false;

  /**
   * Records in the store every move made without it: a row per file in quarantine (its
   * receipt written, the move verified by the settle timer like any other), and the entry
   * removed. An entry whose file never left deliverables is dropped (the gate judges it
   * again). Safe to repeat: a row already recorded for the same quarantine path is not
   * recorded twice. Throws when the store still refuses writes (entries stay).
   */
  async importJournal(): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.journalDir())).filter((n) => JOURNAL_ENTRY.test(n));
    } catch {
      names = [];
    }
    if (names.length === 0) {
      this.journalPending = false;
      return 0;
    }
    const recorded = new Set((await this.store.quarantine.rows()).map((r) => r.quarantine_path));
    let imported = 0;
    for (const n of names.sort()) {
      const file = path.join(this.journalDir(), n);
      let e: JournalEntry;
      try {
        e = JSON.parse(await readFile(file, "utf8")) as JournalEntry;
        if (e.journal !== "prov quarantine without the database" || typeof e.quarantine_path !== "string" || typeof e.original_path !== "string") throw new Error("not a prov journal entry");
      } catch (err) {
        // Kept for a person to read, under a name the import skips.
        log.error(`quarantine journal entry ${file} cannot be read (${errorMessage(err)}); renamed to ${n}.unreadable`);
        await rename(file, `${file}.unreadable`).catch(() => undefined);
        continue;
      }
      if (!recorded.has(e.quarantine_path)) {
        const raw = e.original_path_bytes_hex ? Buffer.from(e.original_path_bytes_hex, "hex") : null;
        const probe = { original_path: e.original_path, original_raw: raw, quarantine_path: e.quarantine_path, sha256: e.sha256 } as QuarantineRow;
        if ((await this.inspect(probe)) === "placed") {
          const row = await this.store.transaction(
            (tx) =>
              tx.quarantine.plan(
                { kind: e.kind, original_path: e.original_path, original_raw: raw, sha256: e.sha256, asset_id: null, dev: e.dev, ino: e.ino, reason: e.reason, evidence: JSON.stringify(e.evidence), planned_at: e.planned_at },
                () => e.quarantine_path,
                { kind: "quarantine-planned", detail: { kind: e.kind, reason: e.reason, withoutStore: e.store_error } },
              ),
            { durable: true },
          );
          await this.complete(row, true);
          imported++;
          log.info(`recorded the move made without the database: ${e.original_path} → ${e.quarantine_path}`, { quarantine_id: row.id });
        } else {
          log.info(`journal entry for ${e.original_path} dropped: the file never reached quarantine; it is judged again`);
        }
      }
      await rm(file, { force: true });
      await fsyncDir(this.journalDir()).catch(() => undefined);
    }
    this.journalPending = false;
    return imported;
  }

  /** Plan, move, record. A move that cannot complete leaves the row 'stuck' for retry; it is never reported as moved. */
  async quarantine(req: QuarantineRequest): Promise<QuarantineRow> {
    await this.guard();
    const day = this.clock.iso().slice(0, 10);
    const dir = path.join(this.root, day);
    // The folder is made by attempt(): one that cannot be made (read-only, full, gone) is a
    // fault of this row, retried, not an error that forgets the file.
    const row = await this.store.transaction(
      async (tx) => {
        await this.guard(tx); // only the lease holder commits an intent
        return tx.quarantine.plan(
          {
            kind: req.kind,
            original_path: req.path,
            original_raw: req.raw ?? null,
            sha256: req.sha256,
            asset_id: req.assetId,
            dev: req.dev,
            ino: req.ino,
            reason: req.reason,
            evidence: JSON.stringify(req.evidence),
            planned_at: this.clock.iso(),
          },
          (id) => path.join(dir, quarantineName(id, req.path)),
          { kind: "quarantine-planned", detail: { kind: req.kind, reason: req.reason } },
        );
      },
      { durable: true },
    );
    failpoint("quarantine:after-plan");
    return this.attempt(row);
  }

  /** Try (again) to move a planned or stuck row's file. */
  async attempt(row: QuarantineRow): Promise<QuarantineRow> {
    // The lease first: a watcher that lost it (or cannot prove it after a pause) moves nothing.
    await this.guard();
    this.inFlight.add(row.id);
    try {
      return await this.tryMove(row);
    } finally {
      this.inFlight.delete(row.id);
    }
  }

  private async tryMove(row: QuarantineRow): Promise<QuarantineRow> {
    const src = originalOf(row);
    try {
      const dir = path.dirname(row.quarantine_path);
      if (!(await exists(dir).catch(() => false))) {
        try {
          await ensureDir(dir);
        } catch (err) {
          throw new MoveError(`cannot create the quarantine folder ${dir}: ${errorMessage(err)}`, errnoCode(err), true, "quarantine");
        }
      }
      if (row.state === "stuck") {
        const where = await this.inspect(row);
        if (where === "placed") return await this.complete(row, true);
        if (where === "gone") return await this.rollBack(row, "the file left deliverables before it could be moved", false);
      }
      // A file made unreadable in place: its owner (not root) must read it to copy it.
      if (row.held_mode !== null && !isRoot) await chmod(src, (row.held_mode & 0o7777) | 0o400).catch(() => undefined);
      await safeMove(src, row.quarantine_path, { dev: row.dev, ino: row.ino, sha256: row.sha256 }, "quarantine", this.quietMs);
    } catch (err) {
      const e = err instanceof MoveError ? err : new MoveError(errorMessage(err), errnoCode(err), errnoCode(err) !== "ENOENT");
      if (e.code === "EGROWING") return this.holdInPlace(row, e.message);
      if (e.retriable) {
        // One row per file, however often it is tried: its attempts count up and the next try
        // backs off (1 s doubling to 5 min); an event and a log line only when the reason changes.
        const news = row.state !== "stuck" || row.error !== e.message;
        const fault = `${e.side}:${e.code ?? "error"}`;
        const nextTryAt = new Date(this.clock.now() + retryDelayMs(row.attempts + 1)).toISOString();
        const after = await this.store.transaction(
          (tx) =>
            tx.quarantine.setState(row.id, "stuck", { error: e.message, attempts: 1, fault, nextTryAt }, news ? { kind: "quarantine-stuck", detail: { error: e.message, fault } } : undefined),
          { durable: true },
        );
        if (news) log.warn(`blocked but still present (will retry): ${e.message}`, { quarantine_id: row.id, fault, next_try_at: nextTryAt });
        return after;
      }
      const after = await this.rollBack(row, e.message, false);
      log.warn(`quarantine move abandoned: ${e.message}`, { quarantine_id: row.id });
      return after;
    }
    return this.complete(row, false);
  }

  /**
   * A file still being written cannot be copied to another filesystem whole, and its
   * source must not be unlinked while it grows: it stays where it is, unreadable to anyone
   * but root (its permissions are recorded and restored on its copy), and is moved once
   * complete. Without the right to change its mode, it is reported as still present.
   */
  private async holdInPlace(row: QuarantineRow, why: string): Promise<QuarantineRow> {
    const src = originalOf(row);
    let heldMode = row.held_mode;
    let note = "blocked, still being written: unreadable in place until it is complete, then moved";
    if (heldMode === null) {
      try {
        const st = await lstat(src);
        if (st.isFile()) {
          await chmod(src, 0);
          heldMode = st.mode & 0o7777;
        }
      } catch (err) {
        note = `blocked, still being written, and cannot be made unreadable (${errnoCode(err) ?? errorMessage(err)}): still readable in deliverables until it is complete`;
      }
    } else if (!isRoot) {
      await chmod(src, 0).catch(() => undefined); // attempt() gave its owner read access for the copy
    }
    const error = `${why}; ${note}`;
    const news = row.state !== "stuck" || row.error !== error;
    // A growing file is looked at again soon (it is moved once quiet), not backed off.
    const nextTryAt = new Date(this.clock.now() + Math.max(500, Math.min(5000, this.quietMs))).toISOString();
    const after = await this.store.transaction(
      (tx) =>
        tx.quarantine.setState(row.id, "stuck", { error, attempts: 1, heldMode, fault: "growing:EGROWING", nextTryAt }, news ? { kind: "quarantine-stuck", detail: { error, growing: true } } : undefined),
      { durable: true },
    );
    if (row.state !== "stuck") log.warn(`${row.kind}: ${row.original_path}: ${note}`, { quarantine_id: row.id });
    return after;
  }

  /** The receipt beside a quarantined file; rewritten when the file is verified or judged again. */
  async writeReceipt(row: QuarantineRow, movedAt: string, extra: Record<string, unknown> = {}): Promise<void> {
    const receipt = {
      receipt: "prov quarantine",
      id: row.id,
      kind: row.kind,
      original_path: row.original_path,
      ...(row.original_raw ? { original_path_bytes_hex: row.original_raw.toString("hex") } : {}),
      quarantine_path: row.quarantine_path,
      moved_at: movedAt,
      reason: row.reason,
      evidence: row.evidence ? (JSON.parse(row.evidence) as unknown) : [],
      sha256: row.sha256,
      asset_id: row.asset_id,
      host: hostname(),
      prov_version: this.version,
      ...(row.sha256 === null ? { note: "blocked while still being written; sha256 follows once the quarantined bytes are verified" } : {}),
      release: `prov release ${row.id} --by NAME (needs an approval, or --force --note)`,
      ...extra,
    };
    await writeFileDurable(receiptPath(row), JSON.stringify(receipt, null, 2) + "\n");
  }

  private async complete(row: QuarantineRow, recovered: boolean): Promise<QuarantineRow> {
    const movedAt = this.clock.iso();
    failpoint("quarantine:before-receipt");
    if (row.held_mode !== null) await chmod(row.quarantine_path, row.held_mode).catch(() => undefined);
    // The file is in quarantine and gone from deliverables: the move stands. A receipt that
    // cannot be written (a full or read-only quarantine) is retried with backoff; until it
    // is, the row says so (fault "receipt:…", shown by `prov status`) and is not verified.
    let receiptError: unknown = null;
    try {
      await this.writeReceipt(row, movedAt);
    } catch (err) {
      receiptError = err;
    }
    const fault = receiptError === null ? null : `receipt:${errnoCode(receiptError) ?? "error"}`;
    const error = receiptError === null ? null : `moved to quarantine, but its receipt ${receiptPath(row)} could not be written yet: ${errorMessage(receiptError)}`;
    const after = await this.store.transaction(
      (tx) =>
        tx.quarantine.setState(
          row.id,
          "moved",
          // The file left its place in deliverables: that location is missing now (a name prov cannot record has none).
          {
            moved_at: movedAt,
            attempts: 1,
            error,
            fault,
            nextTryAt: fault === null ? null : new Date(this.clock.now() + retryDelayMs(1)).toISOString(),
            ...(row.held_mode !== null ? { heldMode: null } : {}),
            ...(row.original_raw === null ? { left: row.original_path } : {}),
          },
          { kind: "quarantined", detail: { kind: row.kind, quarantine_path: row.quarantine_path, reason: row.reason, sha256: row.sha256, recovered, ...(fault ? { receipt: "pending", fault } : {}) } },
        ),
      { durable: true },
    );
    log.info(`${row.kind === "blocked" ? "blocked" : "held"}: ${row.original_path} → ${row.quarantine_path} (${row.reason})`, { quarantine_id: row.id });
    if (error) log.warn(`${error}; retrying`, { quarantine_id: row.id, fault });
    return after;
  }

  /** A moved file whose receipt could not be written: write it now, or back off again. */
  async retryReceipt(row: QuarantineRow): Promise<QuarantineRow> {
    try {
      await this.writeReceipt(row, row.moved_at ?? this.clock.iso());
    } catch (err) {
      const error = `moved to quarantine, but its receipt ${receiptPath(row)} could not be written yet: ${errorMessage(err)}`;
      const fault = `receipt:${errnoCode(err) ?? "error"}`;
      const nextTryAt = new Date(this.clock.now() + retryDelayMs(row.attempts + 1)).toISOString();
      return this.store.transaction((tx) => tx.quarantine.setState(row.id, "moved", { error, attempts: 1, fault, nextTryAt }), { durable: true });
    }
    log.info(`receipt written: ${receiptPath(row)}`, { quarantine_id: row.id });
    return this.store.transaction(
      (tx) => tx.quarantine.setState(row.id, "moved", { error: null, fault: null, nextTryAt: null }, { kind: "quarantine-receipt", detail: { receipt: receiptPath(row), after: row.fault } }),
      { durable: true },
    );
  }

  /**
   * A cheap look at whether a row's fault has cleared: a file created and removed in its
   * quarantine folder (read-only, permission, missing folder), or the free space there (a
   * full quarantine). null when there is nothing cheap to look at (the source side: the
   * file is only retried on its backoff). `cache` shares one look per folder per round.
   */
  async probe(row: QuarantineRow, cache: Map<string, Promise<unknown>>): Promise<boolean | null> {
    const fault = row.fault ?? "";
    const [where, code] = fault.split(":");
    if (where !== "quarantine" && where !== "receipt") return null;
    const dir = path.dirname(row.quarantine_path);
    if (code === "ENOSPC" || code === "EDQUOT") {
      const key = `space:${dir}`;
      if (!cache.has(key)) cache.set(key, statfs(dir, { bigint: true }).catch(() => statfs(this.root, { bigint: true })).catch(() => null));
      const fs = (await cache.get(key)) as { bavail: bigint; bsize: bigint } | null;
      if (!fs) return false;
      const need = row.state === "moved" ? BigInt(RECEIPT_ROOM) : BigInt((await lstat(originalOf(row)).catch(() => null))?.size ?? 0) + BigInt(RECEIPT_ROOM);
      return fs.bavail * fs.bsize >= need;
    }
    const key = `write:${dir}`;
    if (!cache.has(key)) cache.set(key, this.writable(dir));
    return (await cache.get(key)) as boolean;
  }

  private async writable(dir: string): Promise<boolean> {
    const probe = path.join(dir, `.prov-probe.${process.pid}.tmp`);
    try {
      if (!(await exists(dir))) await ensureDir(dir);
      const fh = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await fh.close();
      await unlink(probe);
      return true;
    } catch {
      await rm(probe, { force: true }).catch(() => undefined);
      return false;
    }
  }

  /**
   * Look at the files of an unfinished move (planned, or stuck and being retried) after a
   * crash: "placed" when the file already sits in quarantine (a leftover source name of the
   * same inode or bytes is removed), "source" when it is still only at its original path,
   * "gone" when it is in neither place. A stale `.partial` copy is removed either way.
   */
  private async inspect(row: QuarantineRow): Promise<"placed" | "source" | "gone"> {
    const src = originalOf(row);
    const dest = row.quarantine_path;
    await rm(`${dest}.partial`, { force: true });
    const destExists = !path.basename(dest).startsWith(".planning-") && (await exists(dest));
    const srcExists = await exists(src);
    if (!destExists) return srcExists ? "source" : "gone";
    if (srcExists) {
      const [s, d] = await Promise.all([lstat(src, { bigint: true }), lstat(dest, { bigint: true })]);
      let same = s.dev === d.dev && s.ino === d.ino;
      // A cross-filesystem copy placed but its source not yet unlinked: the same bytes?
      if (!same && s.isFile() && d.isFile()) {
        const destHash = await hashOf(dest);
        same = (row.sha256 === null || destHash === row.sha256) && (await hashOf(src)) === destHash;
      }
      if (same) {
        await unlink(src);
        await fsyncDir(typeof src === "string" ? path.dirname(src) : path.dirname(row.original_path));
      } else {
        // Another file took the name meanwhile: the quarantined copy is complete; the new one is judged on its own.
        log.warn(`${row.original_path} holds other content than the file moved to ${dest}; it will be judged on its own`);
      }
    }
    return "placed";
  }

  /** At start-up: finish or roll back every move a crash interrupted. */
  async recover(): Promise<void> {
    await this.importJournal();
    for (const row of await this.store.quarantine.rows(["planned", "stuck"])) {
      if (!this.owns(row)) continue;
      try {
        await this.finish(row);
      } catch (err) {
        log.error(`cannot recover quarantine move ${row.id} (${row.original_path}): ${errorMessage(err)}`);
      }
    }
    await this.recoverReleases();
    await this.removeStaleTemporaries();
  }

  private async finish(row: QuarantineRow): Promise<QuarantineRow> {
    const where = await this.inspect(row);
    if (where === "placed") return this.complete(row, true);
    if (where === "gone") return this.rollBack(row, "the file left deliverables before it could be moved", true);
    if (row.state === "planned") return this.rollBack(row, "interrupted before the file was moved; it will be judged again", true);
    // A stuck row whose file is still there stays stuck: the retry loop takes it.
    return row;
  }

  /**
   * While running: a planned row this process is not moving was left by a move whose last
   * step the store refused (a database that stopped taking writes between the intent and
   * its outcome). It is finished or rolled back as at start-up; null while it is in flight.
   */
  async resume(row: QuarantineRow): Promise<QuarantineRow | null> {
    if (this.inFlight.has(row.id)) return null;
    this.inFlight.add(row.id);
    try {
      return await this.finish(row);
    } finally {
      this.inFlight.delete(row.id);
    }
  }

  private async rollBack(row: QuarantineRow, reason: string, recovered: boolean): Promise<QuarantineRow> {
    const st = await lstat(originalOf(row), { bigint: true }).catch(() => null);
    // A file made unreadable in place gets its permissions back (if it is still the one).
    if (row.held_mode !== null) {
      if (st && String(st.ino) === row.ino) await chmod(originalOf(row), row.held_mode).catch(() => undefined);
    }
    // A half-made move (the same file linked into quarantine, its source still in place):
    // the quarantine's name goes, so a rolled-back row leaves nothing behind.
    const d = st ? await lstat(row.quarantine_path, { bigint: true }).catch(() => null) : null;
    if (st && d && st.dev === d.dev && st.ino === d.ino) {
      await unlink(row.quarantine_path);
      await fsyncDir(path.dirname(row.quarantine_path));
    }
    return this.store.transaction(
      (tx) =>
        tx.quarantine.setState(row.id, "rolled-back", { error: reason, ...(row.held_mode !== null ? { heldMode: null } : {}) }, { kind: "quarantine-rolled-back", detail: { error: reason, recovered } }),
      { durable: true },
    );
  }

  /** Receipts are written to a temporary name and renamed (src/adapters/fs/durable.ts): a crash can leave one behind. */
  private async removeStaleTemporaries(): Promise<void> {
    let days: string[];
    try {
      days = await readdir(this.root);
    } catch {
      return;
    }
    for (const day of days) {
      let names: string[];
      try {
        names = await readdir(path.join(this.root, day));
      } catch {
        continue;
      }
      for (const n of names) {
        const m = /^\.\d+\.receipt\.json\.(\d+)\.[0-9a-f]+\.tmp$/.exec(n) ?? /\.receipt\.json\.tmp-(\d+)$/.exec(n) ?? /^\.prov-probe\.(\d+)\.tmp$/.exec(n);
        if (m && Number(m[1]) !== process.pid) await rm(path.join(this.root, day, n), { force: true });
      }
    }
  }

  /**
   * Put a quarantined file back where it was, because what was moved is not what was
   * judged and its content is allowed (the file changed between judgment and move). Only
   * when the original path is free; recorded as rolled back.
   */
  async putBack(row: QuarantineRow, why: string): Promise<boolean> {
    await this.guard();
    const to = originalOf(row);
    if (await exists(to)) return false;
    try {
      await link(row.quarantine_path, to);
    } catch (err) {
      if (errnoCode(err) !== "EXDEV") throw err;
      await copyFile(row.quarantine_path, to, constants.COPYFILE_EXCL);
    }
    await fsyncDir(typeof to === "string" ? path.dirname(to) : path.dirname(row.original_path));
    await unlink(row.quarantine_path);
    await fsyncDir(path.dirname(row.quarantine_path));
    await this.writeReceipt(row, row.moved_at ?? this.clock.iso(), { returned: { at: this.clock.iso(), why } });
    await this.store.transaction((tx) => tx.quarantine.setState(row.id, "rolled-back", { error: `put back: ${why}` }, { kind: "quarantine-rolled-back", detail: { error: why, putBack: true } }), { durable: true });
    log.info(`put back: ${row.original_path} (${why})`, { quarantine_id: row.id });
    return true;
  }

  /**
   * Put a quarantined file back (or elsewhere). Never overwrites. The release is recorded
   * before the move, so a running gate that sees the file arrive already knows it was
   * released; if the move fails the record is reverted (recover() does it after a crash).
   */
  async release(row: QuarantineRow, to: string, f: { by: string; note: string | null; forced: boolean; account?: string; host?: string }): Promise<void> {
    await ensureDir(path.dirname(to));
    const at = this.clock.iso();
    await this.store.transaction((tx) => tx.quarantine.markReleased(row.id, { to, by: f.by, note: f.note, forced: f.forced, at }), { durable: true });
    try {
      await safeMove(row.quarantine_path, to, { dev: null, ino: null, sha256: null }, "release");
    } catch (err) {
      await this.store.transaction((tx) => tx.quarantine.setState(row.id, "moved", { error: `release failed: ${errorMessage(err)}` }), { durable: true });
      throw err;
    }
    await this.store.transaction(
      (tx) => tx.events.add("released", this.clock.iso(), { assetId: row.asset_id, path: to, detail: { quarantine_id: row.id, by: f.by, note: f.note, forced: f.forced, from: row.quarantine_path, ...(f.account ? { account: f.account, host: f.host } : {}) } }).then(() => undefined),
      { durable: true },
    );
  }

  /** A release recorded but not carried out (crash between the two): back to quarantine state. */
  private async recoverReleases(): Promise<void> {
    for (const row of await this.store.quarantine.rows(["released"])) {
      if (!this.owns(row)) continue;
      if (!row.released_to || (await this.store.events.list({ path: row.released_to })).some((e) => e.kind === "released")) continue;
      const inQuarantine = await exists(row.quarantine_path);
      const atTarget = await exists(row.released_to);
      if (inQuarantine && atTarget) {
        const [q, t] = await Promise.all([lstat(row.quarantine_path, { bigint: true }), lstat(row.released_to, { bigint: true })]);
        if (q.dev === t.dev && q.ino === t.ino) await unlink(row.quarantine_path); // link done, unlink not
      }
      if (await exists(row.released_to)) {
        await this.store.events.add("released", this.clock.iso(), { assetId: row.asset_id, path: row.released_to, detail: { quarantine_id: row.id, recovered: true } });
      } else {
        await this.store.quarantine.setState(row.id, "moved", { error: "release interrupted before the file was moved back" });
      }
    }
  }
}
