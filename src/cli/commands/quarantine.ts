import type { QuarantineRow } from "../../ports.js";
import type { Context } from "../context.js";
import { InputError } from "../../domain/errors.js";
import { releaseQuarantined } from "../../app/release.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath, table } from "../output.js";
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
    printJson("prov.quarantine.ls", rows.map(rowJson));
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

/** Put a file back only when the gate would now allow it (e.g. approved), or with --force and a note (src/app/release.ts). */
export async function releaseCommand(ctx: Context, idArg: string, o: ReleaseOptions, version: string): Promise<number> {
  const config = ctx.config();
  const actor = currentActor();
  authorise(actor, config.approvers);
  const store = await ctx.store({ create: true });
  const id = Number(idArg);
  if (!Number.isInteger(id) || id <= 0) throw new InputError(`${idArg} is not a quarantine id (see prov quarantine ls)`);
  const out = await releaseQuarantined(
    { store, quarantineRoot: config.roots.quarantine, unknownPolicy: config.gate.unknown, matching: ctx.perceptual(), clock: ctx.clock, version },
    { id, to: o.to, parents: o.parents, by: o.by, note: o.note, force: o.force },
    actor,
  );
  if (ctx.globals.json) printJson("prov.release", { ...out, by: o.by });
  else println(`released #${id} to ${showPath(out.releasedTo)}${out.forced ? " (forced; recorded)" : ""}`);
  return ExitCode.ok;
}
