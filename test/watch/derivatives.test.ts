// The deliverables gate blocks label-free copies of a recorded temporary GenAI still that
// escaped it before (issue 14): mirrored, rotated, letterboxed, and cut short.

import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { LABEL_FREE } from "../../bench/label-free.js";
import { disposeAll, ENGINES, expectBlocked, expectNoErrors, Sandbox, sample, sha256, waitFor, write } from "./helpers.js";

afterAll(disposeAll);

const make = (kind: string): ((src: string, out: string) => Promise<void>) => LABEL_FREE.find((t) => t.kind === kind)!.make;

describe.each(ENGINES)("the gate and label-free copies of a GenAI still (%s)", (engine) => {
  it("blocks a mirrored, a rotated, a letterboxed and a truncated copy as derived from it, saying how", async () => {
    const sb = await Sandbox.create({ engine, mode: "events" });
    try {
      const w = await sb.watch();
      const concept = write(path.join(sb.work, "concept.jpg"), sample("genai-concept-art.jpg"));
      await waitFor(() => sb.db.get("SELECT 1 AS x FROM locations WHERE path = ? AND state = 'present'", concept), "the GenAI still to be recorded");
      expect((await sharp(concept).metadata()).width).toBeGreaterThan(0);
      for (const [kind, name, how] of [
        ["mirror", "flop_v2.jpg", / \(mirrored\) \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/],
        ["rot90", "portrait_v1.jpg", / \(rotated 90° clockwise\) \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/],
        ["letterbox", "scope_v1.png", /perceptual distance \d+ of 64 bits \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/],
        ["truncated", "partial.jpg", /; this file: truncated or corrupt image data: fingerprinted what decodes \(about \d+% of the picture\), as a viewer shows it \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/],
      ] as const) {
        const made = path.join(sb.scratch, name);
        await make(kind)(concept, made);
        const bytes = fs.readFileSync(made);
        const delivered = path.join(sb.del, name);
        fs.renameSync(made, delivered);
        const row = await expectBlocked(sb, delivered, sha256(bytes));
        expect(row.reason, kind).toMatch(/^derived from temporary GenAI asset [0-9a-f]{12} \(genai, .*concept\.jpg\): perceptual distance \d+ of 64 bits/);
        expect(row.reason, kind).toMatch(how);
      }
      expectNoErrors(w);
    } finally {
      await sb.dispose();
    }
  });
});
