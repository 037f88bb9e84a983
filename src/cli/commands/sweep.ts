import path from "node:path";
import { disclosureReport } from "../../adapters/report/disclosure.js";
import { pixelSignalOptions } from "../../app/pixel-evidence.js";
import { c2paChecker } from "../../app/c2pa.js";
import type { Context } from "../context.js";
import { InputError } from "../../domain/errors.js";
import { log } from "../../log.js";
import { Progress, progressCount, showPath } from "../output.js";
import { countFiles } from "../../adapters/fs/walk.js";
import { createReport, FORMATS, type Format } from "../../adapters/report/index.js";
import { openSink } from "../../adapters/report/sink.js";
import { createMhlHasher } from "../../adapters/mhl/index.js";
import { writeMhl, MHL_ALGORITHMS, type MhlAlgorithm } from "../../app/sweep-mhl.js";
import { sweep, sweepRoot } from "../../app/sweep.js";
import { disclosureTimecodes, loadCuts } from "../../app/disclosure-timecodes.js";
import { FAIL_ON, type FailOn } from "../../domain/sweep-types.js";

export interface SweepCommandOptions {
  format?: string;
  out?: string;
  quick?: boolean;
  failOn?: string[];
  mhl?: boolean;
  mhlHash?: string;
  /** Also write the GenAI disclosure list here (.json or .csv). */
  disclosure?: string;
  title?: string;
  /** Cuts (EDL or OTIO) whose timecodes go in the disclosure list. */
  timeline?: string[];
  /** The EDLs' frame rate (default 24). */
  fps?: string;
}

/** Exit 0 clean, 1 violations or a --fail-on finding, 2 usage error or files that could not be checked. */
export async function sweepCommand(ctx: Context, dir: string, opts: SweepCommandOptions, version: string): Promise<number> {
  const format = parseFormat(opts.format ?? (ctx.globals.json ? "json" : "text"));
  const failOn = parseFailOn(opts.failOn ?? []);
  const algorithm = parseAlgorithm(opts.mhlHash ?? "xxh128");
  if (opts.mhlHash && !opts.mhl) throw new InputError("--mhl-hash needs --mhl");
  const disclosureFormat = opts.disclosure === undefined ? null : /\.json$/i.test(opts.disclosure) ? "json" : /\.csv$/i.test(opts.disclosure) ? "csv" : null;
  if (opts.disclosure !== undefined && !disclosureFormat) throw new InputError(`--disclosure ${opts.disclosure}: name a .json or .csv file (the format follows the extension)`);

  // Arguments are checked before anything is created or written (database, report).
  await sweepRoot(dir);
  if (opts.fps !== undefined && !opts.timeline?.length) throw new InputError("--fps goes with --timeline (the EDLs' frame rate)");
  const cuts = await loadCuts(opts.timeline ?? [], opts.fps);
  const store = await ctx.store({ create: true });
  const deps = { store, reader: await ctx.reader(), folderMatcher: ctx.folderMatcher(), fingerprint: ctx.fingerprint(), pixelSignals: pixelSignalOptions(ctx.config()), clock: ctx.clock };
  // The report's destination is checked (and claimed) before any work is done.
  const sink = await openSink(opts.out);
  const report = createReport(format, sink, { failOn, verbose: ctx.globals.verbose === true });
  const disclosureSink = disclosureFormat ? await openSink(opts.disclosure).catch(async (err: unknown) => {
    await sink.abort();
    throw err;
  }) : null;
  const writers = disclosureSink ? [report, disclosureReport(disclosureSink, disclosureFormat!, opts.title ?? null)] : [report];
  const progress = new Progress(ctx.globals.quiet !== true);
  const started = Date.now();
  // On a terminal, the files to come are counted alongside (names only), for done/total and an estimate.
  let total: number | null = null;
  if (progress.active) void countFiles([dir], () => false, () => true, true).then((n) => (total = n), () => undefined);
  const c2pa = c2paChecker(ctx.config());
  await c2pa?.key().catch(async (err: unknown) => {
    // Unreadable trust anchors fail before any work is done.
    await sink.abort();
    await disclosureSink?.abort();
    throw err;
  });
  try {
    const summary = await sweep(dir, deps, {
      quick: opts.quick === true,
      c2pa,
      disclosureTimecodes: disclosureTimecodes(store, cuts),
      perceptual: ctx.perceptual(),
      workingRoots: ctx.config().roots.working,
      failOn,
      writers,
      title: opts.title ?? null,
      exclude: [opts.out, opts.disclosure].filter((o): o is string => o !== undefined).map((o) => path.resolve(o)),
      version,
      keepFiles: opts.mhl === true,
      // The MHL hash is computed in the same read as the SHA-256, not in a second pass.
      extraHash: opts.mhl ? () => createMhlHasher(algorithm) : undefined,
      beforeReport: () => progress.done(),
      beforeSummary: opts.mhl ? (root, files) => { progress.done(); return writeMhl(root, files, { algorithm, version, onProgress: (n, total) => progress.update(`ASC MHL: hashing ${n}/${total} files (${algorithm})`) }); } : undefined,
      onProgress: (c, files, current) => {
        if (!progress.active) return;
        progress.update(`sweeping: ${progressCount(files, total, started)} (${c.violation} violations, ${c.error} errors, ${c.warning} warnings)  ${showPath(current)}`);
      },
    });
    progress.done();
    // The report went to a file: say where, and the verdict, on stderr.
    if (opts.out && ctx.globals.quiet !== true) log.info(`${summary.verdict}; ${format} report: ${opts.out}${summary.mhl && !("error" in summary.mhl) ? `; ASC MHL generation ${summary.mhl.generation}` : ""}`);
    return summary.exitCode;
  } catch (err) {
    progress.done();
    await report.abort?.();
    await sink.abort();
    await disclosureSink?.abort();
    throw err;
  } finally {
    await c2pa?.close();
  }
}

function parseFormat(f: string): Format {
  if ((FORMATS as readonly string[]).includes(f)) return f as Format;
  throw new InputError(`unknown --format ${f}: use one of ${FORMATS.join(", ")}`);
}

/** --fail-on takes names, repeated or comma-separated. */
export function parseFailOn(values: readonly string[]): FailOn[] {
  const out = new Set<FailOn>();
  for (const v of values.flatMap((x) => x.split(","))) {
    const name = v.trim();
    if (!name) continue;
    if (!(FAIL_ON as readonly string[]).includes(name)) throw new InputError(`unknown --fail-on ${name}: use any of ${FAIL_ON.join(", ")}`);
    out.add(name as FailOn);
  }
  return [...out];
}

function parseAlgorithm(a: string): MhlAlgorithm {
  if ((MHL_ALGORITHMS as readonly string[]).includes(a)) return a as MhlAlgorithm;
  throw new InputError(`unknown --mhl-hash ${a}: use one of ${MHL_ALGORITHMS.join(", ")}`);
}
