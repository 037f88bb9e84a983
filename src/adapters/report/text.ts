// Text report for a terminal: the verdict and counts by finding, then what needs a
// person: violations, errors, the GenAI disclosure list, warnings (and, with -v, every
// file). Sections wait in temporary files, not memory.

import { FINDINGS, type Finding, type ReportWriter, type SweepRow, type SweepSummary } from "../../domain/sweep-types.js";
import { humanBytes, showPath } from "../../cli/output.js";
import { Spool, type Sink } from "./sink.js";

/** Sections by finding, and the disclosure list: every approved GenAI file, whatever else it has. */
type Section = Finding | "disclosure";
const SECTIONS: Array<{ section: Section; title: string }> = [
  { section: "violation", title: "VIOLATIONS (must not be delivered)" },
  { section: "error", title: "ERRORS (could not be checked)" },
  { section: "disclosure", title: "GENAI DISCLOSURE (approved GenAI in this delivery)" },
  { section: "warning", title: "WARNINGS (review)" },
  { section: "unknown", title: "UNKNOWN (no provenance: no labels, no tag, not first seen in a working root)" },
];

export function textReport(sink: Sink, opts: { verbose: boolean }): ReportWriter {
  const spools = new Map<Section, Spool>();
  const listed = new Set<Section>(opts.verbose ? FINDINGS : ["violation", "error", "warning"]);
  const add = async (section: Section, r: SweepRow): Promise<void> => {
    if (!listed.has(section) && section !== "disclosure") return;
    let spool = spools.get(section);
    if (!spool) spools.set(section, (spool = new Spool()));
    await spool.write(entry(r, section === "disclosure"));
  };
  return {
    async row(r: SweepRow) {
      if (r.finding !== "disclosed") await add(r.finding, r);
      if (r.disclosure) await add("disclosure", r);
    },
    abort: async () => {
      for (const spool of spools.values()) await spool.dispose();
    },
    async end(s: SweepSummary) {
      try {
        await sink.write(header(s));
        const sections = opts.verbose ? [...SECTIONS, { section: "ok" as const, title: "OK" }, { section: "skipped" as const, title: "SKIPPED" }] : SECTIONS;
        for (const { section, title } of sections) {
          const spool = spools.get(section);
          if (!spool) continue;
          await sink.write(`\n${title}: ${section === "disclosure" ? s.disclosures : s.counts[section]}\n`);
          await sink.append(spool);
        }
        if (!opts.verbose && s.counts.unknown > 0) await sink.write(`\n${s.counts.unknown} files have no provenance: no labels, no tag, not first seen in a working root (-v or --format csv lists them).\n`);
        await sink.write(`\n${s.verdict}\n`);
        await sink.close();
      } finally {
        for (const spool of spools.values()) await spool.dispose();
      }
    },
  };
}

function header(s: SweepSummary): string {
  const lines = [
    `prov sweep ${showPath(s.root)}  (${s.mode}, ${s.files} files, ${s.seconds.toFixed(1)} s, ${s.finishedAt})`,
    "",
    ...FINDINGS.map((f) => `  ${f.padEnd(10)} ${String(s.counts[f]).padStart(7)}`),
  ];
  if (s.failOn.length > 0) lines.push("", `  --fail-on ${s.failOn.join(",")}`);
  if (s.history) lines.push("", `  history head: row ${s.history.row} ${s.history.hash}`);
  if (s.mhl && "error" in s.mhl) lines.push("", `  ASC MHL not written: ${s.mhl.error}`);
  else if (s.mhl) {
    lines.push("", `  ASC MHL generation ${s.mhl.generation}: ${showPath(s.mhl.file)}`);
    if (s.mhl.failed.length > 0) lines.push(`    ${s.mhl.failed.length} files no longer match an earlier generation: ${s.mhl.failed.slice(0, 5).map(showPath).join(", ")}${s.mhl.failed.length > 5 ? ", ..." : ""}`);
    if (s.mhl.missing.length > 0) lines.push(`    ${s.mhl.missing.length} files of an earlier generation are gone: ${s.mhl.missing.slice(0, 5).map(showPath).join(", ")}${s.mhl.missing.length > 5 ? ", ..." : ""}`);
  }
  return lines.join("\n") + "\n";
}

function entry(r: SweepRow, asDisclosure: boolean): string {
  const size = r.size === null ? "" : `  ${humanBytes(r.size)}`;
  const lines = [`  ${showPath(r.path)}${size}${r.sha256 ? `  sha256 ${r.sha256}` : ""}`];
  const d = r.disclosure;
  if (d && asDisclosure) {
    lines.push(`      ${d.origin}; tool ${d.tool ?? "not recorded"}; model ${d.model ?? "not recorded"}`);
    lines.push(`      approved by ${d.approvedBy}, ref ${d.approvalRef ?? "none"}${d.scope ? `, scope: ${d.scope}` : ""}, ${d.approvedAt}`);
  } else {
    for (const reason of r.reasons) lines.push(`      ${showPath(reason)}`);
    for (const m of r.c2pa ?? []) lines.push(`      C2PA ${m.label}: ${m.status}`);
  }
  return lines.join("\n") + "\n";
}
