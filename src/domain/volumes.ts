// Volumes: a storage volume named in the config (`volumes`), mounted on each host at a
// point the host's own config names. A location on a volume is stored as the volume's
// name and the path within it ("EDIT-A:/show/x.png": no leading slash, so it never
// collides with an absolute path), so the same file seen from two hosts is one location.
// Pure: strings in, strings out; the marker on the volume is read in src/app/volumes.ts.

/** A volume as this host's config names it. */
export interface Volume {
  name: string;
  /** Where this host mounts it (absolute, resolved, no trailing slash). */
  mount: string;
}

/** What `prov volume init` writes at a volume's root (`.prov-volume.json`). */
export interface VolumeMarker {
  name: string;
  uuid: string;
  createdAt: string;
}

export const VOLUME_MARKER = ".prov-volume.json";

/** Letters, digits, dot, dash and underscore, starting with a letter or digit: never a ':' or '/'. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why a volume name is not usable, or null. */
export function volumeNameProblem(name: string): string | null {
  return NAME.test(name) ? null : "a volume name is 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit";
}

/** Is this stored path on a volume ("NAME:/...")? */
export function storedVolumeOf(stored: string): string | null {
  const i = stored.indexOf(":/");
  if (i <= 0 || stored.startsWith("/")) return null;
  const name = stored.slice(0, i);
  return NAME.test(name) ? name : null;
}

/** The configured volume a host path is on (the longest mount that holds it), if any. */
export function volumeOfPath(p: string, volumes: readonly Volume[]): Volume | undefined {
  let best: Volume | undefined;
  for (const v of volumes) {
    if ((p === v.mount || p.startsWith(v.mount + "/")) && (!best || v.mount.length > best.mount.length)) best = v;
  }
  return best;
}

/**
 * The volumes mounted strictly below a host folder: a query on "/mnt" must cover the
 * files of the volume mounted at "/mnt/edit-a", which are stored as "EDIT-A:/...".
 */
export function volumesBelow(dir: string, volumes: readonly Volume[]): Volume[] {
  const prefix = dir.endsWith("/") ? dir : dir + "/";
  return volumes.filter((v) => v.mount.startsWith(prefix) && v.mount !== dir);
}

/**
 * Every string in a JSON value passed through `fn`, the rest as it is: the paths in an
 * event's detail ({from, to}, a sweep's root, a report's file) are stored in volume form
 * like the event's own path. Returns the same object when nothing changed.
 */
export function mapStrings<T>(value: T, fn: (s: string) => string): T {
  if (typeof value === "string") return fn(value) as T;
  if (Array.isArray(value)) {
    const out = value.map((x) => mapStrings(x, fn));
    return out.some((x, i) => x !== value[i]) ? (out as T) : value;
  }
  if (value !== null && typeof value === "object") {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const m = mapStrings(v, fn);
      if (m !== v) changed = true;
      out[k] = m;
    }
    return changed ? (out as T) : value;
  }
  return value;
}

/** Host form → stored form: "/mnt/edit-a/show/x.png" → "EDIT-A:/show/x.png"; off every volume, unchanged. */
export function toStored(p: string, volumes: readonly Volume[]): string {
  if (!p.startsWith("/")) return p;
  const v = volumeOfPath(p, volumes);
  if (!v) return p;
  return `${v.name}:${p.slice(v.mount.length) || "/"}`;
}

/** Stored form → host form; a volume this host does not mount stays in its stored form. */
export function toHost(stored: string, volumes: readonly Volume[]): string {
  const name = storedVolumeOf(stored);
  if (name === null) return stored;
  const v = volumes.find((x) => x.name === name);
  if (!v) return stored;
  const rel = stored.slice(name.length + 1);
  return rel === "/" ? v.mount : v.mount + rel;
}

/** Why the marker found at a volume's mount is not this volume's, in words (null: it is). */
export function markerProblem(v: Volume, marker: VolumeMarker | null, markerFile: string, expectedUuid?: string): string | null {
  if (!marker) return `${markerFile} is missing: ${v.mount} does not hold volume ${v.name} (not mounted, or never marked: run \`prov volume init ${v.name} ${v.mount}\`)`;
  if (marker.name !== v.name) return `${v.mount} holds volume ${marker.name} (marker ${markerFile}, uuid ${marker.uuid}), not ${v.name}: another volume is mounted there`;
  // The same name on another filesystem (a copy of the volume, a second volume marked alike).
  if (expectedUuid !== undefined && marker.uuid !== expectedUuid) return `${v.mount} holds another volume named ${v.name} (uuid ${marker.uuid}, not ${expectedUuid} as when this watcher started)`;
  return null;
}

/** How long content may be gone from one volume and still be taken for moved when it appears on another (copy, then delete, or the reverse). */
export const MOVE_WINDOW_MS = 60 * 60 * 1000;

/** The volume part of a stored path ('' : on no volume). */
function volumeKey(stored: string): string {
  return storedVolumeOf(stored) ?? "";
}

interface PlacedAt {
  id: number;
  path: string;
  state: "present" | "missing" | "error";
  first_seen: string;
  last_seen: string;
}

/**
 * A move between volumes (a copy to another volume and a delete, in either order), in stored
 * form; both ends on (different) volumes. `changed`: the location that just appeared (state present) or just went missing;
 * `others`: the same content's other locations. Appeared: the most recently gone location
 * on another volume, gone within MOVE_WINDOW_MS (markMissing sets last_seen). Went missing:
 * the newest location on another volume that appeared within the window. Each pair is
 * found once: by whichever of the two happened second.
 */
export function crossVolumeMove<T extends PlacedAt>(changed: T, others: readonly T[], nowMs: number): { from: T; to: T } | null {
  const vol = volumeKey(changed.path);
  // Both ends on volumes: a file leaving a volume for a folder on none (the quarantine) is not this.
  if (vol === "") return null;
  const recent = (iso: string): boolean => nowMs - Date.parse(iso) <= MOVE_WINDOW_MS;
  const elsewhere = others.filter((o) => o.id !== changed.id && volumeKey(o.path) !== "" && volumeKey(o.path) !== vol);
  if (changed.state === "present") {
    const gone = elsewhere.filter((o) => o.state === "missing" && recent(o.last_seen)).sort((a, b) => b.last_seen.localeCompare(a.last_seen))[0];
    return gone ? { from: gone, to: changed } : null;
  }
  if (changed.state === "missing") {
    const came = elsewhere.filter((o) => o.state === "present" && recent(o.first_seen)).sort((a, b) => b.first_seen.localeCompare(a.first_seen))[0];
    return came ? { from: changed, to: came } : null;
  }
  return null;
}
