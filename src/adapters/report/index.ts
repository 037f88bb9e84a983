// Report formats of `prov sweep`.

import type { FailOn, ReportWriter } from "../../domain/sweep-types.js";
import { csvReport } from "./csv.js";
import { htmlReport } from "./html.js";
import { jsonReport } from "./json.js";
import { junitReport } from "./junit.js";
import type { Sink } from "./sink.js";
import { textReport } from "./text.js";

export const FORMATS = ["text", "json", "csv", "html", "junit"] as const;
export type Format = (typeof FORMATS)[number];

export function createReport(format: Format, sink: Sink, opts: { failOn: readonly FailOn[]; verbose: boolean }): ReportWriter {
  switch (format) {
    case "text":
      return textReport(sink, opts);
    case "json":
      return jsonReport(sink);
    case "csv":
      return csvReport(sink);
    case "html":
      return htmlReport(sink);
    case "junit":
      return junitReport(sink, opts.failOn);
  }
}
