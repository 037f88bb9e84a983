// Approvals that satisfy the studio rules: who decided at the operating system, who may
// decide (config approvers), escalations that need a performer's consent, expiry.
import fs from "node:fs";
import { userInfo, hostname } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { copySample, json, runCli, sha256Of, tempDir, type CliResult } from "../helpers/index.js";
import { openStore } from "../../db/index.js";
import { approve } from "../../src/app/decisions.js";

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
    const log = json(await prov(["--json", "log", file])).items as Array<{ kind: string; detail: Record<string, unknown> | null }>;
    expect(log.find((e) => e.kind === "approved")?.detail).toMatchObject({ by: "Dana Post", account: me, host: hostname() });
    const rv = await prov(["revoke", file, "--by", "Dana Post", "--note", "wrong shot"]);
    expect(rv.code, rv.stderr).toBe(0);
    const log2 = json(await prov(["--json", "log", file])).items as Array<{ kind: string; detail: Record<string, unknown> | null }>;
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

describe.concurrent("the sweep and the studio rules", () => {
  it("--disclosure writes the list a vendor sends (JSON and CSV): title, episode, reel, shot, class, tool, evidence, approval and consent references, deepfake", async () => {
    const { dir, prov } = await project();
    const shot = path.join(dir, "deliverables", "ep101", "reel2", "sh042_comp_v003.png");
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    fs.copyFileSync(path.join(dir, "genai-a1111.png"), shot);
    expect((await prov(["scan", shot])).code).toBe(0);
    const ap = await prov([
      "approve", shot, "--by", "Dana Post", "--ref", "STUDIO-GENAI-0042", "--escalate", "talent",
      "--consent", "performer=Ann Lee,ref=SAG-CONSENT-17,project=Harbour,uses=de-ageing,expires=2099-06-30", "--expires", "2099-12-31", "--deepfake",
    ]);
    expect(ap.code, ap.stderr).toBe(0);
    fs.mkdirSync(path.join(dir, "out"));
    const sw = await prov(["sweep", "deliverables", "--title", "Harbour S1", "--disclosure", "out/disclosure.json", "--format", "json", "--out", "out/report.json"]);
    expect(sw.code, sw.stderr).toBe(0);
    const list = JSON.parse(fs.readFileSync(path.join(dir, "out/disclosure.json"), "utf8"));
    expect(list).toMatchObject({ disclosure: "prov GenAI disclosure list", title: "Harbour S1" });
    expect(list.files).toEqual([
      expect.objectContaining({
        path: "ep101/reel2/sh042_comp_v003.png", sha256: sha256Of(shot), title: "Harbour S1", episode: "101", reel: "2", shot: "042",
        origin: "genai", tool: "AUTOMATIC1111/Forge", evidence: ["generator"], approvedBy: "Dana Post", approvedAccount: `${me}@${hostname()}`,
        approvalRef: "STUDIO-GENAI-0042", approvalExpires: "2099-12-31", escalations: ["talent"], deepfake: true,
        consents: [{ performer: "Ann Lee", ref: "SAG-CONSENT-17", project: "Harbour", uses: "de-ageing", expires: "2099-06-30" }],
      }),
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "out/report.json"), "utf8")).summary.title).toBe("Harbour S1");
    const csv = await prov(["sweep", "deliverables", "--disclosure", "out/disclosure.csv"]);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = fs.readFileSync(path.join(dir, "out/disclosure.csv"), "utf8").trim().split("\r\n");
    expect(lines[0]).toBe("title,episode,reel,shot,path,sha256,genai_class,tool,model,evidence,approved_by,approved_account,approval_ref,approval_doc_sha256,scope,approved_at,approval_expires,escalations,consents,deepfake,finding,c2pa,timecodes,source_timecode");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(",101,2,042,ep101/reel2/sh042_comp_v003.png,");
    expect(lines[1]).toContain("Ann Lee / SAG-CONSENT-17 / Harbour / de-ageing / until 2099-06-30,true,disclosed,");
    const bad = await prov(["sweep", "deliverables", "--disclosure", "out/list.txt"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--disclosure out\/list.txt: name a .json or .csv file/);
  });

  it("an approval or a consent that has ended is a violation", async () => {
    const { dir, prov, file } = await project();
    const store = await openStore(path.join(dir, "prov.db"));
    try {
      const asset = (await store.assets.bySha(sha256Of(file)))!;
      // Recorded in 2025, valid then: the approval ran to the end of 2025, the consent to mid-2025.
      const then = { now: () => Date.parse("2025-01-10T10:00:00Z"), iso: () => "2025-01-10T10:00:00.000Z" };
      await approve(store, asset, [asset.id], {
        by: "Dana Post", ref: "APR-OLD",
        terms: { escalations: ["talent"], consents: [{ performer: "Ann Lee", ref: "C-9", project: null, uses: null, expires: "2025-06-30" }], expires: "2025-12-31", deepfake: false },
      }, { account: "dana", host: "edit-01", groups: [] }, then);
    } finally {
      await store.close();
    }
    const sw = await prov(["--json", "sweep", "."]);
    expect(sw.code, sw.stderr).toBe(1);
    const row = (json(sw).files as Array<{ path: string; finding: string; reasons: string[] }>).find((r) => r.path === "genai-a1111.png")!;
    expect(row.finding).toBe("violation");
    expect(row.reasons).toContain("approved GenAI whose approval no longer holds: the approval expired 2025-12-31; Ann Lee's consent (C-9) expired 2025-06-30 (ref APR-OLD): renew it with `prov approve`, or take it out of the delivery");
  });
});
