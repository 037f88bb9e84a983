// `npm run bench` (facility part, issue 16): the same work on SQLite and on PostgreSQL, in
// the same run, on this machine:
//  1. ingest: `prov scan` of N new stills (default 400: clean JPEGs with GenAI files among
//     them), files per second;
//  2. gate latency: one `prov watch` gating a deliverables folder; G labelled GenAI files
//     (default 20) delivered one after another, seconds from the write until the file is
//     gone from deliverables (median, p95, max);
//  3. four watchers writing at once: four volumes, each its own `prov watch --volume`
//     with a working root; F files (default 150) dropped into each at once; seconds until
//     all 4×F are recorded, files per second;
//  4. `prov status` over 50 watchers (50 volume leases with fresh heartbeats): seconds for
//     the whole command, median of 5;
//  5. a revoke reaching the gate: R approved GenAI files allowed in deliverables under one
//     `prov watch`; each revoked by another process (`prov revoke`), seconds from the revoke's
//     commit (the command's exit) until the gate has taken the file out (median, p95, max).
//     Issue 16 asks for "within a second".
// PostgreSQL is a throwaway cluster (scripts/pg-cluster.ts: initdb in a temp folder, a
// loopback port; fsync off, so its figures are an upper bound for a server whose WAL is
// on a real disk). Prints figures, never asserts them.
// Usage: node dist/bench/facility.js [--files 400] [--genai 20] [--per-watcher 150] [--revokes 10] [--json]

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { postgresAvailable, startPostgres, type PgCluster } from "../scripts/pg-cluster.js";
import { cleanJpeg, genaiFile } from "./genai-files.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cli = path.join(root, "dist/src/cli.js");
const { values: opts } = parseArgs({
  options: {
    files: { type: "string", default: "400" },
    genai: { type: "string", default: "20" },
    "per-watcher": { type: "string", default: "150" },
    revokes: { type: "string", default: "10" },
    json: { type: "boolean", default: false },
  },
});
const FILES = Number(opts.files);
const GENAI = Number(opts.genai);
const PER_WATCHER = Number(opts["per-watcher"]);
const REVOKES = Number(opts.revokes);
const say = (s: string): void => void process.stderr.write(`[bench facility] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Engine = "sqlite" | "postgres";
interface Target {
  engine: Engine;
  /** The database setting: a file path, or a URL without password. */
  database: (tag: string) => Promise<string>;
  env: Record<string, string>;
  count: (database: string, sql: string) => Promise<number>;
  exec: (database: string, sql: string, values?: unknown[]) => Promise<void>;
}

function prov(cwd: string, env: Record<string, string>, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(r: ReturnType<typeof prov>, what: string): ReturnType<typeof prov> {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return r;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

/** Seconds from `t0` until the gate has taken `p` out of deliverables. */
async function secondsUntilGone(p: string, t0: number): Promise<number> {
  while (existsSync(p)) await sleep(5);
  return (performance.now() - t0) / 1000;
}

/** Latencies as the bench prints them. */
const spread = (lat: number[]): { files: number; median: number; p95: number; max: number } => ({ files: lat.length, median: pct(lat, 50), p95: pct(lat, 95), max: Math.max(...lat) });

/** A seed per file name: every still of the run is different content. */
const seedOf = (s: string): number => createHash("sha256").update(s).digest().readUInt32BE(0);

async function makeFiles(dir: string, n: number, genaiEvery: number, tag: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    if (genaiEvery > 0 && i % genaiEvery === 0) {
      const g = genaiFile(i, tag);
      writeFileSync(path.join(dir, g.name), g.bytes);
    } else writeFileSync(path.join(dir, `still_${tag}_${i}.jpg`), await cleanJpeg(seedOf(`${tag}/${i}`)));
  }
}

function startWatch(cwd: string, env: Record<string, string>, watchArgs: string[]): ChildProcess {
  return spawn(process.execPath, [cli, "-q", "--config", path.join(cwd, "prov.config.json"), "watch", ...watchArgs], { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(30_000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

async function waitReady(cwd: string, env: Record<string, string>, volume = ""): Promise<void> {
  for (;;) {
    const r = prov(cwd, env, "--config", path.join(cwd, "prov.config.json"), "--json", "status");
    if (r.code === 0) {
      const s = JSON.parse(r.stdout) as { ready?: boolean; watchers?: Array<{ volume: string; ready: boolean; running: boolean }> };
      if (volume === "" ? s.ready : s.watchers?.some((w) => w.volume === volume && w.ready && w.running)) return;
    }
    await sleep(200);
  }
}

// ------------------------------------------------------------------ 1. ingest

async function ingest(t: Target): Promise<{ files: number; seconds: number; perSecond: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), `prov-bench-facility-ingest-${t.engine}-`));
  try {
    await makeFiles(path.join(dir, "edit"), FILES, 10, `ingest-${t.engine}`);
    const db = await t.database("ingest");
    const started = performance.now();
    must(prov(dir, t.env, "--db", db, "-q", "scan", "edit"), `prov scan on ${t.engine}`);
    const seconds = (performance.now() - started) / 1000;
    return { files: FILES, seconds, perSecond: FILES / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 2. gate latency

async function gateLatency(t: Target): Promise<{ files: number; median: number; p95: number; max: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), `prov-bench-facility-gate-${t.engine}-`));
  let child: ChildProcess | null = null;
  try {
    for (const d of ["deliverables", "quarantine"]) mkdirSync(path.join(dir, d));
    const db = await t.database("gate");
    must(prov(dir, t.env, "init", "--database", db, "--deliverables", "deliverables", "--quarantine", "quarantine"), `prov init on ${t.engine}`);
    child = startWatch(dir, t.env, []);
    await waitReady(dir, t.env);
    const lat: number[] = [];
    for (let i = 0; i < GENAI; i++) {
      const g = genaiFile(i, `gate-${t.engine}`);
      const p = path.join(dir, "deliverables", g.name);
      const t0 = performance.now();
      writeFileSync(p, g.bytes);
      lat.push(await secondsUntilGone(p, t0));
    }
    return spread(lat);
  } finally {
    if (child) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 5. a revoke reaching the gate

async function revokeLatency(t: Target): Promise<{ files: number; median: number; p95: number; max: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), `prov-bench-facility-revoke-${t.engine}-`));
  let child: ChildProcess | null = null;
  try {
    for (const d of ["edit", "deliverables", "quarantine"]) mkdirSync(path.join(dir, d));
    const db = await t.database("revoke");
    must(prov(dir, t.env, "init", "--database", db, "--deliverables", "deliverables", "--quarantine", "quarantine"), `prov init on ${t.engine}`);
    const files = Array.from({ length: REVOKES }, (_, i) => genaiFile(i, `revoke-${t.engine}`));
    for (const g of files) writeFileSync(path.join(dir, "edit", g.name), g.bytes);
    must(prov(dir, t.env, "-q", "scan", "edit"), `prov scan on ${t.engine}`);
    const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");
    for (const g of files) must(prov(dir, t.env, "-q", "approve", sha(g.bytes), "--by", "bench", "--ref", "BENCH-1"), "prov approve");
    child = startWatch(dir, t.env, []);
    await waitReady(dir, t.env);
    for (const g of files) writeFileSync(path.join(dir, "deliverables", g.name), g.bytes);
    // Every delivery judged (recorded, allowed: approved) before the first revoke.
    for (const g of files) {
      for (;;) {
        const r = prov(dir, t.env, "--json", "show", path.join("deliverables", g.name));
        if (r.code === 0 && (JSON.parse(r.stdout) as { recorded?: boolean }).recorded === true) break;
        await sleep(100);
      }
    }
    // Settled deliveries, as the case is (a file delivered earlier, revoked later): a
    // file younger than the gate's stability window (2 s by default) is judged once it is
    // quiet, which would time the window, not the revoke.
    await sleep(2500);
    const lat: number[] = [];
    for (const g of files) {
      const p = path.join(dir, "deliverables", g.name);
      if (!existsSync(p)) throw new Error(`${p} left deliverables before it was revoked`);
      must(prov(dir, t.env, "-q", "revoke", sha(g.bytes), "--by", "bench", "--note", "bench"), "prov revoke");
      lat.push(await secondsUntilGone(p, performance.now()));
    }
    return spread(lat);
  } finally {
    if (child) await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 3. four watchers at once

async function fourWatchers(t: Target): Promise<{ files: number; seconds: number; perSecond: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), `prov-bench-facility-four-${t.engine}-`));
  const children: ChildProcess[] = [];
  try {
    const db = await t.database("four");
    const volumes = ["V1", "V2", "V3", "V4"];
    const staged: string[] = [];
    for (const v of volumes) {
      const host = path.join(dir, v);
      const mount = path.join(host, "storage");
      mkdirSync(path.join(mount, "edit"), { recursive: true });
      writeFileSync(path.join(host, "prov.config.json"), JSON.stringify({ database: db, volumes: { [v]: { mount } }, roots: { working: [path.join(mount, "edit")] } }));
      must(prov(host, t.env, "--config", path.join(host, "prov.config.json"), "volume", "init", v, mount), `prov volume init ${v}`);
      const stage = path.join(host, "stage");
      await makeFiles(stage, PER_WATCHER, 10, `four-${t.engine}-${v}`);
      staged.push(stage);
    }
    for (const v of volumes) children.push(startWatch(path.join(dir, v), t.env, ["--volume", v]));
    await Promise.all(volumes.map((v) => waitReady(path.join(dir, v), t.env, v)));
    const before = await t.count(db, "SELECT count(*) AS n FROM assets");
    const started = performance.now();
    // Each volume's files appear at once (a rename of a folder into the watched root).
    for (const [i, v] of volumes.entries()) spawnSync("mv", [staged[i]!, path.join(dir, v, "storage", "edit", "drop")]);
    const want = before + volumes.length * PER_WATCHER;
    for (const deadline = Date.now() + 600_000; (await t.count(db, "SELECT count(*) AS n FROM assets")) < want; await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`4 watchers: ${await t.count(db, "SELECT count(*) AS n FROM assets")} of ${want} assets recorded after 600 s`);
    }
    const seconds = (performance.now() - started) / 1000;
    return { files: volumes.length * PER_WATCHER, seconds, perSecond: (volumes.length * PER_WATCHER) / seconds };
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ 4. status over 50 watchers

async function status50(t: Target): Promise<{ watchers: number; median: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), `prov-bench-facility-status-${t.engine}-`));
  try {
    const db = await t.database("status");
    must(prov(dir, t.env, "init", "--database", db), `prov init on ${t.engine}`);
    const now = new Date().toISOString();
    for (let i = 0; i < 50; i++) {
      const state = JSON.stringify({ roots: [{ root: `V${i}:/deliverables`, role: "deliverables", mode: "events", backend: "dirs", lastReconcile: now, reconciling: false }], queue: { gate: 0, ingest: 0 } });
      await t.exec(db, "INSERT INTO watcher (id, volume, pid, host, started_at, heartbeat_at, stopped_at, ready, state, token) VALUES ($1, $2, $3, $4, $5, $6, NULL, 1, $7, $8)", [i + 2, `V${i}`, 100_000 + i, `host-${i}`, now, now, state, `token-${i}`]);
    }
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      must(prov(dir, t.env, "--json", "status"), "prov status");
      times.push((performance.now() - t0) / 1000);
    }
    return { watchers: 50, median: pct(times, 50) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ run

function sqliteTarget(base: string): Target {
  return {
    engine: "sqlite",
    database: async (tag) => path.join(base, `${tag}.db`),
    env: {},
    count: async (db, sql) => {
      const d = new Database(db, { readonly: true, fileMustExist: true });
      try {
        d.pragma("busy_timeout = 5000");
        return (d.prepare(sql).get() as { n: number }).n;
      } finally {
        d.close();
      }
    },
    exec: async (db, sql, values = []) => {
      const d = new Database(db);
      try {
        d.prepare(sql.replace(/\$\d+/g, "?")).run(...values);
      } finally {
        d.close();
      }
    },
  };
}

function pgTarget(cluster: PgCluster): Target {
  const q = async (url: string, sql: string, values: unknown[] = []) => {
    const u = new URL(url);
    u.password = cluster.password;
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    try {
      return await c.query(sql, values);
    } finally {
      await c.end();
    }
  };
  return {
    engine: "postgres",
    database: async (tag) => cluster.url(await cluster.createDatabase(`bench_${tag}`)),
    env: { PGPASSWORD: cluster.password },
    count: async (url, sql) => Number((await q(url, sql)).rows[0]?.n ?? 0),
    exec: async (url, sql, values) => void (await q(url, sql, values)),
  };
}

async function main(): Promise<void> {
  if (!postgresAvailable()) {
    say("PostgreSQL server binaries not found (apt-get install postgresql): the facility bench needs them; skipped");
    return;
  }
  say(`${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}; starting a throwaway PostgreSQL cluster`);
  const cluster = await startPostgres();
  const base = mkdtempSync(path.join(tmpdir(), "prov-bench-facility-"));
  const targets = [sqliteTarget(base), pgTarget(cluster)];
  const out: Record<string, Record<string, unknown>> = {};
  try {
    for (const t of targets) {
      say(`${t.engine}: ingest of ${FILES} stills`);
      const i = await ingest(t);
      say(`${t.engine}: gate latency over ${GENAI} GenAI files`);
      const g = await gateLatency(t);
      say(`${t.engine}: 4 watchers × ${PER_WATCHER} files`);
      const f = await fourWatchers(t);
      say(`${t.engine}: prov status over 50 watchers`);
      const s = await status50(t);
      say(`${t.engine}: ${REVOKES} revokes reaching the gate`);
      const r = await revokeLatency(t);
      out[t.engine] = { ingest: i, gate: g, fourWatchers: f, status50: s, revoke: r };
    }
  } finally {
    await cluster.stop();
    rmSync(base, { recursive: true, force: true });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return;
  }
  const row = (label: string, f: (r: Record<string, any>) => string): string => `  ${label.padEnd(44)} ${targets.map((t) => f(out[t.engine]!).padStart(16)).join("")}`;
  process.stdout.write(
    [
      "",
      `facility: SQLite beside PostgreSQL (${cpus().length} cores; PostgreSQL on loopback, fsync off)`,
      `  ${"".padEnd(44)} ${"SQLite".padStart(16)}${"PostgreSQL".padStart(16)}`,
      row(`ingest, prov scan of ${FILES} new stills`, (r) => `${r["ingest"].perSecond.toFixed(0)} files/s`),
      row(`gate latency, ${GENAI} GenAI files: median`, (r) => `${r["gate"].median.toFixed(2)} s`),
      row("  p95", (r) => `${r["gate"].p95.toFixed(2)} s`),
      row("  max", (r) => `${r["gate"].max.toFixed(2)} s`),
      row(`4 watchers at once, ${4 * PER_WATCHER} files`, (r) => `${r["fourWatchers"].perSecond.toFixed(0)} files/s`),
      row("prov status over 50 watchers (median of 5)", (r) => `${r["status50"].median.toFixed(2)} s`),
      row(`revoke to file out of deliverables, ${REVOKES}: median`, (r) => `${r["revoke"].median.toFixed(2)} s`),
      row("  p95", (r) => `${r["revoke"].p95.toFixed(2)} s`),
      row("  max (issue 16: within a second)", (r) => `${r["revoke"].max.toFixed(2)} s`),
      "",
    ].join("\n"),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench facility] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
