// What this machine lets the fault tests do (mounts, chattr): each probed once by trying it
// in a scratch folder, so a test that cannot run here says why instead of failing.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

/** Run a command; its output, or its error's, and whether it succeeded. */
export function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" }) };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { ok: false, out: e.stderr || e.message };
  }
}

/** Why a facility cannot be used here (null: it can), found by trying it once in a scratch folder. */
export function missingFacility(what: "bind-ro" | "tmpfs" | "chattr"): string | null {
  if (process.getuid?.() !== 0) return `${what}: the tests are not running as root`;
  const dir = fs.mkdtempSync(path.join("/tmp", "prov-facility-"));
  try {
    if (what === "bind-ro") {
      const a = sh("mount", ["--bind", dir, dir]);
      if (!a.ok) return `cannot bind-mount (${a.out.trim()})`;
      const b = sh("mount", ["-o", "remount,ro,bind", dir]);
      sh("umount", [dir]);
      return b.ok ? null : `cannot remount a bind mount read-only (${b.out.trim()})`;
    }
    if (what === "tmpfs") {
      const a = sh("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
      if (a.ok) sh("umount", [dir]);
      return a.ok ? null : `cannot mount a tmpfs (${a.out.trim()})`;
    }
    const a = sh("chattr", ["+a", dir]);
    if (!a.ok) return `chattr +a does not work on /tmp (${sh("findmnt", ["-no", "FSTYPE", "-T", "/tmp"]).out.trim() || "unknown filesystem"}: ${a.out.trim()})`;
    sh("chattr", ["-a", dir]);
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
