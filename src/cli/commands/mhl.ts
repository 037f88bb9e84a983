// `prov mhl verify|diff|info DIR`: check a folder against its ASC MHL history (written by
// `prov sweep --mhl`, ascmhl or another MHL tool). Exit codes are ascmhl's (see
// src/app/mhl-verify.ts); text on stdout, or the report as JSON with --json.

import path from "node:path";
import type { Context } from "../context.js";
import { log } from "../../log.js";
import { printJson, println, Progress, showPath, table } from "../output.js";
import { checkMhl, mhlInfo, MHL_EXIT, type MhlCheckReport, type MhlInfoReport } from "../../app/mhl-verify.js";

export interface MhlCheckOptions {
  ignore?: string[];
}

const RESULT: Record<MhlCheckReport["status"], string> = {
  ok: "ok",
  "no-history": "no ASC MHL history (NoMHLHistoryException)",
  "history-modified": "the ASC MHL history was modified (ModifiedMHLHistoryFile)",
  "verification-failed": "verification failed (VerificationFailedException)",
  "new-files": "new files not in the history (NewFilesFoundException)",
  "missing-files": "files in the history are missing (CompletenessCheckFailedException)",
};

function noHistory(dir: string): void {
  log.error(`no ASC MHL history at ${dir} (no ascmhl folder with generation files); \`prov sweep --mhl ${dir}\` writes one`);
}

async function check(ctx: Context, dir: string, mode: "verify" | "diff", opts: MhlCheckOptions): Promise<number> {
  const json = ctx.globals.json === true;
  const progress = new Progress(!json && ctx.globals.quiet !== true);
  let n = 0;
  const r = await checkMhl(dir, mode, {
    ignore: opts.ignore,
    onFile: progress.active ? (rel) => progress.update(`${mode}: ${++n} ${rel}`) : undefined,
  });
  progress.done();
  if (json) {
    printJson(`prov.mhl.${mode}`, r);
    return r.exitCode;
  }
  if (r.status === "no-history" && r.history.length === 0) {
    noHistory(dir);
    return r.exitCode;
  }
  println(`ASC MHL ${mode} of ${showPath(r.root)}: latest generation ${r.generation}` + (r.histories.length > 1 ? `, ${r.histories.length} histories (${r.histories.map((h) => h.root).join(", ")})` : ""));
  for (const p of r.history) println(`HISTORY     ${showPath(p.file)}: ${p.message}` + (p.expected ? ` (chain ${p.expected}, file ${p.actual})` : ""));
  for (const c of r.changed) {
    if (c.reason === "hash") println(`CHANGED     ${showPath(c.path)}  ${c.format} ${c.actual}, recorded ${c.expected} (generation ${c.generation})`);
    else println(`CHANGED     ${showPath(c.path)}  size ${c.actualSize}, recorded ${c.expectedSize} (generation ${c.generation})`);
  }
  for (const u of r.unreadable) println(`UNREADABLE  ${showPath(u.path)}: ${u.error}`);
  for (const u of r.unverifiable) println(`UNVERIFIED  ${showPath(u.path)}: recorded only as ${u.formats.join(", ")}, which prov cannot compute`);
  for (const m of r.missing) {
    if (m.renamedTo !== undefined) println(`RENAMED     ${showPath(m.path)} -> ${showPath(m.renamedTo)}`);
    else println(`MISSING     ${showPath(m.path)}`);
  }
  for (const x of r.extra) if (x.renamedFrom === undefined) println(`NEW         ${showPath(x.path)}`);
  if (ctx.globals.verbose) for (const t of r.touched) println(`TOUCHED     ${showPath(t.path)}: modified ${t.now}, recorded ${t.recorded} (content not checked)`);
  const c = r.counts;
  const parts = [`${c.ok} ok`, `${c.changed} changed`, `${c.missing - c.renamed} missing`, `${c.extra - c.renamed} new`];
  if (c.renamed) parts.push(`${c.renamed} renamed`);
  if (c.unreadable) parts.push(`${c.unreadable} unreadable`);
  if (c.unverifiable) parts.push(`${c.unverifiable} unverifiable`);
  if (mode === "diff" && c.touched) parts.push(`${c.touched} with a new modification date${ctx.globals.verbose ? "" : " (-v lists them)"}`);
  println(`${c.checked} files ${mode === "verify" ? "hashed" : "looked at (not hashed)"}: ${parts.join(", ")}`);
  if (c.historyProblems) println(`${c.historyProblems} problem${c.historyProblems === 1 ? "" : "s"} with the history itself`);
  println(`result: ${RESULT[r.status]}, exit ${r.exitCode}`);
  return r.exitCode;
}

/** Exit 0 all match; 16 history modified, 12 verification failed, 13 new files, 15 missing files, 11 no history (ascmhl's codes). */
export function mhlVerifyCommand(ctx: Context, dir: string, opts: MhlCheckOptions): Promise<number> {
  return check(ctx, dir, "verify", opts);
}

/** As verify, without hashing: new and missing files, and size changes. */
export function mhlDiffCommand(ctx: Context, dir: string, opts: MhlCheckOptions): Promise<number> {
  return check(ctx, dir, "diff", opts);
}

export async function mhlInfoCommand(ctx: Context, dir: string): Promise<number> {
  const verbose = ctx.globals.verbose === true;
  const r = await mhlInfo(dir, { files: verbose });
  if (ctx.globals.json) {
    printJson("prov.mhl.info", r);
    return r.exitCode;
  }
  if (r.status === "no-history" && r.history.length === 0) {
    noHistory(dir);
    return r.exitCode;
  }
  printInfo(r, verbose);
  return r.exitCode;
}

function printInfo(r: MhlInfoReport, verbose: boolean): void {
  for (const h of r.histories) {
    const where = h.root === "." ? r.root : path.join(r.root, h.root);
    println(`ASC MHL history of ${showPath(where)}: ${h.generations.length} generation${h.generations.length === 1 ? "" : "s"}, ${h.files} files, chain ${h.chain === "none" ? "missing" : h.chain}`);
    println(`  ignore: ${h.ignore.length > 0 ? h.ignore.join("  ") : "(none)"}`);
    const rows = h.generations.map((g) => [
      String(g.generation), g.creationDate ?? "-", g.hostname ?? "-", [g.tool, g.toolVersion].filter((x) => x !== null).join(" ") || "-",
      g.process ?? "-", g.formats.join(",") || "-", String(g.counts.files), String(g.counts.original), String(g.counts.verified), String(g.counts.failed), String(g.counts.directories), g.chain,
    ]);
    println(table(rows, ["gen", "created", "host", "tool", "process", "formats", "files", "original", "verified", "failed", "dirs", "chain"]).replace(/^/gm, "  "));
    for (const g of h.generations) {
      const extra: string[] = [];
      for (const a of g.authors) extra.push(`author ${a.name}${a.role ? ` (${a.role})` : ""}${a.email ? ` <${a.email}>` : ""}`);
      if (g.location) extra.push(`location ${g.location}`);
      if (g.comment) extra.push(`comment ${JSON.stringify(g.comment)}`);
      if (g.references) extra.push(`${g.references} child generation${g.references === 1 ? "" : "s"} referenced`);
      if (verbose) {
        extra.push(`file ${g.file}, C4 ${g.c4}`);
        for (const rh of g.rootHash) extra.push(`root hash ${rh.format}: content ${rh.content ?? "-"}, structure ${rh.structure ?? "-"}`);
      }
      for (const e of extra) println(`  ${g.generation}: ${e}`);
    }
  }
  for (const p of r.history) println(`HISTORY  ${showPath(p.file)}: ${p.message}` + (p.expected ? ` (recorded ${p.expected}, file ${p.actual})` : ""));
  if (r.files) {
    println("");
    for (const f of r.files) {
      println(showPath(f.path));
      for (const g of f.generations) {
        const hashes = g.hashes.map((x) => `${x.format} ${x.hash}${x.action ? ` ${x.action}` : ""}`).join(", ");
        println(`  ${f.history === "." ? "" : `${f.history} `}gen ${g.generation}: ${hashes}${g.size !== null ? `, ${g.size} bytes` : ""}${g.previousPath ? `, renamed from ${showPath(g.previousPath)}` : ""}`);
      }
    }
  }
  if (r.exitCode === MHL_EXIT.historyModified) println(`result: ${RESULT["history-modified"]}, exit ${r.exitCode}`);
}
