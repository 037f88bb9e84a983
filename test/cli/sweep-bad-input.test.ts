// `prov sweep` on a hostile deliverables tree: each problem gets a clear row naming the
// file, the sweep finishes the rest, and the exit code says what happened.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cliPath, copySample, runCli, tempDir } from "../helpers/index.js";

type Row = { path: string; finding: string; reasons: string[]; sha256: string | null };

function rowsOf(file: string): Map<string, Row> {
  const report = JSON.parse(fs.readFileSync(file, "utf8")) as { files: Row[] };
  return new Map(report.files.map((f) => [f.path, f]));
}

describe("prov sweep: bad input inside the tree", () => {
  const isRoot = process.getuid?.() === 0;

  it(`symlink loops, 255-byte and non-UTF-8 names, unreadable files and folders (${isRoot ? "as user nobody" : "chmod 000"}): a row each, the rest swept; the links make it exit 1`, async () => {
    const dir = tempDir();
    fs.chmodSync(dir, 0o777);
    const d = path.join(dir, "deliver");
    copySample("camera-plate.jpg", d, "ok/plate.jpg");
    fs.symlinkSync(".", path.join(d, "loop"));
    fs.symlinkSync("loop2", path.join(d, "loop1"));
    fs.symlinkSync("loop1", path.join(d, "loop2"));
    const long = "x".repeat(251) + ".png"; // 255 bytes, the most a Linux name may have
    copySample("unlabelled-still.png", d, `names/${long}`);
    fs.writeFileSync(Buffer.from(path.join(d, "names") + "/caf\xe9.wav", "latin1"), "latin-1 name");
    const locked = copySample("room-tone.wav", d, "locked/tone.wav");
    fs.chmodSync(locked, 0o000);
    const lockedDir = path.join(d, "locked/dir");
    fs.mkdirSync(lockedDir);
    copySample("camera-plate.jpg", lockedDir, "hidden.jpg");
    fs.chmodSync(lockedDir, 0o000);
    for (const p of [d, path.join(d, "ok"), path.join(d, "names"), path.join(d, "locked")]) fs.chmodSync(p, 0o777);
    fs.chmodSync(path.join(d, "ok/plate.jpg"), 0o644);

    const out = path.join(dir, "report.json");
    const as = isRoot ? { uid: 65534, gid: 65534 } : {};
    const r = await runCli(["--db", path.join(dir, "prov.db"), "sweep", d, "--format", "json", "--out", out], { cwd: dir, env: { HOME: dir }, timeoutMs: 60_000, ...as });
    fs.chmodSync(lockedDir, 0o700);
    expect(r.code, r.stderr).toBe(1);
    const rows = rowsOf(out);
    expect(rows.get("ok/plate.jpg")).toMatchObject({ finding: "ok" });
    for (const l of ["loop", "loop1", "loop2"]) expect(rows.get(l)).toMatchObject({ finding: "violation", reasons: [expect.stringMatching(/^symbolic link/)] });
    expect(rows.get(`names/${long}`)).toMatchObject({ finding: "unknown", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(rows.get("names/caf\\xe9.wav")).toMatchObject({ finding: "error", reasons: [expect.stringMatching(/not valid UTF-8/)] });
    expect(rows.get("locked/tone.wav")).toMatchObject({ finding: "error", reasons: ["permission denied"], sha256: null });
    expect(rows.get("locked/dir")).toMatchObject({ finding: "error", reasons: [expect.stringMatching(/permission denied/)] });
    const report = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(report.summary).toMatchObject({ exitCode: 1, verdict: "FAIL: 3 violations; do not deliver" });
    expect(report.summary.counts).toMatchObject({ violation: 3, error: 3, ok: 1, unknown: 1 });

    // Without the links, the same tree is incomplete, not clean: exit 2.
    for (const l of ["loop", "loop1", "loop2"]) fs.rmSync(path.join(d, l));
    fs.chmodSync(lockedDir, 0o000);
    const again = await runCli(["--db", path.join(dir, "prov.db"), "sweep", d, "--format", "json", "--out", out], { cwd: dir, env: { HOME: dir }, timeoutMs: 60_000, ...as });
    fs.chmodSync(lockedDir, 0o700);
    expect(again.code, again.stderr).toBe(2);
    expect(JSON.parse(fs.readFileSync(out, "utf8")).summary.verdict).toMatch(/^INCOMPLETE: 3 files could not be checked/);
  }, 90_000);

  it("a file that vanishes or changes while the sweep runs is reported, and the rest is swept", async () => {
    const dir = tempDir();
    const d = path.join(dir, "deliver");
    fs.mkdirSync(d);
    // A large sparse file first, in the same batch of reads as the others (under the 256 MiB
    // a batch holds): while prov hashes it, the files after it wait their turn.
    const big = path.join(d, "a-big.mxf");
    fs.closeSync(fs.openSync(big, "w"));
    fs.truncateSync(big, 200 * 1024 ** 2);
    const vanishing = copySample("camera-plate.jpg", d, "b-vanishes.jpg");
    const changing = copySample("unlabelled-still.png", d, "c-changes.png");
    copySample("room-tone.wav", d, "d-stays.wav");

    const out = path.join(dir, "report.json");
    const child = spawn(process.execPath, [cliPath, "--db", path.join(dir, "prov.db"), "sweep", d, "--format", "json", "--out", out], { cwd: dir, stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Act once prov has the big file open (its hash is under way), not after a guessed delay.
    const opened = (): boolean => {
      try {
        return fs.readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
          try {
            return fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`) === big;
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 30_000;
    while (!opened() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(opened(), "prov never opened the big file").toBe(true);
    fs.rmSync(vanishing);
    // Keep changing it for a while, past the sweep's one retry a second later.
    const writer = setInterval(() => fs.appendFileSync(changing, "more"), 50);
    const code = await exited;
    clearInterval(writer);
    expect(code).toBe(2);
    const rows = rowsOf(out);
    // Gone before its hash ("no such file") or right after its reads ("while it was read").
    expect(rows.get("b-vanishes.jpg")).toMatchObject({ finding: "error", reasons: [expect.stringMatching(/^file vanished/)] });
    expect(rows.get("c-changes.png")).toMatchObject({ finding: "error", reasons: [expect.stringMatching(/kept changing while it was read/)] });
    expect(rows.get("d-stays.wav")).toMatchObject({ finding: "unknown", sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(rows.get("a-big.mxf")).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  }, 120_000);
});
