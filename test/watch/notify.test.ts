// The notify hook (config notify.command): what needs a person's attention is handed to the
// facility's program as JSON on its standard input, without ever holding up the gate.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { disposeAll, parseJson, Sandbox, sha256, uniqueGenaiPng, waitBlocked, waitFor, write } from "./helpers.js";
import { missingFacility, sh } from "./facilities.js";

afterAll(disposeAll);

interface Notice {
  notice: string;
  event: string;
  path: string | null;
  reason: string;
  at: string;
  host: string;
  detail?: Record<string, unknown>;
}

/** A hook that appends each notice to a file; the sandbox's config names it. */
function withHook(sb: Sandbox, command: (log: string) => string[]): () => Notice[] {
  const log = path.join(sb.dir, "notices.jsonl");
  const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as Record<string, unknown>;
  cfg["notify"] = { command: command(log) };
  fs.writeFileSync(sb.config, JSON.stringify(cfg, null, 2));
  return () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Notice) : []);
}

const noChattr = missingFacility("chattr");
if (noChattr) console.warn(`notify: the database case is skipped: ${noChattr}`);

describe("the notify hook", () => {
  it("gets a JSON notice on stdin for each file blocked, with its quarantine id and path", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      const notices = withHook(sb, (log) => ["/bin/sh", "-c", `cat >> '${log}'`]);
      const w = await sb.watch();
      const data = uniqueGenaiPng("notify-1");
      const file = write(path.join(sb.del, "gen.png"), data);
      const row = await waitBlocked(sb, file, sha256(data));
      const n = await waitFor(() => notices().find((x) => x.event === "blocked" && x.path === file), "the hook to get the blocked notice");
      expect(n).toMatchObject({ schemaVersion: 2, kind: "prov.notice", event: "blocked", id: expect.any(String), reason: expect.stringMatching(/genai/), detail: { quarantineId: row.id, quarantinePath: row.quarantine_path } });
      expect(Date.parse(n.at)).not.toBeNaN();
      const st = await waitFor(async () => {
        const s = parseJson<{ notify: { command: { sent: number; failed: number } | null; webhook: unknown; smtp: unknown } | null }>(await sb.cli(["status", "--json"]));
        return s.notify?.command && s.notify.command.sent >= 1 ? s : null;
      }, "prov status to count the notice sent");
      expect(st.notify).toMatchObject({ command: { failed: 0, pending: 0, target: "command /bin/sh" }, webhook: null, smtp: null });
      await w.stop();
    } finally {
      await sb.dispose();
    }
  });

  it("a hook that fails is logged and shown by prov status; the gate goes on", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withHook(sb, () => ["/bin/sh", "-c", "echo mail server down >&2; exit 3"]);
      const w = await sb.watch();
      for (const i of [1, 2]) {
        const data = uniqueGenaiPng(`notify-fail-${i}`);
        await waitBlocked(sb, write(path.join(sb.del, `gen-${i}.png`), data), sha256(data));
      }
      const st = await waitFor(async () => {
        const r = await sb.cli(["status"]);
        return /notify command \/bin\/sh: 0 sent, 2 failed; last failure .* \(blocked\): exit 3: mail server down/.test(r.stdout) ? r : null;
      }, "prov status to show the failed notices");
      expect(st.code).toBe(0);
      expect(w.logs().some((l) => l.level === "warn" && /notify command \/bin\/sh failed for a blocked notice: exit 3: mail server down/.test(l.msg))).toBe(true);
      await w.stop();
    } finally {
      await sb.dispose();
    }
  });

  it.skipIf(noChattr !== null)("says when the database refuses writes, and when it takes them again", async () => {
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    const dbFiles = [sb.dbFile, `${sb.dbFile}-wal`];
    let immutable: string[] = [];
    try {
      const notices = withHook(sb, (log) => ["/bin/sh", "-c", `cat >> '${log}'`]);
      const w = await sb.watch();
      immutable = dbFiles.filter((f) => fs.existsSync(f));
      execFileSync("chattr", ["+i", ...immutable]);
      const refused = await waitFor(() => notices().find((x) => x.event === "database-refuses-writes"), "the refuses-writes notice");
      expect(refused.path).toBe(sb.dbFile);
      expect(refused.reason).toMatch(/read-?only|readonly|I\/O/i);
      execFileSync("chattr", ["-i", ...immutable]);
      immutable = [];
      await waitFor(() => notices().find((x) => x.event === "database-takes-writes"), "the takes-writes notice");
      expect(notices().filter((x) => x.event === "database-refuses-writes")).toHaveLength(1);
      await w.stop();
    } finally {
      if (immutable.length > 0) sh("chattr", ["-i", ...immutable]);
      await sb.dispose();
    }
  });
});
