// The database goes away under a running `prov watch`: it must stop and say why (not go
// on writing into a deleted file), and never start over on an empty database where one
// existed unless told to (--new-database). Real watcher processes and real SQLite.
// SQLite only: each case removes or replaces the database FILE under the watcher; a
// PostgreSQL store has no file here to remove (its server going away is another fault).

import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { disposeAll, expectBlocked, genaiPng, Sandbox, sha256, write } from "./helpers.js";

afterAll(disposeAll);

const removeDatabase = (file: string): void => {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
};

describe("the database goes away under a running watcher", () => {
  it("deleted: the watcher stops with exit 3 and says why; a restart refuses to start over on an empty database; --new-database does, and the quarantine is kept", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      const w = await sb.watch();
      const g = genaiPng("store-deleted");
      const row = await expectBlocked(sb, write(path.join(sb.del, "shot.png"), g), sha256(g));
      const marker = JSON.parse(fs.readFileSync(path.join(sb.q, ".prov-database"), "utf8")) as { id: string; database: string };
      expect(marker.database).toBe(sb.dbFile);

      removeDatabase(sb.dbFile);
      sb.db.close(); // the test's own reader still has the deleted file open
      const exit = await w.exited;
      expect(exit.code).toBe(3);
      expect(w.stderr).toContain(`the database file ${sb.dbFile} was deleted while prov had it open`);
      expect(w.stderr).not.toMatch(/this is a bug/);

      // A service manager restarts it: it refuses, naming the quarantine and the way on.
      const again = await sb.cli(["watch"], { timeoutMs: 60_000 });
      expect(again.code).toBe(3);
      expect(again.stderr).toContain(`the database ${sb.dbFile} does not exist, but ${sb.q} holds files quarantined under database ${marker.id}`);
      expect(again.stderr).toContain("prov watch --new-database");
      expect(fs.existsSync(sb.dbFile), "no empty database was made").toBe(false);

      // Told to: a new database, and the marker names it; the quarantined file is still there.
      const fresh = await sb.watch({ args: ["--new-database"] });
      expect(fresh.alive).toBe(true);
      const now = JSON.parse(fs.readFileSync(path.join(sb.q, ".prov-database"), "utf8")) as { id: string };
      expect(now.id).not.toBe(marker.id);
      expect(fs.readFileSync(row.quarantine_path)).toEqual(g);
      expect(fresh.stderr).toMatch(/starting on a new database/);
    } finally {
      await sb.dispose();
    }
  });

  it("another database put in its place: refused at start, naming both", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      const w = await sb.watch();
      await w.stop();
      removeDatabase(sb.dbFile);
      sb.db.close(); // the test's own reader still has the deleted file open
      // A scan makes a database where there is none: not the one that kept this quarantine.
      expect((await sb.cli(["scan", sb.scratch])).code).toBe(0);
      expect(fs.existsSync(sb.dbFile)).toBe(true);
      const r = await sb.cli(["watch"], { timeoutMs: 60_000 });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/is not the one that kept this quarantine/);
    } finally {
      await sb.dispose();
    }
  });
});
