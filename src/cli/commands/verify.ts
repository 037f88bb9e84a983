import type { Context } from "../context.js";
import { verifyExport, verifyHistory } from "../../app/history.js";
import { verdictOf, type ChainReport } from "../../domain/chain.js";
import { InputError } from "../../domain/errors.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath } from "../output.js";

export interface VerifyCommandOptions {
  /** Verify an export written by `prov export-history` instead of the database (no database needed). */
  export?: string;
  /** A head hash recorded earlier (a sweep report's): it must still be in the chain. */
  head?: string;
}

/** `prov verify`: walk the history chain; 0 intact, 1 broken (where and what changed). */
export async function verifyCommand(ctx: Context, opts: VerifyCommandOptions): Promise<number> {
  if (opts.head !== undefined && !/^[0-9a-fA-F]{64}$/.test(opts.head)) throw new InputError(`--head must be a SHA-256 in hex, 64 digits (got ${JSON.stringify(opts.head)})`);
  const v = { recordedHead: opts.head?.toLowerCase() };
  const report = opts.export !== undefined ? await verifyExport(opts.export, v) : await verifyHistory(await ctx.store({ readonly: true }), v);
  const source = opts.export !== undefined ? `export ${showPath(opts.export)}` : `database ${showPath((await ctx.store({ readonly: true })).location)}`;
  if (ctx.globals.json) printJson("prov.verify", { source, ...jsonOf(report) });
  else for (const line of textOf(report, source)) println(line);
  return report.intact ? ExitCode.ok : ExitCode.findings;
}

function jsonOf(r: ChainReport): Record<string, unknown> {
  const first = r.breaks.find((b) => b.row !== null)?.row ?? null;
  return {
    intact: r.intact,
    verdict: verdictOf(r),
    rows: r.rows,
    head: { row: r.head.seq, hash: r.head.hash },
    genesis: r.genesis && { startedAt: r.genesis.startedAt, rowsBefore: r.genesis.rowsBefore, hash: r.genesis.hash },
    brokenAt: first,
    breakCount: r.breakCount,
    breaks: r.breaks,
    ...(r.recordedHead ? { recordedHead: r.recordedHead } : {}),
  };
}

function textOf(r: ChainReport, source: string): string[] {
  const lines = [verdictOf(r), `  ${source}`];
  if (r.genesis) lines.push(`  chain began ${r.genesis.startedAt}${r.genesis.rowsBefore > 0 ? `; ${r.genesis.rowsBefore} rows were already there and are proven from then on only` : ""}`);
  if (r.recordedHead?.found) lines.push(`  recorded head ${r.recordedHead.hash} is row ${r.recordedHead.row} of the chain`);
  if (!r.intact) {
    lines.push(`  head row ${r.head.seq} ${r.head.hash}`, "", `${r.breakCount} ${r.breakCount === 1 ? "break" : "breaks"}:`);
    for (const b of r.breaks) lines.push(`  ${b.kind.padEnd(10)} ${b.message}`);
    if (r.breakCount > r.breaks.length) lines.push(`  ... and ${r.breakCount - r.breaks.length} more`);
  }
  return lines;
}
