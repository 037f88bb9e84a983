// Run a child process, time it (wall clock, spawn to exit) and sample its memory from
// /proc: needs nothing installed and sees the child's own children too (prov's ExifTool
// processes), which `/usr/bin/time -f %M` would not add up.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";

const SAMPLE_MS = 50;

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes: "ignore" is /dev/null, "capture" keeps it, a path writes a file. */
  stdout: "ignore" | "capture" | { file: string };
}

export interface RunResult {
  seconds: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak RSS (VmHWM) of the child itself, KiB; null where /proc is not available. */
  peakRssKiB: number | null;
  /** Largest sampled sum of VmRSS over the child and all its descendants, KiB. */
  peakTreeRssKiB: number | null;
}

let current: ChildProcess | null = null;

/** For the Ctrl-C handler: stop the child that is running now, and wait (briefly) until it has. */
export async function stopCurrent(timeoutMs = 3000): Promise<void> {
  const child = current;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
}

export async function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const outFd = typeof opts.stdout === "object" ? openSync(opts.stdout.file, "w") : null;
  const stdout = outFd ?? (opts.stdout === "capture" ? "pipe" : "ignore");
  const started = performance.now();
  const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", stdout, "pipe"] });
  current = child;
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (err += s));

  const sampler = child.pid !== undefined ? new RssSampler(child.pid) : null;
  sampler?.sample();
  const timer = setInterval(() => sampler?.sample(), SAMPLE_MS);
  try {
    const { code, signal, seconds } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; seconds: number }>((resolve, reject) => {
      let seconds = 0;
      child.once("error", reject);
      // Time at "exit" (the process is gone); collect output at "close" (its pipes are drained).
      child.once("exit", () => (seconds = (performance.now() - started) / 1000));
      child.once("close", (code, signal) => resolve({ code, signal, seconds }));
    });
    return { seconds, code, signal, stdout: out, stderr: err, peakRssKiB: sampler?.peakRoot ?? null, peakTreeRssKiB: sampler?.peakTree ?? null };
  } finally {
    clearInterval(timer);
    if (outFd !== null) closeSync(outFd);
    if (current === child) current = null;
  }
}

/** Peak memory by polling; a peak shorter than the sampling interval can be missed (VmHWM of the root cannot). */
export class RssSampler {
  peakRoot: number | null = null;
  peakTree: number | null = null;

  constructor(private readonly pid: number) {}

  sample(): void {
    const hwm = statusKiB(this.pid, "VmHWM");
    if (hwm === null) return;
    this.peakRoot = Math.max(this.peakRoot ?? 0, hwm);
    let sum = statusKiB(this.pid, "VmRSS") ?? 0;
    for (const d of descendants(this.pid)) sum += statusKiB(d, "VmRSS") ?? 0;
    this.peakTree = Math.max(this.peakTree ?? 0, sum);
  }
}

function statusKiB(pid: number, field: "VmHWM" | "VmRSS"): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null; // not Linux, or the process is gone
  }
}

/** Children are listed per thread (/proc/PID/task/TID/children); walk them all, recursively. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop()!;
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      let text = "";
      try {
        text = readFileSync(`/proc/${p}/task/${tid}/children`, "utf8");
      } catch {
        continue;
      }
      for (const c of text.split(" ")) {
        const n = Number(c);
        if (c.trim() !== "" && Number.isInteger(n)) {
          out.push(n);
          queue.push(n);
        }
      }
    }
  }
  return out;
}
