import type { Context } from "../context.js";
import { listAssets } from "../../app/queries.js";
import { ORIGINS, STATUSES, type Origin, type Status } from "../../domain/types.js";
import { InputError } from "../../domain/errors.js";
import { ExitCode } from "../exit.js";
import { humanBytes, printJson, println, showPath, table } from "../output.js";

export async function lsCommand(ctx: Context, opts: { origin?: string; status?: string }): Promise<number> {
  if (opts.origin && !(ORIGINS as readonly string[]).includes(opts.origin)) throw new InputError(`--origin must be one of ${ORIGINS.join(", ")}`);
  if (opts.status && !(STATUSES as readonly string[]).includes(opts.status)) throw new InputError(`--status must be one of ${STATUSES.join(", ")}`);
  const store = await ctx.store({ readonly: true });
  const rows = await listAssets(store, { origin: opts.origin as Origin | undefined, status: opts.status as Status | undefined });
  if (ctx.globals.json) {
    printJson("prov.ls", rows);
    return ExitCode.ok;
  }
  if (rows.length === 0) {
    println("no assets match");
    return ExitCode.ok;
  }
  println(
    table(
      rows.map((r) => [
        r.origin,
        r.status ?? "-",
        r.sha256.slice(0, 12),
        humanBytes(r.size),
        (r.paths[0] ? showPath(r.paths[0]) : "(no present location)") + (r.paths.length > 1 ? ` (+${r.paths.length - 1} more)` : ""),
      ]),
      ["ORIGIN", "STATUS", "SHA256", "SIZE", "PATH"],
    ),
  );
  return ExitCode.ok;
}
