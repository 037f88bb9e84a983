// prov desk: the review desk, a web page for supervisors (src/desk/). Prints a one-time
// sign-in link for the account running it, serves until SIGINT/SIGTERM. prov desk user add:
// a local account, its password read from standard input and kept as an scrypt hash.

import path from "node:path";
import { createInterface } from "node:readline";
import type { Context } from "../context.js";
import type { Config } from "../../config.js";
import { InputError } from "../../domain/errors.js";
import { currentActor } from "../../adapters/os-account.js";
import { Accounts, parseRole } from "../../desk/auth.js";
import { Desk, isLoopback, parseListen } from "../../desk/server.js";
import { log } from "../../log.js";
import { ExitCode } from "../exit.js";
import { printJson, println } from "../output.js";

/** The desk's data folder and accounts file: from config desk.*, else prov-desk/ beside the config (or here). */
export function deskPaths(config: Config): { data: string; accounts: string } {
  const base = config.file ? path.dirname(config.file) : process.cwd();
  const data = config.desk.data ?? path.join(base, "prov-desk");
  return { data, accounts: config.desk.accounts ?? path.join(data, "accounts.json") };
}

export async function deskCommand(ctx: Context, o: { listen?: string }, version: string): Promise<number> {
  const config = ctx.config();
  const { host, port } = parseListen(o.listen ?? config.desk.listen);
  if (!isLoopback(host)) log.warn(`the desk listens on ${host}, not only on this computer: put it behind a TLS reverse proxy (desk.trustedHeader) or keep it on 127.0.0.1`);
  const store = await ctx.store({ create: true });
  const paths = deskPaths(config);
  const desk = new Desk({
    store,
    config,
    clock: ctx.clock,
    version,
    host,
    port,
    accounts: new Accounts(paths.accounts),
    dataDir: paths.data,
    localAdmin: currentActor().account,
    log: (m) => log.info(m),
  });
  const url = await desk.listen();
  println(`prov desk on ${url}`);
  println(`sign in (once, within 10 minutes): ${desk.loginLink()}`);
  const signal = await ctx.takeSignals();
  log.info(`${signal}: closing the desk`);
  await desk.close();
  return ExitCode.ok;
}

/** At a terminal: asked for twice, not echoed. Otherwise the first line of standard input. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const [first, again] = await hidden(["password: ", "again: "]);
    if (again !== first) throw new InputError("the two passwords differ; nothing was written");
    return first!;
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new InputError("no password on standard input");
}

export async function deskUserAddCommand(ctx: Context, name: string, o: { role: string }): Promise<number> {
  const role = parseRole(o.role);
  const paths = deskPaths(ctx.config());
  const password = await readPassword();
  const r = await new Accounts(paths.accounts).put(name, role, password, ctx.clock.iso());
  if (ctx.globals.json) printJson("prov.desk.user.add", { name, role, accounts: paths.accounts, replaced: r.replaced });
  else println(`${r.replaced ? "replaced" : "added"} desk account ${name} (${role}) in ${paths.accounts}`);
  return ExitCode.ok;
}

/** Lines typed at the terminal without echo, one per prompt (raw mode; backspace edits, Ctrl-C gives up). */
function hidden(prompts: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    const lines: string[] = [];
    let typed = "";
    process.stderr.write(prompts[0]!);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    const finish = (err: Error | null) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (err) reject(err);
      else resolve(lines);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") {
          lines.push(typed);
          typed = "";
          process.stderr.write("\n");
          if (lines.length === prompts.length) return finish(null);
          process.stderr.write(prompts[lines.length]!);
        } else if (ch === "\u0003" || ch === "\u0004") {
          process.stderr.write("\n");
          return finish(new InputError("no password given; nothing was written"));
        } else if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}
