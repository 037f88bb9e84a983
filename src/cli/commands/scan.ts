import { pixelSignalOptions } from "../../app/pixel-evidence.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { log } from "../../log.js";
import { println, Progress, progressCount, showPath } from "../output.js";
import { countFiles, ignoreMatcher } from "../../adapters/fs/walk.js";
import path from "node:path";
import { scan, type FileOutcome, type ScanSummary } from "../../app/ingest/scan.js";
import { c2paChecker, needsValidation, validateMany } from "../../app/c2pa.js";
import { hasC2paManifest, manifestStatus, manifestStatuses } from "../../domain/c2pa-validation.js";
import { jsonDocumentHead } from "../../domain/json-document.js";

export interface ScanCommandOptions {
  rehash?: boolean;
  allFiles?: boolean;
}

/** Exit 0 when every file was identified and read; 1 when some could not be (they are listed). */
export async function scanCommand(ctx: Context, paths: string[], opts: ScanCommandOptions): Promise<number> {
  const config = ctx.config();
  const store = await ctx.store({ create: true });
  const json = ctx.globals.json === true;
  const verbose = ctx.globals.verbose === true;
  const progress = new Progress(!json && ctx.globals.quiet !== true);
  const started = Date.now();
  let unreadable = 0;

  // JSON is streamed (one array element per file) so output memory stays flat too.
  let first = true;
  if (json) process.stdout.write(`${jsonDocumentHead("prov.scan")}\n  "files": [`);
  // Contents to validate once the scan has recorded them (C2PA, src/app/c2pa.ts): those read now
  // whose labels show a manifest store, and unchanged ones (validated before, or not yet).
  const c2pa = c2paChecker(config);
  await c2pa?.key(); // unreadable trust anchors fail before any work is done
  const toValidate: Array<{ assetId: number; path: string }> = [];
  // Unchanged contents are looked up as they come (a rescan of a million files keeps only those to validate).
  let lookups: Promise<void> = Promise.resolve();
  const onFile = (o: FileOutcome): void => {
    if (c2pa && o.kind === "recorded" && hasC2paManifest(o.facts.evidence)) toValidate.push({ assetId: o.assetId, path: o.path });
    if (c2pa && o.kind === "unchanged") {
      const item = { assetId: o.assetId, path: o.path };
      lookups = lookups.then(async () => {
        if (await needsValidation(store, c2pa, item.assetId)) toValidate.push(item);
      });
    }
    if (o.kind === "error" || (o.kind === "recorded" && o.metadataError)) unreadable++;
    if (json) {
      if (o.kind === "skipped" && !verbose) return;
      process.stdout.write((first ? "\n    " : ",\n    ") + JSON.stringify(fileJson(o)));
      first = false;
      return;
    }
    const line = textLine(o, verbose);
    if (line) {
      progress.done();
      println(line);
    }
  };
  // On a terminal, the files to come are counted alongside (names only), for done/total and an estimate.
  let total: number | null = null;
  if (progress.active) {
    const extensions = opts.allFiles || config.scan.extensions === "all" ? null : new Set(config.scan.extensions);
    void countFiles(paths, ignoreMatcher(config.scan.ignore), (p) => extensions === null || extensions.has(path.extname(p).slice(1).toLowerCase())).then(
      (n) => (total = n),
      () => undefined,
    );
  }
  const summary = await scan(paths, { store, reader: await ctx.reader(), folderMatcher: ctx.folderMatcher(), fingerprint: ctx.fingerprint(), pixelSignals: pixelSignalOptions(ctx.config()), clock: ctx.clock }, {
    rehash: opts.rehash ?? false,
    extensions: opts.allFiles ? "all" : config.scan.extensions,
    ignore: config.scan.ignore,
    onFile,
    onProgress: (s, current) => {
      if (!progress.active) return;
      progress.update(`scanning: ${progressCount(s.files, total, started)} (${s.new} new, ${s.unchanged} unchanged, ${s.errors} errors)  ${showPath(current)}`);
    },
  });
  progress.done();
  const validations: Array<Record<string, unknown>> = [];
  if (c2pa) {
    try {
      await lookups;
      await validateMany(store, c2pa, toValidate, () => ctx.clock.iso(), ({ path: p }, v, fresh) => {
        const manifests = manifestStatuses(v, []);
        if (json) validations.push({ path: p, outcome: v.outcome, state: v.state, validator: v.validator, trustSha256: v.trustSha256, manifests });
        else if (fresh || verbose) for (const m of manifests.length > 0 ? manifests : [{ label: "(store)", status: manifestStatus(v, "") }]) println(`c2pa ${(m.status.split(" ")[0] ?? "").padEnd(19)} ${showPath(p)}: ${m.label}: ${m.status}`);
      });
    } finally {
      await c2pa.close();
    }
  }
  await store.events.add("scan", ctx.clock.iso(), { detail: { paths, ...summary } });
  if (json) {
    process.stdout.write(`${first ? "" : "\n  "}],\n${validations.length > 0 ? `  "c2pa": ${JSON.stringify(validations)},\n` : ""}  "summary": ${JSON.stringify({ ...summary, unreadable, database: store.location })}\n}\n`);
  } else if (ctx.globals.quiet !== true) {
    log.info(summaryLine(summary, unreadable));
  }
  return unreadable > 0 ? ExitCode.findings : ExitCode.ok;
}

function fileJson(o: FileOutcome): Record<string, unknown> {
  switch (o.kind) {
    case "recorded":
      return { path: o.path, result: o.change, sha256: o.sha256, origin: o.origin, status: o.status, metadataError: o.metadataError, warnings: o.warnings };
    case "unchanged":
      return { path: o.path, result: "unchanged", sha256: o.sha256, origin: o.origin, status: o.status };
    case "error":
      return { path: o.path, result: "error", error: o.reason };
    case "skipped":
      return { path: o.path, result: "skipped", reason: o.reason };
  }
}

/** Text mode lists what needs a person's eye; -v lists everything. */
function textLine(o: FileOutcome, verbose: boolean): string | null {
  switch (o.kind) {
    case "error":
      return `error          ${showPath(o.path)}: ${o.reason}`;
    case "skipped":
      return verbose ? `skipped        ${showPath(o.path)}: ${o.reason}` : null;
    case "recorded":
    case "unchanged": {
      const interesting = o.origin === "genai" || o.origin === "genai-edited" || o.origin === "possibly-genai";
      const metadataError = o.kind === "recorded" ? o.metadataError : null;
      if (!interesting && !metadataError && !verbose) return null;
      const label = `${o.origin}${o.status ? `/${o.status}` : ""}`;
      const note = metadataError ? `  (metadata not readable: ${metadataError})` : "";
      return `${label.padEnd(24)} ${o.sha256.slice(0, 12)}  ${showPath(o.path)}${note}`;
    }
  }
}

function summaryLine(s: ScanSummary, unreadable: number): string {
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  const parts = [
    `${s.files} files in ${s.seconds.toFixed(1)} s`,
    `${s.new} new, ${s.newLocations} new locations, ${s.changed} changed, ${s.unchanged} unchanged`,
    `genai ${s.origins.genai}, genai-edited ${s.origins["genai-edited"]}, possibly-genai ${s.origins["possibly-genai"]}, not-genai ${s.origins["not-genai"]}, unknown ${s.origins.unknown}`,
    `${s.temporaryGenAI} temporary GenAI`,
  ];
  if (s.sequences > 0) parts.push(`${s.sequences} image sequence${s.sequences === 1 ? "" : "s"} recorded`);
  if (s.missing > 0) parts.push(`${s.missing} recorded files gone (marked missing)`);
  for (const root of s.suspectedUnmount) parts.push(`most of ${root} vanished: is it unmounted? nothing marked missing`);
  if (unreadable > 0) parts.push(`${unreadable} unreadable`);
  if (skipped > 0) parts.push(`${skipped} skipped (-v lists them)`);
  return parts.join("; ");
}
