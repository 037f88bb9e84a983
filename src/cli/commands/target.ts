// A command's FILE|SHA256 argument → the asset it means.

import { lstat } from "node:fs/promises";
import path from "node:path";
import type { AssetRow } from "../../ports.js";
import type { Context } from "../context.js";
import { InputError, NotFoundError } from "../../domain/errors.js";
import { describeFsError, errnoCode } from "../../errors.js";
import { hashFile, statKey } from "../../adapters/fs/hash.js";
import { unchangedAt } from "../../domain/identity.js";
import { scan } from "../../app/ingest/scan.js";

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
  const store = await ctx.store({ create: opts.record, readonly: !opts.record });
  let st;
  try {
    st = await lstat(arg, { bigint: true });
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw new InputError(`cannot read ${arg}: ${describeFsError(err)}`);
  }
  if (!st) {
    if (!HEX.test(arg)) throw new InputError(`${arg}: no such file, and not a SHA-256 (64 hex digits, or at least the first 8)`);
    const sha = arg.toLowerCase();
    if (sha.length === 64) {
      const asset = await store.assets.bySha(sha);
      if (!asset) throw new NotFoundError(`no asset with SHA-256 ${sha} in ${store.location}`);
      return { path: null, sha256: sha, asset };
    }
    const matches = await store.assets.byShaPrefix(sha);
    if (matches.length === 0) throw new NotFoundError(`no asset whose SHA-256 starts with ${sha} in ${store.location}`);
    if (matches.length > 1) throw new InputError(`${sha} is ambiguous: ${matches.map((m) => m.sha256).join(", ")}`);
    return { path: null, sha256: matches[0]!.sha256, asset: matches[0] };
  }
  const abs = path.resolve(arg);
  if (st.isSymbolicLink()) throw new InputError(`${arg} is a symbolic link; name the file it points to (prov never follows links)`);
  if (!st.isFile()) throw new InputError(`${arg} is not a regular file`);

  const loc = unchangedAt(await store.locations.byPath(abs), statKey(st));
  const recorded = loc ? await store.assets.byId(loc.asset_id) : undefined;
  if (recorded) return { path: abs, sha256: recorded.sha256, asset: recorded };
  if (opts.record) {
    await scan([abs], { store, reader: await ctx.reader(), folderMatcher: ctx.folderMatcher(), clock: ctx.clock }, { extensions: "all", ignore: [], rehash: true });
    const after = await store.locations.byPath(abs);
    const asset = after?.asset_id != null ? await store.assets.byId(after.asset_id) : undefined;
    if (!asset) throw new InputError(`cannot identify ${arg}: ${after?.error ?? "unreadable"}`);
    return { path: abs, sha256: asset.sha256, asset };
  }
  let sha256: string;
  try {
    sha256 = (await hashFile(abs)).sha256;
  } catch (err) {
    throw new InputError(`cannot read ${arg}: ${describeFsError(err)}`);
  }
  return { path: abs, sha256, asset: await store.assets.bySha(sha256) };
}

export function requireAsset(t: Target, arg: string): AssetRow {
  if (!t.asset) throw new NotFoundError(`${arg} is not recorded yet: run \`prov scan ${arg}\` first`);
  return t.asset;
}
