// Recursive, streaming directory walk: memory stays flat however large the tree.
// Never follows symbolic links; raw names are kept as they are on disk (NFC and NFD
// twins are two files), and names that are not UTF-8 are reported, not mangled.

import type { Dirent } from "node:fs";
import { lstat as lstatPath, readdir } from "node:fs/promises";
import path from "node:path";
import picomatch from "picomatch";
import { describeFsError } from "../../errors.js";

/** `name`: the entry's own name as the folder listing gave it (a small string of its own, for sets of a million names). */
export type WalkEntry =
  | { type: "file"; path: string; name?: string }
  | { type: "symlink"; path: string; name?: string }
  | { type: "other"; path: string; name?: string }
  | { type: "ignored"; path: string; name?: string }
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
  for await (const batch of walkBatches(root, ignored)) yield* batch;
}

/** A folder's entries; `raw` when some name is not UTF-8 and names are Buffers. */
interface Listing {
  dirents: Dirent[];
  raw: boolean;
}

/**
 * Names are read as strings (fast); a name that is not UTF-8 decodes with U+FFFD in it, and
 * only then is the folder read again with names as bytes, to tell which ones they are. A
 * folder whose own path is not UTF-8 is read by its bytes.
 */
async function listDir(dir: string, rawDir: Buffer | null): Promise<Listing> {
  if (rawDir) return { dirents: (await readdir(rawDir, { withFileTypes: true, encoding: "buffer" })) as unknown as Dirent[], raw: true };
  const dirents = await readdir(dir, { withFileTypes: true });
  if (!dirents.some((d) => d.name.includes("\uFFFD"))) return { dirents, raw: false };
  return { dirents: (await readdir(dir, { withFileTypes: true, encoding: "buffer" })) as unknown as Dirent[], raw: true };
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byBytes = (a: Dirent, b: Dirent): number => Buffer.compare(a.name as unknown as Buffer, b.name as unknown as Buffer);

const NOT_UTF8 = "file name is not valid UTF-8 (shown with \\x escapes); rename it so prov can address it";
const IN_NOT_UTF8 = "it is in a folder whose name is not valid UTF-8 (shown with \\x escapes); rename the folder so prov can address it";

interface Dir {
  /** The path as prov shows it (escaped where a name is not UTF-8). */
  path: string;
  /** Its bytes, when some name on the way is not UTF-8 (then everything under it is read by bytes). */
  raw: Buffer | null;
}

/**
 * The same walk, a folder's entries at a time: far fewer async steps for a large tree.
 * Entries under a name that is not UTF-8 come as errors with their bytes (`raw`), so the
 * gate can still judge and move them by their bytes; folders with such names are walked too.
 */
export async function* walkBatches(root: string, ignored: IgnoreMatcher): AsyncGenerator<WalkEntry[]> {
  const stack: Dir[] = [{ path: path.resolve(root), raw: null }];
  // The next folder's listing is read while this folder's entries are handled. One
  // listing call per folder (opendir makes one per 32 entries).
  let prefetched: { dir: Dir; listing: Promise<Listing> } | null = null;
  const list = (dir: Dir): Promise<Listing> => {
    const p = listDir(dir.path, dir.raw);
    p.catch(() => {}); // handled when awaited below
    return p;
  };
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let listing: Listing;
    try {
      listing = await (prefetched?.dir === dir ? prefetched.listing : list(dir));
    } catch (err) {
      yield [{ type: "error", path: dir.path, reason: `cannot list directory: ${describeFsError(err)}`, ...(dir.raw ? { unaddressable: true, raw: dir.raw } : {}) }];
      continue;
    } finally {
      prefetched = null;
    }
    const { dirents, raw } = listing;
    // Names in a fixed order within each folder, so reports and listings are stable run to run.
    dirents.sort(raw ? byBytes : byName);
    const entries: WalkEntry[] = [];
    const subdirs: Dir[] = [];
    const base = dir.path.endsWith(path.sep) ? dir.path : dir.path + path.sep;
    const rawBase = dir.raw ? Buffer.concat([dir.raw, Buffer.from(path.sep)]) : null;
    for (const d of dirents) {
      let name: string;
      let rawPath: Buffer | null = null;
      if (raw) {
        const bytes = d.name as unknown as Buffer;
        name = bytes.toString("utf8");
        const utf8 = Buffer.from(name, "utf8").equals(bytes);
        if (!utf8 || rawBase) {
          rawPath = Buffer.concat([rawBase ?? Buffer.from(base), bytes]);
          const shown = base + displayName(bytes);
          if (d.isDirectory()) {
            subdirs.push({ path: shown, raw: rawPath });
            continue;
          }
          entries.push({ type: "error", path: shown, reason: utf8 ? IN_NOT_UTF8 : NOT_UTF8, unaddressable: true, raw: rawPath });
          continue;
        }
      } else {
        name = d.name;
      }
      const p = base + name;
      if (d.isDirectory()) {
        if (ignored(p, true)) entries.push({ type: "ignored", path: p, name });
        else subdirs.push({ path: p, raw: null });
      } else if (ignored(p, false)) entries.push({ type: "ignored", path: p, name });
      else if (d.isSymbolicLink()) entries.push({ type: "symlink", path: p, name });
      else if (d.isFile()) entries.push({ type: "file", path: p, name });
      else entries.push({ type: "other", path: p, name });
    }
    // Subdirectories depth-first in name order.
    subdirs.sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
    stack.push(...subdirs);
    const next = stack.at(-1);
    if (next !== undefined) prefetched = { dir: next, listing: list(next) };
    if (entries.length > 0) yield entries;
  }
}

/**
 * How many files a walk of these paths will find (names only: one listing call per folder,
 * no stat), for a progress line's total. `accept` filters regular files (extensions); with
 * `everything`, links, devices and unreadable names count too (a sweep reports each).
 */
export async function countFiles(roots: readonly string[], ignored: IgnoreMatcher, accept: (p: string) => boolean = () => true, everything = false): Promise<number> {
  let n = 0;
  for (const root of roots) {
    let s;
    try {
      s = await lstatPath(root);
    } catch {
      continue;
    }
    if (!s.isDirectory()) {
      if (s.isFile() && accept(root)) n++;
      continue;
    }
    for await (const batch of walkBatches(root, ignored)) for (const e of batch) if (everything || (e.type === "file" && accept(e.path))) n++;
  }
  return n;
}
