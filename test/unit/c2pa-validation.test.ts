// The C2PA validation rules (src/domain/c2pa-validation.ts) and their configuration.

import { describe, expect, it } from "vitest";
import { classify } from "../../src/domain/classify.js";
import { c2paWarnings, manifestStatus, manifestStatuses, weighC2paEvidence, type C2paValidation } from "../../src/domain/c2pa-validation.js";
import type { Evidence } from "../../src/domain/types.js";
import { parseConfig } from "../../src/config.js";

const LABEL = "urn:c2pa:822f2ec0";
const CAPTURE: Evidence[] = [
  { source: "c2pa", field: "manifest store", value: `1 manifest; active ${LABEL}`, signal: "info" },
  { source: "c2pa", field: "active manifest actions[0] c2pa.created digitalSourceType", value: "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture", signal: "not-genai", detail: { manifest: LABEL } },
];
const GENAI: Evidence[] = [
  { source: "c2pa", field: "manifest store", value: `1 manifest; active ${LABEL}`, signal: "info" },
  { source: "c2pa", field: "active manifest actions[0] c2pa.created digitalSourceType", value: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia", signal: "genai", detail: { manifest: LABEL } },
];

function validation(state: "invalid" | "valid" | "trusted", failure: string[] = []): C2paValidation {
  return {
    outcome: "validated",
    state,
    detail: null,
    validator: "c2pa-rs 0.92.0",
    binding: "@contentauth/c2pa-wasm@0.15.0",
    trustSha256: "0".repeat(64),
    validatedAt: "2026-01-01T00:00:00.000Z",
    manifests: [{ label: LABEL, active: true, state, wellFormed: true, success: ["claimSignature.validated"], informational: [], failure }],
  };
}
const TAMPERED = validation("invalid", ["signingCredential.untrusted", "assertion.dataHash.mismatch"]);

describe("a claim of no GenAI counts only from a manifest that validated", () => {
  it("valid or trusted: digitalCapture decides not-genai", () => {
    expect(classify(weighC2paEvidence(CAPTURE, validation("valid", ["signingCredential.untrusted"]))).origin).toBe("not-genai");
    expect(classify(weighC2paEvidence(CAPTURE, validation("trusted"))).origin).toBe("not-genai");
  });
  it("invalid: the claim is kept, marked, and no longer counts (origin falls to unknown)", () => {
    const weighed = weighC2paEvidence(CAPTURE, TAMPERED);
    expect(classify(weighed).origin).toBe("unknown");
    expect(weighed[1]).toMatchObject({ signal: "info", value: expect.stringContaining("not counted: manifest invalid, assertion.dataHash.mismatch") });
  });
  it("a GenAI claim counts whatever the signature says (tampered GenAI is still GenAI)", () => {
    expect(weighC2paEvidence(GENAI, TAMPERED)).toEqual(GENAI);
    expect(classify(weighC2paEvidence(GENAI, TAMPERED)).origin).toBe("genai");
  });
  it("idempotent, and undone when the manifest validates later (new anchors or validator)", () => {
    const once = weighC2paEvidence(CAPTURE, TAMPERED);
    expect(weighC2paEvidence(once, TAMPERED)).toEqual(once);
    expect(weighC2paEvidence(once, validation("valid"))).toEqual(CAPTURE);
  });
  it("not validated yet: the evidence is as read", () => {
    expect(weighC2paEvidence(CAPTURE, undefined)).toEqual(CAPTURE);
  });
});

describe("what prov says of each manifest", () => {
  it("validated / invalid (codes) / not checked", () => {
    expect(manifestStatus(validation("trusted"), LABEL)).toBe("validated (trusted)");
    expect(manifestStatus(validation("valid", ["signingCredential.untrusted"]), LABEL)).toMatch(/^validated \(valid; signer not trusted/);
    expect(manifestStatus(TAMPERED, LABEL)).toBe("invalid (assertion.dataHash.mismatch)");
    expect(manifestStatus(undefined, LABEL)).toBe("not checked");
    expect(manifestStatus({ ...TAMPERED, outcome: "not-checked", state: null, detail: "timeout: no answer", manifests: [] }, LABEL)).toBe("not checked (not-checked: timeout: no answer)");
  });
  it("a file with a manifest store never validated lists its manifests as not checked; a file without one lists nothing", () => {
    expect(manifestStatuses(undefined, CAPTURE)).toEqual([{ label: LABEL, status: "not checked" }]);
    expect(manifestStatuses(undefined, [])).toEqual([]);
  });
  it("an invalid manifest is one sweep warning naming its codes", () => {
    expect(c2paWarnings(TAMPERED)).toEqual([expect.stringMatching(new RegExp(`^C2PA manifest ${LABEL} is invalid \\(assertion\\.dataHash\\.mismatch\\)`))]);
    expect(c2paWarnings(validation("valid"))).toEqual([]);
  });
});

describe("configuration: c2pa", () => {
  it("defaults: validate, no anchors built in", () => {
    const c = parseConfig("/x/prov.config.json", "{}");
    expect(c.c2pa).toEqual({ validate: true, trust: { anchors: [] } });
  });
  it("anchors resolve against the configuration's folder", () => {
    const c = parseConfig("/x/prov.config.json", JSON.stringify({ c2pa: { validate: false, trust: { anchors: ["trust/c2pa.pem"] } } }));
    expect(c.c2pa).toEqual({ validate: false, trust: { anchors: ["/x/trust/c2pa.pem"] } });
  });
  it("bad values name the file and the key", () => {
    expect(() => parseConfig("/x/prov.config.json", JSON.stringify({ c2pa: { validate: "yes" } }))).toThrow("/x/prov.config.json: c2pa.validate: must be true or false");
    expect(() => parseConfig("/x/prov.config.json", JSON.stringify({ c2pa: { trust: { anchor: [] } } }))).toThrow(/c2pa\.trust.*anchor/);
  });
});
