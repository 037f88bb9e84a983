// Hostile names and file types: the scan completes, every problem is recorded against
// the file it concerns, nothing is followed, nothing hangs, nothing crashes.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/ports.js";
import { MetadataReader } from "../../src/adapters/exiftool.js";
import type { FileOutcome } from "../../src/app/ingest/scan.js";
import { cliPath, copySample, json, openStore, runCli, runScan, sha256Of, tempDir, type ScanRun } from "../helpers/index.js";

const still = (dir: string, name: string) => copySample("unlabelled-still.png", dir, name);
const genai = (dir: string, name: string) => copySample("genai-a1111.png", dir, name);

describe("awkward file names and types", () => {
  let dir: string;
  let store: Store;
  let reader: MetadataReader;
  let run: ScanRun;
  let target: string;
  const nfc = "caf\u00e9.png";
  const nfd = "cafe\u0301.png";
  const badName = Buffer.concat([Buffer.from("bad-"), Buffer.from([0xff, 0xfe]), Buffer.from(".png")]);

  beforeAll(async () => {
    dir = tempDir();
    const d = path.join(dir, "in");
    fs.mkdirSync(d);
    still(d, "with space.png");
    still(d, "new\nline.png");
    genai(d, "-leading-dash.png");
    genai(d, "trailing-pipe.png|");
    genai(d, "pipe|.png");
    still(d, " leading space.png");
    still(d, "trailing space.png ");
    genai(d, nfc);
    genai(d, nfd);
    fs.writeFileSync(Buffer.concat([Buffer.from(d + "/"), badName]), fs.readFileSync(path.join(d, "with space.png")));
    fs.writeFileSync(path.join(d, "zero.png"), "");
    // a truncated JPEG: the first 1000 bytes of a real one
    fs.writeFileSync(path.join(d, "truncated.jpg"), fs.readFileSync(copySample("camera-plate.jpg", dir, "full.jpg")).subarray(0, 1000));
    // a directory with a media name, holding a real file
    fs.mkdirSync(path.join(d, "x.jpg"));
    still(path.join(d, "x.jpg"), "inside.png");
    // a FIFO with a media name: opening it for reading would block forever
    execFileSync("mkfifo", [path.join(d, "pipe.wav")]);
    // a symlink to a GenAI file outside the scanned tree: skipped, never followed
    target = genai(dir, "outside-target.png");
    fs.symlinkSync(target, path.join(d, "link.png"));
    fs.symlinkSync(path.join(dir, "nowhere.png"), path.join(d, "dangling.png"));
    fs.symlinkSync(dir, path.join(d, "loop-dir"));

    store = await openStore(path.join(dir, "prov.db"));
    reader = new MetadataReader({ maxProcs: 1 });
    // Every file, not only media extensions: "name.png " and "name.png|" have none.
    // (A hang on a FIFO or a bomb fails by the hook's timeout.)
    run = await runScan(store, reader, [d], { extensions: "all" });
  });

  afterAll(async () => {
    await reader?.end();
    store?.close();
  });

  const p = (name: string) => path.join(dir, "in", name);
  const outcome = (name: string): FileOutcome => {
    const o = run.byPath.get(p(name));
    if (!o) throw new Error(`no outcome for ${JSON.stringify(name)}; got ${JSON.stringify(run.outcomes.map((x) => x.path))}`);
    return o;
  };

  it("the scan completes and reports every entry", async () => {
    expect(run.summary.files).toBe(13);
    expect(run.summary.errors).toBe(1);
    expect(run.summary.skipped).toEqual({ "not a regular file": 1, "symbolic link (not followed)": 3 });
  });

  it("names with spaces, a newline, a leading '-', a '|', and leading/trailing spaces are read like any other", async () => {
    for (const name of ["with space.png", "new\nline.png", " leading space.png", "trailing space.png "]) {
      expect(outcome(name), JSON.stringify(name)).toMatchObject({ kind: "recorded", origin: "unknown", metadataError: null });
    }
    // these hold a GenAI file: proves ExifTool read the right file, not an argument or a command
    for (const name of ["-leading-dash.png", "pipe|.png", "trailing-pipe.png|"]) {
      expect(outcome(name), name).toMatchObject({ kind: "recorded", origin: "genai", status: "temporary", metadataError: null });
      expect((await store.locations.byPath(p(name)))).toMatchObject({ state: "present" });
    }
  });

  it("NFC and NFD twins are two locations of the same content", async () => {
    const a = outcome(nfc);
    const b = outcome(nfd);
    expect(a).toMatchObject({ kind: "recorded", origin: "genai" });
    expect(b).toMatchObject({ kind: "recorded", origin: "genai" });
    const la = (await store.locations.byPath(p(nfc)))!;
    const lb = (await store.locations.byPath(p(nfd)))!;
    expect(la.id).not.toBe(lb.id);
    expect(la.asset_id).toBe(lb.asset_id);
    expect(Buffer.from(la.path).equals(Buffer.from(lb.path))).toBe(false);
  });

  it("a name that is not UTF-8 is a read-error event naming the file, with no location row", async () => {
    const errors = run.outcomes.filter((o) => o.kind === "error" && o.path.includes("bad-"));
    expect(errors).toHaveLength(1);
    const e = errors[0]!;
    expect(e.path).toBe(p("bad-\\xff\\xfe.png"));
    expect(e).toMatchObject({ reason: expect.stringContaining("not valid UTF-8") });
    // The escaped display name is itself a valid name: a location row could collide with a real file.
    expect((await store.locations.byPath(e.path))).toBeUndefined();
    const ev = (await store.events.list({ path: e.path })).filter((x) => x.kind === "read-error");
    expect(ev).toHaveLength(1);
    expect(JSON.parse(ev[0]!.detail!)).toMatchObject({ addressable: false, reason: expect.stringContaining("UTF-8") });
  });

  it("a 0-byte file is recorded with ExifTool's error and a read-error event", async () => {
    const o = outcome("zero.png");
    expect(o).toMatchObject({ kind: "recorded", sha256: sha256Of(Buffer.alloc(0)), origin: "unknown", metadataError: "File is empty" });
    const ev = (await store.events.list({ path: p("zero.png") })).filter((x) => x.kind === "read-error");
    expect(ev.map((x) => JSON.parse(x.detail!))).toEqual([{ stage: "metadata", reason: "File is empty" }]);
  });

  it("a truncated JPEG is recorded, origin unknown, with ExifTool's complaint kept", async () => {
    const o = outcome("truncated.jpg");
    expect(o).toMatchObject({ kind: "recorded", origin: "unknown" });
    if (o.kind !== "recorded") return;
    expect(o.metadataError !== null || o.warnings.length > 0).toBe(true);
  });

  it("a directory named x.jpg is walked as a directory, not read as a file", async () => {
    expect(run.byPath.has(p("x.jpg"))).toBe(false);
    expect((await store.locations.byPath(p("x.jpg")))).toBeUndefined();
    expect(outcome("x.jpg/inside.png")).toMatchObject({ kind: "recorded", origin: "unknown" });
  });

  it("a FIFO named pipe.wav is skipped without hanging", async () => {
    expect(outcome("pipe.wav")).toMatchObject({ kind: "skipped", reason: "not a regular file" });
    expect((await store.locations.byPath(p("pipe.wav")))).toBeUndefined();
  });

  it("a FIFO or a symlink named as the scan root is skipped too", async () => {
    const r = await runScan(store, reader, [p("pipe.wav"), p("link.png")]);
    expect(r.outcomes).toEqual([
      { kind: "skipped", path: p("pipe.wav"), reason: "not a regular file", cause: "other" },
      { kind: "skipped", path: p("link.png"), reason: "symbolic link (not followed)", cause: "symlink" },
    ]);
  });

  it("symlinks are skipped, not followed (the target is never recorded)", async () => {
    for (const name of ["link.png", "dangling.png", "loop-dir"]) {
      expect(outcome(name), name).toMatchObject({ kind: "skipped", reason: "symbolic link (not followed)" });
      expect((await store.locations.byPath(p(name))), name).toBeUndefined();
    }
    expect((await store.locations.byPath(target))).toBeUndefined();
    expect(run.outcomes.some((o) => o.path.startsWith(path.join(p("loop-dir"), "/")))).toBe(false);
  });

  it("every read error is recorded against a path", async () => {
    const errorEvents = (await store.events.list({})).filter((e) => e.kind === "read-error");
    expect(errorEvents.length).toBeGreaterThanOrEqual(2);
    for (const e of errorEvents) expect(e.path).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/in/`));
  });
});

describe("unreadable files", () => {
  const isRoot = process.getuid?.() === 0;

  it(`an unreadable file is reported as 'permission denied', exit 1, and the readable one is recorded (${isRoot ? "as user nobody" : "chmod 000"})`, async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    const ok = genai(dir, "readable.png");
    const locked = still(dir, "locked.png");
    fs.chmodSync(locked, 0o000);
    const lockedDir = path.join(dir, "locked-dir");
    fs.mkdirSync(lockedDir);
    still(lockedDir, "hidden.png");
    fs.chmodSync(lockedDir, 0o000);

    const as = isRoot ? { uid: 65534, gid: 65534 } : {};
    if (isRoot) {
      // The CLI must be reachable for user nobody, or this test says nothing.
      const probe = await runCliAsNobodyProbe(dir);
      expect(probe, `user nobody cannot read ${cliPath}; run the tests from a world-readable checkout`).toBe(0);
    }
    const r = await runCli(["--db", path.join(dir, "prov.db"), "--json", "scan", dir], { cwd: dir, env: { HOME: dir }, ...as });
    expect(r.code, r.stderr).toBe(1);
    const out = json(r);
    const byPath = new Map<string, any>(out.files.map((f: any) => [f.path, f]));
    expect(byPath.get(locked)).toEqual({ path: locked, result: "error", error: "permission denied" });
    expect(byPath.get(ok)).toMatchObject({ result: "new", origin: "genai", status: "temporary" });
    expect(byPath.get(lockedDir)).toMatchObject({ result: "error", error: expect.stringContaining("permission denied") });
    expect(out.summary).toMatchObject({ errors: 2, unreadable: 2, new: 1 });

    // It is on record, not just printed.
    fs.chmodSync(lockedDir, 0o700);
    const store = await openStore(path.join(dir, "prov.db"), { readonly: true });
    expect((await store.locations.byPath(locked))).toMatchObject({ state: "error", error: "permission denied", asset_id: null });
    expect((await store.events.list({ path: locked })).map((e) => e.kind)).toEqual(["read-error"]);
  });
});

async function runCliAsNobodyProbe(cwd: string): Promise<number | null> {
  const { spawn } = await import("node:child_process");
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ["-e", `require("fs").accessSync(${JSON.stringify(cliPath)}, require("fs").constants.R_OK)`], { cwd, uid: 65534, gid: 65534, stdio: "ignore" });
    c.on("close", (code) => resolve(code));
    c.on("error", () => resolve(null));
  });
}
