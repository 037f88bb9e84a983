// prov desk from the command line: its help and examples, accounts added from standard
// input, bad input refused in one sentence, and a warning when it listens beyond loopback.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath, runCli, tempDir } from "../helpers/index.js";
import { DeskProcess, raw } from "./helpers.js";

function workspace(): string {
  const ws = tempDir();
  for (const d of ["edit", "deliverables", "quarantine"]) fs.mkdirSync(path.join(ws, d));
  return ws;
}

describe("prov desk (command line)", () => {
  it("its help shows the examples, and the account example runs as written", async () => {
    const ws = workspace();
    expect((await runCli(["init", "--working", "edit", "--deliverables", "deliverables", "--quarantine", "quarantine"], { cwd: ws })).code).toBe(0);
    const help = await runCli(["desk", "--help"], { cwd: ws });
    expect(help.stdout).toMatch(/prov desk --listen 127\.0\.0\.1:7421/);
    const addHelp = await runCli(["desk", "user", "add", "--help"], { cwd: ws });
    const example = /^\s+(prov desk user add .*)$/m.exec(addHelp.stdout)![1]!;
    fs.writeFileSync(path.join(ws, "password.txt"), "a long enough password\n");
    const r = spawnSync("sh", ["-c", example.replace(/^prov /, `"${process.execPath}" "${cliPath}" `)], { cwd: ws, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^added desk account dana \(approver\) in .*prov-desk\/accounts\.json\n$/);
    const accounts = JSON.parse(fs.readFileSync(path.join(ws, "prov-desk", "accounts.json"), "utf8")) as { accounts: Array<{ name: string; role: string; password: string }> };
    expect(accounts.accounts).toMatchObject([{ name: "dana", role: "approver" }]);
    expect(accounts.accounts[0]!.password).toMatch(/^scrypt\$/);
  });

  it("refuses a role it does not know and a short password, in one sentence", async () => {
    const ws = workspace();
    const bad = await runCli(["desk", "user", "add", "dana", "--role", "boss"], { cwd: ws });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^prov: error: option '--role <role>' argument 'boss' is invalid/);
    const r = spawnSync(process.execPath, [cliPath, "desk", "user", "add", "dana", "--role", "viewer"], { cwd: ws, input: "short\n", encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the password must have at least 8 characters/);
  });

  it("at a terminal, asks for the password twice and refuses two that differ", async () => {
    const script = spawnSync("sh", ["-c", "command -v script"], { encoding: "utf8" }).stdout.trim();
    if (!script) {
      if (process.env["CI"]) throw new Error("script (util-linux) is missing: it gives this test a terminal");
      console.warn("SKIPPED: script (util-linux) is not installed, so prov desk user add at a terminal was not tested");
      return;
    }
    const ws = workspace();
    const atTerminal = (name: string, typed: string) => {
      fs.writeFileSync(path.join(ws, "typed.txt"), typed);
      return spawnSync(script, ["-qfc", `"${process.execPath}" "${cliPath}" desk user add ${name} --role viewer < /dev/tty; echo "exit=$?"`, "/dev/null"], { cwd: ws, input: fs.readFileSync(path.join(ws, "typed.txt")), encoding: "utf8" });
    };
    const ok = atTerminal("tina", "tty-password-1\rtty-password-1\r");
    expect(ok.stdout).toMatch(/password: [\s\S]*again: [\s\S]*added desk account tina \(viewer\)[\s\S]*exit=0/);
    const differ = atTerminal("tom", "tty-password-1\rtty-password-2\r");
    expect(differ.stdout).toMatch(/the two passwords differ; nothing was written[\s\S]*exit=2/);
    const accounts = JSON.parse(fs.readFileSync(path.join(ws, "prov-desk", "accounts.json"), "utf8")) as { accounts: Array<{ name: string }> };
    expect(accounts.accounts.map((a) => a.name)).toEqual(["tina"]);
  });

  it("warns when it listens beyond loopback, and stops on SIGTERM", async () => {
    const ws = workspace();
    expect((await runCli(["init", "--working", "edit", "--deliverables", "deliverables", "--quarantine", "quarantine"], { cwd: ws })).code).toBe(0);
    const d = await DeskProcess.start(ws, ["--listen", "0.0.0.0:0"]);
    try {
      expect(d.stderr).toMatch(/listens on 0\.0\.0\.0, not only on this computer/);
      expect((await raw(`${d.base}/login`)).status).toBe(200);
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});

describe("prov desk behind a trusted reverse proxy", () => {
  it("believes desk.trustedHeader only from desk.trustedProxies, with the role of the account of that name", async () => {
    const ws = workspace();
    expect((await runCli(["init", "--working", "edit", "--deliverables", "deliverables", "--quarantine", "quarantine"], { cwd: ws })).code).toBe(0);
    const cfgFile = path.join(ws, "prov.config.json");
    const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Record<string, unknown>;
    cfg["desk"] = { trustedHeader: "X-Forwarded-User", trustedProxies: ["127.0.0.1"] };
    fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
    const add = spawnSync(process.execPath, [cliPath, "desk", "user", "add", "dana", "--role", "approver"], { cwd: ws, input: "a long enough password\n", encoding: "utf8" });
    expect(add.status, add.stderr).toBe(0);
    // Every address, so the same desk can be reached from an address that is not the proxy's.
    const d = await DeskProcess.start(ws, ["--listen", "0.0.0.0:0"]);
    try {
      const port = new URL(d.base).port;
      const viaProxy = await raw(`http://127.0.0.1:${port}/`, { headers: { "X-Forwarded-User": "dana" } });
      expect(viaProxy.status).toBe(200);
      expect(viaProxy.body).toMatch(/<span id="who">dana<\/span> <span class="role">approver<\/span>/);
      const stranger = await raw(`http://127.0.0.1:${port}/`, { headers: { "X-Forwarded-User": "someone-else" } });
      expect(stranger.body).toMatch(/<span class="role">viewer<\/span>/);
      expect((await raw(`http://127.0.0.1:${port}/`)).status).toBe(303);
      // Behind TLS (the proxy says so): the session cookie is Secure.
      const link = new URL(d.link);
      const signIn = await raw(`http://127.0.0.1:${port}${link.pathname}${link.search}`, { headers: { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "desk.example" } });
      expect(signIn.status).toBe(303);
      expect(String(signIn.headers["set-cookie"])).toMatch(/^prov_desk=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
      const other = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal);
      if (other) {
        const forged = await raw(`http://${other.address}:${port}/`, { headers: { "X-Forwarded-User": "dana" } });
        expect([forged.status, forged.headers.location]).toEqual([303, "/login"]);
      } else console.warn("no non-loopback IPv4 address here: the forged-header case from another address was not run");
    } finally {
      expect(await d.stop()).toBe(0);
    }
  });
});
