// Faults of the quarantine under a running watcher (issue 13): a read-only quarantine (and
// one whose day folder cannot be created), a deliverables folder whose files can be linked
// but not removed (chattr +a), a quarantine with room for a file but not for its receipt,
// and a quarantine folder that is a symbolic link into deliverables. For each: the GenAI
// file is never lost, one row per file however long the fault lasts (no retry storm, no
// second hard link), `prov status --json` says what is stuck and why, and once the fault
// clears the file is quarantined promptly (on a probe, or on its backoff).
//
// Needs root and a kernel that lets it bind-mount, remount read-only and mount tmpfs, and
// an ext4 (or other chattr-capable) /tmp; a case whose facility is missing is skipped and
// says why.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  contentIndex,
  disposeAll,
  ENGINES,
  expectQuarantineConsistent,
  lexists,
  parseJson,
  receiptOf,
  Sandbox,
  sha256,
  uniqueGenaiPng,
  uniquePlainPng,
  waitBlocked,
  waitFor,
  type Watcher,
  write,
} from "./helpers.js";
import { missingFacility, sh } from "./facilities.js";

afterAll(disposeAll);

interface StuckEntry {
  id: number | null;
  path: string;
  state: string;
  stillPresent: boolean;
  fault: string | null;
  reason: string | null;
  attempts: number;
  nextTryAt: string | null;
}

interface Status {
  running: boolean;
  gate: { checks: number } | null;
  counts: { blocked: number; blockedStillPresent: number };
  stuck: StuckEntry[];
}

const noBind = missingFacility("bind-ro");
const noTmpfs = missingFacility("tmpfs");
const noChattr = missingFacility("chattr");
for (const [name, why] of [["read-only quarantine", noBind], ["full quarantine", noTmpfs], ["append-only deliverables", noChattr]] as const) {
  if (why) console.warn(`quarantine-faults: the ${name} case is skipped: ${why}`);
}

async function status(sb: Sandbox): Promise<Status> {
  return parseJson<Status>(await sb.cli(["status", "--json"]));
}

/** Written elsewhere and renamed in with an old mtime: quiet at once (no "still being written" hold). */
function dropQuiet(sb: Sandbox, name: string, data: Buffer): { file: string; sha: string } {
  const tmp = write(path.join(sb.scratch, name), data);
  const t = new Date(Date.now() - 600_000);
  fs.utimesSync(tmp, t, t);
  const file = path.join(sb.del, name);
  fs.renameSync(tmp, file);
  return { file, sha: sha256(data) };
}

/** Wait until `prov status --json` lists the file as stuck with at least `attempts` attempts. */
async function waitStuck(sb: Sandbox, w: Watcher, file: string, attempts: number, state = "stuck"): Promise<StuckEntry> {
  let last: StuckEntry[] = [];
  return waitFor(
    async () => {
      if (!w.alive) throw new Error(`prov watch died: ${JSON.stringify(w.exitInfo)}\n${w.stderr.slice(-4000)}`);
      last = (await status(sb)).stuck;
      return last.find((s) => s.path === file && s.state === state && s.attempts >= attempts);
    },
    () => `prov status to list ${file} as ${state} with ≥ ${attempts} attempts; rows ${JSON.stringify(sb.db.quarantineRows())}; status ${JSON.stringify(last)}\n${w.stderr.slice(-3000)}`,
    90_000,
    200,
  );
}

/** Bounded work for one file however long its fault lasted: one row, a few events, a few checks. */
function expectBounded(sb: Sandbox, file: string, st: Status): void {
  const rows = sb.db.quarantineRows().filter((r) => r.original_path === file);
  expect(rows, `one quarantine row for ${file}: ${JSON.stringify(rows)}`).toHaveLength(1);
  const events = sb.db.events(undefined, file);
  expect(events.length, `events for ${file}: ${JSON.stringify(events.map((e) => e.kind))}`).toBeLessThanOrEqual(8);
  expect(sb.db.events("quarantine-rolled-back")).toEqual([]);
  expect(st.gate?.checks ?? 0, "the gate looked at the stuck file again and again").toBeLessThanOrEqual(12);
}

describe.each(ENGINES)("quarantine faults under a running watcher (%s)", (engine) => {
  it("refuses a quarantine folder that is a symbolic link into deliverables (real paths are compared)", async () => {
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    try {
      const inside = path.join(sb.del, "q-inside");
      fs.mkdirSync(inside);
      fs.rmSync(sb.q, { recursive: true });
      fs.symlinkSync(inside, sb.q);
      const w = await sb.watch({ waitReady: false });
      const exit = await w.waitExit(60_000);
      expect(exit?.code, w.stderr).toBe(2);
      expect(w.stderr).toContain(`roots.quarantine ${sb.q} (really ${inside}) is inside the watched root ${sb.del}`);
      expect(fs.readdirSync(inside)).toEqual([]);
    } finally {
      await sb.dispose();
    }
  });

  it.skipIf(noBind !== null).each([
    ["its day folder cannot be created", false],
    ["its day folder exists", true],
  ] as const)("a read-only quarantine (%s): one stuck row with backoff, retried at once when it is writable again", async (_what, dayExists) => {
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    let mounted = false;
    try {
      if (dayExists) fs.mkdirSync(path.join(sb.q, new Date().toISOString().slice(0, 10)));
      execFileSync("mount", ["--bind", sb.q, sb.q]);
      mounted = true;
      execFileSync("mount", ["-o", "remount,ro,bind", sb.q]);
      const w = await sb.watch();
      const clean = dropQuiet(sb, "clean.png", uniquePlainPng("qf-ro-clean"));
      const gen = dropQuiet(sb, "gen.png", uniqueGenaiPng("qf-ro"));
      // Three failed attempts at 1 s, 2 s, 4 s: the fourth is due 8 s later, long after a probe (1 s) sees the fault clear.
      const stuck = await waitStuck(sb, w, gen.file, 3);
      expect(stuck.fault).toMatch(/^quarantine:(EROFS|EACCES)$/);
      expect(stuck.reason).toMatch(/read-only|cannot create the quarantine folder/i);
      expect(stuck.stillPresent).toBe(true);
      expect(sha256(gen.file), "the GenAI file stays whole in deliverables until it can be moved").toBe(gen.sha);
      expect(sha256(clean.file)).toBe(clean.sha);
      const st = await status(sb);
      expect(st.counts.blockedStillPresent).toBe(1);
      expectBounded(sb, gen.file, st);

      // Clear the fault while its next try is still ≥ 5 s away (read from the row: the CLI is slow on a busy machine).
      const next = await waitFor(
        () => {
          const r = sb.db.get<{ next_try_at: string | null }>("SELECT next_try_at FROM quarantine WHERE original_path = ? AND state = 'stuck'", gen.file);
          const at = r?.next_try_at ? Date.parse(r.next_try_at) : 0;
          return at - Date.now() >= 5000 ? at : undefined;
        },
        "the stuck file's next try to be at least 5 s away",
        90_000,
        50,
      );
      execFileSync("mount", ["-o", "remount,rw,bind", sb.q]);
      execFileSync("umount", [sb.q]);
      mounted = false;
      const row = await waitBlocked(sb, gen.file, gen.sha, 60_000);
      const movedAt = Date.parse((row as unknown as { moved_at: string }).moved_at);
      // Long before its backoff would have tried it: the probe saw the folder writable.
      if (movedAt >= next) expect.fail(`moved at ${new Date(movedAt).toISOString()}, its next try was due ${new Date(next).toISOString()}: not retried at once when the fault cleared`);
      expect(lexists(gen.file)).toBe(false);
      expect(sha256(row.quarantine_path)).toBe(gen.sha);
      expect(receiptOf(row).id).toBe(row.id);
      await waitFor(async () => (await status(sb)).stuck.length === 0, "prov status to list nothing stuck");
      expect(sb.db.quarantineRows()).toHaveLength(1);
      expect(sha256(clean.file)).toBe(clean.sha);
      expectQuarantineConsistent(sb);
      expect(w.alive).toBe(true);
    } finally {
      if (mounted) sh("umount", [sb.q]);
      await sb.dispose();
    }
  });

  it.skipIf(noChattr !== null)("an append-only deliverables folder (link works, unlink fails): no link left per attempt, one stuck row, moved once it is writable", async () => {
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    let appendOnly = false;
    try {
      const dir = path.join(sb.del, "reel1");
      fs.mkdirSync(dir);
      const w = await sb.watch();
      execFileSync("chattr", ["+a", dir]);
      appendOnly = true;
      const tmp = write(path.join(sb.scratch, "gen.png"), uniqueGenaiPng("qf-append"));
      const t = new Date(Date.now() - 600_000);
      fs.utimesSync(tmp, t, t);
      const file = path.join(dir, "gen.png");
      fs.renameSync(tmp, file);
      const sha = sha256(file);
      const stuck = await waitStuck(sb, w, file, 3);
      expect(stuck.fault).toBe("source:EPERM");
      expect(stuck.reason).toMatch(/cannot remove .*gen\.png from its folder/);
      expect(fs.statSync(file).nlink, "the half-made link in quarantine is taken back after each attempt").toBe(1);
      expect([...contentIndex(sb.q).values()].flat(), "nothing left in quarantine").toEqual([]);
      expect(sha256(file)).toBe(sha);
      expectBounded(sb, file, await status(sb));

      execFileSync("chattr", ["-a", dir]);
      appendOnly = false;
      // No cheap probe for the source side: it goes on its backoff (the 4th attempt, ≤ 8 s).
      const row = await waitBlocked(sb, file, sha, 60_000);
      expect(lexists(file)).toBe(false);
      expect(sha256(row.quarantine_path)).toBe(sha);
      expect(fs.statSync(row.quarantine_path).nlink).toBe(1);
      await waitFor(async () => (await status(sb)).stuck.length === 0, "prov status to list nothing stuck");
      expectQuarantineConsistent(sb);
      expect(w.alive).toBe(true);
    } finally {
      if (appendOnly) sh("chattr", ["-a", path.join(sb.del, "reel1")]);
      await sb.dispose();
    }
  });

  // SQLite only: the fault is made by making the database FILE immutable; a PostgreSQL
  // store has no file here to refuse writes.
  it.skipIf(noChattr !== null || engine !== "sqlite")("a database that refuses writes (chattr +i): the watcher lives and fails closed (GenAI moved out on its own labels, with a journal entry), status says so, and the moves are recorded once the database takes writes again", async () => {
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    const dbFiles = [sb.dbFile, `${sb.dbFile}-wal`];
    let immutable = false;
    try {
      const w = await sb.watch();
      const dbFilesNow = dbFiles.filter((f) => fs.existsSync(f));
      execFileSync("chattr", ["+i", ...dbFilesNow]);
      immutable = true;
      const gen = dropQuiet(sb, "gen.png", uniqueGenaiPng("qf-db"));
      const plain = dropQuiet(sb, "plain.png", uniquePlainPng("qf-db-plain"));
      const journal = path.join(sb.q, ".prov-journal");
      const entries = (): string[] => (fs.existsSync(journal) ? fs.readdirSync(journal).filter((n) => /^[0-9a-f]{12}\.json$/.test(n)) : []);
      // Without its database the gate still blocks by the file's own label: out of
      // deliverables, into quarantine, with a journal entry as its intent and receipt.
      await waitFor(
        () => {
          if (!w.alive) throw new Error(`prov watch died: ${JSON.stringify(w.exitInfo)}\n${w.stderr.slice(-4000)}`);
          const said = w.logs().some((l) => l.level === "warn" && l.msg.includes("quarantined without the database") && l.msg.includes(gen.file));
          return said && !lexists(gen.file) && entries().some((n) => JSON.parse(fs.readFileSync(path.join(journal, n), "utf8")).state === "moved");
        },
        () => `the GenAI file to be moved without the database; log:\n${w.stderr.slice(-3000)}`,
      );
      const entry = JSON.parse(fs.readFileSync(path.join(journal, entries()[0]!), "utf8")) as { original_path: string; quarantine_path: string; sha256: string; kind: string; store_error: string };
      expect(entry).toMatchObject({ original_path: gen.file, sha256: gen.sha, kind: "blocked" });
      expect(entry.store_error).toMatch(/read-?only|readonly|I\/O/i);
      expect(sha256(entry.quarantine_path)).toBe(gen.sha);
      // `prov status` says the watcher runs and that its database refuses writes (its heartbeat is in the quarantine).
      const st = await waitFor(
        async () => {
          const r = await sb.cli(["status"]);
          return /watcher: running .*DATABASE REFUSES WRITES/.test(r.stdout) ? r : null;
        },
        "prov status to say the watcher runs while its database refuses writes",
      );
      expect(st.stdout).toMatch(/1 move\(s\) made without the database/);
      // The clean file stays; the database has no row for either yet.
      expect(sha256(plain.file)).toBe(plain.sha);
      expect(sb.db.quarantineRows()).toHaveLength(0);

      execFileSync("chattr", ["-i", ...dbFilesNow]);
      immutable = false;
      // Recorded as soon as the database takes writes (the retry tick), not at the next start.
      const row = await waitFor(() => sb.db.quarantineRows().find((r) => r.original_path === gen.file && r.state === "moved"), "the move made without the database to be recorded", 90_000);
      expect(row.quarantine_path).toBe(entry.quarantine_path);
      expect(sha256(row.quarantine_path)).toBe(gen.sha);
      expect(fs.existsSync(path.join(path.dirname(row.quarantine_path), `${row.id}.receipt.json`))).toBe(true);
      await waitFor(() => entries().length === 0, "the journal entry to be removed once recorded");
      expect(sb.db.quarantineRows().filter((r) => r.original_path === gen.file)).toHaveLength(1);
      await sb.waitIdle(w);
      expect(sha256(plain.file)).toBe(plain.sha);
      expectQuarantineConsistent(sb);
      await waitFor(async () => (await status(sb)).stuck.length === 0, "prov status to list nothing stuck");
      expect(w.alive).toBe(true);
    } finally {
      if (immutable) sh("chattr", ["-i", ...dbFiles.filter((f) => fs.existsSync(f))]);
      await sb.dispose();
    }
  });

  it.skipIf(noTmpfs !== null)("a quarantine with room for the file but not its receipt (ENOSPC): the watcher lives, the move stands, the receipt follows when there is room", async () => {
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    let mounted = false;
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", sb.q]);
      mounted = true;
      // Started first: it writes its database marker into the quarantine (a page of it).
      const w = await sb.watch();
      const data = Buffer.concat([uniqueGenaiPng("qf-full"), Buffer.alloc(20_000, 7)]); // data after IEND: still the same labelled PNG
      const pages = Math.ceil(data.length / 4096) * 4096;
      // Fill the tmpfs so that exactly the file's pages are free: its copy fits, its receipt does not.
      const filler = path.join(sb.q, "filler");
      const free = Number(fs.statfsSync(sb.q).bavail) * Number(fs.statfsSync(sb.q).bsize);
      fs.writeFileSync(filler, Buffer.alloc(free - pages));
      expect(Number(fs.statfsSync(sb.q).bavail) * Number(fs.statfsSync(sb.q).bsize)).toBe(pages);
      const gen = dropQuiet(sb, "gen.png", data);
      const stuck = await waitStuck(sb, w, gen.file, 1, "moved");
      expect(stuck.fault).toBe("receipt:ENOSPC");
      expect(stuck.reason).toMatch(/receipt .* could not be written yet/);
      expect(stuck.stillPresent).toBe(false);
      // The move stands: the file is in quarantine, whole, and gone from deliverables.
      const rows = sb.db.quarantineRows();
      expect(rows).toHaveLength(1);
      expect(lexists(gen.file)).toBe(false);
      expect(sha256(rows[0]!.quarantine_path)).toBe(gen.sha);
      await waitStuck(sb, w, gen.file, 3, "moved");
      expect(w.alive, "ENOSPC writing a receipt must not end the watcher").toBe(true);
      expectBounded(sb, gen.file, await status(sb));

      fs.rmSync(filler);
      await waitFor(async () => (await status(sb)).stuck.length === 0, "prov status to list nothing stuck", 60_000);
      const row = await waitBlocked(sb, gen.file, gen.sha);
      await waitFor(() => sb.db.events("quarantine-settled", gen.file).length > 0, "the move to be verified");
      expect(receiptOf(row)).toMatchObject({ id: row.id, sha256: gen.sha, original_path: gen.file });
      expectQuarantineConsistent(sb);
      expect(w.alive).toBe(true);
    } finally {
      if (mounted) {
        for (const w of sb.watchers) await w.stop();
        sh("umount", [sb.q]);
      }
      await sb.dispose();
    }
  });
});
