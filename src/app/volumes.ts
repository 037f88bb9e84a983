// Volumes on this host: the marker at a volume's root (`prov volume init`), the check that
// the volume mounted at a configured point is the one named there (at watch start and on
// each mount check), what `prov volume ls` shows, and the roots a `prov watch --volume`
// watches. A different volume mounted at the same point is never taken for it.

import { randomUUID } from "node:crypto";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config.js";
import { ConfigError, InputError } from "../domain/errors.js";
import { markerProblem, VOLUME_MARKER, volumeNameProblem, volumeOfPath, type Volume, type VolumeMarker } from "../domain/volumes.js";
import { describeFsError, errnoCode } from "../errors.js";
import { writeDurable } from "../adapters/fs/durable.js";
import { readMarkerFile } from "./store-marker.js";
import { fsTypeOf, parseMounts } from "../adapters/fs/fsinfo.js";

/** The marker at a volume's root; null when there is none. A file that is not a marker is an error naming it. */
export async function readVolumeMarker(root: string): Promise<VolumeMarker | null> {
  return readMarkerFile(path.join(root, VOLUME_MARKER), "a prov volume marker (expected JSON with name, uuid, createdAt)", (m: Partial<VolumeMarker>) =>
    typeof m.name === "string" && typeof m.uuid === "string" && typeof m.createdAt === "string" ? { name: m.name, uuid: m.uuid, createdAt: m.createdAt } : null,
  );
}

/**
 * `prov volume init NAME PATH`: mark the folder as the root of volume NAME (written crash-safely,
 * never over another marker: a volume is named once).
 */
export async function initVolume(name: string, root: string, now: string): Promise<VolumeMarker> {
  const problem = volumeNameProblem(name);
  if (problem) throw new InputError(`volume name ${JSON.stringify(name)}: ${problem}`);
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch (err) {
    throw new InputError(`${root}: ${describeFsError(err)}`, { cause: err });
  }
  if (!isDir) throw new InputError(`${root} is not a folder`);
  const existing = await readVolumeMarker(root);
  if (existing) {
    if (existing.name === name) return existing;
    throw new InputError(`${root} is already marked as volume ${existing.name} (uuid ${existing.uuid}); a volume keeps its name (remove ${path.join(root, VOLUME_MARKER)} first if it really is another volume)`);
  }
  const marker: VolumeMarker = { name, uuid: randomUUID(), createdAt: now };
  try {
    await writeDurable(path.join(root, VOLUME_MARKER), JSON.stringify(marker, null, 2) + "\n", { exclusive: true });
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return initVolume(name, root, now); // marked at the same moment by another: judge that one
    throw new InputError(`cannot write ${path.join(root, VOLUME_MARKER)}: ${describeFsError(err)}`, { cause: err });
  }
  return marker;
}

/**
 * Why the volume is not usable at its mount now (no marker, another volume's marker), or null.
 * With `pinned` (a watcher's, kept from its start): the first uuid seen is remembered, and a
 * marker with the same name but another uuid is refused too.
 */
export async function volumeRefusal(v: Volume, pinned?: Map<string, string>): Promise<string | null> {
  const file = path.join(v.mount, VOLUME_MARKER);
  try {
    const marker = await readVolumeMarker(v.mount);
    const problem = markerProblem(v, marker, file, pinned?.get(v.name));
    if (problem === null && marker && pinned && !pinned.has(v.name)) pinned.set(v.name, marker.uuid);
    return problem;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export interface VolumeInfo {
  name: string;
  mount: string;
  /** A filesystem is mounted at the mount point (not the folder on the parent filesystem). */
  mounted: boolean;
  markerOk: boolean;
  /** The marker's uuid, when there is one. */
  uuid: string | null;
  fsType: string | null;
  /** Why it is not usable, or null. */
  problem: string | null;
  /** The configured roots on this volume. */
  roots: string[];
}

/** What `prov volume ls` shows for each configured volume. */
export async function volumeInfos(config: Config, mountsText: string): Promise<VolumeInfo[]> {
  const mounts = parseMounts(mountsText);
  const roots = [...config.roots.deliverables, ...config.roots.working];
  return Promise.all(
    config.volumes.map(async (v) => {
      const marker = await readVolumeMarker(v.mount).catch(() => null);
      const real = await realpath(v.mount).catch(() => v.mount);
      const problem = await volumeRefusal(v);
      return {
        name: v.name,
        mount: v.mount,
        mounted: mounts.some((m) => m.mountPoint === v.mount || m.mountPoint === real),
        markerOk: problem === null,
        uuid: marker?.uuid ?? null,
        fsType: fsTypeOf(v.mount, mountsText || undefined),
        problem,
        roots: roots.filter((r) => volumeOfPath(r, config.volumes) === v),
      };
    }),
  );
}

/**
 * The config a `prov watch --volume NAME` runs with: only the roots on that volume (the
 * quarantine as configured). Without a name, the roots on no configured volume (with no
 * volumes configured: every root, as before volumes). Refused when that leaves no root.
 */
export function configForVolume(config: Config, name: string | undefined): Config {
  const where = config.file ?? "the configuration";
  let on: (p: string) => boolean;
  if (name === undefined || name === "") {
    on = (p) => volumeOfPath(p, config.volumes) === undefined;
  } else {
    const v = config.volumes.find((x) => x.name === name);
    if (!v) {
      const known = config.volumes.map((x) => x.name).join(", ");
      throw new ConfigError(`${where}: no volume ${name} is configured (${known ? `configured: ${known}` : 'add it under "volumes": { "' + name + '": { "mount": "/mnt/..." } }'})`);
    }
    on = (p) => volumeOfPath(p, config.volumes) === v;
  }
  const roots = { ...config.roots, working: config.roots.working.filter(on), deliverables: config.roots.deliverables.filter(on) };
  if (roots.working.length === 0 && roots.deliverables.length === 0 && config.roots.working.length + config.roots.deliverables.length > 0) {
    const names = config.volumes.map((v) => v.name);
    throw new ConfigError(
      name
        ? `${where}: no configured root is on volume ${name}: add working or deliverables roots under its mount`
        : `${where}: every configured root is on a volume (${names.join(", ")}): run one \`prov watch --volume NAME\` per volume`,
    );
  }
  return { ...config, roots };
}

/** The configured volume holding a root, if any. */
export function volumeOfRoot(config: Config, root: string): Volume | undefined {
  return volumeOfPath(root, config.volumes);
}
