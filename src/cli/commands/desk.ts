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

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write("password: ");
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
  if (ctx.globals.json) printJson({ name, role, accounts: paths.accounts, replaced: r.replaced });
  else println(`${r.replaced ? "replaced" : "added"} desk account ${name} (${role}) in ${paths.accounts}`);
  return ExitCode.ok;
}
