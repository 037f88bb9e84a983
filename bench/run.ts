// `npm run bench`: scan throughput of prov next to `exiftool -json -r` on the same tree in
// the same run, SHA-256 throughput next to sha256sum and a plain read, peak RSS. Prints
// figures, never asserts them: timings depend on the machine.

import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type as osType } from "node:os";
import { constants, existsSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, open, opendir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ExifTool } from "exiftool-vendored";
import { hashFile } from "../src/adapters/fs/hash.js";
import { measure, run, stopCurrent, type RunResult, type Usage } from "./proc.js";
import { bigBytesFor, MAX_BIG_BYTES, prepareTree, removePartial } from "./tree.js";

const EXPECTED_EXIFTOOL = "13.59";
const GOAL_RATIO = 1.5;
/** The same chunk size as src/identity/hash.ts, so "plain read" is hashFile minus the hashing. */
const READ_CHUNK = 4 * 1024 * 1024;
/** The arguments prov's MetadataReader passes (src/metadata/exiftool.ts; not exported there, keep in step), for the diagnostic runs. */
const PROV_READ_ARGS = ["-struct", "-G3:1", "-charset", "filename=utf8", "-api", "largefilesupport=1", "-api", "imagehashtype=SHA256", "-api", "requesttags=imagedatahash"];

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = path.join(repo, "dist", "src", "cli.js");
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node dist/bench/run.js [options]
  --dir DIR         where the tree lives (default: $TMPDIR/prov-bench-<uid>); reused when its marker matches
  --files N         small images to generate (default 2000)
  --big-gib X       size of the big WAV in GiB (default 1, below 4)
  --hash-runs N     runs of each hashing figure, the median is shown (default 3)
  --scan-runs N     runs of each main scan figure, the median is shown (default 3)
  --quick           skip the diagnostics and the exiftool-vendored one-call-per-file baseline
  --cpu-prof DIR    write a V8 CPU profile of the first prov scan into DIR
  --clean           delete the tree afterwards
  --json            print the figures as JSON instead of a table`;

interface Options {
  dir: string;
  files: number;
  bigGiB: number;
  hashRuns: number;
  scanRuns: number;
  quick: boolean;
  cpuProf: string | null;
  clean: boolean;
  json: boolean;
}

class UsageError extends Error {}

function options(argv: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        dir: { type: "string" },
        files: { type: "string", default: "2000" },
        "big-gib": { type: "string", default: "1" },
        "hash-runs": { type: "string", default: "3" },
        "scan-runs": { type: "string", default: "3" },
        quick: { type: "boolean", default: false },
        "cpu-prof": { type: "string" },
        clean: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    process.exit(0);
  }
  const int = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const bigGiB = Number(values["big-gib"]);
  if (!(bigGiB > 0) || bigBytesFor(bigGiB) > MAX_BIG_BYTES) throw new UsageError("--big-gib must be above 0 and below 4 (a RIFF WAV cannot be bigger)");
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  return {
    // A stable default, so the next run reuses the tree instead of leaving another GiB in $TMPDIR.
    dir: path.resolve(values.dir ?? path.join(tmpdir(), `prov-bench-${uid}`)),
    files: int("files", values.files, 1),
    bigGiB,
    hashRuns: int("hash-runs", values["hash-runs"], 1),
    scanRuns: int("scan-runs", values["scan-runs"], 1),
    quick: values.quick,
    cpuProf: values["cpu-prof"] ? path.resolve(values["cpu-prof"]) : null,
    clean: values.clean,
    json: values.json,
  };
}

// ---------------------------------------------------------------------------------------
// Figures

interface ScanFigure {
  label: string;
  seconds: number;
  files: number;
  filesPerSecond: number;
  /** Peak RSS of the process itself (node for prov, perl for exiftool), MiB. */
  peakRssMiB: number | null;
  /** Peak of the summed RSS of the process and its children (prov's ExifTool), MiB. */
  peakTreeRssMiB: number | null;
  /** CPU seconds of the process itself and of its children: where the time goes. */
  cpuSelfSeconds: number | null;
  cpuChildrenSeconds: number | null;
  /** Cores' worth of CPU that other processes used meanwhile: high means a noisy figure. */
  otherLoadCores: number | null;
  runs: number;
  /** Wall seconds of every run, in order: the spread shows how noisy the machine was. */
  allSeconds: number[];
}

interface HashFigure {
  label: string;
  seconds: number;
  mbPerSecond: number;
  allSeconds: number[];
}

interface Report {
  machine: {
    cpu: string;
    cores: number;
    shaNi: boolean | null;
    loadAverage: number[];
    memoryGiB: number;
    os: string;
    node: string;
    exiftool: string;
    exiftoolVendored: string;
  };
  tree: {
    root: string;
    images: number;
    samples: number;
    files: number;
    bytes: number;
    bigBytes: number;
    reused: boolean;
    generateSeconds: number;
    warmupSeconds: number;
  };
  scan: {
    prov: ScanFigure;
    provUnchanged: ScanFigure;
    exiftool: ScanFigure;
    ratio: number;
    goal: number;
    vendoredPerFile: (ScanFigure & { ratio: number; maxProcs: number }) | null;
    provInternalSeconds: number;
  };
  diagnostics: {
    provOneExiftoolProcess: ScanFigure | null;
    provNoMediaHashOver256MiB: ScanFigure | null;
    exiftoolWithProvArgs: ScanFigure;
    smallFilesOnly: { prov: ScanFigure; exiftool: ScanFigure; exiftoolWithProvArgs: ScanFigure; ratio: number };
    bigFileOnly: { prov: ScanFigure; exiftool: ScanFigure; exiftoolWithProvArgs: ScanFigure };
  } | null;
  hash: { bytes: number; runs: number; plainRead: HashFigure; hashFile: HashFigure; sha256sum: HashFigure; digestsAgree: boolean };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mib = (kib: number | null): number | null => (kib === null ? null : kib / 1024);

// ---------------------------------------------------------------------------------------
// State the Ctrl-C handler cleans up

const cleanup = { tmp: null as string | null, treeParent: null as string | null, et: null as ExifTool | null };
let stopping = false;

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) process.exit(130); // a second Ctrl-C: stop waiting
  stopping = true;
  process.stderr.write(`\n[bench] ${signal}: stopping, cleaning up\n`);
  void (async () => {
    await stopCurrent();
    await cleanup.et?.end().catch(() => undefined);
    if (cleanup.tmp) rmSync(cleanup.tmp, { recursive: true, force: true });
    if (cleanup.treeParent) removePartial(cleanup.treeParent);
    process.exit(signal === "SIGINT" ? 130 : 143);
  })();
}

/** Progress goes to stderr, so stdout is only the table (or the JSON). */
const progress = (msg: string): void => {
  if (!stopping) process.stderr.write(`[bench] ${msg}\n`);
};

// ---------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const loadBefore = loadavg().map((n) => Math.round(n * 100) / 100);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  if (!existsSync(cli)) throw new UsageError(`${cli} is missing: build first (npx tsc -p tsconfig.json, or npm run bench)`);

  const exiftoolPath = vendoredExiftool();
  const exiftoolVersion = (await run(exiftoolPath, ["-ver"], { stdout: "capture" })).stdout.trim();
  if (exiftoolVersion !== EXPECTED_EXIFTOOL) progress(`warning: bundled ExifTool is ${exiftoolVersion}, the figures in README are for ${EXPECTED_EXIFTOOL}`);

  cleanup.treeParent = opts.dir;
  const samplesDir = path.join(repo, "samples");
  const tree = await prepareTree(
    opts.dir,
    { files: opts.files, bigBytes: bigBytesFor(opts.bigGiB), samplesDir: existsSync(samplesDir) ? samplesDir : null },
    progress,
  );
  progress(tree.reused ? `reusing tree ${tree.root}` : `generated tree ${tree.root} in ${tree.generateSeconds.toFixed(1)} s`);

  // The page cache cannot be dropped without root: read everything once so every tool below sees the same warm cache.
  progress("warm-up: reading the whole tree once");
  const warm = await warmUp(tree.root);
  const expected = warm.files.length;

  cleanup.tmp = await mkdtemp(path.join(tmpdir(), "prov-bench-run-"));
  const tmp = cleanup.tmp;
  const env = { ...process.env };
  delete env["PROV_DB"]; // the bench's own --db and no config file: runs are independent of the caller's setup
  delete env["PROV_CONFIG"];
  let dbCounter = 0;
  const freshDb = (): string => path.join(tmp, `scan-${++dbCounter}.db`);

  const provScan = async (
    label: string,
    paths: string[],
    db: string,
    files: number,
    extra: { profile?: boolean; config?: Record<string, unknown> } = {},
  ): Promise<{ fig: ScanFigure; summary: ProvSummary }> => {
    const out = path.join(tmp, "scan-out.json");
    const nodeArgs = extra.profile && opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProf}`] : [];
    const configArgs: string[] = [];
    if (extra.config) {
      const file = path.join(tmp, `${path.basename(db, ".db")}.config.json`);
      await writeFile(file, JSON.stringify(extra.config));
      configArgs.push("--config", file);
    }
    const r = await run(process.execPath, [...nodeArgs, cli, "--db", db, ...configArgs, "-q", "scan", ...paths, "--json"], { cwd: tmp, env, stdout: { file: out } });
    const summary = provSummary(r, out);
    await rm(out, { force: true });
    checkCount(label, summary.files, files);
    if (summary.errors > 0 || summary.unreadable > 0) progress(`note: ${label}: ${summary.errors} errors, ${summary.unreadable} unreadable`);
    return { fig: scanFigure(label, r, summary.files), summary };
  };
  const exiftoolScan = async (label: string, paths: string[], files: number, extra: string[] = []): Promise<ScanFigure> => {
    const r = await run(exiftoolPath, ["-json", "-r", ...extra, ...paths], { cwd: tmp, stdout: "ignore" });
    if (r.code !== 0) throw new Error(`${label} exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(-500)}`);
    // ExifTool's own count on stderr ("2012 image files read"); stdout went to /dev/null.
    const read = Number(/(\d+) image files read/.exec(r.stderr)?.[1] ?? NaN);
    checkCount(label, read, files);
    return scanFigure(label, r, read);
  };

  // Main comparison. Each repetition uses a fresh database so every prov run does the full work.
  const provRuns: ScanFigure[] = [];
  const unchangedRuns: ScanFigure[] = [];
  const exiftoolRuns: ScanFigure[] = [];
  const provInternal: number[] = [];
  for (let i = 0; i < opts.scanRuns; i++) {
    const suffix = opts.scanRuns > 1 ? ` (${i + 1}/${opts.scanRuns})` : "";
    const exiftoolRun = async (): Promise<void> => {
      progress(`exiftool -json -r${suffix}`);
      exiftoolRuns.push(await exiftoolScan("exiftool -json -r", [tree.root], expected));
    };
    const provRun = async (): Promise<void> => {
      progress(`prov scan, fresh database${suffix}`);
      const db = freshDb();
      const first = await provScan("prov scan", [tree.root], db, expected, { profile: i === 0 });
      provRuns.push(first.fig);
      provInternal.push(first.summary.seconds);
      progress(`prov scan again, unchanged tree${suffix}`);
      const again = await provScan("prov scan (unchanged)", [tree.root], db, expected);
      if (again.summary.unchanged !== expected) progress(`note: second scan found ${again.summary.unchanged} of ${expected} files unchanged`);
      unchangedRuns.push(again.fig);
    };
    // Alternate which goes first, so a change in the machine's load does not always hit the same tool.
    if (i % 2 === 0) {
      await exiftoolRun();
      await provRun();
    } else {
      await provRun();
      await exiftoolRun();
    }
  }
  const prov = medianScan(provRuns);
  const exiftool = medianScan(exiftoolRuns);

  let vendored: Report["scan"]["vendoredPerFile"] = null;
  let diagnostics: Report["diagnostics"] = null;
  if (!opts.quick) {
    progress("exiftool-vendored default: one exiftool.read() per file");
    const v = await vendoredPerFile(warm.files.map((f) => f.path));
    vendored = { ...v, ratio: v.filesPerSecond / exiftool.filesPerSecond };

    progress("diagnostics: exiftool -r with prov's read arguments; small files and the big file apart");
    const small = (await topLevel(tree.root)).filter((p) => p !== path.dirname(tree.bigFile));
    const smallCount = expected - 1;
    const withProvArgs = await exiftoolScan("exiftool -json -r + prov's args", [tree.root], expected, PROV_READ_ARGS);
    const smallProv = (await provScan("prov scan, small files only", small, freshDb(), smallCount)).fig;
    const smallExiftool = await exiftoolScan("exiftool -json -r, small files only", small, smallCount);
    const smallExiftoolProvArgs = await exiftoolScan("exiftool -json -r + prov's args, small files only", small, smallCount, PROV_READ_ARGS);
    // Its folder rather than the file: ExifTool prints its "files read" count only for directories.
    const bigDir = [path.dirname(tree.bigFile)];
    const bigProv = (await provScan("prov scan, big file only", bigDir, freshDb(), 1)).fig;
    const bigExiftool = await exiftoolScan("exiftool -json -r, big file only", bigDir, 1);
    const bigExiftoolProvArgs = await exiftoolScan("exiftool -json -r + prov's args, big file only", bigDir, 1, PROV_READ_ARGS);
    // What-ifs through prov's own config: how much the second ExifTool process and the WAV's ImageDataHash cost.
    // Not fatal: the config schema belongs to src/ and may change under the bench.
    const whatIf = async (label: string, config: Record<string, unknown>): Promise<ScanFigure | null> => {
      try {
        return (await provScan(label, [tree.root], freshDb(), expected, { config })).fig;
      } catch (err) {
        progress(`note: ${label} failed: ${err instanceof Error ? err.message : String(err)}`);
        return null;
      }
    };
    const oneProc = await whatIf("prov scan, exiftool.maxProcs 1", { exiftool: { maxProcs: 1 } });
    const noBigHash = await whatIf("prov scan, exiftool.mediaHashMaxGiB 0.25", { exiftool: { mediaHashMaxGiB: 0.25 } });
    diagnostics = {
      provOneExiftoolProcess: oneProc,
      provNoMediaHashOver256MiB: noBigHash,
      exiftoolWithProvArgs: withProvArgs,
      smallFilesOnly: { prov: smallProv, exiftool: smallExiftool, exiftoolWithProvArgs: smallExiftoolProvArgs, ratio: smallProv.filesPerSecond / smallExiftool.filesPerSecond },
      bigFileOnly: { prov: bigProv, exiftool: bigExiftool, exiftoolWithProvArgs: bigExiftoolProvArgs },
    };
  }

  progress(`hashing ${tree.bigFile}: plain read, prov hashFile, sha256sum (${opts.hashRuns} runs each, interleaved)`);
  const hash = await hashFigures(tree.bigFile, opts.hashRuns);

  const report: Report = {
    machine: {
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      cores: availableParallelism(),
      shaNi: cpuFlag("sha_ni"),
      loadAverage: loadBefore,
      memoryGiB: totalmem() / 1024 ** 3,
      os: `${osType()} ${release()}`,
      node: process.version,
      exiftool: exiftoolVersion,
      exiftoolVendored: packageVersion("exiftool-vendored"),
    },
    tree: {
      root: tree.root,
      images: tree.images,
      samples: tree.samples,
      files: expected,
      bytes: warm.bytes,
      bigBytes: tree.bigBytes,
      reused: tree.reused,
      generateSeconds: tree.generateSeconds,
      warmupSeconds: warm.seconds,
    },
    scan: {
      prov,
      provUnchanged: medianScan(unchangedRuns),
      exiftool,
      ratio: prov.filesPerSecond / exiftool.filesPerSecond,
      goal: GOAL_RATIO,
      vendoredPerFile: vendored,
      provInternalSeconds: median(provInternal),
    },
    diagnostics,
    hash,
  };

  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  else process.stdout.write(table(report));
  if (opts.cpuProf) progress(`CPU profile of the first prov scan in ${opts.cpuProf} (open in Chrome DevTools > Performance)`);

  if (opts.clean) {
    progress(`removing ${opts.dir}`);
    await rm(opts.dir, { recursive: true, force: true });
  } else progress(`tree kept for the next run: ${opts.dir} (--clean removes it)`);
}

// ---------------------------------------------------------------------------------------
// Measurements

interface ProvSummary {
  files: number;
  unchanged: number;
  errors: number;
  unreadable: number;
  seconds: number;
}

function provSummary(r: RunResult, outFile: string): ProvSummary {
  // 0: all read; 1: some files had findings (unreadable), still a complete scan.
  if (r.code !== 0 && r.code !== 1) throw new Error(`prov scan exited with ${r.code ?? r.signal}: ${r.stderr.trim().slice(-1000)}`);
  const parsed = JSON.parse(readFileSync(outFile, "utf8")) as { summary?: ProvSummary };
  if (!parsed.summary) throw new Error("prov scan --json printed no summary");
  return parsed.summary;
}

function checkCount(label: string, got: number, want: number): void {
  if (got !== want) progress(`warning: ${label} counted ${got} files, the tree has ${want}: its files/s is not comparable`);
}

function scanFigure(label: string, u: Usage, files: number): ScanFigure {
  return {
    label,
    seconds: u.seconds,
    files,
    filesPerSecond: files / u.seconds,
    peakRssMiB: mib(u.peakRssKiB),
    peakTreeRssMiB: mib(u.peakTreeRssKiB),
    cpuSelfSeconds: u.cpuSelf,
    cpuChildrenSeconds: u.cpuChildren,
    otherLoadCores: u.otherLoadCores,
    runs: 1,
    allSeconds: [u.seconds],
  };
}

/** The run with the median time stands for all of them (its memory figures included). */
function medianScan(runs: ScanFigure[]): ScanFigure {
  const m = median(runs.map((r) => r.seconds));
  const pick = runs.reduce((best, r) => (Math.abs(r.seconds - m) < Math.abs(best.seconds - m) ? r : best));
  return { ...pick, seconds: m, filesPerSecond: pick.files / m, runs: runs.length, allSeconds: runs.map((r) => r.seconds) };
}

async function* filesUnder(dir: string): AsyncGenerator<string> {
  for await (const d of await opendir(dir)) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) yield* filesUnder(p);
    else if (d.isFile()) yield p;
  }
}

async function topLevel(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const d of await opendir(dir)) out.push(path.join(dir, d.name));
  return out.sort();
}

/** The read loop of hashFile without the hash (same flags, same chunk), to show what hashing costs. */
async function readAll(file: string, buf: Buffer): Promise<number> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    let n = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return n;
      n += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

async function warmUp(root: string): Promise<{ files: { path: string; size: number }[]; bytes: number; seconds: number }> {
  const started = performance.now();
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const files: { path: string; size: number }[] = [];
  let bytes = 0;
  for await (const p of filesUnder(root)) {
    const size = await readAll(p, buf);
    files.push({ path: p, size });
    bytes += size;
  }
  return { files, bytes, seconds: (performance.now() - started) / 1000 };
}

/**
 * The exiftool-vendored default the issue measured: `exiftool.read(file)` for every file
 * at once, default options (maxProcs = ceil(cores / 4), -fast, one file per ExifTool
 * call). Timed from construction, so ExifTool's start-up counts as it does for the others.
 */
async function vendoredPerFile(files: string[]): Promise<ScanFigure & { maxProcs: number }> {
  let maxProcs = 0;
  const { value: failed, usage } = await measure(async () => {
    const et = new ExifTool();
    cleanup.et = et;
    maxProcs = et.options.maxProcs;
    try {
      const results = await Promise.allSettled(files.map((f) => et.read(f)));
      return results.filter((r) => r.status === "rejected").length;
    } finally {
      await et.end();
      cleanup.et = null;
    }
  });
  if (failed > 0) progress(`note: exiftool-vendored read() failed for ${failed} files`);
  return { ...scanFigure("exiftool-vendored read() per file", usage, files.length), maxProcs };
}

async function hashFigures(file: string, runs: number): Promise<Report["hash"]> {
  const plain: number[] = [];
  const prov: number[] = [];
  const coreutils: number[] = [];
  let bytes = 0;
  const digests = new Set<string>();
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  // Interleaved, so drift (thermal, other load) spreads over all three instead of hitting one.
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    bytes = await readAll(file, buf);
    plain.push((performance.now() - t) / 1000);

    t = performance.now();
    const h = await hashFile(file);
    prov.push((performance.now() - t) / 1000);
    digests.add(h.sha256);

    const r = await run("sha256sum", [file], { stdout: "capture" });
    if (r.code !== 0) throw new Error(`sha256sum exited with ${r.code ?? r.signal}: ${r.stderr.trim()}`);
    coreutils.push(r.seconds);
    digests.add(r.stdout.slice(0, 64));
  }
  const fig = (label: string, xs: number[]): HashFigure => ({ label, seconds: median(xs), mbPerSecond: bytes / 1e6 / median(xs), allSeconds: xs });
  return {
    bytes,
    runs,
    plainRead: fig("plain read (4 MiB chunks, no hash)", plain),
    hashFile: fig("prov hashFile", prov),
    sha256sum: fig("sha256sum", coreutils),
    digestsAgree: digests.size === 1,
  };
}

// ---------------------------------------------------------------------------------------
// Environment

function vendoredExiftool(): string {
  const mod = require("exiftool-vendored.pl") as string | { default?: string };
  const p = typeof mod === "string" ? mod : mod.default;
  if (typeof p !== "string") throw new Error("cannot locate the bundled ExifTool (exiftool-vendored.pl)");
  return p;
}

function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** Whether the CPU has an instruction set extension (sha_ni makes SHA-256 several times faster). */
function cpuFlag(flag: string): boolean | null {
  try {
    return new RegExp(`\\b${flag}\\b`).test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Output

function table(r: Report): string {
  const f1 = (n: number): string => n.toFixed(1);
  const opt = (n: number | null, digits: number): string => (n === null ? "-" : n.toFixed(digits));
  const lines: string[] = [];
  const m = r.machine;
  lines.push(
    `machine: ${m.cpu}, ${m.cores} cores${m.shaNi ? " (SHA-NI)" : ""}, ${m.memoryGiB.toFixed(0)} GiB RAM, ${m.os}, load average ${m.loadAverage.join(" ")} at start`,
  );
  lines.push(`software: Node ${m.node}, ExifTool ${m.exiftool} (bundled with exiftool-vendored ${m.exiftoolVendored})`);
  const t = r.tree;
  lines.push(
    `tree: ${t.images} images + ${t.samples} files copied from samples/ + ${(t.bigBytes / 1024 ** 3).toFixed(2)} GiB WAV = ${t.files} files, ` +
      `${(t.bytes / 1e9).toFixed(2)} GB, in ${t.root}${t.reused ? " (reused)" : ` (generated in ${f1(t.generateSeconds)} s)`}`,
  );
  lines.push(`cache: warm for every tool (the whole tree was read once before timing, ${t.warmupSeconds.toFixed(1)} s; dropping the page cache needs root)`);

  // CPU columns say where the time goes; "others" says how much the rest of the machine competed.
  const header = (title: string): string =>
    `${title.padEnd(50)} ${"seconds".padStart(7)} ${"files/s".padStart(8)}  ${"CPU s: self + children".padStart(22)}  ${"peak RSS MiB: self / all".padStart(24)}  ${"others".padStart(6)}`;
  const row = (s: ScanFigure, extra = ""): string =>
    `  ${(s.label + extra).padEnd(48)} ${s.seconds.toFixed(2).padStart(7)} ${f1(s.filesPerSecond).padStart(8)}  ` +
    `${`${opt(s.cpuSelfSeconds, 1)} + ${opt(s.cpuChildrenSeconds, 1)}`.padStart(22)}  ` +
    `${`${opt(s.peakRssMiB, 0)} / ${opt(s.peakTreeRssMiB, 0)}`.padStart(24)}  ${opt(s.otherLoadCores, 2).padStart(6)}` +
    (s.runs > 1 ? `  (runs: ${s.allSeconds.map((x) => x.toFixed(2)).join(", ")})` : "");

  lines.push("");
  const runs = r.scan.prov.runs === 1 ? "one run each" : `median of ${r.scan.prov.runs} runs`;
  lines.push(header(`scan, wall clock incl. start-up (${runs})`));
  lines.push(row(r.scan.prov, ", fresh db"));
  lines.push(row(r.scan.provUnchanged, ", again (stat cache)"));
  lines.push(row(r.scan.exiftool));
  const v = r.scan.vendoredPerFile;
  if (v) lines.push(row(v, ` (maxProcs ${v.maxProcs})`));
  lines.push(`  ratio prov / exiftool -json -r: ${r.scan.ratio.toFixed(2)}x (goal >= ${r.scan.goal}x)`);
  if (v) lines.push(`  ratio exiftool-vendored read() per file / exiftool -json -r: ${v.ratio.toFixed(2)}x`);
  lines.push(`  prov's own summary.seconds (no Node start-up, no ExifTool shutdown): ${r.scan.provInternalSeconds.toFixed(2)} s`);

  if (r.diagnostics) {
    const d = r.diagnostics;
    lines.push("");
    lines.push(header("diagnostics (one run each)"));
    for (const w of [d.provOneExiftoolProcess, d.provNoMediaHashOver256MiB]) if (w) lines.push(row(w));
    lines.push(row(d.exiftoolWithProvArgs));
    lines.push(row(d.smallFilesOnly.prov));
    lines.push(row(d.smallFilesOnly.exiftool));
    lines.push(row(d.smallFilesOnly.exiftoolWithProvArgs));
    lines.push(`  ratio on the small files only: ${d.smallFilesOnly.ratio.toFixed(2)}x`);
    lines.push(row(d.bigFileOnly.prov));
    lines.push(row(d.bigFileOnly.exiftool));
    lines.push(row(d.bigFileOnly.exiftoolWithProvArgs));
  }

  const h = r.hash;
  lines.push("");
  lines.push(`${`SHA-256 of the ${(h.bytes / 1024 ** 3).toFixed(2)} GiB WAV (median of ${h.runs})`.padEnd(50)} ${"seconds".padStart(7)} ${"MB/s".padStart(8)}`);
  for (const x of [h.plainRead, h.hashFile, h.sha256sum]) lines.push(`  ${x.label.padEnd(48)} ${x.seconds.toFixed(2).padStart(7)} ${x.mbPerSecond.toFixed(0).padStart(8)}`);
  lines.push(`  hashFile / sha256sum: ${(h.hashFile.mbPerSecond / h.sha256sum.mbPerSecond).toFixed(2)}x; digests ${h.digestsAgree ? "agree" : "DIFFER"}`);
  lines.push("");
  lines.push(`${v ? "exiftool-vendored read() is one run. " : ""}MB = 10^6 bytes. CPU s and peak RSS are sampled from /proc every 50 ms.`);
  lines.push("\"others\" = cores used by other processes on this machine meanwhile; a hypervisor's other guests do not show there,");
  lines.push("they show as CPU s above the usual and as a wide spread between runs.");
  return lines.join("\n") + "\n";
}

main().catch(async (err: unknown) => {
  if (stopping) return; // the signal handler cleans up and exits
  process.stderr.write(`[bench] ${err instanceof UsageError ? "" : "failed: "}${err instanceof Error ? err.message : String(err)}\n`);
  await stopCurrent();
  if (cleanup.tmp) rmSync(cleanup.tmp, { recursive: true, force: true });
  if (cleanup.treeParent) removePartial(cleanup.treeParent);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}).finally(() => {
  if (cleanup.tmp && !stopping) rmSync(cleanup.tmp, { recursive: true, force: true });
});
