import { Stats } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";
import type { QuarantineRow } from "../../db/store.js";
import type { Context } from "../context.js";
import { decide } from "../policy/gate.js";
import { describeFsError, errnoCode, ExitCode, ProvError, UsageError } from "../errors.js";
import { printJson, println, showPath, table } from "../output.js";
import { evidenceWithLineage } from "../provenance.js";
import { exists, MoveError } from "../quarantine/move.js";
import { Quarantine } from "../quarantine/quarantine.js";

function rowJson(r: QuarantineRow) {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    originalPath: r.original_path,
    quarantinePath: r.quarantine_path,
    sha256: r.sha256,
    reason: r.reason,
    evidence: r.evidence ? (JSON.parse(r.evidence) as unknown) : [],
    plannedAt: r.planned_at,
    movedAt: r.moved_at,
    error: r.error,
    releasedAt: r.released_at,
    releasedTo: r.released_to,
    releasedBy: r.released_by,
    releaseNote: r.release_note,
    releaseForced: r.release_forced === 1,
  };
}

export async function quarantineLsCommand(ctx: Context, opts: { all?: boolean }): Promise<number> {
  const store = ctx.store({ readonly: true });
  const rows = store.quarantineRows(opts.all ? undefined : ["moved", "stuck", "planned"]);
  if (ctx.globals.json) {
    printJson(rows.map(rowJson));
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    println(opts.all ? "the quarantine has never held anything" : "nothing in quarantine (--all shows released and rolled-back moves)");
    return ExitCode.ok;
  }
  println(
    table(
      rows.map((r) => [String(r.id), r.kind, r.state === "stuck" ? "STILL PRESENT" : r.state, r.moved_at ?? r.planned_at, showPath(r.original_path), r.reason]),
      ["ID", "KIND", "STATE", "TIME", "ORIGINAL PATH", "REASON"],
    ),
  );
  return ExitCode.ok;
}

export interface ReleaseOptions {
  to?: string;
  /** Create missing folders above the last one of --to. */
  parents?: boolean;
  by: string;
  note?: string;
  force?: boolean;
}

/** Put a file back only when the gate would now allow it (e.g. approved), or with --force and a note. */
export async function releaseCommand(ctx: Context, idArg: string, o: ReleaseOptions, version: string): Promise<number> {
  const config = ctx.config();
  const store = ctx.store({ create: true });
  const id = Number(idArg);
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`${idArg} is not a quarantine id (see prov quarantine ls)`);
  const row = store.quarantineById(id);
  if (!row) throw new UsageError(`no quarantine entry ${id} (see prov quarantine ls)`);
  if (row.state !== "moved") throw new UsageError(`quarantine entry ${id} is ${row.state}, not in quarantine`);
  if (!(await exists(row.quarantine_path))) throw new UsageError(`${row.quarantine_path} is missing from the quarantine folder; nothing to release`);

  const asset = row.asset_id !== null ? store.assetById(row.asset_id) : undefined;
  const decision = asset
    ? decide({
        symlink: false,
        known: { origin: asset.origin, status: asset.status, sha256: asset.sha256 },
        own: { origin: asset.origin, evidence: evidenceWithLineage(store, asset) },
        readError: asset.origin === "unknown" ? asset.metadata_error : null,
        stable: true,
        forcedRelease: false,
        unknownPolicy: config.gate.unknown,
      })
    : { action: "block" as const, reason: row.reason };
  if (decision.action !== "allow") {
    if (!o.force) {
      throw new UsageError(
        `entry ${id} would be ${decision.action === "block" ? "blocked" : "held"} again: ${decision.reason}. ` +
          `Approve the asset (prov approve ${row.sha256?.slice(0, 12) ?? "SHA256"} --by --ref), or release with --force --note "why".`,
      );
    }
    if (!o.note) throw new UsageError("--force needs --note: the reason is recorded with the release");
  }
  const to = path.resolve(o.to ?? row.original_path);
  await releaseTarget(to, o.parents === true, o.to !== undefined);
  try {
    await new Quarantine(store, config.roots.quarantine ?? path.dirname(path.dirname(row.quarantine_path)), version).release(row, to, {
      by: o.by,
      note: o.note ?? null,
      forced: decision.action !== "allow",
    });
  } catch (err) {
    if (err instanceof ProvError) throw err;
    throw new UsageError(`cannot release #${id} to ${showPath(to)}: ${err instanceof MoveError ? moveReason(err) : describeFsError(err)}; the file stays in quarantine`, { cause: err });
  }
  const out = { id, releasedTo: to, forced: decision.action !== "allow", by: o.by };
  if (ctx.globals.json) printJson(out);
  else println(`released #${id} to ${showPath(to)}${out.forced ? " (forced; recorded)" : ""}`);
  return ExitCode.ok;
}

/**
 * Check where a release goes before anything moves: never over an existing file; the
 * folder it goes into must exist, or be the one missing folder directly under an existing
 * one (created), unless --parents asks for more. Every refusal is a sentence, exit 2.
 */
async function releaseTarget(to: string, parents: boolean, explicit: boolean): Promise<void> {
  const flag = explicit ? "--to " : "";
  const at = await lstat(to).catch((err: unknown) => (errnoCode(err) === "ENOENT" ? null : err));
  if (at !== null) {
    if (at instanceof Error) throw new UsageError(`cannot release to ${flag}${showPath(to)}: ${describeFsError(at)}`);
    throw new UsageError(`${showPath(to)} already exists; choose another place with --to (prov never overwrites)`);
  }
  const dir = path.dirname(to);
  const parent: Stats | unknown = await lstat(dir).catch((err: unknown) => err);
  if (parent instanceof Stats) {
    if (!parent.isDirectory()) throw new UsageError(`cannot release to ${flag}${showPath(to)}: ${showPath(dir)} is not a folder`);
    return;
  }
  if (errnoCode(parent) !== "ENOENT") throw new UsageError(`cannot release to ${flag}${showPath(to)}: ${showPath(dir)}: ${describeFsError(parent)}`);
  const above: Stats | unknown = await lstat(path.dirname(dir)).catch((err: unknown) => err);
  const aboveIsDir = above instanceof Stats && above.isDirectory();
  if (!aboveIsDir && !parents) {
    throw new UsageError(`cannot release to ${flag}${showPath(to)}: the folder ${showPath(dir)} and the one above it do not exist; create them, or add --parents`);
  }
  try {
    await mkdir(dir, { recursive: !aboveIsDir });
  } catch (err) {
    throw new UsageError(`cannot release to ${flag}${showPath(to)}: cannot create ${showPath(dir)}: ${describeFsError(err)}`);
  }
}

function moveReason(err: MoveError): string {
  return err.code && err.code !== "ECHANGED" && err.code !== "EEXIST" ? describeFsError(err) : err.message;
}
