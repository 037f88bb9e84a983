// The quarantine: where the gate puts what must not stay in deliverables. Every move is
// an intent in the database first ('planned'), then the move, then 'moved' with a JSON
// receipt beside the file; nothing is ever deleted. recover() finishes or rolls back
// intents left by a crash.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import type { QuarantineRow, Store } from "../../db/store.js";
import type { Evidence } from "../detect/types.js";
import { errorMessage } from "../errors.js";
import { log } from "../log.js";
import { nowIso } from "../provenance.js";
import { ensureDir, exists, failpoint, hashOf, MoveError, safeMove, writeFileDurable } from "./move.js";
import { lstat, rm, unlink } from "node:fs/promises";

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
  let stem = base.slice(0, base.length - ext.length);
  while (Buffer.byteLength(stem) + Buffer.byteLength(ext) > max) stem = stem.slice(0, -1);
  return prefix + stem + ext;
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

  /** Try (again) to move a planned or stuck row's file. */
  async attempt(row: QuarantineRow): Promise<QuarantineRow> {
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
        this.store.decision(() => {
          this.store.setQuarantineState(row.id, "rolled-back", { error: e.message, attempts: 1 });
          this.store.addEvent("quarantine-rolled-back", nowIso(), { assetId: row.asset_id, path: row.original_path, detail: { quarantine_id: row.id, error: e.message } });
        });
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

  /** At start-up: finish or roll back every move a crash interrupted. */
  async recover(): Promise<void> {
    for (const row of this.store.quarantineRows(["planned"])) {
      const src = row.original_path;
      const dest = row.quarantine_path;
      try {
        await rm(`${dest}.partial`, { force: true });
        const destExists = !path.basename(dest).startsWith(".planning-") && (await exists(dest));
        if (destExists) {
          if (await exists(src)) {
            const [s, d] = await Promise.all([lstat(src, { bigint: true }), lstat(dest, { bigint: true })]);
            const sameInode = s.dev === d.dev && s.ino === d.ino;
            // A cross-filesystem copy was placed but the source not yet unlinked: same bytes?
            let sameContent = false;
            if (!sameInode && s.isFile() && d.isFile()) {
              const destHash = await hashOf(dest);
              sameContent = (row.sha256 === null || destHash === row.sha256) && (await hashOf(src)) === destHash;
            }
            // The move got as far as placing the file: the source name is the leftover.
            if (sameInode || sameContent) await unlink(src);
          }
          await this.complete(row, true);
          continue;
        }
        this.store.decision(() => {
          const reason = "interrupted before the file was moved; it will be judged again";
          this.store.setQuarantineState(row.id, "rolled-back", { error: reason });
          this.store.addEvent("quarantine-rolled-back", nowIso(), { assetId: row.asset_id, path: src, detail: { quarantine_id: row.id, error: reason, recovered: true } });
        });
      } catch (err) {
        log.error(`cannot recover quarantine move ${row.id} (${src}): ${errorMessage(err)}`);
      }
    }
    await this.recoverReleases();
    // A stuck row whose file has gone is no longer blocked-but-present.
    for (const row of this.store.quarantineRows(["stuck"])) {
      if (!(await exists(row.original_path))) {
        this.store.decision(() => {
          this.store.setQuarantineState(row.id, "rolled-back", { error: "the file left deliverables before it could be moved" });
          this.store.addEvent("quarantine-rolled-back", nowIso(), { assetId: row.asset_id, path: row.original_path, detail: { quarantine_id: row.id } });
        });
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
