// Where prov may open a file a user did not name themselves (a cut's source media, a file
// the desk serves): only under the roots it was given. Pure and lexical: the caller
// resolves symbolic links (realpath) and asks again, so a link out of a root is caught too.

import path from "node:path";

/** Is `p` (absolute) the root itself or inside it? */
export function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The first of `roots` that holds `p`, or null. */
export function rootOf(p: string, roots: readonly string[]): string | null {
  return roots.find((r) => isInside(p, r)) ?? null;
}
