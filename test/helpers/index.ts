// Shared test helpers: temp dirs, fixtures, the built CLI, a real Store, a real scan.
// Nothing here mocks anything: real files, real SQLite, real ExifTool.

import { spawn, type SpawnOptions } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, onTestFinished } from "vitest";
import { openStore as open, type OpenOptions } from "../../db/index.js";
import type { MetadataReader, Store } from "../../src/ports.js";
import { evidenceOf } from "../../src/domain/lineage.js";
import type { Evidence } from "../../src/domain/types.js";
import { DEFAULT_EXTENSIONS, DEFAULT_FOLDER_RULES, DEFAULT_IGNORE } from "../../src/config.js";
import { folderMatcher, type FolderRule } from "../../src/domain/folders.js";
import { scan, type FileOutcome, type ScanOptions, type ScanSummary } from "../../src/app/ingest/scan.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = path.resolve(repoRoot, "../shared");
export const fixturesDir = path.join(sharedDir, "fixtures");
export const mediaDir = path.join(fixturesDir, "media");
export const samplesDir = path.join(repoRoot, "samples");
export const cliPath = path.join(repoRoot, "dist/src/cli.js");
/** The ExifTool bundled by exiftool-vendored (never a system one). */
export const bundledExiftool = path.join(repoRoot, "node_modules/exiftool-vendored.pl/bin/exiftool");

/**
 * Whether ../shared/fixtures is here. Tests that need it run under
 * `describe.runIf(sharedAvailable())`. In CI it must exist: this throws, so the test file
 * fails loudly instead of silently skipping.
 */
export function sharedAvailable(): boolean {
  const ok = fs.existsSync(path.join(fixturesDir, "MANIFEST.md")) && fs.existsSync(mediaDir);
  if (!ok && process.env["CI"]) {
    throw new Error(`CI is set but the shared fixtures are missing: expected ${fixturesDir} (MANIFEST.md and media/)`);
  }
  return ok;
}

// ------------------------------------------------------------------ temp dirs

const fileScoped: string[] = [];
afterAll(() => {
  for (const d of fileScoped.splice(0)) removeDir(d);
});

function removeDir(dir: string): void {
  // A test may have left a file or folder without permissions (chmod 000).
  try {
    fs.chmodSync(dir, 0o700);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && !e.isSymbolicLink()) fs.chmodSync(p, 0o700);
    }
  } catch {
    // best effort; rmSync below reports what really matters
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh directory under the OS temp dir. Inside a test it is removed when the test
 * finishes; outside one (beforeAll) it is removed after the test file.
 */
/** A process that is running: it exists and is not a zombie (an init that does not reap keeps those). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prov-test-"));
  try {
    onTestFinished(() => removeDir(dir));
  } catch {
    fileScoped.push(dir);
  }
  return dir;
}

/** Copy a file from ../shared/fixtures/media into `dir` (writable), returning its path. */
export function copyFixture(name: string, dir: string, as: string = name): string {
  return copyWritable(path.join(mediaDir, name), path.join(dir, as));
}

/** Copy a file from samples/ into `dir` (writable), returning its path. */
export function copySample(name: string, dir: string, as: string = name): string {
  return copyWritable(path.join(samplesDir, name), path.join(dir, as));
}

function copyWritable(src: string, dest: string): string {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(src, dest);
  fs.chmodSync(dest, 0o644); // the shared fixtures are read-only; copies must not be
  return dest;
}

export function sha256Of(file: string | Buffer): string {
  return createHash("sha256").update(typeof file === "string" ? fs.readFileSync(file) : file).digest("hex");
}

// ------------------------------------------------------------------ markdown tables

/** Rows of the first markdown table whose header has all `columns`, as header → cell. */
export function markdownTable(text: string, columns: readonly string[]): Record<string, string>[] {
  const lines = text.split("\n");
  const cells = (line: string): string[] =>
    line
      .trim()
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((c) => c.trim());
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (!line.trim().startsWith("|")) continue;
    const header = cells(line);
    if (!columns.every((c) => header.includes(c))) continue;
    if (!/^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1]!)) continue;
    const rows: Record<string, string>[] = [];
    for (let j = i + 2; j < lines.length && lines[j]!.trim().startsWith("|"); j++) {
      const r = cells(lines[j]!);
      rows.push(Object.fromEntries(header.map((h, k) => [h, r[k] ?? ""])));
    }
    return rows;
  }
  throw new Error(`no markdown table with columns ${columns.join(", ")}`);
}

/** `name.ext` out of a cell such as "`name.ext`". */
export function backticked(cell: string): string {
  const m = /`([^`]+)`/.exec(cell);
  if (!m) throw new Error(`no backticked name in table cell ${JSON.stringify(cell)}`);
  return m[1]!;
}

// ------------------------------------------------------------------ the CLI

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd: string;
  /** Added to a copy of process.env from which PROV_* variables were removed. */
  env?: Record<string, string | undefined>;
  input?: string;
  /** Kill the CLI after this long (a hang is a failure, not a stuck suite). */
  timeoutMs?: number;
  uid?: number;
  gid?: number;
}

/** Spawn `node dist/src/cli.js ARGS` and collect its exit code and output. */
export function runCli(args: readonly string[], opts: RunCliOptions): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PROV_")) env[k] = v;
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const spawnOpts: SpawnOptions = { cwd: opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], spawnOpts);
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`prov ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.on("error", () => {}); // the CLI may exit before reading its input
    child.stdin!.end(opts.input ?? "");
  });
}

/** Parse stdout as JSON, with the whole output in the error when it is not. */
export function json<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (err) {
    throw new Error(`stdout is not JSON (${(err as Error).message}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

// ------------------------------------------------------------------ store and scan

/** Open (creating if needed) a real Store; closed when the test finishes if opened inside one. */
export async function openStore(file: string, opts: OpenOptions = { create: true }): Promise<Store> {
  const store = await open(file, opts);
  try {
    onTestFinished(() => store.close());
  } catch {
    // opened outside a test: the caller closes it
  }
  return store;
}

/** Everything the rules read for an asset: its own evidence and what travels to it. */
export async function evidenceOfAsset(store: Store, assetId: number): Promise<Evidence[]> {
  const f = await store.assets.facts(assetId);
  return f ? evidenceOf(f) : [];
}

export interface ScanRun {
  summary: ScanSummary;
  outcomes: FileOutcome[];
  /** The outcome for each path (the last one when a path was reported twice). */
  byPath: Map<string, FileOutcome>;
}

/** Run the real scanner with the default extensions, ignore list and folder rules. */
export async function runScan(
  store: Store,
  reader: MetadataReader,
  roots: readonly string[],
  opts: Partial<Omit<ScanOptions, "onFile">> & { folderRules?: FolderRule[] } = {},
): Promise<ScanRun> {
  const outcomes: FileOutcome[] = [];
  const { folderRules, ...rest } = opts;
  const summary = await scan(
    roots,
    { store, reader, folderMatcher: folderMatcher(folderRules ?? DEFAULT_FOLDER_RULES) },
    { extensions: DEFAULT_EXTENSIONS, ignore: DEFAULT_IGNORE, ...rest, onFile: (o) => outcomes.push(o) },
  );
  return { summary, outcomes, byPath: new Map(outcomes.map((o) => [o.path, o])) };
}

/** Await `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 60_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
