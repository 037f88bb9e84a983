// CSV report: one row per file (RFC 4180), for spreadsheets. With `bom` (--csv-bom,
// report.csvBom) it starts with a UTF-8 byte order mark, without which Excel reads the
// file as the system's legacy code page and garbles every non-ASCII name.

import type { ReportWriter, SweepRow } from "../../domain/sweep-types.js";
import type { Sink } from "./sink.js";

export const CSV_COLUMNS = [
  "path", "finding", "reasons", "size", "sha256", "origin", "status", "labels", "first_seen", "known_before",
  "tool", "model", "approved_by", "approval_ref", "scope", "approved_at", "c2pa",
] as const;

/** The UTF-8 byte order mark (EF BB BF once encoded). */
export const BOM = "\ufeff";

export function csvReport(sink: Sink, opts: { bom?: boolean } = {}): ReportWriter {
  let headed = false;
  const head = async (): Promise<void> => {
    if (headed) return;
    headed = true;
    await sink.write((opts.bom ? BOM : "") + CSV_COLUMNS.join(",") + "\r\n");
  };
  return {
    async row(r: SweepRow) {
      await head();
      const d = r.disclosure;
      const cells = [
        r.path, r.finding, r.reasons.join("; "), r.size, r.sha256, r.origin, r.status, r.labels, r.firstSeen, r.knownBefore,
        d?.tool, d?.model, d?.approvedBy, d?.approvalRef, d?.scope, d?.approvedAt,
        // As the text report words it: each manifest's "validated (...)", "invalid (codes)" or "not checked".
        (r.c2pa ?? []).map((m) => `${m.label}: ${m.status}`).join("; "),
      ];
      await sink.write(cells.map(cell).join(",") + "\r\n");
    },
    async end() {
      await head();
      await sink.close();
    },
  };
}

/**
 * Quote when needed; a cell a spreadsheet would run as a formula (= + - @, tab or CR at the
 * start, also after leading spaces or other whitespace, which spreadsheets trim) gets a
 * leading apostrophe, so a hostile file name cannot run anything when opened.
 */
export function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return "";
  let s = String(v);
  if (typeof v === "string" && /^[\s\u00a0\u2000-\u200b\u3000\ufeff]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
