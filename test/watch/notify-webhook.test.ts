// Notices by webhook: a real `prov watch` POSTs signed JSON to a real HTTP receiver on a
// loopback socket (node:http here in the test), which checks the signature with the secret
// the way the README tells a facility to. Failures are retried with the same delivery id;
// refusals are not; a receiver that hangs never holds up the gate.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../src/adapters/notify/signature.js";
import { disposeAll, parseJson, Sandbox, sha256, uniqueGenaiPng, waitBlocked, waitFor, write } from "./helpers.js";

afterAll(disposeAll);

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { schemaVersion: number; kind: string; event: string; id: string; at: string; host: string; path: string | null; reason: string; detail: Record<string, unknown> };
  /** The signature checked with the secret, as a receiver does. */
  verified: { ok: boolean; reason?: string };
}

type Answer = { status: number; headers?: Record<string, string> } | "hang";

interface Receiver {
  url: string;
  got: Received[];
  /** Requests held open, never answered (until close). */
  hanging: http.ServerResponse[];
  close(): Promise<void>;
}

const SECRET = "whsec_prov_test_9d2e1c";

async function receiver(answer: (n: number, r: Received) => Answer): Promise<Receiver> {
  const got: Received[] = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const r: Received = {
        headers: req.headers,
        body: raw.toString("utf8"),
        json: JSON.parse(raw.toString("utf8")) as Received["json"],
        verified: verifySignature(SECRET, req.headers["x-prov-signature"] as string | undefined, raw, Math.floor(Date.now() / 1000)),
      };
      got.push(r);
      const a = answer(got.length, r);
      if (a === "hang") return void hanging.push(res);
      res.writeHead(a.status, a.headers ?? {}).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/prov`,
    got,
    hanging,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Configure the sandbox's notify.webhook (secret in an owner-only file) and quick retries. */
function withWebhook(sb: Sandbox, url: string, webhook: Record<string, unknown> = {}, secretMode = 0o600): string {
  const secretFile = path.join(sb.dir, "webhook.secret");
  fs.writeFileSync(secretFile, `${SECRET}\n`, { mode: secretMode });
  fs.chmodSync(secretFile, secretMode);
  const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as Record<string, unknown>;
  cfg["notify"] = { webhook: { url, secretFile: "webhook.secret", headers: { "X-Team": "post-ep01" }, ...webhook }, retry: { attempts: 4, firstDelaySeconds: 0.2, maxDelaySeconds: 1 } };
  fs.writeFileSync(sb.config, JSON.stringify(cfg, null, 2));
  return secretFile;
}

interface ChannelStatus {
  target: string;
  sent: number;
  failed: number;
  pending: number;
  dropped: number;
  lastFailure: { at: string; kind: string; error: string } | null;
}
async function webhookStatus(sb: Sandbox): Promise<ChannelStatus | null> {
  return parseJson<{ notify: { webhook: ChannelStatus | null } | null }>(await sb.cli(["status", "--json"])).notify?.webhook ?? null;
}

describe("notices by webhook", () => {
  it("a GenAI file copied into deliverables: the receiver gets a signed blocked notice; status counts it; no secret is shown", async () => {
    const rx = await receiver(() => ({ status: 204 }));
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      // A query token in the URL, as some services want: it must not show in logs or status.
      withWebhook(sb, `${rx.url}?token=q-secret-7731`);
      const w = await sb.watch();
      const data = uniqueGenaiPng("webhook-1");
      const file = write(path.join(sb.del, "sh010_comp.png"), data);
      const row = await waitBlocked(sb, file, sha256(data));
      const n = await waitFor(() => rx.got.find((r) => r.json.event === "blocked" && r.json.path === file), "the receiver to get the blocked notice");
      expect(n.verified).toEqual({ ok: true, t: expect.any(Number) });
      expect(n.json).toMatchObject({ schemaVersion: 2, kind: "prov.notice", event: "blocked", path: file, reason: expect.stringMatching(/genai/), detail: { quarantineId: row.id, quarantinePath: row.quarantine_path } });
      expect(Date.parse(n.json.at)).not.toBeNaN();
      expect(n.json.host).toBeTruthy();
      expect(n.headers["x-prov-delivery"]).toBe(n.json.id);
      expect(n.headers["x-prov-event"]).toBe("blocked");
      expect(n.headers["content-type"]).toBe("application/json");
      expect(n.headers["x-team"]).toBe("post-ep01");
      expect(n.headers["user-agent"]).toMatch(/^prov\//);

      const st = await waitFor(async () => {
        const s = await webhookStatus(sb);
        return s && s.sent >= 1 ? s : null;
      }, "prov status to count the notice sent");
      expect(st).toMatchObject({ failed: 0, pending: 0, dropped: 0, lastFailure: null, target: `webhook ${rx.url}?token=***` });
      const text = await sb.cli(["status"]);
      expect(text.stdout).toMatch(new RegExp(`notify webhook ${rx.url.replace(/[.?]/g, "\\$&")}\\?token=\\*\\*\\*: 1 sent, 0 failed`));
      await w.stop();
      for (const out of [text.stdout, text.stderr, w.stderr, w.stdout, JSON.stringify(await sb.cli(["status", "--json"]))]) {
        expect(out).not.toContain("q-secret-7731");
        expect(out).not.toContain(SECRET);
      }
    } finally {
      await sb.dispose();
      await rx.close();
    }
  });

  it("a receiver that fails twice (500) then succeeds gets the notice, with the same delivery id each time", async () => {
    const rx = await receiver((n) => (n <= 2 ? { status: 500 } : { status: 200 }));
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withWebhook(sb, rx.url);
      const w = await sb.watch();
      const data = uniqueGenaiPng("webhook-retry");
      await waitBlocked(sb, write(path.join(sb.del, "retry.png"), data), sha256(data));
      const st = await waitFor(async () => {
        const s = await webhookStatus(sb);
        return s && s.sent >= 1 ? s : null;
      }, "prov status to count the notice delivered");
      expect(st).toMatchObject({ sent: 1, failed: 0, pending: 0, lastFailure: null });
      expect(rx.got.map((r) => r.json.event)).toEqual(["blocked", "blocked", "blocked"]);
      expect(new Set(rx.got.map((r) => r.headers["x-prov-delivery"])).size).toBe(1);
      expect(new Set(rx.got.map((r) => r.json.id))).toEqual(new Set([rx.got[0]!.headers["x-prov-delivery"]]));
      expect(rx.got.every((r) => r.verified.ok)).toBe(true);
      // The body is the same bytes on every try (only the signature's timestamp may change).
      expect(new Set(rx.got.map((r) => r.body)).size).toBe(1);
      await w.stop();
    } finally {
      await sb.dispose();
      await rx.close();
    }
  });

  it("a receiver that refuses (400) is not retried; prov status shows the failure", async () => {
    const rx = await receiver(() => ({ status: 400 }));
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withWebhook(sb, rx.url);
      const w = await sb.watch();
      const data = uniqueGenaiPng("webhook-400");
      await waitBlocked(sb, write(path.join(sb.del, "refused.png"), data), sha256(data));
      const st = await waitFor(async () => {
        const r = await sb.cli(["status"]);
        return /notify webhook .*: 0 sent, 1 failed; last failure \S+ \(blocked\): HTTP 400 Bad Request \(the receiver refused it; not tried again\)/.test(r.stdout) ? r : null;
      }, "prov status to show the failed notice");
      expect(st.code).toBe(0);
      expect(await webhookStatus(sb)).toMatchObject({ sent: 0, failed: 1, pending: 0, lastFailure: { kind: "blocked", error: expect.stringContaining("HTTP 400") } });
      expect(rx.got).toHaveLength(1);
      expect(w.logs().some((l) => l.level === "warn" && /notify webhook http:\/\/127\.0\.0\.1:\d+\/hooks\/prov failed for a blocked notice: HTTP 400/.test(l.msg))).toBe(true);
      await w.stop();
    } finally {
      await sb.dispose();
      await rx.close();
    }
  });

  it("the gate blocks while the receiver hangs", async () => {
    const rx = await receiver(() => "hang");
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      // Long enough that the first request is still open when the second file is judged.
      withWebhook(sb, rx.url, { timeoutSeconds: 600 });
      const w = await sb.watch();
      const first = uniqueGenaiPng("webhook-hang-1");
      await waitBlocked(sb, write(path.join(sb.del, "first.png"), first), sha256(first));
      await waitFor(() => rx.hanging.length >= 1, "the receiver to hold the first notice's request open");
      // The first notice's request is still open; a second GenAI file is blocked all the same.
      const second = uniqueGenaiPng("webhook-hang-2");
      const file2 = write(path.join(sb.del, "second.png"), second);
      await waitBlocked(sb, file2, sha256(second));
      expect(fs.existsSync(file2)).toBe(false);
      expect(rx.hanging).toHaveLength(1);
      expect(rx.got).toHaveLength(1);
      const st = await waitFor(async () => {
        const s = await webhookStatus(sb);
        return s && s.pending >= 2 ? s : null;
      }, "prov status to show both notices pending");
      expect(st).toMatchObject({ sent: 0, failed: 0 });
      // A stop does not wait for the receiver past its bound: the watcher exits cleanly.
      const exit = await w.stop();
      expect(exit.code).toBe(0);
      expect(w.logs().some((l) => l.level === "warn" && /notice\(s\) not delivered before the watcher stopped/.test(l.msg))).toBe(true);
    } finally {
      await sb.dispose();
      await rx.close();
    }
  });

  it("an approval revoked: the receiver hears of it, then of the file blocked again", async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withWebhook(sb, rx.url);
      const w = await sb.watch();
      const data = uniqueGenaiPng("webhook-revoke");
      const file = write(path.join(sb.del, "approved.png"), data);
      const row = await waitBlocked(sb, file, sha256(data));
      const ok = await sb.cli(["approve", sha256(data), "--by", "Jo Supervisor", "--ref", "APR-9"]);
      expect(ok.code, ok.stderr).toBe(0);
      const rel = await sb.cli(["release", String(row.id), "--by", "editor"]);
      expect(rel.code, rel.stderr).toBe(0);
      await sb.waitIdle(w);
      expect(fs.existsSync(file)).toBe(true);
      const rv = await sb.cli(["revoke", sha256(data), "--by", "Jo Supervisor", "--note", "wrong take"]);
      expect(rv.code, rv.stderr).toBe(0);
      const n = await waitFor(() => rx.got.find((r) => r.json.event === "revoked"), "the revoked notice");
      expect(n.verified.ok).toBe(true);
      expect(n.json).toMatchObject({ path: file, reason: expect.stringContaining("approval revoked by Jo Supervisor: wrong take"), detail: { sha256: sha256(data), by: "Jo Supervisor", note: "wrong take" } });
      await waitFor(() => rx.got.filter((r) => r.json.event === "blocked" && r.json.path === file).length >= 2, "the blocked notice for the file judged again");
      await w.stop();
    } finally {
      await sb.dispose();
      await rx.close();
    }
  });

  it("watcher down: a watcher stopping on a fatal error says so before it exits; a watcher taking over from a killed one says so too", async () => {
    const rx = await receiver(() => ({ status: 200 }));
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withWebhook(sb, rx.url);
      const killed = await sb.watch();
      await killed.kill9();
      const w = await sb.watch();
      const takeover = await waitFor(() => rx.got.find((r) => r.json.event === "watcher-down"), "the notice that the previous watcher went down");
      expect(takeover.json).toMatchObject({ path: sb.dbFile, reason: expect.stringContaining(`the previous prov watch (pid ${killed.pid} on host`), detail: { pid: killed.pid, takenOverBy: { pid: w.pid } } });

      for (const f of [sb.dbFile, `${sb.dbFile}-wal`, `${sb.dbFile}-shm`]) fs.rmSync(f, { force: true });
      sb.db.close(); // the test's own reader still has the deleted file open
      const exit = await w.exited;
      expect(exit.code).toBe(3);
      const down = rx.got.find((r) => r.json.event === "watcher-down" && r.json.detail["pid"] === w.pid);
      expect(down, "the watcher-down notice arrives before the process exits").toBeDefined();
      expect(down!.verified.ok).toBe(true);
      expect(down!.json.reason).toContain(`prov watch (pid ${w.pid}) is stopping`);
      expect(down!.json.reason).toContain("was deleted while prov had it open");
    } finally {
      await sb.dispose();
      await rx.close();
    }
  });

  it("refuses to start with a secret file others can read, naming the file and the key", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      const secretFile = withWebhook(sb, "https://hooks.example.com/prov", {}, 0o644);
      const r = await sb.cli(["watch"], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${sb.config}: notify.webhook.secretFile: ${secretFile} is readable by others than its owner (mode 0644)`);
      expect(r.stderr).not.toContain(SECRET);
      // Refused before anything was opened: the quarantine was not claimed for the database.
      expect(fs.existsSync(path.join(sb.q, ".prov-database"))).toBe(false);
    } finally {
      await sb.dispose();
    }
  });
});
