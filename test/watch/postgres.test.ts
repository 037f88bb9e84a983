// `prov watch` on PostgreSQL: ready, listening for decisions on a connection of its own
// (NOTIFY prov_decision), and a revocation made by another process re-judges the
// deliverables holding that content: the file allowed while approved is quarantined.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, genaiPng, parseJson, runCli, sha256, waitFor, Watcher, write } from "./helpers.js";
import { tempDir } from "../helpers/index.js";
import { postgresAvailable, startPostgres, type PgCluster } from "../helpers/postgres.js";

const pgHere = postgresAvailable();
let cluster: PgCluster | null = null;

beforeAll(async () => {
  if (pgHere) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

describe.runIf(pgHere)("prov watch on PostgreSQL", () => {
  it("listens for decisions; a revoke from another process quarantines the delivered file", { timeout: 180_000 }, async () => {
    const db = await cluster!.createDatabase();
    const url = cluster!.url(db);
    const ws = tempDir();
    for (const d of ["edit", "deliverables", "quarantine"]) fs.mkdirSync(path.join(ws, d));
    const env = { PGPASSWORD: cluster!.password };
    const cli = (args: string[]) => runCli(args, ws, { env });
    const init = await cli(["init", "--database", url, "--deliverables", "deliverables", "--quarantine", "quarantine"]);
    expect(init.code, init.stderr).toBe(0);
    const g = genaiPng("pg-revoke");
    write(path.join(ws, "edit", "comp.png"), g);
    expect((await cli(["scan", "edit"])).code).toBe(0);
    const approve = await cli(["approve", sha256(g), "--by", "supervisor", "--ref", "APPROVAL-1"]);
    expect(approve.code, approve.stderr).toBe(0);

    const child = spawn(process.execPath, [cliPath, "--log-format", "json", "watch"], { cwd: ws, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const w = new Watcher(child);
    try {
      await waitFor(async () => parseJson(await cli(["--json", "status"])).ready === true, () => `prov watch to be ready: ${w.stderr}`, 60_000, 100);
      const status = parseJson(await cli(["--json", "status"]));
      expect(status.database).toBe(url);
      await waitFor(
        async () => (await cluster!.query("postgres", "SELECT 1 FROM pg_stat_activity WHERE application_name = 'prov-listen' AND datname = $1", [db])).length === 1,
        "the watcher's decision listener to connect",
        30_000,
      );
      const delivered = write(path.join(ws, "deliverables", "sh010_v001.png"), g);
      await waitFor(async () => (await cli(["--json", "show", "deliverables/sh010_v001.png"])).code === 0 && parseJson(await cli(["--json", "show", "deliverables/sh010_v001.png"])).recorded === true, "the gate to record the approved delivery", 60_000, 100);
      expect(fs.existsSync(delivered)).toBe(true);

      const revoke = await cli(["revoke", sha256(g), "--by", "supervisor", "--note", "withdrawn"]);
      expect(revoke.code, revoke.stderr).toBe(0);
      await waitFor(() => !fs.existsSync(delivered), () => `the revoked delivery to be quarantined: ${w.stderr}`, 60_000, 50);
      const rows = (parseJson(await cli(["--json", "quarantine", "ls"])) as { items: Array<{ original_path?: string; state: string }> }).items;
      expect(rows.length).toBe(1);
      expect(w.stdout + w.stderr).not.toContain(cluster!.password);
    } finally {
      const exit = await w.stop();
      expect(exit.code, w.stderr.slice(-3000)).toBe(0);
    }
  });
});
