// Release a quarantined file: put it back only when the gate would now allow it (approved,
// tagged), or forced with a note. The CLI (prov release) and the desk ask here, so a
// release the gate would block again is refused the same way from both.

import { Stats } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";
import type { Actor } from "../domain/approval-terms.js";
import { InputError, NotFoundError, ProvError, RefusedError } from "../domain/errors.js";
import type { Matching } from "../domain/likeness.js";
import type { Clock, QuarantineRow, Store } from "../ports.js";
import { describeFsError, errnoCode } from "../errors.js";
import { exists, MoveError } from "../adapters/fs/move.js";
import { judgeRecorded } from "./judge.js";
import { Quarantine } from "./quarantine.js";

export interface ReleaseDeps {
  store: Store;
  /** roots.quarantine (null: the row's own quarantine folder). */
  quarantineRoot: string | null;
  unknownPolicy: "allow" | "hold";
  matching: Matching | undefined;
  clock: Clock;
  version: string;
}

export interface ReleaseRequest {
  id: number;
  /** Another place than the original path. */
  to?: string | undefined;
  /** Create missing folders above the last one of `to`. */
  parents?: boolean | undefined;
  by: string;
  note?: string | undefined;
  force?: boolean | undefined;
}

/** What the gate would do with this quarantined file if it were back at its original path now. */
export async function wouldGate(d: Pick<ReleaseDeps, "store" | "unknownPolicy" | "matching">, row: QuarantineRow): Promise<{ action: "allow" | "block" | "hold" | "wait"; reason: string }> {
  // The gate's own decision, with every fact it uses (a perceptual look-alike too).
  const facts = row.asset_id !== null ? await d.store.assets.facts(row.asset_id) : undefined;
  if (!facts) return { action: "block", reason: row.reason };
  const r = await judgeRecorded({ store: d.store }, facts, { path: row.original_path, stable: true, readError: facts.asset.metadata_error, unnamed: row.original_raw !== null, expensive: true }, { unknownPolicy: d.unknownPolicy, matching: d.matching });
  return r.decision;
}

/** A quarantine row that can be released (in quarantine, its file there), or a clear refusal. */
export async function releasable(store: Store, id: number): Promise<QuarantineRow> {
  const row = await store.quarantine.byId(id);
  if (!row) throw new NotFoundError(`no quarantine entry ${id} (see prov quarantine ls)`);
  if (row.state !== "moved") throw new RefusedError(`quarantine entry ${id} is ${row.state}, not in quarantine`);
  if (!(await exists(row.quarantine_path))) throw new NotFoundError(`${row.quarantine_path} is missing from the quarantine folder; nothing to release`);
  return row;
}

/** Put a file back; refused (nothing moves) when the gate would block or hold it again, unless forced with a note. */
export async function releaseQuarantined(d: ReleaseDeps, req: ReleaseRequest, actor: Actor): Promise<{ id: number; releasedTo: string; forced: boolean }> {
  const { id } = req;
  const row = await releasable(d.store, id);
  const decision = await wouldGate(d, row);
  if (decision.action !== "allow") {
    if (!req.force) {
      throw new RefusedError(
        `entry ${id} would be ${decision.action === "block" ? "blocked" : "held"} again: ${decision.reason}. ` +
          `Approve the asset (prov approve ${row.sha256?.slice(0, 12) ?? "SHA256"} --by --ref), or release with --force --note "why".`,
      );
    }
    if (!req.note) throw new InputError("--force needs --note: the reason is recorded with the release");
  }
  const to = path.resolve(req.to ?? row.original_path);
  await releaseTarget(to, req.parents === true, req.to !== undefined);
  try {
    await new Quarantine(d.store, d.quarantineRoot ?? path.dirname(path.dirname(row.quarantine_path)), d.version, 0, d.clock).release(row, to, {
      by: req.by,
      note: req.note ?? null,
      forced: decision.action !== "allow",
      account: actor.account,
      host: actor.host,
    });
  } catch (err) {
    if (err instanceof ProvError) throw err;
    throw new InputError(`cannot release #${id} to ${showPath(to)}: ${err instanceof MoveError ? moveReason(err) : describeFsError(err)}; the file stays in quarantine`, { cause: err });
  }
  return { id, releasedTo: to, forced: decision.action !== "allow" };
}

/**
 * Check where a release goes before anything moves: never over an existing file; the
 * folder it goes into must exist, or be the one missing folder directly under an existing
 * one (created), unless `parents` asks for more. Every refusal is a sentence, exit 2.
 */
async function releaseTarget(to: string, parents: boolean, explicit: boolean): Promise<void> {
  const flag = explicit ? "--to " : "";
  const at = await lstat(to).catch((err: unknown) => (errnoCode(err) === "ENOENT" ? null : err));
  if (at !== null) {
    if (at instanceof Error) throw new InputError(`cannot release to ${flag}${showPath(to)}: ${describeFsError(at)}`);
    throw new InputError(`${showPath(to)} already exists; choose another place with --to (prov never overwrites)`);
  }
  const dir = path.dirname(to);
  const parent: Stats | unknown = await lstat(dir).catch((err: unknown) => err);
  if (parent instanceof Stats) {
    if (!parent.isDirectory()) throw new InputError(`cannot release to ${flag}${showPath(to)}: ${showPath(dir)} is not a folder`);
    return;
  }
  if (errnoCode(parent) !== "ENOENT") throw new InputError(`cannot release to ${flag}${showPath(to)}: ${showPath(dir)}: ${describeFsError(parent)}`);
  const above: Stats | unknown = await lstat(path.dirname(dir)).catch((err: unknown) => err);
  const aboveIsDir = above instanceof Stats && above.isDirectory();
  if (!aboveIsDir && !parents) {
    throw new InputError(`cannot release to ${flag}${showPath(to)}: the folder ${showPath(dir)} and the one above it do not exist; create them, or add --parents`);
  }
  try {
    await mkdir(dir, { recursive: !aboveIsDir });
  } catch (err) {
    throw new InputError(`cannot release to ${flag}${showPath(to)}: cannot create ${showPath(dir)}: ${describeFsError(err)}`);
  }
}

function moveReason(err: MoveError): string {
  return err.code && err.code !== "ECHANGED" && err.code !== "EEXIST" ? describeFsError(err) : err.message;
}

/** A path as a message shows it (control characters escaped, as src/cli/output.ts showPath does). */
function showPath(p: string): string {
  return /[\x00-\x1f\x7f]/.test(p) ? JSON.stringify(p) : p;
}
