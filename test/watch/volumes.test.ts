// Several watchers at once, a lease per volume (issue 16): two `prov watch --volume` processes
// on two volumes share one SQLite database, each as its own simulated host (a UTS namespace
// with its own host name when this process may make one, its own config, mount and
// quarantine). Each blocks the GenAI delivered on its own volume; a second watcher on a
// volume is refused naming the holder; kill -9 of one leaves the other working, and a
// standby takes the dead one's lease once `prov status` reports it gone. Every wait is on
// what the product reports (`prov status`, the database, the folders).

import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, Db, disposeAll, parseJson, runCli, sha256, uniqueGenaiPng, waitFor, Watcher, write } from "./helpers.js";
import { tempDir } from "../helpers/index.js";

afterAll(disposeAll);

const LEASE_EXIT = 75;

/** May this process give a child its own host name (unshare --uts)? Else every "host" is this one. */
const canUnshare = ((): boolean => {
  try {
    execFileSync("unshare", ["--uts", "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

interface WatcherStatus {
  volume: string;
  host: string;
  pid: number;
  running: boolean;
  ready: boolean;
  stale: boolean;
  roots: Array<{ root: string; role: string }>;
  queue: number | null;
  heartbeatAgeSeconds: number | null;
}

describe("two watchers on two volumes, one database", () => {
  const watchers: Watcher[] = [];
  afterAll(async () => {
    for (const w of watchers) if (w.alive) await w.stop({ deadlineMs: 10_000 });
  });

  it("each gates its own volume; a second on a volume is refused; a standby takes a killed one's lease", { timeout: 300_000 }, async () => {
    if (!canUnshare) console.log("volumes watch test: unshare --uts is not allowed here; the simulated hosts share this host's name (a dead holder is then seen at once by its pid)");
    const t = tempDir();
    const db = path.join(t, "prov.db");
    const host = (name: string, volume: string) => {
      const mount = path.join(t, `storage-${volume}`);
      const deliverables = path.join(mount, "deliverables");
      const quarantine = path.join(t, `${name}-quarantine`);
      fs.mkdirSync(deliverables, { recursive: true });
      fs.mkdirSync(quarantine, { recursive: true });
      const config = path.join(t, `${name}.json`);
      fs.writeFileSync(
        config,
        JSON.stringify({
          database: db,
          volumes: { [volume]: { mount } },
          roots: { deliverables: [deliverables], quarantine },
          gate: { stableSeconds: 0.3 },
          watch: { polling: "never" },
          fingerprint: { enabled: false },
        }),
      );
      return { name, volume, mount, deliverables, quarantine, config };
    };
    const a = host("host-a", "EDIT-A");
    const b = host("host-b", "EDIT-B");
    const cli = (config: string, args: string[]) => runCli(["--config", config, ...args], t);
    for (const h of [a, b]) expect((await cli(h.config, ["volume", "init", h.volume, h.mount])).code).toBe(0);

    const start = (h: { config: string; volume: string }, as: string): Watcher => {
      const args = [cliPath, "--config", h.config, "--log-format", "json", "watch", "--volume", h.volume];
      const child = canUnshare
        ? spawn("unshare", ["--uts", "sh", "-c", 'hostname "$0" && exec "$@"', as, process.execPath, ...args], { cwd: t, stdio: ["ignore", "pipe", "pipe"] })
        : spawn(process.execPath, args, { cwd: t, stdio: ["ignore", "pipe", "pipe"] });
      const w = new Watcher(child);
      watchers.push(w);
      return w;
    };
    const status = async (): Promise<WatcherStatus[]> => parseJson<{ watchers: WatcherStatus[] }>(await cli(b.config, ["--json", "status"])).watchers;
    const ofVolume = async (v: string) => (await status()).find((s) => s.volume === v);
    const waitReady = (w: Watcher, v: string) =>
      waitFor(
        async () => {
          if (!w.alive) throw new Error(`watcher of ${v} exited: ${JSON.stringify(w.exitInfo)}\n${w.stderr}`);
          const s = await ofVolume(v);
          return s && s.pid === w.pid && s.running && s.ready;
        },
        () => `the watcher of ${v} (pid ${w.pid}) to be ready:\n${w.stderr}`,
      );
    const dbRead = new Db(db);
    /** Delivered GenAI, blocked into this host's own quarantine (so by this host's watcher). */
    const blocked = async (h: typeof a, tag: string): Promise<void> => {
      const file = write(path.join(h.deliverables, `${tag}.png`), uniqueGenaiPng(`${h.volume}-${tag}`));
      const sha = sha256(file);
      const stored = `${h.volume}:/deliverables/${tag}.png`;
      const row = await waitFor(
        () => dbRead.quarantineRows().find((r) => r.original_path === stored && r.state === "moved"),
        () => `${file} to be quarantined; rows ${JSON.stringify(dbRead.quarantineRows().map((r) => [r.original_path, r.state]))}`,
      );
      expect(fs.existsSync(file)).toBe(false);
      expect(row.quarantine_path.startsWith(`${h.volume}:`)).toBe(false);
      expect(path.dirname(path.dirname(row.quarantine_path))).toBe(h.quarantine);
      expect(sha256(row.quarantine_path)).toBe(sha);
    };

    const wa = start(a, "host-a");
    const wb = start(b, "host-b");
    await Promise.all([waitReady(wa, "EDIT-A"), waitReady(wb, "EDIT-B")]);
    const both = await status();
    const expectHost = (n: string) => (canUnshare ? n : hostname());
    expect(both.map((s) => [s.volume, s.host, s.pid, s.ready])).toEqual([
      ["EDIT-A", expectHost("host-a"), wa.pid, true],
      ["EDIT-B", expectHost("host-b"), wb.pid, true],
    ]);
    // Host B does not mount EDIT-A: it sees host A's root in stored form; host A sees its own path.
    expect(both[0]!.roots).toEqual([{ root: "EDIT-A:/deliverables", role: "deliverables", queue: 0, unmounted: null }]);
    const fromA = parseJson<{ watchers: WatcherStatus[] }>(await cli(a.config, ["--json", "status"])).watchers;
    expect(fromA.map((w) => w.roots.map((r) => r.root))).toEqual([[a.deliverables], ["EDIT-B:/deliverables"]]);
    const text = await cli(a.config, ["status"]);
    expect(text.stdout).toMatch(/^watchers:$/m);
    expect(text.stdout).toMatch(new RegExp(`EDIT-A\\s+${expectHost("host-a")}\\s+${wa.pid}\\s+ready`));
    expect(text.stdout).toMatch(new RegExp(`EDIT-B\\s+${expectHost("host-b")}\\s+${wb.pid}\\s+ready`));

    await Promise.all([blocked(a, "a1"), blocked(b, "b1")]);

    // A second watcher on EDIT-A (a standby host) is refused, naming the holder.
    const second = start(a, "host-c");
    const refused = await second.exited;
    expect(refused.code, second.stderr).toBe(LEASE_EXIT);
    expect(second.stderr).toContain(`pid ${wa.pid} on host ${expectHost("host-a")}`);
    expect(second.stderr).toContain("volume EDIT-A");

    // kill -9 of A: B goes on gating its own volume.
    await wa.kill9();
    await blocked(b, "b2");
    // Status reports A's watcher gone (its heartbeat expired, or its pid is dead on this host)...
    await waitFor(async () => {
      const s = await ofVolume("EDIT-A");
      return s && !s.running && s.stale;
    }, "prov status to report the killed watcher of EDIT-A as not running", 60_000, 200);
    expect((await ofVolume("EDIT-B"))).toMatchObject({ running: true, ready: true, pid: wb.pid });
    // ... and a standby takes its lease over and gates EDIT-A.
    const standby = start(a, "host-c");
    await waitReady(standby, "EDIT-A");
    expect(await ofVolume("EDIT-A")).toMatchObject({ host: expectHost("host-c"), pid: standby.pid });
    await blocked(a, "a2");

    for (const w of [standby, wb]) expect((await w.stop()).code, w.stderr).toBe(0);
    const after = await status();
    expect(after.every((s) => !s.running && !s.stale)).toBe(true);
    dbRead.close();
  });

  it("a volume whose marker is missing or another volume's is refused at start and paused while running", { timeout: 240_000 }, async () => {
    const t = tempDir();
    const mount = path.join(t, "edit-a");
    const deliverables = path.join(mount, "deliverables");
    const quarantine = path.join(t, "quarantine");
    for (const d of [deliverables, quarantine]) fs.mkdirSync(d, { recursive: true });
    const config = path.join(t, "prov.config.json");
    fs.writeFileSync(
      config,
      JSON.stringify({ database: path.join(t, "prov.db"), volumes: { "EDIT-A": { mount } }, roots: { deliverables: [deliverables], quarantine }, gate: { stableSeconds: 0.3 }, watch: { polling: "never" }, fingerprint: { enabled: false } }),
    );
    const cli = (args: string[]) => runCli(["--config", config, ...args], t);
    const watch = (): Watcher => {
      const w = new Watcher(spawn(process.execPath, [cliPath, "--config", config, "--log-format", "json", "watch", "--volume", "EDIT-A"], { cwd: t, stdio: ["ignore", "pipe", "pipe"] }));
      watchers.push(w);
      return w;
    };

    // Never marked: refused, saying how to mark it.
    const unmarked = watch();
    expect((await unmarked.exited).code).toBe(2);
    expect(unmarked.stderr).toContain(`cannot watch ${deliverables}: ${path.join(mount, ".prov-volume.json")} is missing`);
    expect(unmarked.stderr).toContain("prov volume init EDIT-A");
    // Marked as another volume: refused, naming it.
    expect((await cli(["volume", "init", "EDIT-Z", mount])).code).toBe(0);
    const other = watch();
    expect((await other.exited).code).toBe(2);
    expect(other.stderr).toContain(`${mount} holds volume EDIT-Z`);
    fs.rmSync(path.join(mount, ".prov-volume.json"));
    expect((await cli(["volume", "init", "EDIT-A", mount])).code).toBe(0);

    const w = watch();
    const root = async () => parseJson<{ watchers: Array<{ volume: string; ready: boolean; roots: Array<{ root: string; unmounted: string | null }> }> }>(await cli(["--json", "status"])).watchers.find((x) => x.volume === "EDIT-A");
    await waitFor(async () => (await root())?.ready, () => `the watcher to be ready: ${w.stderr}`);

    // Another volume appears at the mount point (a real mount over it when allowed, else its marker).
    const marker = path.join(mount, ".prov-volume.json");
    const kept = fs.readFileSync(marker);
    const impostor = path.join(t, "impostor");
    fs.mkdirSync(path.join(impostor, "deliverables"), { recursive: true });
    fs.writeFileSync(path.join(impostor, ".prov-volume.json"), JSON.stringify({ name: "EDIT-B", uuid: "00000000-0000-4000-8000-000000000000", createdAt: new Date().toISOString() }));
    let overmounted = false;
    try {
      execFileSync("mount", ["--bind", impostor, mount], { stdio: "ignore" });
      overmounted = true;
    } catch {
      fs.writeFileSync(marker, fs.readFileSync(path.join(impostor, ".prov-volume.json")));
    }
    try {
      const paused = await waitFor(async () => (await root())?.roots[0]?.unmounted, "the root to be paused", 60_000, 200);
      expect(paused).toContain(`${mount} holds volume EDIT-B`);
    } finally {
      if (overmounted) execFileSync("umount", [mount]);
      else fs.writeFileSync(marker, kept);
    }
    // The right volume back: watched again and reconciled; what arrived on it meanwhile is gated.
    const late = write(path.join(deliverables, "late.png"), uniqueGenaiPng("late-2"));
    await waitFor(async () => (await root())?.roots[0]?.unmounted === null, "the root to be watched again", 60_000, 200);
    await waitFor(() => !fs.existsSync(late), `${late} to be quarantined: ${w.stderr}`);
    expect(w.logs().some((l) => l.level === "warn" && l.msg.includes("paused") && l.msg.includes("EDIT-B"))).toBe(true);
    expect((await w.stop()).code, w.stderr).toBe(0);
  });
});
