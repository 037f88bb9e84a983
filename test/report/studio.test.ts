// Reports a studio can read (issue 17): `prov sweep` on a real deliverables tree made from
// the project's samples, its HTML report laid out in Debian's Chromium (playwright-core,
// /usr/bin/chromium, no download) at 1280 and 1920 px, its PDF (`--format pdf`) rendered
// page by page with poppler (pdftoppm, pdftotext, pdfinfo), `--redact` checked in every
// format, and CSV for Excel. Chromium and poppler are required, not optional: without them
// these tests fail and say so.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printToPdf } from "../../src/adapters/report/pdf.js";
import { printCss } from "../../src/adapters/report/print.js";
import { parseConfig } from "../../src/config.js";
import { CHROMIUM, NO_CHROMIUM } from "../helpers/chromium.js";
import { bundledExiftool, cliPath, copySample, json, runCli, tempDir, type CliResult } from "../helpers/index.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
const POPPLER = ["pdftoppm", "pdftotext", "pdfinfo"];
const NO_POPPLER = "poppler-utils (pdftoppm, pdftotext, pdfinfo) not found: the PDF report tests render its pages with them (apt-get install poppler-utils; CI installs it).";

let dir = "";
let deliver = "";
const env = { PROV_CHROMIUM: undefined };
const prov = (args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<CliResult> =>
  runCli(args, { cwd: dir, timeoutMs: 180_000, env: { ...env, ...extraEnv } });

/** A path long enough to scroll a table sideways if it did not wrap. */
const LONG = `vfx/${"a_very_long_folder_name_that_has_no_spaces_in_it_".repeat(4)}/sh010_comp_v003_genai_matte_painting_final_FINAL.png`;
const COPIES = 36;

function have(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  dir = tempDir();
  for (const d of ["edit", "deliver", "quarantine"]) fs.mkdirSync(path.join(dir, d));
  expect((await prov(["init", "--working", "edit", "--deliverables", "deliver", "--quarantine", "quarantine"])).code).toBe(0);
  // The production and the sign-off lines come from the configuration's `report` key.
  const configFile = path.join(dir, "prov.config.json");
  const config = JSON.parse(fs.readFileSync(configFile, "utf8")) as Record<string, unknown>;
  config["report"] = { project: "Northern Lights", episode: "101", reel: "2", signoff: ["Post supervisor", "Studio legal"] };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  const edit = path.join(dir, "edit");
  for (const s of ["genai-concept-art.jpg", "camera-plate.jpg", "room-tone.wav"]) copySample(s, edit);
  expect((await prov(["scan", "edit"])).code).toBe(0);
  expect((await prov(["approve", "edit/genai-concept-art.jpg", "--by", "Jo Supervisor", "--ref", "APP-12", "--scope", "reel 2 sky"])).code).toBe(0);

  deliver = path.join(dir, "deliver");
  const put = (sample: string, rel: string): string => copySample(sample, deliver, rel);
  put("genai-a1111.png", "vfx/lighthouse.png"); // labelled GenAI: a violation
  put("genai-a1111.png", LONG);
  for (let i = 1; i <= COPIES; i++) put("genai-a1111.png", `vfx/copies/sh${String(i).padStart(3, "0")}_lighthouse_v001.png`);
  put("genai-shot.mov", "vfx/genai-shot.mov"); // a video: a poster frame
  put("genai-voice.wav", "sound/genai-voice.wav"); // sound: a placeholder
  put("genai-concept-art.jpg", "gfx/concept-art.jpg"); // approved GenAI: disclosed
  const composite = put("camera-plate.jpg", "plates/composite-plate.jpg"); // possibly GenAI: a warning
  execFileSync(bundledExiftool, ["-q", `-XMP-iptcExt:DigitalSourceType=${IPTC}composite`, "-overwrite_original", composite]);
  put("camera-plate.jpg", "plates/camera-plate.jpg"); // ok: labelled a camera original
  put("room-tone.wav", "sound/room-tone.wav"); // ok: first seen in the working root (an absolute path in its reason)
  put("unlabelled-still.png", "=HYPERLINK(evil).png"); // unknown; a formula to a spreadsheet
  // A GenAI picture cut short: recorded as GenAI from its labels, but no picture decodes.
  const whole = fs.readFileSync(path.join(deliver, "vfx/lighthouse.png"));
  fs.writeFileSync(path.join(deliver, "vfx/truncated_genai.png"), whole.subarray(0, 3000));
}, 180_000);

// What runs in the page (plain JavaScript: the tests are type-checked without the DOM library).

interface Measured { scrollWidth: number; bodyWidth: number; inner: number; problems: string[]; cells: number; missing: number }

/** The page's width, and every table cell that overflows or overlaps its neighbour; the summary blocks that overlap. */
const MEASURE = `(() => {
  const problems = [];
  const box = (e) => e.getBoundingClientRect();
  const intersects = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  let cells = 0;
  for (const tr of document.querySelectorAll("table tr")) {
    const tds = Array.from(tr.children);
    for (let i = 0; i < tds.length; i++) {
      const c = tds[i];
      cells++;
      const r = box(c);
      if (i > 0 && r.left < box(tds[i - 1]).right - 1) problems.push("cell overlaps its neighbour: " + c.textContent.slice(0, 60));
      if (c.scrollWidth > c.clientWidth + 1) problems.push("content overflows its cell (" + c.scrollWidth + " > " + c.clientWidth + "): " + c.textContent.slice(0, 60));
      for (const img of c.querySelectorAll("img,.nopic")) {
        const ir = box(img);
        if (ir.left < r.left - 0.5 || ir.right > r.right + 0.5 || ir.top < r.top - 0.5 || ir.bottom > r.bottom + 0.5) problems.push("a picture sticks out of its cell");
      }
    }
  }
  const blocks = ["#production", "#verdict", "#plain", "table.counts", "dl.meta"].map((s) => document.querySelector(s));
  const rects = blocks.filter((b) => b !== null).map(box);
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) if (intersects(rects[i], rects[j])) problems.push("summary blocks " + i + " and " + j + " overlap");
  for (const li of document.querySelectorAll("#plain li")) if (li.scrollWidth > li.clientWidth + 1) problems.push("a summary line overflows");
  return { scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth, inner: window.innerWidth, problems, cells, missing: blocks.filter((b) => !b).length };
})()`;

type Thumbs = Array<{ section: string; path: string; img: { loaded: boolean; w: number; h: number; src: string } | null; placeholder: string | null }>;

/** Each flagged row of each section: its picture (loaded, natural size, how its src starts) or its placeholder's text. */
const THUMBS = `["violations", "errors", "warnings", "disclosures"].flatMap((id) =>
  Array.from(document.querySelectorAll("#" + id + " tbody tr")).map((tr) => {
    const img = tr.querySelector("td.pic img.thumb");
    const ph = tr.querySelector("td.pic .nopic");
    return {
      section: id,
      path: tr.querySelector("td.p")?.getAttribute("title") ?? "",
      img: img ? { loaded: img.complete && img.naturalWidth > 0, w: img.naturalWidth, h: img.naturalHeight, src: (img.getAttribute("src") || "").slice(0, 23) } : null,
      placeholder: ph ? ph.textContent : null,
    };
  }),
)`;

function byPath(report: { files: Array<{ path: string; finding: string }> }): Map<string, string> {
  return new Map(report.files.map((f) => [f.path, f.finding]));
}

it("has headless Chromium and poppler to render reports with", () => {
  expect(fs.existsSync(CHROMIUM), NO_CHROMIUM).toBe(true);
  for (const p of POPPLER) expect(have(p), NO_POPPLER).toBe(true);
});

describe("the HTML report in Chromium", () => {
  let browser: Browser;
  let html = "";
  let files: Map<string, string>;

  beforeAll(async () => {
    const out = path.join(dir, "report.html");
    const r = await prov(["sweep", "deliver", "--format", "html", "--out", out]);
    expect(r.code, r.stderr).toBe(1);
    html = out;
    files = byPath(json(await prov(["sweep", "deliver", "--format", "json"])));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("the fixture tree has what the report must show", () => {
    expect(files.get(LONG)).toBe("violation");
    expect(files.get("vfx/genai-shot.mov")).toBe("violation");
    expect(files.get("sound/genai-voice.wav")).toBe("violation");
    expect(files.get("vfx/truncated_genai.png")).toBe("violation");
    expect(files.get("gfx/concept-art.jpg")).toBe("disclosed");
    expect(files.get("plates/composite-plate.jpg")).toBe("warning");
    expect(files.get("plates/camera-plate.jpg")).toBe("ok");
  });

  for (const width of [1280, 1920]) {
    it(`fits ${width} px: no sideways scroll, no cell overflows or overlaps another, the summary blocks apart`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto("file://" + html);
        const m = await page.evaluate<Measured>(MEASURE);
        expect(m.missing, "summary blocks present").toBe(0);
        expect(m.cells).toBeGreaterThan(100);
        expect(m.scrollWidth, "no horizontal scroll").toBeLessThanOrEqual(m.inner);
        expect(m.bodyWidth).toBeLessThanOrEqual(m.inner);
        expect(m.problems).toEqual([]);
        // The long path wraps; its full text is the cell's title.
        const title = await page.locator("#violations td.p").filter({ hasText: "sh010_comp_v003" }).getAttribute("title");
        expect(title).toBe(LONG);
      } finally {
        await page.close();
      }
    }, 60_000);
  }

  it("shows a thumbnail for every flagged file: decoded pictures, a video's poster frame, placeholders that say why", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto("file://" + html);
      const rows = await page.evaluate<Thumbs>(THUMBS);
      const flagged = [...files].filter(([, f]) => f === "violation" || f === "warning" || f === "error" || f === "disclosed").map(([p]) => p);
      expect(new Set(rows.map((r) => r.path))).toEqual(new Set(flagged));
      for (const r of rows) expect(r.img !== null || r.placeholder !== null, `${r.section} ${r.path}`).toBe(true);
      const row = (p: string) => rows.find((r) => r.path === p)!;
      for (const p of ["vfx/lighthouse.png", LONG, "vfx/genai-shot.mov", "gfx/concept-art.jpg", "plates/composite-plate.jpg"]) {
        expect(row(p).img, p).toMatchObject({ loaded: true, src: "data:image/jpeg;base64," });
        expect(Math.max(row(p).img!.w, row(p).img!.h), p).toBeLessThanOrEqual(160);
      }
      expect(row("sound/genai-voice.wav").placeholder).toMatch(/no preview\s*sound only: no picture/);
      expect(row("vfx/truncated_genai.png").placeholder).toMatch(/no preview\s*cannot be decoded \(truncated or corrupt\)/);
    } finally {
      await page.close();
    }
  }, 60_000);

  it("leads with a plain-language summary, the production and the sign-off lines from the configuration", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto("file://" + html);
      const plain = (await page.locator("#plain").innerText()).replace(/\s+/g, " ");
      expect(plain).toMatch(/^In plain words Do not deliver this folder as it is\. \d+ files were looked at\./);
      expect(plain).toContain(`Must not ship ${COPIES + 5} files are GenAI material not approved for delivery and must not ship: `);
      expect(plain).toMatch(/, and \d+ more\./);
      expect(plain).toContain("Needs a decision 1 file needs a person's decision before delivery");
      expect(plain).toContain("1 file has no recorded origin");
      expect(plain).toContain("Passed 1 approved GenAI file may ship, and is on the disclosure list for the studio: gfx/concept-art.jpg.");
      expect(plain).toContain("2 files were checked with nothing to report.");
      // The plain summary comes before the counts and the tables.
      const order = await page.evaluate<number[]>(`["verdict", "plain", "summary", "violations", "signoff", "files"].map((id) => document.documentElement.innerHTML.indexOf('id="' + id + '"'))`);
      expect(order.every((x) => x > 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect((await page.locator("#production").innerText()).replace(/\s+/g, " ")).toBe("Project: Northern Lights Episode: 101 Reel: 2");
      const signoff = await page.locator("#signoff tbody th").allInnerTexts();
      expect(signoff).toEqual(["Post supervisor", "Studio legal"]);
    } finally {
      await page.close();
    }
  }, 60_000);
});

// ------------------------------------------------------------------ the PDF

/** Pages of a PDF: size in points, and the text of each. */
function pdfPages(file: string): Array<{ width: number; height: number; text: string }> {
  const info = execFileSync("pdfinfo", ["-f", "1", "-l", "10000", file], { encoding: "utf8" });
  const sizes = [...info.matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)].map((m) => ({ width: Number(m[2]), height: Number(m[3]) }));
  return sizes.map((s, i) => ({ ...s, text: execFileSync("pdftotext", ["-f", String(i + 1), "-l", String(i + 1), "-layout", file, "-"], { encoding: "utf8" }) }));
}

/**
 * Each page rendered in grey at `dpi`: the darkest value in its rightmost 13 mm (the 11 mm
 * margin and the report's 2.5 mm gutter), above the bottom margin (the page number). A
 * table that does not fit is clipped at the margin and inks the gutter.
 */
function darkestAtRightEdge(file: string, dpi: number): number[] {
  const margin = Math.floor((13 / 25.4) * dpi);
  const bottom = Math.ceil((14 / 25.4) * dpi);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "prov-pdf-pages-"));
  try {
    execFileSync("pdftoppm", ["-gray", "-r", String(dpi), file, path.join(out, "p")]);
    const pages = fs.readdirSync(out).filter((f) => f.endsWith(".pgm")).sort();
    return pages.map((f) => {
      const buf = fs.readFileSync(path.join(out, f));
      // Binary PGM: "P5\n<w> <h>\n<max>\n" then one byte a pixel.
      const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(buf.subarray(0, 64).toString("latin1"))!;
      const w = Number(m[1]);
      const h = Number(m[2]);
      const data = buf.subarray(m[0].length);
      let darkest = 255;
      for (let y = 0; y < h - bottom; y++) for (let x = w - margin; x < w; x++) darkest = Math.min(darkest, data[y * w + x]!);
      return darkest;
    });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const squash = (s: string): string => s.replace(/\s+/g, "");

describe("--format pdf", () => {
  let pdf = "";
  let pages: ReturnType<typeof pdfPages> = [];
  let report: { files: Array<{ path: string; finding: string }> };

  beforeAll(async () => {
    pdf = path.join(dir, "report.pdf");
    const r = await prov(["sweep", "deliver", "--format", "pdf", "--out", pdf]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/pdf report: .*report\.pdf/);
    pages = pdfPages(pdf);
    report = json(await prov(["sweep", "deliver", "--format", "json"]));
  }, 240_000);

  it("is a PDF of several A4 pages: the summary upright, the tables in landscape", () => {
    expect(fs.readFileSync(pdf).subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pages.length).toBeGreaterThan(1);
    // A4 is 595 x 842 points.
    expect(pages[0]).toMatchObject({ width: expect.closeTo(595, 0), height: expect.closeTo(842, 0) });
    const wide = pages.filter((p) => p.width > p.height);
    expect(wide.length).toBeGreaterThan(0);
    for (const p of wide) expect(p).toMatchObject({ width: expect.closeTo(842, 0), height: expect.closeTo(595, 0) });
    expect(pages.find((p) => /Violations \(\d+\)/.test(p.text))!.width).toBeGreaterThan(pages[0]!.height - 1);
  });

  it("numbers every page, and repeats the table header on every page of a table", () => {
    pages.forEach((p, i) => expect(p.text, `page ${i + 1}`).toContain(`Page ${i + 1} of ${pages.length}`));
    // The all-files table runs over several pages: its header is on each of them.
    const allFiles = pages.filter((p) => /sh0\d\d_lighthouse_v001\.png/.test(p.text) && !/Violations \(/.test(p.text));
    expect(allFiles.length).toBeGreaterThan(0);
    const from = pages.findIndex((x) => /All files \(/.test(x.text));
    const tablePages = pages.slice(from).filter((p) => /\d KiB/.test(p.text));
    expect(tablePages.length).toBeGreaterThan(1);
    for (const p of tablePages) expect(p.text).toMatch(/Path\s+Finding\s+Size\s+Origin/);
  });

  it("cuts nothing off: the right edge of every page is blank paper, and every file of every table is in the text", () => {
    const darkest = darkestAtRightEdge(pdf, 60);
    expect(darkest).toHaveLength(pages.length);
    for (const [i, d] of darkest.entries()) expect(d, `page ${i + 1}`).toBe(255);
    const text = squash(pages.map((p) => p.text).join("\n"));
    for (const f of report.files) expect(text, f.path).toContain(squash(f.path));
    // Every violation row is there twice (its section and all files), with its SHA-256.
    const violations = pages.map((p) => p.text).join("\n");
    expect(squash(violations)).toContain(squash("temporary GenAI, not approved"));
  });

  it("the right-edge check sees a table that is cut off (a control: a table wider than the paper, printed the same way)", async () => {
    const work = tempDir();
    const page = path.join(work, "wide.html");
    fs.writeFileSync(page, `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${printCss("a4", "control")}</style></head><body>` +
      `<table style="width:400mm;border-collapse:collapse"><tr><td style="border:2px solid #000">far too wide</td></tr></table></body></html>`);
    const out = path.join(work, "wide.pdf");
    await printToPdf(CHROMIUM, page, out, path.join(work, "profile"));
    expect(Math.min(...darkestAtRightEdge(out, 60))).toBeLessThan(128);
  }, 60_000);

  it("prints on Letter with --paper letter", async () => {
    const letter = path.join(dir, "letter.pdf");
    const r = await prov(["sweep", "deliver", "--out", letter, "--paper", "letter", "-q"]);
    expect(r.code, r.stderr).toBe(1);
    const p = pdfPages(letter);
    expect(p[0]).toMatchObject({ width: expect.closeTo(612, 0), height: expect.closeTo(792, 0) });
    expect(p.some((x) => x.width === 792 && x.height === 612)).toBe(true);
  }, 120_000);

  it("without Chromium: a clear message, exit 2, no PDF, and the sweep never starts", async () => {
    const out = path.join(dir, "missing.pdf");
    const before = json(await prov(["--json", "log", "--limit", "1000"]));
    const r = await prov(["sweep", "deliver", "--format", "pdf", "--out", out], { PROV_CHROMIUM: path.join(dir, "no-such-chromium") });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write a PDF report: Chromium not found \(PROV_CHROMIUM=.*no-such-chromium is not an executable file\)/);
    expect(r.stderr).toMatch(/apt-get install chromium/);
    expect(r.stderr).not.toMatch(/internal|bug|\n\s+at /i);
    expect(fs.existsSync(out)).toBe(false);
    const after = json(await prov(["--json", "log", "--limit", "1000"]));
    expect(after.items.length).toBe(before.items.length);
  }, 60_000);

  it("a PDF needs a file: --format pdf without --out is a usage error", async () => {
    const r = await prov(["sweep", "deliver", "--format", "pdf"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format pdf writes a file: give --out FILE\.pdf/);
  });
});

// ------------------------------------------------------------------ --redact

describe("--redact: nothing internal in any report", () => {
  const host = os.hostname();
  const account = os.userInfo().username;
  const strip = (s: string): string => s.replace(/data:image\/[a-z]+;base64,[A-Za-z0-9+/=]+/g, "data:");

  /** Every format, with the disclosure list both ways, as written with or without --redact. */
  async function reports(redact: boolean): Promise<Record<string, string>> {
    const tag = redact ? "redacted" : "plain";
    const out: Record<string, string> = {};
    for (const format of ["text", "json", "csv", "html", "junit", "pdf"]) {
      const file = path.join(dir, `${tag}.${format}`);
      const disclosure = path.join(dir, `${tag}-disclosure.${format === "csv" ? "csv" : "json"}`);
      const r = await prov(["sweep", "deliver", "--format", format, "--out", file, "--disclosure", disclosure, ...(redact ? ["--redact"] : []), "-q"]);
      expect(r.code, r.stderr).toBe(1);
      // A PDF: its text and its metadata (the title, creator).
      out[format] = format === "pdf" ? execFileSync("pdftotext", [file, "-"], { encoding: "utf8" }) + execFileSync("pdfinfo", [file], { encoding: "utf8" }) : fs.readFileSync(file, "utf8");
      out[`disclosure ${format === "csv" ? "csv" : "json"}`] = fs.readFileSync(disclosure, "utf8");
    }
    return out;
  }

  it("without --redact the reports do name the workspace and the database (so the check below means something)", async () => {
    const plain = await reports(false);
    expect(plain["json"]).toContain(`first seen in working root ${fs.realpathSync(dir)}/edit/room-tone.wav`);
    expect(plain["json"]).toContain(path.join(dir, "prov.db"));
    expect(plain["disclosure json"]).toContain(`"approvedAccount": "${account}@${host}"`);
  }, 240_000);

  it("with --redact no format has an absolute path, the database path, the host name or the account name", async () => {
    const redacted = await reports(true);
    const hostWord = new RegExp(`(?<![\\w-])${host.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "i");
    for (const [format, raw] of Object.entries(redacted)) {
      const text = strip(raw);
      expect(text, format).not.toContain(dir);
      expect(text, format).not.toContain(fs.realpathSync(dir));
      expect(text, format).not.toContain("prov.db");
      expect(text, format).not.toContain(os.tmpdir() + "/");
      expect(hostWord.test(text), `${format}: host name ${host}`).toBe(false);
      expect(text, format).not.toContain(`${account}@`);
      if (!["root", "admin", "user"].includes(account)) expect(text, format).not.toMatch(new RegExp(`\\b${account}\\b`));
    }
    // What stays: paths relative to the swept folder, the approver's name as given.
    const report = JSON.parse(redacted["json"]!) as { summary: { root: string; database: string }; files: Array<{ path: string; reasons: string[] }> };
    expect(report.summary).toMatchObject({ root: "deliver", database: "(redacted)" });
    expect(report.files.find((f) => f.path === "sound/room-tone.wav")!.reasons[0]).toMatch(/^no GenAI signal; first seen in working root edit\/room-tone\.wav on /);
    const disclosure = JSON.parse(redacted["disclosure json"]!) as { files: Array<{ approvedBy: string; approvedAccount: string | null }> };
    expect(disclosure.files[0]).toMatchObject({ approvedBy: "Jo Supervisor", approvedAccount: null });
    expect(redacted["html"]).toContain("Redacted: paths are relative to the swept folder");
  }, 300_000);
});

// ------------------------------------------------------------------ CSV and JSON

describe("CSV for Excel, and one JSON envelope", () => {
  it("--csv-bom starts the CSV (and a CSV disclosure list) with the UTF-8 BOM; without it there is none; report.csvBom sets it too", async () => {
    const withBom = path.join(dir, "bom.csv");
    const list = path.join(dir, "bom-disclosure.csv");
    expect((await prov(["sweep", "deliver", "--format", "csv", "--out", withBom, "--disclosure", list, "--csv-bom", "-q"])).code).toBe(1);
    expect([...fs.readFileSync(withBom).subarray(0, 7)]).toEqual([0xef, 0xbb, 0xbf, ...Buffer.from("path")]);
    expect([...fs.readFileSync(list).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const plain = path.join(dir, "plain.csv");
    expect((await prov(["sweep", "deliver", "--format", "csv", "--out", plain, "-q"])).code).toBe(1);
    expect(fs.readFileSync(plain).subarray(0, 4).toString("latin1")).toBe("path");
    // A name that is a formula is text to a spreadsheet.
    expect(fs.readFileSync(plain, "utf8")).toMatch(/\r\n'=HYPERLINK\(evil\)\.png,unknown,/);

    const configDir = tempDir();
    const configFile = path.join(configDir, "prov.config.json");
    const config = JSON.parse(fs.readFileSync(path.join(dir, "prov.config.json"), "utf8")) as Record<string, unknown>;
    fs.writeFileSync(configFile, JSON.stringify({ ...config, database: path.join(dir, "prov.db"), roots: {}, report: { csvBom: true } }));
    const r = await prov(["--config", configFile, "sweep", "deliver", "--format", "csv", "-q"]);
    expect(r.stdout.startsWith("\ufeffpath,")).toBe(true);
  }, 120_000);

  it("the disclosure JSON opens with schemaVersion and kind, as the sweep's JSON does", async () => {
    const list = path.join(dir, "envelope.json");
    const r = await prov(["sweep", "deliver", "--format", "json", "--disclosure", list]);
    expect(Object.keys(json(r)).slice(0, 2)).toEqual(["schemaVersion", "kind"]);
    expect(json(r).kind).toBe("prov.sweep");
    const doc = JSON.parse(fs.readFileSync(list, "utf8")) as Record<string, unknown>;
    expect(Object.keys(doc).slice(0, 3)).toEqual(["schemaVersion", "kind", "disclosure"]);
    expect(doc["schemaVersion"]).toBe(1);
    expect(doc["kind"]).toBe("prov.sweep.disclosure");
  }, 60_000);
});

describe("the report key of prov.config.json", () => {
  const parse = (report: unknown) => parseConfig("/etc/prov/prov.config.json", JSON.stringify({ report }));
  it("reads project, episode, reel, sign-off lines, paper and csvBom", () => {
    expect(parse({ project: "P", episode: "101", reel: "R2", signoff: ["Post supervisor"], paper: "Letter", csvBom: true }).report).toEqual({
      project: "P", episode: "101", reel: "R2", signoff: ["Post supervisor"], paper: "letter", csvBom: true,
    });
    expect(parseConfig("/x/prov.config.json", "{}").report).toEqual({ project: null, episode: null, reel: null, signoff: [], paper: "a4", csvBom: false });
  });
  it("refuses bad values naming the file and the key", () => {
    expect(() => parse({ paper: "a3" })).toThrow('/etc/prov/prov.config.json: report.paper: must be "a4" or "letter"');
    expect(() => parse({ signoff: "Post supervisor" })).toThrow("/etc/prov/prov.config.json: report.signoff: must be an array of strings");
    expect(() => parse({ signoff: ["ok", 3] })).toThrow("/etc/prov/prov.config.json: report.signoff[1]: must be a non-empty string");
    expect(() => parse({ csvBom: "yes" })).toThrow("/etc/prov/prov.config.json: report.csvBom: must be true or false");
    expect(() => parse({ project: 7 })).toThrow("/etc/prov/prov.config.json: report.project: must be a non-empty string");
    expect(() => parse({ thumbnails: true })).toThrow("/etc/prov/prov.config.json: report.thumbnails: unknown key (allowed: project, episode, reel, signoff, paper, csvBom)");
    expect(() => parse([])).toThrow("/etc/prov/prov.config.json: report: must be an object");
  });
});
