import type { Context } from "../context.js";
import { exportStore, importStore } from "../../app/transfer.js";
import { verdictOf } from "../../domain/chain.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath } from "../output.js";

const total = (rows: Record<string, number>): number => Object.values(rows).reduce((a, b) => a + b, 0);
const perTable = (rows: Record<string, number>): string =>
  Object.entries(rows)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${n} ${t}`)
    .join(", ");

/** `prov db export FILE`: every history row of the configured database, one snapshot. */
export async function dbExportCommand(ctx: Context, file: string, prov: string): Promise<number> {
  const store = await ctx.store({ readonly: true });
  const r = await exportStore(store, file, prov, new Date(ctx.clock.now()).toISOString());
  if (ctx.globals.json) printJson("prov.db.export", { file: r.file, from: store.location, rows: r.rows, head: r.head });
  else {
    println(`exported ${total(r.rows)} rows of ${showPath(store.location)} to ${showPath(r.file)}`);
    println(`  ${perTable(r.rows)}`);
    println(`  history chain head: row ${r.head.row}${r.head.hash ? ` ${r.head.hash}` : ""}`);
  }
  return ExitCode.ok;
}

/** `prov db import FILE`: into the configured database (new, without history); 1 when the imported chain does not verify. */
export async function dbImportCommand(ctx: Context, file: string): Promise<number> {
  const store = await ctx.store({ create: true });
  const r = await importStore(store, file);
  if (ctx.globals.json) printJson("prov.db.import", { file, into: store.location, from: r.from, rows: r.rows, head: r.head, intact: r.report.intact, verdict: verdictOf(r.report) });
  else {
    println(`imported ${total(r.rows)} rows from ${showPath(file)} into ${showPath(store.location)} (exported from ${r.from.dialect}, schema ${r.from.schemaVersion})`);
    println(`  ${perTable(r.rows)}`);
    println(`  ${verdictOf(r.report)}; head row ${r.report.head.seq} ${r.report.head.hash}`);
  }
  return r.report.intact ? ExitCode.ok : ExitCode.findings;
}
