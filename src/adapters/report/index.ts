// Report formats of `prov sweep`.

import type { FailOn, ReportWriter } from "../../domain/sweep-types.js";
import { csvReport } from "./csv.js";
import { htmlReport, type HtmlReportOptions } from "./html.js";
import { jsonReport } from "./json.js";
import { junitReport } from "./junit.js";
import type { Sink } from "./sink.js";
import { textReport } from "./text.js";

/** pdf: the HTML report printed by Chromium (pdf.ts; made with pdfReport, which needs Chromium found first). */
export const FORMATS = ["text", "json", "csv", "html", "junit", "pdf"] as const;
export type Format = (typeof FORMATS)[number];

export interface ReportOptions {
  failOn: readonly FailOn[];
  verbose: boolean;
  /** CSV: start with a UTF-8 BOM (Excel). */
  bom?: boolean;
  /** HTML: thumbnails, production, sign-off, paper. */
  html?: HtmlReportOptions;
}

export function createReport(format: Exclude<Format, "pdf">, sink: Sink, opts: ReportOptions): ReportWriter {
  switch (format) {
    case "text":
      return textReport(sink, opts);
    case "json":
      return jsonReport(sink);
    case "csv":
      return csvReport(sink, { bom: opts.bom === true });
    case "html":
      return htmlReport(sink, opts.html);
    case "junit":
      return junitReport(sink, opts.failOn);
  }
}
