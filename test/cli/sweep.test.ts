// `prov sweep` end to end on a fixture deliverables tree with one of each finding: the
// exact findings, the exit code for each --fail-on, and every report format's structure.

import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { hashFileMhl } from "../../src/adapters/mhl/index.js";
import { CSV_COLUMNS } from "../../src/adapters/report/csv.js";
import { FINDINGS } from "../../src/domain/sweep-types.js";
import { dumpDom, section, visibleText } from "../helpers/chromium.js";
import { bundledExiftool, cliPath, copyFixture, copySample, json, runCli, sha256Of, sharedAvailable, sharedDir, tempDir, type CliResult } from "../helpers/index.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
const haveShared = sharedAvailable();

let dir: string;
let deliver: string;
const prov = (args: string[], timeoutMs = 60_000): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs });

/** What each file in the fixture tree must be found to be. */
const EXPECTED: Record<string, string> = {
  "violation/lighthouse.png": "violation", // labelled GenAI (A1111), not approved
  "violation/revoked-matte.png": "violation", // approved, then revoked
  "violation/stripped-concept.jpg": "violation", // labels stripped from a recorded GenAI picture
  "violation/link.png": "violation", // a symbolic link
  "disclosed/concept-art.jpg": "disclosed", // approved GenAI
  "warning/composite-plate.jpg": "warning", // IPTC composite: possibly GenAI
  "warning/cloud-only-firefly.jpg": "warning", // C2PA manifest only remote
  "unknown/colour-bars.png": "unknown", // no record before, no labels
  "ok/camera-plate.jpg": "ok", // labelled camera original
  "ok/room-tone.wav": "ok", // no labels, but first seen in the working root edit/
  "error/bad-\\xff-name.png": "error", // a name that is not UTF-8
  ".DS_Store": "skipped",
};

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  dir = tempDir();
  // edit/ is a working root: what prov first saw there has provenance without labels.
  for (const d of ["edit", "deliver", "quarantine"]) fs.mkdirSync(path.join(dir, d));
  expect((await prov(["init", "--working", "edit", "--deliverables", "deliver", "--quarantine", "quarantine"])).code).toBe(0);
  const edit = path.join(dir, "edit");
  for (const s of ["genai-a1111.png", "genai-concept-art.jpg", "comfyui-matte.png", "camera-plate.jpg", "room-tone.wav"]) copySample(s, edit);
  expect((await prov(["scan", "edit"])).code).toBe(0);
  expect((await prov(["approve", "edit/genai-concept-art.jpg", "--by", "Jo Supervisor", "--ref", "APP-12", "--scope", "reel 2 sky"])).code).toBe(0);
  expect((await prov(["approve", "edit/comfyui-matte.png", "--by", "Jo Supervisor", "--ref", "APP-13"])).code).toBe(0);
  expect((await prov(["revoke", "edit/comfyui-matte.png", "--by", "Jo Supervisor", "--note", "studio said no"])).code).toBe(0);

  deliver = path.join(dir, "deliver");
  const put = (sample: string, rel: string): string => copySample(sample, deliver, rel);
  put("genai-a1111.png", "violation/lighthouse.png");
  put("comfyui-matte.png", "violation/revoked-matte.png");
  const stripped = put("genai-concept-art.jpg", "violation/stripped-concept.jpg");
  execFileSync(bundledExiftool, ["-q", "-all=", "-overwrite_original", stripped]);
  fs.symlinkSync("../disclosed/concept-art.jpg", path.join(deliver, "violation/link.png"));
  put("genai-concept-art.jpg", "disclosed/concept-art.jpg");
  const composite = put("camera-plate.jpg", "warning/composite-plate.jpg");
  execFileSync(bundledExiftool, ["-q", `-XMP-iptcExt:DigitalSourceType=${IPTC}composite`, "-overwrite_original", composite]);
  if (haveShared) copyFixture("cloud-only-firefly.jpg", path.join(deliver, "warning"));
  else fs.writeFileSync(path.join(deliver, "warning/cloud-only-firefly.jpg"), "placeholder"); // the test below fails loudly
  put("unlabelled-still.png", "unknown/colour-bars.png");
  put("camera-plate.jpg", "ok/camera-plate.jpg");
  put("room-tone.wav", "ok/room-tone.wav");
  fs.mkdirSync(path.join(deliver, "error"));
  fs.writeFileSync(Buffer.from(path.join(deliver, "error/bad-") + "\xff-name.png", "latin1"), "not utf-8 named");
  fs.writeFileSync(path.join(deliver, ".DS_Store"), "finder");
}, 120_000);

function byPath(report: { files: Array<{ path: string; finding: string }> }): Record<string, string> {
  return Object.fromEntries(report.files.map((f) => [f.path, f.finding]));
}

describe.runIf(haveShared)("prov sweep on a fixture deliverables tree", () => {
  it("finds exactly one of each finding per file, exits 1 for the violations, and records the sweep", async () => {
    const r = await prov(["sweep", "deliver", "--format", "json"]);
    expect(r.code, r.stderr).toBe(1);
    const report = json(r);
    expect(byPath(report)).toEqual(EXPECTED);
    // In walk order (names sorted within each folder), whatever order the reads finished in.
    expect(report.files.map((f: { path: string }) => f.path)).toEqual([
      ".DS_Store", "disclosed/concept-art.jpg", "error/bad-\\xff-name.png", "ok/camera-plate.jpg", "ok/room-tone.wav",
      "unknown/colour-bars.png", "violation/lighthouse.png", "violation/link.png", "violation/revoked-matte.png",
      "violation/stripped-concept.jpg", "warning/cloud-only-firefly.jpg", "warning/composite-plate.jpg",
    ]);
    expect(report.summary.counts).toEqual({ violation: 4, error: 1, warning: 2, disclosed: 1, unknown: 1, ok: 2, skipped: 1 });
    expect(report.summary).toMatchObject({ files: 12, disclosures: 1, exitCode: 1, mode: "full", verdict: expect.stringMatching(/^FAIL: 4 violations/) });

    const row = (p: string) => report.files.find((f: { path: string }) => f.path === p);
    expect(row("violation/revoked-matte.png").reasons[0]).toMatch(/^GenAI asset whose approval was revoked by Jo Supervisor on \d{4}-\d\d-\d\d \(studio said no\)$/);
    expect(row("violation/stripped-concept.jpg").reasons.some((x: string) => x.startsWith("provenance lost"))).toBe(true);
    expect(row("violation/stripped-concept.jpg")).toMatchObject({ origin: "genai", status: "temporary", labels: "unknown" });
    expect(row("disclosed/concept-art.jpg").disclosure).toMatchObject({ origin: "genai", approvedBy: "Jo Supervisor", approvalRef: "APP-12", scope: "reel 2 sky" });
    expect(row("warning/cloud-only-firefly.jpg").reasons[0]).toMatch(/^C2PA manifest is present only remotely, not checked: https:\/\//);
    expect(row("ok/room-tone.wav")).toMatchObject({ knownBefore: true, origin: "unknown" });
    expect(row("unknown/colour-bars.png")).toMatchObject({ knownBefore: false, origin: "unknown", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(row(".DS_Store").reasons).toEqual(["macOS Finder folder settings (.DS_Store), not media"]);
    expect(row("error/bad-\\xff-name.png").reasons[0]).toMatch(/not valid UTF-8/);

    // The sweep is also an ingest, with an event for itself.
    const log = json(await prov(["--json", "log", "--limit", "1000"]));
    const events = log.items as Array<{ kind: string; path: string | null }>;
    expect(events.filter((e) => e.kind === "sweep")).toHaveLength(1);
    expect(events.some((e) => e.kind === "seen" && e.path?.endsWith("deliver/unknown/colour-bars.png"))).toBe(true);
  }, 60_000);

  it("the JSON report has the documented schema", async () => {
    const report = json(await prov(["sweep", "deliver", "--format", "json"]));
    expect(Object.keys(report)).toEqual(["schemaVersion", "kind", "summary", "files"]);
    expect(report.schemaVersion).toBe(1);
    expect(report.kind).toBe("prov.sweep");
    expect(Object.keys(report.summary).sort()).toEqual(
      ["tool", "root", "mode", "startedAt", "finishedAt", "seconds", "files", "counts", "disclosures", "failOn", "exitCode", "verdict", "database", "history", "mhl"].sort(),
    );
    expect(Object.keys(report.summary.counts)).toEqual([...FINDINGS]);
    for (const f of report.files) {
      expect(Object.keys(f)).toEqual(["path", "size", "sha256", "finding", "reasons", "origin", "status", "labels", "labelEvidence", "firstSeen", "knownBefore", "disclosure", "noProvenance"]);
    }
    // Second run: everything is known before, and being recorded by the first sweep is no provenance.
    const again = report.files.find((f: { path: string }) => f.path === "unknown/colour-bars.png");
    expect(again).toMatchObject({ finding: "unknown", knownBefore: true, noProvenance: true });
    expect(again.reasons[0]).toMatch(/not first seen in a working root \(recorded by prov since \d{4}-\d\d-\d\d, which is not provenance\)/);
    expect(report.files.find((f: { path: string }) => f.path === "ok/room-tone.wav").reasons[0]).toMatch(/^no GenAI signal; first seen in working root .*\/edit\/room-tone\.wav on /);
  }, 60_000);

  it("exit codes: each --fail-on name fails on its findings, and an unreadable file alone exits 2", async () => {
    const code = async (sub: string, ...failOn: string[]) => (await prov(["sweep", `deliver/${sub}`, "-q", ...failOn.flatMap((f) => ["--fail-on", f])])).code;
    expect(await code("disclosed")).toBe(0);
    expect(await code("disclosed", "genai")).toBe(1);
    expect(await code("warning")).toBe(0);
    expect(await code("warning", "possibly-genai")).toBe(1);
    // The remote-only manifest is a warning with no provenance of its own: --fail-on unknown catches it.
    expect(await code("warning", "unknown")).toBe(1);
    expect(await code("unknown", "unknown")).toBe(1); // swept before: still unknown
    expect(await code("ok")).toBe(0);
    expect(await code("error")).toBe(2);
    expect(await code("error", "unreadable")).toBe(1);
    expect(await code("error", "genai,possibly-genai")).toBe(2);
    expect(await code("violation")).toBe(1);
    // unknown: a fresh content never recorded before
    fs.mkdirSync(path.join(deliver, "..", "fresh"), { recursive: true });
    fs.writeFileSync(path.join(dir, "fresh", "new.png"), fs.readFileSync(path.join(deliver, "unknown/colour-bars.png")).subarray(0, 100));
    expect(await code("../fresh", "unknown")).toBe(1);
  }, 120_000);

  it("CSV: the documented columns, one row per file", async () => {
    const r = await prov(["sweep", "deliver", "--format", "csv"]);
    const lines = r.stdout.trimEnd().split("\r\n");
    expect(lines[0]).toBe(CSV_COLUMNS.join(","));
    expect(lines).toHaveLength(1 + Object.keys(EXPECTED).length);
    const disclosed = lines.find((l) => l.startsWith("disclosed/concept-art.jpg,"))!;
    expect(disclosed).toMatch(/,Jo Supervisor,APP-12,reel 2 sky,/);
  }, 60_000);

  it("JUnit: one test case per file, failures for violations, errors for unreadable files", async () => {
    const out = path.join(dir, "sweep.junit.xml");
    const r = await prov(["sweep", "deliver", "--format", "junit", "--out", out]);
    expect(r.code).toBe(1);
    const xml = fs.readFileSync(out, "utf8");
    execFileSync("xmllint", ["--noout", out]); // well-formed
    expect(xml.match(/<testcase /g)).toHaveLength(12);
    expect(xml.match(/<failure /g)).toHaveLength(4);
    expect(xml.match(/<error /g)).toHaveLength(1);
    expect(xml.match(/<skipped /g)).toHaveLength(1);
    expect(xml).toMatch(/<testsuite name="prov sweep [^"]+" tests="12" failures="4" errors="1" skipped="1"/);
    expect(xml).toContain('name="violation/link.png"');
  }, 60_000);

  it("text: counts by finding, then the violations and the disclosure list", async () => {
    const r = await prov(["sweep", "deliver"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/violation\s+4\n/);
    expect(r.stdout).toMatch(/VIOLATIONS \(must not be delivered\): 4\n/);
    expect(r.stdout).toMatch(/GENAI DISCLOSURE \(approved GenAI in this delivery\): 1\n {2}disclosed\/concept-art\.jpg[^\n]*\n {6}genai; [^\n]*\n {6}approved by Jo Supervisor, ref APP-12, scope: reel 2 sky/);
    expect(r.stdout.trimEnd().split("\n").at(-1)).toMatch(/^FAIL: 4 violations; do not deliver$/);
    expect(r.stderr).toBe(""); // no progress bar when not on a terminal
  }, 60_000);

  it("HTML: one self-contained file that headless Chromium renders, summary first, violations, the disclosure table", async () => {
    const out = path.join(dir, "sweep-report.html");
    const r = await prov(["sweep", "deliver", "--format", "html", "--out", out]);
    expect(r.code, r.stderr).toBe(1);
    const html = fs.readFileSync(out, "utf8");
    // Nothing fetched: no external scripts, styles or frames (URLs in reasons are text); pictures are data: URIs.
    expect(html).not.toMatch(/<link\b|<script\s+src|<iframe\b|url\(|@import/i);
    for (const m of html.matchAll(/\bsrc="([^"]*)"/g)) expect(m[1]).toMatch(/^data:image\/jpeg;base64,/);
    const dom = await dumpDom(out);
    const text = visibleText(dom);
    expect(text).toMatch(/FAIL 4 violations; do not deliver/);
    const order = ["verdict", "summary", "violations", "disclosures", "files"].map((id) => dom.indexOf(`id="${id}"`));
    for (const i of order) expect(i).toBeGreaterThanOrEqual(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const violations = visibleText(section(dom, "violations"));
    for (const p of ["violation/lighthouse.png", "violation/revoked-matte.png", "violation/stripped-concept.jpg", "violation/link.png"]) expect(violations).toContain(p);
    expect(violations).not.toContain("ok/camera-plate.jpg");
    const disclosure = visibleText(section(dom, "disclosures"));
    expect(disclosure).toContain("disclosed/concept-art.jpg");
    expect(disclosure).toContain("Jo Supervisor");
    expect(disclosure).toContain("APP-12");
    expect(disclosure).toContain("reel 2 sky");
    // Filtering: only the violations are shown with #finding=violation.
    const filtered = await dumpDom(out, "#finding=violation");
    const rows = section(filtered, "files").match(/<tr\b[^>]*data-finding="[a-z]+"[^>]*>/g) ?? [];
    expect(rows).toHaveLength(12);
    for (const tag of rows) expect(/\bhidden\b/.test(tag)).toBe(!tag.includes('data-finding="violation"'));
  }, 120_000);

  it("--mhl appends an ASC MHL v2 generation (xxh128, C4 chain) valid against the schemas, one per run", async () => {
    const tree = path.join(dir, "mhl-tree");
    for (const [sample, rel] of [["camera-plate.jpg", "Clips/plate.jpg"], ["room-tone.wav", "Audio/tone.wav"]] as const) copySample(sample, tree, rel);
    fs.writeFileSync(path.join(tree, ".DS_Store"), "finder");
    const first = await prov(["sweep", tree, "--mhl", "--format", "json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(json(first).summary.mhl).toMatchObject({ generation: 1, failed: [], missing: [] });
    const second = await prov(["sweep", tree, "--mhl", "--format", "json"]);
    expect(json(second).summary.mhl).toMatchObject({ generation: 2 });
    const mhlDir = path.join(tree, "ascmhl");
    const gens = fs.readdirSync(mhlDir).filter((f) => f.endsWith(".mhl")).sort();
    expect(gens).toHaveLength(2);
    expect(gens[0]).toMatch(/^0001_mhl-tree_\d{4}-\d\d-\d\d_\d{6}Z\.mhl$/);
    for (const g of gens) execFileSync("xmllint", ["--noout", "--schema", path.join(sharedDir, "fixtures/ascmhl/ASCMHL.xsd"), path.join(mhlDir, g)], { stdio: "pipe" });
    execFileSync("xmllint", ["--noout", "--schema", path.join(sharedDir, "fixtures/ascmhl/ASCMHLDirectory.xsd"), path.join(mhlDir, "ascmhl_chain.xml")], { stdio: "pipe" });
    const g1 = fs.readFileSync(path.join(mhlDir, gens[0]!), "utf8");
    const g2 = fs.readFileSync(path.join(mhlDir, gens[1]!), "utf8");
    expect(g1).toMatch(/<path size="13663" [^>]*>Clips\/plate\.jpg<\/path>\s*<xxh128 action="original"/);
    expect(g2).toMatch(/<path size="13663" [^>]*>Clips\/plate\.jpg<\/path>\s*<xxh128 action="verified"/);
    expect(g1).not.toContain("DS_Store</path>");
    // The hash made in the sweep's own read is the file's xxh128; under --quick (files not
    // read again) it is read for the MHL and still verifies.
    const plate = await hashFileMhl(path.join(tree, "Clips/plate.jpg"), "xxh128");
    expect(g1).toContain(`<xxh128 action="original" hashdate="`);
    expect(g1).toMatch(new RegExp(`Clips/plate\\.jpg</path>\\s*<xxh128 action="original" hashdate="[^"]+">${plate}</xxh128>`));
    const chain = fs.readFileSync(path.join(mhlDir, "ascmhl_chain.xml"), "utf8");
    expect(chain.match(/<c4>c4[1-9A-HJ-NP-Za-km-z]{88}<\/c4>/g)).toHaveLength(2);
    // The sweep does not judge its own MHL history: it says it skipped it.
    const rows = json(second).files as Array<{ path: string; finding: string; reasons: string[] }>;
    expect(rows.map((f) => `${f.path} ${f.finding}`).sort()).toEqual([".DS_Store skipped", "Audio/tone.wav ok", "Clips/plate.jpg ok", "ascmhl skipped"]);
    expect(rows.find((f) => f.path === "ascmhl")!.reasons).toEqual(["ASC MHL history of this folder (ascmhl/)"]);
    const third = await prov(["sweep", tree, "--mhl", "--quick", "--format", "json"]);
    expect(json(third).summary.mhl).toMatchObject({ generation: 3, failed: [] });
  }, 60_000);

  it("on a terminal: a progress line while it runs, cleared before the report", () => {
    // script(1) gives the CLI a pseudo-terminal, as a person at a shell has.
    const r = spawnSync("script", ["-qec", `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} sweep deliver --quick`, "/dev/null"], {
      cwd: dir, encoding: "utf8", env: { ...process.env, COLUMNS: "100" }, timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(1); // the tree has violations
    const out = r.stdout.replace(/\r\n/g, "\n");
    const report = out.indexOf("prov sweep ");
    expect(out.slice(0, report)).toMatch(/^\rsweeping: \d+(\/12)? files, \d+\/s/);
    expect(out.slice(0, report)).toMatch(/\r +\r$/); // the progress line was wiped
    expect(out.slice(report)).toMatch(/^prov sweep \S+ {2}\(quick, 12 files/);
  }, 60_000);

  it("--quick trusts the stat cache and finds the same", async () => {
    const full = json(await prov(["sweep", "deliver", "--format", "json"]));
    const quick = json(await prov(["sweep", "deliver", "--format", "json", "--quick"]));
    expect(quick.summary.mode).toBe("quick");
    expect(byPath(quick)).toEqual(byPath(full));

    // A file changed since: its stat key differs, so it is read again, not trusted.
    const changed = path.join(deliver, "ok/camera-plate.jpg");
    const before = quick.files.find((f: { path: string }) => f.path === "ok/camera-plate.jpg");
    fs.appendFileSync(changed, Buffer.from("trailing bytes after the JPEG end marker"));
    const again = json(await prov(["sweep", "deliver", "--format", "json", "--quick"]));
    const after = again.files.find((f: { path: string }) => f.path === "ok/camera-plate.jpg");
    expect(after.sha256).not.toBe(before.sha256);
    expect(after).toMatchObject({ knownBefore: false, origin: "not-genai", finding: "ok" });
  }, 60_000);
});

describe("prov sweep: bad input", () => {
  it("a folder that does not exist, or a file, is a usage error naming it (exit 2)", async () => {
    const missing = await prov(["sweep", "no-such-dir"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot sweep no-such-dir: file vanished \(no such file\)|cannot sweep no-such-dir: .*no such file/);
    fs.writeFileSync(path.join(dir, "plain.txt"), "x");
    const file = await prov(["sweep", "plain.txt"]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/cannot sweep plain\.txt: not a directory/);
  });

  it("an unwritable --out is a usage error before anything is swept, and nothing is left behind", async () => {
    const empty = path.join(dir, "empty-deliver");
    fs.mkdirSync(empty, { recursive: true });
    const r = await prov(["sweep", empty, "--out", path.join(dir, "no-such-folder", "report.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write report .*no-such-folder\/report\.json/);
    const toDir = await prov(["sweep", empty, "--out", dir]);
    expect(toDir.code).toBe(2);
    expect(toDir.stderr).toMatch(/cannot write report .*: it is a directory/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("unknown --format or --fail-on names are usage errors", async () => {
    fs.mkdirSync(path.join(dir, "empty2"), { recursive: true });
    expect((await prov(["sweep", "empty2", "--format", "docx"])).stderr).toMatch(/unknown --format docx: use one of text, json, csv, html, junit, pdf/);
    const r = await prov(["sweep", "empty2", "--fail-on", "everything"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown --fail-on everything: use any of genai, possibly-genai, unknown, unreadable/);
  });

  it("a report written inside the swept tree is not swept itself", async () => {
    const d = path.join(dir, "self");
    fs.mkdirSync(d, { recursive: true });
    copySample("camera-plate.jpg", d);
    const r = await prov(["sweep", "self", "--format", "json", "--out", "self/report.json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(d, "report.json"), "utf8"));
    expect(report.files.map((f: { path: string }) => f.path)).toEqual(["camera-plate.jpg"]);
    expect(fs.readdirSync(d).sort()).toEqual(["camera-plate.jpg", "report.json"]);
  });

  it("records the report files it wrote (path, format, size, SHA-256, redacted, host) after the sweep's own event, for the desk", async () => {
    const d = path.join(dir, "recorded");
    fs.mkdirSync(d, { recursive: true });
    copySample("camera-plate.jpg", d);
    const out = path.join(dir, "recorded-report.csv");
    const disclosure = path.join(dir, "recorded-disclosure.json");
    const r = await prov(["sweep", "recorded", "--format", "csv", "--out", out, "--disclosure", disclosure, "--redact"]);
    expect(r.code, r.stderr).toBe(0);
    const log = json(await prov(["--json", "log", "--limit", "1000"]));
    const events = log.items as Array<{ id: number; kind: string; path: string | null; detail: Record<string, unknown> }>;
    const sweepEvent = events.filter((e) => e.kind === "sweep").at(-1)!;
    const recorded = events.filter((e) => e.kind === "sweep-reports").at(-1)!;
    expect(recorded.id).toBeGreaterThan(sweepEvent.id);
    expect(recorded.path).toBe(sweepEvent.path);
    expect(recorded.detail).toEqual({
      sweep: sweepEvent.id,
      host: os.hostname(),
      reports: [
        { path: out, format: "csv", redacted: true, size: fs.statSync(out).size, sha256: sha256Of(out) },
        { path: disclosure, format: "disclosure-json", redacted: true, size: fs.statSync(disclosure).size, sha256: sha256Of(disclosure) },
      ],
    });
    // A report printed to the terminal is no file: nothing recorded.
    expect((await prov(["sweep", "recorded", "--format", "json"])).code).toBe(0);
    const after = json(await prov(["--json", "log", "--limit", "1000"]));
    expect((after.items as Array<{ kind: string }>).filter((e) => e.kind === "sweep-reports").length).toBe(events.filter((e) => e.kind === "sweep-reports").length);
  });
});

describe("prov sweep: what a file holds", () => {
  it("a GenAI JPEG appended after a clean one (small, or past 4 MiB) and a GenAI picture in a zip are violations; the clean ones are not", async () => {
    // Its own database: the fixture tree's approves the concept art.
    const home = tempDir();
    const here = (args: string[]): Promise<CliResult> => runCli(args, { cwd: home, timeoutMs: 60_000 });
    expect((await here(["init"])).code).toBe(0);
    const d = path.join(home, "holds");
    const scratch = path.join(home, "holds-src");
    const clean = fs.readFileSync(copySample("camera-plate.jpg", scratch));
    const genai = fs.readFileSync(copySample("genai-concept-art.jpg", scratch));
    fs.mkdirSync(d, { recursive: true });
    // Small: read whole by the hash, walked in memory. Large: walked from the file.
    fs.writeFileSync(path.join(d, "small.jpg"), Buffer.concat([clean, genai]));
    fs.writeFileSync(path.join(d, "large.jpg"), Buffer.concat([clean, Buffer.alloc(5 * 1024 * 1024), genai]));
    fs.writeFileSync(path.join(d, "padded-clean.jpg"), Buffer.concat([clean, Buffer.alloc(5 * 1024 * 1024)]));
    fs.copyFileSync(path.join(scratch, "camera-plate.jpg"), path.join(d, "plate.jpg"));
    execFileSync("zip", ["-q", "-j", path.join(d, "reel.zip"), path.join(scratch, "genai-concept-art.jpg")]);
    const r = await here(["sweep", "holds", "--format", "json"]);
    expect(r.code, r.stderr).toBe(1);
    const report = json(r);
    const by = new Map<string, { finding: string; reasons: string[] }>(report.files.map((f: { path: string; finding: string; reasons: string[] }) => [f.path, f]));
    for (const name of ["small.jpg", "large.jpg"]) {
      expect(by.get(name)?.finding, name).toBe("violation");
      expect(by.get(name)?.reasons.join(" "), name).toMatch(/jpeg after the end of the jpeg/);
    }
    expect(by.get("reel.zip")?.finding).toBe("violation");
    expect(by.get("reel.zip")?.reasons.join(" ")).toMatch(/reel\.zip > genai-concept-art\.jpg/);
    expect(by.get("plate.jpg")?.finding).not.toBe("violation");
    expect(by.get("padded-clean.jpg")?.finding).not.toBe("violation");
  }, 120_000);
});
