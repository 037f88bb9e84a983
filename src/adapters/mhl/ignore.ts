// ASC MHL ignore patterns. Each generation records the patterns it was made with, and the
// next one starts from the latest generation's list (or the reference tool's defaults) and
// adds the caller's. The reference matches them with Python's pathspec ("gitwildmatch");
// this is the same gitignore-style reading, relative to the managed folder:
//   - a pattern without "/" (other than a trailing one) matches a name at any depth;
//   - a pattern with a "/" is anchored at the root ("/x" and "x/y");
//   - a trailing "/" matches directories only; matching a directory ignores all below it;
//   - "!" re-includes; the last pattern that matches decides; blank and "#" lines do nothing.

import picomatch from "picomatch";

/** The reference tool's default list (ascmhl/ignore.py). */
export const DEFAULT_MHL_IGNORE: readonly string[] = [".DS_Store", "ascmhl", "ascmhl/"];

/** Existing patterns (or the defaults when there are none) plus new ones, without duplicates. */
export function mergeIgnorePatterns(existing: readonly string[] | null, added: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const p of existing && existing.length > 0 ? existing : DEFAULT_MHL_IGNORE) if (!out.includes(p)) out.push(p);
  for (const p of added) if (!out.includes(p)) out.push(p);
  return out;
}

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  anchored: boolean;
  test: (s: string) => boolean;
}

/** `(path, isDir)`: whether a "/"-separated path relative to the root is ignored. */
export type MhlIgnoreMatcher = (relPath: string, isDir: boolean) => boolean;

export function mhlIgnoreMatcher(patterns: readonly string[]): MhlIgnoreMatcher {
  const rules: Rule[] = [];
  for (const raw of patterns) {
    let p = raw.trimEnd();
    if (p === "" || p.startsWith("#")) continue;
    const negate = p.startsWith("!");
    if (negate) p = p.slice(1);
    if (p.startsWith("\\")) p = p.slice(1); // "\#x", "\!x": a literal first character
    const dirOnly = p.endsWith("/");
    p = p.replace(/\/+$/, "");
    if (p === "") continue;
    const anchored = p.includes("/");
    p = p.replace(/^\/+/, "");
    // gitwildmatch has no braces or extglobs: keep those characters literal.
    const test = picomatch(p, { dot: true, nobrace: true, noextglob: true });
    rules.push({ negate, dirOnly, anchored, test });
  }
  if (rules.length === 0) return () => false;

  return (relPath, isDir) => {
    const parts = relPath.split("/");
    let ignored = false;
    for (const r of rules) {
      // Which ancestors (and the path itself) this rule may name: all of them, but for a
      // directory-only rule not the last part of a file's path.
      const last = isDir || !r.dirOnly ? parts.length : parts.length - 1;
      let hit = false;
      for (let i = 0; i < last && !hit; i++) {
        hit = r.anchored ? r.test(parts.slice(0, i + 1).join("/")) : r.test(parts[i]!);
      }
      if (hit) ignored = !r.negate;
    }
    return ignored;
  };
}
