// The ingest pipeline, in named stages that overlap:
//   walk (adapters/fs/walk) → stat cache (stat-cache.ts: unchanged files are not read) →
//   batch (batch.ts: chunks, image sequences) → identify (../identify.ts: hash and read,
//   many files per ExifTool call; fingerprints decoded while ExifTool reads) → record
//   (one transaction per chunk, ../record.ts) → order (order.ts: reported in walk order).
// Bounded in flight, so memory stays flat however many files.

import { lstatSync } from "node:fs";
import { lstat, stat as statPath } from "node:fs/promises";
import path from "node:path";
import type { ContentType } from "../../adapters/containers/sniff.js";
import type { TrailingReport } from "../../adapters/containers/trailing.js";
import type { FolderMatcher } from "../../domain/folders.js";
import { sameStat, statKeyString, unchangedAt } from "../../domain/identity.js";
import type { Origin, Status } from "../../domain/types.js";
import { isTemporaryGenAI } from "../../domain/types.js";
import { suspectUnmount } from "../../domain/unmount.js";
import { errorMessage } from "../../domain/errors.js";
import { describeFsError, describeVanished } from "../../errors.js";
import { statKey, type ExtraHasher } from "../../adapters/fs/hash.js";
import { ignoreMatcher, walkBatches, type IgnoreMatcher, type WalkEntry } from "../../adapters/fs/walk.js";
import { log } from "../../log.js";
import { MIN_FRAMES } from "../../domain/sequence.js";
import type { AssetSummary, CachedStat, Clock, MetadataReader, MetadataResult, Store, StatKey } from "../../ports.js";
import { systemClock } from "../../ports.js";
import { confirmUnchanged, hashAll, readLabels, statNow, type HashOutcome } from "../identify.js";
import { pixelEvidenceOf, wantsPixelSignals, type PixelSignalOptions } from "../pixel-evidence.js";
import type { PixelEvidence } from "../../domain/pixel-signals/types.js";
import { fingerprintedAssets, fingerprintPath, notFingerprinted, pictureOf, sniffPicture, type FingerprintOptions, type Fingerprinted } from "../perceptual.js";
import { markVanished, recordIdentified, recordReadError, recordSequence, type FoundSequence, type Recorded } from "../record.js";
import { CHUNK_BYTES, CHUNK_FILES, countFrameNames, sequencesIn, type BatchSequences, type Pending } from "./batch.js";
import { InOrder } from "./order.js";
import { unpackCached } from "./stat-cache.js";
import { sidecarEvidence, sidecarsBeside, sidecarStat, sidecarsCurrent, xmpSidecarsIn } from "../sidecars.js";
import { toEvidence } from "../../domain/lineage.js";
import type { Evidence } from "../../domain/types.js";

const MAX_IN_FLIGHT = 3;
const TOUCH_BATCH = 2000;
const MAX_WAITING_OUTCOMES = 10_000;
/** Pictures decoded for fingerprints at once: decoding is CPU-bound and shares the cores with hashing and ExifTool. */
const DECODERS = 2;

export type FileOutcome =
  | ({ kind: "recorded"; stat: StatKey; extraHash: string | null; content: ContentType; appended?: TrailingReport | null } & Recorded)
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
  /** Group numbered frame files into image sequences (default true): every frame's labels are read, a sample's with its media hash. */
  sequences?: boolean;
}

export interface ScanDeps {
  store: Store;
  reader: MetadataReader;
  folderMatcher: FolderMatcher;
  /** Perceptual fingerprints of new pictures and videos; absent: none are made. */
  fingerprint?: FingerprintOptions | undefined;
  /** GenAI marks in the pixels of stills whose metadata is read; absent: not looked for. */
  pixelSignals?: PixelSignalOptions | undefined;
  clock?: Clock;
}

/** A small pool: at most `n` tasks run at once, the rest wait their turn. */
function pool(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((r) => waiting.push(r));
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

export async function scan(roots: readonly string[], deps: ScanDeps, opts: ScanOptions): Promise<ScanSummary> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const { store } = deps;
  const summary: ScanSummary = {
    files: 0, new: 0, newLocations: 0, changed: 0, reread: 0, unchanged: 0, errors: 0, skipped: {},
    origins: { genai: 0, "genai-edited": 0, "possibly-genai": 0, "not-genai": 0, unknown: 0 },
    temporaryGenAI: 0, missing: 0, suspectedUnmount: [], sequences: 0, seconds: 0,
  };
  const extensions = opts.extensions === "all" ? null : new Set(opts.extensions.map((e) => e.toLowerCase()));
  const ignored = typeof opts.ignore === "function" ? opts.ignore : ignoreMatcher(opts.ignore);

  const count = (origin: Origin, status: Status | null): void => {
    summary.origins[origin]++;
    if (isTemporaryGenAI(origin, status)) summary.temporaryGenAI++;
  };
  const order = new InOrder<FileOutcome>((o) => {
    switch (o.kind) {
      case "recorded":
        summary.files++;
        if (o.change === "new") summary.new++;
        else if (o.change === "new-location") summary.newLocations++;
        else if (o.change === "changed") summary.changed++;
        else summary.reread++;
        count(o.origin, o.status);
        break;
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
  });

  // A path named on the command line that does not exist (a typo) is reported and the
  // rest is scanned; nothing is recorded for it (it never was a location).
  const present: string[] = [];
  for (const root of roots) {
    try {
      await statPath(root);
      present.push(root);
    } catch (err) {
      if (!opts.skipMissingRoots) order.emit({ kind: "error", path: path.resolve(root), reason: `cannot scan: ${describeFsError(err)}` });
    }
  }

  const touched: number[] = [];
  const flushTouched = async (): Promise<void> => {
    if (touched.length === 0) return;
    const ids = touched.splice(0);
    await store.locations.touch(ids, clock.iso());
  };

  const recordError = async (p: string, stat: StatKey | null, reason: string, addressable = true): Promise<void> => {
    await store.transaction((tx) => recordReadError(tx, p, stat, reason, clock.iso(), addressable));
    order.emit({ kind: "error", path: p, reason });
  };

  // Content that needs no fingerprint (one query, at the first need); the rest is fingerprinted.
  let printedSet: Promise<Set<number>> | undefined;
  const printed = (): Promise<Set<number>> => (printedSet ??= fingerprintedAssets(store));
  const decode = pool(DECODERS);

  /** Frames of the folders whose sequences are recorded after them: their class may change then. */
  const framesOf = new Map<string, Array<Extract<FileOutcome, { kind: "recorded" }>>>();

  const retries: Pending[] = [];
  /** Identify a chunk (hash, read, fingerprint, confirm) and record it in one transaction. */
  const processChunk = async (files: Pending[], lastTry: boolean): Promise<void> => {
    // ExifTool reads the chunk while its files are hashed, and pictures are decoded for
    // their fingerprints as soon as their hashes say they need one.
    // Every file's labels are read, many per ExifTool call; a shot's frames outside its
    // media-hash sample are read in calls of their own, without ImageDataHash.
    const metasP = readChunkLabels(deps.reader, files);
    const sidecarsP = readSidecars(deps.reader, files);
    const hashes = await hashAll(files, opts.extraHash);
    const known = await store.assets.byShas(hashes.flatMap((h) => (h.ok ? [h.result.sha256] : [])));
    const prints: Array<Promise<Fingerprinted | null>> = deps.fingerprint
      ? await fingerprintsFor(files, hashes, known, deps.fingerprint)
      : files.map(async () => null);
    const pixelsP = Promise.all(files.map((f, i) => pixelsFor(f, hashes[i]!)));
    const [metas, made, pixels, sidecars] = await Promise.all([metasP, Promise.all(prints), pixelsP, sidecarsP]);
    const now0 = await statNow(files);
    confirmUnchanged(
      hashes,
      files.map((f) => f.key),
      now0,
    );
    const outcomes: Array<[number, FileOutcome | null]> = [];
    const now = clock.iso();
    await store.transaction(async (tx) => {
      for (let i = 0; i < files.length; i++) {
        const f = files[i]!;
        const h = hashes[i]!;
        if (!h.ok) {
          await recordReadError(tx, f.path, null, h.reason, now);
          outcomes.push([f.slot, { kind: "error", path: f.path, reason: h.reason }]);
        } else if (now0[i] === null) {
          // Read, then gone before the reads were checked: not recorded as present here.
          const reason = "file vanished while it was read";
          await recordReadError(tx, f.path, null, reason, now);
          outcomes.push([f.slot, { kind: "error", path: f.path, reason }]);
        } else if (h.result.changedWhileReading) {
          if (!lastTry) {
            retries.push({ path: f.path, size: h.result.size, key: now0[i]!, slot: -1, ...(f.sidecars ? { sidecars: f.sidecars } : {}) });
            outcomes.push([f.slot, null]);
          } else {
            const reason = "file kept changing while it was read (still being written?); scan it again when it is complete";
            await recordReadError(tx, f.path, h.result.stat, reason, now);
            outcomes.push([f.slot, { kind: "error", path: f.path, reason }]);
          }
        } else {
          const knownAsset = known.get(h.result.sha256);
          const metadata = metas[i] ?? (knownAsset ? null : notRead(f.path));
          // A frame left out on purpose says so (else every scan would backfill it), unless its content has fingerprints already.
          const fp = made[i] ?? (f.noFingerprint && !knownAsset ? notFingerprinted(f.path, "a frame between the fingerprinted frames of its image sequence", now) : null);
          const r = await recordIdentified(
            tx,
            // An empty file has no content to be GenAI: a folder rule on it would taint every empty file.
            {
              path: f.path,
              stat: h.result.stat,
              sha256: h.result.sha256,
              mediaHash: h.result.mediaHash,
              size: h.result.size,
              metadata,
              known: knownAsset,
              folderEvidence: h.result.size > 0 ? deps.folderMatcher(f.path) : [],
              fingerprints: fp,
              pixelEvidence: pixels[i],
              sidecarEvidence: sidecars[i],
            },
            now,
          );
          const out: FileOutcome = { kind: "recorded", ...r, stat: h.result.stat, extraHash: h.result.extraHash, content: h.result.content, ...("appended" in h.result ? { appended: h.result.appended ?? null } : {}) };
          if (f.labelsOnly !== undefined || f.noFingerprint !== undefined) {
            const dir = path.dirname(f.path);
            let list = framesOf.get(dir);
            if (!list) framesOf.set(dir, (list = []));
            list.push(out);
          }
          outcomes.push([f.slot, out]);
        }
      }
    });
    for (const [slot, o] of outcomes) order.fill(slot, o);
  };

  /** Pixel signals of a still whose metadata is read (they are recorded with it), not of the frames of a shot between its 5 sampled ones; undefined: not looked. */
  const pixelsFor = async (f: Pending, h: HashOutcome): Promise<PixelEvidence[] | undefined> => {
    const opts = deps.pixelSignals;
    if (!opts || f.labelsOnly || !h.ok || h.result.changedWhileReading || h.result.size === 0 || !wantsPixelSignals(f.path, h.result.content)) return undefined;
    return decode(() => pixelEvidenceOf(f.path, opts)).catch((err: unknown) => {
      log.debug(`pixel signals not read from ${f.path}: ${errorMessage(err)}`);
      return undefined;
    });
  };

  /** Start the fingerprints a chunk needs: new content, or known content not fingerprinted yet. */
  const fingerprintsFor = async (files: readonly Pending[], hashes: readonly HashOutcome[], known: Map<string, { id: number }>, fp: FingerprintOptions): Promise<Array<Promise<Fingerprinted | null>>> => {
    let done: Set<number> | undefined;
    const out: Array<Promise<Fingerprinted | null>> = [];
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const h = hashes[i]!;
      const picture = h.ok ? pictureOf(f.path, h.result.content) : null;
      if (!h.ok || h.result.changedWhileReading || h.result.size === 0 || f.noFingerprint || !picture) {
        out.push(Promise.resolve(null));
        continue;
      }
      const k = known.get(h.result.sha256);
      if (k) {
        done ??= await printed();
        if (done.has(k.id)) {
          out.push(Promise.resolve(null));
          continue;
        }
      }
      out.push(decode(() => fingerprintPath(f.path, fp, clock.iso(), picture)));
    }
    return out;
  };

  const inFlight = new Set<Promise<void>>();
  const track = async (p: Promise<void>): Promise<void> => {
    const t: Promise<void> = p.finally(() => inFlight.delete(t));
    inFlight.add(t);
    if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
  };
  const launch = (files: Pending[], lastTry: boolean): Promise<void> => track(processChunk(files, lastTry));

  /** Content recorded before fingerprints existed (or by a sweep with nothing to compare): fingerprinted now, before it is reported. */
  const backfill = (p: string, assetId: number, key: StatKey, fp: FingerprintOptions, slot: number, outcome: FileOutcome): Promise<void> =>
    track(
      decode(async () => {
        const made = await fingerprintPath(p, fp, clock.iso());
        // Recorded only if the file still holds the content it was recorded with.
        const same = await lstat(p, { bigint: true }).then((s) => sameStat(statKey(s), key), () => false);
        if (made && same) await store.fingerprints.put(assetId, made.info, made.frames);
      })
        .catch((err: unknown) => log.warn(`cannot fingerprint ${outcome.path}: ${errorMessage(err)}`))
        .finally(() => order.fill(slot, outcome)),
    );

  let chunk: Pending[] = [];
  let chunkBytes = 0;
  const flushChunk = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const files = chunk;
    chunk = [];
    chunkBytes = 0;
    await launch(files, false);
  };
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
        cache = await store.locations.statCacheUnder(abs);
        leftOver.set(abs, { gone: cache, recorded: cache.size });
      }
    }
    for await (const batch of entriesOf(root, ignored)) {
      // From a folder's first frame to be read on, it reports nothing until its sequences are
      // recorded, so a new frame is judged with what its shot's other frames say. A folder of
      // unchanged frames costs a name check per file and holds nothing back.
      const mayHoldFrames = opts.sequences !== false && countFrameNames(batch) >= MIN_FRAMES;
      let frames: BatchSequences | null | undefined;
      const grouped = async (): Promise<BatchSequences | null> =>
        (frames ??= await sequencesIn(batch, async (dir, key) => (await store.sequences.byKey(dir, key)) !== undefined));
      let barrier = -1;
      // A folder's sidecars from its listing; a file named on its own looks beside itself.
      const xmp = batch.length === 1 && batch[0]!.type === "file" && batch[0]!.path === path.resolve(root) ? await sidecarsBeside(batch[0]!.path) : await xmpSidecarsIn(batch);
      for (const entry of batch) {
        const wait = opts.backpressure?.();
        if (wait) await wait;
        // Outcomes waiting behind a chunk still being read (a large new file early in the
        // walk) are bounded: past a limit the walk waits for the chunks.
        if (order.waiting > MAX_WAITING_OUTCOMES) await Promise.all(inFlight);
        const cached = cache?.get(entry.path);
        if (cache) cache.delete(entry.path);
        else seen.add(entry.path);
        switch (entry.type) {
          case "ignored":
            order.emit({ kind: "skipped", path: entry.path, reason: opts.ignoreReason?.(entry.path) ?? "ignored by scan.ignore", cause: "ignored" });
            continue;
          case "symlink":
            order.emit({ kind: "skipped", path: entry.path, reason: "symbolic link (not followed)", cause: "symlink" });
            continue;
          case "other":
            order.emit({ kind: "skipped", path: entry.path, reason: "not a regular file", cause: "other" });
            continue;
          case "error":
            await recordError(entry.path, null, entry.reason, entry.unaddressable !== true);
            continue;
          case "file":
            break;
        }
        const p = entry.path;
        // A sidecar (.xmp, .c2pa) counts for the file it describes, not as a file of its own (src/app/sidecars.ts).
        const describes = xmp.describes.get(p);
        if (describes !== undefined) {
          order.emit({ kind: "skipped", path: p, reason: describes, cause: "other" });
          continue;
        }
        const sidecars = xmp.ofMedia.get(p);
        if (extensions && !extensions.has(path.extname(p).slice(1).toLowerCase())) {
          order.emit({ kind: "skipped", path: p, reason: "not a media file type (scan.extensions)", cause: "extension" });
          continue;
        }
        let key: StatKey;
        try {
          // Synchronous on purpose: a stat is a few microseconds, a thread-pool round trip more.
          key = statKey(lstatSync(p, { bigint: true }));
        } catch (err) {
          await recordError(p, null, describeVanished(err));
          continue;
        }
        let hit = opts.rehash ? undefined : cache ? unpackCached(cached, statKeyString(key)) : await locationHit(store, p, key);
        // Unchanged, but a sidecar beside it is new or changed: read again with it.
        if (hit && sidecars && !sidecarsCurrent((await store.evidence.of(hit.asset.id)).map(toEvidence), sidecars)) hit = undefined;
        if (hit) {
          const asset = hit.asset;
          if (opts.touchUnchanged !== false) {
            touched.push(hit.locationId);
            if (touched.length >= TOUCH_BATCH) await flushTouched();
          }
          const outcome: FileOutcome = { kind: "unchanged", path: p, sha256: asset.sha256, assetId: asset.id, origin: asset.origin, status: asset.status, asset, stat: key };
          if (deps.fingerprint && asset.size > 0 && !(await printed()).has(asset.id) && (await sniffPicture(p))) {
            (await printed()).add(asset.id);
            await backfill(p, asset.id, key, deps.fingerprint, order.reserve(), outcome);
            continue;
          }
          order.emit(outcome);
          continue;
        }
        const inSeq = mayHoldFrames ? (await grouped())?.byPath.get(p) : undefined;
        if (inSeq && barrier < 0) barrier = order.reserve();
        if (inSeq) inSeq.seq.read = true;
        chunk.push({ path: p, size: key.size, key, slot: order.reserve(), ...(inSeq && !inSeq.sampled ? { labelsOnly: true } : {}), ...(inSeq && !inSeq.fingerprinted ? { noFingerprint: true } : {}), ...(sidecars ? { sidecars } : {}) });
        chunkBytes += key.size;
        if (chunk.length >= CHUNK_FILES || chunkBytes >= CHUNK_BYTES) await flushChunk();
      }
      if (mayHoldFrames) await afterFolder(batch, barrier, frames !== undefined ? grouped : null);
    }
  }

  /** A folder's sequences, recorded once its frames are (the barrier holds its report until then). */
  async function afterFolder(batch: readonly WalkEntry[], barrier: number, grouped: (() => Promise<BatchSequences | null>) | null): Promise<void> {
    const dir = path.dirname(batch[0]!.path);
    const all = grouped ? await grouped() : !(await store.sequences.hasIn(dir)) ? await sequencesIn(batch, async (d, key) => (await store.sequences.byKey(d, key)) !== undefined) : null;
    // Numbered files that are not one shot are left as stills; say why.
    for (const n of all?.notGrouped ?? []) log.info(`not an image sequence: ${path.join(dir, n.pattern)} (${n.files} files): ${n.why}`);
    const found: FoundSequence[] = [];
    for (const q of all?.sequences ?? []) if (q.read || !(await store.sequences.byKey(q.found.dir, q.found.key))) found.push(q.found);
    const recordFound = async (): Promise<void> => {
      summary.sequences += found.length;
      const genai = await store.transaction(async (tx) => {
        const now = clock.iso();
        let any = false;
        for (const q of found) any = (await recordSequence(tx, q, now)).genai || any;
        return any;
      });
      // A GenAI shot changed its frames' class and facts (evidence on one frame travels to all).
      const outs = framesOf.get(dir) ?? [];
      framesOf.delete(dir);
      if (!genai) return;
      for (const o of outs) {
        const f = await store.assets.facts(o.assetId);
        if (!f) continue;
        o.facts = f;
        o.origin = f.asset.origin;
        o.status = f.asset.status;
      }
    };
    if (barrier < 0) {
      // Nothing read here: only shots recorded before sequences were (an older prov).
      if (found.length > 0) await recordFound();
    } else if (found.length === 0) {
      framesOf.delete(dir);
      order.fill(barrier, null);
    } else {
      await flushChunk();
      const reads = [...inFlight];
      await track(
        Promise.allSettled(reads)
          .then(recordFound)
          .finally(() => order.fill(barrier, null)),
      );
    }
  }

  await flushChunk();
  await Promise.all(inFlight);
  await flushTouched();
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
      const present = await store.locations.presentUnder(root);
      gone = present.filter((l) => !seen.has(l.path)).map((l) => l.path);
      recorded = present.length;
    }
    if (gone.length === 0) continue;
    if (suspectUnmount(gone.length, recorded)) {
      log.warn(`${gone.length} of ${recorded} recorded files under ${root} are gone: is the share unmounted? They are not marked missing.`);
      summary.suspectedUnmount.push(root);
      continue;
    }
    summary.missing += await store.transaction((tx) => markVanished(tx, gone, clock.iso()));
  }
  summary.seconds = (clock.now() - started) / 1000;
  return summary;
}

async function locationHit(store: Store, p: string, key: StatKey): Promise<CachedStat | undefined> {
  const l = unchangedAt(await store.locations.byPath(p), key);
  const asset = l ? await store.assets.byId(l.asset_id) : undefined;
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

/** Labels of a chunk: the frames outside a shot's media-hash sample in a call of their own, without ImageDataHash. */
async function readChunkLabels(reader: MetadataReader, files: readonly Pending[]): Promise<Array<MetadataResult | undefined>> {
  const light = files.filter((f) => f.labelsOnly);
  if (light.length === 0) return readLabels(reader, files.map((f) => ({ path: f.path, size: f.size })));
  const [full, labels] = await Promise.all([
    readLabels(reader, files.map((f) => ({ path: f.path, size: f.size, skip: f.labelsOnly === true }))),
    reader.readMany(light.map((f) => ({ path: f.path, size: f.size, mediaHash: false }))),
  ]);
  let k = 0;
  return files.map((f, i) => (f.labelsOnly ? labels[k++] : full[i]));
}

/** Evidence from each file's XMP sidecars ([] for a file without), read in one ExifTool call per chunk. */
async function readSidecars(reader: MetadataReader, files: readonly Pending[]): Promise<Evidence[][]> {
  const wanted = [...new Set(files.flatMap((f) => f.sidecars ?? []))];
  if (wanted.length === 0) return files.map(() => []);
  const stats = new Map(wanted.map((p) => [p, sidecarStat(p)]));
  const read = await reader.readMany(wanted.map((p) => ({ path: p, size: 0, mediaHash: false })));
  const byPath = new Map(wanted.map((p, i) => [p, read[i]]));
  return files.map((f) => (f.sidecars ?? []).flatMap((p) => sidecarEvidence(p, byPath.get(p), stats.get(p) ?? null)));
}

/** The record of a file whose metadata was not read (exiftool_version stays null: "not read"). */
function notRead(p: string): MetadataResult {
  const ext = path.extname(p).slice(1).toUpperCase();
  return { ok: true, metadata: { tags: {}, fileType: ext || null, mimeType: null, mediaHash: null, warnings: [], error: null, exiftoolVersion: null } };
}

