// The gate's decision when its store cannot be used: on the file's own labels only, failing closed.
import { describe, expect, it } from "vitest";
import { judgeWithoutStore } from "../../src/app/judge.js";
import type { MetadataResult } from "../../src/ports.js";

const meta = (tags: Record<string, unknown>): MetadataResult => ({
  ok: true,
  metadata: { tags: { SourceFile: "/d/x.png", ...tags } as never, fileType: "PNG", mimeType: "image/png", mediaHash: null, warnings: [], error: null, exiftoolVersion: "13" },
});
const policy = { unknownPolicy: "allow" as const };
const judge = (metadata: MetadataResult | undefined, stable = true) => judgeWithoutStore({ metadata, folderEvidence: [], stable, unnamed: false }, policy).decision;

describe("judgeWithoutStore()", () => {
  it("blocks a file whose own label says GenAI, complete or not", () => {
    const genai = meta({ "XMP:XMP-iptcExt:DigitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" });
    expect(judge(genai).action).toBe("block");
    expect(judge(genai, false).action).toBe("block");
  });
  it("holds a complete file whose labels could not be read, and waits while it is written", () => {
    expect(judge({ ok: false, reason: "over budget: 60 s" })).toEqual({ action: "hold", reason: "cannot be identified: over budget: 60 s" });
    expect(judge(undefined).action).toBe("hold");
    expect(judge(undefined, false).action).toBe("wait");
  });
  it("allows a file with no GenAI label (under gate.unknown allow), and holds it under hold", () => {
    expect(judge(meta({})).action).toBe("allow");
    expect(judgeWithoutStore({ metadata: meta({}), folderEvidence: [], stable: true, unnamed: false }, { unknownPolicy: "hold" }).decision.action).toBe("hold");
  });
});
