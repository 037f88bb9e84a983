// Hostile tag values: the recognisers run on every text tag, so a value of budgets.maxTagBytes
// (4 MiB) shaped to make a regular expression backtrack must still be read in linear time.
// No timing is asserted: before the fix a 160 KB value took minutes, so a regression shows as
// this file hitting vitest's hang guard (testTimeout), not as a slow figure.

import { describe, expect, it } from "vitest";
import { evidenceFromTags } from "../../src/domain/evidence.js";
import { infotext, recognisePayload } from "../../src/domain/generators.js";

const N = 4 * 1024 * 1024;
const shapes: Record<string, string> = {
  "a parameter key that never ends (letters)": "Steps: 1\n" + "a".repeat(N),
  "words without a colon": "Steps: 1\n" + "a ".repeat(N / 2),
  "a run of spaces": "Steps: 1, " + " ".repeat(N) + "x",
  "an unclosed quoted value": 'Steps: 1, x: "' + "\\a".repeat(N / 2),
  "escaped quotes between commas": ('Steps: 1, a: "' + '\\"'.repeat(20) + ", ").repeat(N / 60),
  "unclosed JSON": "{" + '"a":'.repeat(N / 4),
  "JSON that is only spaces": "{" + " ".repeat(N) + "x",
  "Python NaN everywhere": '{"a": [' + " NaN,".repeat(N / 5) + "x",
  "a Job ID of dashes": "Job ID: " + "-".repeat(N),
  "Dream flags without end": '"' + " -s".repeat(N / 3),
  "a prefix before spaces": "a:" + " ".repeat(N) + "x",
  "a ComfyUI-looking unclosed graph": '{"class_type": "x", "inputs": ' + "{".repeat(N),
};

describe("hostile tag values of 4 MiB", () => {
  for (const [what, value] of Object.entries(shapes)) {
    it(`${what}: read without hanging`, () => {
      recognisePayload(value);
      infotext(value);
      const e = evidenceFromTags({ "PNG:Parameters": value, "IFD0:Software": value, "XMP-dc:Description": value, "ExifIFD:UserComment": value });
      expect(Array.isArray(e)).toBe(true);
    });
  }

  it("a parameter line is still found after a long prompt", () => {
    const text = "x".repeat(200_000) + "\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512";
    expect(infotext(text)?.generator).toBe("AUTOMATIC1111/Forge");
  });
});
