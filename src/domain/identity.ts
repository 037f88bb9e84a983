// Pure: a file's stat key (device, inode, size, mtime, ctime) is a cache key for its
// content, never the content's identity (that is the SHA-256 of its bytes).

import type { LocationRow, StatKey } from "../ports.js";

export function sameStat(a: StatKey, b: StatKey): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** The stat key as one string, as the store's packed stat cache holds it: cheap to compare by the 100,000. */
export function statKeyString(k: StatKey): string {
  return `${k.dev} ${k.ino} ${k.size} ${k.mtimeNs} ${k.ctimeNs}`;
}

/** The stat key a location was recorded with, when it has all of it. */
export function locationStat(l: LocationRow): StatKey | null {
  if (l.dev === null || l.ino === null || l.size === null || l.mtime_ns === null || l.ctime_ns === null) return null;
  return { dev: l.dev, ino: l.ino, size: l.size, mtimeNs: l.mtime_ns, ctimeNs: l.ctime_ns };
}

/**
 * The location, when the file at its path is unchanged since its content was identified
 * (same device, inode, size, mtime and ctime): that content need not be read again.
 */
export function unchangedAt(l: LocationRow | undefined, key: StatKey): (LocationRow & { asset_id: number }) | undefined {
  if (!l || l.asset_id === null || l.state !== "present") return undefined;
  const k = locationStat(l);
  return k && sameStat(k, key) ? (l as LocationRow & { asset_id: number }) : undefined;
}

/** Milliseconds since the epoch of a stat key's mtime. */
export function mtimeMs(k: StatKey): number {
  return Number(BigInt(k.mtimeNs) / 1_000_000n);
}
