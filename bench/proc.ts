// Run a child process, time it (wall clock, spawn to exit) and sample it from /proc every
// 50 ms: peak memory and CPU time of the child and of its own children (prov's ExifTool
// processes, which `/usr/bin/time -f %M` would not add up), and how busy the rest of the
// machine was meanwhile (on a shared machine that explains outliers). Needs nothing
// installed; where /proc is missing those figures are null.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";

const SAMPLE_MS = 50;
/** USER_HZ: the unit of /proc CPU times. 100 on every Linux architecture Node runs on. */
const TICKS = 100;

export interface Usage {
  seconds: number;
  /** Peak RSS (VmHWM) of the measured process, KiB. */
  peakRssKiB: number | null;
  /** Largest sampled sum of VmRSS over the process and all its descendants, KiB. */
  peakTreeRssKiB: number | null;
  /** CPU (user + system) of the process itself, and of its descendants, seconds. */
  cpuSelf: number | null;
  cpuChildren: number | null;
  /** CPU used by everything else on the machine meanwhile, in cores (0.5 = half a core). */
  otherLoadCores: number | null;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes: "ignore" is /dev/null, "capture" keeps it, a path writes a file. */
  stdout: "ignore" | "capture" | { file: string };
}

export interface RunResult extends Usage {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
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
  const machineBefore = machineTicks();
  const started = performance.now();
  const child = spawn(cmd, [...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", stdout, "pipe"] });
  current = child;
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (out += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (err += s));

  const sampler = child.pid !== undefined ? new Sampler(child.pid) : null;
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
    return { code, signal, stdout: out, stderr: err, ...usage(seconds, sampler, machineBefore) };
  } finally {
    clearInterval(timer);
    if (outFd !== null) closeSync(outFd);
    if (current === child) current = null;
  }
}

/**
 * Measure work done inside this process (and the children it starts meanwhile). Peak RSS
 * is left out: this process's high-water mark includes everything it did before.
 */
export async function measure<T>(fn: () => Promise<T>): Promise<{ value: T; usage: Usage }> {
  const machineBefore = machineTicks();
  const sampler = new Sampler(process.pid);
  sampler.sample();
  const timer = setInterval(() => sampler.sample(), SAMPLE_MS);
  const started = performance.now();
  try {
    const value = await fn();
    const seconds = (performance.now() - started) / 1000;
    sampler.sample();
    return { value, usage: { ...usage(seconds, sampler, machineBefore), peakRssKiB: null, peakTreeRssKiB: null } };
  } finally {
    clearInterval(timer);
  }
}

function usage(seconds: number, s: Sampler | null, machineBefore: number | null): Usage {
  const machineAfter = machineTicks();
  const cpuSelf = s?.cpuSelf() ?? null;
  const cpuChildren = s?.cpuChildren() ?? null;
  const otherLoadCores =
    machineBefore !== null && machineAfter !== null && cpuSelf !== null && cpuChildren !== null && seconds > 0
      ? Math.max(0, (machineAfter - machineBefore) / TICKS - cpuSelf - cpuChildren) / seconds
      : null;
  return { seconds, peakRssKiB: s?.peakRoot ?? null, peakTreeRssKiB: s?.peakTree ?? null, cpuSelf, cpuChildren, otherLoadCores };
}

/**
 * Polls a process and its descendants. A peak shorter than the interval can be missed
 * (not the root's VmHWM, which the kernel keeps), and each process's last 50 ms of CPU.
 */
class Sampler {
  peakRoot: number | null = null;
  peakTree: number | null = null;
  private rootFirstTicks: number | null = null;
  private rootTicks: number | null = null;
  /** Last seen CPU ticks of every descendant, including those that have exited since. */
  private readonly childTicks = new Map<number, number>();

  constructor(private readonly root: number) {}

  sample(): void {
    const hwm = statusKiB(this.root, "VmHWM");
    if (hwm === null) return;
    this.peakRoot = Math.max(this.peakRoot ?? 0, hwm);
    const ticks = cpuTicks(this.root);
    if (ticks !== null) {
      this.rootFirstTicks ??= ticks;
      this.rootTicks = ticks;
    }
    let rss = statusKiB(this.root, "VmRSS") ?? 0;
    for (const d of descendants(this.root)) {
      rss += statusKiB(d, "VmRSS") ?? 0;
      const t = cpuTicks(d);
      if (t !== null) this.childTicks.set(d, t);
    }
    this.peakTree = Math.max(this.peakTree ?? 0, rss);
  }

  cpuSelf(): number | null {
    return this.rootTicks === null || this.rootFirstTicks === null ? null : (this.rootTicks - this.rootFirstTicks) / TICKS;
  }

  cpuChildren(): number | null {
    if (this.rootTicks === null) return null;
    let sum = 0;
    for (const t of this.childTicks.values()) sum += t;
    return sum / TICKS;
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

/** utime + stime from /proc/PID/stat; fields are counted after the ")" that ends the command name. */
function cpuTicks(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // fields 14 and 15 of the whole line
  } catch {
    return null;
  }
}

/** Busy CPU ticks of the whole machine (user, nice, system, irq, softirq; not idle, iowait or steal). */
function machineTicks(): number | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0);
  } catch {
    return null;
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
