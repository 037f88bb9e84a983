// Which filesystem a watched root is on right now. A share unmounted for maintenance and
// mounted again takes every inotify watch on it away without a word; a working root whose
// share is unmounted looks like a root whose files were all deleted. The runtime asks this
// every heartbeat (and before it marks anything missing) and compares with what it saw.

import { readFile, realpath, stat } from "node:fs/promises";
import { mountFor, parseMounts } from "../src/adapters/fs/fsinfo.js";

export interface RootMount {
  /** st_dev of the root itself. */
  dev: string;
  /** The mount point holding the root (resolved), "/" for the root filesystem. */
  mountPoint: string;
  fsType: string;
}

export interface MountView {
  /** The root's filesystem now; null when the root path does not exist (or cannot be read). */
  now: RootMount | null;
  /** Mount points listed in the mount table now. */
  points: ReadonlySet<string>;
}

/** The mount table, read once for the roots asking at the same moment (each heartbeat asks for every root). */
let reading: Promise<string> | null = null;
function mountTable(): Promise<string> {
  reading ??= readFile("/proc/mounts", "utf8")
    .catch(() => "") // Not Linux: st_dev alone still tells a remount apart.
    .finally(() => (reading = null));
  return reading;
}

export async function viewMount(root: string): Promise<MountView> {
  const text = await mountTable();
  const mounts = parseMounts(text);
  const points = new Set(mounts.map((m) => m.mountPoint));
  try {
    const [st, real] = await Promise.all([stat(root, { bigint: true }), realpath(root)]);
    const m = mountFor(real, mounts);
    return { now: { dev: String(st.dev), mountPoint: m?.mountPoint ?? "/", fsType: m?.fsType ?? "unknown" }, points };
  } catch {
    return { now: null, points };
  }
}

export type MountChange =
  | { kind: "same" }
  /** The root is on another filesystem than before (remounted, or a share mounted onto it). */
  | { kind: "changed"; now: RootMount; unmounted: string | null }
  /** The root path is gone (a folder on an unmounted share). */
  | { kind: "gone"; unmounted: string };

/**
 * Pure: compare the view now with the mount last seen (`last`), and say whether the share
 * the root lives on (`home`: the mount it was on when the watcher started, or the share
 * mounted onto it since) is not mounted, in words: its files are then not to be taken for
 * deleted.
 */
export function compareMount(root: string, home: RootMount | null, last: RootMount | null, view: MountView): MountChange {
  const away = home && home.mountPoint !== "/" && !view.points.has(home.mountPoint) ? `${home.mountPoint} (${home.fsType}) is not mounted` : null;
  if (!view.now) return { kind: "gone", unmounted: away ?? `${root} does not exist` };
  if (last && view.now.dev === last.dev && view.now.mountPoint === last.mountPoint) return { kind: "same" };
  return { kind: "changed", now: view.now, unmounted: away };
}
