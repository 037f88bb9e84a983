// Settle: every quarantine move is verified afterwards. Inode numbers are reused at once and
// an inode's bytes can change between a judgment and the move (an in-place rewrite), so what
// was moved is hashed and judged again: content that is allowed goes back where it was.
// Real files, real SQLite, real ExifTool; the race is set up, not timed.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { Quarantine } from "../../src/app/quarantine.js";
import { settle, type SettleDeps } from "../../src/app/settle.js";
import { folderMatcher } from "../../src/domain/folders.js";
import { systemClock } from "../../src/ports.js";
import { copySample, openStore, runScan, sha256Of, tempDir } from "../helpers/index.js";

let reader: MetadataReader;
beforeAll(() => {
  reader = new MetadataReader({ maxProcs: 1 });
});
afterAll(async () => {
  await reader?.end();
});

async function setup() {
  const dir = tempDir();
  const del = path.join(dir, "deliverables");
  const q = path.join(dir, "quarantine");
  fs.mkdirSync(del);
  fs.mkdirSync(q);
  const store = await openStore(path.join(dir, "prov.db"));
  const quarantine = new Quarantine(store, q, "test", 0, systemClock);
  const deps: SettleDeps = { store, reader, quarantine, folderMatcher: folderMatcher([]), policy: { unknownPolicy: "allow" }, fingerprint: { video: false, everySeconds: 2 }, stableMs: 0, clock: systemClock };
  return { dir, del, q, store, quarantine, deps };
}

describe("settle()", () => {
  it("a file rewritten in place between its judgment (GenAI) and its move (now clean) is put back", async () => {
    const { dir, del, store, quarantine, deps } = await setup();
    // What the gate judged: a GenAI still, recorded.
    const judged = copySample("genai-a1111.png", dir, "judged.png");
    await runScan(store, reader, [judged]);
    const genaiSha = sha256Of(judged);
    const asset = (await store.assets.bySha(genaiSha))!;
    expect(asset.origin).toBe("genai");
    // At the moment of the move, the same path (same inode) holds a camera plate.
    const f = copySample("camera-plate.jpg", del, "sh010.png");
    const st = fs.statSync(f, { bigint: true });
    const row = await quarantine.quarantine({ path: f, kind: "blocked", reason: "labelled genai", evidence: [], sha256: genaiSha, assetId: asset.id, dev: String(st.dev), ino: String(st.ino) });
    expect(row.state).toBe("moved");
    expect(fs.existsSync(f)).toBe(false);

    const plate = sha256Of(row.quarantine_path);
    expect(await settle(deps, row)).toBe("put-back");
    expect(fs.existsSync(f)).toBe(true);
    expect(sha256Of(f)).toBe(plate);
    expect(fs.existsSync(row.quarantine_path)).toBe(false);
    const after = (await store.quarantine.byId(row.id))!;
    expect(after.state).toBe("rolled-back");
    expect(after.error).toMatch(/^put back: the file changed between its judgment and the move/);
    const receipt = JSON.parse(fs.readFileSync(path.join(path.dirname(row.quarantine_path), `${row.id}.receipt.json`), "utf8")) as { returned?: { why: string } };
    expect(receipt.returned?.why).toMatch(/changed between its judgment and the move/);
  });

  it("moved bytes that are what was judged are verified, recorded and fingerprinted; the row keeps its reason", async () => {
    const { del, store, quarantine, deps } = await setup();
    const f = copySample("genai-a1111.png", del, "gen.png");
    const sha = sha256Of(f);
    const st = fs.statSync(f, { bigint: true });
    const row = await quarantine.quarantine({ path: f, kind: "blocked", reason: "labelled genai", evidence: [], sha256: sha, assetId: null, dev: String(st.dev), ino: String(st.ino) });
    expect(await settle(deps, row)).toBe("verified");
    const after = (await store.quarantine.byId(row.id))!;
    expect(after).toMatchObject({ state: "moved", sha256: sha, reason: "labelled genai" });
    expect(after.verified_at).not.toBeNull();
    const asset = (await store.assets.bySha(sha))!;
    expect(asset.origin).toBe("genai");
    expect(await store.fingerprints.state(asset.id)).toMatchObject({ state: "done", kind: "image" });
  });

  it("content judged again is still blocked when the moved bytes are other GenAI: the row and receipt say what is there now", async () => {
    const { del, store, quarantine, deps } = await setup();
    const f = copySample("genai-concept-art.jpg", del, "x.jpg");
    const st = fs.statSync(f, { bigint: true });
    const row = await quarantine.quarantine({ path: f, kind: "blocked", reason: "was something else", evidence: [], sha256: "0".repeat(64), assetId: null, dev: String(st.dev), ino: String(st.ino) });
    expect(await settle(deps, row)).toBe("judged-again");
    const after = (await store.quarantine.byId(row.id))!;
    expect(after.sha256).toBe(sha256Of(row.quarantine_path));
    expect(after.reason).toMatch(/its own metadata says genai|known temporary GenAI/);
    expect(fs.existsSync(f)).toBe(false);
  });
});
