// Content identity: SHA-256 of the bytes, streamed in large reads. The path is only a
// location; device, inode, size and times are a cache key, never the identity.

import { createHash } from "node:crypto";
import { constants, type BigIntStats } from "node:fs";
import { open } from "node:fs/promises";
import type { StatKey } from "../../db/store.js";

const CHUNK = 4 * 1024 * 1024;

export interface HashResult {
  sha256: string;
  size: number;
  stat: StatKey;
  /** The file changed (size, mtime or ctime) while it was read: the hash may be of a mix. */
  changedWhileReading: boolean;
}

export function statKey(s: BigIntStats): StatKey {
  return { dev: String(s.dev), ino: String(s.ino), size: Number(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) };
}

export function sameStat(a: StatKey, b: StatKey): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

export class NotARegularFileError extends Error {}

/**
 * Hash a regular file. Opened with O_NOFOLLOW|O_NONBLOCK so a path swapped for a symlink
 * or a FIFO between listing and reading fails instead of being followed or hanging.
 */
export async function hashFile(p: string): Promise<HashResult> {
  const fh = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const before = await fh.stat({ bigint: true });
    if (!before.isFile()) throw new NotARegularFileError("not a regular file");
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(Number(before.size) < CHUNK ? Math.max(Number(before.size), 64 * 1024) : CHUNK);
    let size = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    const after = statKey(await fh.stat({ bigint: true }));
    const first = statKey(before);
    return { sha256: hash.digest("hex"), size, stat: after, changedWhileReading: !sameStat(first, after) || size !== after.size };
  } finally {
    await fh.close();
  }
}
