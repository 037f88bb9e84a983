// A command's FILE|SHA256 argument → the asset it means.

import { lstat } from "node:fs/promises";
import path from "node:path";
import type { AssetRow } from "../../db/store.js";
import type { Context } from "../context.js";
import { describeFsError, errnoCode, UsageError } from "../errors.js";
import { hashFile, statKey } from "../identity/hash.js";
import { unchangedLocation } from "../provenance.js";
import { scan } from "../scan/scanner.js";

const HEX = /^[0-9a-f]{8,64}$/i;

export interface Target {
  /** The file named, when the argument was a path. */
  path: string | null;
  sha256: string;
  asset: AssetRow | undefined;
}

/**
 * Resolve a path (hashing it unless its recorded location still matches) or a full or
 * abbreviated SHA-256. With `record`, a file not yet in the database is scanned first.
 */
export async function resolveTarget(ctx: Context, arg: string, opts: { record: boolean }): Promise<Target> {
  const store = ctx.store({ create: opts.record, readonly: !opts.record });
  let st;
  try {
    st = await lstat(arg, { bigint: true });
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw new UsageError(`cannot read ${arg}: ${describeFsError(err)}`);
  }
  if (!st) {
    if (!HEX.test(arg)) throw new UsageError(`${arg}: no such file, and not a SHA-256 (64 hex digits, or at least the first 8)`);
    const sha = arg.toLowerCase();
    if (sha.length === 64) {
      const asset = store.assetBySha(sha);
      if (!asset) throw new UsageError(`no asset with SHA-256 ${sha} in ${store.file}`);
      return { path: null, sha256: sha, asset };
    }
    const matches = store.assetsByShaPrefix(sha);
    if (matches.length === 0) throw new UsageError(`no asset whose SHA-256 starts with ${sha} in ${store.file}`);
    if (matches.length > 1) throw new UsageError(`${sha} is ambiguous: ${matches.map((m) => m.sha256).join(", ")}`);
    return { path: null, sha256: matches[0]!.sha256, asset: matches[0] };
  }
  const abs = path.resolve(arg);
  if (st.isSymbolicLink()) throw new UsageError(`${arg} is a symbolic link; name the file it points to (prov never follows links)`);
  if (!st.isFile()) throw new UsageError(`${arg} is not a regular file`);

  const loc = unchangedLocation(store, abs, statKey(st));
  if (loc) {
    const asset = store.assetById(loc.asset_id!)!;
    return { path: abs, sha256: asset.sha256, asset };
  }
  if (opts.record) {
    await scan([abs], { store, reader: ctx.reader(), folderMatcher: ctx.folderMatcher() }, { extensions: "all", ignore: [], rehash: true });
    const after = store.locationByPath(abs);
    const asset = after?.asset_id != null ? store.assetById(after.asset_id) : undefined;
    if (!asset) throw new UsageError(`cannot identify ${arg}: ${after?.error ?? "unreadable"}`);
    return { path: abs, sha256: asset.sha256, asset };
  }
  let sha256: string;
  try {
    sha256 = (await hashFile(abs)).sha256;
  } catch (err) {
    throw new UsageError(`cannot read ${arg}: ${describeFsError(err)}`);
  }
  return { path: abs, sha256, asset: store.assetBySha(sha256) };
}

export function requireAsset(t: Target, arg: string): AssetRow {
  if (!t.asset) throw new UsageError(`${arg} is not recorded yet: run \`prov scan ${arg}\` first`);
  return t.asset;
}
