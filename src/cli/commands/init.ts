import { existsSync } from "node:fs";
import path from "node:path";
import { openStore } from "../../../db/index.js";
import { databaseShown, envPasswordFile, initialConfigJson, initTargets, parseConfig, refusePasswordOnCommandLine, validateRoots } from "../../config.js";
import { isDatabaseUrl } from "../../domain/database-url.js";
import { writeDurable } from "../../adapters/fs/durable.js";
import type { Context } from "../context.js";
import { InputError } from "../../domain/errors.js";
import { ExitCode } from "../exit.js";
import { printJson, println } from "../output.js";

export interface InitOptions {
  force?: boolean;
  working?: string[];
  deliverables?: string[];
  quarantine?: string;
  unknown?: string;
  /** A PostgreSQL URL (or a SQLite path), as --db. */
  database?: string;
}

/** Write prov.config.json (never over an existing one without --force) and create the database. */
export async function initCommand(ctx: Context, opts: InitOptions): Promise<number> {
  if (opts.database !== undefined) refusePasswordOnCommandLine(opts.database);
  const { configFile, database: dbOption } = initTargets({ configPath: ctx.globals.config, dbPath: opts.database ?? ctx.globals.db });
  if (existsSync(configFile) && !opts.force) throw new InputError(`${configFile} already exists; add --force to overwrite it`);
  if (opts.unknown !== undefined && opts.unknown !== "allow" && opts.unknown !== "hold") throw new InputError("--unknown must be allow or hold");
  const url = dbOption !== undefined && isDatabaseUrl(dbOption) ? dbOption : null;
  const dbAbs = url ?? path.resolve(dbOption ?? path.join(path.dirname(configFile), "prov.db"));
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
  // A URL goes in as given (never with a password: refused above) and is written shown.
  const json = initialConfigJson(url ? databaseShown(url) : rel(dbAbs), roots as never) as Record<string, unknown>;
  if (opts.unknown) json["gate"] = { ...(json["gate"] as object), unknown: opts.unknown };
  const text = JSON.stringify(json, null, 2) + "\n";

  // Check what was asked before writing anything.
  const parsed = parseConfig(configFile, text);
  if (roots.working.length > 0 || roots.deliverables.length > 0 || roots.quarantine) validateRoots(parsed);

  const store = await openStore(dbAbs, { create: true, postgres: { passwordFile: envPasswordFile() ?? parsed.databasePasswordFile, tls: parsed.databaseTls } });
  const version = await store.schemaVersion();
  await store.close();

  await writeDurable(configFile, text, { exclusive: opts.force !== true });

  if (ctx.globals.json) printJson("prov.init", { config: configFile, database: store.location, databaseSchemaVersion: version, roots: parsed.roots });
  else {
    println(`wrote ${configFile}`);
    println(`database ${store.location} (${store.dialect === "postgres" ? "PostgreSQL, " : ""}schema version ${version})`);
    for (const w of parsed.roots.working) println(`working      ${w}`);
    for (const d of parsed.roots.deliverables) println(`deliverables ${d}`);
    if (parsed.roots.quarantine) println(`quarantine   ${parsed.roots.quarantine}`);
  }
  return ExitCode.ok;
}
