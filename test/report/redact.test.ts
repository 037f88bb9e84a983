// --redact's rules on their own (src/adapters/report/redact.ts): what a reason, a summary
// and a disclosure row become. The end-to-end leak check over every format is in
// studio.test.ts.

import { describe, expect, it } from "vitest";
import { REDACTED_DATABASE, Redactor } from "../../src/adapters/report/redact.js";
import { FINDINGS, SWEEP_SCHEMA_VERSION, type Finding, type SweepRow, type SweepSummary } from "../../src/domain/sweep-types.js";

const r = new Redactor({
  root: "/mnt/final/Show Name/deliver",
  database: "/srv/prov/prov.db",
  places: ["/mnt/edit", "/var/prov/quarantine"],
  hosts: ["edit-07.facility.example"],
  accounts: ["jdoe", "root"],
});

describe("Redactor.text", () => {
  it("paths in the swept folder become relative, its own path its name", () => {
    expect(r.text("same as /mnt/final/Show Name/deliver/reel 1/a b.png (seen before)")).toBe("same as reel 1/a b.png (seen before)");
    expect(r.text("sweep of /mnt/final/Show Name/deliver")).toBe("sweep of deliver");
  });
  it("other facility folders by their name; any other absolute path by its last part; the database never", () => {
    expect(r.text("first seen in working root /mnt/edit/plates/p.exr on 2026-01-02")).toBe("first seen in working root edit/plates/p.exr on 2026-01-02");
    expect(r.text("moved to /var/prov/quarantine/12/x.png")).toBe("moved to quarantine/12/x.png");
    expect(r.text("derived from /home/jdoe/renders/gen_0001.png (distance 3)")).toBe("derived from …/gen_0001.png (distance 3)");
    expect(r.text("database /srv/prov/prov.db is locked")).toBe("database [database] is locked");
  });
  it("URLs are not paths", () => {
    expect(r.text("C2PA manifest only remote: https://example.com/m/1.c2pa")).toBe("C2PA manifest only remote: https://example.com/m/1.c2pa");
  });
  it("host names (full and short) and account names go; an account named like a word only where it reads as one", () => {
    expect(r.text("approved on edit-07.facility.example by jdoe (EDIT-07)")).toBe("approved on [host] by [account] ([host])");
    expect(r.text("tagged by root; jdoe@edit-07 and root@edit-07")).toBe("tagged by [account]; [account]@[host] and [account]@[host]");
    expect(r.text("first seen in working root edit/x.wav")).toBe("first seen in working root edit/x.wav");
  });
});

describe("Redactor rows and summary", () => {
  const counts = Object.fromEntries(FINDINGS.map((f) => [f, 0])) as Record<Finding, number>;
  it("the summary names the folder and no database; MHL paths are relative", () => {
    const s: SweepSummary = {
      schemaVersion: SWEEP_SCHEMA_VERSION, tool: { name: "prov", version: "0" }, root: "/mnt/final/Show Name/deliver", mode: "full",
      startedAt: "", finishedAt: "", seconds: 0, files: 0, counts, disclosures: 0, failOn: [], exitCode: 0, verdict: "PASS", database: "/srv/prov/prov.db",
      mhl: { generation: 1, file: "/mnt/final/Show Name/deliver/ascmhl/0001.mhl", chain: "/mnt/final/Show Name/deliver/ascmhl/ascmhl_chain.xml", failed: [], missing: [] },
    };
    expect(r.summary(s)).toMatchObject({ root: "deliver", database: REDACTED_DATABASE, mhl: { file: "ascmhl/0001.mhl", chain: "ascmhl/ascmhl_chain.xml" } });
  });
  it("a disclosure loses its account@host, and that account and host go from the rest of the report too", () => {
    const fresh = new Redactor({ root: "/d", hosts: [], accounts: [] });
    const row: SweepRow = {
      path: "a.png", size: 1, sha256: null, finding: "disclosed", reasons: ["approved GenAI by Dana, checked on render-3 by mkim"], origin: "genai", status: "approved",
      labels: null, labelEvidence: [], firstSeen: null, knownBefore: true,
      disclosure: {
        origin: "genai", tool: null, model: null, approvedBy: "Dana", approvalRef: null, scope: null, approvedAt: "", approvalDocSha256: null,
        approvedAccount: "mkim@render-3", evidence: [], escalations: [], consents: [], approvalExpires: null, deepfake: false,
      },
    };
    const out = fresh.row(row);
    expect(out.path).toBe("a.png");
    expect(out.disclosure).toMatchObject({ approvedBy: "Dana", approvedAccount: null });
    expect(out.reasons).toEqual(["approved GenAI by Dana, checked on [host] by [account]"]);
  });
});

describe("Redactor places", () => {
  it("a place that is the filesystem root names nothing: absolute paths outside the known folders keep only their last part", () => {
    const r2 = new Redactor({ root: "/d/deliver", places: ["/", { path: "/home/jdoe", shown: "~" }], hosts: [], accounts: [] });
    expect(r2.text("seen at /srv/x/a.png and /home/jdoe/b.png")).toBe("seen at …/a.png and ~/b.png");
  });
});
