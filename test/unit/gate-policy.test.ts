// Pure: may a file stay in deliverables? The perceptual rule: a re-encode of temporary GenAI.

import { describe, expect, it } from "vitest";
import { decide, type GateFacts } from "../../src/policy/gate.js";

const facts = (over: Partial<GateFacts>): GateFacts => ({
  symlink: false,
  known: { origin: "unknown", status: null, sha256: "b".repeat(64) },
  own: { origin: "unknown", evidence: [] },
  readError: null,
  stable: true,
  forcedRelease: false,
  unknownPolicy: "allow",
  ...over,
});

describe("decide(): derived from temporary GenAI", () => {
  const what = "temporary GenAI asset 58c0ad85b9d0 (genai): perceptual distance 4 of 64 bits";
  it("a match is blocked, naming the GenAI asset", () => {
    expect(decide(facts({ derived: { verdict: "match", what } }))).toEqual({ action: "block", reason: `derived from ${what}` });
  });
  it("a possible match is allowed, saying so (the sweep lists it); gate.unknown hold still holds unknown content", () => {
    expect(decide(facts({ derived: { verdict: "possible", what } }))).toEqual({ action: "allow", reason: `possibly derived from ${what} (the sweep lists it for review)` });
    expect(decide(facts({ unknownPolicy: "hold", derived: { verdict: "possible", what } })).action).toBe("hold");
  });
  it("nothing near: allowed as before; an approved asset is allowed whatever it looks like", () => {
    expect(decide(facts({ derived: null })).action).toBe("allow");
    expect(decide(facts({ known: { origin: "genai", status: "approved", sha256: "c".repeat(64) }, derived: { verdict: "match", what } })).action).toBe("allow");
  });
  it("not before the file is stable (the caller asks only of complete files)", () => {
    expect(decide(facts({ stable: false, derived: { verdict: "match", what } })).action).toBe("wait");
  });
  it("a forced release to this path wins", () => {
    expect(decide(facts({ forcedRelease: true, derived: { verdict: "match", what } })).action).toBe("allow");
  });
});
