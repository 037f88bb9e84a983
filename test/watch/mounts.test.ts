// Roots on shares that are unmounted and mounted again under a running `prov watch`, with
// real mounts (tmpfs and bind mounts; the tests need root and mount(8), and say so when
// they cannot run). A deliverables share remounted must be watched again at once, not at
// the next reconcile; a working share unmounted must not have its files marked missing,
// however few there are.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { missingFacility } from "./facilities.js";
import { disposeAll, ENGINE_MODES, expectBlocked, expectNoErrors, genaiPng, plateJpg, Sandbox, sha256, waitFor, write } from "./helpers.js";

afterAll(disposeAll);

const cannot = missingFacility("tmpfs");
if (cannot) console.warn(`test/watch/mounts.test.ts skipped: ${cannot}`);

interface RootStatus {
  role: string;
  unmounted: string | null;
  suspectedUnmount: boolean;
  lastReconcile: string | null;
}
const rootOf = (sb: Sandbox, role: string): RootStatus | undefined =>
  (sb.db.watcher()?.state as unknown as { roots?: RootStatus[] } | undefined)?.roots?.find((r) => r.role === role);

const mounted = new Set<string>();
const mount = (args: string[], at: string): void => {
  execFileSync("mount", [...args, at]);
  mounted.add(at);
};
const umount = (at: string): void => {
  execFileSync("umount", [at]);
  mounted.delete(at);
};
/** Cleanup: a lazy unmount never fails on a busy mount. */
const release = (at: string): void => {
  execFileSync("umount", ["-l", at]);
  mounted.delete(at);
};
/** umount as an administrator would: "target is busy" while prov still reads a file there, so again until it is not. */
const unmountWhenFree = (at: string): Promise<boolean> =>
  waitFor(
    () => {
      try {
        umount(at);
        return true;
      } catch (err) {
        if (!/target is busy/.test(String((err as { stderr?: unknown }).stderr ?? err))) throw err;
        return false;
      }
    },
    `${at} to be unmounted (not busy)`,
  );
afterAll(() => {
  for (const at of mounted) execFileSync("umount", ["-l", at]);
});

describe.skipIf(cannot !== null).each(ENGINE_MODES)("mounts under a running watcher (%s, %s) [needs root and mount(8)]", (engine, mode) => {
  it("a deliverables share unmounted and mounted again is watched again at once: GenAI copied in is blocked", async () => {
    const sb = await Sandbox.create({ engine, mode });
    try {
      mount(["-t", "tmpfs", "-o", "size=64m", "tmpfs"], sb.del);
      const w = await sb.watch();
      const plate = plateJpg(`mount-${mode}`);
      const before = write(path.join(sb.del, "plate.jpg"), plate);
      await waitFor(() => sb.db.location(before)?.state === "present", "the plate on the share to be recorded");
      await sb.waitIdle(w);

      await unmountWhenFree(sb.del);
      await waitFor(() => rootOf(sb, "deliverables")?.unmounted != null, "status to say the deliverables share is not mounted");
      mount(["-t", "tmpfs", "-o", "size=64m", "tmpfs"], sb.del);
      await waitFor(() => rootOf(sb, "deliverables")?.unmounted === null, "status to say the share is back");

      // The reconcile interval is 15 minutes: only a re-watch on the remount finds this.
      const g = genaiPng(`mount-${mode}`);
      const dg = write(path.join(sb.del, "reel", "shot.png"), g);
      await expectBlocked(sb, dg, sha256(g));
      expect(w.alive).toBe(true);
      expectNoErrors(w);
    } finally {
      if (mounted.has(sb.del)) release(sb.del);
      await sb.dispose();
    }
  });

  it("a working share of 30 files unmounted: none is marked missing, status says why; mounted again, all are present", async () => {
    const sb = await Sandbox.create({ engine, mode });
    const share = path.join(sb.scratch, "share");
    try {
      const files: string[] = [];
      for (let i = 0; i < 30; i++) files.push(write(path.join(share, `plate-${i}.jpg`), plateJpg(`share-${mode}-${i}`)));
      mount(["--bind", share], sb.work);
      const w = await sb.watch();
      const inWork = files.map((f) => path.join(sb.work, path.basename(f)));
      await waitFor(() => inWork.every((f) => sb.db.location(f)?.state === "present"), "the 30 files on the share to be recorded");

      await sb.waitIdle(w);
      const reconciledBefore = rootOf(sb, "working")!.lastReconcile;
      await unmountWhenFree(sb.work);
      await waitFor(() => rootOf(sb, "working")?.unmounted != null, "status to say the working share is not mounted");
      // It is reconciled once its mount changed; by then it has looked for every file.
      await waitFor(() => rootOf(sb, "working")?.lastReconcile !== reconciledBefore, "the working root to be reconciled after the unmount");
      expect(inWork.filter((f) => sb.db.location(f)?.state !== "present")).toEqual([]);
      expect(rootOf(sb, "working")?.suspectedUnmount).toBe(true);
      const st = await sb.cli(["status"]);
      expect(st.stdout).toMatch(/NOT MOUNTED: .* is not mounted; files not marked missing/);

      mount(["--bind", share], sb.work);
      await waitFor(() => rootOf(sb, "working")?.unmounted === null, "status to say the share is back");
      expect(inWork.filter((f) => sb.db.location(f)?.state !== "present")).toEqual([]);
      expect(w.alive).toBe(true);
      expectNoErrors(w);
    } finally {
      if (mounted.has(sb.work)) release(sb.work);
      await sb.dispose();
    }
  });
});
