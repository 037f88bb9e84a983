// Identify: the one place a file becomes facts. Hash its bytes (SHA-256, the WAV media
// hash, GenAI markers, the head for its type), read its metadata (many files per ExifTool
// call), and confirm the file did not change between the reads, so hash and metadata
// describe the same bytes. Scan, sweep, the gate, tag/approve of an unrecorded file and
// prov frame all come through here; what each then does with the facts is theirs.

import { lstat } from "node:fs/promises";
import { sameStat } from "../domain/identity.js";
import { errorMessage } from "../domain/errors.js";
import { describeVanished } from "../errors.js";
import { hashFile, NotARegularFileError, statKey, type ExtraHasher, type HashResult } from "../adapters/fs/hash.js";
import type { MetadataReader, MetadataResult, StatKey } from "../ports.js";

/** A file to identify: its path as prov shows it, and its name's bytes when they are not UTF-8. */
export interface FileRef {
  path: string;
  raw?: Buffer | undefined;
}

/** The path the filesystem takes: the raw bytes when the name is not UTF-8. */
export function fsPath(f: FileRef): string | Buffer {
  return f.raw ?? f.path;
}

export type HashOutcome = { ok: true; result: HashResult } | { ok: false; reason: string };

/** Hash one file; a failure is an outcome with a reason, never a throw. */
export async function hashOne(f: FileRef, extraHash?: () => Promise<ExtraHasher>): Promise<HashOutcome> {
  try {
    return { ok: true, result: await hashFile(fsPath(f), extraHash ? await extraHash() : undefined) };
  } catch (err) {
    const reason = err instanceof NotARegularFileError ? "not a regular file any more" : describeVanished(err);
    return { ok: false, reason: reason || errorMessage(err) };
  }
}

/** Files hashed at a time: small files cost mostly the round trips to the I/O threads, which overlap. */
const HASHING = 4;

/** Hash a chunk's files, a few at a time (large ones are read in 4 MiB parts); results in order. */
export async function hashAll(files: readonly FileRef[], extraHash?: () => Promise<ExtraHasher>): Promise<HashOutcome[]> {
  const out: HashOutcome[] = new Array<HashOutcome>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      out[i] = await hashOne(files[i]!, extraHash);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASHING, files.length) }, worker));
  return out;
}

/** The stat of each file now (null: gone or unreadable). */
export function statNow(files: readonly FileRef[]): Promise<Array<StatKey | null>> {
  return Promise.all(files.map((f) => lstat(fsPath(f), { bigint: true }).then(statKey, () => null)));
}

/**
 * Hash and metadata were read at different moments: they describe the same bytes only if
 * the file is as it was when it was found (before both reads) and after them. Marks the
 * hashes that do not hold as changed while reading.
 */
export function confirmUnchanged(hashes: readonly HashOutcome[], found: ReadonlyArray<StatKey | null>, now: ReadonlyArray<StatKey | null>): void {
  hashes.forEach((h, i) => {
    const still = now[i];
    const before = found[i];
    if (h.ok && still && ((before && !sameStat(before, h.result.stat)) || !sameStat(still, h.result.stat))) h.result.changedWhileReading = true;
  });
}

/** Read the metadata of files, skipping those marked `skip` (undefined for them). */
export async function readLabels(reader: MetadataReader, files: ReadonlyArray<FileRef & { size: number; skip?: boolean | undefined }>): Promise<Array<MetadataResult | undefined>> {
  const wanted = files.filter((f) => !f.skip);
  const read = wanted.length > 0 ? await reader.readMany(wanted.map((f) => ({ path: f.path, raw: f.raw, size: f.size }))) : [];
  let i = 0;
  return files.map((f) => (f.skip ? undefined : read[i++]));
}
