// `npm run bench` (start-up part): wall time from spawn to exit of quick prov commands, next
// to bare Node (`node -e 0`) in the same run. Goal (issue 12): any command starts within
// 0.2 s (before: 0.47 s against 0.12 s for bare Node), by loading modules when used.
// Prints figures, never asserts them.
// Usage: node dist/bench/startup.js [--runs 15] [--json]

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const cli = path.join(root, "dist/src/cli.js");
const { values: opts } = parseArgs({ options: { runs: { type: "string", default: "15" }, json: { type: "boolean", default: false } } });
const RUNS = Number(opts.runs);
const GOAL_SECONDS = 0.2;

function time(args: readonly string[], cwd: string): { seconds: number; code: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, stdio: "ignore" });
  return { seconds: (performance.now() - t0) / 1000, code: r.status };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

function main(): void {
  const ws = mkdtempSync(path.join(tmpdir(), "prov-bench-startup-"));
  try {
    for (const d of ["edit", "deliverables", "quarantine"]) mkdirSync(path.join(ws, d));
    const init = spawnSync(process.execPath, [cli, "init", "--working", "edit", "--deliverables", "deliverables", "--quarantine", "quarantine"], { cwd: ws });
    if (init.status !== 0) throw new Error(`prov init failed: ${init.stderr.toString()}`);
    const cases: Array<{ what: string; args: string[] }> = [
      { what: "node -e 0 (bare Node)", args: ["-e", "0"] },
      { what: "prov --version", args: [cli, "--version"] },
      { what: "prov --help", args: [cli, "--help"] },
      { what: "prov scan --help", args: [cli, "scan", "--help"] },
      { what: "prov status", args: [cli, "status"] },
      { what: "prov quarantine ls", args: [cli, "quarantine", "ls"] },
      { what: "prov show (no such file)", args: [cli, "show", "nothere.jpg"] },
    ];
    const runs = new Map(cases.map((c) => [c.what, [] as number[]]));
    const codes = new Map<string, number | null>();
    // Interleaved, after one warm-up round, so a busy moment hits every case alike.
    for (let r = -1; r < RUNS; r++) {
      for (const c of cases) {
        const t = time(c.args, ws);
        codes.set(c.what, t.code);
        if (r >= 0) runs.get(c.what)!.push(t.seconds);
      }
    }
    const rows = cases.map((c) => ({ what: c.what, medianSeconds: median(runs.get(c.what)!), exitCode: codes.get(c.what) ?? null }));
    const bare = rows[0]!.medianSeconds;
    const worst = Math.max(...rows.slice(1).map((r) => r.medianSeconds));
    const machine = `${cpus().length} cores, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`;
    if (opts.json) {
      process.stdout.write(JSON.stringify({ machine, runs: RUNS, rows, goalSeconds: GOAL_SECONDS }, null, 2) + "\n");
      return;
    }
    const lines = [`machine: ${machine}`, `start-up, spawn to exit (median of ${RUNS}, interleaved)`, "  what                           seconds   above bare Node   exit"];
    for (const r of rows) lines.push(`  ${r.what.padEnd(30)} ${r.medianSeconds.toFixed(3).padStart(7)}   ${(r.medianSeconds - bare).toFixed(3).padStart(15)}   ${String(r.exitCode).padStart(4)}`);
    lines.push(`  slowest prov command ${worst.toFixed(3)} s; goal within ${GOAL_SECONDS} s: ${worst <= GOAL_SECONDS ? "met" : "NOT met"}   (before: 0.47 s against 0.12 s for bare Node)`);
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
}

main();
