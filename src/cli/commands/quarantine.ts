import { Stats } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import path from "node:path";
import type { QuarantineRow } from "../../ports.js";
import type { Context } from "../context.js";
import { InputError, NotFoundError, ProvError, RefusedError } from "../../domain/errors.js";
import { judgeRecorded } from "../../app/judge.js";
import { ExitCode } from "../exit.js";
import { describeFsError, errnoCode } from "../../errors.js";
import { printJson, println, showPath, table } from "../output.js";
import { exists, MoveError } from "../../adapters/fs/move.js";
import { Quarantine } from "../../app/quarantine.js";
import { currentActor } from "../../adapters/os-account.js";
import { authorise } from "../../app/decisions.js";

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
  const store = await ctx.store({ readonly: true });
  const rows = await store.quarantine.rows(opts.all ? undefined : ["moved", "stuck", "planned"]);
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
  const actor = currentActor();
  authorise(actor, config.approvers);
  const store = await ctx.store({ create: true });
  const id = Number(idArg);
  if (!Number.isInteger(id) || id <= 0) throw new InputError(`${idArg} is not a quarantine id (see prov quarantine ls)`);
  const row = await store.quarantine.byId(id);
  if (!row) throw new NotFoundError(`no quarantine entry ${id} (see prov quarantine ls)`);
  if (row.state !== "moved") throw new RefusedError(`quarantine entry ${id} is ${row.state}, not in quarantine`);
  if (!(await exists(row.quarantine_path))) throw new NotFoundError(`${row.quarantine_path} is missing from the quarantine folder; nothing to release`);

  // The gate's own decision, with every fact it uses (a perceptual look-alike too): a
  // release the gate would block again is refused unless forced.
  const facts = row.asset_id !== null ? await store.assets.facts(row.asset_id) : undefined;
  const decision = facts
    ? (await judgeRecorded({ store }, facts, { path: row.original_path, stable: true, readError: facts.asset.metadata_error, unnamed: row.original_raw !== null, expensive: true }, { unknownPolicy: config.gate.unknown, matching: ctx.perceptual() })).decision
    : { action: "block" as const, reason: row.reason };
  if (decision.action !== "allow") {
    if (!o.force) {
      throw new RefusedError(
        `entry ${id} would be ${decision.action === "block" ? "blocked" : "held"} again: ${decision.reason}. ` +
          `Approve the asset (prov approve ${row.sha256?.slice(0, 12) ?? "SHA256"} --by --ref), or release with --force --note "why".`,
      );
    }
    if (!o.note) throw new InputError("--force needs --note: the reason is recorded with the release");
  }
  const to = path.resolve(o.to ?? row.original_path);
  await releaseTarget(to, o.parents === true, o.to !== undefined);
  try {
    await new Quarantine(store, config.roots.quarantine ?? path.dirname(path.dirname(row.quarantine_path)), version, 0, ctx.clock).release(row, to, {
      by: o.by,
      note: o.note ?? null,
      forced: decision.action !== "allow",
      account: actor.account,
      host: actor.host,
    });
  } catch (err) {
    if (err instanceof ProvError) throw err;
    throw new InputError(`cannot release #${id} to ${showPath(to)}: ${err instanceof MoveError ? moveReason(err) : describeFsError(err)}; the file stays in quarantine`, { cause: err });
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
