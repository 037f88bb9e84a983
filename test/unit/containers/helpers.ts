// Test helpers: a scratch folder, the external tools that make real fixtures, and a
// seeded random source so "random bytes" are the same bytes on every run.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export function scratch(prefix: string): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `prov-${prefix}-`));
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Fail loudly (never skip) when a tool the fixtures need is missing. */
export function requireTool(name: string, install: string): void {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
  } catch {
    throw new Error(`these tests make their fixtures with ${name}, which is not on PATH: ${install}`);
  }
}

export function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: Uint8Array } = {}): Buffer {
  try {
    return execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const stderr = typeof err === "object" && err !== null && "stderr" in err ? String((err as { stderr: unknown }).stderr) : "";
    throw new Error(`${cmd} ${args.join(" ")} failed: ${stderr.slice(-2000)}`, { cause: err });
  }
}

/** ffmpeg quietly, overwriting its output. */
export function ffmpeg(args: readonly string[]): void {
  run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args]);
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, "latin1"));
}

export function bytes(...parts: ReadonlyArray<Uint8Array | string | readonly number[]>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === "string" ? ascii(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  return Uint8Array.from(Buffer.concat(chunks));
}

export function u32be(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function u32le(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u16le(n: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

export function u16be(n: number): Uint8Array {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
