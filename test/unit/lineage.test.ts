// Pure lineage rules: which way a perceptual look-alike goes, a file's own C2PA claim
// against its media-data twin's, and what travels between the frames of a shot.

import { describe, expect, it } from "vitest";
import { c2paLinks, evidenceOf, lookalikeDirection, ownC2paClaim, shotEvidence, twinEvidence, type LookalikeSide } from "../../src/domain/lineage.js";
import { classify } from "../../src/domain/classify.js";
import type { Evidence } from "../../src/domain/types.js";
import type { AssetRow, GenAIEvidenceRow, SequenceEvidenceRow } from "../../src/ports.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
const A_JPG = "xmp.iid:813ee422-9736-4cdc-9be6-4e35ed8e41cb";

/** The tags ExifTool gives (-G3:1) for the active manifest of adobe-20220124-CA.jpg: its ingredient A.jpg and its claim. */
const caTags = {
  "Doc1:JUMBF:JUMDLabel": "c2pa",
  "Doc1-1:JUMBF:JUMDLabel": "contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b",
  "Doc1-1-1:JUMBF:JUMDLabel": "c2pa.assertions",
  "Doc1-1-1-3:JUMBF:JUMDLabel": "c2pa.ingredient",
  "Doc1-1-1-3:CBOR:Title": "A.jpg",
  "Doc1-1-1-3:CBOR:DocumentID": "xmp.did:813ee422-9736-4cdc-9be6-4e35ed8e41cb",
  "Doc1-1-1-3:CBOR:InstanceID": A_JPG,
  "Doc1-1-1-3:CBOR:Relationship": "parentOf",
  "Doc1-1-2:JUMBF:JUMDLabel": "c2pa.claim",
  "Doc1-1-2:CBOR:Title": "CA.jpg",
  "Doc1-1-2:CBOR:InstanceID": "xmp:iid:c39510ae-26d2-469c-8a59-3e57aa87cb8b",
};

const side = (over: Partial<LookalikeSide>): LookalikeSide => ({ sha256: "a".repeat(64), origin: "unknown", firstSeen: "2026-11-02T00:00:00.000Z", evidence: [], ...over });
const edit = (over: Partial<LookalikeSide> = {}) => side({ sha256: "e".repeat(64), origin: "genai-edited", firstSeen: "2026-11-01T00:00:00.000Z", evidence: c2paLinks(caTags), ...over });

describe("c2paLinks(): what a file's C2PA says it is and what it was made from", () => {
  it("names the active manifest's ingredients and the file's own ids", () => {
    const ev = c2paLinks(caTags);
    expect(ev.find((e) => e.field === "active manifest ingredient")).toMatchObject({ value: `A.jpg (parentOf): ${A_JPG}`, signal: "info", detail: { ingredient: [A_JPG] } });
    expect(ev.find((e) => e.field === "identity")?.detail?.["ids"]).toEqual(["contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b", "xmp:iid:c39510ae-26d2-469c-8a59-3e57aa87cb8b"]);
  });

  it("takes the XMP InstanceID of a file without C2PA as its id; nothing for a file with neither", () => {
    expect(c2paLinks({ "XMP-xmpMM:InstanceID": A_JPG })).toEqual([{ source: "c2pa", field: "identity", value: A_JPG, signal: "info", detail: { ids: [A_JPG] } }]);
    expect(c2paLinks({ "File:FileType": "PNG" })).toEqual([]);
  });
});

describe("lookalikeDirection(): which way a perceptual look-alike goes", () => {
  it("a fully generated asset is always the source: the look-alike is derived from it, even when recorded first", () => {
    const d = lookalikeDirection(side({ firstSeen: "2026-01-01T00:00:00.000Z" }), edit({ origin: "genai" }));
    expect(d.way).toBe("derived");
    expect(d.why).toMatch(/fully generated asset can only be the source/);
  });

  it("a look-alike of a GenAI edit recorded before the edit is its source (the plate), not a derivative", () => {
    const d = lookalikeDirection(side({ firstSeen: "2026-10-01T00:00:00.000Z" }), edit());
    expect(d).toEqual({ way: "source", why: `source of GenAI edit eeeeeeeeeeee: prov recorded this file first (2026-10-01, the edit 2026-11-01)` });
  });

  it("a look-alike the edit's C2PA manifest names as its ingredient is its source, whenever it was recorded", () => {
    const plate = side({ evidence: c2paLinks({ "XMP-xmpMM:InstanceID": A_JPG }) });
    const d = lookalikeDirection(plate, edit());
    expect(d.way).toBe("source");
    expect(d.why).toBe(`source of GenAI edit eeeeeeeeeeee: its C2PA manifest names this file as an ingredient (${A_JPG})`);
  });

  it("a look-alike of a GenAI edit recorded after it and not its ingredient is taken as derived (fail closed), saying why", () => {
    const d = lookalikeDirection(side({ evidence: c2paLinks({ "XMP-xmpMM:InstanceID": "xmp.iid:other" }) }), edit());
    expect(d.way).toBe("derived");
    expect(d.why).toMatch(/recorded the edit first \(2026-11-01\) and its C2PA manifest does not name this file as an ingredient/);
  });

  it("the same media data is a twin, judged by lineage, not a look-alike", () => {
    expect(lookalikeDirection(side({ mediaHash: "m1" }), edit({ mediaHash: "m1" })).way).toBe("twin");
  });
});

describe("twinEvidence(): a file's own C2PA claim is not overruled by its twin's", () => {
  const twinRow: GenAIEvidenceRow = { id: 1, asset_id: 2, source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: IPTC + "compositeWithTrainedAlgorithmicMedia", signal: "genai-edited", detail: null, recorded_at: "2026-11-01T00:00:00.000Z", sha256: "f".repeat(64) } as unknown as GenAIEvidenceRow;
  const manifest: Evidence = { source: "c2pa", field: "manifest store", value: "1 manifest; active contentauth:urn:uuid:x", signal: "info" };
  const captured: Evidence = { source: "c2pa", field: "active manifest actions[0] c2pa.created digitalSourceType", value: IPTC + "digitalCapture", signal: "not-genai" };

  it("without a claim of its own, the twin's GenAI travels (labels stripped)", () => {
    const [e] = twinEvidence([twinRow], []);
    expect(e).toMatchObject({ source: "lineage", signal: "genai-edited" });
  });

  it("with its own capture claim, both claims are shown and the file is possibly GenAI, not genai-edited", () => {
    const own = [manifest, captured];
    expect(ownC2paClaim(own)).toBe("capture (digitalCapture)");
    const twin = twinEvidence([twinRow], own);
    expect(twin[0]).toMatchObject({ signal: "possibly-genai", detail: { conflict: true, own: "capture (digitalCapture)", twin: "genai-edited" } });
    expect(twin[0]!.value).toMatch(/^own C2PA claim: capture \(digitalCapture\); twin ffffffffffff claims genai-edited .*neither wins$/);
    expect(classify([...own, ...twin]).origin).toBe("possibly-genai");
  });

  it("a file whose own labels say GenAI has no conflict with a GenAI twin", () => {
    const own = [manifest, { ...captured, signal: "genai" as const }];
    expect(ownC2paClaim(own)).toBeNull();
    expect(twinEvidence([twinRow], own)[0]!.signal).toBe("genai-edited");
  });
});

describe("shotEvidence(): one frame's label is never spread to a frame that was read", () => {
  const row: SequenceEvidenceRow = { id: 1, asset_id: 2, source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: IPTC + "trainedAlgorithmicMedia", signal: "genai", detail: null, recorded_at: "2026-11-01T00:00:00.000Z", sha256: "b".repeat(64), pattern: "shot.%04d.png", frame: 1005 } as unknown as SequenceEvidenceRow;

  it("a frame whose own labels were read keeps its own class; the other frame's label is shown as information", () => {
    const [e] = shotEvidence([row], true);
    expect(e).toMatchObject({ signal: "info", detail: { spread: false } });
    expect(e!.value).toMatch(/not spread: this frame's own labels were read/);
  });

  it("a frame whose labels were not read takes the shot's GenAI evidence, and says so", () => {
    const [e] = shotEvidence([row], false);
    expect(e).toMatchObject({ signal: "genai", detail: { spread: true } });
    expect(e!.value).toMatch(/spread to this frame: its own labels were not read/);
  });

  it("evidenceOf() decides by whether ExifTool read the frame", () => {
    const asset = (v: string | null) => ({ exiftool_version: v, metadata_error: null }) as AssetRow;
    expect(classify(evidenceOf({ asset: asset("13.0"), evidence: [], twins: [], shot: [row] })).origin).toBe("unknown");
    expect(classify(evidenceOf({ asset: asset(null), evidence: [], twins: [], shot: [row] })).origin).toBe("genai");
  });
});
