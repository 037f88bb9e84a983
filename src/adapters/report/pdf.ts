// `prov sweep --format pdf`: the HTML report (html.ts, with its print styles: print.ts),
// printed by headless Chromium into the PDF. The HTML goes to a private temporary folder,
// Chromium prints it there (its profile there too, so nothing is left in the user's home),
// and the PDF is copied into the report's sink, which puts it in place atomically. Nothing
// is downloaded: Debian's chromium (/usr/bin/chromium), another one on PATH, or
// PROV_CHROMIUM. When none is there the sweep does not start (a usage error, exit 2,
// saying what to install).

import { spawn } from "node:child_process";
import { accessSync, constants, rmSync, statSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { toolEnv, type ToolEnv } from "../../config.js";
import { InputError, errorMessage } from "../../domain/errors.js";
import type { ReportWriter, SweepRow, SweepSummary } from "../../domain/sweep-types.js";
import { htmlReport, type HtmlReportOptions } from "./html.js";
import { fileSink, type Sink } from "./sink.js";

/** Where Debian puts it; then chromium / chromium-browser / google-chrome on PATH. */
export const DEFAULT_CHROMIUM = "/usr/bin/chromium";
const ON_PATH = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** The longest a print may take (a 100,000-file report is thousands of pages). */
const PRINT_SECONDS = 30 * 60;

export function chromiumMissing(tried: string): string {
  return (
    `cannot write a PDF report: Chromium not found (${tried}). Install it (Debian/Ubuntu: sudo apt-get install chromium), ` +
    `or set PROV_CHROMIUM to its path; or write --format html and print that from a browser`
  );
}

/** The Chromium to print with: PROV_CHROMIUM when set (never a silent fallback), else the default, else PATH. Throws InputError. */
export function findChromium(env: ToolEnv = toolEnv()): string {
  const override = env.PROV_CHROMIUM;
  if (override) {
    const found = executable(path.resolve(override));
    if (!found) throw new InputError(chromiumMissing(`PROV_CHROMIUM=${override} is not an executable file`));
    return found;
  }
  const found = executable(DEFAULT_CHROMIUM);
  if (found) return found;
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const name of ON_PATH) {
      const p = executable(path.join(dir, name));
      if (p) return p;
    }
  }
  throw new InputError(chromiumMissing(`not at ${DEFAULT_CHROMIUM}, nor ${ON_PATH.join(", ")} on PATH`));
}

function executable(p: string): string | null {
  try {
    if (!statSync(p).isFile()) return null;
    accessSync(p, constants.X_OK);
    return p;
  } catch {
    return null;
  }
}

/** Temporary folders not yet removed: gone if the process exits first (Ctrl-C). */
const work = new Set<string>();
process.on("exit", () => {
  for (const dir of work) rmSync(dir, { recursive: true, force: true });
});

/** A writer that makes the HTML report and prints it into `sink` as a PDF. */
export async function pdfReport(sink: Sink, chromium: string, opts: HtmlReportOptions): Promise<ReportWriter> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "prov-pdf-"));
  work.add(dir);
  const htmlFile = path.join(dir, "report.html");
  const pdfFile = path.join(dir, "report.pdf");
  const html = htmlReport(await fileSink(htmlFile), opts);
  const cleanup = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    work.delete(dir);
  };
  return {
    row: (r: SweepRow) => html.row(r),
    async end(summary: SweepSummary) {
      try {
        await html.end(summary);
        await printToPdf(chromium, htmlFile, pdfFile, path.join(dir, "profile"));
        await sink.appendFile(pdfFile);
        await sink.close();
      } finally {
        // On failure the caller aborts (this writer, and the sink: the destination is untouched).
        await cleanup();
      }
    },
    async abort() {
      await html.abort().catch(() => undefined);
      await cleanup();
    },
  };
}

/** Chromium prints `htmlFile` to `pdfFile`: no header or footer of its own (the page numbers are the report's). */
export async function printToPdf(chromium: string, htmlFile: string, pdfFile: string, profile: string): Promise<void> {
  const args = [
    "--headless",
    // The page is our own file, its Content-Security-Policy forbids loading anything; the
    // sandbox cannot start as root or in most containers.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    `--user-data-dir=${profile}`,
    "--no-pdf-header-footer",
    `--print-to-pdf=${pdfFile}`,
    pathToFileURL(htmlFile).href,
  ];
  const { code, stderr, timedOut } = await new Promise<{ code: number | null; stderr: string; timedOut: boolean }>((resolve, reject) => {
    const child = spawn(chromium, args, { stdio: ["ignore", "ignore", "pipe"], windowsHide: true });
    let err = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, PRINT_SECONDS * 1000);
    child.stderr.on("data", (b: Buffer) => {
      err = (err + b.toString("utf8")).slice(-8192);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new InputError(`cannot write a PDF report: ${chromium} could not start (${errorMessage(e)})`, { cause: e }));
    });
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve({ code: c, stderr: err, timedOut });
    });
  });
  const size = (await stat(pdfFile).catch(() => null))?.size ?? 0;
  if (timedOut) throw new InputError(`cannot write a PDF report: Chromium did not finish printing within ${PRINT_SECONDS / 60} minutes (use --format html or csv for a tree this large)`);
  if (code !== 0 || size === 0) {
    const last = stderr.split("\n").map((l) => l.trim()).filter((l) => l && !/dbus|Fontconfig|sandbox/i.test(l)).at(-1);
    throw new InputError(`cannot write a PDF report: Chromium (${chromium}) exited with ${code ?? "a signal"} and printed no PDF${last ? `: ${last}` : ""}`);
  }
}
