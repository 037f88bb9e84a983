import type { Context } from "../context.js";
import { classify } from "../../domain/classify.js";
import { evidenceFromTags } from "../../domain/evidence.js";
import type { Evidence } from "../../domain/types.js";
import { ExitCode } from "../exit.js";
import { humanBytes, printJson, println, showPath } from "../output.js";
import { assetReport } from "../../app/queries.js";
import { resolveTarget } from "./target.js";

export async function showCommand(ctx: Context, arg: string): Promise<number> {
  const t = await resolveTarget(ctx, arg, { record: false });
  const store = await ctx.store({ readonly: true });
  if (!t.asset) {
    // Not recorded: say so, and show what the file's own metadata says, without recording.
    const [m] = await (await ctx.reader()).readMany([{ path: t.path!, size: 0 }]);
    const evidence: Evidence[] = m?.ok ? [...evidenceFromTags(m.metadata.tags), ...ctx.folderMatcher()(t.path!)] : [];
    const { origin, decidedBy } = classify(evidence);
    const report = { recorded: false, path: t.path, sha256: t.sha256, origin, decidedBy, evidence, metadataError: m?.ok ? m.metadata.error : m?.reason };
    if (ctx.globals.json) printJson("prov.show", report);
    else {
      println(`${showPath(t.path!)}: not recorded in ${store.location} (run \`prov scan\` to record it)`);
      println(`sha256   ${t.sha256}`);
      println(`origin   ${origin} (from the file's own metadata only)`);
      printEvidence(evidence);
    }
    return ExitCode.ok;
  }
  const report = { recorded: true, ...(await assetReport(store, t.asset, ctx.perceptual())) };
  if (ctx.globals.json) {
    printJson("prov.show", report);
    return ExitCode.ok;
  }
  const a = t.asset;
  println(`sha256   ${a.sha256}`);
  println(`size     ${humanBytes(a.size)} (${a.size} bytes)${a.file_type ? `, ${a.file_type}` : ""}`);
  println(`origin   ${a.origin}${a.status ? `   status ${a.status}` : ""}`);
  if (a.metadata_error) println(`metadata not readable: ${a.metadata_error}`);
  const warnings = JSON.parse(a.warnings) as string[];
  if (warnings.length > 0) println(`exiftool warnings: ${warnings.join("; ")}`);
  printEvidence(report.evidence);
  if (report.c2pa) {
    const v = report.c2pa.validation;
    println(`C2PA validation${v ? ` (${v.validator}, ${v.binding}, trust bundle sha256 ${v.trustSha256.slice(0, 16)}, ${v.validatedAt})` : ""}:`);
    for (const m of report.c2pa.manifests) println(`  ${m.label}: ${m.status}`);
  }
  const approvals = report.approvals as unknown as Array<Record<string, unknown>>;
  if (approvals.length > 0) {
    println("approvals:");
    for (const ap of approvals) {
      const extra = [ap["ref"] && `ref ${ap["ref"]}`, ap["scope"] && `scope ${ap["scope"]}`, ap["note"] && `note ${ap["note"]}`, ap["doc_sha256"] && `doc sha256 ${ap["doc_sha256"]}`].filter(Boolean);
      println(`  ${ap["at"]}  ${ap["action"]} by ${ap["by"]}${extra.length ? `  (${extra.join(", ")})` : ""}`);
    }
  }
  println("locations:");
  for (const l of report.locations) println(`  ${l.state.padEnd(8)} ${l.lastSeen}  ${showPath(l.path)}`);
  const same = report.sameMediaData;
  if (same.length > 0) {
    println("same media data (labels differ or were stripped):");
    for (const s of same) println(`  ${s.sha256}  ${s.origin}`);
  }
  if (report.genaiLookalikes.length > 0) {
    println("looks like GenAI assets (perceptual fingerprints):");
    for (const l of report.genaiLookalikes) println(`  ${l.way.padEnd(8)} ${l.sha256.slice(0, 12)}  ${l.origin}${l.status ? ` ${l.status}` : ""}, ${l.verdict} at distance ${l.distance}: ${l.why}`);
  }
  return ExitCode.ok;
}

function printEvidence(evidence: readonly Evidence[]): void {
  if (evidence.length === 0) {
    println("evidence: none (no provenance labels, no rules, no tags)");
    return;
  }
  println("evidence:");
  for (const e of evidence) {
    const value = e.value.length > 160 ? e.value.slice(0, 160) + "…" : e.value;
    println(`  ${e.signal.padEnd(14)} ${e.source.padEnd(9)} ${e.field}: ${value.replace(/\n/g, "⏎")}`);
  }
}
