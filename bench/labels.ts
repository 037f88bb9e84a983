// GenAI label rules: what they cost per file, and prov scan's throughput beside a bare
// `exiftool -json -r` over the same folder. Prints figures, asserts nothing.
//
// Files: the repository's samples/, ../shared/fixtures/real-dev (when there) and, with
// --samples DIR, the label samples the tests write (SAMPLES_OUT=DIR npx vitest run
// test/integration/labels-samples-*.test.ts). Each is copied --copies times into a temp
// folder for the throughput runs.

import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { MetadataReader } from "../src/adapters/exiftool.js";
import { evidenceFromTags, type RawTags } from "../src/domain/evidence.js";
import { run } from "./proc.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = path.join(repo, "dist/src/cli.js");
const exiftool = path.join(repo, "node_modules/exiftool-vendored.pl/bin/exiftool");

const { values } = parseArgs({
  options: { samples: { type: "string" }, copies: { type: "string", default: "20" }, keep: { type: "boolean", default: false } },
});
const copies = Number(values.copies);
if (!Number.isInteger(copies) || copies < 1) throw new Error(`--copies ${values.copies}: must be a whole number from 1`);

const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => !/\.(md|txt)$/i.test(n) && n !== "SHA256SUMS")
        .map((n) => path.join(dir, n))
        .filter((p) => statSync(p).isFile())
    : [];
const sources = [...files(path.join(repo, "samples")), ...files(path.resolve(repo, "../shared/fixtures/real-dev")), ...(values.samples ? files(values.samples) : [])];
if (values.samples && !existsSync(values.samples)) throw new Error(`--samples ${values.samples}: no such folder`);

// ---- rule cost: tags read once, then evidenceFromTags timed alone
const reader = new MetadataReader({ maxProcs: 1 });
const results = await reader.readMany(sources.map((p) => ({ path: p, size: statSync(p).size })));
await reader.end();
const tags: { file: string; tags: RawTags }[] = [];
results.forEach((r, i) => {
  if (r.ok) tags.push({ file: path.basename(sources[i]!), tags: r.metadata.tags });
});

const perFile = tags.map(({ file, tags: t }) => {
  for (let i = 0; i < 50; i++) evidenceFromTags(t); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (n < 200 || elapsed < 20_000_000n) {
    evidenceFromTags(t);
    n++;
    elapsed = process.hrtime.bigint() - start;
  }
  return { file, us: Number(elapsed) / 1000 / n };
});
perFile.sort((a, b) => a.us - b.us);
const mean = perFile.reduce((s, x) => s + x.us, 0) / Math.max(1, perFile.length);
const median = perFile[Math.floor(perFile.length / 2)]?.us ?? 0;
console.log(`evidence rules (evidenceFromTags) over ${perFile.length} files' tags: mean ${mean.toFixed(1)} µs/file, median ${median.toFixed(1)} µs`);
for (const x of perFile.slice(-3).reverse()) console.log(`  slowest: ${x.file} ${x.us.toFixed(1)} µs`);

// ---- throughput: prov scan (new database) beside exiftool -json -r
const dir = mkdtempSync(path.join(tmpdir(), "prov-bench-labels-"));
try {
  const tree = path.join(dir, "tree");
  execFileSync("mkdir", ["-p", tree]);
  for (let c = 0; c < copies; c++) for (const s of sources) copyFileSync(s, path.join(tree, `${c}-${path.basename(s)}`));
  const n = sources.length * copies;
  const et = await run(exiftool, ["-json", "-r", "-q", "-q", tree], { stdout: "ignore" });
  const scan = await run(process.execPath, [cli, "--db", path.join(dir, "prov.db"), "scan", tree], { cwd: dir, stdout: "ignore" });
  if (scan.code !== 0 && scan.code !== 1) throw new Error(`prov scan exited ${scan.code}: ${scan.stderr.slice(-500)}`);
  const line = (what: string, s: number, load: number | null): string =>
    `  ${what.padEnd(22)} ${s.toFixed(2).padStart(7)} s  ${(n / s).toFixed(0).padStart(6)} files/s${load === null ? "" : `  (other load ${load.toFixed(2)} cores)`}`;
  console.log(`throughput on ${n} files (${sources.length} distinct × ${copies}):`);
  console.log(line("exiftool -json -r", et.seconds, et.otherLoadCores));
  console.log(line("prov scan (new db)", scan.seconds, scan.otherLoadCores));
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
