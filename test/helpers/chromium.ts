// Render a page in Debian's headless Chromium and read what a person would see. Required,
// not optional: without /usr/bin/chromium the tests that use this fail and say so.

import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect } from "vitest";

const execFileP = promisify(execFile);
export const CHROMIUM = "/usr/bin/chromium";

export const NO_CHROMIUM =
  `${CHROMIUM} not found: the HTML report tests render the report in headless Chromium. ` +
  `Install Debian's chromium package (apt-get install chromium); CI installs it.`;

/** The page's DOM after its script ran, as headless Chromium serialises it. */
export async function dumpDom(file: string, suffix = "", profileParent = os.tmpdir()): Promise<string> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(NO_CHROMIUM);
  const profile = fs.mkdtempSync(path.join(profileParent, "prov-chromium-profile-"));
  try {
    const { stdout } = await execFileP(
      CHROMIUM,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        pathToFileURL(file).href + suffix,
      ],
      { timeout: 60_000, maxBuffer: 512 * 1024 * 1024, encoding: "utf8" },
    );
    expect(stdout, "chromium printed no DOM").toMatch(/^<!DOCTYPE html>/i);
    return stdout;
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return NAMED[e.toLowerCase()] ?? m;
  });
}

/** The text a reader sees in a piece of serialised DOM: no tags, no script or style, entities decoded. */
export function visibleText(html: string): string {
  const noCode = html.replace(/<(script|style|noscript)\b[\s\S]*?<\/\1>/gi, " ");
  // Inline elements join their neighbours; any other tag separates words.
  const TAG = /<(\/?)([a-z0-9]+)(?:"[^"]*"|'[^']*'|[^'">])*>/gi;
  const noTags = noCode.replace(TAG, (_m, _slash, name: string) => (/^(span|code|a|time|bdi|strong|em)$/i.test(name) ? "" : " "));
  return decode(noTags).replace(/\s+/g, " ").trim();
}

/** A top-level section's serialised DOM (sections do not nest). */
export function section(dom: string, id: string): string {
  const start = dom.indexOf(`<section id="${id}">`);
  expect(start, `section #${id}`).toBeGreaterThanOrEqual(0);
  const end = dom.indexOf("</section>", start);
  expect(end, `end of section #${id}`).toBeGreaterThan(start);
  return dom.slice(start, end);
}
