// Ingest stage "stat cache": a file whose device, inode, size, mtime and ctime are
// unchanged since its content was identified need not be read again. A folder's cache is
// loaded in one query, packed one string per file (two values a row instead of twelve,
// and a fraction of the memory: turning SQL values into JavaScript ones is most of the
// cost at 100,000 files).

import type { Origin, Status } from "../../domain/types.js";
import type { CachedStat } from "../../ports.js";

export type { CachedStat };

/** The separator of the packed format (every store adapter produces it). */
export const PACK_SEP = "\x1f";

/**
 * The cached location and asset when the packed entry's stat key is `key` (as
 * statKeyString() writes it: "dev ino size mtimeNs ctimeNs"); undefined when the file
 * changed. The key is compared before anything is split. The packed fields after the key:
 * location id, asset id, sha256, size, origin, status, first seen, media hash, metadata error.
 */
export function unpackCached(packed: string | undefined, key: string): CachedStat | undefined {
  if (packed === undefined || !packed.startsWith(key + PACK_SEP)) return undefined;
  const f = packed.slice(key.length + 1).split(PACK_SEP);
  // The error text comes last and may itself hold the separator: rejoin the rest.
  const metadataError = f.slice(8).join(PACK_SEP);
  return {
    locationId: Number(f[0]),
    asset: {
      id: Number(f[1]),
      sha256: f[2]!,
      size: Number(f[3]),
      origin: f[4] as Origin,
      status: (f[5] || null) as Status | null,
      first_seen: f[6]!,
      media_hash: f[7] || null,
      metadata_error: metadataError || null,
    },
  };
}
