// Recursive, streaming directory walk: memory stays flat however large the tree.
// Never follows symbolic links; raw names are kept as they are on disk (NFC and NFD
// twins are two files), and names that are not UTF-8 are reported, not mangled.

import type { Dirent } from "node:fs";
import { opendir } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";
import { describeFsError } from "../errors.js";

export type WalkEntry =
  | { type: "file"; path: string }
  | { type: "symlink"; path: string }
  | { type: "other"; path: string }
  | { type: "ignored"; path: string }
  /** `raw`: the path's bytes, for a name that is not UTF-8 (only Buffer paths reach it). */
  | { type: "error"; path: string; reason: string; unaddressable?: boolean; raw?: Buffer };

export type IgnoreMatcher = (absPath: string, isDir: boolean) => boolean;

export function ignoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  if (patterns.length === 0) return () => false;
  const test = picomatch([...patterns], { dot: true });
  // A directory pattern such as "**/.git/**" should prune the directory itself.
  return (p, isDir) => test(p) || (isDir && test(p + "/x"));
}

/** Show a name whose bytes are not UTF-8 without losing which bytes they were. */
export function displayName(raw: Buffer): string {
  let out = "";
  const text = raw.toString("utf8");
  if (Buffer.from(text, "utf8").equals(raw)) return text;
  for (const byte of raw) out += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  return out;
}

export async function* walk(root: string, ignored: IgnoreMatcher): AsyncGenerator<WalkEntry> {
  const stack = [path.resolve(root)];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let handle;
    try {
      handle = await opendir(dir, { encoding: "buffer" as BufferEncoding });
    } catch (err) {
      yield { type: "error", path: dir, reason: `cannot list directory: ${describeFsError(err)}` };
      continue;
    }
    const subdirs: string[] = [];
    // Names in byte order within each folder, so reports and listings are stable run to run.
    const dirents: Dirent[] = [];
    let listError: unknown = null;
    try {
      for await (const d of handle) dirents.push(d);
    } catch (err) {
      listError = err;
    }
    dirents.sort((a, b) => Buffer.compare(a.name as unknown as Buffer, b.name as unknown as Buffer));
    for (const d of dirents) {
      const raw = d.name as unknown as Buffer;
      const name = raw.toString("utf8");
      if (!Buffer.from(name, "utf8").equals(raw)) {
        yield {
          type: "error",
          path: path.join(dir, displayName(raw)),
          reason: "file name is not valid UTF-8 (shown with \\x escapes); rename it so prov can address it",
          unaddressable: true,
          raw: Buffer.concat([Buffer.from(dir + path.sep), raw]),
        };
        continue;
      }
      const p = path.join(dir, name);
      if (d.isDirectory()) {
        if (ignored(p, true)) yield { type: "ignored", path: p };
        else subdirs.push(p);
      } else if (ignored(p, false)) yield { type: "ignored", path: p };
      else if (d.isSymbolicLink()) yield { type: "symlink", path: p };
      else if (d.isFile()) yield { type: "file", path: p };
      else yield { type: "other", path: p };
    }
    if (listError !== null) yield { type: "error", path: dir, reason: `directory listing failed: ${describeFsError(listError)}` };
    // Subdirectories depth-first in name order.
    subdirs.sort().reverse();
    stack.push(...subdirs);
  }
}
