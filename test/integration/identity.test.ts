// Content identity: a GenAI file stays GenAI (and temporary) when renamed, moved, copied
// or stripped of its labels; unchanged files are not re-read; changed content is noticed.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify } from "../../src/domain/classify.js";
import { MetadataReader } from "../../src/adapters/exiftool.js";

import { bundledExiftool, copyFixture, copySample, evidenceOfAsset, openStore, runScan, samplesDir, sha256Of, sharedAvailable, tempDir } from "../helpers/index.js";

const haveShared = sharedAvailable();

let reader: MetadataReader;
beforeAll(async () => {
  reader = new MetadataReader({ maxProcs: 1 });
});
afterAll(async () => {
  await reader?.end();
});

/** Strip every label with the bundled ExifTool, as someone hiding provenance would. */
function stripAll(file: string): void {
  execFileSync(bundledExiftool, ["-q", "-all=", "-overwrite_original", file], { stdio: "pipe" });
}

describe.runIf(haveShared)("a GenAI file keeps its provenance (needs ../shared/fixtures)", () => {
  it("renamed, moved, copied and stripped copies are all genai/temporary; the stripped one via lineage", async () => {
    const root = tempDir();
    const work = path.join(root, "work");
    const elsewhere = path.join(root, "elsewhere", "deep");
    fs.mkdirSync(elsewhere, { recursive: true });
    const store = await openStore(path.join(root, "prov.db"));
    const original = copyFixture("amazon-titan-g1.png", work, "titan.png");
    const sha = sha256Of(original);
    const scanAll = () => runScan(store, reader, [work, path.join(root, "elsewhere")]);

    const first = await scanAll();
    expect(first.byPath.get(original)).toMatchObject({ kind: "recorded", change: "new", sha256: sha, origin: "genai", status: "temporary" });
    const asset = (await store.assets.bySha(sha))!;
    expect(asset.media_hash).toMatch(/^[0-9a-f]{64}$/);

    // renamed in place
    const renamed = path.join(work, "final_plate_v002.png");
    fs.renameSync(original, renamed);
    const s2 = await scanAll();
    expect(s2.byPath.get(renamed)).toMatchObject({ kind: "recorded", change: "new-location", sha256: sha, origin: "genai", status: "temporary" });

    // moved to another folder
    const moved = path.join(elsewhere, "plate.png");
    fs.renameSync(renamed, moved);
    const s3 = await scanAll();
    expect(s3.byPath.get(moved)).toMatchObject({ kind: "recorded", change: "new-location", sha256: sha, origin: "genai", status: "temporary" });

    // copied
    const copy = path.join(work, "copy.png");
    fs.copyFileSync(moved, copy);
    const s4 = await scanAll();
    expect(s4.byPath.get(copy)).toMatchObject({ kind: "recorded", change: "new-location", sha256: sha, origin: "genai", status: "temporary" });
    expect(s4.byPath.get(moved)).toMatchObject({ kind: "unchanged", sha256: sha, origin: "genai", status: "temporary" });

    // stripped of every label
    const stripped = path.join(elsewhere, "clean.png");
    fs.copyFileSync(moved, stripped);
    stripAll(stripped);
    const strippedSha = sha256Of(stripped);
    expect(strippedSha).not.toBe(sha);
    const s5 = await scanAll();
    expect(s5.byPath.get(stripped)).toMatchObject({ kind: "recorded", change: "new", sha256: strippedSha, origin: "genai", status: "temporary" });

    // The stripped file has no labels of its own; its media data is the original's.
    const strippedAsset = (await store.assets.bySha(strippedSha))!;
    expect(strippedAsset.id).not.toBe(asset.id);
    expect(strippedAsset.media_hash).toBe(asset.media_hash);
    expect((await store.evidence.of(strippedAsset.id)).filter((e) => e.source === "c2pa")).toEqual([]);
    expect((await store.evidence.of(strippedAsset.id)).filter((e) => e.signal === "genai" || e.signal === "genai-edited")).toEqual([]);
    const decided = classify((await evidenceOfAsset(store, strippedAsset.id)));
    expect(decided.origin).toBe("genai");
    expect(decided.decidedBy.length).toBeGreaterThan(0);
    for (const e of decided.decidedBy) {
      expect(e.source).toBe("lineage");
      expect(e.detail?.["sha256"]).toBe(sha);
    }

    // One asset seen at every path it was ever found at.
    expect((await store.locations.ofAsset(asset.id)).map((l) => l.path).sort()).toEqual([original, renamed, moved, copy].sort());
    expect((await store.locations.ofAsset(strippedAsset.id)).map((l) => l.path)).toEqual([stripped]);
  });

  it("a stripped copy scanned before its labelled original becomes genai once the original is recorded", async () => {
    const root = tempDir();
    const store = await openStore(path.join(root, "prov.db"));
    const labelled = copyFixture("amazon-titan-g1.png", path.join(root, "b"), "labelled.png");
    const stripped = copyFixture("amazon-titan-g1.png", path.join(root, "a"), "stripped.png");
    stripAll(stripped);

    const s1 = await runScan(store, reader, [path.join(root, "a")]);
    expect(s1.byPath.get(stripped)).toMatchObject({ kind: "recorded", origin: "unknown", status: null });

    await runScan(store, reader, [path.join(root, "b")]);
    const asset = (await store.assets.bySha(sha256Of(stripped)))!;
    expect([asset.origin, asset.status]).toEqual(["genai", "temporary"]);
    const cls = (await store.events.list({ assetId: asset.id })).find((e) => e.kind === "classified");
    expect(JSON.parse(cls!.detail!)).toMatchObject({ from: { origin: "unknown" }, to: { origin: "genai", status: "temporary" }, cause: "lineage" });
    expect((await store.assets.bySha(sha256Of(labelled)))!.origin).toBe("genai");
  });
});

describe("re-scanning", () => {
  it("unchanged files are not re-read on a second scan, unless rehash", async () => {
    const root = tempDir();
    const store = await openStore(path.join(root, "prov.db"));
    for (const s of ["genai-a1111.png", "camera-plate.jpg", "room-tone.wav"]) copySample(s, root);

    const first = await runScan(store, reader, [root]);
    expect(first.summary).toMatchObject({ files: 3, new: 3, unchanged: 0 });

    const second = await runScan(store, reader, [root]);
    expect(second.summary).toMatchObject({ files: 3, new: 0, reread: 0, changed: 0, unchanged: 3 });
    expect(second.outcomes.filter((o) => o.kind !== "skipped").every((o) => o.kind === "unchanged")).toBe(true);
    expect(second.byPath.get(path.join(root, "genai-a1111.png"))).toMatchObject({ origin: "genai", status: "temporary" });

    const third = await runScan(store, reader, [root], { rehash: true });
    expect(third.summary).toMatchObject({ files: 3, new: 0, unchanged: 0, reread: 3 });

    // A touched file (same bytes, new mtime) is re-read, and is still the same asset.
    const t = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(root, "camera-plate.jpg"), t, t);
    const fourth = await runScan(store, reader, [root]);
    expect(fourth.summary).toMatchObject({ unchanged: 2, reread: 1, new: 0 });
    expect(fourth.byPath.get(path.join(root, "camera-plate.jpg"))).toMatchObject({ kind: "recorded", change: "reread", origin: "not-genai" });
  });

  // Product bug (see report): when the new content was never seen before, recordIdentified()
  // reports change "new" (created wins) and records only a "seen" event, so an edit in place
  // leaves no "changed" event and no link to the previous content.
  it("an edit in place (new content) yields a 'changed' event naming the previous SHA-256", async () => {
    const root = tempDir();
    const store = await openStore(path.join(root, "prov.db"));
    const p = copySample("unlabelled-still.png", root, "shot.png");
    const before = sha256Of(p);
    await runScan(store, reader, [root]);

    fs.writeFileSync(p, fs.readFileSync(path.join(samplesDir, "genai-a1111.png"))); // overwritten in place (same inode)
    const after = sha256Of(p);
    expect(after).not.toBe(before);

    const s = await runScan(store, reader, [root]);
    expect(s.byPath.get(p)).toMatchObject({ kind: "recorded", sha256: after, origin: "genai", status: "temporary" });
    const asset = (await store.assets.bySha(after))!;
    expect((await store.locations.byPath(p))!.asset_id).toBe(asset.id);
    expect((await store.assets.bySha(before))).toBeDefined(); // the old content stays on record

    const changed = (await store.events.list({ path: p })).filter((e) => e.kind === "changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]!.asset_id).toBe(asset.id);
    expect(JSON.parse(changed[0]!.detail!)).toMatchObject({ sha256: after, previous_sha256: before, origin: "genai" });
  });

  it("content replaced by already-recorded content yields a 'changed' event naming the previous SHA-256", async () => {
    const root = tempDir();
    const store = await openStore(path.join(root, "prov.db"));
    const p = copySample("unlabelled-still.png", root, "shot.png");
    const other = copySample("genai-a1111.png", root, "other.png");
    const before = sha256Of(p);
    const after = sha256Of(other);
    await runScan(store, reader, [root]);

    fs.copyFileSync(other, p);
    const s = await runScan(store, reader, [root]);
    expect(s.summary.changed).toBe(1);
    expect(s.byPath.get(p)).toMatchObject({ kind: "recorded", change: "changed", sha256: after, origin: "genai", status: "temporary" });

    const changed = (await store.events.list({ path: p })).filter((e) => e.kind === "changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]!.asset_id).toBe((await store.assets.bySha(after))!.id);
    expect(JSON.parse(changed[0]!.detail!)).toMatchObject({ sha256: after, previous_sha256: before, origin: "genai", status: "temporary" });
    expect((await store.locations.ofAsset((await store.assets.bySha(after))!.id)).map((l) => l.path).sort()).toEqual([other, p].sort());
  });
});
