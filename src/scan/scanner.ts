// The scan pipeline: walk → stat (skip unchanged) → hash and read metadata in parallel,
// many files per ExifTool call → record in batched transactions. Bounded in flight, so
// memory stays flat however many files.

import { lstatSync } from "node:fs";
import { lstat, stat as statPath } from "node:fs/promises";
import path from "node:path";
import { unpackCached, type AssetSummary, type CachedStat, type LocationRow, type StatKey, type Store } from "../../db/store.js";
import type { FolderMatcher } from "../detect/folders.js";
import type { Origin, Status } from "../detect/types.js";
import { describeFsError, describeVanished, errorMessage } from "../errors.js";
import { hashFile, NotARegularFileError, sameStat, statKey, statKeyString, type ExtraHasher, type HashResult } from "../identity/hash.js";
import type { MetadataReader, MetadataResult } from "../metadata/exiftool.js";
import { log } from "../log.js";
import { suspectUnmount } from "../policy/vanish.js";
import { markVanished, nowIso, recordIdentified, recordReadError, recordSequence, unchangedLocation, type FoundSequence, type Recorded } from "../provenance.js";
import { fingerprintedAssets, fingerprintPath, needsFingerprint, notFingerprinted, visualKindOf, type FingerprintOptions, type Fingerprinted } from "../perceptual.js";
import { groupSequences, MIN_FRAMES, parseFrameName, sampleFrames, type Sequence } from "../sequence/sequence.js";
import { ignoreMatcher, walkBatches, type IgnoreMatcher, type WalkEntry } from "./walk.js";

// Files per ExifTool call: each call costs ~20 ms of ExifTool set-up, so fewer, larger calls.
const CHUNK_FILES = 128;
const CHUNK_BYTES = 256 * 1024 * 1024;
const MAX_IN_FLIGHT = 3;
const TOUCH_BATCH = 2000;
const MAX_WAITING_OUTCOMES = 10_000;
/** Frames of an image sequence whose metadata is read: first, last and evenly between. */
const SEQUENCE_SAMPLE = 5;

export type FileOutcome =
  | ({ kind: "recorded"; stat: StatKey; extraHash: string | null } & Recorded)
  | { kind: "unchanged"; path: string; sha256: string; assetId: number; origin: Origin; status: Status | null; asset: AssetSummary; stat: StatKey }
  | { kind: "error"; path: string; reason: string }
  | { kind: "skipped"; path: string; reason: string; cause: "ignored" | "symlink" | "other" | "extension" };

export interface ScanSummary {
  files: number;
  new: number;
  newLocations: number;
  changed: number;
  reread: number;
  unchanged: number;
  errors: number;
  skipped: Record<string, number>;
  origins: Record<Origin, number>;
  temporaryGenAI: number;
  /** Recorded files under a scanned folder that are no longer there (marked missing). */
  missing: number;
  /** Folders where so much vanished at once that prov suspects an unmounted share. */
  suspectedUnmount: string[];
  /** Image sequences recorded (new, or with frames read in this scan). */
  sequences: number;
  seconds: number;
}

export interface ScanOptions {
  rehash?: boolean;
  extensions: readonly string[] | "all";
  /** Glob patterns (scan.ignore), or a matcher of the caller's own (the sweep's). */
  ignore: readonly string[] | IgnoreMatcher;
  onFile?: (o: FileOutcome) => void;
  onProgress?: (s: Readonly<ScanSummary>, current: string) => void;
  /** Called for each entry; the walk waits while it returns a promise (a slow report writer). */
  backpressure?: () => Promise<void> | undefined;
  /** Update last_seen of files found unchanged (default true; a quick sweep records one event instead). */
  touchUnchanged?: boolean;
  /** Another hash of each file read, in the same read (the sweep's ASC MHL hash). */
  extraHash?: () => Promise<ExtraHasher>;
  /** Why an ignored path was skipped, in words (default: "ignored by scan.ignore"). */
  ignoreReason?: (p: string) => string;
  /** The watcher hands over paths that may have vanished since: skip those, don't fail. */
  skipMissingRoots?: boolean;
  /** Group numbered frame files into image sequences and read metadata of a sample only (default true). */
  sequences?: boolean;
}

export interface ScanDeps {
  store: Store;
  reader: MetadataReader;
  folderMatcher: FolderMatcher;
  /** Perceptual fingerprints of new pictures and videos; absent: none are made. */
  fingerprint?: FingerprintOptions | undefined;
}

interface Pending {
  path: string;
  size: number;
  /** The file's stat when it was found (before the hash and metadata reads). */
  key: StatKey;
  /** Its place in the report order; -1 when read again at the end. */
  slot: number;
  /** A frame of an image sequence outside the metadata sample: hashed, not read by ExifTool. */
  sampledOut?: boolean;
  /** A frame of a sequence between the fingerprinted ones (one a second is enough to recognise a shot). */
  noFingerprint?: boolean;
}

export async function scan(roots: readonly string[], deps: ScanDeps, opts: ScanOptions): Promise<ScanSummary> {
  const started = Date.now();
  const { store } = deps;
  const summary: ScanSummary = {
    files: 0, new: 0, newLocations: 0, changed: 0, reread: 0, unchanged: 0, errors: 0, skipped: {},
    origins: { genai: 0, "genai-edited": 0, "possibly-genai": 0, "not-genai": 0, unknown: 0 },
    temporaryGenAI: 0, missing: 0, suspectedUnmount: [], sequences: 0, seconds: 0,
  };
  const extensions = opts.extensions === "all" ? null : new Set(opts.extensions.map((e) => e.toLowerCase()));
  const ignored = typeof opts.ignore === "function" ? opts.ignore : ignoreMatcher(opts.ignore);

  const report = (o: FileOutcome): void => {
    switch (o.kind) {
      case "recorded": {
        // Recorded a moment ago, but a sequence recorded since may have changed its class.
        const now = store.assetById(o.assetId);
        if (now) {
          o.origin = now.origin;
          o.status = now.status;
        }
        summary.files++;
        if (o.change === "new") summary.new++;
        else if (o.change === "new-location") summary.newLocations++;
        else if (o.change === "changed") summary.changed++;
        else summary.reread++;
        count(o.origin, o.status);
        break;
      }
      case "unchanged":
        summary.files++;
        summary.unchanged++;
        count(o.origin, o.status);
        break;
      case "error":
        summary.files++;
        summary.errors++;
        break;
      case "skipped":
        summary.skipped[o.reason] = (summary.skipped[o.reason] ?? 0) + 1;
        break;
    }
    opts.onFile?.(o);
    if (o.kind !== "skipped") opts.onProgress?.(summary, o.path);
  };
  const count = (origin: Origin, status: Status | null): void => {
    summary.origins[origin]++;
    if (status === "temporary") summary.temporaryGenAI++;
  };

  // Outcomes are reported in walk order (names sorted within each folder), whatever order
  // the hashing chunks finish in, so two scans of one tree list their files identically.
  // Only a file read again because it changed while read is reported at the end.
  let reserved = 0;
  let next = 0;
  const ready = new Map<number, FileOutcome | null>();
  const reserve = (): number => reserved++;
  const fill = (slot: number, o: FileOutcome | null): void => {
    if (slot < 0) {
      if (o) report(o);
      return;
    }
    ready.set(slot, o);
    while (ready.has(next)) {
      const x = ready.get(next)!;
      ready.delete(next);
      next++;
      if (x) report(x);
    }
  };
  const emit = (o: FileOutcome): void => fill(reserve(), o);

  // A path named on the command line that does not exist (a typo) is reported and the
  // rest is scanned; nothing is recorded for it (it never was a location).
  const present: string[] = [];
  for (const root of roots) {
    try {
      await statPath(root);
      present.push(root);
    } catch (err) {
      if (!opts.skipMissingRoots) emit({ kind: "error", path: path.resolve(root), reason: `cannot scan: ${describeFsError(err)}` });
    }
  }

  const touched: number[] = [];
  const flushTouched = (): void => {
    if (touched.length === 0) return;
    const now = nowIso();
    store.write(() => {
      for (const id of touched) store.touchLocation(id, now);
    });
    touched.length = 0;
  };

  const recordError = (p: string, stat: StatKey | null, reason: string, addressable = true): void => {
    store.write(() => recordReadError(store, p, stat, reason, nowIso(), addressable));
    emit({ kind: "error", path: p, reason });
  };

  const retries: Pending[] = [];
  const processChunk = async (files: Pending[], lastTry: boolean): Promise<void> => {
    const [hashes, metas] = await Promise.all([hashAll(files, opts.extraHash), readSampled(deps.reader, files)]);
    // Fingerprints of content not fingerprinted yet, before the stat check below, so they
    // too are known to describe the hashed bytes.
    const prints = deps.fingerprint ? await fingerprintAll(store, files, hashes, deps.fingerprint) : [];
    // Hash and metadata were read at different moments: they describe the same bytes only
    // if the file is as it was before both reads (when it was found) and after them.
    // Otherwise read it again.
    const now0 = await Promise.all(files.map((f) => lstat(f.path, { bigint: true }).then(statKey, () => null)));
    hashes.forEach((h, i) => {
      const still = now0[i];
      if (h.ok && still && (!sameStat(still, h.result.stat) || !sameStat(files[i]!.key, h.result.stat))) h.result.changedWhileReading = true;
    });
    const outcomes: Array<[number, FileOutcome | null]> = [];
    const now = nowIso();
    store.write(() => {
      files.forEach((f, i) => {
        const h = hashes[i]!;
        const m = metas[i];
        if (!h.ok) {
          recordReadError(store, f.path, null, h.reason, now);
          outcomes.push([f.slot, { kind: "error", path: f.path, reason: h.reason }]);
        } else if (now0[i] === null) {
          // Read, then gone before the reads were checked: not recorded as present here.
          const reason = "file vanished while it was read";
          recordReadError(store, f.path, null, reason, now);
          outcomes.push([f.slot, { kind: "error", path: f.path, reason }]);
        } else if (h.result.changedWhileReading) {
          if (!lastTry) {
            retries.push({ path: f.path, size: h.result.size, key: now0[i]!, slot: -1 });
            outcomes.push([f.slot, null]);
          } else {
            const reason = "file kept changing while it was read (still being written?); scan it again when it is complete";
            recordReadError(store, f.path, h.result.stat, reason, now);
            outcomes.push([f.slot, { kind: "error", path: f.path, reason }]);
          }
        } else {
          // A frame outside the sample: known content keeps what was read of it; new content
          // is recorded with no metadata read (its shot's sampled frames speak for it).
          const metadata = m ?? (store.assetBySha(h.result.sha256) ? null : notRead(f.path));
          const r = recordIdentified(
            store,
            // An empty file has no content to be GenAI: a folder rule on it would taint every empty file.
            { path: f.path, stat: h.result.stat, sha256: h.result.sha256, mediaHash: h.result.mediaHash, size: h.result.size, metadata, folderEvidence: h.result.size > 0 ? deps.folderMatcher(f.path) : [] },
            now,
          );
          // A frame left out on purpose says so (else every scan would backfill it), unless its content has fingerprints already.
          const fp = prints[i] ?? (f.noFingerprint && !store.fingerprintState(r.assetId) ? notFingerprinted(f.path, "a frame between the fingerprinted frames of its image sequence", now) : null);
          if (fp) store.putFingerprints(r.assetId, fp.info, fp.frames);
          outcomes.push([f.slot, { kind: "recorded", ...r, stat: h.result.stat, extraHash: h.result.extraHash }]);
        }
      });
    });
    for (const [slot, o] of outcomes) fill(slot, o);
  };

  const inFlight = new Set<Promise<void>>();
  const launch = async (files: Pending[], lastTry: boolean): Promise<void> => {
    const p: Promise<void> = processChunk(files, lastTry).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
  };

  // Content that needs no fingerprint; the rest found unchanged is fingerprinted (backfill).
  // Loaded at the first unchanged file (one query), not for a watcher's batch of new files.
  let printedSet: Set<number> | undefined;
  const printed = deps.fingerprint ? { has: (id: number) => (printedSet ??= fingerprintedAssets(store)).has(id), add: (id: number) => (printedSet ??= fingerprintedAssets(store)).add(id) } : null;
  const backfill = async (p: string, assetId: number, key: StatKey, fp: FingerprintOptions): Promise<void> => {
    const made = await fingerprintPath(p, fp, nowIso());
    // Recorded only if the file still holds the content it was recorded with.
    const same = await lstat(p, { bigint: true }).then((s) => sameStat(statKey(s), key), () => false);
    if (made && same) store.write(() => store.putFingerprints(assetId, made.info, made.frames));
  };
  const launchTask = async (work: Promise<void>, slot: number, outcome: FileOutcome): Promise<void> => {
    const task: Promise<void> = work.catch((err: unknown) => log.warn(`cannot fingerprint ${outcome.path}: ${errorMessage(err)}`)).finally(() => {
      inFlight.delete(task);
      fill(slot, outcome);
    });
    inFlight.add(task);
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
  };

  let chunk: Pending[] = [];
  let chunkBytes = 0;
  // Every path walked under a directory root, to find recorded files that are gone.
  const seen = new Set<string>();
  const dirRoots: string[] = [];
  // Roots whose stat cache was loaded: what is left in it after the walk is gone.
  const leftOver = new Map<string, { gone: Map<string, string>; recorded: number }>();
  for (const root of present) {
    // A folder's stat cache in one pass, not a query per file; per-file lookups otherwise.
    let cache: Map<string, string> | null = null;
    if ((await statPath(root)).isDirectory()) {
      const abs = path.resolve(root);
      dirRoots.push(abs);
      if (!opts.rehash) {
        cache = store.statCacheUnder(abs);
        leftOver.set(abs, { gone: cache, recorded: cache.size });
      }
    }
    for await (const batch of entriesOf(root, ignored)) {
      // From a folder's first frame to be read on, it reports nothing until its sequences are
      // recorded, so a new frame is judged with what its shot's other frames say
      // (sequenceEvidence). A folder of unchanged frames costs a name check per file and
      // holds nothing back (holding 100,000 rows cost a quick sweep 45 MB).
      const mayHoldFrames = opts.sequences !== false && countFrameNames(batch) >= MIN_FRAMES;
      let frames: BatchSequences | null | undefined;
      const grouped = (): BatchSequences | null => (frames ??= sequencesIn(batch, (dir, key) => store.sequenceByKey(dir, key) !== undefined));
      let barrier = -1;
      for (const entry of batch) {
        const wait = opts.backpressure?.();
        if (wait) await wait;
        // Outcomes waiting behind a chunk still being read (a large new file early in the
        // walk) are bounded: past a limit the walk waits for the chunks.
        if (ready.size > MAX_WAITING_OUTCOMES) await Promise.all(inFlight);
        const cached = cache?.get(entry.path);
        if (cache) cache.delete(entry.path);
        else seen.add(entry.path);
        switch (entry.type) {
          case "ignored":
            emit({ kind: "skipped", path: entry.path, reason: opts.ignoreReason?.(entry.path) ?? "ignored by scan.ignore", cause: "ignored" });
            continue;
          case "symlink":
            emit({ kind: "skipped", path: entry.path, reason: "symbolic link (not followed)", cause: "symlink" });
            continue;
          case "other":
            emit({ kind: "skipped", path: entry.path, reason: "not a regular file", cause: "other" });
            continue;
          case "error":
            recordError(entry.path, null, entry.reason, entry.unaddressable !== true);
            continue;
          case "file":
            break;
        }
        const p = entry.path;
        if (extensions && !extensions.has(path.extname(p).slice(1).toLowerCase())) {
          emit({ kind: "skipped", path: p, reason: "not a media file type (scan.extensions)", cause: "extension" });
          continue;
        }
        let key: StatKey;
        try {
          // Synchronous on purpose: a stat is a few microseconds, a thread-pool round trip more.
          key = statKey(lstatSync(p, { bigint: true }));
        } catch (err) {
          recordError(p, null, describeVanished(err));
          continue;
        }
        const hit = opts.rehash ? undefined : cache ? unpackCached(cached, statKeyString(key)) : locationHit(store, unchangedLocation(store, p, key));
        if (hit) {
          const asset = hit.asset;
          if (opts.touchUnchanged !== false) {
            touched.push(hit.locationId);
            if (touched.length >= TOUCH_BATCH) flushTouched();
          }
          const outcome: FileOutcome = { kind: "unchanged", path: p, sha256: asset.sha256, assetId: asset.id, origin: asset.origin, status: asset.status, asset, stat: key };
          if (printed && asset.size > 0 && !printed.has(asset.id) && visualKindOf(p)) {
            // Recorded before fingerprints existed (or by a sweep with nothing to compare):
            // made now, before the file is reported, so a sweep compares it.
            printed.add(asset.id);
            await launchTask(backfill(p, asset.id, key, deps.fingerprint!), reserve(), outcome);
            continue;
          }
          emit(outcome);
          continue;
        }
        const inSeq = mayHoldFrames ? grouped()?.byPath.get(p) : undefined;
        if (inSeq && barrier < 0) barrier = reserve();
        if (inSeq) inSeq.seq.read = true;
        chunk.push({ path: p, size: key.size, key, slot: reserve(), ...(inSeq && !inSeq.sampled ? { sampledOut: true } : {}), ...(inSeq && !inSeq.fingerprinted ? { noFingerprint: true } : {}) });
        chunkBytes += key.size;
        if (chunk.length >= CHUNK_FILES || chunkBytes >= CHUNK_BYTES) {
          await launch(chunk, false);
          chunk = [];
          chunkBytes = 0;
        }
      }
      if (mayHoldFrames) {
        // Sequences with a frame read now, or not recorded yet, are recorded once their frames are.
        const dir = path.dirname(batch[0]!.path);
        const all = frames !== undefined || !store.hasSequencesIn(dir) ? grouped() : null;
        const found = (all?.sequences ?? []).filter((q) => q.read || !store.sequenceByKey(q.found.dir, q.found.key)).map((q) => q.found);
        if (barrier < 0) {
          // Nothing read here: only shots recorded before sequences were (an older prov).
          if (found.length > 0) {
            summary.sequences += found.length;
            store.write(() => {
              const now = nowIso();
              for (const q of found) recordSequence(store, q, now);
            });
          }
        } else if (found.length === 0) fill(barrier, null);
        else {
          if (chunk.length > 0) {
            await launch(chunk, false);
            chunk = [];
            chunkBytes = 0;
          }
          const reads = [...inFlight];
          const task: Promise<void> = Promise.allSettled(reads)
            .then(() => {
              summary.sequences += found.length;
              store.write(() => {
                const now = nowIso();
                for (const q of found) recordSequence(store, q, now);
              });
            })
            .finally(() => {
              inFlight.delete(task);
              fill(barrier, null);
            });
          inFlight.add(task);
        }
      }
    }
  }
  if (chunk.length > 0) await launch(chunk, false);
  await Promise.all(inFlight);
  flushTouched();
  if (retries.length > 0) {
    // Give a writer a moment, then read once more; a file still changing is reported.
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < retries.length; i += CHUNK_FILES) await launch(retries.slice(i, i + CHUNK_FILES), true);
    await Promise.all(inFlight);
  }
  for (const root of dirRoots) {
    const left = leftOver.get(root);
    let gone: string[];
    let recorded: number;
    if (left) {
      gone = [...left.gone.keys()];
      recorded = left.recorded;
    } else {
      const present = store.presentLocationsUnder(root);
      gone = present.filter((l) => !seen.has(l.path)).map((l) => l.path);
      recorded = present.length;
    }
    if (gone.length === 0) continue;
    if (suspectUnmount(gone.length, recorded)) {
      log.warn(`${gone.length} of ${recorded} recorded files under ${root} are gone: is the share unmounted? They are not marked missing.`);
      summary.suspectedUnmount.push(root);
      continue;
    }
    summary.missing += store.write(() => markVanished(store, gone, nowIso()));
  }
  summary.seconds = (Date.now() - started) / 1000;
  return summary;
}

function locationHit(store: Store, l: LocationRow | undefined): CachedStat | undefined {
  const asset = l ? store.assetById(l.asset_id!) : undefined;
  return l && asset ? { locationId: l.id, asset } : undefined;
}

/** A root may be a single file. Entries come a folder at a time. */
async function* entriesOf(root: string, ignored: IgnoreMatcher): AsyncGenerator<WalkEntry[]> {
  const abs = path.resolve(root);
  let s;
  try {
    s = await lstat(abs);
  } catch (err) {
    yield [{ type: "error", path: abs, reason: describeFsError(err) }];
    return;
  }
  if (s.isDirectory()) yield* walkBatches(abs, ignored);
  else if (s.isSymbolicLink()) yield [{ type: "symlink", path: abs }];
  else if (s.isFile()) yield [{ type: "file", path: abs }];
  else yield [{ type: "other", path: abs }];
}

type HashOutcome = { ok: true; result: HashResult } | { ok: false; reason: string };

async function hashAll(files: readonly Pending[], extraHash: (() => Promise<ExtraHasher>) | undefined): Promise<HashOutcome[]> {
  const out: HashOutcome[] = [];
  for (const f of files) {
    try {
      out.push({ ok: true, result: await hashFile(f.path, extraHash ? await extraHash() : undefined) });
    } catch (err) {
      const reason = err instanceof NotARegularFileError ? "not a regular file any more" : describeVanished(err);
      out.push({ ok: false, reason: reason || errorMessage(err) });
    }
  }
  return out;
}

/**
 * Fingerprint the files of a chunk whose content has none yet (copies of known content
 * cost nothing), two at a time: decoding is CPU-bound and the hashing shares the cores.
 */
async function fingerprintAll(store: Store, files: readonly Pending[], hashes: readonly HashOutcome[], opts: FingerprintOptions): Promise<Array<Fingerprinted | null>> {
  const out: Array<Fingerprinted | null> = files.map(() => null);
  const todo = files.map((_, i) => i).filter((i) => {
    const h = hashes[i]!;
    if (!h.ok || h.result.changedWhileReading || h.result.size === 0 || files[i]!.noFingerprint) return false;
    const known = store.assetBySha(h.result.sha256);
    return !known || needsFingerprint(store.fingerprintState(known.id));
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const i = todo[next++]!;
      out[i] = await fingerprintPath(files[i]!.path, opts, nowIso());
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** How many of a folder's names look like frames: a cheap test before grouping them. */
function countFrameNames(batch: readonly WalkEntry[]): number {
  let n = 0;
  for (const e of batch) if (e.type === "file" && parseFrameName(path.basename(e.path))) n++;
  return n;
}

/** Every this-many frames of a sequence are fingerprinted (about one a second), besides the sample. */
const SEQUENCE_FINGERPRINT_STRIDE = 24;

interface BatchSequences {
  byPath: Map<string, { seq: { read: boolean }; sampled: boolean; fingerprinted: boolean }>;
  sequences: Array<{ found: FoundSequence; read: boolean }>;
}

/**
 * The image sequences among one folder's files, which frames are in the metadata sample,
 * and which are fingerprinted. Sampling is for a shot's first ingest: once it is recorded,
 * a frame read again is new or replaced, the odd one out, and is read in full.
 */
function sequencesIn(batch: readonly WalkEntry[], recorded: (dir: string, key: string) => boolean): BatchSequences | null {
  const files = batch.filter((e) => e.type === "file");
  if (files.length < 3) return null;
  const seqs: Array<Sequence<string>> = groupSequences(files.map((e) => ({ name: path.basename(e.path), item: e.path })));
  if (seqs.length === 0) return null;
  const out: BatchSequences = { byPath: new Map(), sequences: [] };
  for (const s of seqs) {
    const entry = {
      found: { dir: path.dirname(s.frames[0]!.item), key: s.key, pattern: s.pattern, first: s.first, last: s.last, gaps: s.gaps, duplicates: s.duplicates, frames: s.frames.map((f) => ({ path: f.item, frame: f.frame })) },
      read: false,
    };
    out.sequences.push(entry);
    const known = recorded(entry.found.dir, s.key);
    const sample = new Set(sampleFrames(s.frames.length, SEQUENCE_SAMPLE));
    s.frames.forEach((f, i) => {
      const sampled = known || sample.has(i);
      out.byPath.set(f.item, { seq: entry, sampled, fingerprinted: sampled || i % SEQUENCE_FINGERPRINT_STRIDE === 0 });
    });
    // A duplicated frame number's other files are not in s.frames: read in full, the odd ones out.
  }
  return out;
}

/** ExifTool reads every file but the frames outside a sequence's sample (undefined for those). */
async function readSampled(reader: MetadataReader, files: readonly Pending[]): Promise<Array<MetadataResult | undefined>> {
  const wanted = files.filter((f) => !f.sampledOut);
  const read = wanted.length > 0 ? await reader.readMany(wanted) : [];
  let i = 0;
  return files.map((f) => (f.sampledOut ? undefined : read[i++]));
}

/** The record of a frame whose metadata was not read (exiftool_version stays null: "not read"). */
function notRead(p: string): MetadataResult {
  const ext = path.extname(p).slice(1).toUpperCase();
  return { ok: true, metadata: { tags: {}, fileType: ext || null, mimeType: null, mediaHash: null, warnings: [], error: null, exiftoolVersion: null } };
}
