// Restart catch-up: what changed while the watcher was stopped is found by the start-up
// reconcile walk. New files are recorded, modified ones re-recorded, renamed ones
// followed without re-reading, deleted ones marked missing (never deleted from the
// database), and GenAI dropped into deliverables blocked. A working root that mostly
// vanishes at once looks like an unmounted share: nothing is marked missing.

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { disposeAll, ENGINE_MODES, MODES, parseJson, Sandbox, sha256, uniqueGenaiPng, uniquePng, waitBlocked, waitFor, write } from "./helpers.js";

afterAll(disposeAll);

interface F {
  path: string;
  data: Buffer;
}

function presentUnder(sb: Sandbox, dir: string): number {
  return sb.db.get<{ n: number }>("SELECT count(*) AS n FROM locations WHERE state = 'present' AND path LIKE ?", `${dir}/%`)!.n;
}

function workingRoot(sb: Sandbox): { suspectedUnmount: boolean; lastReconcile: string | null } | undefined {
  return sb.db.watcher()?.state.roots?.find((r) => r.role === "working");
}

// Heavy, so SQLite only (it would add a minute per run on PostgreSQL); the same catch-up
// paths run on PostgreSQL in the lighter cases below and in gate.test.ts.
describe.each(MODES)("restart catch-up (%s) [heavy: 1,000 recorded files, 1,000 changes]", (mode) => {
  it("new, modified, renamed, moved and deleted files, and GenAI dropped into deliverables while stopped", { timeout: 240_000 }, async () => {
    const sb = await Sandbox.create({ mode });
    try {
      const N = 1000;
      const files: F[] = [];
      for (let i = 0; i < N; i++) {
        const data = uniquePng(`catchup-${mode}-${i}`, i % 10 === 0); // a tenth of the working files are GenAI
        files.push({ path: write(path.join(sb.work, `shot-${String(i % 20).padStart(2, "0")}`, `frame-${i}.png`), data), data });
      }
      let w = await sb.watch();
      await waitFor(() => presentUnder(sb, sb.work) === N, () => `${N} working files to be recorded (${presentUnder(sb, sb.work)} so far)`, 120_000, 250);
      await sb.waitIdle(w);
      const eventsBefore = sb.db.get<{ n: number }>("SELECT max(id) AS n FROM events")!.n;
      await w.stop();

      // 1,000 changes while stopped.
      const added: F[] = [];
      for (let j = 0; j < 300; j++) {
        const data = uniquePng(`catchup-new-${mode}-${j}`, j % 10 === 0);
        added.push({ path: write(path.join(sb.work, "new", `n-${j}.png`), data), data });
      }
      const modified: F[] = files.slice(0, 250).map((f, k) => {
        const data = Buffer.concat([f.data, Buffer.from(`\nregraded ${k}\n`)]);
        fs.writeFileSync(f.path, data);
        return { path: f.path, data };
      });
      const renamed = files.slice(250, 500).map((f, k) => {
        const to = k % 2 === 0 ? f.path.replace(/\.png$/, "-v2.png") : path.join(sb.work, "moved", path.basename(f.path));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.renameSync(f.path, to);
        return { from: f.path, to, sha: sha256(f.data) };
      });
      const deleted = files.slice(500, 650);
      for (const f of deleted) fs.unlinkSync(f.path);
      const dropped: F[] = [];
      for (let j = 0; j < 50; j++) {
        const data = uniqueGenaiPng(`catchup-del-${mode}-${j}`);
        dropped.push({ path: write(path.join(sb.del, "reel", `gen-${j}.png`), data), data });
      }
      expect(added.length + modified.length + renamed.length + deleted.length + dropped.length).toBe(1000);

      w = await sb.watch();
      const pending = (): string[] => {
        const out: string[] = [];
        for (const f of added) if (sb.db.assetShaOfLocation(f.path) !== sha256(f.data)) out.push(`new ${f.path}`);
        for (const f of modified) if (sb.db.assetShaOfLocation(f.path) !== sha256(f.data) || sb.db.location(f.path)?.state !== "present") out.push(`modified ${f.path}`);
        for (const r of renamed) if (sb.db.assetShaOfLocation(r.to) !== r.sha || sb.db.location(r.to)?.state !== "present") out.push(`renamed ${r.to}`);
        for (const f of deleted) if (sb.db.location(f.path)?.state !== "missing") out.push(`deleted ${f.path}`);
        for (const f of dropped) if (!sb.db.movedRow(f.path, sha256(f.data))) out.push(`dropped ${f.path}`);
        return out;
      };
      await waitFor(() => pending().length === 0, () => `the catch-up to finish; ${pending().length} left, e.g. ${pending().slice(0, 5).join(", ")}`, 150_000, 500);
      await sb.waitIdle(w, 60_000);

      const after = (kind: string, p: string) => sb.db.events(kind, p).filter((e) => e.id > eventsBefore);
      // Modified: re-recorded, with a `changed` event naming the previous content.
      for (const [k, f] of modified.entries()) {
        const ev = after("changed", f.path);
        expect(ev, `a changed event for ${f.path}`).toHaveLength(1);
        expect(JSON.parse(ev[0]!.detail ?? "{}")).toMatchObject({ sha256: sha256(f.data), previous_sha256: sha256(files[k]!.data) });
      }
      // Renamed and moved: followed by inode, not re-read (no seen/changed), old path no longer present.
      for (const r of renamed) {
        const ev = after("moved", r.to);
        expect(ev.length, `a moved event for ${r.to}`).toBeGreaterThanOrEqual(1);
        expect(JSON.parse(ev.at(-1)!.detail ?? "{}")).toMatchObject({ from: r.from, to: r.to });
        expect([...after("seen", r.to), ...after("changed", r.to)], `${r.to} must not be re-read`).toEqual([]);
        expect(sb.db.location(r.from)?.state ?? "gone", `${r.from} is no longer a present location`).not.toBe("present");
      }

      // Deleted: marked missing with an event; the rows are kept.
      for (const f of deleted) {
        expect(sb.db.location(f.path)?.state).toBe("missing");
        expect(after("missing", f.path)).toHaveLength(1);
      }
      // New: recorded with a `seen` event.
      for (const f of added) expect(after("seen", f.path).length, `a seen event for ${f.path}`).toBeGreaterThanOrEqual(1);
      // Deliverables: every GenAI file blocked and byte-identical in quarantine.
      for (const f of dropped) {
        const row = await waitBlocked(sb, f.path, sha256(f.data));
        expect(fs.existsSync(f.path)).toBe(false);
        expect(sha256(row.quarantine_path)).toBe(sha256(f.data));
      }
      // Nothing was deleted from the database: 1,000 + 300 new + 250 new contents + 50 dropped.
      expect(sb.db.get<{ n: number }>("SELECT count(*) AS n FROM assets")!.n).toBe(N + 300 + 250 + 50);
      expect(sb.db.get<{ n: number }>("SELECT count(*) AS n FROM locations WHERE path LIKE ?", `${sb.work}/%`)!.n).toBe(N + 300);
      expect(workingRoot(sb)?.suspectedUnmount).toBe(false);
      // Last, as it is a finding: the history of a renamed file says it moved, not that it went missing first.
      const missingThenMoved = renamed.filter((r) => after("missing", r.from).length > 0);
      expect(missingThenMoved.length, `${missingThenMoved.length} of ${renamed.length} renamed files got a 'missing' event for their old path before the 'moved' one, e.g. ${missingThenMoved[0]?.from}`).toBe(0);
    } finally {
      await sb.dispose();
    }
  });
});

describe.each(ENGINE_MODES)("a working root that vanishes at once (%s, %s)", (engine, mode) => {
  it("is a suspected unmount: locations are not marked missing, status says so, also after a restart", { timeout: 90_000 }, async () => {
    const sb = await Sandbox.create({ engine, mode });
    try {
      const N = 200;
      for (let i = 0; i < N; i++) write(path.join(sb.work, `reel-${i % 10}`, `f-${i}.png`), uniquePng(`unmount-${mode}-${i}`, false));
      let w = await sb.watch();
      await waitFor(() => presentUnder(sb, sb.work) === N, `${N} working files to be recorded`, 60_000, 200);
      await sb.waitIdle(w);

      // 180 of 200 files vanish at once, as when a share is unmounted under the watcher.
      for (let r = 0; r < 9; r++) fs.rmSync(path.join(sb.work, `reel-${r}`), { recursive: true });
      await waitFor(() => workingRoot(sb)?.suspectedUnmount === true, "status to report a suspected unmount", 60_000);
      const st = parseJson<{ roots: Array<{ role: string; suspectedUnmount: boolean }> }>(await sb.cli(["status", "--json"]));
      expect(st.roots.find((r) => r.role === "working")?.suspectedUnmount).toBe(true);
      expect(presentUnder(sb, sb.work), "no location is marked missing").toBe(N);
      expect(sb.db.events("missing")).toEqual([]);

      // After a restart, the start-up reconcile reaches the same conclusion.
      await w.stop();
      w = await sb.watch();
      await sb.waitIdle(w);
      expect(workingRoot(sb)?.suspectedUnmount).toBe(true);
      expect(presentUnder(sb, sb.work)).toBe(N);
      expect(sb.db.events("missing")).toEqual([]);
    } finally {
      await sb.dispose();
    }
  });
  it("seen in two waves: once an unmount is suspected, a second wave under the same root is not marked missing either", { timeout: 90_000 }, async () => {
    const sb = await Sandbox.create({ engine, mode });
    try {
      const N = 200;
      for (let i = 0; i < N; i++) write(path.join(sb.work, `reel-${i % 10}`, `f-${i}.png`), uniquePng(`waves-${mode}-${i}`, false));
      const w = await sb.watch();
      await waitFor(() => presentUnder(sb, sb.work) === N, `${N} working files to be recorded`, 60_000, 200);
      await sb.waitIdle(w);
      for (let r = 0; r < 6; r++) fs.rmSync(path.join(sb.work, `reel-${r}`), { recursive: true }); // 120 of 200
      await waitFor(() => workingRoot(sb)?.suspectedUnmount === true, "status to report a suspected unmount", 60_000);
      for (let r = 6; r < 9; r++) fs.rmSync(path.join(sb.work, `reel-${r}`), { recursive: true }); // 60 more, a moment later
      await sb.waitIdle(w); // past the vanish window and a heartbeat
      expect(sb.db.events("missing").map((e) => e.path), "nothing marked missing while an unmount is suspected").toEqual([]);
      expect(presentUnder(sb, sb.work)).toBe(N);
      expect(workingRoot(sb)?.suspectedUnmount).toBe(true);
    } finally {
      await sb.dispose();
    }
  });
});

describe.each(ENGINE_MODES)("a working root while the watcher runs (%s, %s)", (engine, mode) => {
  it("new nested folders, a renamed folder, modified and deleted files are followed live", { timeout: 90_000 }, async () => {
    const sb = await Sandbox.create({ engine, mode });
    try {
      const w = await sb.watch();
      // New folders, nested, with files written at once.
      const fresh: F[] = [];
      for (let i = 0; i < 30; i++) {
        const data = uniquePng(`live-${mode}-${i}`, i % 3 === 0);
        fresh.push({ path: write(path.join(sb.work, "seq", `sh${i % 3}`, "v001", `f-${i}.png`), data), data });
      }
      await waitFor(() => fresh.every((f) => sb.db.assetShaOfLocation(f.path) === sha256(f.data)), "new nested files to be recorded", 30_000);
      await sb.waitIdle(w);
      const eventsBefore = sb.db.get<{ n: number }>("SELECT max(id) AS n FROM events")!.n;

      // A folder renamed: its 10 files are followed by inode, not re-read, not missing.
      fs.renameSync(path.join(sb.work, "seq", "sh0"), path.join(sb.work, "seq", "sh0-final"));
      const renamed = fresh.filter((f) => f.path.includes(`${path.sep}sh0${path.sep}`)).map((f) => ({ ...f, to: f.path.replace(`${path.sep}sh0${path.sep}`, `${path.sep}sh0-final${path.sep}`) }));
      // One file modified, one deleted.
      const modified = fresh.find((f) => f.path.includes(`${path.sep}sh1${path.sep}`))!;
      const regraded = Buffer.concat([modified.data, Buffer.from("regraded")]);
      fs.writeFileSync(modified.path, regraded);
      const deleted = fresh.find((f) => f.path.includes(`${path.sep}sh2${path.sep}`))!;
      fs.unlinkSync(deleted.path);

      await waitFor(
        () =>
          renamed.every((r) => sb.db.assetShaOfLocation(r.to) === sha256(r.data) && sb.db.location(r.to)?.state === "present") &&
          sb.db.assetShaOfLocation(modified.path) === sha256(regraded) &&
          sb.db.location(deleted.path)?.state === "missing",
        () => `the watcher to follow the changes (renamed: ${renamed.filter((r) => sb.db.location(r.to)?.state === "present").length}/10)`,
        30_000,
      );
      await sb.waitIdle(w);
      const after = (kind: string, p?: string) => sb.db.events(kind, p).filter((e) => e.id > eventsBefore);
      for (const r of renamed) {
        expect(after("moved", r.to).length, `moved event for ${r.to}`).toBeGreaterThanOrEqual(1);
        expect([...after("seen", r.to), ...after("changed", r.to)], `${r.to} not re-read`).toEqual([]);
      }
      expect(after("missing").map((e) => e.path), "only the deleted file is missing").toEqual([deleted.path]);
      expect(after("changed", modified.path)).toHaveLength(1);
      expect(workingRoot(sb)?.suspectedUnmount).toBe(false);
    } finally {
      await sb.dispose();
    }
  });
});
