// The watcher lease (watchers/lock.ts): one `prov watch` per database, even when two start
// at the same instant, and a watcher that was frozen past its heartbeat (SIGSTOP, like a
// long GC pause or a frozen VM) and lost its lease to a second one stops when it wakes up
// (exit 75) instead of running beside it. Real processes, real SQLite, temp folders; every
// wait is on what the product reports (the database row, `prov status`, logs, exit codes).

import fs from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import {
  contentIndex,
  disposeAll,
  expectBlocked,
  expectQuarantineConsistent,
  lexists,
  parseJson,
  receiptOf,
  Sandbox,
  sha256,
  sleep,
  uniqueGenaiPng,
  waitFor,
  write,
  type Watcher,
} from "./helpers.js";

/** ExitCode.lease (src/cli/exit.ts), as README's exit-code table documents it. */
const LEASE_EXIT = 75;

afterAll(disposeAll);

interface Status {
  running: boolean;
  stale: boolean;
  pid: number | null;
  host: string | null;
  leaseHolder: { pid: number; host: string } | null;
}

async function status(sb: Sandbox): Promise<Status> {
  return parseJson<Status>(await sb.cli(["status", "--json"]));
}

/**
 * SIGSTOP the watcher at a moment it holds no write lock. A process frozen in the middle
 * of a write keeps SQLite's write lock, and then nobody can write until it resumes (a new
 * watcher is refused: README, the lease); that is not the case under test. Whether it
 * holds the lock is asked of SQLite itself: BEGIN IMMEDIATE without waiting.
 */
async function freezeOutsideAWrite(sb: Sandbox, w: Watcher): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    process.kill(w.pid, "SIGSTOP");
    // Stopped for real (state T in /proc) before SQLite is asked: kill() only queues the signal.
    await waitFor(() => /^T/.test(fs.readFileSync(`/proc/${w.pid}/stat`, "utf8").split(") ").at(-1) ?? ""), `pid ${w.pid} to be stopped`, 10_000, 5);
    const probe = new Database(sb.dbFile, { timeout: 0 });
    try {
      probe.exec("BEGIN IMMEDIATE");
      probe.exec("ROLLBACK");
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
    } finally {
      probe.close();
    }
    process.kill(w.pid, "SIGCONT");
    await sleep(20); // let it finish that write (pacing the retry, not a wait for a result)
  }
  throw new Error(`prov watch (pid ${w.pid}) held the database's write lock at each of 50 attempts to freeze it`);
}

function errorLines(w: Watcher): string[] {
  return w.logs().filter((l) => l.level === "error").map((l) => l.msg);
}

describe("the watcher lease", () => {
  it("two prov watch started at the same instant on one database: exactly one runs, 10 times in a row", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true, fingerprint: false });
    try {
      for (let trial = 1; trial <= 10; trial++) {
        const a = await sb.watch({ waitReady: false });
        const b = await sb.watch({ waitReady: false });
        // One of them is refused (it exits), the other gets ready: wait for both facts.
        const loser = await waitFor(() => (!a.alive ? a : !b.alive ? b : undefined), `trial ${trial}: one of the two watchers to be refused`, 90_000);
        const winner = loser === a ? b : a;
        await sb.waitReady(winner, 90_000);
        expect(loser.exitInfo, `trial ${trial}: the refused watcher's exit; stderr:\n${loser.stderr}`).toEqual({ code: LEASE_EXIT, signal: null });
        const refused = errorLines(loser);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toContain(`another prov watch (pid ${winner.pid} on host ${hostname()}`);
        expect(refused[0]).toContain("holds the watcher lease");
        expect(winner.alive).toBe(true);
        const st = await status(sb);
        expect(st).toMatchObject({ running: true, stale: false, pid: winner.pid, leaseHolder: { pid: winner.pid, host: hostname() } });
        const stopped = await winner.stop();
        expect(stopped).toEqual({ code: 0, signal: null });
      }
    } finally {
      await sb.dispose();
    }
  }, 900_000);

  it("a watcher frozen past its heartbeat loses its lease to a second one and stops when it wakes: nothing quarantined twice, nothing lost", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true, fingerprint: false });
    const first = await sb.watch();
    try {
      const files = new Map<string, string>();
      const put = (name: string): string => {
        const data = uniqueGenaiPng(`lease-${name}`);
        const p = write(path.join(sb.del, name), data);
        files.set(p, sha256(data));
        return p;
      };
      // Before the pause: the first watcher quarantines these.
      for (const n of ["before-1.png", "before-2.png", "reel1/before-3.png"]) put(n);
      for (const [p, sha] of files) await expectBlocked(sb, p, sha);

      await freezeOutsideAWrite(sb, first);
      try {
        // Delivered while the first watcher is frozen: its inotify queue holds them too.
        for (const n of ["frozen-1.png", "frozen-2.png", "reel1/frozen-3.png"]) put(n);
        // Wait until the product says the heartbeat is stale (never a fixed sleep).
        await waitFor(async () => (await status(sb)).stale, "prov status to report the frozen watcher's heartbeat as stale", 120_000, 250);
        const frozen = await status(sb);
        expect(frozen).toMatchObject({ running: false, stale: true, pid: first.pid, leaseHolder: null });
        expect((await sb.cli(["status"])).stdout).toContain(`watcher: not responding (pid ${first.pid} on host ${hostname()}`);

        // A second watcher takes the lease over and quarantines what arrived meanwhile.
        const second = await sb.watch();
        for (const [p, sha] of files) await expectBlocked(sb, p, sha);
        // More after the take-over, still while the first is frozen: both will see these.
        for (const n of ["after-1.png", "after-2.png", "reel1/after-3.png"]) put(n);
        process.kill(first.pid, "SIGCONT");

        // The first one wakes up, finds its lease taken over, says so once and exits 75.
        const exit = await waitFor(() => first.exitInfo, () => `the first watcher to exit after SIGCONT; stderr:\n${first.stderr}`, 120_000);
        expect(exit, first.stderr).toEqual({ code: LEASE_EXIT, signal: null });
        expect(errorLines(first)).toEqual([`lost the watcher lease to pid ${second.pid} on host ${hostname()}: stopping`]);

        // Later deliveries: the second watcher still gates.
        for (const n of ["later-1.png", "reel2/later-2.png"]) put(n);
        for (const [p, sha] of files) await expectBlocked(sb, p, sha);
        await sb.waitIdle(second);

        // One quarantine row per file, all moved; one file in quarantine per content; a receipt each.
        const rows = sb.db.quarantineRows();
        for (const [p, sha] of files) {
          const mine = rows.filter((r) => r.original_path === p);
          expect(mine.map((r) => r.state), `${p}: quarantine rows`).toEqual(["moved"]);
          expect(lexists(p)).toBe(false);
          expect(receiptOf(mine[0]!).sha256).toBe(sha);
          expect(sb.db.events("quarantined", p)).toHaveLength(1);
        }
        expect(rows).toHaveLength(files.size);
        const inQuarantine = contentIndex(sb.q);
        for (const [, sha] of files) expect(inQuarantine.get(sha), `content ${sha} in quarantine`).toHaveLength(1);
        expect(fs.readdirSync(sb.del).filter((n) => !fs.statSync(path.join(sb.del, n)).isDirectory())).toEqual([]);
        expectQuarantineConsistent(sb);

        // The restart systemd makes is refused while the second watcher holds the lease.
        const restart = await sb.cli(["watch"], { timeoutMs: 90_000 });
        expect(restart.code).toBe(LEASE_EXIT);
        expect(restart.stderr).toContain(`another prov watch (pid ${second.pid} on host ${hostname()}`);
        expect(await status(sb)).toMatchObject({ running: true, stale: false, pid: second.pid, leaseHolder: { pid: second.pid } });
        expect(errorLines(second)).toEqual([]);
      } finally {
        if (first.alive) process.kill(first.pid, "SIGCONT");
      }
    } finally {
      await sb.dispose();
    }
  }, 600_000);
});
