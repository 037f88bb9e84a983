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
import { cliPath, contentIndex, parseJson, runCli, sha256, uniqueGenaiPng, uniquePlainPng, waitFor, Watcher, write } from "./helpers.js";
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

/** A list output: prov's envelope (README "JSON output"), the list under `items`. */
function listOf<T>(v: unknown): T[] {
  const doc = v as { schemaVersion?: unknown; kind?: unknown; items?: unknown };
  if (doc && typeof doc.schemaVersion === "number" && typeof doc.kind === "string" && Array.isArray(doc.items)) return doc.items as T[];
  throw new Error(`not a list document: ${JSON.stringify(v).slice(0, 500)}`);
}

interface Host {
  name: string;
  volume: string;
  mount: string;
  quarantine: string;
  config: string;
}

/**
 * Two hosts on one fresh database: A watches its edit folder (a working root) on volume
 * EDIT-A, B gates its deliverables on volume FINAL-B; each has its own quarantine.
 */
async function facility(prefix: string, watchers: Watcher[]) {
  const dbName = await cluster!.createDatabase(prefix);
  const url = cluster!.url(dbName);
  const env = { PGPASSWORD: cluster!.password };
  const t = tempDir();
  const host = (name: string, volume: string, roots: (mount: string) => Record<string, unknown>): Host => {
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
  const start = (h: Host, extraEnv: Record<string, string> = {}): Watcher => {
    const child = spawn(process.execPath, [cliPath, "--config", h.config, "--log-format", "json", "watch", "--volume", h.volume], { cwd: t, env: { ...process.env, ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    const w = new Watcher(child);
    watchers.push(w);
    return w;
  };
  const ready = (h: Host, w: Watcher) =>
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
  const rows = async (): Promise<QRow[]> => listOf<QRow>(parseJson(await cli(b, ["--json", "quarantine", "ls", "--all"])));
  const shown = async (file: string) => {
    const r = await cli(a, ["--json", "show", file]);
    return r.code === 0 ? parseJson<{ recorded?: boolean; origin: string; status: string | null }>(r) : null;
  };
  return { dbName, t, a, b, edit, deliverables, cli, start, ready, rows, shown };
}

/**
 * The entries of a quarantine's journal (moves made while the database refused writes, not
 * yet recorded), named as src/app/quarantine.ts names them. The side heartbeat beside them
 * (heartbeat.json) is not one: a watcher killed while the database refused its heartbeat
 * leaves it, stale, until a watcher there next writes one (prov status ignores it: its pid is dead).
 */
function journal(h: { quarantine: string }): string[] {
  try {
    return fs.readdirSync(path.join(h.quarantine, ".prov-journal")).filter((n) => /^[0-9a-f]{12}\.json$/.test(n));
  } catch {
    return [];
  }
}

function cwdOf(pid: number): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

/**
 * Processes left running in `dir` by a watcher killed with -9: its ExifTool (-stay_open)
 * children, reparented away from `dir`'s processes. Ended, as a supervisor's cgroup would.
 */
function reapStrays(dir: string): void {
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid || cwdOf(Number(e)) !== dir) continue;
    let ppid: number;
    try {
      ppid = Number(/^\d+ \(.*\) \S (\d+)/s.exec(fs.readFileSync(`/proc/${e}/stat`, "utf8"))![1]);
    } catch {
      continue;
    }
    if (ppid === process.pid || cwdOf(ppid) === dir) continue;
    try {
      process.kill(Number(e), "SIGKILL");
    } catch {
      // gone
    }
  }
}

describe.runIf(pgHere)("a facility: two hosts, two volumes, one PostgreSQL", () => {
  const watchers: Watcher[] = [];
  afterAll(async () => {
    for (const w of watchers) if (w.alive) await w.stop({ deadlineMs: 10_000 });
  });

  it("content recorded on A is blocked on B after label stripping; approvals and revocations on A reach B's gate; kill -9 of A and of the server loses nothing", { timeout: 400_000 }, async () => {
    const { a, b, edit, deliverables, cli, start, ready, rows, shown } = await facility("facility", watchers);

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
        return r.code === 0 ? listOf<QRow>(parseJson(r)).find((x) => x.originalPath === during && x.state === "moved") : undefined;
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
  // kill -9 at many moments of the work, each defined by what the product reports (a
  // location row for the k-th file of a batch, a quarantine row, a decision's row, a
  // journal entry), never by a clock: of watcher A, of watcher B (the gate) and of the
  // server. After each kill, what was killed is started again, both watchers are waited on
  // until idle, and everything ever written is checked: nothing lost, nothing twice.
  it("kill -9 of watcher A, of watcher B and of the server at many moments of the work loses nothing", { timeout: 900_000 }, async () => {
    const f = await facility("facility_kills", watchers);
    const { a, b, edit, deliverables, cli } = f;
    const q = <R extends Record<string, unknown> = Record<string, any>>(sql: string, values?: unknown[]) => cluster!.query<R>(f.dbName, sql, values);
    const stored = (h: Host, p: string) => `${h.volume}:${p.slice(h.mount.length)}`;
    const scanRoot = path.join(a.mount, "incoming"); // on A's volume, watched by nobody: `prov scan` records it
    let wa = f.start(a);
    let wb = f.start(b);
    await Promise.all([f.ready(a, wa), f.ready(b, wb)]);
    const logs = () => `watcher A (pid ${wa.pid}, ${JSON.stringify(wa.exitInfo)}) stderr:\n${wa.stderr.slice(-2500)}\nwatcher B (pid ${wb.pid}, ${JSON.stringify(wb.exitInfo)}) stderr:\n${wb.stderr.slice(-2500)}`;

    // What must be true, whatever was killed when.
    /** Files recorded where they are (a present location row with this content), and still there. */
    const recordedAt = new Map<string, { host: Host; sha: string }>();
    /** GenAI files delivered on B: in B's quarantine (one moved row), released and blocked again `released` times. */
    const blockedOnB = new Map<string, { sha: string; released: number }>();
    /** Decisions made: each present exactly once (approvals by ref or note, tags by note), with one event. */
    const approvals: Array<{ action: "approve" | "revoke"; sha: string; key: string }> = [];
    const tags: Array<{ sha: string; note: string }> = [];

    type Victim = "A" | "B" | "server";
    /** kill -9; a watcher's ExifTool children (stay_open) are ended too, as a supervisor's cgroup would. */
    const kill = async (v: Victim): Promise<void> => {
      if (v === "server") return cluster!.kill();
      const w = v === "A" ? wa : wb;
      w.child.kill("SIGKILL");
      await w.exited;
      reapStrays(f.t);
    };
    /** Ready: the watcher's row names it, ready, not stopped (what `prov status` reads, without a CLI per poll). */
    const ready = (h: Host, w: Watcher) =>
      waitFor(
        async () => {
          if (!w.alive) throw new Error(`the watcher of ${h.volume} exited: ${JSON.stringify(w.exitInfo)}\n${w.stderr}`);
          const [row] = await q(`SELECT pid, ready, stopped_at FROM watcher WHERE volume = $1`, [h.volume]);
          return row !== undefined && row["pid"] === w.pid && Number(row["ready"]) === 1 && !row["stopped_at"];
        },
        () => `the watcher of ${h.volume} to be ready:\n${w.stderr.slice(-3000)}`,
        120_000,
        50,
      );
    const revive = async (v: Victim, extraEnv: Record<string, string> = {}): Promise<void> => {
      if (v === "server") return cluster!.restart();
      if (v === "A") await ready(a, (wa = f.start(a, extraEnv)));
      else await ready(b, (wb = f.start(b, extraEnv)));
    };
    /** Poll what the product reports until `moment` holds (a deadline, the watchers' logs on timeout). */
    const when = <T>(moment: () => Promise<T>, what: string) => waitFor(moment, () => `${what}\n${logs()}`, 120_000, 15);

    /** Both watchers idle: ready, queues empty, roots reconciled, in a heartbeat written after `since`; every move settled, no journal entry left. */
    const idle = async (since: number) => {
      for (const [h, w] of [[a, wa], [b, wb]] as const) {
        let seen: unknown = null;
        await waitFor(
          async () => {
            if (!w.alive) throw new Error(`the watcher of ${h.volume} died: ${JSON.stringify(w.exitInfo)}`);
            const [row] = await q(`SELECT pid, ready, heartbeat_at, stopped_at, state FROM watcher WHERE volume = $1`, [h.volume]);
            seen = { row, unsettled: await q(`SELECT id, state, original_path, verified_at, fault FROM quarantine WHERE state IN ('planned', 'stuck') OR (state = 'moved' AND verified_at IS NULL)`), journal: journal(b) };
            if (!row || row["pid"] !== w.pid || Number(row["ready"]) !== 1 || row["stopped_at"] || Date.parse(String(row["heartbeat_at"])) < since + 700) return false;
            const s = JSON.parse(String(row["state"])) as { queue?: { gate: number; ingest: number }; roots?: Array<{ reconciling: boolean; lastReconcile: string | null }> };
            if (!s.queue || s.queue.gate !== 0 || s.queue.ingest !== 0) return false;
            if (!(s.roots ?? []).every((r) => !r.reconciling && r.lastReconcile !== null)) return false;
            const [u] = await q(`SELECT count(*)::int AS n FROM quarantine WHERE state IN ('planned', 'stuck') OR (state = 'moved' AND verified_at IS NULL AND fault IS NULL AND sha256 IS NOT NULL)`);
            return u!["n"] === 0 && journal(b).length === 0;
          },
          () => `the watcher of ${h.volume} (pid ${w.pid}) to be idle since ${new Date(since).toISOString()}; last seen ${JSON.stringify(seen)}\n${logs()}`,
          120_000,
          100,
        );
      }
    };

    /** Everything ever written is where it must be, once; every decision once; the history chain intact. */
    const check = async (label: string) => {
      const ctx = (s: string) => `after ${label}: ${s}`;
      // Files by content, across A's edit folder and incoming folder, B's deliverables and B's quarantine.
      const found = new Map<string, string[]>();
      for (const dir of [edit, scanRoot, deliverables, b.quarantine]) for (const [sha, ps] of contentIndex(dir)) found.set(sha, [...(found.get(sha) ?? []), ...ps]);
      const locs = new Map((await q(`SELECT l.path, l.state, a.sha256 FROM locations l LEFT JOIN assets a ON a.id = l.asset_id`)).map((r) => [String(r["path"]), r]));
      const qrows = await q(`SELECT id, original_path, quarantine_path, sha256, state, kind FROM quarantine ORDER BY id`);
      const quarantinedEvents = new Map<number, number>();
      for (const e of await q(`SELECT detail FROM events WHERE kind = 'quarantined'`)) {
        const id = Number((JSON.parse(String(e["detail"])) as { quarantine_id: number }).quarantine_id);
        quarantinedEvents.set(id, (quarantinedEvents.get(id) ?? 0) + 1);
      }
      // A move a kill interrupted before the file left deliverables is rolled back at recovery
      // (src/app/quarantine.ts finish) and the file judged again: that row stays, as the record
      // of an intent not carried out, with nothing in quarantine and no quarantined event.
      expect(qrows.filter((r) => !["moved", "released", "rolled-back"].includes(String(r["state"]))), ctx("every quarantine row is moved, released or rolled back")).toEqual([]);
      const rolledBack = qrows.filter((r) => r["state"] === "rolled-back");
      for (const r of rolledBack) {
        expect([...blockedOnB.keys()].map((p) => stored(b, p)), ctx(`rolled-back row ${r["id"]} names a GenAI file delivered on B`)).toContain(r["original_path"]);
        expect(fs.existsSync(String(r["quarantine_path"])), ctx(`rolled-back row ${r["id"]}: nothing in quarantine under its name`)).toBe(false);
        expect(quarantinedEvents.get(Number(r["id"])), ctx(`rolled-back row ${r["id"]}: no quarantined event`)).toBeUndefined();
      }
      const expected = new Set<string>();
      for (const [p, { host, sha }] of recordedAt) {
        expected.add(sha);
        expect(found.get(sha), ctx(`${p}: its content exactly once, where it was put`)).toEqual([p]);
        const loc = locs.get(stored(host, p));
        expect(loc && { state: loc["state"], sha256: loc["sha256"] }, ctx(`${p}: a location row`)).toEqual({ state: "present", sha256: sha });
        if (host === b) expect(qrows.filter((r) => r["original_path"] === stored(b, p)), ctx(`${p}: plain, never quarantined`)).toEqual([]);
      }
      for (const [p, { sha, released }] of blockedOnB) {
        expected.add(sha);
        const mine = qrows.filter((r) => r["original_path"] === stored(b, p) && r["state"] !== "rolled-back");
        expect(mine.map((r) => r["state"]).sort(), ctx(`${p}: one moved quarantine row (and one released per release)`)).toEqual([...Array<string>(released).fill("released"), "moved"].sort());
        const moved = mine.find((r) => r["state"] === "moved")!;
        expect(moved["sha256"], ctx(`${p}: the row's content`)).toBe(sha);
        expect(found.get(sha), ctx(`${p}: its content exactly once, in B's quarantine`)).toEqual([moved["quarantine_path"]]);
        const receipt = JSON.parse(fs.readFileSync(path.join(path.dirname(String(moved["quarantine_path"])), `${moved["id"]}.receipt.json`), "utf8")) as Record<string, unknown>;
        expect(receipt, ctx(`${p}: its receipt`)).toMatchObject({ id: Number(moved["id"]), sha256: sha, quarantine_path: moved["quarantine_path"] });
        for (const r of mine) expect(quarantinedEvents.get(Number(r["id"])), ctx(`${p}: one quarantined event for row ${r["id"]}`)).toBe(1);
      }
      expect([...found.keys()].filter((sha) => !expected.has(sha)).map((sha) => found.get(sha)), ctx("no other file (a leftover copy, a temporary)")).toEqual([]);
      expect(qrows.length - rolledBack.length, ctx("no other quarantine row")).toBe([...blockedOnB.values()].reduce((n, x) => n + 1 + x.released, 0));
      // Decisions: each exactly once, with exactly one event.
      const appr = await q(`SELECT p.action, p.ref, p.note, s.sha256 FROM approvals p JOIN assets s ON s.id = p.asset_id`);
      expect(appr.length, ctx("no other approval or revocation")).toBe(approvals.length);
      const evs = await q(`SELECT e.kind, e.detail, s.sha256 FROM events e LEFT JOIN assets s ON s.id = e.asset_id WHERE e.kind IN ('approved', 'revoked', 'tagged')`);
      for (const d of approvals) {
        const mine = appr.filter((r) => r["action"] === d.action && r["sha256"] === d.sha && (d.action === "approve" ? r["ref"] : r["note"]) === d.key);
        expect(mine, ctx(`${d.action} ${d.key}: one row`)).toHaveLength(1);
        const ev = evs.filter((e) => e["kind"] === `${d.action}d` && e["sha256"] === d.sha && (JSON.parse(String(e["detail"])) as Record<string, unknown>)[d.action === "approve" ? "ref" : "note"] === d.key);
        expect(ev, ctx(`${d.action} ${d.key}: one event`)).toHaveLength(1);
      }
      for (const tg of tags) {
        const ev = evs.filter((e) => e["kind"] === "tagged" && e["sha256"] === tg.sha && (JSON.parse(String(e["detail"])) as Record<string, unknown>)["note"] === tg.note);
        expect(ev, ctx(`tag ${tg.note}: one event`)).toHaveLength(1);
        const [n] = await q(`SELECT count(*)::int AS n FROM evidence e JOIN assets s ON s.id = e.asset_id WHERE e.source = 'manual' AND s.sha256 = $1`, [tg.sha]);
        expect(n!["n"], ctx(`tag ${tg.note}: one manual evidence row`)).toBe(1);
      }
      expect(evs.filter((e) => e["kind"] === "tagged"), ctx("no other tag")).toHaveLength(tags.length);
      const v = await cli(a, ["verify"]);
      expect(v.code, ctx(`prov verify: ${v.stdout}${v.stderr}`)).toBe(0);
    };

    /** Wait until every file written so far is handled (recorded, or blocked on B), then until both watchers are idle; then check. */
    const settle = async (label: string) => {
      const since = Date.now();
      let missing: string[] = [];
      await waitFor(
        async () => {
          const locs = new Map((await q(`SELECT l.path, l.state, a.sha256 FROM locations l LEFT JOIN assets a ON a.id = l.asset_id`)).map((r) => [String(r["path"]), r]));
          const moved = new Set((await q(`SELECT original_path FROM quarantine WHERE state = 'moved' AND verified_at IS NOT NULL`)).map((r) => String(r["original_path"])));
          missing = [
            ...[...recordedAt].filter(([p, { host, sha }]) => locs.get(stored(host, p))?.["sha256"] !== sha || locs.get(stored(host, p))?.["state"] !== "present").map(([p]) => `not recorded: ${p}`),
            ...[...blockedOnB.keys()].filter((p) => fs.existsSync(p) || !moved.has(stored(b, p))).map((p) => `not in quarantine: ${p}`),
          ];
          return missing.length === 0;
        },
        () => `every file written so far to be handled (${label}): ${missing.join("; ")}\n${logs()}`,
        120_000,
        50,
      );
      const t1 = Date.now();
      await idle(since);
      const t2 = Date.now();
      await check(label);
      if (process.env["KILL_TIMING"]) console.log(`${label}: round ${((since - roundStart) / 1000).toFixed(1)} s, handled ${((t1 - since) / 1000).toFixed(1)} s, idle ${((t2 - t1) / 1000).toFixed(1)} s, check ${((Date.now() - t2) / 1000).toFixed(1)} s`);
      roundStart = Date.now();
    };
    let roundStart = Date.now();

    let round = 0;
    const N = 5;
    const ks = [1, Math.ceil(N / 2), N];
    /** A batch of N files, GenAI and plain alternating; GenAI delivered on B is expected in quarantine. */
    const batch = (h: Host, dir: string, seed: string) => {
      const files: string[] = [];
      for (let i = 0; i < N; i++) {
        const genai = i % 2 === 0;
        const p = path.join(dir, `${seed}-${i}${genai ? "-gen" : ""}.png`);
        const data = genai ? uniqueGenaiPng(`${seed}-${i}`) : uniquePlainPng(`${seed}-${i}`);
        write(p, data);
        if (h === b && genai) blockedOnB.set(p, { sha: sha256(data), released: 0 });
        else recordedAt.set(p, { host: h, sha: sha256(data) });
        files.push(p);
      }
      return files;
    };
    const recordedUnder = async (h: Host, dir: string) => (await q(`SELECT count(*)::int AS n FROM locations WHERE path LIKE $1 AND state = 'present' AND asset_id IS NOT NULL`, [`${stored(h, dir)}/%`]))[0]!["n"] as number;
    /** Files of B's batch the gate has dealt with: plain ones recorded, GenAI ones with a quarantine row. */
    const handledOnB = async (files: string[]) => {
      const locs = new Set((await q(`SELECT path FROM locations WHERE state = 'present' AND asset_id IS NOT NULL`)).map((r) => String(r["path"])));
      const qs = new Set((await q(`SELECT original_path FROM quarantine`)).map((r) => String(r["original_path"])));
      return files.filter((p) => (blockedOnB.has(p) ? qs.has(stored(b, p)) : locs.has(stored(b, p)))).length;
    };

    // 1. Batches on both hosts at once; the kill comes after the k-th file of A's batch is
    // recorded (k = 1, middle, last), or the k-th of B's delivered batch is dealt with.
    const batchRounds: Array<[Victim, "A" | "B", number]> = [];
    ks.forEach((k, i) => batchRounds.push(["A", "A", k], ["B", "B", k], ["server", i % 2 === 0 ? "B" : "A", k]));
    for (const [victim, on, k] of batchRounds) {
      const r = ++round;
      const dirA = path.join(edit, `r${r}`);
      const dirB = path.join(deliverables, `r${r}`);
      batch(a, dirA, `kills-a${r}`);
      const onB = batch(b, dirB, `kills-b${r}`);
      await when(async () => (on === "A" ? (await recordedUnder(a, dirA)) >= k : (await handledOnB(onB)) >= k), `file ${k} of ${on}'s batch in round ${r} to be dealt with`);
      await kill(victim);
      await revive(victim);
      await settle(`round ${r}: kill -9 of ${victim} after file ${k} of ${on}'s batch`);
    }

    // 2. During a quarantine move on B. B kills itself at each step of the move (after the
    // intent is committed, with the file linked in both places, before the receipt); A and
    // the server are killed as soon as the move's row is visible.
    for (const step of ["quarantine:after-plan", "quarantine:after-link", "quarantine:before-receipt"]) {
      const r = ++round;
      await kill("B");
      await revive("B", { PROV_FAILPOINT: step });
      batch(b, path.join(deliverables, `r${r}`), `kills-b${r}`);
      const exit = await waitFor(() => wb.waitExit(1000), () => `watcher B to kill itself at ${step}\n${logs()}`, 120_000, 0);
      expect(exit.signal, `${step}: ${wb.stderr.slice(-2000)}`).toBe("SIGKILL");
      reapStrays(f.t);
      await revive("B");
      await settle(`round ${r}: watcher B killed at ${step}`);
    }
    for (const victim of ["A", "server"] as const) {
      const r = ++round;
      const files = batch(b, path.join(deliverables, `r${r}`), `kills-b${r}`);
      const first = stored(b, files[0]!);
      const seen = await when(async () => (await q(`SELECT state, verified_at FROM quarantine WHERE original_path = $1`, [first]))[0], `a quarantine row for ${first}`);
      await kill(victim);
      await revive(victim);
      await settle(`round ${r}: kill -9 of ${victim} when the move's row was ${JSON.stringify(seen)}`);
    }

    // 3. The gate's journal: with the server down, B moves GenAI by its own labels and keeps a
    // journal entry; B is killed with entries waiting, or while it records them.
    for (const at of ["journal written", "journal being recorded"] as const) {
      const r = ++round;
      await kill("server");
      const files = batch(b, path.join(deliverables, `r${r}`), `kills-b${r}`);
      const gen = files.filter((p) => blockedOnB.has(p));
      await when(async () => gen.every((p) => !fs.existsSync(p)) && journal(b).length >= gen.length, `B to move ${gen.length} GenAI files by their labels, with journal entries, while the server is down`);
      if (at === "journal written") {
        await kill("B");
        await revive("server");
        await revive("B");
      } else {
        await revive("server");
        await when(async () => (await q(`SELECT count(*)::int AS n FROM quarantine WHERE original_path = ANY($1)`, [gen.map((p) => stored(b, p))]))[0]!["n"] >= 1, "B to record its first journal entry");
        await kill("B");
        await revive("B");
      }
      await settle(`round ${r}: kill -9 of B, ${at}`);
    }

    // 4. Decisions by another process (the supervisor's CLI on host A): an approval, a release
    // on B, a revocation (B's gate takes the file out again) and a tag (B's gate takes a
    // plain file out); each victim is killed as soon as the decision's row is visible, the
    // server once before the decision commits.
    const blockedIdle = () => [...blockedOnB.entries()].filter(([p, x]) => x.released === 0 && path.basename(p).startsWith("kills-b1-"));
    for (const victim of ["A", "B", "server"] as const) {
      const r = ++round;
      const [file, entry] = blockedIdle()[["A", "B", "server"].indexOf(victim)]!;
      const sha = entry.sha;
      const decide = async (args: string[], row: () => Promise<unknown>, what: string) => {
        if (victim === "server") {
          // Killed before the decision commits: the command fails, saying why; it is made again once the server is back.
          await kill("server");
          const failed = await cli(a, args);
          expect(failed.code, `${what} without the server: ${failed.stderr}`).not.toBe(0);
          expect(failed.stderr.length).toBeGreaterThan(0);
          await revive("server");
          expect(await row(), `${what}: nothing recorded by the failed command`).toBeFalsy();
        }
        const run = cli(a, args);
        await when(row, `${what} to be recorded`);
        await kill(victim);
        const res = await run;
        // A decision committed is reported as made (or, with the server killed right after the commit, fails without being made twice).
        if (victim !== "server") expect(res.code, `${what}: ${res.stderr}`).toBe(0);
        await revive(victim);
      };
      const ref = `KILL-${r}`;
      await decide(["approve", sha, "--by", "Dana Post", "--ref", ref], async () => (await q(`SELECT 1 FROM approvals WHERE ref = $1`, [ref]))[0], `approval ${ref}`);
      approvals.push({ action: "approve", sha, key: ref });
      const moved = (await q(`SELECT id FROM quarantine WHERE original_path = $1 AND state = 'moved'`, [stored(b, file)]))[0]!;
      const rel = await cli(b, ["release", String(moved["id"]), "--by", "Lee Editor"]);
      expect(rel.code, rel.stderr).toBe(0);
      expect(sha256(file)).toBe(sha);
      // Released and approved: it stays in deliverables (recorded there), until revoked.
      blockedOnB.delete(file);
      recordedAt.set(file, { host: b, sha });
      const since = Date.now();
      await idle(since);
      expect(fs.existsSync(file), `${file} approved and released must stay`).toBe(true);
      const note = `withdrawn in round ${r}`;
      await decide(["revoke", sha, "--by", "Dana Post", "--note", note], async () => (await q(`SELECT 1 FROM approvals WHERE note = $1`, [note]))[0], `revocation ${JSON.stringify(note)}`);
      approvals.push({ action: "revoke", sha, key: note });
      recordedAt.delete(file);
      blockedOnB.set(file, { sha, released: 1 });
      // A plain file delivered on B, tagged GenAI by the supervisor: B's gate takes it out.
      const [plain, plainAt] = [...recordedAt.entries()].find(([, x]) => x.host === b)!;
      const tagNote = `tagged in round ${r}`;
      await decide(["tag", plainAt.sha, "--genai", "--by", "Dana Post", "--note", tagNote], async () => (await q(`SELECT 1 FROM events WHERE kind = 'tagged' AND detail LIKE $1`, [`%${tagNote}%`]))[0], `tag ${JSON.stringify(tagNote)}`);
      tags.push({ sha: plainAt.sha, note: tagNote });
      recordedAt.delete(plain);
      blockedOnB.set(plain, { sha: plainAt.sha, released: 0 });
      await settle(`round ${r}: kill -9 of ${victim} during an approval, a revocation and a tag`);
    }

    // 5. `prov scan` of a folder on host A, killed after its k-th file is recorded: a dead
    // watcher does not stop it; a dead server makes it fail, and it is run again.
    for (const [victim, k] of [["A", ks[1]!], ["B", ks[2]!], ["server", ks[0]!]] as const) {
      const r = ++round;
      const dir = path.join(scanRoot, `r${r}`);
      batch(a, dir, `kills-s${r}`);
      const scan = cli(a, ["scan", dir]);
      await when(async () => (await recordedUnder(a, dir)) >= k, `prov scan to record file ${k} of ${dir}`);
      await kill(victim);
      const res = await scan;
      if (victim !== "server") expect(res.code, res.stderr).toBe(0);
      await revive(victim);
      if (res.code !== 0) {
        expect(res.stderr, "a scan the server's death stopped says so").toMatch(/\S/);
        const again = await cli(a, ["scan", dir]);
        expect(again.code, again.stderr).toBe(0);
      }
      await settle(`round ${r}: kill -9 of ${victim} after prov scan recorded file ${k}`);
    }

    expect(wa.alive && wb.alive, logs()).toBe(true);
  });
});
