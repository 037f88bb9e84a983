import type { Context } from "../context.js";
import { history } from "../../app/queries.js";
import { InputError } from "../../domain/errors.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath } from "../output.js";
import { requireAsset, resolveTarget } from "./target.js";

export async function logCommand(ctx: Context, arg: string | undefined, opts: { limit?: string }): Promise<number> {
  const store = await ctx.store({ readonly: true });
  const limit = opts.limit === undefined ? 200 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new InputError(`--limit must be a whole number of events, 1 or more (got ${opts.limit})`);
  let assetId: number | undefined;
  if (arg) assetId = requireAsset(await resolveTarget(ctx, arg, { record: false }), arg).id;
  const rows = await history(store, { assetId, limit });
  if (ctx.globals.json) printJson("prov.log", rows);
  else {
    for (const r of rows) {
      const detail = r.detail ? " " + JSON.stringify(r.detail) : "";
      println(`${r.at}  ${r.kind.padEnd(10)} ${r.sha256 ? r.sha256.slice(0, 12) : "-".padEnd(12)}  ${r.path ? showPath(r.path) : ""}${detail}`);
    }
  }
  return ExitCode.ok;
}
