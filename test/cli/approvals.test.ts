// Approvals that satisfy the studio rules: who decided at the operating system, who may
// decide (config approvers), escalations that need a performer's consent, expiry.
import fs from "node:fs";
import { userInfo, hostname } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { copySample, json, runCli, tempDir, type CliResult } from "../helpers/index.js";

const root = tempDir();

async function project(): Promise<{ dir: string; prov: (args: string[]) => Promise<CliResult>; file: string }> {
  const dir = fs.mkdtempSync(path.join(root, "t-"));
  const prov = (args: string[]) => runCli(args, { cwd: dir });
  expect((await prov(["init"])).code).toBe(0);
  const file = copySample("genai-a1111.png", dir);
  expect((await prov(["scan", file])).code).toBe(0);
  return { dir, prov, file };
}

function setApprovers(dir: string, approvers: unknown): void {
  const file = path.join(dir, "prov.config.json");
  const c = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  c["approvers"] = approvers;
  fs.writeFileSync(file, JSON.stringify(c, null, 2));
}

const me = userInfo().username;

describe.concurrent("prov approve: the studio rules", () => {
  it("records the operating-system account and host beside the named approver, in the approval and its event", async () => {
    const { prov, file } = await project();
    const r = await prov(["--json", "approve", file, "--by", "Dana Post", "--ref", "APR-1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ by: "Dana Post", account: me, host: hostname(), status: "approved" });
    const shown = json(await prov(["--json", "show", file]));
    expect(shown.approvals).toEqual([expect.objectContaining({ by: "Dana Post", account: me, host: hostname() })]);
    const log = json(await prov(["--json", "log", file])) as Array<{ kind: string; detail: Record<string, unknown> | null }>;
    expect(log.find((e) => e.kind === "approved")?.detail).toMatchObject({ by: "Dana Post", account: me, host: hostname() });
    const rv = await prov(["revoke", file, "--by", "Dana Post", "--note", "wrong shot"]);
    expect(rv.code, rv.stderr).toBe(0);
    const log2 = json(await prov(["--json", "log", file])) as Array<{ kind: string; detail: Record<string, unknown> | null }>;
    expect(log2.find((e) => e.kind === "revoked")?.detail).toMatchObject({ account: me, host: hostname() });
  });

  it("a talent escalation needs each performer's consent; with it the terms are recorded", async () => {
    const { prov, file } = await project();
    const no = await prov(["approve", file, "--by", "Dana Post", "--ref", "APR-2", "--escalate", "talent"]);
    expect(no.code, no.stderr).toBe(2);
    expect(no.stderr).toMatch(/needs the performer's informed consent.*--consent.*nothing was approved/);
    expect(json(await prov(["--json", "show", file])).approvals).toEqual([]);

    const bad = await prov(["approve", file, "--by", "Dana Post", "--ref", "APR-2", "--escalate", "talent", "--consent", "performer=Ann Lee"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/performer= and ref= are required/);
    const wrong = await prov(["approve", file, "--by", "Dana Post", "--ref", "APR-2", "--escalate", "cameo"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--escalate cameo: not a category \(one of talent, key-element, third-party-ip, personal-data\)/);

    const ok = await prov([
      "--json", "approve", file, "--by", "Dana Post", "--ref", "APR-2",
      "--escalate", "talent,personal-data",
      "--consent", "performer=Ann Lee,ref=SAG-CONSENT-17,project=Harbour S1,uses=de-ageing ep101,expires=2099-01-31",
      "--expires", "2099-12-31", "--deepfake",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const terms = { escalations: ["talent", "personal-data"], consents: [{ performer: "Ann Lee", ref: "SAG-CONSENT-17", project: "Harbour S1", uses: "de-ageing ep101", expires: "2099-01-31" }], expires: "2099-12-31", deepfake: true };
    expect(json(ok)).toMatchObject({ terms });
    const shown = json(await prov(["--json", "show", file]));
    expect(JSON.parse(shown.approvals[0].terms)).toEqual(terms);
  });

  it("refuses an approval whose date or consent is already past", async () => {
    const { prov, file } = await project();
    const past = await prov(["approve", file, "--by", "D", "--ref", "A", "--expires", "2001-01-01"]);
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/--expires 2001-01-01 is already past/);
    const notADate = await prov(["approve", file, "--by", "D", "--ref", "A", "--expires", "2026-02-30"]);
    expect(notADate.code).toBe(2);
    expect(notADate.stderr).toMatch(/"2026-02-30" is not a date/);
  });

  it("config approvers: other accounts are refused every decision; a listed account or group may decide", async () => {
    const { dir, prov, file } = await project();
    setApprovers(dir, { accounts: ["nobody-else"], groups: ["no-such-group-prov"] });
    for (const args of [
      ["approve", file, "--by", "Dana Post", "--ref", "APR-3"],
      ["tag", "--genai", file],
      ["revoke", file, "--by", "Dana Post", "--note", "x"],
      ["release", "1", "--by", "Dana Post"],
    ]) {
      const r = await prov(args);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`the account ${me} on ${hostname()} may not make this decision: the configuration's approvers are account nobody-else, group no-such-group-prov; nothing was recorded`);
    }
    expect(json(await prov(["--json", "show", file])).approvals).toEqual([]);
    setApprovers(dir, { accounts: [me] });
    expect((await prov(["approve", file, "--by", "Dana Post", "--ref", "APR-3"])).code).toBe(0);
    const group = (await import("node:child_process")).execFileSync("id", ["-gn"], { encoding: "utf8" }).trim();
    setApprovers(dir, { groups: [group] });
    expect((await prov(["revoke", file, "--by", "Dana Post", "--note", "by group"])).code).toBe(0);
    setApprovers(dir, { accounts: "me" });
    const badConfig = await prov(["ls"]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/approvers\.accounts/);
  });
});
