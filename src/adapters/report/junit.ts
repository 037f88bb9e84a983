// JUnit XML: one test case per file, so CI systems show the sweep like a test run.
// Violations (and what --fail-on names) are failures, unreadable files are errors,
// skipped files are skipped.

import type { FailOn, ReportWriter, SweepRow, SweepSummary } from "../../domain/sweep-types.js";
import { fails } from "../../domain/sweep-policy.js";
import { Spool, type Sink } from "./sink.js";

export function junitReport(sink: Sink, failOn: readonly FailOn[]): ReportWriter {
  const cases = new Spool();
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  return {
    async row(r: SweepRow) {
      tests++;
      const name = attr(r.path);
      const message = attr(r.reasons[0] ?? r.finding);
      const body = text(r.reasons.join("\n") + (r.sha256 ? `\nsha256 ${r.sha256}` : ""));
      let inner = "";
      if (fails(r, failOn)) {
        failures++;
        inner = `<failure type="${r.finding}" message="${message}">${body}</failure>`;
      } else if (r.finding === "error") {
        errors++;
        inner = `<error type="error" message="${message}">${body}</error>`;
      } else if (r.finding === "skipped") {
        skipped++;
        inner = `<skipped message="${message}"/>`;
      } else {
        inner = `<system-out>${text(`${r.finding}: ${r.reasons.join("; ")}`)}</system-out>`;
      }
      await cases.write(`    <testcase classname="prov.sweep.${r.finding}" name="${name}">${inner}</testcase>\n`);
    },
    abort: async () => {
      await cases.dispose();
    },
    async end(s: SweepSummary) {
      try {
        const suite = `name="${attr(`prov sweep ${s.root}`)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${s.seconds.toFixed(3)}"`;
        await sink.write(`<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ${suite}>\n  <testsuite ${suite} timestamp="${s.startedAt}">\n`);
        await sink.write(`    <properties>\n${props(s)}    </properties>\n`);
        if (tests > 0) await sink.append(cases);
        await sink.write(`  </testsuite>\n</testsuites>\n`);
        await sink.close();
      } finally {
        await cases.dispose();
      }
    },
  };
}

function props(s: SweepSummary): string {
  const p: Record<string, string> = {
    verdict: s.verdict, mode: s.mode, exitCode: String(s.exitCode), failOn: s.failOn.join(","), database: s.database,
    tool: `${s.tool.name} ${s.tool.version}`,
    ...(s.history ? { historyHead: `${s.history.row} ${s.history.hash}` } : {}),
  };
  return Object.entries(p).map(([k, v]) => `      <property name="${k}" value="${attr(v)}"/>\n`).join("");
}

/** XML 1.0 cannot hold most control characters even escaped: show them as \xNN. */
function clean(s: string): string {
  return s.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export function text(s: string): string {
  return clean(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function attr(s: string): string {
  return text(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
