// Pure: may a file stay in deliverables? Every branch of decide(), in the order it asks.

import { describe, expect, it } from "vitest";
import { decide, type GateFacts } from "../../src/domain/gate-policy.js";
import type { Evidence } from "../../src/domain/types.js";

const genaiLabel: Evidence = { source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia", signal: "genai" };
const composite: Evidence = { source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: "http://cv.iptc.org/newscodes/digitalsourcetype/composite", signal: "possibly-genai" };
const sha = "b".repeat(64);

const facts = (over: Partial<GateFacts>): GateFacts => ({
  entry: "file",
  empty: false,
  known: { origin: "unknown", status: null, sha256: sha, via: "content" },
  own: { origin: "unknown", evidence: [] },
  readError: null,
  stable: true,
  forcedRelease: false,
  unknownPolicy: "allow",
  ...over,
});

describe("decide(): what is at the path", () => {
  it("a symbolic link is blocked, whatever else is known", () => {
    expect(decide(facts({ entry: "symlink", forcedRelease: true }))).toEqual({ action: "block", reason: "symbolic link in deliverables (links are never followed or delivered)" });
  });
  it("a FIFO, socket or device is held", () => {
    expect(decide(facts({ entry: "other" }))).toEqual({ action: "hold", reason: "not a regular file (FIFO, socket or device)" });
  });
  it("a path that cannot be looked at is held, saying why", () => {
    expect(decide(facts({ entry: "unreadable", readError: "permission denied" }))).toEqual({ action: "hold", reason: "cannot read: permission denied" });
    expect(decide(facts({ entry: "unreadable", readError: null })).reason).toBe("cannot read: unknown reason");
  });
});

describe("decide(): content", () => {
  it("a forced release to this path wins over everything about the content", () => {
    expect(decide(facts({ forcedRelease: true, known: { origin: "genai", status: "temporary", sha256: sha, via: "content" } }))).toEqual({ action: "allow", reason: "released to this path with --force" });
  });
  it("known temporary GenAI is blocked at once, complete or not, by content or by inode", () => {
    const known = { origin: "genai" as const, status: "temporary" as const, sha256: sha };
    expect(decide(facts({ stable: false, known: { ...known, via: "content" } }))).toEqual({ action: "block", reason: `content is a known temporary GenAI asset (genai, sha256 ${sha})` });
    expect(decide(facts({ stable: false, known: { ...known, via: "inode" } }))).toEqual({ action: "block", reason: `a hard link or rename of a known temporary GenAI asset (genai, sha256 ${sha})` });
    expect(decide(facts({ known: { ...known, origin: "genai-edited", via: "content" } })).action).toBe("block");
  });
  it("labelled GenAI not approved is blocked, complete or not, naming the label", () => {
    const d = decide(facts({ stable: false, known: null, own: { origin: "genai", evidence: [genaiLabel] } }));
    expect(d.action).toBe("block");
    expect(d.reason).toBe(`its own metadata says genai and it is not approved (iptc: XMP-iptcExt:DigitalSourceType = ${genaiLabel.value})`);
  });
  it("labelled GenAI that is approved is not blocked by its labels", () => {
    expect(decide(facts({ known: { origin: "genai", status: "approved", sha256: sha, via: "content" }, own: { origin: "genai", evidence: [genaiLabel] } }))).toEqual({ action: "allow", reason: "approved GenAI asset" });
  });
  it("a container with a temporary GenAI member is blocked, naming the member", () => {
    expect(decide(facts({ container: { member: "shots.zip/sh010.png", reason: "labelled genai" } }))).toEqual({ action: "block", reason: "it holds temporary GenAI: shots.zip/sh010.png (labelled genai)" });
  });
  it("an empty file is allowed (it is judged again when it grows)", () => {
    expect(decide(facts({ empty: true, stable: false }))).toEqual({ action: "allow", reason: "empty file (judged again when it grows)" });
  });
  it("anything else waits until the file is complete", () => {
    expect(decide(facts({ stable: false }))).toEqual({ action: "wait", reason: "still being written" });
  });
});

describe("decide(): complete content that nothing blocked yet", () => {
  const what = "temporary GenAI asset 58c0ad85b9d0 (genai): perceptual distance 4 of 64 bits";
  it("derived from temporary GenAI (a match) is blocked, naming the GenAI asset", () => {
    expect(decide(facts({ derived: { verdict: "match", what } }))).toEqual({ action: "block", reason: `derived from ${what}` });
  });
  it("content that cannot be identified is held", () => {
    expect(decide(facts({ readError: "File format error" }))).toEqual({ action: "hold", reason: "cannot be identified: File format error" });
  });
  it("a name that is not UTF-8 is held", () => {
    expect(decide(facts({ unnamed: true })).action).toBe("hold");
  });
  it("possibly GenAI is held for review", () => {
    const d = decide(facts({ known: { origin: "possibly-genai", status: null, sha256: sha, via: "content" }, own: { origin: "possibly-genai", evidence: [composite] } }));
    expect(d.action).toBe("hold");
    expect(d.reason).toMatch(/^possibly GenAI: review it/);
  });
  it("no provenance at all follows gate.unknown", () => {
    expect(decide(facts({ unknownPolicy: "hold" }))).toEqual({ action: "hold", reason: "no provenance at all, and gate.unknown is hold" });
    expect(decide(facts({ unknownPolicy: "allow" }))).toEqual({ action: "allow", reason: "no provenance (gate.unknown is allow)" });
    // Nothing known and no labels: unknown too.
    expect(decide(facts({ known: null, own: null })).reason).toBe("no provenance (gate.unknown is allow)");
  });
  it("a possible look-alike is allowed, saying so (the sweep lists it); gate.unknown hold still holds unknown content", () => {
    expect(decide(facts({ derived: { verdict: "possible", what } }))).toEqual({ action: "allow", reason: `possibly derived from ${what} (the sweep lists it for review)` });
    expect(decide(facts({ unknownPolicy: "hold", derived: { verdict: "possible", what } })).action).toBe("hold");
  });
  it("not GenAI by its labels is allowed", () => {
    expect(decide(facts({ known: { origin: "not-genai", status: null, sha256: sha, via: "content" } }))).toEqual({ action: "allow", reason: "nothing marks it GenAI" });
  });
  it("an approved asset is allowed whatever it looks like", () => {
    expect(decide(facts({ known: { origin: "genai", status: "approved", sha256: sha, via: "content" }, derived: { verdict: "match", what } })).action).toBe("allow");
  });
});
