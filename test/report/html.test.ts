// The HTML sweep report: written through a real file sink, then rendered in headless
// Chromium (`--dump-dom` prints the DOM after the page's script ran). Chromium is
// required, not optional: without /usr/bin/chromium these tests fail and say so.

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { htmlReport } from "../../src/adapters/report/html.js";
import { CHROMIUM, decode, dumpDom, NO_CHROMIUM, section, visibleText } from "../helpers/chromium.js";
import { fileSink } from "../../src/adapters/report/sink.js";
import { FINDINGS, SWEEP_SCHEMA_VERSION, type Disclosure, type Finding, type SweepRow, type SweepSummary } from "../../src/domain/sweep-types.js";


// One folder for everything this file writes; spools go to their own TMPDIR so the test
// can see them appear while rows arrive and disappear after end().
const base = fs.mkdtempSync(path.join(os.tmpdir(), "prov-html-test-"));
const spoolTmp = path.join(base, "spools");
const savedTmpdir = process.env["TMPDIR"];

beforeAll(() => {
  fs.mkdirSync(spoolTmp);
  process.env["TMPDIR"] = spoolTmp;
});

afterAll(() => {
  if (savedTmpdir === undefined) delete process.env["TMPDIR"];
  else process.env["TMPDIR"] = savedTmpdir;
  fs.rmSync(base, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

/** Chromium's profile goes under `base`, not TMPDIR (where the test watches for spools). */
const render = (file: string, suffix = ""): Promise<string> => dumpDom(file, suffix, base);

function sha(s: string): string {
  return createHash("sha256").update(s).digest("hex");
}

function row(p: string, finding: Finding, extra: Partial<SweepRow> = {}): SweepRow {
  return {
    path: p,
    size: 1_234_567,
    sha256: sha(p),
    finding,
    reasons: [],
    origin: null,
    status: null,
    labels: null,
    labelEvidence: [],
    firstSeen: "2025-03-01T10:00:00.000Z",
    knownBefore: true,
    disclosure: null,
    ...extra,
  };
}

function summaryFor(rows: SweepRow[], extra: Partial<SweepSummary> = {}): SweepSummary {
  const counts = Object.fromEntries(FINDINGS.map((f) => [f, 0])) as Record<Finding, number>;
  for (const r of rows) counts[r.finding]++;
  return {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    tool: { name: "prov", version: "0.1.0-test" },
    root: "/mnt/deliverables",
    mode: "full",
    startedAt: "2025-03-02T09:00:00.000Z",
    finishedAt: "2025-03-02T09:01:23.500Z",
    seconds: 83.5,
    files: rows.length,
    counts,
    disclosures: rows.filter((r) => r.disclosure !== null).length,
    failOn: [],
    exitCode: counts.violation > 0 ? 1 : counts.error > 0 ? 2 : 0,
    verdict: "test verdict",
    database: "/srv/prov/prov.db",
    mhl: null,
    ...extra,
  };
}

let reportNo = 0;
async function writeReport(rows: SweepRow[], summary: SweepSummary): Promise<string> {
  const out = path.join(base, `report-${++reportNo}.html`);
  const writer = htmlReport(await fileSink(out));
  for (const r of rows) await writer.row(r);
  await writer.end(summary);
  return out;
}

/** Start tags of the all-files table's body rows. */
function fileRowTags(dom: string): string[] {
  const files = section(dom, "files");
  const body = files.slice(files.indexOf("<tbody>"), files.indexOf("</tbody>"));
  return body.match(/<tr\b[^>]*>/g) ?? [];
}

// ------------------------------------------------------------------ the rows

const ROOT = `/mnt/deliverables/Show <S01> & "E01"`;
const HOSTILE = `shots/a<b>&"c'.mov`;
const NEWLINE = "broken/line1\nline2.mxf";
const JAPANESE = "vfx/ショット_001/背景プレート.exr";
const DISCLOSED = "gfx/title_card.png";
const INJECTION = `audio/x</td></tr></table><script>document.title="pwned"</script>.wav`;
const BIDI = "edit/中文 עברית \u202Egpj.mov";
const APPROVER = `María O'Neil <VFX sup>`;
const STRIPPED = "gfx/logo_genai.png";
const DISCLOSURE: Disclosure = {
  origin: "genai",
  tool: "Firefly",
  model: "Image 3",
  approvedBy: APPROVER,
  approvalRef: "APPR-2024-017",
  scope: "Main titles only",
  approvedAt: "2024-05-02T12:00:00.000Z",
  approvalDocSha256: sha("approval.pdf"),
  approvedAccount: null, evidence: ["c2pa"], escalations: [], consents: [], approvalExpires: null, deepfake: false,
};

const ROWS: SweepRow[] = [
  row(HOSTILE, "violation", {
    reasons: ["Temporary GenAI: not approved for delivery.", `Tagged by <i>someone</i> & "co"`],
    origin: "genai",
    status: "temporary",
  }),
  row(NEWLINE, "error", { size: null, sha256: null, reasons: ["cannot read: EACCES permission denied"] }),
  row(JAPANESE, "warning", {
    reasons: ["Possibly GenAI: a composite of unknown sources."],
    labels: "possibly-genai",
    labelEvidence: ["XMP-iptcExt:DigitalSourceType = composite"],
  }),
  row(DISCLOSED, "disclosed", {
    reasons: ["Approved GenAI."],
    origin: "genai",
    status: "approved",
    disclosure: DISCLOSURE,
  }),
  // Approved GenAI whose label was stripped: a warning, and still on the disclosure list.
  row(STRIPPED, "warning", {
    reasons: ["Provenance lost: the C2PA manifest recorded for this content is gone."],
    origin: "genai",
    status: "approved",
    disclosure: {
      origin: "genai",
      tool: "Midjourney",
      model: null,
      approvedBy: "Legal",
      approvalRef: null,
      scope: null,
      approvedAt: "2024-06-01T00:00:00.000Z",
      approvalDocSha256: null,
      approvedAccount: null, evidence: [], escalations: [], consents: [], approvalExpires: null, deepfake: false,
    },
  }),
  row(INJECTION, "unknown", { reasons: ["No provenance recorded and no labels."], knownBefore: false }),
  row(BIDI, "ok", { size: 512 }),
  row(".DS_Store", "skipped", { size: 6148, sha256: null, reasons: ["Finder metadata."] }),
];

const SUMMARY = summaryFor(ROWS, {
  root: ROOT,
  verdict: "FAIL: 1 violation; do not deliver",
  failOn: ["possibly-genai"],
  mhl: {
    generation: 4,
    file: "ascmhl/0004_deliverables.mhl",
    chain: "ascmhl/ascmhl_chain.xml",
    failed: ["reel1/<changed>.mov"],
    missing: [],
  },
});

// ------------------------------------------------------------------ tests

// Fails (never skips) where Chromium is missing, so CI cannot pass without rendering.
it("has headless Chromium to render reports with", () => {
  expect(fs.existsSync(CHROMIUM), NO_CHROMIUM).toBe(true);
});

describe("htmlReport", () => {
  let file = "";
  let source = "";
  let dom = "";
  let filtered = "";
  let searched = "";

  beforeAll(async () => {
    file = await writeReport(ROWS, SUMMARY);
    source = fs.readFileSync(file, "utf8");
    [dom, filtered, searched] = await Promise.all([
      render(file),
      render(file, "#finding=violation"),
      render(file, `?q=${encodeURIComponent("ショット")}&finding=warning,disclosed`),
    ]);
  }, 90_000);

  it("is one self-contained file: nothing to fetch, a strict CSP, UTF-8", () => {
    expect(source.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(source).toContain(`<meta charset="utf-8">`);
    expect(source).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    );
    // Without the swept folder (no root given here) flagged files get a placeholder, not a picture.
    for (const bad of ["<script src", "<link", "http://", "https://", "<img", "<iframe", "<object", "<embed", "@import", "url(", " src="]) {
      expect(source.toLowerCase(), bad).not.toContain(bad);
    }
    // Every link stays inside the page.
    for (const m of source.matchAll(/href="([^"]*)"/g)) expect(m[1]).toMatch(/^#/);
    expect(source.trimEnd().endsWith("</html>")).toBe(true);
  });

  it("is fully readable without JavaScript: no row starts hidden; the filter controls do", () => {
    expect(source).toMatch(/<form id="filter" hidden>/);
    const tags = fileRowTags(source);
    expect(tags).toHaveLength(ROWS.length);
    for (const t of tags) expect(t).not.toMatch(/\bhidden\b/);
  });

  it("titles the page with the swept folder, taken literally", () => {
    const title = /<title>([\s\S]*?)<\/title>/.exec(dom)?.[1] ?? "";
    expect(decode(title)).toBe(`prov sweep: ${ROOT}`);
    expect(visibleText(dom.slice(dom.indexOf("<h1>"), dom.indexOf("</h1>")))).toBe(`prov sweep: ${ROOT}`);
  });

  it("puts the verdict and summary first, then violations, errors, disclosures, warnings, all files", () => {
    const order = ["verdict", "summary", "violations", "errors", "disclosures", "warnings", "files"].map((id) => dom.indexOf(`id="${id}"`));
    for (const at of order) expect(at).toBeGreaterThan(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const verdict = visibleText(/<p [^>]*id="verdict"[^>]*>([\s\S]*?)<\/p>/.exec(dom)?.[1] ?? "");
    expect(verdict).toBe("FAIL 1 violation; do not deliver");
  });

  it("summarises counts by finding and how the sweep ran", () => {
    const summary = section(dom, "summary");
    for (const f of FINDINGS) {
      const tr = new RegExp(`<tr data-count="${f}">([\\s\\S]*?)</tr>`).exec(summary)?.[1];
      expect(tr, f).toBeDefined();
      expect(visibleText(tr ?? "")).toMatch(new RegExp(`^${f} ${SUMMARY.counts[f]} `));
    }
    const text = visibleText(summary);
    expect(visibleText(/<tr data-count="disclosures">([\s\S]*?)<\/tr>/.exec(summary)?.[1] ?? "")).toMatch(/^GenAI disclosures 2 /);
    expect(text).toContain("all files 8 ");
    expect(text).toContain("Mode full");
    expect(text).toContain("Started 2025-03-02T09:00:00.000Z");
    expect(text).toContain("Duration 1 min 24 s");
    expect(text).toContain("Tool prov 0.1.0-test");
    expect(text).toContain("Database /srv/prov/prov.db");
    expect(text).toContain("--fail-on violations (always), possibly-genai");
    expect(text).toContain("Exit code 1 ");
    expect(text).toContain("MHL generation 4: ascmhl/0004_deliverables.mhl chain ascmhl/ascmhl_chain.xml 1 file no longer matches an earlier generation reel1/<changed>.mov");
  });

  it("lists the violation, with its reasons and full sha256, in the violations section only", () => {
    const text = visibleText(section(dom, "violations"));
    expect(text).toContain("Violations (1)");
    expect(text).toContain(HOSTILE);
    expect(text).toContain(`Tagged by <i>someone</i> & "co"`);
    expect(text).toContain(sha(HOSTILE));
    for (const other of [JAPANESE, DISCLOSED, ".DS_Store"]) expect(text).not.toContain(other);
    // The full hash is also in a title attribute, the display being shortened.
    expect(section(dom, "violations")).toContain(`title="${sha(HOSTILE)}"`);
  });

  it("lists unreadable files under errors, a newline in a name shown as a visible mark", () => {
    const text = visibleText(section(dom, "errors"));
    expect(text).toContain("Errors (1)");
    expect(text).toContain("broken/line1\u240Aline2.mxf");
    expect(text).toContain("cannot read: EACCES permission denied");
  });

  it("has the GenAI disclosure list with approver and approval reference", () => {
    const text = visibleText(section(dom, "disclosures"));
    expect(text).toContain("GenAI disclosures (2)");
    for (const h of ["Path", "Origin", "Tool", "Model", "Approved by", "Approval reference", "Scope", "Date", "SHA-256"]) expect(text).toContain(h);
    expect(text).toContain(`${DISCLOSED} genai Firefly Image 3 ${APPROVER} APPR-2024-017 document ${sha("approval.pdf")} Main titles only 2024-05-02 12:00:00Z ${sha(DISCLOSED)}`);
    // The exact time is the cell's title.
    expect(section(dom, "disclosures")).toContain(`<time datetime="2024-05-02T12:00:00.000Z" title="2024-05-02T12:00:00.000Z">`);
    // Listed whatever its finding, which shows beside the path; missing values are dashes.
    expect(text).toContain(`${STRIPPED} warning genai Midjourney — Legal — — 2024-06-01 00:00:00Z ${sha(STRIPPED)}`);
    expect(text).not.toContain(HOSTILE);
  });

  it("lists warnings with their label evidence, in any script", () => {
    const text = visibleText(section(dom, "warnings"));
    expect(text).toContain("Warnings (2)");
    expect(text).toContain(`${JAPANESE} Possibly GenAI: a composite of unknown sources. possibly-genai XMP-iptcExt:DigitalSourceType = composite`);
  });

  it("lists every file, hostile names literally and not as markup", () => {
    const files = section(dom, "files");
    const text = visibleText(files);
    expect(text).toContain("All files (8)");
    for (const p of [HOSTILE, JAPANESE, DISCLOSED, INJECTION, ".DS_Store"]) expect(text).toContain(p);
    // The right-to-left override is shown as a mark, not obeyed.
    expect(text).toContain("edit/中文 עברית <U+202E>gpj.mov");
    expect(text).toContain("1.2 MiB");
    expect(files).toContain(`title="1,234,567 bytes"`);
    expect(text).toContain("new in this sweep");
    // Nothing in a name became an element: one script (the report's own), no <b> or <i>.
    expect(dom.match(/<script\b/g)).toHaveLength(1);
    expect(dom).not.toMatch(/<(b|i)>/);
    expect(dom).not.toContain("pwned</title>");
    expect(fileRowTags(dom)).toHaveLength(ROWS.length);
  });

  it("shows the filter once its script runs, all rows visible by default", () => {
    expect(dom).toMatch(/<form id="filter">/);
    expect(fileRowTags(dom).filter((t) => /\bhidden\b/.test(t))).toEqual([]);
    expect(visibleText(/<output [^>]*id="shown"[^>]*>([\s\S]*?)<\/output>/.exec(dom)?.[1] ?? "")).toBe("Showing 8 of 8 files");
  });

  it("filters by finding from the URL hash: #finding=violation hides every other row", () => {
    const tags = fileRowTags(filtered);
    expect(tags).toHaveLength(ROWS.length);
    for (const t of tags) {
      const finding = /data-finding="([a-z]+)"/.exec(t)?.[1];
      expect(/\bhidden\b/.test(t), `${finding}: ${t}`).toBe(finding !== "violation");
    }
    expect(filtered).toMatch(/<input type="checkbox" name="finding" value="violation" checked=""/);
    expect(filtered).toContain("Showing 1 of 8 files");
  });

  it("filters by text and findings from a ?query", () => {
    const visible = fileRowTags(searched).filter((t) => !/\bhidden\b/.test(t));
    expect(visible).toEqual([`<tr data-finding="warning">`]);
    expect(searched).toContain("Showing 1 of 8 files");
  });

  it("cleans up its spools", () => {
    expect(fs.readdirSync(spoolTmp)).toEqual([]);
  });
});

describe("htmlReport: values are text, never links", () => {
  it("a URL in a reason is shown, not linked or fetched", async () => {
    const rows = [row("vfx/remote.jpg", "warning", { reasons: ["C2PA manifest only remote: https://example.com/m.c2pa?a=1&b=<2>"] })];
    const source = fs.readFileSync(await writeReport(rows, summaryFor(rows)), "utf8");
    expect(source).toContain("C2PA manifest only remote: https://example.com/m.c2pa?a=1&amp;b=&lt;2&gt;");
    expect(source).not.toMatch(/(href|src|action)="?https?:/i);
  });
});

describe("htmlReport: MHL and giving up", () => {
  it("shows an MHL that could not be written, as text", async () => {
    const rows = [row("a.mov", "ok")];
    const source = fs.readFileSync(await writeReport(rows, summaryFor(rows, { mhl: { error: "ascmhl/ is not <writable>" } })), "utf8");
    expect(source).toContain("not written: ascmhl/ is not &lt;writable&gt;");
  });

  it("abort() removes its spools and leaves no report behind", async () => {
    const out = path.join(base, "aborted.html");
    const writer = htmlReport(await fileSink(out));
    for (let i = 0; i < 2000; i++) await writer.row(row(`f${i}.mov`, i % 2 ? "ok" : "violation"));
    expect(fs.readdirSync(spoolTmp).length).toBeGreaterThan(0);
    await writer.abort();
    expect(fs.readdirSync(spoolTmp)).toEqual([]);
    expect(fs.readdirSync(base).filter((f) => f.includes("aborted"))).toEqual([]);
  });
});

describe("htmlReport: 20,000 rows stream through spools", () => {
  it("writes a well-formed report with every row, and keeps rows on disk, not in memory", async () => {
    const N = 20_000;
    const findings: Finding[] = ["ok", "ok", "ok", "ok", "unknown", "warning", "disclosed", "violation", "error", "skipped"];
    const out = path.join(base, "big.html");
    const writer = htmlReport(await fileSink(out));
    const rows: SweepRow[] = [];
    let spooled = false;
    for (let i = 0; i < N; i++) {
      const finding = findings[i % findings.length] ?? "ok";
      const disclosure = finding === "disclosed" ? { ...DISCLOSURE, approvalRef: `APPR-${i}` } : null;
      const r = row(`reel${i % 7}/shot_${String(i).padStart(5, "0")}_v001.exr`, finding, { reasons: [`reason for ${i}`], disclosure });
      rows.push(r);
      await writer.row(r);
      if (i === N / 2) {
        // Half way, the rows are already in temporary files.
        const dirs = fs.readdirSync(spoolTmp).filter((d) => d.startsWith("prov-report-"));
        spooled = dirs.some((d) => fs.statSync(path.join(spoolTmp, d, "rows")).size > 100_000);
      }
    }
    await writer.end(summaryFor(rows));
    expect(spooled, "rows were spooled to disk while the sweep ran").toBe(true);
    expect(fs.readdirSync(spoolTmp)).toEqual([]);

    const source = fs.readFileSync(out, "utf8");
    expect(source).toContain(`All files <span class="count">(20,000)</span>`);
    expect(source).toMatch(/<tr data-count="files"><th scope="row">all files<\/th><td class="n">20,000<\/td>/);
    expect(fileRowTags(source)).toHaveLength(N);
    // Well-formed: the body of the all-files table is exactly N rows of 9 cells, nothing between them.
    const files = section(source, "files");
    const body = files.slice(files.indexOf("<tbody>\n") + "<tbody>\n".length, files.indexOf("</tbody>"));
    const rowHtml = body.split("\n").filter((l) => l !== "");
    expect(rowHtml).toHaveLength(N);
    for (const tr of rowHtml) {
      expect(tr).toMatch(/^<tr data-finding="[a-z]+">(<td\b[^>]*>.*?<\/td>){9}<\/tr>$/);
    }
    expect(section(source, "violations").match(/<tr\b/g)).toHaveLength(N / 10 + 1); // + the header row
    expect(section(source, "disclosures").match(/<tr\b/g)).toHaveLength(N / 10 + 1);
    expect(source.trimEnd().endsWith("</html>")).toBe(true);
    // (Not rendered in Chromium here: 12 MB of HTML takes it ~20 s on a 2-core runner.)
  });
});

describe("htmlReport: C2PA statuses and cut timecodes", () => {
  it("shows each manifest's status in the row's reasons, and a disclosure's timecodes beside its path, as text", async () => {
    const c2pa = [{ label: `urn:c2pa:<script>alert(1)</script>`, status: "invalid (assertion.dataHash.mismatch)" }, { label: "urn:c2pa:2", status: "not checked" }];
    const rows = [
      row("vfx/signed.jpg", "warning", { reasons: ["Possibly GenAI."], c2pa }),
      row("gfx/approved.png", "disclosed", {
        origin: "genai", c2pa: [{ label: "urn:c2pa:3", status: "validated (trusted)" }],
        disclosure: {
          ...DISCLOSURE,
          timecodes: [{ cut: `cuts/<b>lock</b>.edl`, track: "V1", events: [1, 2], clip: "x", matchedBy: "clip name", recordIn: "01:00:00:00", recordOut: "01:00:00:10", sourceIn: "10:00:00:00", sourceOut: "10:00:00:10" }],
          sourceTimecode: { in: "01:00:10:00", out: "01:00:10:12", rate: "24" },
        },
      }),
    ];
    const source = fs.readFileSync(await writeReport(rows, summaryFor(rows)), "utf8");
    expect(source).toContain("C2PA urn:c2pa:&lt;script&gt;alert(1)&lt;/script&gt;: invalid (assertion.dataHash.mismatch)");
    expect(source).toContain("C2PA urn:c2pa:2: not checked");
    expect(source).toContain("C2PA urn:c2pa:3: validated (trusted)");
    expect(source).not.toContain("<script>alert(1)");
    expect(source).toContain("cuts/&lt;b&gt;lock&lt;/b&gt;.edl V1 event 1+2: record 01:00:00:00-01:00:00:10, source 10:00:00:00-10:00:00:10");
    expect(source).toContain("own timecode 01:00:10:00-01:00:10:12 @ 24");
  });
});
