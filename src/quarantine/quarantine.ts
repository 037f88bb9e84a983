// The quarantine: where the gate puts what must not stay in deliverables. Every move is
// an intent in the database first ('planned'), then the move, then 'moved' with a JSON
// receipt beside the file; nothing is ever deleted. recover() finishes or rolls back
// intents left by a crash.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import type { QuarantineRow, Store } from "../../db/store.js";
import type { Evidence } from "../detect/types.js";
import { errnoCode, errorMessage } from "../errors.js";
import { log } from "../log.js";
import { nowIso } from "../provenance.js";
import { constants } from "node:fs";
import { copyFile, link, lstat, readdir, rm, unlink } from "node:fs/promises";
import { ensureDir, exists, failpoint, fsyncDir, hashOf, MoveError, safeMove, writeFileDurable } from "./move.js";

export interface QuarantineRequest {
  path: string;
  kind: "blocked" | "held";
  reason: string;
  evidence: readonly Evidence[];
  sha256: string | null;
  assetId: number | null;
  dev: string | null;
  ino: string | null;
}

/** Keep names within 255 bytes after the "<id>-" prefix, extension kept. */
export function quarantineName(id: number, original: string): string {
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

function receiptPath(row: Pick<QuarantineRow, "id" | "quarantine_path">): string {
  return path.join(path.dirname(row.quarantine_path), `${row.id}.receipt.json`);
}

export class Quarantine {
  constructor(
    private readonly store: Store,
    readonly root: string,
    private readonly version: string,
    /** How long a file must be unchanged before it may be copied across filesystems. */
    private readonly quietMs = 0,
  ) {}

  /** Plan, move, record. A move that cannot complete leaves the row 'stuck' for retry; it is never reported as moved. */
  async quarantine(req: QuarantineRequest): Promise<QuarantineRow> {
    const day = nowIso().slice(0, 10);
    const dir = path.join(this.root, day);
    if (!(await exists(dir))) await ensureDir(dir); // a stat, not an fsync, on the hot path
    const id = this.store.decision(() => {
      const now = nowIso();
      const rowId = this.store.planQuarantine({
        kind: req.kind,
        original_path: req.path,
        quarantine_path: path.join(this.root, `.planning-${randomUUID()}`),
        sha256: req.sha256,
        asset_id: req.assetId,
        dev: req.dev,
        ino: req.ino,
        reason: req.reason,
        evidence: JSON.stringify(req.evidence),
        planned_at: now,
      });
      this.store.setQuarantinePath(rowId, path.join(dir, quarantineName(rowId, req.path)));
      this.store.addEvent("quarantine-planned", now, { assetId: req.assetId, path: req.path, detail: { quarantine_id: rowId, kind: req.kind, reason: req.reason } });
      return rowId;
    });
    failpoint("quarantine:after-plan");
    return this.attempt(this.store.quarantineById(id)!);
  }

  /**
   * Hold a file whose name is not UTF-8: prov cannot judge it by a string path, but it
   * can move it by its bytes. It is recorded under its escaped name and held.
   */
  async holdRaw(raw: Buffer, display: string, reason: string): Promise<QuarantineRow | null> {
    let st;
    try {
      st = await lstat(raw, { bigint: true });
    } catch {
      return null;
    }
    const sha256 = st.isFile() ? await hashOf(raw) : null;
    const day = nowIso().slice(0, 10);
    const dir = path.join(this.root, day);
    if (!(await exists(dir))) await ensureDir(dir);
    const row = this.store.decision(() => {
      const now = nowIso();
      const id = this.store.planQuarantine({
        kind: "held", original_path: display, quarantine_path: path.join(this.root, `.planning-${randomUUID()}`), sha256, asset_id: null,
        dev: String(st.dev), ino: String(st.ino), reason, evidence: "[]", planned_at: now,
      });
      // The escaped name is valid UTF-8 and says which bytes the original had.
      this.store.setQuarantinePath(id, path.join(dir, quarantineName(id, display)));
      this.store.addEvent("quarantine-planned", now, { path: display, detail: { quarantine_id: id, kind: "held", reason } });
      return this.store.quarantineById(id)!;
    });
    try {
      try {
        await link(raw, row.quarantine_path);
      } catch (err) {
        if (errnoCode(err) !== "EXDEV") throw err;
        await copyFile(raw, row.quarantine_path, constants.COPYFILE_EXCL);
        if (sha256 !== null && (await hashOf(row.quarantine_path)) !== sha256) throw new Error("the copy does not match the original");
      }
      await fsyncDir(dir);
      await unlink(raw);
    } catch (err) {
      this.store.decision(() => this.store.setQuarantineState(row.id, "stuck", { error: errorMessage(err), attempts: 1 }));
      log.warn(`cannot hold ${display}: ${errorMessage(err)}`);
      return this.store.quarantineById(row.id)!;
    }
    return this.complete(row, false);
  }

  /** Try (again) to move a planned or stuck row's file. */
  async attempt(row: QuarantineRow): Promise<QuarantineRow> {
    if (row.state === "stuck") {
      const where = await this.inspect(row);
      if (where === "placed") return this.complete(row, true);
      if (where === "gone") {
        this.rollBack(row, "the file left deliverables before it could be moved", false);
        return this.store.quarantineById(row.id)!;
      }
    }
    try {
      await safeMove(row.original_path, row.quarantine_path, { dev: row.dev, ino: row.ino, sha256: row.sha256 }, "quarantine", this.quietMs);
    } catch (err) {
      const e = err instanceof MoveError ? err : new MoveError(errorMessage(err), undefined, true);
      if (e.retriable) {
        this.store.decision(() => {
          const now = nowIso();
          this.store.setQuarantineState(row.id, "stuck", { error: e.message, attempts: 1 });
          if (row.state !== "stuck" || row.error !== e.message) {
            this.store.addEvent("quarantine-stuck", now, { assetId: row.asset_id, path: row.original_path, detail: { quarantine_id: row.id, error: e.message } });
          }
        });
        log.warn(`blocked but still present (will retry): ${e.message}`, { quarantine_id: row.id });
      } else {
        this.rollBack(row, e.message, false);
        log.warn(`quarantine move abandoned: ${e.message}`, { quarantine_id: row.id });
      }
      return this.store.quarantineById(row.id)!;
    }
    return this.complete(row, false);
  }

  /** The receipt beside a quarantined file; rewritten when a file blocked mid-write settles. */
  async writeReceipt(row: QuarantineRow, movedAt: string): Promise<void> {
    const receipt = {
      receipt: "prov quarantine",
      id: row.id,
      kind: row.kind,
      original_path: row.original_path,
      quarantine_path: row.quarantine_path,
      moved_at: movedAt,
      reason: row.reason,
      evidence: row.evidence ? (JSON.parse(row.evidence) as unknown) : [],
      sha256: row.sha256,
      asset_id: row.asset_id,
      host: hostname(),
      prov_version: this.version,
      ...(row.sha256 === null ? { note: "blocked while still being written; sha256 follows once the file has settled" } : {}),
      release: `prov release ${row.id} --by NAME (needs an approval, or --force --note)`,
    };
    await writeFileDurable(receiptPath(row), JSON.stringify(receipt, null, 2) + "\n");
  }

  private async complete(row: QuarantineRow, recovered: boolean): Promise<QuarantineRow> {
    const movedAt = nowIso();
    failpoint("quarantine:before-receipt");
    await this.writeReceipt(row, movedAt);
    this.store.decision(() => {
      this.store.setQuarantineState(row.id, "moved", { moved_at: movedAt, attempts: 1 });
      this.store.addEvent("quarantined", movedAt, {
        assetId: row.asset_id,
        path: row.original_path,
        detail: { quarantine_id: row.id, kind: row.kind, quarantine_path: row.quarantine_path, reason: row.reason, sha256: row.sha256, recovered },
      });
    });
    log.info(`${row.kind === "blocked" ? "blocked" : "held"}: ${row.original_path} → ${row.quarantine_path} (${row.reason})`, { quarantine_id: row.id });
    return this.store.quarantineById(row.id)!;
  }

  /**
   * Look at the files of an unfinished move (planned, or stuck and being retried) after a
   * crash: "placed" when the file already sits in quarantine (a leftover source name of the
   * same inode or bytes is removed), "source" when it is still only at its original path,
   * "gone" when it is in neither place. A stale `.partial` copy is removed either way.
   */
  private async inspect(row: QuarantineRow): Promise<"placed" | "source" | "gone"> {
    const src = row.original_path;
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
        await fsyncDir(path.dirname(src));
      } else {
        // Another file took the name meanwhile: the quarantined copy is complete; the new one is judged on its own.
        log.warn(`${src} holds other content than the file moved to ${dest}; it will be judged on its own`);
      }
    }
    return "placed";
  }

  /** At start-up: finish or roll back every move a crash interrupted. */
  async recover(): Promise<void> {
    for (const row of this.store.quarantineRows(["planned", "stuck"])) {
      try {
        const where = await this.inspect(row);
        if (where === "placed") await this.complete(row, true);
        else if (where === "gone") this.rollBack(row, "the file left deliverables before it could be moved", true);
        else if (row.state === "planned") this.rollBack(row, "interrupted before the file was moved; it will be judged again", true);
        // A stuck row whose file is still there stays stuck: the retry loop takes it.
      } catch (err) {
        log.error(`cannot recover quarantine move ${row.id} (${row.original_path}): ${errorMessage(err)}`);
      }
    }
    await this.recoverReleases();
    await this.removeStaleTemporaries();
  }

  private rollBack(row: QuarantineRow, reason: string, recovered: boolean): void {
    this.store.decision(() => {
      this.store.setQuarantineState(row.id, "rolled-back", { error: reason });
      this.store.addEvent("quarantine-rolled-back", nowIso(), { assetId: row.asset_id, path: row.original_path, detail: { quarantine_id: row.id, error: reason, recovered } });
    });
  }

  /** Receipts are written to `<file>.tmp-<pid>` and renamed: a crash can leave one behind. */
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
        const m = /\.receipt\.json\.tmp-(\d+)$/.exec(n);
        if (m && Number(m[1]) !== process.pid) await rm(path.join(this.root, day, n), { force: true });
      }
    }
  }

  /**
   * Put a quarantined file back (or elsewhere). Never overwrites. The release is recorded
   * before the move, so a running gate that sees the file arrive already knows it was
   * released; if the move fails the record is reverted (recover() does it after a crash).
   */
  async release(row: QuarantineRow, to: string, f: { by: string; note: string | null; forced: boolean }): Promise<void> {
    await ensureDir(path.dirname(to));
    const at = nowIso();
    this.store.decision(() => this.store.markReleased(row.id, { to, by: f.by, note: f.note, forced: f.forced, at }));
    try {
      await safeMove(row.quarantine_path, to, { dev: null, ino: null, sha256: null }, "release");
    } catch (err) {
      this.store.decision(() => this.store.setQuarantineState(row.id, "moved", { error: `release failed: ${errorMessage(err)}` }));
      throw err;
    }
    this.store.decision(() =>
      this.store.addEvent("released", nowIso(), { assetId: row.asset_id, path: to, detail: { quarantine_id: row.id, by: f.by, note: f.note, forced: f.forced, from: row.quarantine_path } }),
    );
  }

  /** A release recorded but not carried out (crash between the two): back to quarantine state. */
  private async recoverReleases(): Promise<void> {
    for (const row of this.store.quarantineRows(["released"])) {
      if (!row.released_to || this.store.events({ path: row.released_to }).some((e) => e.kind === "released")) continue;
      const inQuarantine = await exists(row.quarantine_path);
      const atTarget = await exists(row.released_to);
      if (inQuarantine && atTarget) {
        const [q, t] = await Promise.all([lstat(row.quarantine_path, { bigint: true }), lstat(row.released_to, { bigint: true })]);
        if (q.dev === t.dev && q.ino === t.ino) await unlink(row.quarantine_path); // link done, unlink not
      }
      if (await exists(row.released_to)) {
        this.store.decision(() => this.store.addEvent("released", nowIso(), { assetId: row.asset_id, path: row.released_to, detail: { quarantine_id: row.id, recovered: true } }));
      } else {
        this.store.decision(() => this.store.setQuarantineState(row.id, "moved", { error: "release interrupted before the file was moved back" }));
      }
    }
  }
}
