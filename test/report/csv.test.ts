// The CSV sweep report: one row per file, the C2PA statuses worded as in the text report.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, csvReport } from "../../src/adapters/report/csv.js";
import { fileSink } from "../../src/adapters/report/sink.js";
import type { SweepRow, SweepSummary } from "../../src/domain/sweep-types.js";
import { tempDir } from "../helpers/index.js";

function row(p: string, extra: Partial<SweepRow> = {}): SweepRow {
  return { path: p, size: 10, sha256: "ab".repeat(32), finding: "ok", reasons: [], origin: null, status: null, labels: null, labelEvidence: [], firstSeen: null, knownBefore: true, disclosure: null, ...extra };
}

describe("csvReport", () => {
  it("a c2pa column: each manifest's status, as the text report words it; empty without a manifest", async () => {
    const out = path.join(tempDir(), "r.csv");
    const w = csvReport(await fileSink(out));
    await w.row(row("a.jpg", { finding: "warning", c2pa: [{ label: "urn:c2pa:1", status: "invalid (assertion.dataHash.mismatch)" }, { label: "=urn:c2pa:2", status: "not checked" }] }));
    await w.row(row("b.jpg"));
    await w.end({} as SweepSummary);
    const lines = fs.readFileSync(out, "utf8").trimEnd().split("\r\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines[0]).toMatch(/,approved_at,c2pa$/);
    expect(lines[1]).toMatch(/,urn:c2pa:1: invalid \(assertion\.dataHash\.mismatch\); =urn:c2pa:2: not checked$/);
    expect(lines[2]).toMatch(/,$/);
  });
});
