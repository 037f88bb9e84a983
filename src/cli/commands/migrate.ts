// prov migrate: bring the configured database (SQLite file or PostgreSQL) to the schema
// this prov needs, and say from which version to which. Every writing command migrates an
// older database when it opens it; this does it on purpose (a facility upgrades its
// PostgreSQL once, before the watchers restart), and --check only says whether it is due.

import { migrateStore } from "../../../db/index.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { printJson, println } from "../output.js";

export interface MigrateOptions {
  check?: boolean;
}

/** Exit 0: current (or brought current); --check exits 1 when behind; a newer schema: the StoreError's code. */
export async function migrateCommand(ctx: Context, opts: MigrateOptions): Promise<number> {
  const r = await migrateStore(ctx.databasePath(), { postgres: ctx.postgresOptions(), check: opts.check === true });
  const behind = r.from < r.latest;
  if (ctx.globals.json) {
    printJson("prov.migrate", { database: r.location, from: r.from, to: opts.check ? r.latest : r.to, latest: r.latest, current: opts.check ? !behind : true, migrated: !opts.check && r.from !== r.to });
  } else if (opts.check) {
    println(behind ? `database ${r.location}: schema version ${r.from}, this prov needs ${r.latest}: run \`prov migrate\`` : `database ${r.location}: schema version ${r.from}, current`);
  } else {
    println(r.from === r.to ? `database ${r.location}: schema version ${r.to}, already current` : `database ${r.location}: schema version ${r.from} → ${r.to}`);
  }
  return opts.check && behind ? ExitCode.findings : ExitCode.ok;
}
