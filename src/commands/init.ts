import { existsSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from "node:fs";
import path from "node:path";
import { Store } from "../../db/store.js";
import { CONFIG_FILE, initialConfigJson } from "../config.js";
import type { Context } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { printJson, println } from "../output.js";

/** Write prov.config.json (never over an existing one without --force) and create the database. */
export async function initCommand(ctx: Context, opts: { force?: boolean }): Promise<number> {
  const configFile = path.resolve(ctx.globals.config ?? process.env["PROV_CONFIG"] ?? CONFIG_FILE);
  if (existsSync(configFile) && !opts.force) throw new UsageError(`${configFile} already exists; add --force to overwrite it`);
  const dbOption = ctx.globals.db ?? process.env["PROV_DB"];
  const dbAbs = path.resolve(dbOption ?? path.join(path.dirname(configFile), "prov.db"));
  // Store the database path relative to the config when it sits beside it, so the folder can move.
  const rel = path.relative(path.dirname(configFile), dbAbs);
  const dbInConfig = rel.startsWith("..") || path.isAbsolute(rel) ? dbAbs : rel;

  const store = Store.open(dbAbs, { create: true });
  const version = store.schemaVersion();
  store.close();

  const tmp = `${configFile}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(initialConfigJson(dbInConfig), null, 2) + "\n", { flag: "wx" });
  const fd = openSync(tmp, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, configFile);

  if (ctx.globals.json) printJson({ config: configFile, database: dbAbs, schemaVersion: version });
  else {
    println(`wrote ${configFile}`);
    println(`database ${dbAbs} (schema version ${version})`);
  }
  return ExitCode.ok;
}
