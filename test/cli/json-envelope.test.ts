// Every JSON document prov prints has one envelope (README "JSON output",
// src/domain/json-document.ts): an object whose first key is `schemaVersion` (a positive
// integer), second `kind` (from the table), then the payload; a list under `items`. Each
// command runs here with --json on real files in a temp folder (dist/src/cli.js, real
// ExifTool and SQLite). The table of kinds and the CLI's own help drive the checks: a new
// kind without a run here fails, and so does a new command that is neither run here nor
// named below as printing no JSON document.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openStore as openDb } from "../../db/index.js";
import { Quarantine } from "../../src/app/quarantine.js";
import { JSON_DOCUMENTS, isJsonKind } from "../../src/domain/json-document.js";
import { cliPath, copySample, runCli, samplesDir, sha256Of, tempDir, type CliResult } from "../helpers/index.js";

/** Commands that print no JSON document, and why (each is still checked to exist in the help). */
const NO_JSON_DOCUMENT: Record<string, string> = {
  watch: "runs until stopped; logs on stderr (--log-format json for JSON lines)",
  desk: "a web server; prints its address and sign-in link (its sweep download is the document prov.desk.sweep)",
};
/** Kinds written elsewhere than a command's stdout or a file a command writes, and where they are checked. */
const NOT_FROM_A_COMMAND: Record<string, string> = {
  "prov.desk.sweep": "the desk's /sweeps/N.json download (src/desk/server.ts, jsonDocument)",
  "prov.notice": "a notification's body (webhook, command hook): test/watch/notify-webhook.test.ts and notify.test.ts",
};

interface Run {
  /** The command's words, as in `prov --help` ("quarantine ls"). */
  command: string;
  result: CliResult;
  /** Where the document is (a file a command wrote); stdout when absent. */
  file?: string;
}

const runs: Run[] = [];
let dir: string;

const prov = async (command: string, args: string[], opts: { codes?: number[]; input?: string; file?: string } = {}): Promise<CliResult> => {
  const r = await runCli(args, { cwd: dir, timeoutMs: 120_000, ...(opts.input !== undefined ? { input: opts.input } : {}) });
  expect(opts.codes ?? [0], `prov ${args.join(" ")}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toContain(r.code);
  runs.push({ command, result: r, ...(opts.file !== undefined ? { file: opts.file } : {}) });
  return r;
};

/** The command's words in the help, for every command that runs (not a bare group such as `prov db`). */
async function commandsInHelp(words: string[] = []): Promise<string[]> {
  const help = (await runCli([...words, "--help"], { cwd: dir })).stdout;
  const section = (name: string): string => help.split(new RegExp(`^${name}:\\n`, "m"))[1]?.split(/^\S.*:\n/m)[0] ?? "";
  const subs = [...section("Commands").matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]!).filter((c) => c !== "help");
  const ownOptions = [...section("Options").matchAll(/^ {2}(-\S+|--\S+)/gm)].map((m) => m[1]!).filter((o) => o !== "-h,");
  const out: string[] = [];
  if (words.length > 0 && (subs.length === 0 || ownOptions.length > 0)) {
    // Every command takes the global --json.
    expect(help, `prov ${words.join(" ")} --help`).toMatch(/^\s+--json\s/m);
    out.push(words.join(" "));
  }
  for (const s of subs) out.push(...(await commandsInHelp([...words, s])));
  return out;
}

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  dir = tempDir();
  const edit = path.join(dir, "edit");
  const deliv = path.join(dir, "deliv");
  for (const d of [edit, deliv, path.join(dir, "quarantine"), path.join(dir, "vol")]) fs.mkdirSync(d, { recursive: true });
  for (const s of fs.readdirSync(samplesDir).filter((n) => n !== "README.md")) copySample(s, edit);
  const loose = copySample("unlabelled-still.png", path.join(dir, "loose"));
  const plate = path.join(edit, "camera-plate.jpg");
  const art = copySample("genai-concept-art.jpg", deliv);
  copySample("camera-plate.jpg", deliv);

  await prov("init", ["--json", "init", "--working", "edit", "--deliverables", "deliv", "--quarantine", "quarantine"]);
  await prov("migrate", ["--json", "migrate", "--check"]);
  await prov("migrate", ["--json", "migrate"]);
  await prov("scan", ["--json", "scan", "edit", "deliv"], { codes: [0, 1] });
  await prov("show", ["--json", "show", path.join(edit, "genai-concept-art.jpg")]);
  await prov("show", ["--json", "show", loose]);
  await prov("ls", ["--json", "ls"]);
  await prov("log", ["--json", "log", "--limit", "5"]);
  await prov("tag", ["--json", "tag", "--genai", "--tool", "Midjourney", "--by", "tester", path.join(edit, "unlabelled-still.png")]);
  await prov("approve", ["--json", "approve", path.join(edit, "genai-a1111.png"), "--by", "P", "--ref", "R-1"]);
  await prov("revoke", ["--json", "revoke", path.join(edit, "genai-a1111.png"), "--by", "P", "--note", "withdrawn"]);
  await prov("approve", ["--json", "approve", art, "--by", "P", "--ref", "R-2"]);
  await prov("sweep", ["--json", "sweep", "deliv", "--mhl", "--disclosure", "disclosure.json", "--title", "T"], { codes: [0, 1] });
  const written = await prov("sweep", ["sweep", "deliv", "--format", "json", "--out", "sweep.json", "--disclosure", "disclosure-2.json"], { codes: [0, 1], file: path.join(dir, "sweep.json") });
  runs.push({ command: "sweep", result: written, file: path.join(dir, "disclosure-2.json") });
  await prov("mhl verify", ["--json", "mhl", "verify", "deliv"]);
  await prov("mhl diff", ["--json", "mhl", "diff", "deliv"]);
  await prov("mhl info", ["--json", "mhl", "info", "deliv"]);
  await prov("mhl verify", ["--json", "mhl", "verify", "edit"], { codes: [11] }); // no history: still one document
  await prov("frame", ["--json", "frame", plate]);
  fs.writeFileSync(
    path.join(dir, "cut.edl"),
    ["TITLE: CUT", "FCM: NON-DROP FRAME", "", "001  PLATE    V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00", "* FROM CLIP NAME: camera-plate.jpg", ""].join("\n"),
  );
  await prov("frame", ["--json", "frame", "--timeline", "cut.edl", "--fps", "25"]);
  await prov("frame", ["--json", "frame", "--timeline", "cut.edl", "--at", "01:00:01:00", "--fps", "25"]);
  await prov("verify", ["--json", "verify"]);
  await prov("verify", ["--json", "verify", "--export", "history.jsonl"], { codes: [2] }); // not written yet: an error, no document
  await prov("export-history", ["--json", "export-history", "--out", "history.jsonl"]);
  await prov("verify", ["--json", "verify", "--export", "history.jsonl"]);
  await prov("db export", ["--json", "db", "export", "dump.jsonl"]);
  await prov("db import", ["--json", "--db", "copy.db", "db", "import", "dump.jsonl"]);
  await prov("volume init", ["--json", "volume", "init", "V1", "vol"]);
  await prov("volume ls", ["--json", "volume", "ls"]);
  await prov("status", ["--json", "status"]);
  await prov("status", ["--json", "--db", path.join(dir, "no/such/prov.db"), "status"], { codes: [3] });
  await prov("desk user add", ["--json", "desk", "user", "add", "dana", "--role", "viewer"], { input: "a long enough password\n" });

  // A file the gate moved (the watcher's own quarantine code), then listed and released.
  const store = await openDb(path.join(dir, "prov.db"));
  let id: number;
  try {
    const asset = (await store.assets.bySha(sha256Of(art)))!;
    const st = fs.statSync(art, { bigint: true });
    const row = await new Quarantine(store, path.join(dir, "quarantine"), "test").quarantine({
      path: art, kind: "blocked", reason: "test", evidence: [], sha256: asset.sha256, assetId: asset.id, dev: String(st.dev), ino: String(st.ino),
    });
    id = row.id;
  } finally {
    await store.close();
  }
  await prov("quarantine ls", ["--json", "quarantine", "ls"]);
  await prov("release", ["--json", "release", String(id), "--by", "P"]);
  await prov("quarantine ls", ["--json", "quarantine", "ls", "--all"]);
}, 600_000);

/** The document a run printed (or wrote), parsed; null when it printed nothing (an error). */
function documentOf(r: Run): { text: string; where: string } {
  if (r.file) return { text: fs.readFileSync(r.file, "utf8"), where: r.file };
  return { text: r.result.stdout, where: `stdout of prov ${r.command}` };
}

describe("the JSON envelope", () => {
  it("every document is one object: schemaVersion first (the table's, a positive integer), kind second, named after its command", () => {
    for (const r of runs) {
      const { text, where } = documentOf(r);
      if (r.result.code === 2 && !r.file) {
        // A usage error prints no document: the error is text on stderr.
        expect(text, where).toBe("");
        expect(r.result.stderr, where).toMatch(/^prov: /m);
        continue;
      }
      let doc: unknown;
      expect(() => (doc = JSON.parse(text)), `${where} is one JSON document:\n${text}`).not.toThrow();
      expect(typeof doc === "object" && doc !== null && !Array.isArray(doc), `${where} is an object`).toBe(true);
      const o = doc as Record<string, unknown>;
      const [first, second] = Object.keys(o);
      expect([first, second], where).toEqual(["schemaVersion", "kind"]);
      expect(text, where).toMatch(/^\{\s*"schemaVersion": \d+,\s*"kind": "/);
      const kind = String(o["kind"]);
      expect(isJsonKind(kind), `${where}: kind ${kind} is in the table`).toBe(true);
      expect(Number.isInteger(o["schemaVersion"]) && (o["schemaVersion"] as number) >= 1, where).toBe(true);
      expect(o["schemaVersion"], where).toBe(JSON_DOCUMENTS[kind as keyof typeof JSON_DOCUMENTS]);
      // "prov." and the command's words; a second document of a command adds one word.
      const base = `prov.${r.command.replace(/ /g, ".")}`;
      expect(kind === base || (kind.startsWith(`${base}.`) && !kind.slice(base.length + 1).includes(".")), `${where}: kind ${kind} for prov ${r.command}`).toBe(true);
    }
  });

  it("lists are under items; objects keep their fields at the top level", () => {
    const docs = runs.filter((r) => r.result.stdout.startsWith("{") || r.file).map((r) => JSON.parse(documentOf(r).text) as Record<string, any>);
    const byKind = (k: string) => docs.filter((d) => d["kind"] === k);
    for (const k of ["prov.ls", "prov.log", "prov.tag", "prov.volume.ls", "prov.quarantine.ls"]) {
      expect(byKind(k).length, k).toBeGreaterThan(0);
      for (const d of byKind(k)) {
        expect(Object.keys(d), k).toEqual(["schemaVersion", "kind", "items"]);
        expect(Array.isArray(d["items"]), k).toBe(true);
      }
    }
    expect(byKind("prov.ls")[0]!["items"]).toEqual(expect.arrayContaining([expect.objectContaining({ sha256: sha256Of(path.join(dir, "edit", "camera-plate.jpg")) })]));
    expect(byKind("prov.quarantine.ls")[0]!["items"]).toEqual([expect.objectContaining({ kind: "blocked", state: "moved" })]);
    expect(byKind("prov.status")[0]).toMatchObject({ running: false, ready: false, database: path.join(dir, "prov.db") });
    expect(byKind("prov.status")[1]).toMatchObject({ running: false, databaseError: expect.stringContaining("no database at") });
    expect(byKind("prov.init")[0]).toMatchObject({ databaseSchemaVersion: expect.any(Number), roots: { quarantine: path.join(dir, "quarantine") } });
    expect(byKind("prov.scan")[0]).toMatchObject({ files: expect.any(Array), summary: expect.objectContaining({ files: expect.any(Number) }) });
    expect(byKind("prov.sweep")[0]).toMatchObject({ summary: expect.objectContaining({ verdict: expect.any(String) }), files: expect.any(Array) });
    expect(byKind("prov.sweep.disclosure")[0]).toMatchObject({ disclosure: "prov GenAI disclosure list", files: [expect.objectContaining({ approvalRef: "R-2" })] });
    expect(byKind("prov.frame.timeline")[0]).toMatchObject({ title: "CUT", summary: { events: 1 } });
    expect(byKind("prov.release")[0]).toMatchObject({ id: expect.any(Number), by: "P" });
    expect(byKind("prov.desk.user.add")[0]).toMatchObject({ name: "dana", role: "viewer", replaced: false });
  });

  it("every kind in the table comes from a run here, and every command in the help is run here or prints no document", async () => {
    const seen = new Set(runs.flatMap((r) => {
      const { text } = documentOf(r);
      return text.startsWith("{") ? [String((JSON.parse(text) as { kind: unknown }).kind)] : [];
    }));
    for (const kind of Object.keys(JSON_DOCUMENTS)) expect(seen.has(kind) || kind in NOT_FROM_A_COMMAND, `kind ${kind} is checked by a run`).toBe(true);
    const commands = await commandsInHelp();
    expect(commands).toEqual(expect.arrayContaining(["init", "scan", "db export", "quarantine ls", "desk", "desk user add", "mhl info"]));
    const run = new Set(runs.map((r) => r.command));
    for (const c of commands) expect(run.has(c) || c in NO_JSON_DOCUMENT, `prov ${c} is run with --json here (or named in NO_JSON_DOCUMENT)`).toBe(true);
    for (const c of [...run, ...Object.keys(NO_JSON_DOCUMENT)]) expect(commands, `prov ${c} is a command in the help`).toContain(c);
  });
});
