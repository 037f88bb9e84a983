// Helpers for the watcher tests (test/watch): a sandbox per test or per describe with
// real folders (prov init), a real `prov watch` child process, a read-only view of the
// real database (SQLite, or PostgreSQL in a throwaway cluster per test file), and
// assertions about what the deliverables gate did.
// Nothing is mocked. Everything waits on conditions with deadlines, never on blind sleeps.

import { pngChunk } from "../helpers/hostile.js";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import zlib from "node:zlib";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from "node:worker_threads";
import Database from "better-sqlite3";
import { expect } from "vitest";
import { postgresAvailable, startPostgres, type PgCluster } from "../helpers/postgres.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const cliPath = path.join(repoRoot, "dist/src/cli.js");
export const samplesDir = path.join(repoRoot, "samples");
/** The ExifTool bundled by exiftool-vendored (never a system one). */
export const exiftoolBin = path.join(repoRoot, "node_modules/exiftool-vendored.pl/bin/exiftool");
/** tmpfs: a different filesystem from os.tmpdir() on this machine (the tests check it). */
export const SHM = "/dev/shm";

export type Mode = "events" | "polling";
/** Run with `describe.each(MODES)`: native events (watch.polling "never") and polling ("always", every 0.1 s). */
export const MODES: Mode[] = ["events", "polling"];

export type Engine = "sqlite" | "postgres";
/**
 * The stores the watcher tests run on: SQLite always, PostgreSQL when its server binaries
 * are here (postgresAvailable prints why it skips, and throws under CI=true).
 */
export const ENGINES: Engine[] = ["sqlite", ...(postgresAvailable() ? (["postgres"] as const) : [])];
/**
 * Engine × mode for `describe.each(ENGINE_MODES)`: SQLite with events and with polling,
 * PostgreSQL with events only (the store is what differs there, not how changes are seen;
 * a case about polling itself runs its own polling sandbox).
 */
export const ENGINE_MODES: Array<[Engine, Mode]> = ENGINES.flatMap((e) => (e === "sqlite" ? MODES : (["events"] as Mode[])).map((m) => [e, m] as [Engine, Mode]));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ content

export function sha256(data: string | Buffer): string {
  return createHash("sha256")
    .update(typeof data === "string" ? fs.readFileSync(data) : data)
    .digest("hex");
}

const sampleCache = new Map<string, Buffer>();
export function sample(name: string): Buffer {
  let b = sampleCache.get(name);
  if (!b) sampleCache.set(name, (b = fs.readFileSync(path.join(samplesDir, name))));
  return b;
}

/** Appending bytes after the end of a PNG (IEND) or JPEG (EOI) gives new content with the same labels. */
function variant(name: string, tag: string): Buffer {
  return Buffer.concat([sample(name), Buffer.from(`\nprov-test-variant:${tag}\n`)]);
}
/** A distinct GenAI PNG (AUTOMATIC1111 `parameters` text chunk, early in the file). */
export const genaiPng = (tag: string | number): Buffer => variant("genai-a1111.png", String(tag));
/** A distinct not-GenAI camera plate (EXIF camera data, DigitalSourceType digitalCapture). */
export const plateJpg = (tag: string | number): Buffer => variant("camera-plate.jpg", String(tag));


/**
 * A PNG whose image data is unique to `seed`, so its ExifTool ImageDataHash is shared
 * with no other test file (files sharing image data form a lineage "family", see the
 * report: the cost of recording one grows with the square of the family). With
 * `genai`, it is labelled the AUTOMATIC1111 way: a `parameters` text chunk right after IHDR.
 */
export function uniquePng(seed: string, genai: boolean, size = 48): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  let state = createHash("sha256").update(seed).digest();
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    state = createHash("sha256").update(state).digest();
    const row = Buffer.alloc(size + 1);
    for (let x = 0; x < size; x++) row[x + 1] = state[x % state.length]! ^ (x * 7 + y * 3);
    rows.push(row);
  }
  const text = Buffer.from(
    `parameters\0a matte painting of ${seed}\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: ${size}x${size}, Model: sd_xl_base_1.0`,
    "latin1",
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    ...(genai ? [pngChunk("tEXt", text)] : []),
    pngChunk("IDAT", zlib.deflateSync(Buffer.concat(rows))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}
export const uniqueGenaiPng = (seed: string): Buffer => uniquePng(seed, true);
export const uniquePlainPng = (seed: string): Buffer => uniquePng(seed, false);

export function write(file: string, data: Buffer): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}

export function lexists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Write `data` through one open descriptor in `chunks` pieces over about `totalMs`, like a render or a slow copy. */
export async function writeSlowly(file: string, data: Buffer, opts: { chunks?: number; totalMs?: number; onChunk?: (i: number) => void } = {}): Promise<void> {
  const chunks = opts.chunks ?? 20;
  const pause = (opts.totalMs ?? 2000) / chunks;
  const size = Math.ceil(data.length / chunks);
  const fh = await fs.promises.open(file, "wx");
  try {
    for (let i = 0; i < chunks; i++) {
      const part = data.subarray(i * size, Math.min(data.length, (i + 1) * size));
      if (part.length > 0) await fh.write(part, 0, part.length, null);
      opts.onChunk?.(i);
      if (i < chunks - 1) await sleep(pause); // pacing the writer, not waiting for a result
    }
  } finally {
    await fh.close();
  }
}

/** Every regular file and symlink under `dir` (receipts and temporary names excluded), by SHA-256. */
export function contentIndex(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const visit = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      // prov's journal of moves made while its database refused writes (src/app/quarantine.ts).
      if (e.isDirectory()) {
        if (!(d === dir && e.name === ".prov-journal")) visit(p);
      }
      else if (e.isFile()) {
        if (e.name.endsWith(".receipt.json") || /\.receipt\.json\.tmp-\d+$/.test(e.name) || /^\.\d+\.receipt\.json\.\d+\.[0-9a-f]+\.tmp$/.test(e.name)) continue;
        // prov's marker of which database keeps a quarantine (src/app/store-marker.ts).
        if (d === dir && e.name === ".prov-database") continue;
        const h = sha256(p);
        out.set(h, [...(out.get(h) ?? []), p]);
      }
    }
  };
  if (fs.existsSync(dir)) visit(dir);
  return out;
}

// ------------------------------------------------------------------ waiting

/** Await `check` until it returns a truthy value, every `intervalMs`, until the deadline. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string | (() => string), timeoutMs = 60_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const w = typeof what === "function" ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${w}${lastErr ? ` (last error: ${String(lastErr)})` : ""}`);
    }
    await sleep(intervalMs);
  }
}

// ------------------------------------------------------------------ the CLI

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("PROV_")) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Run `node dist/src/cli.js ARGS` in `cwd` and collect its exit code and output (killed after `timeoutMs`). */
export function runCli(args: readonly string[], cwd: string, opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: childEnv(opts.env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
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
  });
}

export function parseJson<T = any>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (err) {
    throw new Error(`stdout is not JSON (${(err as Error).message}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

// ------------------------------------------------------------------ the database, read-only

export interface QRow {
  id: number;
  kind: "blocked" | "held";
  original_path: string;
  quarantine_path: string;
  sha256: string | null;
  asset_id: number | null;
  reason: string;
  evidence: string | null;
  state: "planned" | "moved" | "stuck" | "rolled-back" | "released";
  error: string | null;
  verified_at: string | null;
}

export interface EventRow {
  id: number;
  at: string;
  kind: string;
  asset_id: number | null;
  location_id: number | null;
  path: string | null;
  detail: string | null;
}

export interface LocRow {
  id: number;
  path: string;
  asset_id: number | null;
  state: "present" | "missing" | "error";
  ino: string | null;
}

export interface WatcherState {
  pid: number;
  ready: number;
  heartbeat_at: string;
  stopped_at: string | null;
  state: {
    ready?: boolean;
    queue?: { gate: number; ingest: number };
    roots?: Array<{ root: string; role: string; mode: string; backend: string; lastReconcile: string | null; reconciling: boolean; suspectedUnmount: boolean }>;
  };
}

/**
 * A read-only view of the watcher's database with a synchronous API, so assertions read
 * the same on both engines (tests poll it inside waitFor and expect). SQLite: a read-only
 * connection (WAL: reading never blocks the writer), Db. PostgreSQL: PgDb.
 * Parameters: `?` (positional) or `@name` (one object); SQL passed in must be portable.
 */
export abstract class StoreView {
  abstract all<T>(sql: string, ...params: unknown[]): T[];
  abstract close(): void;

  get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.all<T>(sql, ...params)[0];
  }

  quarantineRows(): QRow[] {
    return this.all<QRow>("SELECT * FROM quarantine ORDER BY id");
  }
  movedRow(originalPath: string, sha: string | null): QRow | undefined {
    return this.quarantineRows().find((r) => r.state === "moved" && r.original_path === originalPath && (sha === null || r.sha256 === sha));
  }
  events(kind?: string, p?: string): EventRow[] {
    return this.all<EventRow>("SELECT * FROM events WHERE (@kind IS NULL OR kind = @kind) AND (@path IS NULL OR path = @path) ORDER BY id", { kind: kind ?? null, path: p ?? null });
  }
  location(p: string): LocRow | undefined {
    return this.get<LocRow>("SELECT * FROM locations WHERE path = ?", p);
  }
  assetShaOfLocation(p: string): string | undefined {
    return this.get<{ sha256: string }>("SELECT a.sha256 FROM locations l JOIN assets a ON a.id = l.asset_id WHERE l.path = ?", p)?.sha256;
  }
  asset(sha: string): { id: number; sha256: string; origin: string; status: string | null } | undefined {
    return this.get("SELECT id, sha256, origin, status FROM assets WHERE sha256 = ?", sha);
  }
  watcher(): WatcherState | undefined {
    // The default volume's lease keeps id 1 on both engines (SQLite 0012, PostgreSQL 0002).
    const row = this.get<Omit<WatcherState, "state"> & { state: string }>("SELECT * FROM watcher WHERE id = 1");
    return row ? { ...row, state: JSON.parse(row.state) as WatcherState["state"] } : undefined;
  }
}

/** SQLite: a read-only connection to the database file. */
export class Db extends StoreView {
  private conn: Database.Database | null = null;
  constructor(readonly file: string) {
    super();
  }

  private db(): Database.Database {
    if (!this.conn) {
      this.conn = new Database(this.file, { readonly: true, fileMustExist: true });
      this.conn.pragma("busy_timeout = 5000");
    }
    return this.conn;
  }

  close(): void {
    this.conn?.close();
    this.conn = null;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    return this.db().prepare(sql).all(...params) as T[];
  }
  override get<T>(sql: string, ...params: unknown[]): T | undefined {
    return this.db().prepare(sql).get(...params) as T | undefined;
  }
}

/** A value as a PostgreSQL literal (standard_conforming_strings: only ' is special in '...'). */
function pgLiteral(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (typeof v === "string") {
    if (v.includes("\0")) throw new Error("a NUL byte cannot be a PostgreSQL text parameter");
    return `'${v.replaceAll("'", "''")}'`;
  }
  if (Buffer.isBuffer(v)) return `'\\x${v.toString("hex")}'::bytea`;
  throw new Error(`unsupported parameter ${typeof v}`);
}

/** Replace the `?` and `@name` parameters of better-sqlite3 style SQL by literals (outside quotes). */
export function bindPg(sql: string, params: readonly unknown[]): string {
  const named = params.length === 1 && params[0] !== null && typeof params[0] === "object" && !Buffer.isBuffer(params[0]) ? (params[0] as Record<string, unknown>) : null;
  let next = 0;
  let out = "";
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in ${sql}`);
      out += sql.slice(i, end + 1);
      i = end;
    } else if (c === "?" && !named) {
      if (next >= params.length) throw new Error(`too few parameters for ${sql}`);
      out += pgLiteral(params[next++]);
    } else if (c === "@" && named) {
      const m = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(i))!;
      if (!m || !(m[1]! in named)) throw new Error(`no parameter ${m?.[0] ?? "@"} for ${sql}`);
      out += pgLiteral(named[m[1]!]);
      i += m[0].length - 1;
    } else out += c;
  }
  if (!named && next !== params.length) throw new Error(`${params.length} parameters for ${next} placeholders in ${sql}`);
  return out;
}

// The PostgreSQL reader's thread: one connection (node-postgres), a query at a time; the
// caller blocks on Atomics.wait until the answer is posted back (receiveMessageOnPort).
// BIGINT (ids, count(*)) as numbers, as SQLite gives them.
const PG_READER = `
const { createRequire } = require("node:module");
const { workerData } = require("node:worker_threads");
const pg = createRequire(workerData.from)("pg");
const { port, conn } = workerData;
let client = null;
const INT8 = 20;
const asNumber = (v) => (v === null ? null : Number(v));
port.on("message", async ({ sql, flag }) => {
  let answer;
  try {
    if (!client) {
      const c = new pg.Client({ ...conn, types: { getTypeParser: (oid, format) => (oid === INT8 ? asNumber : pg.types.getTypeParser(oid, format)) } });
      c.on("error", () => { if (client === c) client = null; });
      await c.connect();
      client = c;
    }
    answer = { rows: (await client.query(sql)).rows };
  } catch (err) {
    answer = { error: String(err && err.message ? err.message : err) };
    const c = client;
    client = null;
    c?.end().catch(() => {});
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/**
 * PostgreSQL, synchronously: a worker thread holds one connection and runs each query
 * while the caller waits on it (so `sb.db.x()` reads as on SQLite inside waitFor and
 * expect). The schema mirrors SQLite's types (timestamps and JSON as TEXT, flags as INTEGER
 * 0/1, ids BIGINT given as numbers), so rows compare as SQLite's do; BYTEA
 * (quarantine.original_raw) comes back as a Buffer, as a SQLite BLOB does.
 */
export class PgDb extends StoreView {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  constructor(
    private readonly cluster: PgCluster,
    readonly database: string,
  ) {
    super();
  }

  private open(): MessagePort {
    if (!this.port) {
      const { port1, port2 } = new MessageChannel();
      const conn = { host: "127.0.0.1", port: this.cluster.port, user: this.cluster.user, password: this.cluster.password, database: this.database, application_name: "prov-test-read" };
      this.worker = new Worker(PG_READER, { eval: true, workerData: { port: port2, conn, from: path.join(repoRoot, "package.json") }, transferList: [port2] });
      this.worker.unref();
      port1.unref();
      this.port = port1;
    }
    return this.port;
  }

  close(): void {
    void this.worker?.terminate();
    this.port?.close();
    this.worker = null;
    this.port = null;
  }

  all<T>(sql: string, ...params: unknown[]): T[] {
    const port = this.open();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    port.postMessage({ sql: bindPg(sql, params), flag });
    if (Atomics.wait(flag, 0, 0, 30_000) === "timed-out") throw new Error(`no answer from PostgreSQL within 30 s to ${sql}`);
    const answer = receiveMessageOnPort(port)?.message as { rows?: Array<Record<string, unknown>>; error?: string } | undefined;
    if (!answer) throw new Error(`the PostgreSQL reader posted no answer to ${sql}`);
    if (answer.error !== undefined) throw new Error(`PostgreSQL: ${answer.error} (in ${sql})`);
    for (const row of answer.rows!) for (const [k, v] of Object.entries(row)) if (v instanceof Uint8Array) row[k] = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return answer.rows as T[];
  }
}

// ------------------------------------------------------------------ the watcher process

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class Watcher {
  stdout = "";
  stderr = "";
  exitInfo: Exit | null = null;
  readonly exited: Promise<Exit>;
  /** Set when a graceful stop logged "stopped" but the process did not exit and was killed. */
  lingeredAfterStop = false;

  constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }
  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Log lines (the watcher runs with --log-format json). */
  logs(): Array<{ level: string; msg: string; [k: string]: unknown }> {
    return this.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => {
        try {
          return JSON.parse(l) as { level: string; msg: string };
        } catch {
          return { level: "unparsed", msg: l };
        }
      });
  }

  async waitExit(timeoutMs: number): Promise<Exit | null> {
    if (this.exitInfo) return this.exitInfo;
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([this.exited, new Promise<null>((res) => (timer = setTimeout(() => res(null), timeoutMs)))]);
    clearTimeout(timer);
    return r;
  }

  kill9(): Promise<Exit> {
    if (this.alive) this.child.kill("SIGKILL");
    return this.exited;
  }

  /**
   * Graceful stop: SIGTERM, wait until it exits, SIGKILL after the deadline. A process
   * that logged "stopped" and has ended its ExifTool children but lingers is killed after
   * `lingerMs` (see the report: the stop path leaves a 15 s timer running).
   */
  async stop(opts: { deadlineMs?: number; lingerMs?: number } = {}): Promise<Exit> {
    if (!this.alive) return this.exitInfo!;
    this.child.kill("SIGTERM");
    const deadline = Date.now() + (opts.deadlineMs ?? 20_000);
    let quietSince: number | null = null;
    while (this.alive && Date.now() < deadline) {
      const stopped = this.logs().some((l) => l.msg === "stopped");
      if (stopped && childPids(this.pid).length === 0) quietSince ??= Date.now();
      else quietSince = null;
      if (quietSince !== null && Date.now() - quietSince > (opts.lingerMs ?? 300)) {
        this.lingeredAfterStop = true;
        break;
      }
      await this.waitExit(50);
    }
    if (this.alive) this.child.kill("SIGKILL");
    return this.exited;
  }
}

/** Direct children of a process (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
      const text = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/**
 * Processes whose working directory is `dir`: what a `prov watch` started there left
 * behind. ExifTool runs with -stay_open and does not exit when the watcher that spawned
 * it is killed with SIGKILL (see the report), so tests that kill a watcher clean up here.
 */
export function processesIn(dir: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${e}/cwd`) === dir) out.push(Number(e));
    } catch {
      // not ours to read, or gone
    }
  }
  return out;
}

async function killLeftovers(dir: string): Promise<number> {
  const pids = processesIn(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 3000;
  while (processesIn(dir).length > 0 && Date.now() < deadline) await sleep(50);
  for (const pid of processesIn(dir)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}

// ------------------------------------------------------------------ the sandbox

export interface SandboxOptions {
  mode: Mode;
  /** The store (default SQLite). PostgreSQL: a database of its own in this file's cluster. */
  engine?: Engine;
  /** Put the quarantine on tmpfs (/dev/shm): another filesystem, so moves copy. */
  quarantineOnShm?: boolean;
  stableSeconds?: number;
  unknown?: "allow" | "hold";
  pollIntervalSeconds?: number;
  /** Without a working root (deliverables only). */
  noWorking?: boolean;
  /** Perceptual fingerprints (default on, as prov.config.json has them). */
  fingerprint?: boolean;
}

const live = new Set<Sandbox>();

// One throwaway PostgreSQL cluster per test file (a vitest worker runs one file), started
// by the first PostgreSQL sandbox and stopped by disposeAll.
let pgCluster: Promise<PgCluster> | null = null;
function pgClusterOfThisFile(): Promise<PgCluster> {
  pgCluster ??= startPostgres();
  return pgCluster;
}

/** Kill whatever a failed test left running, and stop this file's PostgreSQL cluster (each test file's afterAll). */
export async function disposeAll(): Promise<void> {
  for (const sb of [...live]) await sb.dispose();
  const cluster = pgCluster;
  pgCluster = null;
  // (A cluster that failed to start has nothing to stop; its error failed the sandboxes.)
  if (cluster) await (await cluster.catch(() => null))?.stop();
}

export class Sandbox {
  readonly work: string;
  readonly del: string;
  readonly q: string;
  /** Scratch space outside every root, on the same filesystem as the roots. */
  readonly scratch: string;
  readonly config: string;
  /** The SQLite file (SQLite sandboxes only: a PostgreSQL sandbox has `database`). */
  readonly dbFile: string;
  readonly engine: Engine;
  /** `prov init --database` of a PostgreSQL sandbox: the URL (no password: PGPASSWORD carries it). */
  readonly database: string | null;
  /** What every `prov` of this sandbox gets in its environment (PostgreSQL: PGPASSWORD). */
  readonly env: Record<string, string>;
  readonly db: StoreView;
  readonly watchers: Watcher[] = [];
  private shmDir: string | null = null;
  private disposed = false;
  /** Processes (ExifTool) still running in the sandbox after its watchers were stopped or killed. */
  leftoverProcesses = 0;

  private constructor(
    readonly dir: string,
    readonly opts: SandboxOptions,
    pg: { cluster: PgCluster; name: string } | null,
  ) {
    this.engine = opts.engine ?? "sqlite";
    this.work = path.join(dir, "work");
    this.del = path.join(dir, "deliverables");
    this.scratch = path.join(dir, "scratch");
    this.config = path.join(dir, "prov.config.json");
    this.dbFile = path.join(dir, "prov.db");
    if (opts.quarantineOnShm) {
      this.shmDir = fs.mkdtempSync(path.join(SHM, "prov-watch-"));
      this.q = path.join(this.shmDir, "quarantine");
    } else this.q = path.join(dir, "quarantine");
    this.database = pg ? pg.cluster.url(pg.name) : null;
    this.env = pg ? { PGPASSWORD: pg.cluster.password } : {};
    this.db = pg ? new PgDb(pg.cluster, pg.name) : new Db(this.dbFile);
  }

  get stableMs(): number {
    return (this.opts.stableSeconds ?? 0.3) * 1000;
  }

  static async create(opts: SandboxOptions): Promise<Sandbox> {
    let pg: { cluster: PgCluster; name: string } | null = null;
    if (opts.engine === "postgres") {
      const cluster = await pgClusterOfThisFile();
      pg = { cluster, name: await cluster.createDatabase("prov_watch") };
    }
    const sb = new Sandbox(fs.mkdtempSync(path.join(os.tmpdir(), "prov-watch-")), opts, pg);
    live.add(sb);
    for (const d of [sb.work, sb.del, sb.q, sb.scratch]) fs.mkdirSync(d, { recursive: true });
    const args = ["init", "--deliverables", sb.del, "--quarantine", sb.q, "--unknown", opts.unknown ?? "allow"];
    if (!opts.noWorking) args.push("--working", sb.work);
    if (sb.database) args.push("--database", sb.database);
    const r = await sb.cli(args);
    if (r.code !== 0) throw new Error(`prov init failed (${r.code}): ${r.stderr}`);
    const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as Record<string, any>;
    cfg["gate"] = { ...cfg["gate"], stableSeconds: opts.stableSeconds ?? 0.3 };
    if (opts.fingerprint === false) cfg["fingerprint"] = { ...cfg["fingerprint"], enabled: false };
    cfg["watch"] = {
      ...cfg["watch"],
      polling: opts.mode === "polling" ? "always" : "never",
      pollIntervalSeconds: opts.pollIntervalSeconds ?? 0.1,
    };
    fs.writeFileSync(sb.config, JSON.stringify(cfg, null, 2));
    return sb;
  }

  /** `prov ARGS` in the sandbox (its prov.config.json). */
  cli(args: readonly string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
    return runCli(args, this.dir, { ...opts, env: { ...this.env, ...opts.env } });
  }

  /** Start `prov watch` and wait until its heartbeat says ready (or it dies). */
  async watch(opts: { env?: Record<string, string | undefined>; waitReady?: boolean; args?: string[] } = {}): Promise<Watcher> {
    const child = spawn(process.execPath, [cliPath, "--log-format", "json", "watch", ...(opts.args ?? [])], {
      cwd: this.dir,
      env: childEnv({ ...this.env, ...opts.env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const w = new Watcher(child);
    this.watchers.push(w);
    if (opts.waitReady !== false) await this.waitReady(w);
    return w;
  }

  async waitReady(w: Watcher, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (!w.alive) throw new Error(`prov watch exited (${JSON.stringify(w.exitInfo)}) before it was ready:\n${w.stderr}`);
        const row = this.db.watcher();
        return row && row.pid === w.pid && row.ready === 1 && row.stopped_at === null;
      },
      () => `prov watch (pid ${w.pid}) to be ready; stderr:\n${w.stderr}`,
      timeoutMs,
    ).catch((err: Error) => {
      if (!w.alive) throw new Error(`prov watch exited (${JSON.stringify(w.exitInfo)}) before it was ready:\n${w.stderr}`);
      throw err;
    });
  }

  /**
   * Wait until the gate and ingest queues are empty, every root has been reconciled,
   * and the heartbeat that says so was written after the last change plus the
   * stability window (so events and re-checks of young files have been handled).
   */
  // (90 s, under the 120 s test timeout: a watcher that never idles fails with what it was
  // doing, not with vitest's bare "test timed out".)
  async waitIdle(w: Watcher, timeoutMs = 90_000, since = Date.now()): Promise<WatcherState> {
    const after = since + Math.max(400, this.stableMs + 300);
    return waitFor(
      () => {
        if (!w.alive) throw new Error(`prov watch died: ${JSON.stringify(w.exitInfo)}\n${w.stderr}`);
        if (Date.now() < after) return undefined;
        const row = this.db.watcher();
        if (!row || row.pid !== w.pid || Date.parse(row.heartbeat_at) < after) return undefined;
        const s = row.state;
        const rootsDone = (s.roots ?? []).every((r) => !r.reconciling && r.lastReconcile !== null);
        // Every move of judged bytes verified (settle: the bytes moved are the bytes judged, or
        // judged again); a move whose receipt waits for room (a fault) is settled only after
        // it, and a link (no bytes, no hash) has nothing to verify.
        const unsettled = this.db.get<{ n: number }>("SELECT count(*) AS n FROM quarantine WHERE state = 'moved' AND verified_at IS NULL AND fault IS NULL AND sha256 IS NOT NULL")!.n;
        return s.queue && s.queue.gate === 0 && s.queue.ingest === 0 && rootsDone && unsettled === 0 ? row : undefined;
      },
      () => {
        const row = this.db.watcher();
        const unsettled = this.db.all("SELECT id, state, original_path, fault, next_try_at FROM quarantine WHERE state NOT IN ('released', 'rolled-back') AND verified_at IS NULL");
        return `the watcher to be idle (heartbeat ${row?.heartbeat_at}, ready ${row?.ready}, queue ${JSON.stringify(row?.state.queue)}, roots ${JSON.stringify((row?.state.roots ?? []).map((r) => ({ root: r.root, reconciling: r.reconciling, lastReconcile: r.lastReconcile })))}, unverified quarantine rows ${JSON.stringify(unsettled)})\nwatcher stderr (last 4 KB):\n${w.stderr.slice(-4096)}`;
      },
      timeoutMs,
    ).then(async (row) => {
      // What `prov status` prints is this same heartbeat: confirm through the CLI.
      const st = parseJson<{ running: boolean; ready: boolean; queue: { gate: number; ingest: number } }>(await this.cli(["status", "--json"]));
      expect(st).toMatchObject({ running: true, ready: true, queue: { gate: 0, ingest: 0 } });
      return row;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.watchers) {
      if (!w.alive) continue;
      await w.stop({ deadlineMs: 10_000, lingerMs: 300 });
    }
    this.db.close();
    live.delete(this);
    this.leftoverProcesses = await killLeftovers(this.dir);
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.shmDir) fs.rmSync(this.shmDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ assertions

const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;

export interface Receipt {
  receipt: string;
  id: number;
  kind: string;
  original_path: string;
  quarantine_path: string;
  reason: string;
  sha256: string | null;
  evidence: Array<{ source: string; signal: string }>;
}

export function receiptOf(row: QRow): Receipt {
  return JSON.parse(fs.readFileSync(path.join(path.dirname(row.quarantine_path), `${row.id}.receipt.json`), "utf8")) as Receipt;
}

/** Wait until `originalPath` (content `sha`) has been moved to quarantine. */
export async function waitBlocked(sb: Sandbox, originalPath: string, sha: string | null, timeoutMs = 60_000): Promise<QRow> {
  return waitFor(
    () => {
      const row = sb.db.movedRow(originalPath, sha);
      return row && sb.db.events("quarantined", originalPath).some((e) => JSON.parse(e.detail ?? "{}").quarantine_id === row.id) ? row : undefined;
    },
    () => `${JSON.stringify(originalPath)} to be quarantined; rows: ${JSON.stringify(sb.db.quarantineRows().map((r) => [r.id, r.state, r.original_path, r.error]))}`,
    timeoutMs,
  );
}

/**
 * The full check for a blocked regular file: gone from deliverables, in quarantine with
 * the same SHA-256, a receipt naming original path, reason and sha256 beside it, a
 * `quarantined` event, and the `<quarantine>/<YYYY-MM-DD>/<id>-<name>` layout.
 */
export async function expectBlocked(sb: Sandbox, originalPath: string, sha: string, timeoutMs = 60_000): Promise<QRow> {
  const row = await waitBlocked(sb, originalPath, sha, timeoutMs);
  expect(row.kind).toBe("blocked");
  expect(lexists(originalPath), `${originalPath} should be gone from deliverables`).toBe(false);
  expect(path.dirname(path.dirname(row.quarantine_path))).toBe(sb.q);
  expect(path.basename(path.dirname(row.quarantine_path))).toMatch(DAY_DIR);
  expect(path.basename(row.quarantine_path).startsWith(`${row.id}-`)).toBe(true);
  const st = fs.lstatSync(row.quarantine_path);
  expect(st.isFile()).toBe(true);
  expect(sha256(row.quarantine_path), "quarantined copy must be byte-identical").toBe(sha);
  expect(lexists(`${row.quarantine_path}.partial`)).toBe(false);
  const receipt = receiptOf(row);
  expect(receipt).toMatchObject({ receipt: "prov quarantine", id: row.id, kind: "blocked", original_path: originalPath, quarantine_path: row.quarantine_path, sha256: sha });
  expect(receipt.reason.length).toBeGreaterThan(0);
  expect(receipt.reason).toBe(row.reason);
  // A file blocked while still being written is moved with its content unknown; its sha256
  // arrives in a `quarantine-settled` event once it has settled in quarantine.
  const ev = sb.db.events("quarantined", originalPath).map((e) => JSON.parse(e.detail ?? "{}") as Record<string, unknown>);
  const settled = sb.db.events("quarantine-settled", originalPath).map((e) => JSON.parse(e.detail ?? "{}") as Record<string, unknown>);
  expect(ev.some((d) => d["quarantine_id"] === row.id && d["quarantine_path"] === row.quarantine_path)).toBe(true);
  expect([...ev, ...settled].some((d) => d["quarantine_id"] === row.id && d["sha256"] === sha)).toBe(true);
  return row;
}

/**
 * Allowed files: the gate judged each (it is recorded as present with this content), and
 * after the watcher is idle and more than the stability window has passed each is still
 * there with the same bytes and no quarantine row names it.
 */
export async function expectAllowedAll(sb: Sandbox, w: Watcher, files: ReadonlyArray<readonly [file: string, sha: string]>): Promise<void> {
  for (const [file, sha] of files) {
    await waitFor(
      () => sb.db.assetShaOfLocation(file) === sha && sb.db.location(file)?.state === "present",
      () => {
        const st = sb.db.watcher()?.state as (WatcherState["state"] & { gate?: unknown }) | undefined;
        const exists = lexists(file) ? `${fs.statSync(file).size} bytes, mtime ${fs.statSync(file).mtime.toISOString()}` : "gone";
        return `the gate to record ${file} as present (recorded: ${JSON.stringify(sb.db.location(file) ?? null)}; on disk: ${exists}; watcher queue ${JSON.stringify(st?.queue)}, gate stages ${JSON.stringify(st?.gate)}; events at the path ${JSON.stringify(sb.db.events(undefined, file).map((e) => e.kind))})\nwatcher stderr (last 4 KB):\n${w.stderr.slice(-4096)}`;
      },
    );
  }
  await sb.waitIdle(w);
  for (const [file, sha] of files) {
    expect(lexists(file), `${file} must stay in deliverables`).toBe(true);
    expect(sha256(file)).toBe(sha);
    expect(sb.db.quarantineRows().filter((r) => r.original_path === file)).toEqual([]);
  }
}

export function expectAllowed(sb: Sandbox, w: Watcher, file: string, sha: string): Promise<void> {
  return expectAllowedAll(sb, w, [[file, sha]]);
}

/** The database and the folders agree: no intent left planned; moved rows ↔ files in quarantine. */
export function expectQuarantineConsistent(sb: Sandbox): void {
  const rows = sb.db.quarantineRows();
  expect(rows.filter((r) => r.state === "planned"), "no quarantine row may stay planned").toEqual([]);
  const moved = new Set<string>();
  for (const r of rows) {
    if (r.state === "moved") {
      moved.add(r.quarantine_path);
      expect(lexists(r.quarantine_path), `row ${r.id} is moved: ${r.quarantine_path} must exist`).toBe(true);
      if (r.sha256) expect(sha256(r.quarantine_path), `row ${r.id}: quarantined bytes`).toBe(r.sha256);
      expect(receiptOf(r).id).toBe(r.id);
    } else if (r.state === "rolled-back") {
      expect(lexists(r.quarantine_path), `row ${r.id} is rolled back: ${r.quarantine_path} must not exist`).toBe(false);
    }
  }
  // Every file in quarantine belongs to a moved row.
  for (const [, paths] of contentIndex(sb.q)) for (const p of paths) expect(moved.has(p), `${p} in quarantine has no moved row`).toBe(true);
  const leftovers: string[] = [];
  const visit = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      // (A receipt's own temporary name, `<id>.receipt.json.tmp-PID`, can survive a kill
      // during its write; recovery rewrites the receipt but leaves that litter: see the report.)
      else if (e.name.endsWith(".partial")) leftovers.push(p);
    }
  };
  visit(sb.q);
  expect(leftovers, "temporary files left in quarantine").toEqual([]);
}

/** No error-level log lines (internal errors, failed moves) from the watcher. */
export function expectNoErrors(w: Watcher): void {
  expect(w.logs().filter((l) => l.level === "error" || l.level === "unparsed")).toEqual([]);
}
