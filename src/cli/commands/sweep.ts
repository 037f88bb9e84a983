import os from "node:os";
import path from "node:path";
import { disclosureReport } from "../../adapters/report/disclosure.js";
import { findChromium, pdfReport } from "../../adapters/report/pdf.js";
import { PAPERS, type Paper } from "../../adapters/report/print.js";
import { redacting, Redactor } from "../../adapters/report/redact.js";
import { currentUser } from "../../config.js";
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
  /** HTML/PDF paper: a4 or letter (default: report.paper in the config). */
  paper?: string;
  /** No internal paths, database path, host or account names in any report. */
  redact?: boolean;
  /** CSV reports start with a UTF-8 BOM (default: report.csvBom in the config). */
  csvBom?: boolean;
}

/** Exit 0 clean, 1 violations or a --fail-on finding, 2 usage error or files that could not be checked. */
export async function sweepCommand(ctx: Context, dir: string, opts: SweepCommandOptions, version: string): Promise<number> {
  // A report named .pdf is a PDF; otherwise the format is what --format says.
  const format = parseFormat(opts.format ?? (opts.out && /\.pdf$/i.test(opts.out) ? "pdf" : ctx.globals.json ? "json" : "text"));
  if (format === "pdf" && !opts.out) throw new InputError("--format pdf writes a file: give --out FILE.pdf");
  if (opts.paper !== undefined && format !== "html" && format !== "pdf") throw new InputError("--paper goes with --format html or pdf");
  const reportConfig = ctx.config().report;
  const paper = parsePaper(opts.paper ?? reportConfig.paper);
  // Chromium is looked for before any work is done: a missing one is a clear usage error.
  const chromium = format === "pdf" ? findChromium() : null;
  const failOn = parseFailOn(opts.failOn ?? []);
  const algorithm = parseAlgorithm(opts.mhlHash ?? "xxh128");
  if (opts.mhlHash && !opts.mhl) throw new InputError("--mhl-hash needs --mhl");
  const disclosureFormat = opts.disclosure === undefined ? null : /\.json$/i.test(opts.disclosure) ? "json" : /\.csv$/i.test(opts.disclosure) ? "csv" : null;
  if (opts.disclosure !== undefined && !disclosureFormat) throw new InputError(`--disclosure ${opts.disclosure}: name a .json or .csv file (the format follows the extension)`);

  // Arguments are checked before anything is created or written (database, report).
  const root = await sweepRoot(dir);
  if (opts.fps !== undefined && !opts.timeline?.length) throw new InputError("--fps goes with --timeline (the EDLs' frame rate)");
  const cuts = await loadCuts(opts.timeline ?? [], opts.fps);
  const store = await ctx.store({ create: true });
  const deps = { store, reader: await ctx.reader(), folderMatcher: ctx.folderMatcher(), fingerprint: ctx.fingerprint(), pixelSignals: pixelSignalOptions(ctx.config()), clock: ctx.clock };
  // The report's destination is checked (and claimed) before any work is done.
  const sink = await openSink(opts.out);
  const config = ctx.config();
  const html = {
    root,
    project: reportConfig.project,
    episode: reportConfig.episode,
    reel: reportConfig.reel,
    signoff: reportConfig.signoff,
    paper,
    decodeSeconds: config.budgets.decodeSeconds,
    redacted: opts.redact === true,
  };
  const bom = opts.csvBom === true || reportConfig.csvBom;
  const report = chromium
    ? await pdfReport(sink, chromium, html).catch(async (err: unknown) => {
        await sink.abort();
        throw err;
      })
    : createReport(format as Exclude<typeof format, "pdf">, sink, { failOn, verbose: ctx.globals.verbose === true, bom, html });
  const disclosureSink = disclosureFormat ? await openSink(opts.disclosure).catch(async (err: unknown) => {
    await report.abort?.();
    await sink.abort();
    throw err;
  }) : null;
  const unredacted = disclosureSink ? [report, disclosureReport(disclosureSink, disclosureFormat!, opts.title ?? null, { bom })] : [report];
  const redactor = opts.redact ? redactorFor(root, dir, ctx) : null;
  const writers = redactor ? unredacted.map((w) => redacting(w, redactor)) : unredacted;
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
      // Recorded once written, by SHA-256: the desk offers them for download.
      reportFiles: [
        ...(opts.out ? [{ path: path.resolve(opts.out), format, redacted: opts.redact === true }] : []),
        ...(opts.disclosure ? [{ path: path.resolve(opts.disclosure), format: `disclosure-${disclosureFormat!}`, redacted: opts.redact === true }] : []),
      ],
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

/** What --redact takes out: the folders, database, host and accounts of this facility. */
function redactorFor(root: string, dir: string, ctx: Context): Redactor {
  const c = ctx.config();
  let account: string | null = null;
  try {
    account = os.userInfo().username;
  } catch {
    account = null;
  }
  return new Redactor({
    root,
    database: c.database,
    places: [path.resolve(dir), ...c.roots.working, ...c.roots.deliverables, ...(c.roots.quarantine ? [c.roots.quarantine] : []), ...(c.file ? [path.dirname(c.file)] : []), { path: os.homedir(), shown: "~" }, os.tmpdir(), process.cwd()],
    hosts: [os.hostname()],
    accounts: [currentUser(), ...(account ? [account] : []), ...(c.approvers?.accounts ?? [])],
  });
}

function parsePaper(p: string): Paper {
  const v = p.toLowerCase();
  if ((PAPERS as readonly string[]).includes(v)) return v as Paper;
  throw new InputError(`unknown --paper ${p}: use ${PAPERS.join(" or ")}`);
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
