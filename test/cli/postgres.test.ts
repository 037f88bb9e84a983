// The CLI on PostgreSQL, as a facility would run it: `prov init --database postgres://…`
// (the password from PGPASSWORD), scan of the real sample files, show, approve, revoke,
// sweep, migrate --check, verify: the same outcomes as the same commands on SQLite. And
// the password rules: never on the command line, a password file readable only by its
// owner, the URL shown without it everywhere.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, copySample, json, repoRoot, runCli, tempDir, type CliResult } from "../helpers/index.js";
import { postgresAvailable, startPostgres, type PgCluster } from "../helpers/postgres.js";

/** The PostgreSQL schema this prov writes: its number of migrations. */
const PG_SCHEMA_VERSION = fs.readdirSync(path.join(repoRoot, "db/postgres/migrations")).filter((f) => /^\d{4}_.*\.sql$/.test(f)).length;

const pgHere = postgresAvailable();
let cluster: PgCluster | null = null;

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` before the CLI tests`);
  if (pgHere) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

interface Outcome {
  init: CliResult;
  scan: Record<string, unknown>;
  show: { origin: unknown; status: unknown };
  shownAfterApprove: unknown;
  shownAfterRevoke: unknown;
  sweep: number | null;
  sweepVerdict: unknown;
  check: CliResult;
  verify: CliResult;
  all: string;
}

/** The same session of commands in a fresh workspace on the given database. */
async function session(database: { initArgs: string[]; env: Record<string, string> }): Promise<Outcome> {
  const ws = tempDir();
  const edit = path.join(ws, "edit");
  const deliverables = path.join(ws, "deliverables");
  fs.mkdirSync(edit);
  fs.mkdirSync(deliverables);
  for (const f of ["genai-concept-art.jpg", "camera-plate.jpg", "genai-a1111.png", "unlabelled-still.png", "procedural-noise.png"]) copySample(f, edit);
  copySample("genai-a1111.png", deliverables, "sh010_v001.png");
  let all = "";
  const prov = async (...args: string[]): Promise<CliResult> => {
    const r = await runCli(args, { cwd: ws, env: database.env, timeoutMs: 90_000 });
    all += r.stdout + r.stderr;
    return r;
  };
  const ok = (r: CliResult): CliResult => {
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    return r;
  };
  const init = ok(await prov("init", ...database.initArgs));
  const scanRun = ok(await prov("--json", "scan", "edit"));
  const summary = (json(scanRun) as { summary: Record<string, unknown> }).summary;
  const scan = Object.fromEntries(Object.entries(summary).filter(([k]) => !["seconds", "database"].includes(k)));
  const shown = json(ok(await prov("--json", "show", "edit/genai-concept-art.jpg"))) as { origin: unknown; status: unknown };
  ok(await prov("approve", "edit/genai-concept-art.jpg", "--by", "Dana Post", "--ref", "STUDIO-GENAI-0042"));
  const afterApprove = (json(ok(await prov("--json", "show", "edit/genai-concept-art.jpg"))) as { status: unknown }).status;
  ok(await prov("revoke", "edit/genai-concept-art.jpg", "--by", "Dana Post", "--note", "withdrawn"));
  const afterRevoke = (json(ok(await prov("--json", "show", "edit/genai-concept-art.jpg"))) as { status: unknown }).status;
  const sweep = await prov("--json", "sweep", "deliverables");
  const check = await prov("migrate", "--check");
  const verify = await prov("verify");
  return {
    init,
    scan,
    show: { origin: shown.origin, status: shown.status },
    shownAfterApprove: afterApprove,
    shownAfterRevoke: afterRevoke,
    sweep: sweep.code,
    sweepVerdict: (({ counts, verdict, history }) => ({ counts, verdict, historyRow: history?.row }))((json(sweep) as { summary: { counts: unknown; verdict: unknown; history?: { row: number } } }).summary),
    check,
    verify,
    all,
  };
}

describe.runIf(pgHere)("the CLI on PostgreSQL", () => {
  it("init, scan, show, approve, revoke, sweep, migrate --check and verify: the same outcomes as on SQLite", { timeout: 300_000 }, async () => {
    const db = await cluster!.createDatabase();
    const url = cluster!.url(db);
    const onPg = await session({ initArgs: ["--database", url], env: { PGPASSWORD: cluster!.password } });
    const onSqlite = await session({ initArgs: [], env: {} });

    expect(onPg.init.stdout).toContain(`database ${url} (PostgreSQL, schema version ${PG_SCHEMA_VERSION})`);
    expect(onPg.scan).toEqual(onSqlite.scan);
    expect(onPg.scan).toMatchObject({ files: 5, new: 5, errors: 0 });
    expect(onPg.show).toEqual(onSqlite.show);
    expect(onPg.show.origin).toBe("genai");
    expect([onPg.shownAfterApprove, onPg.shownAfterRevoke]).toEqual([onSqlite.shownAfterApprove, onSqlite.shownAfterRevoke]);
    expect(onPg.shownAfterApprove).toBe("approved");
    expect(onPg.sweep).toBe(onSqlite.sweep);
    expect(onPg.sweep).toBe(1); // a temporary GenAI still in the deliverables
    expect(onPg.sweepVerdict).toEqual(onSqlite.sweepVerdict);
    expect([onPg.check.code, onSqlite.check.code]).toEqual([0, 0]);
    expect(onPg.check.stdout).toMatch(new RegExp(`schema version ${PG_SCHEMA_VERSION}, current`));
    expect([onPg.verify.code, onSqlite.verify.code]).toEqual([0, 0]);
    const rows = (r: CliResult): string | undefined => /history intact: (\d+) rows?/.exec(r.stdout)?.[1];
    expect(onPg.verify.stdout, onPg.verify.stdout).toMatch(/^history intact: /);
    expect(rows(onPg.verify)).toBe(rows(onSqlite.verify));
    expect(onPg.all).not.toContain(cluster!.password);
    expect(onPg.all).not.toMatch(/DeprecationWarning|already executing a query/);
  });

  it("prov migrate brings an empty database to the schema (from → to); --check exits 1 while behind", async () => {
    const db = await cluster!.createDatabase();
    const ws = tempDir();
    const env = { PGPASSWORD: cluster!.password, PROV_DATABASE_URL: cluster!.url(db) };
    const before = await runCli(["migrate", "--check"], { cwd: ws, env });
    expect(before.code, before.stderr).toBe(1);
    expect(before.stdout).toContain(`schema version 0, this prov needs ${PG_SCHEMA_VERSION}`);
    const m = await runCli(["migrate"], { cwd: ws, env });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toContain(`database ${cluster!.url(db)}: schema version 0 → ${PG_SCHEMA_VERSION}`);
    expect((await runCli(["migrate", "--check"], { cwd: ws, env })).code).toBe(0);
    expect((await runCli(["migrate"], { cwd: ws, env })).stdout).toContain("already current");
    await cluster!.query(db, "UPDATE prov_schema SET version = 7");
    const newer = await runCli(["migrate", "--check"], { cwd: ws, env });
    expect(newer.code).toBe(3);
    expect(newer.stderr).toMatch(new RegExp(`schema version 7, newer than this prov understands \\(${PG_SCHEMA_VERSION}\\)`));
    expect((await runCli(["migrate"], { cwd: ws, env })).code).toBe(3);
  });

  it("a password on the command line is refused, and appears in no output; a password file must be its owner's alone", async () => {
    const db = await cluster!.createDatabase();
    const ws = tempDir();
    const secretUrl = `postgres://postgres:secret@127.0.0.1:${cluster!.port}/${db}`;
    for (const args of [["--db", secretUrl, "ls"], ["init", "--database", secretUrl], ["--db", secretUrl, "init"], ["--db", secretUrl, "migrate"]]) {
      const r = await runCli(args, { cwd: ws });
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(/password on the command line/);
      expect(r.stderr).toMatch(/PGPASSWORD/);
      expect(r.stderr).toMatch(/PROV_DATABASE_PASSWORD_FILE/);
      expect(r.stdout + r.stderr).not.toContain("secret");
    }
    expect(fs.existsSync(path.join(ws, "prov.config.json"))).toBe(false);

    const pwFile = path.join(ws, "db-password");
    fs.writeFileSync(pwFile, cluster!.password + "\n", { mode: 0o644 });
    fs.chmodSync(pwFile, 0o644);
    const env = { PROV_DATABASE_PASSWORD_FILE: pwFile, PGPASSWORD: undefined };
    const open = await runCli(["init", "--database", cluster!.url(db)], { cwd: ws, env });
    expect(open.code).toBe(3);
    expect(open.stderr).toContain(`database password file ${pwFile} is readable by others (mode 0644)`);
    fs.chmodSync(pwFile, 0o600);
    const good = await runCli(["init", "--database", cluster!.url(db)], { cwd: ws, env });
    expect(good.code, good.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(ws, "prov.config.json"), "utf8")).database).toBe(cluster!.url(db));
    const ls = await runCli(["--json", "status"], { cwd: ws, env });
    expect(ls.code, ls.stderr).toBe(0);
    expect(json(ls).database).toBe(cluster!.url(db));
    expect(ls.stdout + ls.stderr + good.stdout + good.stderr).not.toContain(cluster!.password);

    // A password in the config file is refused too (a config is read by many).
    fs.writeFileSync(path.join(ws, "prov.config.json"), JSON.stringify({ database: secretUrl }));
    const cfg = await runCli(["ls"], { cwd: ws, env });
    expect(cfg.code).not.toBe(0);
    expect(cfg.stderr).toMatch(/carries a password/);
    expect(cfg.stdout + cfg.stderr).not.toContain("secret");
  });
});
