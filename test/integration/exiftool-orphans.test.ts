// A watcher killed while ExifTool is stuck in a file must not leave that ExifTool running.
// On Linux the adapter starts ExifTool with a parent-death signal, so the kernel ends it with
// its owner; where that is not available (or for processes an older prov started), the
// adapter ends them on the next start, and never touches a process that is not its own.
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { MetadataReader } from "../../src/adapters/exiftool.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Running, not a zombie (an init that does not reap would keep those forever). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 25));
}

const EXIFTOOL_SCRIPT = createRequire(import.meta.url)("exiftool-vendored.pl") as string;

/**
 * A node process whose ExifTool is stuck opening a FIFO nobody writes to; prints the pids.
 * `reader`: the built adapter starts ExifTool, as a watcher does; `bare`: the owner spawns
 * the bundled ExifTool itself with plain spawn, as a prov before the parent-death signal did.
 */
async function ownerStuckInFifo(dir: string, how: "reader" | "bare"): Promise<{ owner: ChildProcess; pids: number[] }> {
  const fifo = path.join(dir, "stuck.jpg");
  execFileSync("mkfifo", [fifo]);
  const script =
    how === "reader"
      ? `
    import { MetadataReader } from ${JSON.stringify(path.join(ROOT, "dist/src/adapters/exiftool.js"))};
    const r = new MetadataReader({ maxProcs: 1, timeoutMs: 3_600_000 });
    const pending = r.readMany([{ path: ${JSON.stringify(fifo)}, size: 0 }]);
    const poll = setInterval(() => {
      if (r.pids().length > 0) { clearInterval(poll); console.log(JSON.stringify(r.pids())); }
    }, 20);
    await pending;`
      : `
    import { spawn } from "node:child_process";
    const et = spawn(${JSON.stringify(EXIFTOOL_SCRIPT)}, ["-stay_open", "True", "-@", "-"], { stdio: ["pipe", "ignore", "ignore"] });
    et.stdin.write(${JSON.stringify(fifo)} + "\\n-execute\\n");
    console.log(JSON.stringify([et.pid]));
    setInterval(() => {}, 1000);`;
  const owner = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(() => owner.kill("SIGKILL"));
  let out = "";
  owner.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  let exited = false;
  owner.on("exit", () => (exited = true));
  await waitFor(() => out.includes("]") || exited);
  if (exited) throw new Error(`the owner process exited before its ExifTool started; output: ${out}`);
  const pids = JSON.parse(out.trim()) as number[];
  // Only once ExifTool sits in open() of the FIFO is it stuck; before that it would see
  // its pipe close and quit by itself.
  const wchan = (pid: number): string => {
    try {
      return readFileSync(`/proc/${pid}/wchan`, "utf8");
    } catch {
      return "";
    }
  };
  await waitFor(() => pids.every((p) => wchan(p) === "wait_for_partner"));
  return { owner, pids };
}

describe("ExifTool processes left by a killed owner", () => {
  it.runIf(process.platform === "linux")("die with it (parent-death signal), stuck in a file or not", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "prov-orphans-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { owner, pids } = await ownerStuckInFifo(dir, "reader");
    expect(pids.length).toBe(1);
    cleanups.push(() => pids.forEach((p) => alive(p) && process.kill(p, "SIGKILL")));
    // Still the bundled ExifTool in place of setpriv (same pid): endOrphans would know it.
    expect(readFileSync(`/proc/${pids[0]}/cmdline`, "utf8").split("\0")).toContain("-stay_open");
    owner.kill("SIGKILL");
    await once(owner, "exit");
    // Nobody ends it but the kernel: no reader is started here.
    await waitFor(() => !alive(pids[0]!));
  });

  it("are ended by the next reader; anything else is left alone", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "prov-orphans-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { owner, pids } = await ownerStuckInFifo(dir, "bare");
    expect(pids.length).toBe(1);
    owner.kill("SIGKILL");
    await once(owner, "exit");
    // Stuck in the FIFO, it does not see its pipe close: it would run forever.
    expect(alive(pids[0]!)).toBe(true);
    cleanups.push(() => pids.forEach((p) => alive(p) && process.kill(p, "SIGKILL")));

    const stranger = spawn("sleep", ["600"], { stdio: "ignore" });
    cleanups.push(() => stranger.kill("SIGKILL"));
    const reader = new MetadataReader({ maxProcs: 1 });
    try {
      await reader.readMany([{ path: path.join(ROOT, "package.json"), size: 1 }]);
      const own = reader.pids();
      expect(own.length).toBe(1);
      const ended = reader.endOrphans([...pids, stranger.pid!, ...own, process.pid, 1]);
      expect(ended).toEqual(pids);
      await waitFor(() => !alive(pids[0]!));
      expect(alive(stranger.pid!)).toBe(true);
      expect(alive(own[0]!)).toBe(true);
      // Its own ExifTool still works.
      const [r] = await reader.readMany([{ path: path.join(ROOT, "package.json"), size: 1 }]);
      expect(r!.ok).toBe(true);
    } finally {
      await reader.end();
    }
  });
});
