// Volumes (issue 16): locations are volume + path within the volume, so the same file seen
// from two hosts is one location. Two simulated hosts: two configs mounting the same folder
// at two different points (bind mounts when this process may mount, else a hard-linked
// copy of the tree: the same inodes at a second path, no symbolic links), one SQLite
// database. Real files, real ExifTool, real SQLite, the real CLI.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { copySample, json, runCli, sha256Of, tempDir } from "../helpers/index.js";

const mounted: string[] = [];
/** Before the test's temporary folder is removed (rmdir of a mount point fails: EBUSY). */
function unmountAll(): void {
  for (const m of mounted.splice(0).reverse()) {
    try {
      execFileSync("umount", [m]);
    } catch {
      // already gone
    }
  }
}
afterAll(unmountAll);

/** `target` shows `source`: a bind mount when allowed, else the tree hard-linked (same inodes). */
function attach(source: string, target: string): "bind" | "links" {
  fs.mkdirSync(target, { recursive: true });
  try {
    execFileSync("mount", ["--bind", source, target], { stdio: "ignore" });
    mounted.push(target);
    return "bind";
  } catch {
    const copy = (from: string, to: string): void => {
      for (const e of fs.readdirSync(from, { withFileTypes: true })) {
        const a = path.join(from, e.name);
        const b = path.join(to, e.name);
        if (e.isDirectory()) {
          fs.mkdirSync(b, { recursive: true });
          copy(a, b);
        } else fs.linkSync(a, b);
      }
    };
    copy(source, target);
    return "links";
  }
}

function writeConfig(file: string, database: string, volumes: Record<string, { mount: string }>): string {
  fs.writeFileSync(file, JSON.stringify({ database, volumes, fingerprint: { enabled: false }, c2pa: { validate: false }, pixelSignals: { enabled: false } }, null, 2));
  return file;
}

describe("the same volume seen from two hosts", () => {
  it("is one location; each host sees its own paths; a host without the volume sees the stored form", { timeout: 180_000 }, async () => {
    const t = tempDir();
    const storage = path.join(t, "storage");
    const genai = copySample("genai-a1111.png", path.join(storage, "show"));
    copySample("camera-plate.jpg", path.join(storage, "show"));
    const h1 = path.join(t, "host1/edit-a");
    const h2 = path.join(t, "host2/mnt/edit-a");
    const db = path.join(t, "prov.db");
    const c1 = writeConfig(path.join(t, "host1.json"), db, { "EDIT-A": { mount: h1 } });
    const c2 = writeConfig(path.join(t, "host2.json"), db, { "EDIT-A": { mount: h2 } });
    const c3 = writeConfig(path.join(t, "elsewhere.json"), db, {});
    const cli = (config: string, ...args: string[]) => runCli(["--config", config, ...args], { cwd: t });

    // The marker goes on the volume itself, before host 2's view of it is made.
    const init = await cli(c1, "volume", "init", "EDIT-A", storage);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/is volume EDIT-A \(uuid [0-9a-f-]{36};/);
    const how = attach(storage, h1);
    attach(storage, h2);
    onTestFinished(unmountAll);
    if (how === "links") console.log("volumes.test: mount --bind is not allowed here; the two hosts see a hard-linked copy of the tree instead");

    const scan = await cli(c1, "scan", path.join(h1, "show"));
    expect(scan.code, scan.stderr).toBe(0);

    // Stored once, as volume + path, whatever the mount point.
    const conn = new Database(db, { readonly: true });
    const stored = (conn.prepare("SELECT path FROM locations ORDER BY path").all() as Array<{ path: string }>).map((r) => r.path);
    expect(stored).toEqual(["EDIT-A:/show/camera-plate.jpg", "EDIT-A:/show/genai-a1111.png"]);

    // Host 2 sees it at its own path: one location, host-2 paths.
    const shown = json(await cli(c2, "--json", "show", path.join(h2, "show/genai-a1111.png")));
    expect(shown).toMatchObject({ recorded: true, sha256: sha256Of(genai) });
    expect(shown.locations.map((l: { path: string }) => l.path)).toEqual([path.join(h2, "show/genai-a1111.png")]);
    const text = await cli(c2, "show", path.join(h2, "show/genai-a1111.png"));
    expect(text.stdout).toContain(path.join(h2, "show/genai-a1111.png"));
    expect(text.stdout).not.toContain(h1);

    // Scanning from host 2 finds the same locations (nothing new, nothing missing).
    const again = await cli(c2, "scan", path.join(h2, "show"));
    expect(again.code, again.stderr).toBe(0);
    expect((conn.prepare("SELECT count(*) AS n FROM locations").get() as { n: number }).n).toBe(2);
    expect((conn.prepare("SELECT count(*) AS n FROM locations WHERE state = 'present'").get() as { n: number }).n).toBe(2);

    // A host that does not mount EDIT-A reads the stored form.
    const ls = json(await cli(c3, "--json", "ls", "--origin", "genai")).items;
    expect(ls.flatMap((a: { paths: string[] }) => a.paths)).toEqual(["EDIT-A:/show/genai-a1111.png"]);
    const ls2 = json(await cli(c2, "--json", "ls", "--origin", "genai")).items;
    expect(ls2.flatMap((a: { paths: string[] }) => a.paths)).toEqual([path.join(h2, "show/genai-a1111.png")]);

    // prov volume ls: mounted (for a bind mount), marker ok, filesystem type.
    const vols = json(await cli(c1, "--json", "volume", "ls")).items;
    expect(vols).toMatchObject([{ name: "EDIT-A", mount: h1, markerOk: true, problem: null }]);
    if (how === "bind") expect(vols[0]).toMatchObject({ mounted: true });
    expect(typeof vols[0].fsType).toBe("string");
    const lsText = await cli(c1, "volume", "ls");
    expect(lsText.stdout).toMatch(/EDIT-A\s+\S+\s+(yes|no)\s+ok\s+/);

    // Another volume's marker at a configured mount is never taken for it.
    const wrong = writeConfig(path.join(t, "wrong.json"), db, { "EDIT-B": { mount: h1 } });
    const bad = json(await cli(wrong, "--json", "volume", "ls")).items;
    expect(bad[0]).toMatchObject({ name: "EDIT-B", markerOk: false });
    expect(bad[0].problem).toContain(`${h1} holds volume EDIT-A`);
    conn.close();
  });

  it("a move between volumes is recorded as a move, with from and to", { timeout: 180_000 }, async () => {
    const t = tempDir();
    const a = path.join(t, "a");
    const b = path.join(t, "b");
    for (const n of ["camera-plate.jpg", "genai-a1111.png", "unlabelled-still.png", "procedural-noise.png"]) copySample(n, path.join(a, "shots"));
    fs.mkdirSync(path.join(b, "shots"), { recursive: true });
    const db = path.join(t, "prov.db");
    const c = writeConfig(path.join(t, "prov.config.json"), db, { "EDIT-A": { mount: a }, "EDIT-B": { mount: b } });
    const cli = (...args: string[]) => runCli(["--config", c, ...args], { cwd: t });
    for (const [n, p] of [["EDIT-A", a], ["EDIT-B", b]] as const) expect((await cli("volume", "init", n, p)).code).toBe(0);
    expect((await cli("scan", path.join(a, "shots"))).code).toBe(0);

    // Moved across (a copy, then the original deleted), then both sides scanned.
    fs.copyFileSync(path.join(a, "shots/genai-a1111.png"), path.join(b, "shots/genai-a1111.png"));
    fs.unlinkSync(path.join(a, "shots/genai-a1111.png"));
    expect((await cli("scan", path.join(b, "shots"))).code).toBe(0);
    expect((await cli("scan", path.join(a, "shots"))).code).toBe(0);

    const conn = new Database(db, { readonly: true });
    const moves = conn.prepare("SELECT path, detail FROM events WHERE kind = 'moved'").all() as Array<{ path: string; detail: string }>;
    conn.close();
    expect(moves).toHaveLength(1);
    expect(moves[0]!.path).toBe("EDIT-B:/shots/genai-a1111.png");
    expect(JSON.parse(moves[0]!.detail)).toMatchObject({ from: "EDIT-A:/shots/genai-a1111.png", to: "EDIT-B:/shots/genai-a1111.png", fromVolume: "EDIT-A", toVolume: "EDIT-B", acrossVolumes: true });
    const log = await cli("--json", "log", path.join(b, "shots/genai-a1111.png"));
    expect(log.code, log.stderr).toBe(0);
    expect(JSON.stringify(json(log))).toContain("moved");
  });

  it("a folder above the mounts covers the volumes' files: scan marks what went missing, a sweep sees the approvals; paths inside details are stored in volume form", { timeout: 240_000 }, async () => {
    const t = tempDir();
    const mnt = path.join(t, "mnt");
    const a = path.join(mnt, "edit-a");
    const b = path.join(mnt, "edit-b");
    const genai = copySample("genai-a1111.png", path.join(a, "shots"));
    copySample("camera-plate.jpg", path.join(a, "shots"));
    copySample("unlabelled-still.png", path.join(b, "plates"));
    copySample("procedural-noise.png", path.join(mnt, "scratch")); // on no volume
    const db = path.join(t, "prov.db");
    const c = writeConfig(path.join(t, "prov.config.json"), db, { "EDIT-A": { mount: a }, "EDIT-B": { mount: b } });
    const cli = (...args: string[]) => runCli(["--config", c, ...args], { cwd: t });
    const items = (x: { items: any[] }): any[] => x.items;
    for (const [n, p] of [["EDIT-A", a], ["EDIT-B", b]] as const) expect((await cli("volume", "init", n, p)).code).toBe(0);

    const scan = await cli("scan", mnt);
    expect(scan.code, scan.stderr).toBe(0);
    const conn = new Database(db, { readonly: true });
    const present = () => (conn.prepare("SELECT path FROM locations WHERE state = 'present' ORDER BY path").all() as Array<{ path: string }>).map((r) => r.path);
    expect(present()).toEqual([path.join(mnt, "scratch/procedural-noise.png"), "EDIT-A:/shots/camera-plate.jpg", "EDIT-A:/shots/genai-a1111.png", "EDIT-B:/plates/unlabelled-still.png"].sort());

    // A file renamed on EDIT-A (same inode) and one deleted on EDIT-B, then the folder above both scanned again.
    fs.renameSync(genai, path.join(a, "shots/sh010_comp.png"));
    fs.unlinkSync(path.join(b, "plates/unlabelled-still.png"));
    const again = await cli("scan", mnt);
    expect(again.code, again.stderr).toBe(0);
    expect(present()).toEqual([path.join(mnt, "scratch/procedural-noise.png"), "EDIT-A:/shots/camera-plate.jpg", "EDIT-A:/shots/sh010_comp.png"].sort());
    expect(conn.prepare("SELECT state FROM locations WHERE path = ?").get("EDIT-B:/plates/unlabelled-still.png")).toEqual({ state: "missing" });

    // A sweep of a folder on EDIT-A: its event's detail (the sweep's root, among others) names the volume, never this
    // host's mount point, and reads back in host form.
    const shots = path.join(a, "shots");
    expect([0, 1]).toContain((await cli("sweep", shots, "--format", "json")).code);
    const details = conn.prepare("SELECT path, detail FROM events WHERE kind = 'sweep'").all() as Array<{ path: string; detail: string }>;
    expect(details.map((d) => d.path)).toEqual(["EDIT-A:/shots"]);
    expect(JSON.parse(details[0]!.detail).root).toBe("EDIT-A:/shots");
    const everyDetail = (conn.prepare("SELECT detail FROM events WHERE detail IS NOT NULL").all() as Array<{ detail: string }>).map((r) => r.detail).join("\n");
    expect(everyDetail).not.toContain(a);
    expect(everyDetail).not.toContain(b);
    const log = await cli("--json", "log");
    expect(log.code, log.stderr).toBe(0);
    expect(items(json(log)).filter((e: { kind: string }) => e.kind === "sweep").map((e: { path: string; detail: { root: string } }) => [e.path, e.detail.root])).toEqual([[shots, shots]]);

    // Approved, then swept from above the mounts: the sweep sees the approval (GenAI, disclosed), not a violation.
    const ok = await cli("approve", sha256Of(path.join(a, "shots/sh010_comp.png")), "--by", "supervisor", "--ref", "APPROVAL-7");
    expect(ok.code, ok.stderr).toBe(0);
    const sweep = await cli("sweep", mnt, "--format", "json");
    expect(conn.prepare("SELECT detail FROM events WHERE kind = 'sweep' ORDER BY id DESC LIMIT 1").get()).toMatchObject({ detail: expect.stringContaining(`\"root\":${JSON.stringify(mnt)}`) });
    expect([0, 1], sweep.stderr).toContain(sweep.code);
    const rows = json(sweep).files as Array<{ path: string; finding: string }>;
    expect(rows.find((r) => r.path === "edit-a/shots/sh010_comp.png")?.finding).toBe("disclosed");
    expect(rows.map((r) => r.path)).toContain("scratch/procedural-noise.png");
    expect(rows.find((r) => r.path === "edit-a/.prov-volume.json")?.finding).toBe("skipped");
    expect(items(json(await cli("--json", "ls", "--origin", "genai"))).flatMap((x: { paths: string[] }) => x.paths)).toEqual([path.join(a, "shots/sh010_comp.png")]);
    conn.close();
  });

  it("volume names and mounts are checked where they are written", { timeout: 60_000 }, async () => {
    const t = tempDir();
    const bad = path.join(t, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ volumes: { "EDIT:A": { mount: "/mnt/x" } } }));
    const r = await runCli(["--config", bad, "volume", "ls"], { cwd: t });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: volumes.EDIT:A: a volume name is`);
    const overlap = path.join(t, "overlap.json");
    fs.writeFileSync(overlap, JSON.stringify({ volumes: { A: { mount: "/mnt/x" }, B: { mount: "/mnt/x/y" } } }));
    const o = await runCli(["--config", overlap, "volume", "ls"], { cwd: t });
    expect(o.code).toBe(2);
    expect(o.stderr).toContain("volumes.B.mount: /mnt/x/y overlaps volume A (/mnt/x)");
    const notDir = await runCli(["volume", "init", "EDIT-A", path.join(t, "nope")], { cwd: t });
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toContain(path.join(t, "nope"));
    fs.mkdirSync(path.join(t, "v"));
    expect((await runCli(["volume", "init", "EDIT-A", path.join(t, "v")], { cwd: t })).code).toBe(0);
    const renamed = await runCli(["volume", "init", "EDIT-B", path.join(t, "v")], { cwd: t });
    expect(renamed.code).toBe(2);
    expect(renamed.stderr).toContain("is already marked as volume EDIT-A");
  });
});
