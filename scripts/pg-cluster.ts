// A real, throwaway PostgreSQL cluster for the tests and benchmarks that run on PostgreSQL: initdb in a
// temp folder, a free loopback port, the unix socket in the same folder, fsync off (a
// test cluster needs no durability), a fresh database per test file. As root (initdb
// refuses to run as root) the server runs as the `postgres` account, the folder chowned to
// it. Absent binaries: the tests skip with the reason printed, and fail under CI=true.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

/** The folder holding initdb and postgres: Debian's /usr/lib/postgresql/N/bin (newest), else pg_config --bindir. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian's layout
  }
  for (const v of versions) {
    const bin = path.join(root, v, "bin");
    if (fs.existsSync(path.join(bin, "initdb")) && fs.existsSync(path.join(bin, "postgres"))) return bin;
  }
  const r = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const bin = r.status === 0 ? r.stdout.trim() : "";
  if (bin && fs.existsSync(path.join(bin, "initdb")) && fs.existsSync(path.join(bin, "postgres"))) return bin;
  return null;
}

let reported = false;

/**
 * Whether a PostgreSQL server can be started here. Tests run under
 * `describe.runIf(postgresAvailable())`; with CI set a missing server throws, so the file
 * fails instead of skipping.
 */
export function postgresAvailable(): boolean {
  const bin = postgresBinDir();
  if (bin) return true;
  const why = "PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/initdb, no pg_config --bindir): apt-get install postgresql";
  if (process.env["CI"]) throw new Error(`CI is set but ${why}`);
  if (!reported) console.warn(`skipping the PostgreSQL tests: ${why}`);
  reported = true;
  return false;
}

export interface PgCluster {
  /** The superuser's password (the tests hand it over as PGPASSWORD, a password file, or in a URL). */
  readonly password: string;
  readonly user: string;
  readonly port: number;
  /** A URL for a database, without a password. */
  url(database: string): string;
  /** The same with the password in it (only for in-process tests: the CLI refuses this). */
  urlWithPassword(database: string): string;
  /** A fresh, empty database; returns its name. */
  createDatabase(prefix?: string): Promise<string>;
  /** Run SQL as the superuser on a database. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<R[]>;
  /**
   * With startPostgres({ tls: true }): the CA that signed the server's certificate (for
   * 127.0.0.1), and an account `tls_user` (password: `password`) that the server accepts
   * over TLS only, so a connection that works as it proves TLS was used.
   */
  readonly tls: { ca: string; user: string } | null;
  /** kill -9 of the server (the postmaster), as a crash does. */
  kill(): Promise<void>;
  /** Start it again on the same data and port (crash recovery). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** argv that runs a server binary as the postgres account when we are root. */
function asServerAccount(argv: string[]): { cmd: string; args: string[] } {
  if (process.getuid?.() !== 0) return { cmd: argv[0]!, args: argv.slice(1) };
  return { cmd: "setpriv", args: ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", ...argv] };
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const p of running) p.kill("SIGQUIT");
});

/** Start a cluster (one per test file: call in beforeAll, stop in afterAll). */
export async function startPostgres(opts: { tls?: boolean } = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL binaries not found");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prov-pg-"));
  const data = path.join(dir, "data");
  const sock = path.join(dir, "sock");
  fs.mkdirSync(sock);
  const password = randomBytes(12).toString("hex");
  const pwfile = path.join(dir, "pw");
  fs.writeFileSync(pwfile, password + "\n", { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const gids = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (ids.status !== 0) throw new Error("running as root, and there is no postgres account to run the server as");
    const uid = Number(ids.stdout.trim());
    const gid = Number(gids.stdout.trim());
    for (const p of [dir, sock, pwfile]) fs.chownSync(p, uid, gid);
  }
  const init = asServerAccount([path.join(bin, "initdb"), "-D", data, "-U", "postgres", "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
  const r = spawnSync(init.cmd, init.args, { encoding: "utf8", cwd: dir });
  if (r.status !== 0) throw new Error(`initdb failed (${r.status}): ${r.stderr || r.stdout}`);
  const tlsArgs: string[] = [];
  let tls: PgCluster["tls"] = null;
  if (opts.tls) {
    // A CA and a server certificate for 127.0.0.1 (openssl), the key readable by the server only.
    const ssl = (args: string[]): void => {
      const o = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
      if (o.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${o.stderr}`);
    };
    ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=prov test CA"]);
    ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
    fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
    ssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"]);
    fs.chmodSync(path.join(dir, "server.key"), 0o600);
    if (process.getuid?.() === 0) {
      const st = fs.statSync(data);
      for (const f of ["server.key", "server.pem"]) fs.chownSync(path.join(dir, f), st.uid, st.gid);
    }
    tlsArgs.push("-c", "ssl=on", "-c", `ssl_cert_file=${path.join(dir, "server.pem")}`, "-c", `ssl_key_file=${path.join(dir, "server.key")}`);
    // tls_user is accepted over TLS only; everyone else as before.
    const hba = path.join(data, "pg_hba.conf");
    fs.writeFileSync(hba, "hostnossl all tls_user 127.0.0.1/32 reject\nhostssl all tls_user 127.0.0.1/32 scram-sha-256\n" + fs.readFileSync(hba, "utf8"));
    tls = { ca: path.join(dir, "ca.pem"), user: "tls_user" };
  }
  const port = await freePort();
  const srv = asServerAccount([
    path.join(bin, "postgres"), "-D", data, "-p", String(port), "-k", sock, "-c", "listen_addresses=127.0.0.1",
    "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "log_min_messages=fatal", ...tlsArgs,
  ]);
  let child!: ChildProcess;
  let log = "";
  let exited: number | null | undefined;
  let exit!: Promise<void>;
  const launch = (): void => {
    child = spawn(srv.cmd, srv.args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
    running.add(child);
    exited = undefined;
    const c = child;
    c.stderr!.setEncoding("utf8").on("data", (d: string) => (log = (log + d).slice(-8000)));
    exit = new Promise<void>((res) => c.on("exit", (code) => ((exited = code), running.delete(c), res())));
  };
  launch();

  const user = "postgres";
  const urlFor = (db: string, pw: boolean): string => `postgres://${user}${pw ? `:${password}` : ""}@127.0.0.1:${port}/${db}`;
  const connect = async (db: string): Promise<pg.Client> => {
    const c = new pg.Client({ host: "127.0.0.1", port, user, password, database: db });
    await c.connect();
    return c;
  };
  // Ready when a connection succeeds (the server says so), or failed when it exits.
  const ready = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== undefined) throw new Error(`postgres exited (${exited}) while starting:\n${log}`);
      try {
        const c = await connect("postgres");
        await c.end();
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`postgres did not accept connections within 60 s: ${(err as Error).message}\n${log}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
  };
  await ready();

  if (tls) {
    const c = await connect("postgres");
    try {
      await c.query("CREATE ROLE tls_user LOGIN SUPERUSER PASSWORD 'password'");
    } finally {
      await c.end();
    }
  }

  let n = 0;
  return {
    tls,
    password,
    user,
    port,
    url: (db) => urlFor(db, false),
    urlWithPassword: (db) => urlFor(db, true),
    async createDatabase(prefix = "prov_test") {
      const name = `${prefix}_${process.pid}_${++n}`;
      const c = await connect("postgres");
      try {
        await c.query(`CREATE DATABASE ${name}`);
      } finally {
        await c.end();
      }
      return name;
    },
    async query(db, text, values) {
      const c = await connect(db);
      try {
        return (await c.query(text, values)).rows;
      } finally {
        await c.end();
      }
    },
    async kill() {
      if (exited !== undefined) return;
      child.kill("SIGKILL"); // the postmaster, as a crash or an OOM kill does; its backends follow it down
      await exit;
    },
    async restart() {
      // Crash recovery runs at start; a backend of the killed server still holding the
      // shared memory makes the start fail: try again until the server takes connections.
      const deadline = Date.now() + 60_000;
      for (;;) {
        launch();
        try {
          await ready();
          return;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await exit;
          await new Promise((res) => setTimeout(res, 200));
        }
      }
    },
    async stop() {
      if (exited === undefined) {
        child.kill("SIGINT"); // fast shutdown: clients disconnected, no waiting for them
        await exit;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
