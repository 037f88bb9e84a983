// The GenAI disclosure list a vendor sends to the studio (`prov sweep --disclosure FILE`):
// every approved GenAI file of the delivery with where it sits (title, episode, reel, shot),
// its GenAI class, tool and model, the kind of evidence, the approval and consent
// references and whether the use is a deepfake (EU AI Act Article 50). JSON or CSV by the
// file's extension. With --timeline, where each file is used in the cuts (record and
// source in/out) and a video's own timecode; written whole or not at all (the sink).

import type { Disclosure, ReportWriter, SweepRow, SweepSummary } from "../../domain/sweep-types.js";
import { BOM, cell } from "./csv.js";
import type { Sink } from "./sink.js";
import { jsonDocument, JSON_DOCUMENTS } from "../../domain/json-document.js";

export const DISCLOSURE_CSV_COLUMNS = [
  "title", "episode", "reel", "shot", "path", "sha256", "genai_class", "tool", "model", "evidence",
  "approved_by", "approved_account", "approval_ref", "approval_doc_sha256", "scope", "approved_at", "approval_expires",
  "escalations", "consents", "deepfake", "finding", "c2pa",
  "timecodes", "source_timecode",
] as const;

/** One use in a cut, for a CSV cell or an HTML line: "cut.edl V1 event 3: record 01:00:09:00-01:00:15:00, source 12:00:10:00-12:00:16:00". */
export function describeUse(u: NonNullable<Disclosure["timecodes"]>[number]): string {
  return `${u.cut} ${u.track} event ${u.events.join("+")}: record ${u.recordIn}-${u.recordOut}, source ${u.sourceIn}-${u.sourceOut}`;
}

export type DisclosureFormat = "json" | "csv";

/**
 * The disclosure JSON's `schemaVersion` (first key, then `kind` "prov.sweep.disclosure",
 * the envelope of every prov JSON document): it changes when a field changes meaning or
 * goes away. 1: the list as it was before the envelope had a version, plus the envelope.
 */
export const DISCLOSURE_SCHEMA_VERSION = JSON_DOCUMENTS["prov.sweep.disclosure"];

export function disclosureReport(sink: Sink, format: DisclosureFormat, title: string | null, opts: { bom?: boolean } = {}): ReportWriter {
  const rows: Array<{ path: string; sha256: string | null; finding: string; d: Disclosure; c2pa: NonNullable<SweepRow["c2pa"]> }> = [];
  return {
    row(r: SweepRow) {
      if (r.disclosure) rows.push({ path: r.path, sha256: r.sha256, finding: r.finding, d: r.disclosure, c2pa: r.c2pa ?? [] });
    },
    async end(summary: SweepSummary) {
      if (format === "json") {
        const doc = jsonDocument("prov.sweep.disclosure", {
          disclosure: "prov GenAI disclosure list",
          title,
          root: summary.root,
          madeAt: summary.finishedAt,
          tool: summary.tool,
          history: summary.history ?? null,
          euAiActArticle50: "deepfake: true marks content that is a deepfake in the sense of Regulation (EU) 2024/1689, Article 50(4)",
          // c2pa: each C2PA manifest's "validated (...)", "invalid (codes)" or "not checked"; [] when it has none.
          files: rows.map(({ path, sha256, finding, d, c2pa }) => ({ path, sha256, finding, title, ...d, c2pa })),
        });
        await sink.write(JSON.stringify(doc, null, 2) + "\n");
      } else {
        await sink.write((opts.bom ? BOM : "") + DISCLOSURE_CSV_COLUMNS.join(",") + "\r\n");
        for (const { path, sha256, finding, d, c2pa } of rows) {
          const cells = [
            title, d.episode, d.reel, d.shot, path, sha256, d.origin, d.tool, d.model, d.evidence.join(" "),
            d.approvedBy, d.approvedAccount, d.approvalRef, d.approvalDocSha256, d.scope, d.approvedAt, d.approvalExpires,
            d.escalations.join(" "), d.consents.map((c) => [c.performer, c.ref, c.project, c.uses, c.expires && `until ${c.expires}`].filter(Boolean).join(" / ")).join("; "),
            d.deepfake, finding, c2pa.map((m) => `${m.label}: ${m.status}`).join("; "),
            (d.timecodes ?? []).map(describeUse).join("; "),
            d.sourceTimecode ? `${d.sourceTimecode.in}-${d.sourceTimecode.out} @ ${d.sourceTimecode.rate}` : null,
          ];
          await sink.write(cells.map(cell).join(",") + "\r\n");
        }
      }
      await sink.close();
    },
    abort: async () => undefined,
  };
}
