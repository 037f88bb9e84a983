import type { Context } from "../context.js";
import { ORIGINS, STATUSES, type Origin, type Status } from "../detect/types.js";
import { ExitCode, UsageError } from "../errors.js";
import { humanBytes, printJson, println, showPath, table } from "../output.js";

export async function lsCommand(ctx: Context, opts: { origin?: string; status?: string }): Promise<number> {
  if (opts.origin && !(ORIGINS as readonly string[]).includes(opts.origin)) throw new UsageError(`--origin must be one of ${ORIGINS.join(", ")}`);
  if (opts.status && !(STATUSES as readonly string[]).includes(opts.status)) throw new UsageError(`--status must be one of ${STATUSES.join(", ")}`);
  const store = ctx.store({ readonly: true });
  const assets = store.listAssets({ origin: opts.origin as Origin | undefined, status: opts.status as Status | undefined });
  const rows = assets.map((a) => {
    const locs = store.locationsOf(a.id);
    const present = locs.filter((l) => l.state === "present");
    return { sha256: a.sha256, origin: a.origin, status: a.status, size: a.size, fileType: a.file_type, paths: present.map((l) => l.path), missing: locs.length - present.length };
  });
  if (ctx.globals.json) {
    printJson(rows);
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
