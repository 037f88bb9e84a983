import { closeSync, existsSync, fsyncSync, openSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Store } from "../../db/store.js";
import { CONFIG_FILE, initialConfigJson, parseConfig, validateRoots } from "../config.js";
import type { Context } from "../context.js";
import { ExitCode, UsageError } from "../errors.js";
import { printJson, println } from "../output.js";

export interface InitOptions {
  force?: boolean;
  working?: string[];
  deliverables?: string[];
  quarantine?: string;
  unknown?: string;
}

/** Write prov.config.json (never over an existing one without --force) and create the database. */
export async function initCommand(ctx: Context, opts: InitOptions): Promise<number> {
  const configFile = path.resolve(ctx.globals.config ?? process.env["PROV_CONFIG"] ?? CONFIG_FILE);
  if (existsSync(configFile) && !opts.force) throw new UsageError(`${configFile} already exists; add --force to overwrite it`);
  if (opts.unknown !== undefined && opts.unknown !== "allow" && opts.unknown !== "hold") throw new UsageError("--unknown must be allow or hold");
  const dbOption = ctx.globals.db ?? process.env["PROV_DB"];
  const dbAbs = path.resolve(dbOption ?? path.join(path.dirname(configFile), "prov.db"));
  // Paths beside the config are stored relative to it, so the folder can move.
  const rel = (abs: string): string => {
    const r = path.relative(path.dirname(configFile), abs);
    return r === "" ? "." : r.startsWith("..") || path.isAbsolute(r) ? abs : r;
  };
  const roots = {
    working: (opts.working ?? []).map((d) => rel(path.resolve(d))),
    deliverables: (opts.deliverables ?? []).map((d) => rel(path.resolve(d))),
    quarantine: opts.quarantine ? rel(path.resolve(opts.quarantine)) : null,
  };
  const json = initialConfigJson(rel(dbAbs), roots as never) as Record<string, unknown>;
  if (opts.unknown) json["gate"] = { ...(json["gate"] as object), unknown: opts.unknown };
  const text = JSON.stringify(json, null, 2) + "\n";

  // Check what was asked before writing anything.
  const parsed = parseConfig(configFile, text);
  if (roots.working.length > 0 || roots.deliverables.length > 0 || roots.quarantine) validateRoots(parsed);

  const store = Store.open(dbAbs, { create: true });
  const version = store.schemaVersion();
  store.close();

  const tmp = `${configFile}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { flag: "wx" });
  const fd = openSync(tmp, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, configFile);

  if (ctx.globals.json) printJson({ config: configFile, database: dbAbs, schemaVersion: version, roots: parsed.roots });
  else {
    println(`wrote ${configFile}`);
    println(`database ${dbAbs} (schema version ${version})`);
    for (const w of parsed.roots.working) println(`working      ${w}`);
    for (const d of parsed.roots.deliverables) println(`deliverables ${d}`);
    if (parsed.roots.quarantine) println(`quarantine   ${parsed.roots.quarantine}`);
  }
  return ExitCode.ok;
}
