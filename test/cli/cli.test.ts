// The built CLI (dist/src/cli.js), spawned as a user would run it: exit codes, JSON on
// stdout, messages on stderr. `npm test` builds first.

import fs from "node:fs";
import { hostname, userInfo } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openStore as openDb } from "../../db/index.js";
import type { Store } from "../../src/ports.js";
import { cliPath, copyFixture, copySample, json, runCli, sha256Of, sharedAvailable, tempDir, type CliResult } from "../helpers/index.js";

const haveShared = sharedAvailable();

// Tests here are independent and mostly wait on child processes, so they run concurrently.
// Each gets its own folder under one temp root (removed after the file): global
// onTestFinished hooks are not reliable in concurrent tests.
let root: string;
beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` (npm test does) before the CLI tests`);
  root = tempDir();
});

function sandbox(): string {
  return fs.mkdtempSync(path.join(root, "t-"));
}

async function withStore<T>(file: string, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await openDb(file, { readonly: true });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** A project folder with prov.config.json and prov.db from `prov init`. */
async function project(): Promise<{ dir: string; prov: (args: string[], env?: Record<string, string | undefined>) => Promise<CliResult> }> {
  const dir = sandbox();
  const prov = (args: string[], env?: Record<string, string | undefined>) => runCli(args, { cwd: dir, ...(env ? { env } : {}) });
  const r = await prov(["init"]);
  expect(r.code, r.stderr).toBe(0);
  return { dir, prov };
}

function expectUsage(r: CliResult, message: RegExp): void {
  expect(r.code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(message);
}

describe.concurrent("prov CLI", () => {
  it("--log-format json writes every log line on stderr as a JSON object", async () => {
    const { dir, prov } = await project();
    copySample("genai-a1111.png", dir);
    const r = await prov(["--log-format", "json", "scan", "."]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trim().split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), msg: expect.any(String), time: expect.any(String) });
    const bad = await prov(["--log-format", "xml", "ls"]);
    expect(bad.code).toBe(2);
  });

  describe("prov init", () => {
    it("writes prov.config.json and the database; a second init exits 2 unless --force", async () => {
      const dir = sandbox();
      const r = await runCli(["--json", "init"], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const out = json(r);
      expect(out).toMatchObject({ config: path.join(dir, "prov.config.json"), database: path.join(dir, "prov.db") });
      const config = JSON.parse(fs.readFileSync(path.join(dir, "prov.config.json"), "utf8"));
      expect(config.database).toBe("prov.db");
      expect(fs.existsSync(path.join(dir, "prov.db"))).toBe(true);
      expect(await withStore(path.join(dir, "prov.db"), (s) => s.schemaVersion())).toBe(out.databaseSchemaVersion);

      const before = fs.readFileSync(path.join(dir, "prov.config.json"), "utf8");
      fs.writeFileSync(path.join(dir, "prov.config.json"), before.replace('"prov.db"', '"other.db"'));
      const again = await runCli(["init"], { cwd: dir });
      expectUsage(again, /already exists.*--force/);
      expect(fs.readFileSync(path.join(dir, "prov.config.json"), "utf8")).toContain('"other.db"');

      const forced = await runCli(["init", "--force"], { cwd: dir });
      expect(forced.code, forced.stderr).toBe(0);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "prov.config.json"), "utf8")).database).toBe("prov.db");
      expect(fs.readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
    });

    it("a config that names an unknown key is a usage error naming the file and key", async () => {
      const { dir, prov } = await project();
      const file = path.join(dir, "prov.config.json");
      const cfg = JSON.parse(fs.readFileSync(file, "utf8"));
      cfg.scan.extensionz = ["jpg"];
      fs.writeFileSync(file, JSON.stringify(cfg));
      const r = await prov(["ls"]);
      expectUsage(r, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: scan\\.extensionz: unknown key`));
    });
  });

  describe("prov scan", () => {
    it("--json prints files and summary as valid JSON and exits 0 when every file was read", async () => {
      const { dir, prov } = await project();
      const media = path.join(dir, "media");
      const files = ["genai-a1111.png", "camera-plate.jpg", "genfill-composite.jpg", "unlabelled-still.png"];
      for (const f of files) copySample(f, media);
      fs.writeFileSync(path.join(media, "notes.txt"), "not media");

      const r = await prov(["--json", "scan", media]);
      expect(r.code, r.stderr).toBe(0);
      const out = json(r);
      expect(Object.keys(out)).toEqual(["schemaVersion", "kind", "files", "summary"]);
      expect(out).toMatchObject({ schemaVersion: 1, kind: "prov.scan" });
      expect(out.files).toHaveLength(files.length); // skipped files are listed only with -v
      const byName = Object.fromEntries(out.files.map((f: any) => [path.basename(f.path), f]));
      expect(byName["genai-a1111.png"]).toMatchObject({ result: "new", origin: "genai", status: "temporary", sha256: sha256Of(path.join(media, "genai-a1111.png")) });
      expect(byName["genfill-composite.jpg"]).toMatchObject({ origin: "genai-edited", status: "temporary" });
      expect(byName["camera-plate.jpg"]).toMatchObject({ origin: "not-genai", status: null, metadataError: null });
      expect(byName["unlabelled-still.png"]).toMatchObject({ origin: "unknown", status: null });
      expect(out.summary).toMatchObject({
        files: 4,
        new: 4,
        errors: 0,
        unreadable: 0,
        temporaryGenAI: 2,
        origins: { genai: 1, "genai-edited": 1, "not-genai": 1, unknown: 1, "possibly-genai": 0 },
        database: path.join(dir, "prov.db"),
      });

      const again = await prov(["--json", "scan", media]);
      expect(again.code).toBe(0);
      expect(json(again).summary).toMatchObject({ unchanged: 4, new: 0 });

      const verbose = await prov(["--json", "-v", "scan", media]);
      expect(verbose.code).toBe(0);
      expect(json(verbose).files).toContainEqual({ path: path.join(media, "notes.txt"), result: "skipped", reason: expect.stringContaining("not a media file type") });
    });

    it("exits 1 when a file cannot be read (an empty file: metadata read error), and lists it", async () => {
      const { dir, prov } = await project();
      copySample("camera-plate.jpg", dir);
      fs.writeFileSync(path.join(dir, "empty.png"), "");
      const r = await prov(["--json", "scan", "."]);
      expect(r.code, r.stderr).toBe(1);
      const out = json(r);
      expect(out.files.find((f: any) => f.path === path.join(dir, "empty.png"))).toMatchObject({ result: "new", metadataError: "File is empty" });
      expect(out.summary).toMatchObject({ unreadable: 1 });

      const text = await prov(["scan", "--rehash", "."]);
      expect(text.code).toBe(1);
      expect(text.stdout).toContain("empty.png");
      expect(text.stdout).toContain("File is empty");
      expect(text.stderr).toMatch(/1 unreadable/);
    });

    it("a path that does not exist is reported (exit 1) and nothing is recorded for it", async () => {
      const { dir, prov } = await project();
      const r = await prov(["scan", path.join(dir, "nope")]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toMatch(/nope: cannot scan: no such file or folder/);
      expect(await withStore(path.join(dir, "prov.db"), (s) => s.locations.byPath(path.join(dir, "nope")))).toBeUndefined();
      expect(await withStore(path.join(dir, "prov.db"), async (s) => (await s.events.list({})).filter((e) => e.kind !== "scan"))).toEqual([]);
    });

    it("--db and PROV_DB both choose the database (no config needed); --db wins", async () => {
      const dir = sandbox();
      copySample("genai-concept-art.jpg", dir);
      copySample("camera-plate.jpg", dir);
      const byFlag = await runCli(["--db", "flag.db", "--json", "scan", "genai-concept-art.jpg"], { cwd: dir });
      expect(byFlag.code, byFlag.stderr).toBe(0);
      expect(json(byFlag).summary.database).toBe(path.join(dir, "flag.db"));

      const byEnv = await runCli(["--json", "scan", "."], { cwd: dir, env: { PROV_DB: "env.db" } });
      expect(byEnv.code, byEnv.stderr).toBe(0);
      expect(json(byEnv).summary.database).toBe(path.join(dir, "env.db"));

      const lsEnv = await runCli(["--json", "ls"], { cwd: dir, env: { PROV_DB: path.join(dir, "env.db") } });
      expect(json(lsEnv).items).toHaveLength(2);
      const both = await runCli(["--db", "flag.db", "--json", "ls"], { cwd: dir, env: { PROV_DB: "env.db" } });
      expect(json(both).items.map((a: any) => a.paths)).toEqual([[path.join(dir, "genai-concept-art.jpg")]]);
    });
  });

  describe("prov show", () => {
    it("a recorded file, and the same asset by SHA-256 prefix", async () => {
      const { dir, prov } = await project();
      const f = copySample("genai-a1111.png", dir);
      expect((await prov(["scan", f])).code).toBe(0);
      const r = await prov(["--json", "show", f]);
      expect(r.code, r.stderr).toBe(0);
      const out = json(r);
      const sha = sha256Of(f);
      expect(out).toMatchObject({ recorded: true, sha256: sha, origin: "genai", status: "temporary", fileType: "PNG", locations: [{ path: f, state: "present" }] });
      expect(out.evidence).toContainEqual(expect.objectContaining({ source: "generator", field: "PNG:Parameters", signal: "genai" }));
      expect(out.decidedBy.length).toBeGreaterThan(0);

      const byPrefix = await prov(["--json", "show", sha.slice(0, 10)]);
      expect(byPrefix.code, byPrefix.stderr).toBe(0);
      expect(json(byPrefix)).toEqual(out);
      const upper = await prov(["--json", "show", sha.slice(0, 8).toUpperCase()]);
      expect(json(upper).sha256).toBe(sha);

      expectUsage(await prov(["show", "0000000000"]), /no asset whose SHA-256 starts with 0000000000/);
      expectUsage(await prov(["show", "abc"]), /no such file, and not a SHA-256/);
    });

    it("a file not recorded: says so, shows what its metadata says, and records nothing", async () => {
      const { dir, prov } = await project();
      const f = copySample("genai-concept-art.jpg", dir);
      const r = await prov(["--json", "show", f]);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toMatchObject({ recorded: false, path: f, sha256: sha256Of(f), origin: "genai" });
      const ls = await prov(["--json", "ls"]);
      expect(json(ls)).toEqual({ schemaVersion: 1, kind: "prov.ls", items: [] });

      const text = await prov(["show", f]);
      expect(text.stdout).toMatch(/not recorded/);
    });
  });

  describe("prov ls", () => {
    it("--origin and --status filter the recorded assets", async () => {
      const { dir, prov } = await project();
      for (const f of ["genai-a1111.png", "comfyui-matte.png", "genfill-composite.jpg", "camera-plate.jpg", "procedural-noise.png", "room-tone.wav"]) copySample(f, path.join(dir, "m"));
      expect((await prov(["scan", "m"])).code).toBe(0);

      const names = (r: CliResult) => (json(r).items as any[]).map((a) => a.paths.map((p: string) => path.basename(p))).flat().sort();
      const genai = await prov(["--json", "ls", "--origin", "genai"]);
      expect(genai.code).toBe(0);
      expect(names(genai)).toEqual(["comfyui-matte.png", "genai-a1111.png"]);
      expect(json(genai).items[0]).toMatchObject({ origin: "genai", status: "temporary", sha256: expect.stringMatching(/^[0-9a-f]{64}$/), missing: 0 });

      expect(names(await prov(["--json", "ls", "--status", "temporary"]))).toEqual(["comfyui-matte.png", "genai-a1111.png", "genfill-composite.jpg"]);
      expect(names(await prov(["--json", "ls", "--origin", "not-genai"]))).toEqual(["camera-plate.jpg", "procedural-noise.png"]);
      expect(names(await prov(["--json", "ls", "--status", "approved"]))).toEqual([]);
      expect(json(await prov(["--json", "ls"])).items).toHaveLength(6);
    });
  });

  describe("decisions: tag, approve, revoke, log", () => {
    it("tag --genai with tool, model, prompt and note makes an unknown file genai/temporary", async () => {
      const { dir, prov } = await project();
      const f = copySample("unlabelled-still.png", dir);
      const r = await prov(["--json", "tag", "--genai", "--tool", "Midjourney", "--model", "v6.1", "--prompt", "colour bars, 1970s", "--note", "from the art dept", "--by", "alice", f]);
      expect(r.code, r.stderr).toBe(0);
      expect(json(r)).toEqual({ schemaVersion: 1, kind: "prov.tag", items: [{ file: f, sha256: sha256Of(f), origin: "genai", status: "temporary" }] });

      const show = json(await prov(["--json", "show", f]));
      expect(show).toMatchObject({ recorded: true, origin: "genai", status: "temporary" });
      expect(show.evidence).toContainEqual({
        source: "manual",
        field: "prov tag",
        value: "genai",
        signal: "genai",
        detail: { by: "alice", tool: "Midjourney", model: "v6.1", prompt: "colour bars, 1970s", note: "from the art dept", account: userInfo().username, host: hostname() },
      });
    });

    it("tag --not-genai needs --note; neither or both of --genai/--not-genai is a usage error", async () => {
      const { dir, prov } = await project();
      const f = copySample("unlabelled-still.png", dir);
      expectUsage(await prov(["tag", "--not-genai", f]), /--note/);
      expectUsage(await prov(["tag", f]), /either --genai or --not-genai/);
      expectUsage(await prov(["tag", "--genai", "--not-genai", f]), /either --genai or --not-genai/);
      const ok = await prov(["--json", "tag", "--not-genai", "--note", "shot on our stage", f]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(json(ok).items[0]).toMatchObject({ origin: "not-genai", status: null });
    });

    it("tag --not-genai on a file whose own metadata says GenAI exits 2 unless --force", async () => {
      const { dir, prov } = await project();
      const f = copySample("genai-concept-art.jpg", dir);
      expectUsage(await prov(["tag", "--not-genai", "--note", "looks real", f]), /its own metadata says GenAI/);
      const show = json(await prov(["--json", "show", f]));
      expect(show).toMatchObject({ origin: "genai", status: "temporary" });
      expect(show.evidence.some((e: any) => e.source === "manual")).toBe(false);

      const forced = await prov(["--json", "tag", "--not-genai", "--note", "label was wrong", "--force", f]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(json(forced).items[0]).toMatchObject({ origin: "not-genai", status: null });
    });

    it.runIf(haveShared)("tag --not-genai on a C2PA GenAI file exits 2 unless --force (needs ../shared/fixtures)", async () => {
      const { dir, prov } = await project();
      const f = copyFixture("amazon-titan-g1.png", dir);
      const refused = await prov(["tag", "--not-genai", "--note", "no", f]);
      expectUsage(refused, /c2pa/);
      expect(json(await prov(["--json", "show", f]))).toMatchObject({ origin: "genai", status: "temporary" });
      const forced = await prov(["--json", "tag", "--not-genai", "--note", "overruled", "--force", f]);
      expect(forced.code, forced.stderr).toBe(0);
      expect(json(forced).items[0]).toMatchObject({ origin: "not-genai" });
    });

    it("approve records the approval and the document's SHA-256; revoke returns it to temporary; log lists it all in order", async () => {
      const { dir, prov } = await project();
      const f = copySample("genai-a1111.png", dir);
      const doc = path.join(dir, "approval.pdf");
      fs.writeFileSync(doc, "%PDF-1.4 signed approval for shot 42\n");
      expect((await prov(["scan", f])).code).toBe(0);
      expect((await prov(["--json", "tag", "--genai", "--tool", "A1111", f])).code).toBe(0);

      const ap = await prov(["--json", "approve", f, "--by", "Producer P", "--ref", "APR-2025-042", "--scope", "ep101 sh042 only", "--doc", doc]);
      expect(ap.code, ap.stderr).toBe(0);
      expect(json(ap)).toMatchObject({ sha256: sha256Of(f), origin: "genai", status: "approved", by: "Producer P", ref: "APR-2025-042", scope: "ep101 sh042 only", docSha256: sha256Of(doc) });
      const shown = json(await prov(["--json", "show", f]));
      expect(shown).toMatchObject({ status: "approved" });
      expect(shown.approvals).toEqual([expect.objectContaining({ action: "approve", by: "Producer P", ref: "APR-2025-042", scope: "ep101 sh042 only", doc_path: doc, doc_sha256: sha256Of(doc) })]);
      expect(json(await prov(["--json", "ls", "--status", "approved"])).items).toHaveLength(1);

      const rv = await prov(["--json", "revoke", f, "--by", "Producer P", "--note", "client changed their mind"]);
      expect(rv.code, rv.stderr).toBe(0);
      expect(json(rv)).toMatchObject({ origin: "genai", status: "temporary" });
      expect(json(await prov(["--json", "show", f]))).toMatchObject({ status: "temporary" });

      expectUsage(await prov(["revoke", f, "--by", "x", "--note", "again"]), /not approved/);

      const log = await prov(["--json", "log", f]);
      expect(log.code, log.stderr).toBe(0);
      const kinds = (json(log).items as any[]).map((e) => e.kind);
      const decisions = kinds.filter((k) => ["seen", "tagged", "approved", "revoked"].includes(k));
      expect(decisions).toEqual(["seen", "tagged", "approved", "revoked"]);
      const events = json(log).items as any[];
      expect(events.every((e) => e.sha256 === sha256Of(f))).toBe(true);
      expect(events.find((e) => e.kind === "approved").detail).toMatchObject({ by: "Producer P", ref: "APR-2025-042", doc_sha256: sha256Of(doc) });
      expect(events.find((e) => e.kind === "revoked").detail).toMatchObject({ note: "client changed their mind" });
      const ids = events.map((e) => e.id);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    });

    it("revoking an asset that was never approved exits 2; approve without --by/--ref exits 2; a missing --doc exits 2", async () => {
      const { dir, prov } = await project();
      const f = copySample("genai-a1111.png", dir);
      expect((await prov(["scan", f])).code).toBe(0);
      expectUsage(await prov(["revoke", f, "--by", "x", "--note", "n"]), /not approved; nothing to revoke/);
      expectUsage(await prov(["approve", f, "--ref", "R1"]), /--by/);
      expectUsage(await prov(["approve", f, "--by", "p"]), /--ref/);
      expectUsage(await prov(["approve", f, "--by", "p", "--ref", "R", "--doc", path.join(dir, "missing.pdf")]), /--doc .*missing\.pdf/);
      expect(json(await prov(["--json", "show", f]))).toMatchObject({ status: "temporary", approvals: [] });
    });
  });

  describe("usage and database errors", () => {
    it("unknown option, missing argument and a bad --origin exit 2", async () => {
      const { prov } = await project();
      expectUsage(await prov(["ls", "--bogus"]), /unknown option '--bogus'/);
      expectUsage(await prov(["--frobnicate", "ls"]), /unknown option/);
      expectUsage(await prov(["scan"]), /missing required argument 'paths'/);
      expectUsage(await prov(["show"]), /missing required argument/);
      expectUsage(await prov(["ls", "--origin", "maybe"]), /argument 'maybe' is invalid/);
      expectUsage(await prov(["ls", "--status", "final"]), /argument 'final' is invalid/);
      expectUsage(await prov(["frobnicate"]), /unknown command/);
    });

    it("a database that does not exist makes ls exit 3 with a message, and is not created", async () => {
      const dir = sandbox();
      const db = path.join(dir, "missing.db");
      const r = await runCli(["--db", db, "ls"], { cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`no database at ${db}`);
      expect(r.stdout).toBe("");
      expect(fs.existsSync(db)).toBe(false);
    });

    it("no database configured at all is a usage error that says what to do", async () => {
      const dir = sandbox();
      expectUsage(await runCli(["ls"], { cwd: dir }), /no database configured.*prov init/);
    });

    // Product bug (see report): a non-numeric --limit reaches SQLite and crashes with
    // "datatype mismatch" (exit 70, "internal error ... this is a bug in prov").
    it("log --limit with a non-number is a usage error (exit 2), not an internal error", async () => {
      const { prov } = await project();
      const r = await prov(["log", "--limit", "abc"]);
      expect(r.stderr).not.toMatch(/internal error/);
      expect(r.code).toBe(2);
    });
  });

  describe("stdout carries only data", () => {
    it("with --json, stdout is pure JSON even when prov logs warnings on stderr", async () => {
      const { dir, prov } = await project();
      const f = copySample("camera-plate.jpg", dir);
      // approving a file that is not GenAI logs a warning
      const r = await prov(["--json", "approve", f, "--by", "p", "--ref", "R-1"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/not GenAI/);
      expect(json(r)).toMatchObject({ origin: "not-genai", status: null });

      // verbose scan: debug logs on stderr, JSON on stdout
      copySample("genai-a1111.png", dir);
      const s = await prov(["--json", "-v", "scan", "--rehash", "."]);
      expect(s.code, s.stderr).toBe(0);
      expect(json(s).files.length).toBeGreaterThanOrEqual(2);

      for (const args of [["--json", "ls"], ["--json", "log"], ["--json", "show", f]]) {
        const o = await prov(args);
        expect(o.code, `${args.join(" ")}: ${o.stderr}`).toBe(0);
        expect(() => JSON.parse(o.stdout), args.join(" ")).not.toThrow();
        expect(o.stdout, args.join(" ")).toMatch(/^\{\s*"schemaVersion": 1,\s*"kind": "prov\.(ls|log|show)"/);
      }
    });

    it("errors go to stderr, never stdout", async () => {
      const dir = sandbox();
      const r = await runCli(["--json", "--db", path.join(dir, "x.db"), "show", "deadbeefdeadbeef"], { cwd: dir });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^prov: error: /m);
    });
  });
});
