// prov watch as a systemd service (contrib/systemd/prov-watch@.service): the unit passes
// `systemd-analyze verify` (paths substituted into a temporary copy, with a volume drop-in),
// and `prov watch` under a notify socket says READY=1 only once it is ready (the database
// says so at the moment the message arrives), feeds the watchdog, and says STOPPING=1 when
// stopped. The socket is a unix datagram socket made by a small python3 script.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, disposeAll, repoRoot, runCli, waitFor, Watcher } from "./helpers.js";
import { tempDir } from "../helpers/index.js";

afterAll(disposeAll);

const UNIT = path.join(repoRoot, "contrib/systemd/prov-watch@.service");
const DROPIN = path.join(repoRoot, "contrib/systemd/prov-watch@EDIT-A.service.d/volume.conf");

function has(program: string): boolean {
  return spawnSync(program, ["--version"], { stdio: "ignore" }).status === 0;
}

describe("contrib/systemd/prov-watch@.service", () => {
  it("passes systemd-analyze verify (with a volume drop-in)", { timeout: 60_000 }, () => {
    if (!has("systemd-analyze")) {
      console.log("systemd.test: systemd-analyze is not installed here; the unit is not verified");
      if (process.env["CI"] === "true") throw new Error("systemd-analyze is missing in CI");
      return;
    }
    const t = tempDir();
    // The instance, as systemd would load it: the template under the instance's name, the
    // drop-in beside it, ExecStart naming this checkout's prov (verify checks it is executable).
    const text = fs
      .readFileSync(UNIT, "utf8")
      .replace(/^ExecStart=\/usr\/bin\/prov /m, `ExecStart=${process.execPath} ${cliPath} `);
    expect(text).toContain(`ExecStart=${process.execPath}`);
    const unit = path.join(t, "prov-watch@EDIT-A.service");
    fs.writeFileSync(unit, text);
    fs.mkdirSync(`${unit}.d`);
    fs.copyFileSync(DROPIN, path.join(`${unit}.d`, "volume.conf"));
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", unit], { encoding: "utf8" });
    // Unknown keys and bad values are warnings on stderr with exit 0: none may name our files.
    const ours = (r.stderr ?? "").split("\n").filter((l) => l.includes(t) || l.includes("prov-watch@"));
    expect(ours, r.stderr).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
    // What the README promises of it.
    for (const line of ["Type=notify", "NotifyAccess=all", "User=prov", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "Restart=on-failure"]) {
      expect(text.split("\n")).toContain(line);
    }
    expect(text).toMatch(/^EnvironmentFile=-\/etc\/prov\/prov-watch\.env$/m);
    expect(fs.readFileSync(DROPIN, "utf8")).toMatch(/^RequiresMountsFor=\/mnt\/edit-a$/m);
  });
});

/** Receive on a unix datagram socket; on READY=1, look in the database at that instant. */
const RECEIVER = `
import json, socket, sqlite3, sys
sock_path, db_path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
print(json.dumps({"listening": True}), flush=True)
while True:
    data = s.recv(65536).decode()
    out = {"message": data.split("\\n")}
    if "READY=1" in out["message"]:
        con = sqlite3.connect("file:" + db_path + "?mode=ro", uri=True)
        row = con.execute("SELECT pid, ready FROM watcher WHERE volume = ''").fetchone()
        con.close()
        out["watcherRow"] = list(row) if row else None
    print(json.dumps(out), flush=True)
`;

describe("prov watch under a notify socket", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  });

  it("sends READY=1 only once ready, WATCHDOG=1 with its heartbeat, STOPPING=1 when stopped", { timeout: 120_000 }, async () => {
    if (!has("python3") || !has("systemd-notify")) {
      console.log("systemd.test: python3 or systemd-notify is missing here; the notify test is skipped");
      if (process.env["CI"] === "true") throw new Error("python3 and systemd-notify are needed in CI");
      return;
    }
    const t = tempDir();
    const deliverables = path.join(t, "deliverables");
    const quarantine = path.join(t, "quarantine");
    for (const d of [deliverables, quarantine]) fs.mkdirSync(d);
    const db = path.join(t, "prov.db");
    fs.writeFileSync(path.join(t, "prov.config.json"), JSON.stringify({ database: db, roots: { deliverables: [deliverables], quarantine }, watch: { polling: "never" }, fingerprint: { enabled: false } }));
    // The database exists before the receiver may look into it.
    expect((await runCli(["scan", deliverables], t)).code).toBe(0);

    const sock = path.join(t, "notify.sock");
    const receiver = spawn("python3", ["-c", RECEIVER, sock, db], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(receiver);
    const got: Array<{ listening?: boolean; message?: string[]; watcherRow?: [number, number] | null }> = [];
    let rerr = "";
    receiver.stderr!.setEncoding("utf8").on("data", (d: string) => (rerr += d));
    let buf = "";
    receiver.stdout!.setEncoding("utf8").on("data", (d: string) => {
      buf += d;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        got.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
    await waitFor(() => got.some((g) => g.listening), () => `the receiver to listen: ${rerr}`);

    const w = new Watcher(
      spawn(process.execPath, [cliPath, "--log-format", "json", "watch"], {
        cwd: t,
        env: { ...process.env, NOTIFY_SOCKET: sock, WATCHDOG_USEC: "1000000" },
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const messages = (): string[][] => got.filter((g) => g.message).map((g) => g.message!);
    const ready = await waitFor(() => got.find((g) => g.message?.includes("READY=1")), () => `READY=1: ${JSON.stringify(got)}\n${w.stderr}\n${rerr}`);
    // At the instant READY=1 arrived, the watcher's row already said ready.
    expect(ready.watcherRow).toEqual([w.pid, 1]);
    expect(ready.message).toContain(`MAINPID=${w.pid}`);
    expect(ready.message!.some((m) => m.startsWith("STATUS=watching 1 root(s)"))).toBe(true);
    // Nothing before it said READY, and no STOPPING yet.
    expect(messages()[0]).toEqual(ready.message);
    await waitFor(() => messages().some((m) => m.includes("WATCHDOG=1")), () => `WATCHDOG=1: ${JSON.stringify(got)}`);

    expect((await w.stop()).code, w.stderr).toBe(0);
    await waitFor(() => messages().some((m) => m.includes("STOPPING=1")), () => `STOPPING=1: ${JSON.stringify(got)}`);
    const all = messages();
    expect(all.findIndex((m) => m.includes("STOPPING=1"))).toBeGreaterThan(all.findIndex((m) => m.includes("READY=1")));
    receiver.kill();
  });
});
