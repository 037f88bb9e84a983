// JSON report: one document ("prov.sweep", the envelope of src/domain/json-document.ts),
// summary first, then every file. Schema: README "Sweep report (JSON)"; `schemaVersion`
// changes when a field changes meaning or goes away.

import type { ReportWriter, SweepRow, SweepSummary } from "../../domain/sweep-types.js";
import { Spool, type Sink } from "./sink.js";
import { jsonDocumentHead } from "../../domain/json-document.js";

export function jsonReport(sink: Sink): ReportWriter {
  // Rows wait in a temporary file so the summary (known only at the end) can come first.
  const rows = new Spool();
  let n = 0;
  return {
    row: (r: SweepRow) => rows.write((n++ === 0 ? "\n    " : ",\n    ") + JSON.stringify(r)),
    abort: async () => {
      await rows.dispose();
    },
    async end(summary: SweepSummary) {
      try {
        const { schemaVersion: _version, ...rest } = summary; // the envelope carries it
        await sink.write(`${jsonDocumentHead("prov.sweep")}\n  "summary": ${JSON.stringify(rest, null, 2).replace(/\n/g, "\n  ")},\n  "files": [`);
        if (n > 0) await sink.append(rows);
        await sink.write(`${n > 0 ? "\n  " : ""}]\n}\n`);
        await sink.close();
      } finally {
        await rows.dispose();
      }
    },
  };
}
