// The deliverables gate, as named stages that a burst of thousands of files passes through
// cheap facts first:
//   look      lstat; links, devices and empty files; content known by its location or
//             inode (a hard link of temporary GenAI is blocked before a byte is read)
//   hash      SHA-256 (+ GenAI markers); every hash of the moment checked against the
//             store in one query: known temporary GenAI is blocked at once
//   labels    metadata read in large ExifTool batches, files with GenAI markers first:
//             labelled GenAI is blocked whether or not it is complete
//   judge     a complete file is recorded and judged from its record (src/app/judge.ts)
//   expensive a file about to be allowed: pictures decoded and compared with the
//             temporary GenAI assets, containers opened and their members judged; only
//             when the stages above are idle
//   act       block and hold move to quarantine; each move is verified afterwards
// A file still being written is looked at when it appears and again once it is quiet (one
// timer, not a loop): at most two checks for a file copied in, whatever its events.

import { lstat } from "node:fs/promises";
import type { FolderMatcher } from "../src/domain/folders.js";
import { OVER_BUDGET, type GateDecision } from "../src/domain/gate-policy.js";
import { mtimeMs, sameStat, unchangedAt } from "../src/domain/identity.js";
import type { Matching } from "../src/domain/likeness.js";
import type { Evidence } from "../src/domain/types.js";
import { isTemporaryGenAI } from "../src/domain/types.js";
import { describeFsError, errnoCode } from "../src/errors.js";
import { StoreError } from "../src/domain/errors.js";
import { statKey, type HashResult } from "../src/adapters/fs/hash.js";
import { fsPath, hashOne, type FileRef } from "../src/app/identify.js";
import { judgeEmpty, judgeEntry, judgeKnown, judgeRecorded, judgeUnrecorded, judgeWithoutStore, type JudgePolicy } from "../src/app/judge.js";
import { decodesFast, fingerprintPath, needsFingerprint, sniffPicture, type FingerprintOptions } from "../src/app/perceptual.js";
import type { Quarantine } from "../src/app/quarantine.js";
import type { Notice } from "../src/adapters/notify/command.js";
import { recordIdentified } from "../src/app/record.js";
import { mediaOfSidecar, readSidecarsOf } from "../src/app/sidecars.js";
import type { AssetFactsRow, AssetRow, Clock, MetadataReader, MetadataResult, StatKey, Store } from "../src/ports.js";

export interface GateDeps {
  store: Store;
  reader: MetadataReader;
  quarantine: Quarantine;
  folderMatcher: FolderMatcher;
  unknownPolicy: "allow" | "hold";
  stableMs: number;
  clock: Clock;
  /** Fingerprint new pictures and check them against temporary GenAI; absent: content and labels only. */
  fingerprint?: FingerprintOptions | undefined;
  matching?: Matching | undefined;
  /** A path that turned out to be a folder, or to be gone (the runtime watches and reconciles). */
  onPath(ref: FileRef, what: "directory" | "gone"): void;
  onError(what: string, err: unknown): void;
  /** A file was moved to quarantine (its move is then verified). */
  onMoved?(): void;
  /** Something a person should hear of (the notify hook): a file blocked or held, a move stuck. */
  onNotice?(n: Notice): void;
}

/** Files read by ExifTool in one call (labelled GenAI in a burst is read first). */
const LABEL_BATCH = 64;
const LABEL_CALLS = 2;
const LOOKERS = 8;
const HASHERS = 4;
const DECODERS = 1;
const MOVERS = 4;
/** A path an event names is looked at this much later: most copies finish within it (one check, not two). */
export const EVENT_DELAY_MS = 50;
/** A young file larger than this is not hashed until it is complete (its partial hash matches nothing). */
const HASH_YOUNG_MAX = 64 * 1024 * 1024;
/** The longest wait before a path whose move could not start is looked at again. */
const ACT_RETRY_MAX_MS = 5 * 60_000;
/**
 * A look that ends in an unexpected error (a read of a file still being written, a decoder
 * failing) is tried again after 1, 2, 4, 8, 16 s; after that the path waits for its next
 * event or reconcile, the errors logged. Before, it was forgotten at once: a file whose last
 * write came before the error was never judged until the next reconcile.
 */
const FAIL_RETRIES = 5;
const FAIL_RETRY_MS = 1000;

interface Hashed {
  ref: FileRef;
  key: StatKey;
  hash: HashResult;
  known: AssetRow | undefined;
  meta?: MetadataResult | undefined;
}

/**
 * May a look reuse what an earlier look read (same stat: the bytes did not change since)?
 * Not when that read overlapped a write (changedWhileReading): its stat is the one after the
 * write, so the file matches it, yet the hash is of bytes the file never held as a whole.
 * Reused, such a read is never stable and the path was looked at every few milliseconds,
 * forever, without being recorded (the gate's "still being written" flake: a read that
 * overlapped the file's very last write).
 */
export function canReuseRead(read: { key: StatKey; hash: Pick<HashResult, "changedWhileReading"> } | null, key: StatKey): boolean {
  return read !== null && !read.hash.changedWhileReading && sameStat(read.key, key);
}

interface PathState {
  ref: FileRef;
  /** In one of the stages now. */
  busy: boolean;
  /** An event came while busy: look again afterwards (unless a re-check is scheduled). */
  again: boolean;
  timer: NodeJS.Timeout | null;
  /** What was read of it, for a re-check that finds it unchanged (no second read). */
  read: Hashed | null;
  /** Looks that ended in an error since the path was submitted (looked at again with backoff). */
  failures?: number;
}

/** A FIFO where some items jump the queue (files with GenAI markers). */
class Lane<T> {
  private readonly first: T[] = [];
  private readonly rest: T[] = [];
  get size(): number {
    return this.first.length + this.rest.length;
  }
  push(item: T, urgent = false): void {
    (urgent ? this.first : this.rest).push(item);
  }
  take(n: number): T[] {
    const out = this.first.splice(0, n);
    if (out.length < n) out.push(...this.rest.splice(0, n - out.length));
    return out;
  }
}

export class DeliverablesGate {
  /** Checks made (a look at a path that is not a directory), for `prov status` and the benchmark's checks per file. */
  checks = 0;
  private readonly paths = new Map<string, PathState>();
  private readonly looks = new Lane<PathState>();
  private readonly hashes = new Lane<PathState>();
  private readonly labels = new Lane<{ s: PathState; h: Hashed | null; key: StatKey }>();
  private readonly expensive = new Lane<{ s: PathState; facts: AssetFactsRow; key: StatKey }>();
  private readonly acts = new Lane<{ s: PathState; decision: GateDecision; asset: AssetRow | null; key: StatKey | null; sha256: string | null; evidence: readonly Evidence[] }>();
  private looking = 0;
  private hashing = 0;
  private labelCalls = 0;
  /** Label calls whose slot was given back: only files read alone with the whole time budget remain in them. */
  private labelsSlow = 0;
  private decoding = 0;
  private moving = 0;
  private knownBatch: Array<{ s: PathState; h: HashResult; key: StatKey }> = [];
  /** Paths whose move could not even be planned (the store refused the intent): looked at again with backoff. */
  private readonly storeFaults = new Map<string, { attempts: number; reason: string; nextTryAt: number }>();
  /** Judged without the store and allowed, at this stat: not read again until it changes. */
  private readonly offlineAllowed = new Map<string, StatKey>();
  private offlineRunning = 0;
  private readonly offlineWaiting: Array<() => void> = [];
  private knownTimer: NodeJS.Immediate | null = null;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  private readonly policy: JudgePolicy;

  constructor(private readonly d: GateDeps) {
    this.policy = { unknownPolicy: d.unknownPolicy, matching: d.matching };
  }

  /** Paths waiting or being judged (scheduled re-checks included), each once. */
  *keys(): Iterable<string> {
    yield* this.paths.keys();
  }

  get pending(): number {
    return this.paths.size;
  }

  /** Queue sizes per stage, for `prov status`. */
  stages(): Record<string, number> {
    return { look: this.looks.size + this.looking, hash: this.hashes.size + this.hashing, labels: this.labels.size, expensive: this.expensive.size + this.decoding, act: this.acts.size + this.moving };
  }

  /** Something happened at this path (an event, a reconcile): look at it. */
  submit(ref: FileRef, delayMs = 0): void {
    if (this.closed) return;
    const s = this.paths.get(ref.path);
    if (s) {
      // Busy: look again afterwards. Scheduled: the scheduled look will see the change.
      if (s.busy) s.again = true;
      else if (!s.timer) this.enqueue(s);
      return;
    }
    const state: PathState = { ref, busy: false, again: false, timer: null, read: null };
    this.paths.set(ref.path, state);
    if (delayMs > 0) this.schedule(state, delayMs);
    else this.enqueue(state);
  }

  private enqueue(s: PathState): void {
    s.busy = true;
    this.looks.push(s);
    this.pump();
  }

  private schedule(s: PathState, delayMs: number): void {
    if (s.timer) clearTimeout(s.timer);
    s.busy = false;
    s.again = false;
    s.timer = setTimeout(() => {
      s.timer = null;
      if (!this.closed) this.enqueue(s);
    }, Math.max(0, delayMs));
  }

  /** The path is done for now: forget it, unless an event came meanwhile. */
  private done(s: PathState): void {
    if (s.again && !this.closed) {
      s.again = false;
      s.read = null;
      this.looks.push(s);
      this.pump();
      return;
    }
    s.busy = false;
    if (!s.timer) {
      this.paths.delete(s.ref.path);
      this.storeFaults.delete(s.ref.path);
      this.offlineAllowed.delete(s.ref.path);
    }
    this.checkIdle();
  }

  /** Look again once the file has been quiet for the stability window. */
  private waitQuiet(s: PathState, key: StatKey): void {
    const at = mtimeMs(key) + this.d.stableMs;
    this.schedule(s, at - this.d.clock.now() + 5);
    this.checkIdle();
  }

  private pump(): void {
    if (this.closed) return;
    while (this.looking < LOOKERS && this.looks.size > 0) {
      const [s] = this.looks.take(1);
      this.looking++;
      void this.look(s!)
        .catch((err: unknown) => this.fail(s!, "looking at", err))
        .finally(() => {
          this.looking--;
          this.pump();
        });
    }
    while (this.hashing < HASHERS && this.hashes.size > 0) {
      const [s] = this.hashes.take(1);
      this.hashing++;
      void this.hash(s!)
        .catch((err: unknown) => this.fail(s!, "hashing", err))
        .finally(() => {
          this.hashing--;
          this.pump();
        });
    }
    while (this.labelCalls < LABEL_CALLS && this.labels.size > 0) {
      const batch = this.labels.take(LABEL_BATCH);
      this.labelCalls++;
      // The call's slot is given back once only files read alone with the whole time budget
      // remain (hostile ones, most likely): they must not hold up the files that come next.
      let slow = false;
      const quickDone = (): void => {
        if (slow) return;
        slow = true;
        this.labelCalls--;
        this.labelsSlow++;
        this.pump();
      };
      void this.readLabels(batch, quickDone)
        .catch((err: unknown) => batch.forEach((b) => this.fail(b.s, "reading", err)))
        .finally(() => {
          if (slow) this.labelsSlow--;
          else this.labelCalls--;
          this.pump();
        });
    }
    while (this.moving < MOVERS && this.acts.size > 0) {
      const [a] = this.acts.take(1);
      this.moving++;
      void this.act(a!)
        .catch((err: unknown) => this.fail(a!.s, "moving", err))
        .finally(() => {
          this.moving--;
          this.pump();
        });
    }
    // Expensive facts after cheap ones: pictures are decoded only when nothing cheaper waits.
    const cheapBusy = this.looks.size + this.hashes.size + this.labels.size + this.looking + this.hashing + this.labelCalls + this.labelsSlow + this.knownBatch.length > 0;
    while (!cheapBusy && this.decoding < DECODERS && this.expensive.size > 0) {
      const [l] = this.expensive.take(1);
      this.decoding++;
      void this.costly(l!)
        .catch((err: unknown) => this.fail(l!.s, "comparing", err))
        .finally(() => {
          this.decoding--;
          this.pump();
        });
    }
    this.checkIdle();
  }

  /**
   * A path the store refused to record or move (a read-only, full or failing database: the
   * block's record or the move's intent could not be written) is not forgotten until the
   * next reconcile: it is looked at again after 1 s, doubling to 5 min, and `prov status`
   * lists it (gateFaults) meanwhile. Other failures are logged and the path is done.
   */
  private storeFailed(s: PathState, what: string, err: unknown): void {
    this.d.onError(`${what} ${s.ref.path}`, err);
    s.read = null;
    if (this.closed) return this.done(s);
    // Fails closed: judged by what the file says of itself, and moved without the store
    // when that blocks or holds it; otherwise (or if it cannot be moved now) retried.
    this.offline(() => this.withoutStore(s, describeFsError(err))).then(
      (moved) => (moved ? this.movedWithoutStore(s) : this.retryLater(s, err)),
      (e: unknown) => {
        this.d.onError(`judging ${s.ref.path} without the database`, e);
        this.retryLater(s, err);
      },
    );
  }

  private retryLater(s: PathState, err: unknown): void {
    if (this.closed) return this.done(s);
    const prev = this.storeFaults.get(s.ref.path);
    const attempts = (prev?.attempts ?? 0) + 1;
    const delay = Math.min(ACT_RETRY_MAX_MS, 1000 * 2 ** Math.min(20, attempts - 1));
    this.storeFaults.set(s.ref.path, { attempts, reason: describeFsError(err), nextTryAt: this.d.clock.now() + delay });
    this.schedule(s, delay);
    this.checkIdle();
  }

  /** Judgments without the store run a few at a time (a burst during an outage must not hash everything at once). */
  private offline<T>(job: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.offlineRunning++;
      try {
        return await job();
      } finally {
        this.offlineRunning--;
        this.offlineWaiting.shift()?.();
      }
    };
    if (this.offlineRunning < MOVERS) return run();
    return new Promise<void>((r) => this.offlineWaiting.push(r)).then(run);
  }

  /**
   * The store refused: look at the file, hash and read it again without the store, and
   * decide on its own labels (judgeWithoutStore). True when it was moved to quarantine.
   * An unchanged file this found allowed is not read again at each retry.
   */
  private async withoutStore(s: PathState, storeError: string): Promise<boolean> {
    const st = await lstat(fsPath(s.ref), { bigint: true }).catch(() => null);
    if (!st?.isFile() || st.size === 0n) return false; // gone, or not a file: the normal retry says what it is
    const before = this.offlineAllowed.get(s.ref.path);
    if (before && sameStat(before, statKey(st))) return false;
    const h = await hashOne(s.ref);
    if (!h.ok) return false;
    const key = h.result.stat;
    const [meta] = await this.d.reader.readMany([{ path: s.ref.path, raw: s.ref.raw, size: key.size }]);
    const stable = this.stable({ ref: s.ref, key, hash: h.result, known: undefined });
    const { decision, evidence } = judgeWithoutStore({ metadata: meta, folderEvidence: this.folders(s.ref), stable, unnamed: s.ref.raw !== undefined }, this.policy);
    if (decision.action !== "block" && decision.action !== "hold") {
      if (stable) this.offlineAllowed.set(s.ref.path, key);
      return false;
    }
    const kind = decision.action === "block" ? "blocked" : "held";
    const moved = await this.d.quarantine.quarantineWithoutStore(
      {
        path: s.ref.path,
        raw: s.ref.raw,
        kind,
        reason: decision.reason,
        evidence: evidence.filter((e) => e.signal !== "info"),
        sha256: h.result.sha256,
        assetId: null,
        dev: key.dev,
        ino: key.ino,
      },
      storeError,
    );
    if (moved) this.d.onNotice?.({ event: kind, path: s.ref.path, reason: decision.reason, detail: { sha256: h.result.sha256, withoutDatabase: storeError } });
    return moved;
  }

  private movedWithoutStore(s: PathState): void {
    this.storeFaults.delete(s.ref.path);
    this.offlineAllowed.delete(s.ref.path);
    this.d.onMoved?.();
    this.done(s);
  }

  /** What the gate is retrying because its move could not start, for `prov status`. */
  faults(): Array<{ path: string; reason: string; attempts: number; nextTryAt: string }> {
    return [...this.storeFaults].map(([p, f]) => ({ path: p, reason: f.reason, attempts: f.attempts, nextTryAt: new Date(f.nextTryAt).toISOString() }));
  }

  private fail(s: PathState, what: string, err: unknown): void {
    if (err instanceof StoreError) return this.storeFailed(s, what, err);
    s.read = null;
    s.failures = (s.failures ?? 0) + 1;
    if (this.closed || s.failures > FAIL_RETRIES) {
      this.d.onError(`${what} ${s.ref.path}`, err);
      return this.done(s);
    }
    const delay = FAIL_RETRY_MS * 2 ** (s.failures - 1);
    this.d.onError(`${what} ${s.ref.path} (looked at again in ${delay / 1000} s)`, err);
    this.schedule(s, delay);
    this.checkIdle();
  }

  // ------------------------------------------------------------------ look

  private async look(s: PathState): Promise<void> {
    const { store } = this.d;
    let st;
    try {
      st = await lstat(fsPath(s.ref), { bigint: true });
    } catch (err) {
      this.checks++;
      if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") {
        this.paths.delete(s.ref.path);
        this.storeFaults.delete(s.ref.path);
        s.busy = false;
        this.d.onPath(s.ref, "gone");
        this.checkIdle();
        return;
      }
      return this.decided(s, judgeEntry("unreadable", this.policy, describeFsError(err)), null, null, null, []);
    }
    if (st.isDirectory()) {
      this.paths.delete(s.ref.path);
      s.busy = false;
      this.d.onPath(s.ref, "directory");
      this.checkIdle();
      return;
    }
    this.checks++;
    const key = statKey(st);
    if (st.isSymbolicLink()) return this.decided(s, judgeEntry("symlink", this.policy), null, key, null, []);
    if (!st.isFile()) return this.decided(s, judgeEntry("other", this.policy), null, key, null, []);
    // A sidecar (.xmp, .c2pa) with its media beside it is judged with that file (its labels count there), not on its own.
    const describes = s.ref.raw ? undefined : await mediaOfSidecar(s.ref.path);
    if (describes) return this.decided(s, { action: "allow", reason: `${describes}, judged with it` }, null, key, null, []);
    const young = this.d.clock.now() - mtimeMs(key) < this.d.stableMs;
    if (key.size === 0) {
      // A file just created is usually about to be written: look again once it is quiet.
      if (young) return this.waitQuiet(s, key);
      return this.decided(s, judgeEmpty(true, this.policy), null, key, null, []);
    }
    // What the store knows at this path, in one ask.
    const at = await store.locations.lookAt(s.ref.path, key.dev, key.ino);
    // A file already waiting to be moved is retried by the runtime, not judged again.
    if (at.stuck?.ino === key.ino) return this.done(s);

    // Unchanged since it was recorded here: judge again from what is known now (an approval
    // may have been revoked since), without reading it.
    if (!s.ref.raw) {
      const loc = unchangedAt(at.here, key);
      if (loc) {
        const facts = await store.assets.facts(loc.asset_id, s.ref.path);
        if (facts) return this.judge(s, facts, key);
      }
    }
    // A hard link or rename of content recorded elsewhere (same inode, size and mtime) is
    // known before a byte is read: a multi-GB copy-by-link is blocked at once.
    for (const other of at.sameInode) {
      const asset = other.asset;
      if (!asset || other.size !== key.size || other.mtime_ns !== key.mtimeNs) continue;
      if (isTemporaryGenAI(asset.origin, asset.status)) {
        const d = await judgeKnown(store, asset, s.ref.path, "inode", this.policy);
        if (d.action === "block") return this.decided(s, d, asset, key, asset.sha256, []);
      }
    }
    // Read before: the same bytes (same stat) need not be read again.
    if (s.read && canReuseRead(s.read, key)) return this.identified(s, s.read);
    s.read = null;
    if (young && key.size > HASH_YOUNG_MAX) {
      // Its partial hash matches nothing: read its labels only, hash it once it is complete.
      this.labels.push({ s, h: null, key });
      this.pump();
      return;
    }
    this.hashes.push(s);
  }

  // ------------------------------------------------------------------ hash

  private async hash(s: PathState): Promise<void> {
    const h = await hashOne(s.ref);
    if (!h.ok) return this.decided(s, judgeEntry("unreadable", this.policy, h.reason), null, null, null, []);
    // Every hash of the moment is checked against the store in one query.
    this.knownBatch.push({ s, h: h.result, key: h.result.stat });
    this.knownTimer ??= setImmediate(() => void this.flushKnown().catch((err: unknown) => this.d.onError("looking up content", err)));
  }

  private async flushKnown(): Promise<void> {
    this.knownTimer = null;
    const batch = this.knownBatch;
    this.knownBatch = [];
    let known: Map<string, AssetRow>;
    try {
      known = await this.d.store.assets.byShas(batch.map((b) => b.h.sha256));
    } catch (err) {
      for (const b of batch) this.fail(b.s, "looking up", err);
      return;
    }
    await Promise.all(
      batch.map(({ s, h, key }) => this.identified(s, { ref: s.ref, key, hash: h, known: known.get(h.sha256) }).catch((err: unknown) => this.fail(s, "judging", err))),
    );
    this.pump();
  }

  /** Hashed (and perhaps read): block known temporary GenAI, read labels, or judge a complete file. */
  private async identified(s: PathState, r: Hashed): Promise<void> {
    s.read = r;
    const known = r.known;
    if (known && isTemporaryGenAI(known.origin, known.status)) {
      const d = await judgeKnown(this.d.store, known, s.ref.path, "content", this.policy);
      if (d.action === "block") return this.decided(s, d, known, r.key, known.sha256, []);
    }
    const stable = this.stable(r);
    // Known content (its labels read before): record and judge when complete, else wait.
    if (known && known.exiftool_version !== null) {
      if (stable) return this.record(s, r, null);
      return this.waitQuiet(s, r.key);
    }
    if (r.meta !== undefined) return this.afterLabels(s, r);
    this.labels.push({ s, h: r, key: r.key }, r.hash.markers > 0);
    this.pump();
  }

  private stable(r: Hashed): boolean {
    return !r.hash.changedWhileReading && this.d.clock.now() - mtimeMs(r.key) >= this.d.stableMs;
  }

  // ------------------------------------------------------------------ labels

  /** Each file goes on as soon as its labels are read (in the order they come), not when the whole call is done. */
  private async readLabels(batch: Array<{ s: PathState; h: Hashed | null; key: StatKey }>, quickDone: () => void): Promise<void> {
    let chain = Promise.resolve();
    const handled = new Set<number>();
    const handle = (i: number, meta: MetadataResult | undefined): void => {
      if (handled.has(i)) return;
      handled.add(i);
      chain = chain.then(() => this.labelled(batch[i]!, meta));
    };
    const metas = await this.d.reader.readMany(
      batch.map((b) => ({ path: b.s.ref.path, raw: b.s.ref.raw, size: b.key.size })),
      { onEach: handle, onQuickDone: quickDone },
    );
    for (let i = 0; i < batch.length; i++) handle(i, metas[i]);
    await chain;
  }

  private async labelled(entry: { s: PathState; h: Hashed | null; key: StatKey }, meta: MetadataResult | undefined): Promise<void> {
    const { s, h, key } = entry;
    try {
      if (h === null) {
        // A large file still being written: judged by its labels only, hashed once complete.
        const { decision, evidence } = await judgeUnrecorded(this.d.store, { sha256: null, known: undefined, metadata: meta, folderEvidence: this.folders(s.ref), stable: false, unnamed: s.ref.raw !== undefined }, this.policy);
        if (decision.action === "block") await this.decided(s, decision, null, key, null, evidence);
        else this.waitQuiet(s, key);
        return;
      }
      await this.afterLabels(s, { ...h, meta });
    } catch (err) {
      this.fail(s, "judging", err);
    }
  }

  private folders(ref: FileRef): Evidence[] {
    return this.d.folderMatcher(ref.path);
  }

  private async afterLabels(s: PathState, r: Hashed): Promise<void> {
    s.read = r;
    // The metadata describes the hashed bytes only if the file did not change in between.
    const same = await lstat(fsPath(s.ref), { bigint: true }).then((st) => sameStat(statKey(st), r.key), () => false);
    const complete = same && this.stable(r);
    if (complete && !s.ref.raw) return this.record(s, r, r.meta ?? null);
    // Not complete yet (or a name prov cannot record under): judge by what the file already says.
    const unnamed = s.ref.raw !== undefined;
    const { decision, evidence } = await judgeUnrecorded(this.d.store, { sha256: r.hash.sha256, known: r.known, metadata: r.meta, folderEvidence: this.folders(s.ref), stable: false, unnamed }, this.policy);
    if (decision.action === "block") {
      // Recorded before it moves (when the bytes read are still the file's), so its
      // content is known at once: a copy is blocked by content, an approval finds it.
      const asset = same && !s.ref.raw ? (await this.recordOnly(s, r, r.meta ?? null)).asset : (r.known ?? null);
      return this.decided(s, decision, asset, r.key, r.hash.sha256, evidence);
    }
    if (!same || r.hash.changedWhileReading) s.read = null; // changed since (or while) it was read: read again once quiet
    // Complete, not GenAI, and a name that is not UTF-8: held (it cannot be judged by name).
    if (complete && unnamed) return this.decided(s, { action: "hold", reason: "its name is not UTF-8, so it cannot be judged by name or recorded under it; rename it" }, r.known ?? null, r.key, r.hash.sha256, evidence);
    this.waitQuiet(s, r.key);
  }

  // ------------------------------------------------------------------ judge

  /** A complete file: record it (the gate is also an ingest), then judge it from its record. */
  private async record(s: PathState, r: Hashed, meta: MetadataResult | null): Promise<void> {
    const facts = await this.recordOnly(s, r, meta);
    const readError = meta !== null && !meta.ok ? meta.reason : facts.asset.metadata_error;
    return this.judge(s, facts, r.key, readError);
  }

  private async recordOnly(s: PathState, r: Hashed, meta: MetadataResult | null): Promise<AssetFactsRow> {
    // An XMP sidecar beside it counts for it (src/app/sidecars.ts): one more ExifTool read, only when one is there.
    const sidecars = s.ref.raw ? undefined : await readSidecarsOf(this.d.reader, s.ref.path, meta === null ? { size: r.hash.size } : null);
    if (sidecars && meta === null) meta = sidecars.file ?? null;
    const rec = await this.d.store.transaction((tx) =>
      recordIdentified(
        tx,
        { path: s.ref.path, stat: r.key, sha256: r.hash.sha256, mediaHash: r.hash.mediaHash, size: r.hash.size, metadata: meta, known: r.known, folderEvidence: this.folders(s.ref), ...(sidecars ? { sidecarEvidence: sidecars.evidence } : {}) },
        this.d.clock.iso(),
      ),
    );
    return rec.facts;
  }

  private async judge(s: PathState, facts: AssetFactsRow, key: StatKey, readError: string | null = null): Promise<void> {
    const { decision, evidence, needsExpensive } = await judgeRecorded({ store: this.d.store, reader: this.d.reader }, facts, { path: s.ref.path, stable: true, readError, expensive: false }, this.policy);
    if (needsExpensive) {
      this.expensive.push({ s, facts, key });
      this.pump();
      return;
    }
    return this.decided(s, decision, facts.asset, key, facts.asset.sha256, evidence);
  }

  // ------------------------------------------------------------------ expensive facts

  /**
   * A file about to be allowed: what it looks like (compared with the temporary GenAI
   * assets) and what it holds (archive members, data after an image's end). A still sharp
   * decodes is fingerprinted here (milliseconds); a video or an EXR/DPX frame is not
   * (ffmpeg takes 0.2 s a frame and 12 s a minute of video): their fingerprints are used
   * when a scan or sweep made them, and the sweep checks them anyway.
   */
  private async costly(l: { s: PathState; facts: AssetFactsRow; key: StatKey }): Promise<void> {
    const { store } = this.d;
    let facts = l.facts;
    const p = l.s.ref.path;
    const picture = this.d.fingerprint && needsFingerprint(facts.printState) ? await sniffPicture(p) : null;
    if (this.d.fingerprint && decodesFast(picture)) {
      const made = await fingerprintPath(p, this.d.fingerprint, this.d.clock.iso(), picture);
      // Recorded only if the file still holds the content that was judged.
      const same = await lstat(p, { bigint: true }).then((st) => sameStat(statKey(st), l.key), () => false);
      if (made && same) {
        await store.fingerprints.put(facts.asset.id, made.info, made.frames);
        // What was just written, without asking for it back.
        facts = { ...facts, printState: { asset_id: facts.asset.id, ...made.info }, prints: made.frames.map((f, i) => ({ id: -1 - i, asset_id: facts.asset.id, seconds: f.seconds, hash: f.hash, low_detail: f.lowDetail ? 1 : 0 })) };
      }
    }
    // A picture not decoded within budgets.decodeSeconds cannot be compared: held like one that cannot be read.
    const print = facts.printState;
    const overBudget = print?.state === "error" && print.reason?.startsWith(OVER_BUDGET) ? print.reason : null;
    const { decision, evidence } = await judgeRecorded({ store, reader: this.d.reader }, facts, { path: p, stable: true, readError: overBudget, expensive: true }, this.policy);
    return this.decided(l.s, decision, facts.asset, l.key, facts.asset.sha256, evidence);
  }

  // ------------------------------------------------------------------ act

  private async decided(s: PathState, decision: GateDecision, asset: AssetRow | null, key: StatKey | null, sha256: string | null, evidence: readonly Evidence[]): Promise<void> {
    if (decision.action === "allow") {
      s.read = null;
      return this.done(s);
    }
    if (decision.action === "wait") {
      if (key) return this.waitQuiet(s, key);
      return this.done(s);
    }
    this.acts.push({ s, decision, asset, key, sha256, evidence });
    this.pump();
  }

  private async act(a: { s: PathState; decision: GateDecision; asset: AssetRow | null; key: StatKey | null; sha256: string | null; evidence: readonly Evidence[] }): Promise<void> {
    const { s, decision, asset, key } = a;
    const row = await this.d.quarantine.quarantine({
      path: s.ref.path,
      raw: s.ref.raw,
      kind: decision.action === "block" ? "blocked" : "held",
      reason: decision.reason,
      evidence: a.evidence.filter((e) => e.signal !== "info"),
      sha256: a.sha256,
      assetId: asset?.id ?? null,
      dev: key?.dev ?? null,
      ino: key?.ino ?? null,
    });
    this.storeFaults.delete(s.ref.path);
    s.read = null;
    const detail = { quarantineId: row.id, quarantinePath: row.quarantine_path, sha256: row.sha256 };
    if (row.state === "moved") this.d.onNotice?.({ event: row.kind, path: s.ref.path, reason: decision.reason, detail });
    else if (row.state === "stuck") this.d.onNotice?.({ event: "stuck", path: s.ref.path, reason: `${row.kind} but still in deliverables: ${row.error ?? "the move could not be done yet"}`, detail: { ...detail, fault: row.fault, nextTryAt: row.next_try_at } });
    if (row.state === "moved") {
      this.d.onMoved?.();
    } else if (row.state === "rolled-back") {
      // The file changed or vanished before it could be moved: whatever is there now is judged afresh.
      s.again = true;
    }
    this.done(s);
  }

  // ------------------------------------------------------------------ idle and close

  /** Resolves when no path is in a stage (scheduled re-checks may remain). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private isIdle(): boolean {
    for (const s of this.paths.values()) if (s.busy) return false;
    return this.knownBatch.length === 0;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    w.forEach((f) => f());
  }

  /** Stop looking at new paths; scheduled re-checks are dropped (the next start's reconcile finds them). */
  close(): void {
    this.closed = true;
    for (const s of this.paths.values()) if (s.timer) clearTimeout(s.timer);
    for (const [k, s] of this.paths) if (!s.busy) this.paths.delete(k);
    this.checkIdle();
  }
}
