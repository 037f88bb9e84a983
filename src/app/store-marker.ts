// Which database keeps a quarantine. The watcher writes the database's identity next to
// the quarantine it fills (`.prov-database`), so a database deleted or replaced is noticed
// at the next start: prov never starts over on an empty database where one existed (its
// approvals, history and quarantine records would be gone) unless told to.

import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../domain/errors.js";
import { describeFsError, errnoCode } from "../errors.js";
import { writeDurable } from "../adapters/fs/durable.js";

export const MARKER_NAME = ".prov-database";

export interface StoreMarker {
  id: string;
  createdAt: string;
  /** Where the database was when the marker was written, for the message. */
  database: string;
}

export async function readMarker(quarantine: string): Promise<StoreMarker | null> {
  return readMarkerFile(path.join(quarantine, MARKER_NAME), "a prov database marker (expected JSON with id, createdAt, database)", (m: Partial<StoreMarker>) =>
    typeof m.id === "string" && typeof m.createdAt === "string" && typeof m.database === "string" ? { id: m.id, createdAt: m.createdAt, database: m.database } : null,
  );
}

/**
 * A small JSON marker prov keeps in a folder (the quarantine's database marker, a volume's
 * marker): null when there is none; a file that is not one is an error naming it, never
 * taken for one or replaced.
 */
export async function readMarkerFile<T>(file: string, what: string, parse: (m: Partial<T>) => T | null): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return null;
    throw new ConfigError(`cannot read ${file}: ${describeFsError(err)}`, { cause: err });
  }
  try {
    const m = parse(JSON.parse(text) as Partial<T>);
    if (m) return m;
  } catch {
    // said below
  }
  throw new ConfigError(`${file} is not ${what}; move it away if it is not prov's`);
}

export async function writeMarker(quarantine: string, m: StoreMarker): Promise<void> {
  await mkdir(quarantine, { recursive: true });
  await writeDurable(path.join(quarantine, MARKER_NAME), JSON.stringify(m, null, 2) + "\n");
}

/**
 * Pure: may the watcher run on this database with this quarantine? A reason in words when
 * not. `existed`: the database file was there before this start.
 */
export function storeMismatch(a: {
  quarantine: string;
  database: string;
  existed: boolean;
  marker: StoreMarker | null;
  identity: { id: string; createdAt: string } | null;
  newDatabase: boolean;
}): string | null {
  if (!a.marker || a.newDatabase) return null;
  const kept = `${a.quarantine} holds files quarantined under database ${a.marker.id} (created ${a.marker.createdAt} at ${a.marker.database})`;
  const choice = "restore that database from a backup (the quarantined files and their receipts are kept either way), or start a new one with `prov watch --new-database`";
  if (!a.existed) return `the database ${a.database} does not exist, but ${kept}: ${choice}`;
  if (a.identity && a.identity.id !== a.marker.id) return `the database ${a.database} is not the one that kept this quarantine: ${kept}, and ${a.database} is ${a.identity.id} (created ${a.identity.createdAt}): ${choice}`;
  return null;
}
