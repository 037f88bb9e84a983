// A facility (issue 16): two storage hosts, each a `prov watch --volume` process with its
// own config, mount and quarantine, sharing one PostgreSQL database. Host A records a GenAI
// still on its edit volume; a copy with its labels stripped, delivered on host B's volume,
// is blocked by B (it knows the content A recorded). An approval made on host A lets host B
// release the file; a revocation on host A makes B's gate take it out again (NOTIFY wakes
// it). kill -9 of host A's watcher and of the database server loses nothing: while the
// server is down B still blocks GenAI by its own labels, and records the move once the
// server is back. Every wait is on what the product reports (status, the database, files).

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath, parseJson, runCli, sha256, uniqueGenaiPng, uniquePlainPng, waitFor, Watcher, write } from "./helpers.js";
import { tempDir } from "../helpers/index.js";
import { postgresAvailable, startPostgres, type PgCluster } from "../helpers/postgres.js";

const pgHere = postgresAvailable();
let cluster: PgCluster | null = null;
beforeAll(async () => {
  if (pgHere) cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

interface QRow {
  id: number;
  state: string;
  reason: string;
  originalPath: string;
  quarantinePath: string;
}

describe.runIf(pgHere)("a facility: two hosts, two volumes, one PostgreSQL", () => {
  const watchers: Watcher[] = [];
  afterAll(async () => {
    for (const w of watchers) if (w.alive) await w.stop({ deadlineMs: 10_000 });
  });

  it("content recorded on A is blocked on B after label stripping; approvals and revocations on A reach B's gate; kill -9 of A and of the server loses nothing", { timeout: 400_000 }, async () => {
    const url = cluster!.url(await cluster!.createDatabase("facility"));
    const env = { PGPASSWORD: cluster!.password };
    const t = tempDir();
    const host = (name: string, volume: string, roots: (mount: string) => Record<string, unknown>) => {
      const mount = path.join(t, `storage-${volume}`);
      fs.mkdirSync(mount, { recursive: true });
      const quarantine = path.join(t, `${name}-quarantine`);
      fs.mkdirSync(quarantine, { recursive: true });
      const r = roots(mount);
      for (const d of [...((r["working"] as string[]) ?? []), ...((r["deliverables"] as string[]) ?? [])]) fs.mkdirSync(d, { recursive: true });
      const config = path.join(t, `${name}.json`);
      fs.writeFileSync(config, JSON.stringify({ database: url, volumes: { [volume]: { mount } }, roots: { ...r, quarantine }, gate: { stableSeconds: 0.3 }, watch: { polling: "never" } }));
      return { name, volume, mount, quarantine, config };
    };
    const a = host("host-a", "EDIT-A", (m) => ({ working: [path.join(m, "edit")], deliverables: [] }));
    const b = host("host-b", "FINAL-B", (m) => ({ working: [], deliverables: [path.join(m, "deliverables")] }));
    const edit = path.join(a.mount, "edit");
    const deliverables = path.join(b.mount, "deliverables");
    const cli = (h: { config: string }, args: string[]) => runCli(["--config", h.config, ...args], t, { env });
    const m = await cli(a, ["migrate"]);
    expect(m.code, m.stderr).toBe(0);
    for (const h of [a, b]) {
      const r = await cli(h, ["volume", "init", h.volume, h.mount]);
      expect(r.code, r.stderr).toBe(0);
    }
    const start = (h: { config: string; volume: string }): Watcher => {
      const child = spawn(process.execPath, [cliPath, "--config", h.config, "--log-format", "json", "watch", "--volume", h.volume], { cwd: t, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      const w = new Watcher(child);
      watchers.push(w);
      return w;
    };
    const ready = (h: { config: string; volume: string }, w: Watcher) =>
      waitFor(
        async () => {
          if (!w.alive) throw new Error(`the watcher of ${h.volume} exited: ${JSON.stringify(w.exitInfo)}\n${w.stderr}`);
          const st = parseJson<{ watchers: Array<{ volume: string; pid: number; ready: boolean; running: boolean }> }>(await cli(h, ["--json", "status"]));
          return st.watchers.some((s) => s.volume === h.volume && s.pid === w.pid && s.ready && s.running);
        },
        () => `the watcher of ${h.volume} to be ready:\n${w.stderr.slice(-3000)}`,
        120_000,
        100,
      );
    const rows = async (): Promise<QRow[]> => parseJson<{ items: QRow[] }>(await cli(b, ["--json", "quarantine", "ls", "--all"])).items;
    const shown = async (file: string) => {
      const r = await cli(a, ["--json", "show", file]);
      return r.code === 0 ? parseJson<{ recorded?: boolean; origin: string; status: string | null }>(r) : null;
    };

    let wa = start(a);
    const wb = start(b);
    await Promise.all([ready(a, wa), ready(b, wb)]);

    // 1. Host A records a GenAI still; the same picture without its labels is delivered on B.
    const genai = uniqueGenaiPng("facility-still");
    write(path.join(edit, "matte.png"), genai);
    await waitFor(async () => (await shown(path.join(edit, "matte.png")))?.origin === "genai", () => `host A to record the GenAI still:\n${wa.stderr.slice(-2000)}`, 120_000, 100);
    const stripped = uniquePlainPng("facility-still");
    expect(sha256(stripped)).not.toBe(sha256(genai));
    const delivered = write(path.join(deliverables, "sh020_matte.png"), stripped);
    const blocked = await waitFor(
      async () => (await rows()).find((r) => r.originalPath === delivered && r.state === "moved"),
      () => `host B to block the label-stripped copy:\n${wb.stderr.slice(-3000)}`,
      120_000,
      100,
    );
    expect(fs.existsSync(delivered)).toBe(false);
    expect(sha256(blocked.quarantinePath)).toBe(sha256(stripped));
    expect(blocked.reason).toMatch(/media data|derived|genai/i);

    // 2. The supervisor, on host A, approves what was delivered (the release refusal names
    // it): host B releases it without --force.
    const refused = await cli(b, ["release", String(blocked.id), "--by", "Lee Editor"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`prov approve ${sha256(stripped).slice(0, 12)}`);
    const ok = await cli(a, ["approve", sha256(stripped), "--by", "Dana Post", "--ref", "STUDIO-GENAI-7"]);
    expect(ok.code, ok.stderr).toBe(0);
    const rel = await cli(b, ["--json", "release", String(blocked.id), "--by", "Lee Editor"]);
    expect(rel.code, rel.stderr).toBe(0);
    expect(parseJson(rel)).toMatchObject({ releasedTo: delivered, forced: false });
    expect(sha256(delivered)).toBe(sha256(stripped));

    // 3. Revoked on host A: host B's gate takes the delivered file out again.
    expect((await cli(a, ["revoke", sha256(stripped), "--by", "Dana Post", "--note", "the studio withdrew it"])).code).toBe(0);
    await waitFor(() => !fs.existsSync(delivered), () => `host B to quarantine the file again after the revocation:\n${wb.stderr.slice(-3000)}`, 60_000, 25);
    const again = (await rows()).filter((r) => r.originalPath === delivered && r.state === "moved");
    expect(again).toHaveLength(1);

    // 4. kill -9 of host A's watcher: B goes on; a new A takes the lease back after expiry.
    wa.child.kill("SIGKILL");
    await wa.exited;
    const late = write(path.join(deliverables, "sh030_gen.png"), uniqueGenaiPng("facility-late"));
    await waitFor(async () => (await rows()).some((r) => r.originalPath === late && r.state === "moved"), "host B to block while A is dead", 60_000, 100);
    wa = start(a);
    await ready(a, wa);

    // 5. kill -9 of the database server. B keeps blocking by a file's own labels, moves it,
    // and records the move when the server is back; nothing delivered stays, nothing is lost.
    await cluster!.kill();
    const during = write(path.join(deliverables, "sh040_gen.png"), uniqueGenaiPng("facility-outage"));
    const duringSha = sha256(during);
    await waitFor(() => !fs.existsSync(during), () => `host B to block by the file's own labels while the database is down:\n${wb.stderr.slice(-3000)}`, 60_000, 25);
    const parked = fs.readdirSync(b.quarantine, { recursive: true }).map(String).filter((f) => f.endsWith("sh040_gen.png"));
    expect(parked).toHaveLength(1);
    expect(sha256(path.join(b.quarantine, parked[0]!))).toBe(duringSha);
    // prov status says so, from what the watcher keeps in its quarantine, and fails (exit 3).
    let lastStatus = "";
    const down = await waitFor(
      async () => {
        const r = await cli(b, ["status"]);
        lastStatus = JSON.stringify(r);
        return r.code === 3 && /running \(pid \d+ on .*\) without its database/.test(r.stdout) && /1 move\(s\) made without the database/.test(r.stdout) ? r : undefined;
      },
      () => `prov status to say the watcher runs without its database: ${lastStatus}`,
      30_000,
      200,
    );
    expect(down.stdout).toMatch(/^database: CANNOT BE OPENED: /m);
    expect(down.stdout + down.stderr).not.toContain(cluster!.password);
    await cluster!.restart();
    const recorded = await waitFor(
      async () => {
        const r = await cli(b, ["--json", "quarantine", "ls", "--all"]);
        return r.code === 0 ? parseJson<{ items: QRow[] }>(r).items.find((x) => x.originalPath === during && x.state === "moved") : undefined;
      },
      () => `the move made during the outage to be recorded once the database is back:\n${wb.stderr.slice(-3000)}`,
      120_000,
      200,
    );
    expect(sha256(recorded.quarantinePath)).toBe(duringSha);
    expect(wb.alive, wb.stderr.slice(-3000)).toBe(true);
    // Every file is somewhere, once: the delivered ones in quarantine, A's still in its edit folder.
    const all = (await rows()).filter((r) => r.state === "moved");
    expect(all.map((r) => path.basename(r.originalPath)).sort()).toEqual(["sh020_matte.png", "sh030_gen.png", "sh040_gen.png"]);
    for (const r of all) expect(fs.existsSync(r.quarantinePath), r.quarantinePath).toBe(true);
    expect(sha256(path.join(edit, "matte.png"))).toBe(sha256(genai));
    const v = await cli(a, ["verify"]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(wa.stdout + wa.stderr + wb.stdout + wb.stderr).not.toContain(cluster!.password);
  });
});
