// Ingest stage "batch": the files to read, gathered into chunks (many files per ExifTool
// call: each call costs ~20 ms of set-up), and a folder's numbered frames grouped into
// image sequences, whose metadata is read from a sample on the shot's first ingest.

import path from "node:path";
import type { FoundSequence } from "../record.js";
import { groupFrames, sampleFrames, parseFrameName, type FrameShape, type NotGrouped, type Sequence } from "../../domain/sequence.js";
import { frameShape } from "./frame-shape.js";
import type { StatKey } from "../../ports.js";
import type { WalkEntry } from "../../adapters/fs/walk.js";

/** Files per ExifTool call, and bytes per chunk (a chunk of large files is read sooner). */
export const CHUNK_FILES = 128;
export const CHUNK_BYTES = 256 * 1024 * 1024;
/**
 * Frames of an image sequence read with their media hash (ImageDataHash, which reads the
 * whole picture again) on its first ingest: first, last and evenly between. Every frame's
 * labels are read, in the same batched ExifTool calls; the others without that hash.
 */
export const SEQUENCE_SAMPLE = 5;
/** Every this-many frames of a sequence are fingerprinted (about one a second), besides the sample. */
export const SEQUENCE_FINGERPRINT_STRIDE = 24;

/** A file waiting to be identified. */
export interface Pending {
  path: string;
  size: number;
  /** The file's stat when it was found (before the hash and metadata reads). */
  key: StatKey;
  /** Its place in the report order; -1 when read again at the end. */
  slot: number;
  /** A frame of an image sequence outside the media-hash sample: its labels are read, without ImageDataHash. */
  labelsOnly?: boolean;
  /** A frame of a sequence between the fingerprinted ones (one a second is enough to recognise a shot). */
  noFingerprint?: boolean;
  /** XMP sidecars beside it (src/app/sidecars.ts): their labels are read and count for it. */
  sidecars?: string[];
}

/** How many of a folder's names look like frames: a cheap test before grouping them. */
export function countFrameNames(batch: readonly WalkEntry[]): number {
  let n = 0;
  for (const e of batch) if (e.type === "file" && parseFrameName(path.basename(e.path))) n++;
  return n;
}

export interface BatchSequences {
  byPath: Map<string, { seq: { read: boolean }; sampled: boolean; fingerprinted: boolean }>;
  sequences: Array<{ found: FoundSequence; read: boolean }>;
  /** Numbered files with one stem that are not one shot, and why. */
  notGrouped: NotGrouped[];
}

/** Header reads at once while a folder's frames are grouped. */
const SHAPE_READS = 8;

/**
 * The image sequences among one folder's files, which frames are in the metadata sample,
 * and which are fingerprinted. Sampling is for a shot's first ingest: once it is recorded,
 * a frame read again is new or replaced, the odd one out, and is read in full.
 */
export async function sequencesIn(batch: readonly WalkEntry[], recorded: (dir: string, key: string) => Promise<boolean>): Promise<BatchSequences | null> {
  const files = batch.filter((e) => e.type === "file" && parseFrameName(path.basename(e.path)) !== null);
  if (files.length < 3) return null;
  // Each frame's size and format from its header: only frames of one shot are grouped.
  const shapes: Array<FrameShape | null> = new Array(files.length).fill(null);
  for (let i = 0; i < files.length; i += SHAPE_READS) {
    const part = await Promise.all(files.slice(i, i + SHAPE_READS).map((e) => frameShape(e.path)));
    part.forEach((x, k) => (shapes[i + k] = x));
  }
  const grouped = groupFrames(files.map((e, i) => ({ name: path.basename(e.path), item: e.path, shape: shapes[i] ?? null })));
  const seqs: Array<Sequence<string>> = grouped.sequences;
  if (seqs.length === 0 && grouped.notGrouped.length === 0) return null;
  const out: BatchSequences = { byPath: new Map(), sequences: [], notGrouped: grouped.notGrouped };
  for (const s of seqs) {
    const entry = {
      found: { dir: path.dirname(s.frames[0]!.item), key: s.key, pattern: s.pattern, first: s.first, last: s.last, gaps: s.gaps, duplicates: s.duplicates, frames: s.frames.map((f) => ({ path: f.item, frame: f.frame })) },
      read: false,
    };
    out.sequences.push(entry);
    const known = await recorded(entry.found.dir, s.key);
    const sample = new Set(sampleFrames(s.frames.length, SEQUENCE_SAMPLE));
    s.frames.forEach((f, i) => {
      const sampled = known || sample.has(i);
      out.byPath.set(f.item, { seq: entry, sampled, fingerprinted: sampled || i % SEQUENCE_FINGERPRINT_STRIDE === 0 });
    });
    // A duplicated frame number's other files are not in s.frames: read in full, the odd ones out.
  }
  return out;
}
