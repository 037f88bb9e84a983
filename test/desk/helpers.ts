// Helpers for the desk tests: a real `prov desk` child process over a sandbox's database
// (test/watch/helpers.ts: real folders, a real `prov watch`), its accounts added with the
// real `prov desk user add`, and raw HTTP requests a browser would never send (forged ones).

import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import { cliPath, waitFor, type Sandbox } from "../watch/helpers.js";

export const CHROMIUM = "/usr/bin/chromium";

/** `prov desk user add NAME --role ROLE`, the password on standard input. */
export function addAccount(sb: Sandbox, name: string, role: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, "desk", "user", "add", name, "--role", role], { cwd: sb.dir, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`prov desk user add exited ${code}: ${out}`))));
    child.stdin.end(`${password}\n`);
  });
}

export class DeskProcess {
  stdout = "";
  stderr = "";
  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (this.stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (this.stderr += d));
  }

  /** Start `prov desk` on a free port and wait until it prints its one-time sign-in link. */
  static async start(dir: string, args: string[] = ["--listen", "127.0.0.1:0"]): Promise<DeskProcess> {
    const d = new DeskProcess(spawn(process.execPath, [cliPath, "desk", ...args], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] }));
    await waitFor(
      () => {
        if (d.child.exitCode !== null) throw new Error(`prov desk exited ${d.child.exitCode}: ${d.stderr}`);
        return /\/login\/once\?t=\S+/.test(d.stdout);
      },
      () => `prov desk to print its sign-in link; stdout: ${d.stdout}; stderr: ${d.stderr}`,
      30_000,
    );
    return d;
  }

  get link(): string {
    return /(http:\/\/\S+\/login\/once\?t=\S+)/.exec(this.stdout)![1]!;
  }

  get base(): string {
    return /prov desk on (http:\/\/\S+)/.exec(this.stdout)![1]!;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const done = new Promise<number | null>((r) => this.child.once("exit", (code) => r(code)));
    this.child.kill("SIGTERM");
    return done;
  }
}

export interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request with exactly these headers (a forged one: any Origin, any cookie). */
export function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

export function haveChromium(): boolean {
  return fs.existsSync(CHROMIUM);
}
