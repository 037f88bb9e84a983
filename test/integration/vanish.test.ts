// Files that disappear between scans: marked missing (never deleted), unless so many vanish
// at once that an unmounted share is likelier than a delete.

import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import { suspectUnmount } from "../../src/domain/unmount.js";
import { copySample, openStore, runCli, runScan, tempDir } from "../helpers/index.js";

let reader: MetadataReader;
beforeAll(async () => {
  reader = new MetadataReader();
});
afterAll(async () => {
  await reader.end();
});

function manyFiles(dir: string, n: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(path.join(dir, `f${i}.wav`), `RIFF-not-really-${i}`);
}

describe("scan and vanished files", () => {
  it("suspectUnmount: at least 50 files and half of the root", async () => {
    expect(suspectUnmount(49, 60)).toBe(false);
    expect(suspectUnmount(50, 100)).toBe(true);
    expect(suspectUnmount(50, 101)).toBe(false);
    expect(suspectUnmount(3, 4)).toBe(false);
  });

  it("a file renamed between scans: the old location is marked missing, with an event; the row stays", async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, "p.db"));
    const media = path.join(dir, "media");
    mkdirSync(media);
    const a = copySample("genai-a1111.png", media, "a.png");
    await runScan(store, reader, [media]);
    renameSync(a, path.join(media, "b.png"));
    const run = await runScan(store, reader, [media]);
    expect(run.summary.missing).toBe(1);
    expect((await store.locations.byPath(a))).toMatchObject({ state: "missing" });
    expect((await store.locations.byPath(path.join(media, "b.png")))).toMatchObject({ state: "present" });
    expect((await store.events.list({ path: a })).map((e) => e.kind)).toContain("missing");
    await store.close();
  });

  it("most of a folder gone at once: nothing marked missing, the summary says unmounted", async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, "p.db"));
    const share = path.join(dir, "share");
    manyFiles(path.join(share, "reels"), 60);
    copySample("camera-plate.jpg", share);
    await runScan(store, reader, [share]);
    rmSync(path.join(share, "reels"), { recursive: true });
    const run = await runScan(store, reader, [share]);
    expect(run.summary.missing).toBe(0);
    expect(run.summary.suspectedUnmount).toEqual([share]);
    expect((await store.locations.presentUnder(share))).toHaveLength(61);
    await store.close();
  });

  it("a file skipped by type is not taken for vanished", async () => {
    const dir = tempDir();
    const store = await openStore(path.join(dir, "p.db"));
    const media = path.join(dir, "media");
    mkdirSync(media);
    writeFileSync(path.join(media, "notes.txt"), "hello");
    await runScan(store, reader, [media], { extensions: "all" });
    const run = await runScan(store, reader, [media]);
    expect(run.summary.missing).toBe(0);
    expect((await store.locations.byPath(path.join(media, "notes.txt")))).toMatchObject({ state: "present" });
    await store.close();
  });
});

describe("tag is all or nothing", () => {
  it("a refusal on the second file leaves the first untagged", async () => {
    const dir = tempDir();
    const plain = copySample("unlabelled-still.png", dir);
    const labelled = copySample("genai-a1111.png", dir);
    const env = { PROV_DB: path.join(dir, "p.db") };
    const r = await runCli(["tag", plain, labelled, "--not-genai", "--note", "looks real"], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing was tagged");
    const show = await runCli(["--json", "show", plain], { cwd: dir, env });
    expect(JSON.parse(show.stdout)).toMatchObject({ origin: "unknown" });
    const store = await openStore(path.join(dir, "p.db"));
    expect((await store.events.list({})).filter((e) => e.kind === "tagged")).toHaveLength(0);
    await store.close();
  });
});
