// The red team's watcher case: four hostile files (XMP nested 10,000 deep, on which
// ExifTool alone runs for minutes, and a PNG with a 100 MB text chunk) dropped into
// deliverables together with five labelled GenAI files. The GenAI files are quarantined
// as blocked without waiting for the hostile ones; each hostile file is over its budget,
// held (the gate's "cannot be identified → hold", moved to quarantine as `held` with the
// reason), and no byte is lost. Small budgets in the config keep it quick; the test waits
// on what the watcher reports (quarantine rows and events), never on a clock.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bigTextPng, nestedXmp, nestedXmpPng } from "../helpers/hostile.js";
import { contentIndex, disposeAll, expectBlocked, expectNoErrors, expectQuarantineConsistent, lexists, Sandbox, sha256, uniqueGenaiPng, waitBlocked, type Watcher, write } from "./helpers.js";

afterAll(disposeAll);

/** A hang guard per wait, generous for a loaded 2-core machine; never a speed check. */
const GUARD_MS = 180_000;

describe("the gate with hostile files among GenAI ones", () => {
  let sb: Sandbox;
  let w: Watcher;
  beforeAll(async () => {
    sb = await Sandbox.create({ mode: "events" });
    const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as Record<string, unknown>;
    cfg["budgets"] = { metadataSeconds: 5, decodeSeconds: 20 };
    fs.writeFileSync(sb.config, JSON.stringify(cfg, null, 2));
    w = await sb.watch();
  });
  afterAll(async () => {
    if (w?.alive) expectNoErrors(w);
    await sb?.dispose();
  });

  it("4 hostile + 5 GenAI files at once: the GenAI ones blocked, the hostile ones held over budget, nothing lost", { timeout: 4 * GUARD_MS }, async () => {
    const staging = path.join(sb.scratch, "drop");
    const hostile = new Map<string, Buffer>([
      ["deep-1.xmp", nestedXmp("watch-1")],
      ["deep-2.xmp", nestedXmp("watch-2")],
      ["deep-3.png", nestedXmpPng("watch-3")],
      ["big-text.png", bigTextPng("watch-4")],
    ]);
    const genai = new Map<string, Buffer>();
    for (let i = 0; i < 5; i++) genai.set(`genai-${i}.png`, uniqueGenaiPng(`budgets-${i}`));
    for (const [name, data] of [...hostile, ...genai]) write(path.join(staging, name), data);
    const dest = path.join(sb.del, "drop");
    fs.renameSync(staging, dest); // all nine appear at once

    for (const [name, data] of genai) await expectBlocked(sb, path.join(dest, name), sha256(data), GUARD_MS);

    for (const [name, data] of hostile) {
      const row = await waitBlocked(sb, path.join(dest, name), sha256(data), GUARD_MS);
      expect(row.kind, name).toBe("held");
      expect(row.reason, name).toMatch(/^cannot be identified: over budget: /);
      expect(sha256(row.quarantine_path), `${name}: the quarantined bytes`).toBe(sha256(data));
      expect(lexists(path.join(dest, name))).toBe(false);
    }
    const reasons = new Map(sb.db.quarantineRows().map((r) => [path.basename(r.original_path), r.reason]));
    expect(reasons.get("deep-1.xmp")).toMatch(/ExifTool did not finish reading its metadata within 5 s \(budgets\.metadataSeconds\)/);
    // Whichever budget it passes first: 5 s of ExifTool on a loaded machine, or the 100 MB value over maxTagBytes.
    expect(reasons.get("big-text.png")).toMatch(/over budget: (ExifTool did not finish|tag PNG:Comment is 100\.0 MiB, more than budgets\.maxTagBytes)/);

    // Nothing lost: each of the nine contents is in exactly one place.
    const inDel = contentIndex(sb.del);
    const inQ = contentIndex(sb.q);
    for (const [name, data] of [...hostile, ...genai]) {
      const sha = sha256(data);
      expect([...(inDel.get(sha) ?? []), ...(inQ.get(sha) ?? [])], name).toHaveLength(1);
    }
    expect(w.alive, "the watcher keeps running").toBe(true);
    await sb.waitIdle(w);
    expectQuarantineConsistent(sb);
  });
});
