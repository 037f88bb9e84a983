// Crash safety of quarantine moves: the watcher is killed (SIGKILL) at every step of a
// move, and at random moments during a burst; after a restart every file must exist
// exactly once (in deliverables or in quarantine, never both, never neither), quarantined
// bytes must be identical, and the database must agree with the folders.

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rng } from "../../bench/tree.js";
import { pngChunk } from "../helpers/hostile.js";
import {
  contentIndex,
  disposeAll,
  expectQuarantineConsistent,
  lexists,
  ENGINE_MODES,
  ENGINES,
  processesIn,
  Sandbox,
  sha256,
  sleep,
  uniqueGenaiPng,
  uniquePlainPng,
  waitBlocked,
  waitFor,
  write,
} from "./helpers.js";

afterAll(disposeAll);

interface Dropped {
  path: string;
  sha: string;
  genai: boolean;
}

function drop(dir: string, tag: string, genai: number, plain: number, opts: { quiet?: boolean; young?: boolean; scratch?: string } = {}): Dropped[] {
  const out: Dropped[] = [];
  const put = (name: string, data: Buffer, isGenai: boolean): void => {
    const dest = path.join(dir, name);
    if ((opts.quiet || opts.young) && opts.scratch) {
      // Written earlier elsewhere on the same filesystem, then renamed in: its mtime is old
      // (quiet), or an hour ahead (young: still "being written" however late the gate looks).
      const tmp = write(path.join(opts.scratch, `${tag}-${name}`), data);
      const t = new Date(Date.now() + (opts.young ? 3600_000 : -600_000));
      fs.utimesSync(tmp, t, t);
      fs.mkdirSync(dir, { recursive: true });
      fs.renameSync(tmp, dest);
    } else write(dest, data);
    out.push({ path: dest, sha: sha256(data), genai: isGenai });
  };
  for (let i = 0; i < genai; i++) put(`gen-${i}.png`, uniqueGenaiPng(`${tag}-g${i}`), true);
  for (let i = 0; i < plain; i++) put(`plain-${i}.png`, uniquePlainPng(`${tag}-p${i}`), false);
  return out;
}

/** Every dropped file exists exactly once, GenAI in quarantine and the rest in deliverables. */
function expectEachExactlyOnce(sb: Sandbox, files: readonly Dropped[]): void {
  const inDel = contentIndex(sb.del);
  const inQ = contentIndex(sb.q);
  for (const f of files) {
    const d = inDel.get(f.sha) ?? [];
    const q = inQ.get(f.sha) ?? [];
    expect([...d, ...q], `${path.basename(f.path)} must exist exactly once (deliverables ${JSON.stringify(d)}, quarantine ${JSON.stringify(q)})`).toHaveLength(1);
    if (f.genai) expect(q, `${path.basename(f.path)} is GenAI: in quarantine`).toHaveLength(1);
    else expect(d, `${path.basename(f.path)} is not GenAI: in deliverables`).toEqual([f.path]);
  }
}

async function expectSettled(sb: Sandbox, files: readonly Dropped[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const left = (): number => Math.max(1000, deadline - Date.now());
  try {
    for (const f of files.filter((x) => x.genai)) await waitBlocked(sb, f.path, f.sha, left());
    for (const f of files.filter((x) => !x.genai)) {
      await waitFor(() => sb.db.assetShaOfLocation(f.path) === f.sha && sb.db.location(f.path)?.state === "present", `the gate to judge ${f.path}`, left());
    }
  } catch (err) {
    const rows = sb.db.quarantineRows().map((r) => `#${r.id} ${r.state} ${path.basename(r.original_path)} → ${path.basename(r.quarantine_path)}${r.error ? ` (${r.error})` : ""}`);
    const q = [...contentIndex(sb.q).values()].flat().map((p) => path.relative(sb.q, p));
    const leftovers = files.filter((f) => lexists(f.path)).map((f) => `${path.basename(f.path)}${f.genai ? " (GenAI)" : ""}`);
    throw new Error(`${(err as Error).message}\nquarantine rows:\n  ${rows.join("\n  ")}\nin quarantine: ${q.join(", ")}\nstill in deliverables: ${leftovers.join(", ")}`);
  }
}

// Across filesystems a file is copied only once it is quiet (gate.stableSeconds): a young
// file's first attempt is deferred (row 'stuck') and the copy happens on a retry. Both
// paths are crashed: "quiet" files (mtime old: the first attempt copies) and "young" ones
// (mtime an hour ahead, so every attempt finds them young until the test, having seen the
// product report them stuck, makes them quiet; no timing window decides which path runs).
const FAILPOINTS = [
  { failpoint: "quarantine:after-plan", shm: false, young: false, left: "an intent, nothing moved" },
  { failpoint: "quarantine:after-link", shm: false, young: false, left: "the same inode under both names" },
  { failpoint: "quarantine:before-receipt", shm: false, young: false, left: "the file moved, no receipt" },
  { failpoint: "quarantine:after-plan", shm: true, young: false, left: "an intent, nothing copied" },
  { failpoint: "quarantine:after-copy", shm: true, young: false, left: "a .partial copy" },
  { failpoint: "quarantine:after-place", shm: true, young: false, left: "two copies (placed, source not unlinked)" },
  { failpoint: "quarantine:before-receipt", shm: true, young: false, left: "the file moved, no receipt" },
  { failpoint: "quarantine:after-copy", shm: true, young: true, left: "a .partial copy" },
  { failpoint: "quarantine:after-place", shm: true, young: true, left: "two copies (placed, source not unlinked)" },
  { failpoint: "quarantine:before-receipt", shm: true, young: true, left: "the file moved, no receipt" },
].map((c) => ({ ...c, fs: c.shm ? `quarantine on another filesystem, ${c.young ? "young files (retried move)" : "quiet files (first attempt)"}` : "same filesystem" }));

describe.each(ENGINE_MODES)("crash at each step of a quarantine move (%s, %s)", (engine, mode) => {
  it.each(FAILPOINTS)("PROV_FAILPOINT=$failpoint, $fs: leaves $left; the restart finishes or rolls back", { timeout: 60_000 }, async ({ failpoint, shm, young }) => {
    const sb = await Sandbox.create({ engine, mode, quarantineOnShm: shm, noWorking: true });
    try {
      const w1 = await sb.watch({ env: { PROV_FAILPOINT: failpoint } });
      const files = drop(path.join(sb.del, "drop"), `${failpoint}-${shm}-${young}-${mode}`, 4, 2, { quiet: shm && !young, young: shm && young, scratch: sb.scratch });
      if (young) {
        // The gate reports each GenAI file blocked but still present (too young to copy);
        // then they become quiet and the retry copies: the crash happens in the retry.
        const genai = files.filter((f) => f.genai);
        await waitFor(
          () => genai.every((f) => sb.db.quarantineRows().some((r) => r.original_path === f.path && r.state === "stuck")),
          () => `every GenAI file to be reported blocked but still present; rows: ${JSON.stringify(sb.db.quarantineRows().map((r) => [r.state, path.basename(r.original_path)]))}`,
        );
        const old = new Date(Date.now() - 600_000);
        for (const f of files) fs.utimesSync(f.path, old, old);
      }
      const exit = await w1.waitExit(60_000);
      expect(exit, `the failpoint kills the watcher (stderr: ${w1.stderr})`).toEqual({ code: null, signal: "SIGKILL" });

      // What the crash left behind, as the failpoint promises.
      const planned = sb.db.quarantineRows().filter((r) => r.state === "planned" || r.state === "stuck");
      expect(planned.length, "an intent is left planned (or waiting to be retried)").toBeGreaterThanOrEqual(1);
      // Moves run concurrently: the one the failpoint stopped is the one in its state (others
      // may be a step behind, never ahead, since the first to reach the failpoint kills).
      const srcOf = (r: (typeof planned)[number]): string => r.original_path;
      const inState = (r: (typeof planned)[number]): boolean => {
        switch (failpoint) {
          case "quarantine:after-link":
            return lexists(r.quarantine_path) && lexists(srcOf(r)) && fs.statSync(r.quarantine_path).ino === fs.statSync(srcOf(r)).ino;
          case "quarantine:after-copy":
            return lexists(`${r.quarantine_path}.partial`);
          case "quarantine:after-place":
            return lexists(r.quarantine_path) && lexists(srcOf(r));
          case "quarantine:before-receipt":
            return lexists(r.quarantine_path) && !lexists(srcOf(r));
          default:
            return true;
        }
      };
      const row = planned.find(inState);
      expect(row, `a move in the failpoint's state; rows: ${JSON.stringify(planned.map((r) => [r.id, r.state, lexists(r.quarantine_path), lexists(r.original_path)]))}`).toBeDefined();
      if (!row) return;
      if (shm && failpoint !== "quarantine:after-plan") expect(row.state, "the move that crashed was a first attempt (quiet) or a retry (young)").toBe(young ? "stuck" : "planned");
      const src = files.find((f) => f.path === row.original_path)!;
      switch (failpoint) {
        case "quarantine:after-plan":
          expect(planned.every((r) => !lexists(r.quarantine_path))).toBe(true);
          break;
        case "quarantine:after-link":
          expect(fs.statSync(row.quarantine_path).ino).toBe(fs.statSync(src.path).ino);
          break;
        case "quarantine:after-copy":
          expect(lexists(`${row.quarantine_path}.partial`)).toBe(true);
          expect(lexists(src.path)).toBe(true);
          break;
        case "quarantine:after-place":
          expect(sha256(row.quarantine_path)).toBe(src.sha);
          expect(sha256(src.path)).toBe(src.sha);
          break;
        case "quarantine:before-receipt":
          expect(lexists(src.path)).toBe(false);
          expect(sha256(row.quarantine_path)).toBe(src.sha);
          expect(lexists(path.join(path.dirname(row.quarantine_path), `${row.id}.receipt.json`))).toBe(false);
          break;
      }

      // Restart without the failpoint: recovery, then the catch-up reconcile.
      const w2 = await sb.watch();
      await expectSettled(sb, files, 60_000);
      expectEachExactlyOnce(sb, files);
      expectQuarantineConsistent(sb);
      const recovered = [...sb.db.events("quarantined"), ...sb.db.events("quarantine-rolled-back")].filter(
        (e) => JSON.parse(e.detail ?? "{}").quarantine_id === row.id,
      );
      // A planned move interrupted before placing is rolled back (and judged again). A move
      // that was already being retried (row 'stuck') stays stuck and the retry completes it.
      const wasRetrying = row.state === "stuck";
      const rolledBack = !wasRetrying && (failpoint.endsWith("after-plan") || failpoint.endsWith("after-copy"));
      expect(recovered.map((e) => e.kind)).toContain(rolledBack ? "quarantine-rolled-back" : "quarantined");
      if (!rolledBack && !failpoint.endsWith("after-copy")) {
        expect(JSON.parse(recovered.find((e) => e.kind === "quarantined")!.detail ?? "{}").recovered).toBe(true);
      }
      expect(w2.alive).toBe(true);
    } finally {
      await sb.dispose();
    }
  });
});


describe.each(ENGINE_MODES)("kill -9 at random moments during a burst of 50 moves (%s, %s)", (engine, mode) => {
  it("every file exists exactly once after each restart; the database agrees", async () => {
    const seed = Number(process.env["PROV_TEST_SEED"] ?? Date.now() % 1_000_000);
    const random = rng(seed); // seeded, so a failing run can be repeated (PROV_TEST_SEED)
    const sb = await Sandbox.create({ engine, mode, noWorking: true });
    const log: string[] = [];
    try {
      let w = await sb.watch();
      const all: Dropped[] = [];
      // Iteration 0 kills right after the drop; the others once a random number of the
      // 50 moves has started, plus a random few milliseconds.
      const iterations = [0, 1, 2, 3];
      let midBurst = 0;
      for (const i of iterations) {
        const files = drop(path.join(sb.del, `burst-${i}`), `burst-${mode}-${seed}-${i}`, 50, 3);
        all.push(...files);
        const ids = new Set(files.map((f) => f.path));
        const started = (): number => sb.db.quarantineRows().filter((r) => ids.has(r.original_path)).length;
        const target = i === 0 ? 0 : 1 + Math.floor(random() * 45);
        const jitter = Math.floor(random() * 30);
        if (target > 0) await waitFor(() => started() >= target, `${target} moves to start`, 30_000, 5);
        await sleep(jitter); // the random moment itself
        const rowsNow = sb.db.quarantineRows().filter((r) => ids.has(r.original_path));
        const moved = rowsNow.filter((r) => r.state === "moved").length;
        await w.kill9();
        log.push(`iteration ${i}: killed after ${target} moves started + ${jitter} ms (${rowsNow.length}/50 started, ${moved}/50 moved)`);
        // Mid-burst: some moves begun (planned, or done), not all done. (On PostgreSQL a kill
        // often lands between a move's plan and its completion: that counts too.)
        if (rowsNow.length > 0 && moved < 50) midBurst++;
        w = await sb.watch();
        await expectSettled(sb, files);
        expectEachExactlyOnce(sb, all);
        expectQuarantineConsistent(sb);
      }
      console.log(`kill -9 (${mode}), PROV_TEST_SEED=${seed}:\n  ${log.join("\n  ")}`);
      expect(midBurst, `at least one kill must land mid-burst (${log.join("; ")})`).toBeGreaterThan(0);
      await w.stop();
    } catch (err) {
      throw new Error(`PROV_TEST_SEED=${seed}; ${log.join("; ")}\n${(err as Error).message}`, { cause: err });
    } finally {
      await sb.dispose();
    }
  });
});

describe.each(ENGINES)("what a killed watcher leaves running (%s)", (engine) => {
  // ExifTool's -stay_open loop would keep waiting on the closed pipe of a SIGKILLed parent;
  // started with a parent-death signal it dies with the watcher, before any restart.
  it("after kill -9 of prov watch, its ExifTool processes die with it", async () => {
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    try {
      const w = await sb.watch();
      const data = uniqueGenaiPng("leak");
      const f = write(path.join(sb.del, "leak.png"), data);
      await waitBlocked(sb, f, sha256(data)); // ExifTool has been started and used
      const before = processesIn(sb.dir).filter((p) => p !== w.pid);
      expect(before.length, "ExifTool processes while the watcher runs").toBeGreaterThan(0);
      await w.kill9();
      await waitFor(() => before.every((p) => !fs.existsSync(`/proc/${p}`)), () => `the killed watcher's ExifTool processes to end; still running: ${before.filter((p) => fs.existsSync(`/proc/${p}`)).join(", ")}`);
      const w2 = await sb.watch();
      const again = uniqueGenaiPng("leak-again");
      await waitBlocked(sb, write(path.join(sb.del, "again.png"), again), sha256(again));
      await w2.stop();
    } finally {
      await sb.dispose();
    }
  });
});

/** A labelled GenAI PNG of about `mb` MiB: a private ancillary chunk of unique bytes before IEND. */
function bigGenaiPng(seed: string, mb: number): Buffer {
  const png = uniqueGenaiPng(seed);
  const iend = png.length - 12;
  const body = Buffer.alloc(mb * 1024 * 1024);
  for (let i = 0; i < body.length; i += 32) createHash("sha256").update(`${seed}:${i}`).digest().copy(body, i);
  return Buffer.concat([png.subarray(0, iend), pngChunk("prVt", body), png.subarray(iend)]);
}

describe.each(ENGINES)("kill -9 while large files are copied to a quarantine on another filesystem (%s)", (engine) => {
  it("the restart rolls back every half-made copy before it reports ready, then moves each file once", { timeout: 180_000 }, async () => {
    const sb = await Sandbox.create({ engine, mode: "events", quarantineOnShm: true, noWorking: true });
    try {
      const w1 = await sb.watch({ env: { PROV_FAILPOINT: "quarantine:mid-copy" } });
      const files: Dropped[] = [];
      for (let i = 0; i < 3; i++) {
        const data = bigGenaiPng(`big-${i}`, 24);
        const t = new Date(Date.now() - 600_000); // quiet: the first attempt copies
        const tmp = write(path.join(sb.scratch, `big-${i}.png`), data);
        fs.utimesSync(tmp, t, t);
        const dest = path.join(sb.del, "renders", `big-${i}.png`);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.renameSync(tmp, dest);
        files.push({ path: dest, sha: sha256(data), genai: true });
      }
      const exit = await w1.waitExit(120_000);
      expect(exit, `the failpoint kills the watcher halfway through a copy (stderr: ${w1.stderr})`).toEqual({ code: null, signal: "SIGKILL" });
      const partials = [...contentIndex(sb.q).values()].flat().filter((p) => p.endsWith(".partial"));
      const partialSizes = partials.map((p) => fs.statSync(p).size);
      expect(partialSizes.length, "a half-made copy is left in quarantine").toBeGreaterThanOrEqual(1);
      expect(partialSizes.every((n) => n > 0 && n < 24 * 1024 * 1024)).toBe(true);
      const left = sb.db.quarantineRows().filter((r) => r.state === "planned");
      expect(left.length, "the killed watcher left intents open").toBeGreaterThanOrEqual(1);

      const w2 = await sb.watch(); // returns once the watcher reports ready
      // Only the intents the killed watcher left: the new one starts its own moves at once.
      const leftIds = new Set(left.map((r) => r.id));
      const open = sb.db.quarantineRows().filter((r) => leftIds.has(r.id) && r.state === "planned");
      expect(open.map((r) => `#${r.id} ${path.basename(r.original_path)}`), `no intent is left open once the watcher is ready; log:\n${w2.stderr}`).toEqual([]);
      expect(partials.filter((p) => lexists(p)), "the half-made copies are gone").toEqual([]);
      await expectSettled(sb, files, 120_000);
      expectEachExactlyOnce(sb, files);
      expectQuarantineConsistent(sb);
      expect([...contentIndex(sb.q).values()].flat().filter((p) => p.endsWith(".partial"))).toEqual([]);
      expect(w2.alive).toBe(true);
      await w2.stop();
    } finally {
      await sb.dispose();
    }
  });
});
