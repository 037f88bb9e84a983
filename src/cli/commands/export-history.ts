import type { Context } from "../context.js";
import { exportHistory } from "../../app/history.js";
import { verdictOf } from "../../domain/chain.js";
import { log } from "../../log.js";
import { ExitCode } from "../exit.js";
import { printJson, showPath } from "../output.js";

/**
 * `prov export-history`: the chain as JSON lines, its head in the last line, for an
 * auditor (to stdout, or to --out FILE, written whole or not at all). 1 when the chain is
 * broken (exported all the same, saying so).
 */
export async function exportHistoryCommand(ctx: Context, opts: { out?: string }): Promise<number> {
  const store = await ctx.store({ readonly: true });
  const out = opts.out ?? null;
  const { report } = await exportHistory(store, out, new Date(ctx.clock.now()).toISOString());
  const where = out === null ? "stdout" : showPath(out);
  if (out !== null && ctx.globals.json) printJson("prov.export-history", { file: out, rows: report.rows, head: { row: report.head.seq, hash: report.head.hash }, intact: report.intact, breakCount: report.breakCount });
  else log.info(`history exported to ${where}: ${report.rows} rows, head row ${report.head.seq} ${report.head.hash}`);
  if (!report.intact) log.warn(`${verdictOf(report)}; the export says so (run \`prov verify\` for every break)`);
  return report.intact ? ExitCode.ok : ExitCode.findings;
}
