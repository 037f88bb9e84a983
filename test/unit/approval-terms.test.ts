import { describe, expect, it } from "vitest";
import { lapsed, notAnApprover, parseConsent, refusal, termsOf, NO_TERMS } from "../../src/domain/approval-terms.js";

const consent = { performer: "Ann Lee", ref: "C-1", project: null, uses: null, expires: "2027-01-31" };

describe("approval terms", () => {
  it("parses a consent; performer and ref are required; unknown keys and bad dates are named", () => {
    expect(parseConsent("performer=Ann Lee; ref=C-1, expires=2027-01-31")).toEqual(consent);
    expect(() => parseConsent("performer=Ann")).toThrow(/performer= and ref= are required/);
    expect(() => parseConsent("performer=Ann,ref=C,role=lead")).toThrow(/unknown key "role"/);
    expect(() => parseConsent("performer=Ann,ref=C,expires=31/01/2027")).toThrow(/not a date/);
  });
  it("refuses talent without consent, consent without talent, and terms already past", () => {
    const today = "2026-12-06";
    expect(refusal({ ...NO_TERMS, escalations: ["talent"] }, today)).toMatch(/needs the performer's informed consent/);
    expect(refusal({ ...NO_TERMS, escalations: ["key-element"] }, today)).toBeNull();
    expect(refusal({ ...NO_TERMS, consents: [consent] }, today)).toMatch(/--escalate talent/);
    expect(refusal({ ...NO_TERMS, escalations: ["talent"], consents: [consent] }, today)).toBeNull();
    expect(refusal({ ...NO_TERMS, escalations: ["talent"], consents: [consent] }, "2027-02-01")).toMatch(/Ann Lee \(C-1, expired 2027-01-31\)/);
    expect(refusal({ ...NO_TERMS, expires: "2026-12-05" }, today)).toMatch(/already past/);
  });
  it("says what lapsed: the approval, a consent; the last day still holds", () => {
    const t = { ...NO_TERMS, escalations: ["talent" as const], consents: [consent], expires: "2027-06-30" };
    expect(lapsed(t, "2027-01-31")).toEqual([]);
    expect(lapsed(t, "2027-02-01")).toEqual(["Ann Lee's consent (C-1) expired 2027-01-31"]);
    expect(lapsed(t, "2027-07-01")).toEqual(["the approval expired 2027-06-30", "Ann Lee's consent (C-1) expired 2027-01-31"]);
    expect(termsOf(JSON.stringify(t))).toEqual(t);
    expect(termsOf("not json")).toEqual(NO_TERMS);
  });
  it("approvers: anyone without a list; else a listed account or a member of a listed group", () => {
    const actor = { account: "dana", host: "edit-01", groups: ["post", "staff"] };
    expect(notAnApprover(actor, null)).toBeNull();
    expect(notAnApprover(actor, { accounts: ["dana"], groups: [] })).toBeNull();
    expect(notAnApprover(actor, { accounts: [], groups: ["post"] })).toBeNull();
    expect(notAnApprover(actor, { accounts: ["sam"], groups: ["supervisors"] })).toBe("the account dana on edit-01 may not make this decision: the configuration's approvers are account sam, group supervisors");
  });
});
