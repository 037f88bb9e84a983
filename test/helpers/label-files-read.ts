// Read label sample files the way prov reads them (the product's MetadataReader, so
// src/adapters/exiftool.ts's READ_ARGS and the bundled ExifTool), turn the tags into
// evidence and an origin, and locate the shared real files (real-dev, media).

import { expect } from "vitest";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { classify } from "../../src/domain/classify.js";
import { evidenceFromTags, type RawTags } from "../../src/domain/evidence.js";
import type { Evidence, Origin } from "../../src/domain/types.js";
import { bundledExiftool, fixturesDir, mediaDir } from "./index.js";

const run = promisify(execFile);

/**
 * prov's read arguments before issue 14, without `-api StructFormat=JSONQ`: ExifTool then
 * prints a value that looks like a number unquoted ("3.0" → 3). Only to show the difference.
 */
export const PRE_JSONQ_READ_ARGS = ["-json", "-struct", "-G3:1", "-e", "-n", "-charset", "filename=utf8", "-api", "largefilesupport=1", "-api", "IgnoreGroups=System"];

/** Tags of each file (in the order given) as prov's MetadataReader returns them. */
export async function readTags(files: readonly string[]): Promise<RawTags[]> {
  const reader = new MetadataReader({ maxProcs: 1 });
  try {
    const results = await reader.readMany(files.map((f) => ({ path: f, size: fs.statSync(f).size })));
    return results.map((r, i) => {
      if (!r.ok) throw new Error(`${files[i]}: ${r.reason}`);
      return r.metadata.tags;
    });
  } finally {
    await reader.end();
  }
}

/** Tags read by the bundled ExifTool with other arguments (one call). */
export async function readTagsWith(files: readonly string[], args: readonly string[]): Promise<RawTags[]> {
  let stdout: string;
  try {
    ({ stdout } = await run(bundledExiftool, [...args, ...files], { maxBuffer: 256 * 1024 * 1024 }));
  } catch (err) {
    // ExifTool exits 1 when any file had an error; the JSON is still there.
    const out = (err as { stdout?: unknown }).stdout;
    if (typeof out !== "string" || !out.trim().startsWith("[")) throw err;
    stdout = out;
  }
  const bySource = new Map((JSON.parse(stdout) as Record<string, unknown>[]).map((r) => [r["SourceFile"], r]));
  return files.map((f) => {
    const r = bySource.get(f);
    if (!r) throw new Error(`ExifTool returned nothing for ${f}`);
    return r;
  });
}

export interface Analysed {
  file: string;
  tags: RawTags;
  evidence: Evidence[];
  origin: Origin;
}

/** Write the samples into `dir` (kept as given: the caller's temp dir), without reading them. */
export function writeSamples(dir: string, samples: Record<string, Buffer>): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return Object.entries(samples).map(([name, data]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  });
}

/**
 * Write each sample into `dir`, read all as prov does and analyse. With SAMPLES_OUT=<dir>
 * in the environment the samples are also kept there for inspection. With `args`, the
 * bundled ExifTool is run directly with those arguments instead of prov's reader.
 */
export async function analyse(dir: string, samples: Record<string, Buffer>, args?: readonly string[]): Promise<Record<string, Analysed>> {
  const names = Object.keys(samples);
  const files = writeSamples(dir, samples);
  const keep = process.env["SAMPLES_OUT"];
  if (keep) writeSamples(keep, samples);
  const tags = args ? await readTagsWith(files, args) : await readTags(files);
  const out: Record<string, Analysed> = {};
  names.forEach((n, i) => {
    const evidence = evidenceFromTags(tags[i]!);
    out[n] = { file: files[i]!, tags: tags[i]!, evidence, origin: classify(evidence).origin };
  });
  return out;
}

/** The evidence item for `field` in sample `name`, or an error listing what there is. */
export function itemOf(r: Record<string, Analysed>, name: string, field: string): Evidence {
  const e = r[name]!.evidence.find((x) => x.field === field);
  if (!e) throw new Error(`${name}: no evidence for ${field}; have ${r[name]!.evidence.map((x) => x.field).join(", ")}; tags ${Object.keys(r[name]!.tags).join(", ")}`);
  return e;
}

/** Every sample was read without an ExifTool error, and no two of its items are ones prov's store would merge. */
export function expectReadCleanly(r: Record<string, Analysed>): void {
  for (const [name, a] of Object.entries(r)) {
    expect(a.tags["ExifTool:Error"], name).toBeUndefined();
    expect(collisions(a.evidence), name).toEqual([]);
  }
}

export const GENAI_SIGNALS = new Set(["genai", "genai-edited", "possibly-genai"]);

/** Evidence items that say anything towards GenAI (a false alarm on an ordinary file). */
export function alarms(evidence: readonly Evidence[]): Evidence[] {
  return evidence.filter((e) => GENAI_SIGNALS.has(e.signal));
}

/** prov's store keeps one row per (source, field, value): no two items may collide. */
export function collisions(evidence: readonly Evidence[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const e of evidence) {
    const k = `${e.source}\u0000${e.field}\u0000${e.value}`;
    if (seen.has(k)) dup.push(`${e.source} ${e.field} ${e.value.slice(0, 60)}`);
    seen.add(k);
  }
  return dup;
}

// ------------------------------------------------------------------ shared real files

export const realDevDir = path.join(fixturesDir, "real-dev");

/**
 * Whether a shared folder is here (its MANIFEST.md). Absent: prints why the tests are
 * skipped; under CI=true throws, so the file fails instead of silently skipping.
 */
export function sharedFolderAvailable(what: string, manifest: string): boolean {
  if (fs.existsSync(manifest)) return true;
  if (process.env["CI"]) throw new Error(`CI is set but ${manifest} is missing (${what})`);
  console.warn(`[labels] SKIPPED ${what}: ${manifest} not found`);
  return false;
}

/** Rows of a Markdown table whose first cell is a `file name`: cells trimmed, backticks removed. */
function fileRows(markdown: string): string[][] {
  return markdown
    .split("\n")
    .filter((l) => /^\|\s*`[^`]+`\s*\|/.test(l))
    .map((l) =>
      l
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim().replace(/^`|`$/g, "")),
    );
}

/** real-dev/MANIFEST.md: file → expected origin ("genai" / "genai-edited"). */
export function realDevExpectations(): Map<string, string> {
  const rows = fileRows(fs.readFileSync(path.join(realDevDir, "MANIFEST.md"), "utf8"));
  return new Map(rows.map((r) => [r[0]!, r[1]!]));
}

/** fixtures/MANIFEST.md per-file table: file → "y" | "n" | "unknown" (its "AI per metadata" column). */
export function mediaExpectations(): Map<string, string> {
  const md = fs.readFileSync(path.join(fixturesDir, "MANIFEST.md"), "utf8");
  const header = md.split("\n").find((l) => /^\|\s*file\s*\|/.test(l) && /AI per metadata/i.test(l));
  if (!header) throw new Error(`${path.join(fixturesDir, "MANIFEST.md")}: no per-file table with an "AI per metadata" column`);
  const cols = header.split("|").slice(1, -1).map((c) => c.trim());
  const ai = cols.findIndex((c) => /AI per metadata/i.test(c));
  return new Map(fileRows(md).filter((r) => r.length === cols.length).map((r) => [r[0]!, r[ai]!]));
}

export { mediaDir };

// ------------------------------------------------------------------ trimmed fixtures

const KEEP = [
  /^(File:FileType|File:MIMEType|File:Comment)$/,
  /^Doc[\d-]+:JUMBF:JUMDLabel$/,
  /^Doc[\d-]+:(CBOR|JSON):/,
  /^(IFD0|ExifIFD|XMP-[\w-]+|PNG|PDF|IPTC|Keys|ItemList|UserData|Vorbis|ID3v2_\d|RIFF):(Make|Model|Software|UserComment|ImageDescription|Creator|Producer|CreatorTool|DigitalSourceType|AI\w+|Aigc|AIGC|Parameters|Prompt|Workflow|Comment|Description|Title|Source|Provenance|Credit|\w+_\w+|Dream)$/,
];

/** Keep the keys the rules read; drop binary placeholders; SourceFile becomes the base name. */
export function trimTags(tags: RawTags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(tags)) {
    if (k === "SourceFile") {
      out[k] = path.basename(String(v));
      continue;
    }
    if (!KEEP.some((re) => re.test(k))) continue;
    if (typeof v === "string" && v.startsWith("(Binary data")) continue;
    if (/^Doc[\d-]+:CBOR:(Item\d|Hash|Pad|Exclusions|Assertions|Signature|InstanceID|Format|Metadata)$/.test(k)) continue;
    out[k] = v;
  }
  return out;
}
