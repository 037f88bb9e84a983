// What a new user meets first: each command's --help (global options, required options,
// examples), one-line usage errors, and every example of every help, run as written in a
// demo-like workspace (edit/ with the samples, deliverables/, quarantine/).

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath, copySample, json, runCli, samplesDir, tempDir, waitFor, type CliResult } from "../helpers/index.js";

const COMMANDS = ["init", "scan", "show", "ls", "tag", "approve", "revoke", "log", "sweep", "frame", "watch", "status", "quarantine ls", "release", "verify", "export-history", "migrate", "volume init", "volume ls"];

beforeAll(() => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` (npm test does) before the CLI tests`);
});

/** Split an example line into words the way a POSIX shell would for these simple cases (double quotes). */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2]!);
  return out;
}

async function help(name: string): Promise<string> {
  const r = await runCli([...name.split(" "), "--help"], { cwd: tempDir() });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

function examplesIn(text: string): string[] {
  const at = text.indexOf("\nExamples:\n");
  if (at < 0) return [];
  const lines: string[] = [];
  for (const line of text.slice(at + "\nExamples:\n".length).split("\n")) {
    if (!line.startsWith("  prov ")) break;
    lines.push(line.trim());
  }
  return lines;
}

describe("help", () => {
  it.each(COMMANDS)("prov %s --help shows the global options and 1 to 3 examples", async (name) => {
    const text = await help(name);
    expect(text).toMatch(/Global Options:[\s\S]*--db <path>[\s\S]*--json/);
    const ex = examplesIn(text);
    expect(ex.length).toBeGreaterThanOrEqual(1);
    expect(ex.length).toBeLessThanOrEqual(3);
    for (const e of ex) expect(e.startsWith(`prov `)).toBe(true);
  });

  it("required options are marked as required", async () => {
    const text = await help("approve");
    expect(text).toMatch(/--by <name>\s+who approved \(required\)/);
    expect(text).toMatch(/--ref <approval-ref>\s+reference of the written approval \(required\)/);
    expect(await help("revoke")).toMatch(/--note <note>\s+why \(required\)/);
    expect(await help("release")).toMatch(/--by <name>\s+who releases \(required\)/);
  });

  it("a usage error is one line, then where to read more; never the whole help", async () => {
    const cases: Array<[string[], RegExp, string]> = [
      [["scan"], /^prov: error: missing required argument 'paths'$/, "prov scan --help"],
      [["ls", "--bogus"], /^prov: error: unknown option '--bogus'$/, "prov ls --help"],
      [["approve", "x.png", "--ref", "R-1"], /^prov: error: required option '--by <name>' not specified$/, "prov approve --help"],
      [["quarantine", "ls", "--nope"], /^prov: error: unknown option '--nope'$/, "prov quarantine ls --help"],
      [["frobnicate"], /^prov: error: unknown command 'frobnicate'$/, "prov --help"],
    ];
    for (const [args, first, hint] of cases) {
      const r = await runCli(args, { cwd: tempDir() });
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, r.stderr).toHaveLength(2);
      expect(lines[0]).toMatch(first);
      expect(lines[1]).toBe(`see \`${hint}\``);
      expect(r.stderr).not.toMatch(/Usage:/);
      expect(r.stdout).toBe("");
    }
  });

  it("prov with no command prints the help on stderr and exits 2", async () => {
    const r = await runCli([], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Usage: prov/);
  });
});

describe("every example in the help runs as written", () => {
  let ws: string;
  const ran = new Set<string>();
  const all = new Map<string, string[]>();

  beforeAll(async () => {
    ws = tempDir();
    for (const d of ["edit", "deliverables", "quarantine"]) fs.mkdirSync(path.join(ws, d));
    for (const f of fs.readdirSync(samplesDir)) if (f !== "README.md") copySample(f, path.join(ws, "edit"));
    for (const name of COMMANDS) all.set(name, examplesIn(await help(name)));
  });

  async function example(name: string, index: number, expectCode = 0): Promise<CliResult> {
    const line = all.get(name)?.[index];
    expect(line, `${name} has an example #${index}`).toBeDefined();
    const [prov, ...args] = words(line!);
    expect(prov).toBe("prov");
    const r = await runCli(args, { cwd: ws, timeoutMs: 60_000 });
    expect(r.code, `${line}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).toBe(expectCode);
    ran.add(`${name}#${index}`);
    return r;
  }

  it("in the order a user would meet them", { timeout: 240_000 }, async () => {
    await example("init", 0);
    await example("scan", 0);
    await example("scan", 1);
    expect(json(await example("show", 1))).toMatchObject({ recorded: true });
    expect((await example("show", 0)).stdout).toMatch(/origin\s+genai/);
    await example("ls", 0);
    expect(json(await example("ls", 1)).items.length).toBeGreaterThan(0);
    await example("tag", 0);
    await example("tag", 1);
    await example("frame", 0);
    await example("frame", 1);

    // The watcher, as `prov watch` runs: ready, a GenAI still delivered is blocked, SIGTERM stops it.
    const line = all.get("watch")![0]!;
    const [, ...args] = words(line);
    const child = spawn(process.execPath, [cliPath, ...args], { cwd: ws, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(async () => json((await runCli(["--json", "status"], { cwd: ws }))).ready === true, `prov watch to be ready: ${stderr}`, 30_000, 100);
      fs.copyFileSync(path.join(ws, "edit/genai-concept-art.jpg"), path.join(ws, "deliverables/sh010_v003.jpg"));
      await waitFor(
        async () => (json(await runCli(["--json", "quarantine", "ls"], { cwd: ws })).items as Array<{ id: number; state: string }>).some((q) => q.id === 1 && q.state === "moved"),
        `the gate to quarantine deliverables/sh010_v003.jpg: ${stderr}`,
        30_000,
        100,
      );
      await example("status", 0);
      expect(json(await example("status", 1))).toMatchObject({ running: true, ready: true });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited, stderr).toBe(0);
    ran.add("watch#0");

    await example("quarantine ls", 0);
    expect(json(await example("quarantine ls", 1)).items[0]).toMatchObject({ id: 1, state: "moved" });
    await example("approve", 0);
    await example("release", 0);
    expect(fs.existsSync(path.join(ws, "deliverables/approved/sh010_v003.jpg"))).toBe(true);
    await example("sweep", 0);
    await example("sweep", 1);
    expect(fs.readFileSync(path.join(ws, "sweep-report.html"), "utf8")).toMatch(/<html/i);
    await example("sweep", 2);
    await example("revoke", 0);
    await example("log", 0);
    await example("log", 1);
    await example("export-history", 0);
    expect((await example("verify", 0)).stdout).toMatch(/^history intact: /);
    await example("verify", 1);
    expect((await example("migrate", 0)).stdout).toMatch(/already current/);
    expect((await example("migrate", 1)).stdout).toMatch(/current$/m);
    expect((await example("volume ls", 0)).stdout).toMatch(/^no volumes configured/);
    expect((await example("volume init", 0)).stdout).toMatch(/is volume EDIT-A \(uuid /);
    expect(json(await example("volume ls", 1))).toEqual({ schemaVersion: 1, kind: "prov.volume.ls", items: [] });

    const listed = [...all].flatMap(([name, ex]) => ex.map((_, i) => `${name}#${i}`));
    expect(listed.filter((e) => !ran.has(e)), "examples not run by this test").toEqual([]);
  });
});
