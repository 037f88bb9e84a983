// Pure logic: what a pre-delivery sweep finds about a file, and the exit code it gives.

import { describe, expect, it } from "vitest";
import type { Evidence } from "../../src/domain/types.js";
import { addToTally, exitCodeFor, fails, gateFactsOf, judge, placeOf, type Approval, type RecordFacts } from "../../src/domain/sweep-policy.js";
import { decide } from "../../src/domain/gate-policy.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
const generated: Evidence = { source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: IPTC + "trainedAlgorithmicMedia", signal: "genai" };
const capture: Evidence = { source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: IPTC + "digitalCapture", signal: "not-genai" };
const composite: Evidence = { source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: IPTC + "composite", signal: "possibly-genai" };
const lineage: Evidence = { source: "lineage", field: "same media data as abc: iptc XMP-iptcExt:DigitalSourceType", value: IPTC + "trainedAlgorithmicMedia", signal: "genai" };
const remote: Evidence = { source: "c2pa", field: "XMP-dcterms:Provenance", value: "remote manifest, not checked: https://cai-manifests.adobe.com/manifests/x", signal: "info" };
const folder: Evidence = { source: "folder", field: "folder rule **/AI_TEMP/**", value: "/x/AI_TEMP/a.png", signal: "genai" };
const taggedNot: Evidence = { source: "manual", field: "prov tag", value: "not-genai", signal: "not-genai", detail: { by: "ana" } };
const taggedGenai: Evidence = { source: "manual", field: "prov tag", value: "genai", signal: "genai", detail: { by: "ana", tool: "Runway", model: "Gen-4" } };

const approve: Approval = { action: "approve", by: "Jo Supervisor", ref: "APP-12", scope: "reel 2 matte", note: null, at: "2026-11-20T10:00:00.000Z", docSha256: "d".repeat(64) };
const revoke: Approval = { action: "revoke", by: "Jo Supervisor", ref: null, scope: null, note: "studio said no", at: "2026-11-21T10:00:00.000Z", docSha256: null };

function rec(over: Partial<RecordFacts>): RecordFacts {
  return { sha256: "a".repeat(64), origin: "unknown", status: null, evidence: [], approvals: [], metadataError: null, firstSeen: "2026-11-01T00:00:00.000Z", knownBefore: false, ...over };
}
const file = (r: Partial<RecordFacts>) => judge({ kind: "file", record: rec(r) });

describe("judge()", () => {
  it("labelled GenAI, not approved: violation, and the labels say so", () => {
    const j = file({ origin: "genai", status: "temporary", evidence: [generated] });
    expect(j.finding).toBe("violation");
    expect(j.reasons[0]).toMatch(/^temporary GenAI, not approved: its own metadata says genai/);
    expect(j.labels).toBe("genai");
    expect(j.disclosure).toBeNull();
  });

  it("GenAI known by content only (folder rule when it was made): violation, labels say nothing", () => {
    const j = file({ origin: "genai", status: "temporary", evidence: [folder], knownBefore: true });
    expect(j.finding).toBe("violation");
    expect(j.reasons[0]).toMatch(/^temporary GenAI known by content, not approved: folder: folder rule/);
    expect(j.reasons[0]).toMatch(/recorded 2026-11-01/);
    expect(j.labels).toBe("unknown");
  });

  it("labels stripped from a recorded GenAI picture: violation with 'provenance lost'", () => {
    const j = file({ origin: "genai", status: "temporary", evidence: [lineage] });
    expect(j.finding).toBe("violation");
    expect(j.reasons.some((r) => r.startsWith("provenance lost"))).toBe(true);
  });

  it("derived from a temporary GenAI asset (perceptual match): violation, and nothing about 'no provenance'", () => {
    const j = file({ origin: "unknown", derived: [{ verdict: "match", what: "temporary GenAI asset 58c0ad85b9d0 (genai): perceptual distance 4 of 64 bits" }] });
    expect(j.finding).toBe("violation");
    expect(j.reasons).toEqual(["derived from temporary GenAI asset 58c0ad85b9d0 (genai): perceptual distance 4 of 64 bits"]);
  });

  it("possibly derived (a 'possible' perceptual match): a warning asking for review", () => {
    const j = file({ origin: "not-genai", evidence: [capture], derived: [{ verdict: "possible", what: "temporary GenAI asset 58c0ad85b9d0 (genai): perceptual distance 15 of 64 bits" }] });
    expect(j.finding).toBe("warning");
    expect(j.reasons[0]).toMatch(/^possibly derived from temporary GenAI asset 58c0ad85b9d0 .*: review it/);
  });

  it("a frame of a GenAI sequence: violation, and not 'provenance lost' (a frame never had labels to lose)", () => {
    const seq: Evidence = { ...lineage, field: "frame 1001 of the same sequence (a.%04d.exr): iptc XMP-iptcExt:DigitalSourceType", detail: { sequence: "a.%04d.exr" } };
    const j = file({ origin: "genai", status: "temporary", evidence: [seq] });
    expect(j.finding).toBe("violation");
    expect(j.reasons.some((r) => r.startsWith("provenance lost"))).toBe(false);
  });

  it("a sequence's gaps and duplicates: a warning on its first frame only", () => {
    const sequence = { pattern: "a.%04d.exr", frame: 1001, first: 1001, range: "1001-1003, 1005", gaps: [{ from: 1004, to: 1004 }], duplicates: [{ frame: 1002, names: ["a.01002.exr", "a.1002.exr"] }] };
    const first = file({ origin: "not-genai", evidence: [capture], sequence });
    expect(first.finding).toBe("warning");
    expect(first.reasons[0]).toBe("image sequence a.%04d.exr (frames 1001-1003, 1005): missing frames 1004; frame 1002 written twice (a.01002.exr, a.1002.exr)");
    expect(file({ origin: "not-genai", evidence: [capture], sequence: { ...sequence, frame: 1003 } }).finding).toBe("ok");
  });

  it("approved, then revoked: violation naming who revoked it and why", () => {
    const j = file({ origin: "genai", status: "temporary", evidence: [generated], approvals: [approve, revoke] });
    expect(j.finding).toBe("violation");
    expect(j.reasons[0]).toBe("GenAI asset whose approval was revoked by Jo Supervisor on 2026-11-21 (studio said no)");
  });

  it("approved GenAI: disclosed, with tool, model, approver, reference, scope and date", () => {
    const j = file({ origin: "genai", status: "approved", evidence: [generated, taggedGenai], approvals: [approve] });
    expect(j.finding).toBe("disclosed");
    expect(j.disclosure).toEqual({
      origin: "genai", tool: "Runway", model: "Gen-4", approvedBy: "Jo Supervisor", approvalRef: "APP-12", scope: "reel 2 matte",
      approvedAt: "2026-11-20T10:00:00.000Z", approvalDocSha256: "d".repeat(64),
      approvedAccount: null, evidence: ["manual"], escalations: [], consents: [], approvalExpires: null, deepfake: false,
    });
  });

  it("an approval or consent that ended before the sweep's day is a violation; the last day still holds", () => {
    const terms = { escalations: ["talent" as const], consents: [{ performer: "Ann Lee", ref: "C-1", project: null, uses: null, expires: "2026-12-05" }], expires: "2026-12-31", deepfake: true };
    const facts = { origin: "genai" as const, status: "approved" as const, evidence: [generated, taggedGenai], approvals: [{ ...approve, account: "jo", host: "edit-02", terms }] };
    const held = file({ ...facts, today: "2026-12-05" });
    expect(held.finding).toBe("disclosed");
    expect(held.disclosure).toMatchObject({ approvedAccount: "jo@edit-02", escalations: ["talent"], deepfake: true, approvalExpires: "2026-12-31" });
    const ended = file({ ...facts, today: "2026-12-06" });
    expect(ended.finding).toBe("violation");
    expect(ended.reasons).toContain("approved GenAI whose approval no longer holds: Ann Lee's consent (C-1) expired 2026-12-05 (ref APP-12): renew it with `prov approve`, or take it out of the delivery");
    expect(ended.disclosure).not.toBeNull(); // still on the list: it is in the delivery
  });

  it("placeOf() reads episode, reel and shot from the path as post names them", () => {
    expect(placeOf("ep101/reel2/sh042_comp_v003.exr")).toEqual({ episode: "101", reel: "2", shot: "042" });
    expect(placeOf("S01E03/R4/shot_0120/plate.dpx")).toEqual({ episode: "S01E03", reel: "4", shot: "0120" });
    expect(placeOf("titles/main_title.png")).toEqual({ episode: null, reel: null, shot: null });
    expect(placeOf("renders/shred_v2.mov")).toEqual({ episode: null, reel: null, shot: null });
  });

  it("approved GenAI whose labels were stripped: still disclosed, with a provenance-lost reason", () => {
    const j = file({ origin: "genai", status: "approved", evidence: [lineage], approvals: [approve] });
    expect(j.finding).toBe("warning");
    expect(j.reasons[0]).toMatch(/^provenance lost/);
    expect(j.disclosure).not.toBeNull();
  });

  it("possibly GenAI: warning", () => {
    expect(file({ origin: "possibly-genai", evidence: [composite] })).toMatchObject({ finding: "warning", labels: "possibly-genai" });
  });

  it("labels say GenAI but a person tagged it not GenAI: warning that names the tag", () => {
    const j = file({ origin: "not-genai", evidence: [generated, taggedNot] });
    expect(j.finding).toBe("warning");
    expect(j.reasons[0]).toMatch(/its metadata says genai .* but it was tagged not-GenAI by ana/);
  });

  it("a remote-only C2PA manifest: warning, even with no other provenance", () => {
    const j = file({ origin: "unknown", evidence: [remote] });
    expect(j.finding).toBe("warning");
    expect(j.reasons).toEqual([
      "C2PA manifest is present only remotely, not checked: https://cai-manifests.adobe.com/manifests/x",
      "no provenance record and no labels",
    ]);
  });

  it("no labels: unknown, and still unknown once prov recorded it (being recorded is not provenance)", () => {
    expect(file({ origin: "unknown" }).finding).toBe("unknown");
    const again = file({ origin: "unknown", knownBefore: true });
    expect(again.finding).toBe("unknown");
    expect(again.noProvenance).toBe(true);
    expect(again.reasons[0]).toMatch(/not first seen in a working root \(recorded by prov since 2026-11-01, which is not provenance\)/);
  });

  it("no labels but first seen in a working root: ok, saying where", () => {
    const j = file({ origin: "unknown", knownBefore: true, workingRoot: { path: "/mnt/edit/plate.exr", at: "2026-10-02T09:00:00.000Z" } });
    expect(j.finding).toBe("ok");
    expect(j.noProvenance).toBe(false);
    expect(j.reasons).toEqual(["no GenAI signal; first seen in working root /mnt/edit/plate.exr on 2026-10-02"]);
  });

  it("--fail-on unknown catches a file without provenance even when a warning outranks 'unknown'", () => {
    const j = file({ origin: "unknown", knownBefore: true, uncompared: "it could not be decoded: corrupt" });
    expect(j.finding).toBe("warning");
    const row = { finding: j.finding, origin: "unknown" as const, disclosure: null, noProvenance: j.noProvenance };
    expect(fails(row, ["unknown"])).toBe(true);
    expect(fails(row, [])).toBe(false);
  });

  it("a picture that could not be decoded for comparison: a warning saying so, never a silent ok", () => {
    const j = file({ origin: "not-genai", evidence: [capture], uncompared: "it could not be decoded: truncated or corrupt image data" });
    expect(j.finding).toBe("warning");
    expect(j.reasons[0]).toBe("could not be compared with the GenAI assets (perceptual fingerprint): it could not be decoded: truncated or corrupt image data");
  });

  it("the source of a GenAI edit (a look-alike it was made from) is not a violation, and the row says which way", () => {
    const j = file({ origin: "not-genai", evidence: [capture], sourceOf: ["source of GenAI edit 58c0ad85b9d0: prov recorded this file first (2026-10-01, the edit 2026-11-01); perceptual distance 3 of 64 bits"] });
    expect(j.finding).toBe("ok");
    expect(j.reasons[0]).toMatch(/^perceptual look-alike, not a derivative: source of GenAI edit 58c0ad85b9d0: prov recorded this file first/);
  });

  it("own C2PA claim against a media-data twin's GenAI claim: a warning showing both, not a violation", () => {
    const conflict: Evidence = {
      source: "lineage",
      field: "same media data as " + "f".repeat(64) + ": iptc XMP-iptcExt:DigitalSourceType",
      value: "own C2PA claim: capture (digitalCapture); twin ffffffffffff claims genai-edited (x); neither wins",
      signal: "possibly-genai",
      detail: { conflict: true },
    };
    const j = file({ origin: "possibly-genai", evidence: [capture, conflict] });
    expect(j.finding).toBe("warning");
    expect(j.reasons).toEqual(["claims disagree: own C2PA claim: capture (digitalCapture); twin ffffffffffff claims genai-edited (x); neither wins: review it, then `prov tag` or `prov approve`"]);
  });

  it("labelled camera original: ok", () => {
    expect(file({ origin: "not-genai", evidence: [capture] })).toMatchObject({ finding: "ok", labels: "not-genai" });
  });

  it("corrupt metadata: error; with GenAI known by content, still a violation first", () => {
    expect(file({ origin: "unknown", metadataError: "File format error" }).finding).toBe("error");
    const j = file({ origin: "genai", status: "temporary", evidence: [folder], metadataError: "File format error" });
    expect(j.finding).toBe("violation");
    expect(j.reasons[1]).toMatch(/^metadata unreadable/);
  });

  it("symbolic links are violations; skipped and unreadable files say why", () => {
    expect(judge({ kind: "symlink" }).finding).toBe("violation");
    expect(judge({ kind: "skipped", reason: "macOS Finder folder settings (.DS_Store), not media" })).toMatchObject({ finding: "skipped", reasons: ["macOS Finder folder settings (.DS_Store), not media"] });
    expect(judge({ kind: "error", reason: "permission denied" })).toMatchObject({ finding: "error", reasons: ["permission denied"] });
  });
});

describe("exitCodeFor()", () => {
  const clean = { violation: 0, error: 0, unknown: 0, possiblyGenai: 0, disclosed: 0 };
  it("0 clean; 1 violations; 2 when a file could not be checked", () => {
    expect(exitCodeFor(clean, [])).toBe(0);
    expect(exitCodeFor({ ...clean, violation: 1 }, [])).toBe(1);
    expect(exitCodeFor({ ...clean, error: 1 }, [])).toBe(2);
    expect(exitCodeFor({ ...clean, error: 1, violation: 1 }, [])).toBe(1);
  });

  it("each --fail-on name turns its findings into a failure, and only those", () => {
    const some = { violation: 0, error: 1, unknown: 1, possiblyGenai: 1, disclosed: 1 };
    expect(exitCodeFor({ ...clean, disclosed: 1 }, [])).toBe(0);
    expect(exitCodeFor({ ...clean, disclosed: 1 }, ["genai"])).toBe(1);
    expect(exitCodeFor({ ...clean, possiblyGenai: 1 }, ["possibly-genai"])).toBe(1);
    expect(exitCodeFor({ ...clean, possiblyGenai: 1 }, ["unknown"])).toBe(0);
    expect(exitCodeFor({ ...clean, unknown: 1 }, ["unknown"])).toBe(1);
    expect(exitCodeFor({ ...clean, error: 1 }, ["unreadable"])).toBe(1);
    expect(exitCodeFor(some, ["genai", "possibly-genai", "unknown", "unreadable"])).toBe(1);
  });
});

describe("fails() and addToTally(): one set of --fail-on rules for the exit code and JUnit", () => {
  const row = (finding: string, origin: string | null = null, disclosed = false) =>
    ({ finding, origin, disclosure: disclosed ? { approvedBy: "x" } : null }) as unknown as Parameters<typeof fails>[0];

  it("a file fails when it is a violation, or when a --fail-on name catches it", () => {
    expect(fails(row("violation"), [])).toBe(true);
    expect(fails(row("disclosed", "genai", true), [])).toBe(false);
    expect(fails(row("disclosed", "genai", true), ["genai"])).toBe(true);
    expect(fails(row("warning", "possibly-genai"), ["possibly-genai"])).toBe(true);
    expect(fails(row("warning", "possibly-genai"), ["unknown"])).toBe(false);
    expect(fails(row("unknown", "unknown"), ["unknown"])).toBe(true);
    expect(fails(row("error"), ["unreadable"])).toBe(true);
    expect(fails(row("ok", "not-genai"), ["genai", "possibly-genai", "unknown", "unreadable"])).toBe(false);
  });

  it("the tally counts what the rules catch, so exitCodeFor agrees with fails()", () => {
    const t = { violation: 0, error: 0, unknown: 0, possiblyGenai: 0, disclosed: 0 };
    for (const r of [row("violation", "genai"), row("error"), row("unknown", "unknown"), row("warning", "possibly-genai"), row("warning", "genai", true), row("ok", "not-genai")]) addToTally(t, r);
    expect(t).toEqual({ violation: 1, error: 1, unknown: 1, possiblyGenai: 1, disclosed: 1 });
  });
});

describe("the sweep asks the gate", () => {
  it("a violation is exactly what the gate would block, over every combination of the facts", () => {
    const origins = ["genai", "genai-edited", "possibly-genai", "not-genai", "unknown"] as const;
    const statuses = [null, "temporary", "approved"] as const;
    const derived = [undefined, [{ verdict: "match" as const, what: "temporary GenAI asset 1" }], [{ verdict: "possible" as const, what: "temporary GenAI asset 2" }]];
    const containers = [undefined, { member: "a.zip/x.png", reason: "labelled genai" }];
    let n = 0;
    for (const origin of origins)
      for (const status of statuses)
        for (const d of derived)
          for (const container of containers)
            for (const metadataError of [null, "truncated"]) {
              const r = rec({ origin, status, metadataError, evidence: origin === "unknown" ? [] : [generated], ...(d ? { derived: d } : {}), ...(container ? { container } : {}) });
              const blocked = decide(gateFactsOf(r)).action === "block";
              expect(judge({ kind: "file", record: r }).finding === "violation", JSON.stringify({ origin, status, d, container, metadataError })).toBe(blocked);
              n++;
            }
    expect(n).toBe(5 * 3 * 3 * 2 * 2);
  });
});
