// Which filesystem a path lives on, from /proc/mounts. Used to refuse a database on a
// network share and (for the watcher) to choose polling on network roots.

import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

/** /proc/mounts escapes space, tab, newline and backslash as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const [device, mountPoint, fsType] = line.split(" ");
    if (device && mountPoint && fsType) out.push({ device, mountPoint: unescapeMount(mountPoint), fsType });
  }
  return out;
}

/** The mount holding an absolute, resolved path: the longest mount point that prefixes it. */
export function mountFor(absPath: string, mounts: readonly Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const prefix = m.mountPoint === "/" ? "/" : m.mountPoint + "/";
    if ((absPath === m.mountPoint || absPath.startsWith(prefix)) && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

const NETWORK = /^(cifs|smb|smb2|smb3|smbfs|nfs|nfs4|afs|ceph|glusterfs|gpfs|lustre|9p|davfs|sshfs|fuse(\..*)?|fuseblk)$/;

export function isNetworkFsType(fsType: string): boolean {
  // fuseblk is a local block device through FUSE (ntfs-3g, exFAT): events work there.
  return fsType !== "fuseblk" && NETWORK.test(fsType);
}

/** The filesystem type of a path (the nearest existing ancestor), or null off Linux. */
export function fsTypeOf(p: string, mountsText?: string): string | null {
  let text = mountsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/mounts", "utf8");
    } catch {
      return null;
    }
  }
  let probe = path.resolve(p);
  for (;;) {
    try {
      probe = realpathSync(probe);
      break;
    } catch {
      const parent = path.dirname(probe);
      if (parent === probe) break;
      probe = parent;
    }
  }
  return mountFor(probe, parseMounts(text))?.fsType ?? null;
}
