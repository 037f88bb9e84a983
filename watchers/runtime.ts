// The long-running service: start (lock, recover interrupted moves, watch every root,
// catch-up reconcile), run (events → bounded queues → gate or ingest; reconcile on a
// timer, after errors and for new directories; heartbeat for `prov status`), and stop
// gracefully. Events are hints; the reconcile walk is the truth.

import { hostname } from "node:os";
import path from "node:path";
import type { Config } from "../src/config.js";
import { folderMatcher } from "../src/domain/folders.js";
import { fingerprintOptions, matchingOf } from "../src/domain/likeness.js";
import { settle } from "../src/app/settle.js";
import type { Clock, MetadataReader, QuarantineRow, Store, WatcherRow } from "../src/ports.js";
import { ConfigError, errorMessage, StoreError, type LeaseError } from "../src/domain/errors.js";
import { errnoCode } from "../src/errors.js";
import { fsTypeOf, isNetworkFsType } from "../src/adapters/fs/fsinfo.js";
import { log } from "../src/log.js";
import { exists } from "../src/adapters/fs/move.js";
import { Quarantine, removeSideHeartbeat, writeSideHeartbeat } from "../src/app/quarantine.js";
import { Notifier } from "../src/adapters/notify/notifier.js";
import { revokedNotices } from "../src/adapters/notify/revoked.js";
import { ignoreMatcher, walk, walkBatches } from "../src/adapters/fs/walk.js";
import { lstat } from "node:fs/promises";
import { statKey } from "../src/adapters/fs/hash.js";
import { statKeyString } from "../src/domain/identity.js";
import { unpackCached } from "../src/app/ingest/stat-cache.js";
import { describeWatchError, watchRoot, type ChangeKind, type RootWatch } from "./backends.js";
import { DeliverablesGate, EVENT_DELAY_MS } from "./gate.js";
import { isUnder, WorkingIngest } from "./ingest.js";
import { WorkQueue } from "./queue.js";
import { holderName, pidAlive, WatcherLease } from "./lock.js";
import { compareMount, viewMount, type RootMount } from "./mounts.js";
import { toStored } from "../src/domain/volumes.js";


const HEARTBEAT_MS = 2000;
/** More wall time than this since the lease was last proved is a pause: prove it again before acting. */
const PAUSE_MS = 2 * HEARTBEAT_MS;
/** How often a watcher without a decision wake-up (SQLite) looks for decisions made by other processes. */
const DECISION_POLL_MS = 400;
const VANISH_DELAY_MS = 1500;
const MAX_PENDING = 200_000;
const RETRY_TICK_MS = 1000;
/** The longest wait before a working-root file the database refused to record is tried again. */
const INGEST_RETRY_MAX_MS = 5 * 60_000;
/** A reconcile that failed half-way is tried again after this long. */
const RECONCILE_RETRY_MS = 5000;
/** A planned row this old that no move is carrying out was left by a failed write of its outcome. */
const STALE_PLAN_MS = 10_000;
/** How long a stop waits for notices still queued (a watcher going down: its own notice). */
const NOTIFY_STOP_MS = 5_000;
const NOTIFY_DOWN_MS = 10_000;

type Role = "working" | "deliverables";

interface RootState {
  root: string;
  role: Role;
  fsType: string | null;
  mode: "events" | "polling";
  backend: "dirs" | "chokidar";
  note: string | null;
  watch: RootWatch | null;
  lastReconcile: string | null;
  reconciling: boolean;
  suspectedUnmount: boolean;
  /** The share the root lives on (at start, or mounted onto it since). */
  home: RootMount | null;
  /** The filesystem the root was on at the last look (null: the path was gone). */
  lastMount: RootMount | null;
  /** Why the root's share is taken for unmounted (its files are then never marked missing). */
  unmounted: string | null;
  /** Why the root's volume is refused now (marker missing or another volume's), or null. */
  refused: string | null;
  /** A look at the mount in flight (the heartbeat's and a vanish's share it). */
  mountCheck: Promise<void> | null;
}

/**
 * A database that is damaged, or no longer the file at its path: nothing written to it
 * would be kept. An I/O error or a read-only database is not: it may clear (a full disk,
 * an immutable flag), and the gate retries what it could not record with backoff.
 */
function fatalStoreError(err: unknown): boolean {
  if (!(err instanceof StoreError)) return false;
  return /^SQLITE_(CORRUPT|NOTADB|READONLY_DBMOVED)/.test(errnoCode(err.cause) ?? "");
}

/** Pids of the ExifTool processes a killed watcher left, from its last heartbeat. */
function orphanedReaderPids(row: WatcherRow | undefined): number[] {
  if (!row || row.stopped_at || row.host !== hostname() || pidAlive(row.pid)) return [];
  try {
    const pids = (JSON.parse(row.state) as { exiftoolPids?: unknown }).exiftoolPids;
    return Array.isArray(pids) ? pids.filter((p): p is number => typeof p === "number") : [];
  } catch {
    return [];
  }
}

/** What a `prov watch --volume` (or one under systemd) adds to the runtime. */
export interface RuntimeOptions {
  /** The volume whose lease this watcher holds ('' or absent: the watcher without --volume). */
  volume?: string;
  /**
   * Why a root may not be watched now (its volume's marker is missing or names another
   * volume), or null: asked at start (refused) and on each mount check (the root is paused
   * as if unmounted: nothing under it is marked missing).
   */
  rootRefusal?: (root: string) => Promise<string | null>;
  /**
   * Only quarantine rows for files from this watcher's own roots are recovered, retried and
   * settled here (several watchers share one database); absent: every row (one watcher).
   */
  ownRowsOnly?: boolean;
  /** At each heartbeat tick, written or not (the systemd watchdog: the event loop is alive). */
  onBeat?: () => void;
}

export class WatchRuntime {
  private readonly roots: RootState[];
  private readonly gate: DeliverablesGate;
  private readonly ingest: WorkingIngest;
  private readonly ingestQueue: WorkQueue;
  private readonly quarantine: Quarantine;
  /** The notices' channels (config notify: command hook, webhook, mail), or null. */
  private readonly notifier: Notifier | null;
  private readonly ignored: ReturnType<typeof ignoreMatcher>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly vanishing = new Map<string, Set<string>>();
  private vanishTimer: NodeJS.Timeout | null = null;
  private lastEventId = 0;
  private ready = false;
  /** Every root walked and compared with the store since start (the catch-up is done). */
  private reconciled = false;
  /** Working-root paths whose recording the database refused, by attempts so far (retried with backoff). */
  private readonly ingestFaults = new Map<string, number>();
  private stopping = false;
  private readonly errorLog = new Map<string, number>();
  private readonly lease: WatcherLease;
  /** Resolves when this watcher finds its lease taken over: it has stopped acting and must exit. */
  readonly lost: Promise<LeaseError>;

  private readonly settleDeps: Parameters<typeof settle>[0];

  constructor(
    private readonly config: Config,
    private readonly store: Store,
    private readonly reader: MetadataReader,
    version: string,
    private readonly clock: Clock,
    private readonly opts: RuntimeOptions = {},
  ) {
    let lost!: (err: LeaseError) => void;
    this.lost = new Promise((r) => (lost = r));
    this.lease = new WatcherLease(store, PAUSE_MS, (err) => {
      this.leaseLost();
      lost(err);
    }, Date.now, process.pid, opts.volume ?? "");
    // The store's fence: no write once the lease is lost, and none after a pause before it is proved.
    store.guardWrites((tx) => this.lease.guardWrite(tx));
    const matcher = folderMatcher(config.folderRules);
    const stableMs = config.gate.stableSeconds * 1000;
    // Every move starts only while the lease is ours (proved again after a pause).
    this.notifier = config.notify ? Notifier.fromConfig(config.notify, config.file, version) : null;
    this.quarantine = new Quarantine(store, config.roots.quarantine ?? "", version, stableMs, clock, (tx) => this.lease.guard(tx), () => this.lease.lost, (row) => this.owns(row));
    const fingerprint = fingerprintOptions(config.fingerprint, config.budgets.decodeSeconds);
    const matching = config.fingerprint.enabled ? matchingOf(config.fingerprint) : undefined;
    this.gate = new DeliverablesGate({
      store,
      reader,
      quarantine: this.quarantine,
      folderMatcher: matcher,
      unknownPolicy: config.gate.unknown,
      stableMs,
      clock,
      fingerprint,
      matching,
      onPath: (ref, what) => void this.directoryChanged("deliverables", ref.path, what).catch((err: unknown) => this.logError(`following ${ref.path}`, err)),
      onError: (what, err) => this.logError(what, err),
      onMoved: () => void this.settleMoved().catch((err: unknown) => this.logError("verifying quarantined files", err)),
      onNotice: (n) => this.notifier?.notify(n),
    });
    this.settleDeps = { store, reader, quarantine: this.quarantine, folderMatcher: matcher, policy: { unknownPolicy: config.gate.unknown, matching }, fingerprint, stableMs, clock };
    this.ingest = new WorkingIngest({ store, reader, folderMatcher: matcher, stableMs, fingerprint, clock });
    this.ignored = ignoreMatcher(config.scan.ignore);
    const onOverflow = (): void => {
      log.warn("work queue full: events are dropped and a reconcile will catch up");
      this.scheduleReconcile();
    };
    const onError = (key: string, err: unknown): void => this.logError(`processing ${key}`, err);
    this.ingestQueue = new WorkQueue({
      concurrency: 96, // most wait on a shared ExifTool batch
      maxPending: MAX_PENDING,
      onOverflow,
      onError,
      handler: async (p) => {
        let outcome;
        try {
          outcome = await this.ingest.handle(p, this.isMedia(p));
        } catch (err) {
          // The database refused (a server restarting, a lost connection, a read-only or full
          // file): the file is recorded later, not forgotten until the next reconcile (900 s
          // by default; before, `prov status` said idle with it unrecorded). Looked at again
          // after 1 s, doubling to 5 min, as the gate does what it could not record.
          if (!(err instanceof StoreError) || fatalStoreError(err) || this.stopping) throw err;
          const attempts = (this.ingestFaults.get(p) ?? 0) + 1;
          this.ingestFaults.set(p, attempts);
          const delay = Math.min(INGEST_RETRY_MAX_MS, 1000 * 2 ** Math.min(20, attempts - 1));
          this.logError(`processing ${p} (tried again in ${delay / 1000} s)`, err);
          // (Pushed while it runs: the queue keeps the delay and schedules it once this run ends.)
          this.ingestQueue.push(p, delay);
          return;
        }
        this.ingestFaults.delete(p);
        if (outcome === "wait") this.ingestQueue.push(p, Math.max(stableMs, 250));
        else if (outcome === "directory" || outcome === "gone") await this.directoryChanged("working", p, outcome);
      },
    });
    this.roots = [
      ...config.roots.deliverables.map((root) => this.rootState(root, "deliverables")),
      ...config.roots.working.filter((w) => !config.roots.deliverables.includes(w)).map((root) => this.rootState(root, "working")),
    ];
  }

  /** Is this quarantine row this watcher's to finish, retry and settle (its file came from one of our roots)? */
  private owns(row: Pick<QuarantineRow, "original_path">): boolean {
    if (!this.opts.ownRowsOnly) return true;
    return this.config.roots.deliverables.some((root) => row.original_path === root || isUnder(row.original_path, root));
  }

  private rootState(root: string, role: Role): RootState {
    const fsType = fsTypeOf(root);
    const network = fsType !== null && isNetworkFsType(fsType);
    const polling = this.config.watch.polling === "always" || (this.config.watch.polling === "auto" && network);
    return {
      root,
      role,
      fsType,
      mode: polling ? "polling" : "events",
      // Native events: one fs.watch per directory (it also reports dangling links, which
      // chokidar drops). Polling (network roots): chokidar.
      backend: polling ? "chokidar" : "dirs",
      note: network ? `network filesystem (${fsType}): inotify does not see other clients' writes, so polling plus reconcile` : null,
      watch: null,
      lastReconcile: null,
      reconciling: false,
      suspectedUnmount: false,
      home: null,
      lastMount: null,
      unmounted: null,
      refused: null,
      mountCheck: null,
    };
  }

  /** Refused (LeaseError) when another watcher holds the database's lease. */
  async start(): Promise<void> {
    // A root on a volume whose marker is missing or another volume's is refused before the lease is claimed.
    for (const r of this.roots) {
      const refusal = await this.opts.rootRefusal?.(r.root);
      if (refusal) throw new ConfigError(`cannot watch ${r.root}: ${refusal}`);
    }
    // The check of the holder and the claim are one transaction: of two watchers started
    // at once, one gets the lease and the other is refused here.
    const previous = await this.lease.claim();
    try {
      await this.startClaimed(previous);
    } catch (err) {
      // A start that failed after the claim leaves no timer or watch running and gives the lease back.
      this.stopping = true;
      for (const t of this.timers) clearInterval(t);
      this.gate.close();
      this.ingestQueue.close();
      await Promise.all(this.roots.map((r) => r.watch?.close().catch(() => undefined)));
      await this.lease.release().catch(() => undefined);
      throw err;
    }
  }

  private every(ms: number, fn: () => Promise<void>, what: string): void {
    this.timers.push(setInterval(() => void fn().catch((err: unknown) => this.logError(what, err)), ms));
  }

  private async startClaimed(previous: WatcherRow | undefined): Promise<void> {
    // The lease is proved from now on, also while recovery and the first walks run.
    this.every(HEARTBEAT_MS, () => this.heartbeat(), "heartbeat");
    // The lease was taken over from a watcher that never said it stopped: it went down.
    if (previous && !previous.stopped_at) {
      this.notifier?.notify({
        event: "watcher-down",
        path: this.store.location,
        reason: `the previous prov watch (${holderName(previous)}) stopped without saying so; its last heartbeat was ${previous.heartbeat_at}; this watcher took over and catches up with what was delivered meanwhile`,
        detail: { pid: previous.pid, host: previous.host, lastHeartbeat: previous.heartbeat_at, takenOverBy: { pid: process.pid, host: hostname() } },
      });
    }
    for (const pid of this.reader.endOrphans(orphanedReaderPids(previous))) {
      log.warn(`ended ExifTool process ${pid} left by a watcher that was killed (pid ${previous?.pid})`);
    }
    this.lastEventId = await this.store.events.lastId();
    await this.quarantine.recover();

    for (const r of this.roots) {
      if (this.lease.lost) throw this.lease.lost; // taken over while starting: watch nothing more
      r.home = r.lastMount = (await viewMount(r.root)).now;
      await this.watch(r);
    }
    if (this.lease.lost) throw this.lease.lost;
    this.ready = true;
    await this.heartbeat();
    log.info(`watching ${this.roots.length} root(s); ready`, { roots: this.roots.map((r) => ({ root: r.root, role: r.role, mode: r.mode, backend: r.backend })) });
    for (const r of this.roots) if (r.note) log.info(`${r.root}: ${r.note}`);

    const every = this.every.bind(this);
    every(HEARTBEAT_MS, async () => void (await Promise.all(this.roots.map((r) => this.checkMount(r)))), "checking mounts");
    // Each row with a fault has its own next try (backoff, 1 s doubling to 5 min); this tick
    // only finds those due, and probes the rest cheaply (a fault that cleared: at once).
    every(RETRY_TICK_MS, () => this.retryStuck(), "retrying moves");
    every(Math.max(500, Math.min(2000, this.config.gate.stableSeconds * 1000)), () => this.settleMoved(), "verifying quarantined files");
    this.timers.push(setInterval(() => this.scheduleReconcile(), this.config.watch.reconcileIntervalSeconds * 1000));
    // Polling misses what it cannot see: a dangling symbolic link (chokidar cannot stat it),
    // and a file created in a new folder between chokidar's listing of the folder and its
    // first stat of it (or within the folder's timestamp granularity). Each poll interval
    // the polled deliverables are listed (names only, no stat per file) and any name not
    // seen in the last listing goes to the gate. Also for a root that falls back to polling.
    if (this.roots.some((r) => r.role === "deliverables")) {
      every(this.config.watch.pollIntervalSeconds * 1000, () => this.listPolled(), "listing polled deliverables");
    }
    // A decision committed anywhere wakes this watcher at once (PostgreSQL's NOTIFY); the
    // heartbeat's poll stays, for missed wake-ups and for SQLite.
    this.unsubscribeDecisions = this.store.onDecision?.(() => {
      if (this.ready && !this.stopping) void this.rejudgeChanged().catch((err: unknown) => this.logError("re-judging after a decision", err));
    }) ?? null;
    // Without a wake-up (SQLite), decisions are looked for every DECISION_POLL_MS, so a revoke
    // made by another process reaches the gate within a second, not at the next heartbeat.
    if (!this.store.onDecision) every(DECISION_POLL_MS, async () => void (this.ready && !this.stopping && (await this.rejudgeChanged())), "re-judging after a decision");
    // Catch-up for everything that happened while stopped; deliverables first.
    this.scheduleReconcile();
  }

  private async watch(r: RootState): Promise<void> {
    try {
      r.watch = await watchRoot(
        r.root,
        { backend: r.backend, polling: r.mode === "polling", intervalMs: this.config.watch.pollIntervalSeconds * 1000, ignored: this.ignoredIn(r) },
        { onChange: (p, kind) => this.onChange(r, p, kind), onError: (err) => this.onWatchError(r, err) },
      );
    } catch (err) {
      if (r.mode === "events") {
        r.note = describeWatchError(err);
        log.warn(`${r.root}: ${r.note}`);
        r.mode = "polling";
        r.backend = "chokidar";
        return this.watch(r);
      }
      throw err;
    }
  }

  /**
   * Working roots skip system litter (scan.ignore). Deliverables skip nothing: a GenAI file
   * renamed to `._shot.png` or `.DS_Store` must not slip through the gate.
   */
  private ignoredIn(r: RootState): ReturnType<typeof ignoreMatcher> {
    return r.role === "deliverables" ? () => false : this.ignored;
  }

  /** Watcher callbacks only enqueue. */
  private onChange(r: RootState, p: string, kind: ChangeKind): void {
    if (this.stopping) return;
    if (r.role === "deliverables") {
      if (kind === "addDir") void this.reconcileDir(r, p).catch((err: unknown) => this.logError(`walking ${p}`, err));
      else if (kind === "unlink" || kind === "unlinkDir") this.noteVanished(r, p);
      else this.gate.submit({ path: p }, EVENT_DELAY_MS);
      return;
    }
    if (kind === "addDir") void this.reconcileDir(r, p).catch((err: unknown) => this.logError(`walking ${p}`, err));
    else if (kind === "unlink" || kind === "unlinkDir") this.noteVanished(r, p);
    // Non-media names still go through: the "dirs" backend reports a new directory as a change.
    else this.ingestQueue.push(p, 0);
  }

  /**
   * The "dirs" backend reports names, not kinds: a name that is now a folder gets its own
   * watches and a walk (files created before the watch existed); a name that is gone may
   * have been a folder, whose watches are dropped, and is noted as vanished.
   */
  private async directoryChanged(role: Role, p: string, what: "directory" | "gone"): Promise<void> {
    const r = this.roots.find((x) => x.role === role && (isUnder(p, x.root) || p === x.root));
    if (!r) return;
    if (what === "gone") {
      r.watch?.removeDirectory(p);
      this.noteVanished(r, p);
      return;
    }
    if (p === r.root) return;
    try {
      await r.watch?.addDirectory(p);
    } catch (err) {
      this.onWatchError(r, err); // ENOSPC: this root falls back to polling
    }
    await this.reconcileDir(r, p);
  }

  private isMedia(p: string): boolean {
    const ext = this.config.scan.extensions;
    return ext === "all" || ext.includes(path.extname(p).slice(1).toLowerCase());
  }

  private onWatchError(r: RootState, err: unknown): void {
    this.logError(`watcher on ${r.root}`, err);
    if (errnoCode(err) === "ENOSPC" && r.mode === "events") {
      r.note = describeWatchError(err);
      r.mode = "polling";
      r.backend = "chokidar";
      void (async () => {
        await r.watch?.close();
        await this.watch(r);
      })().catch((e: unknown) => this.logError(`re-watching ${r.root} with polling`, e));
    }
    this.scheduleReconcile(r);
  }

  /**
   * Called once with an error the service cannot go on with (a damaged or deleted
   * database); `prov watch` stops gracefully and exits non-zero with the reason.
   */
  onFatal: ((what: string, err: unknown) => void) | null = null;

  /** One log line per kind of error per minute: a flapping share must not fill the disk. */
  private logError(what: string, err: unknown): void {
    if (fatalStoreError(err)) {
      this.onFatal?.(what, err);
      this.onFatal = null;
      return;
    }
    // A watcher that lost its lease says so once (the CLI prints it) and nothing else.
    if (this.lease.lost) return;
    const key = `${what}:${errnoCode(err) ?? errorMessage(err).slice(0, 60)}`;
    const last = this.errorLog.get(key) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.errorLog.set(key, Date.now());
    // ENOSPC from a watcher is the inotify limit; from anything else (a move, a receipt) a full disk.
    log.error(`${what}: ${what.startsWith("watcher on ") ? describeWatchError(err) : errorMessage(err)}`);
  }

  private noteVanished(r: RootState, p: string): void {
    let set = this.vanishing.get(r.root);
    if (!set) this.vanishing.set(r.root, (set = new Set()));
    set.add(p);
    this.vanishTimer ??= setTimeout(() => void this.flushVanished().catch((err: unknown) => this.logError("marking vanished files", err)), VANISH_DELAY_MS);
  }

  private async flushVanished(): Promise<void> {
    this.vanishTimer = null;
    const batches = [...this.vanishing.entries()];
    this.vanishing.clear();
    for (const [root, set] of batches) {
      const gone: string[] = [];
      for (const p of set) if (!(await exists(p))) gone.push(p);
      // A removed directory: its recorded files are gone too.
      const expanded = new Set(gone);
      for (const p of gone) for (const l of await this.store.locations.presentUnder(p)) expanded.add(l.path);
      const r = this.roots.find((x) => x.root === root);
      // Judged by the mount first: an unmounted share's files are not gone.
      if (r) await this.checkMount(r);
      const result = await this.ingest.vanished(root, [...expanded], (r?.suspectedUnmount ?? false) || (r?.unmounted ?? null) !== null);
      if (r) r.suspectedUnmount = result.suspected;
    }
  }

  private reconcileQueued = new Set<RootState>();
  private reconcileRunning = false;

  private scheduleReconcile(only?: RootState): void {
    for (const r of only ? [only] : this.roots) this.reconcileQueued.add(r);
    if (!this.reconcileRunning) void this.runReconciles();
  }

  private async runReconciles(): Promise<void> {
    this.reconcileRunning = true;
    try {
      while (!this.stopping && this.reconcileQueued.size > 0) {
        // Deliverables first: they are what the gate protects.
        const next = [...this.reconcileQueued].sort((a, b) => (a.role === b.role ? 0 : a.role === "deliverables" ? -1 : 1))[0]!;
        this.reconcileQueued.delete(next);
        await this.reconcile(next).catch((err: unknown) => this.logError(`reconciling ${next.root}`, err));
      }
    } finally {
      this.reconcileRunning = false;
    }
  }

  /**
   * Walk a root and compare with the database: enqueue what changed, mark what vanished.
   * Memory stays flat at a million files: the walk goes a folder at a time, a working
   * folder's files are compared with that folder's stat cache (only new or changed files
   * are queued), what was seen is kept as each folder's names, and the recorded paths are
   * read back a page at a time.
   */
  private async reconcile(r: RootState): Promise<void> {
    r.reconciling = true;
    try {
      await this.reconcileWalk(r);
    } catch (err) {
      // A walk that failed half-way (the database refused a read, a folder vanished under
      // it) is tried again soon, not at the next reconcile interval; `lastReconcile` keeps
      // the last one that finished, and `status` never shows the root reconciling forever.
      if (!this.stopping) setTimeout(() => this.scheduleReconcile(r), RECONCILE_RETRY_MS).unref();
      throw err;
    } finally {
      r.reconciling = false;
    }
  }

  private async reconcileWalk(r: RootState): Promise<void> {
    const started = this.clock.now();
    // Folder → names seen in it (names are small strings of their own; the folder string is shared).
    const seen = new Map<string, Set<string>>();
    let entries = 0;
    let walkErrors = 0;
    for await (const batch of walkBatches(r.root, this.ignoredIn(r))) {
      if (this.stopping) return;
      const media: string[] = [];
      for (const e of batch) {
        if (e.type === "error") {
          // A name that is not UTF-8: the gate judges it by its bytes.
          if (r.role === "deliverables" && e.raw) {
            this.gate.submit({ path: e.path, raw: e.raw });
            continue;
          }
          walkErrors++;
          this.logError(`reconciling ${r.root}`, new Error(`${e.path}: ${e.reason}`));
          continue;
        }
        if (e.type === "ignored") continue;
        entries++;
        const dir = e.path.slice(0, e.path.length - (e.name ?? path.basename(e.path)).length - 1);
        let names = seen.get(dir);
        if (!names) seen.set(dir, (names = new Set()));
        names.add(e.name ?? path.basename(e.path));
        if (r.role === "deliverables") this.gate.submit({ path: e.path });
        else if (e.type === "file" && this.isMedia(e.path)) media.push(e.path);
      }
      if (media.length > 0) for (const p of await this.changedIn(media)) this.ingestQueue.push(p, 0);
      // Backpressure: never let a huge tree fill memory with queued paths.
      if (this.gate.pending + this.ingestQueue.pending > MAX_PENDING / 2) await Promise.all([this.gate.idle(), this.ingestQueue.idle()]);
    }
    if (walkErrors === 0) {
      // Let queued renames be followed first, or a renamed file's old path looks vanished.
      await this.ingestQueue.idle();
      const vanished: string[] = [];
      for (let after: string | null = null; ; ) {
        const page: string[] = await this.store.locations.presentPathsUnder(r.root, after, 10_000);
        if (page.length === 0) break;
        after = page[page.length - 1]!;
        for (const p of page) {
          const cut = p.lastIndexOf(path.sep);
          if (seen.get(p.slice(0, cut))?.has(p.slice(cut + 1)) || this.underOtherRoot(p, r)) continue;
          if (!(await exists(p))) vanished.push(p);
        }
      }
      if (vanished.length > 0) await this.checkMount(r);
      if (r.unmounted !== null) r.suspectedUnmount = true;
      else if (vanished.length > 0) {
        const result = await this.ingest.vanished(r.root, vanished);
        r.suspectedUnmount = result.suspected;
      } else r.suspectedUnmount = false;
    }
    r.lastReconcile = this.clock.iso();
    if (!this.reconciled && this.roots.every((x) => x.lastReconcile !== null)) {
      this.reconciled = true;
      log.info("reconciled: every root was walked and compared with the database");
    }
    log.debug(`reconciled ${r.root} (${entries} entries) in ${this.clock.now() - started} ms`);
  }

  /** Of one folder's media files, those not unchanged since they were recorded (one query for the folder). */
  private async changedIn(files: readonly string[]): Promise<string[]> {
    const dir = path.dirname(files[0]!);
    const cache = await this.store.locations.statCacheIn(dir);
    if (cache.size === 0) return [...files];
    const stats = await Promise.all(files.map((p) => lstat(p, { bigint: true }).then(statKey, () => null)));
    return files.filter((p, i) => {
      const key = stats[i];
      return !key || unpackCached(cache.get(p), statKeyString(key)) === undefined;
    });
  }

  private underOtherRoot(p: string, r: RootState): boolean {
    return this.roots.some((o) => o !== r && o.root.length > r.root.length && isUnder(p, o.root));
  }

  /** chokidar may miss files created in a new directory before it is watched (#1471). */
  private async reconcileDir(r: RootState, dir: string): Promise<void> {
    for await (const e of walk(dir, this.ignoredIn(r))) {
      if (this.stopping) return;
      if (e.type === "error" && r.role === "deliverables" && e.raw) this.gate.submit({ path: e.path, raw: e.raw });
      if (e.type === "error" || e.type === "ignored") continue;
      if (r.role === "deliverables") this.gate.submit({ path: e.path });
      else if (e.type === "file" && this.isMedia(e.path)) this.ingestQueue.push(e.path, 0);
    }
  }

  private listing = false;
  /** Per polled deliverables root, the names its last listing saw. */
  private listed = new Map<string, Set<string>>();
  private async listPolled(): Promise<void> {
    if (this.listing) return;
    this.listing = true;
    try {
      for (const r of this.roots) {
        if (r.role !== "deliverables" || r.mode !== "polling") continue;
        const before = this.listed.get(r.root) ?? new Set<string>();
        const now = new Set<string>();
        let complete = true;
        for await (const e of walk(r.root, () => false)) {
          if (this.stopping) return;
          if (e.type === "error") {
            complete = false;
            if (e.raw) this.gate.submit({ path: e.path, raw: e.raw });
            continue;
          }
          if (e.type === "ignored") continue;
          now.add(e.path);
          // Links every time: a link re-pointed under the same name changes nothing chokidar sees.
          if (!before.has(e.path) || e.type === "symlink") this.gate.submit({ path: e.path });
        }
        // A listing cut short keeps what it saw before too: no name is judged twice for that.
        if (!complete) for (const p of before) now.add(p);
        this.listed.set(r.root, now);
      }
    } catch (err) {
      this.logError("listing polled deliverables", err);
    } finally {
      this.listing = false;
    }
  }

  private retrying = false;
  /** Per row with a fault, what its last probe saw (true: the fault looked clear). */
  private readonly probed = new Map<number, boolean>();
  /**
   * Moves that could not be done yet (stuck), and moved files whose receipt could not be
   * written: each is tried when its backoff is due, or at once when a cheap probe sees its
   * fault clear (the quarantine folder writable again, room for the file again). A probe
   * that keeps seeing "clear" while attempts still fail does not retry again: only a change
   * from "not clear" (or unknown, after a start) to "clear" does.
   */
  private async retryStuck(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      // Moves made while the store refused writes are recorded as soon as it takes them.
      if (this.quarantine.journalPending) {
        const imported = await this.quarantine.importJournal().catch((err: unknown) => {
          if (!(err instanceof StoreError)) throw err;
          return 0; // still refused: kept for the next tick
        });
        if (imported > 0) void this.settleMoved().catch((err: unknown) => this.logError("verifying quarantined files", err));
      }
      const rows = (await this.store.quarantine.faulted()).filter((row) => this.owns(row));
      const cache = new Map<string, Promise<unknown>>();
      const live = new Set<number>();
      for (const row of rows) {
        if (this.stopping) return;
        live.add(row.id);
        const due = row.next_try_at === null || Date.parse(row.next_try_at) <= this.clock.now();
        let cleared = false;
        if (!due) {
          const ok = await this.quarantine.probe(row, cache).catch(() => null);
          if (ok !== null) {
            cleared = ok && this.probed.get(row.id) !== true;
            this.probed.set(row.id, ok);
          }
          if (!cleared) continue;
          log.info(`${row.original_path}: the fault (${row.fault}) looks cleared; retrying now`, { quarantine_id: row.id });
        }
        if (row.state === "moved") {
          const after = await this.quarantine.retryReceipt(row);
          if (after.fault === null) void this.settleMoved().catch((err: unknown) => this.logError("verifying quarantined files", err));
          continue;
        }
        const after = await this.quarantine.attempt(row);
        // Abandoned (the file changed or was replaced): whatever is there now is judged afresh.
        if (after.state === "rolled-back") this.gate.submit({ path: row.original_path, ...(row.original_raw ? { raw: row.original_raw } : {}) });
        if (after.state === "moved") void this.settleMoved().catch((err: unknown) => this.logError("verifying quarantined files", err));
      }
      for (const id of this.probed.keys()) if (!live.has(id)) this.probed.delete(id);
      // Intents whose outcome could not be recorded (the database refused the write) are
      // finished or rolled back here, not only at the next start.
      for (const row of await this.store.quarantine.rows(["planned"])) {
        if (this.stopping) return;
        if (!this.owns(row)) continue;
        if (this.clock.now() - Date.parse(row.planned_at) < STALE_PLAN_MS) continue;
        const after = await this.quarantine.resume(row);
        if (after?.state === "rolled-back") this.gate.submit({ path: row.original_path, ...(row.original_raw ? { raw: row.original_raw } : {}) });
        if (after?.state === "moved") void this.settleMoved().catch((err: unknown) => this.logError("verifying quarantined files", err));
      }
    } finally {
      this.retrying = false;
    }
  }

  private settling = false;
  private settleAgain = false;
  /** Every move verified: what was moved is what was judged (or it is judged again). */
  private async settleMoved(): Promise<void> {
    if (this.settling) {
      this.settleAgain = true;
      return;
    }
    this.settling = true;
    try {
      do {
        this.settleAgain = false;
        for (const row of await this.store.quarantine.unsettled()) {
          if (this.stopping) return;
          if (!this.owns(row)) continue;
          await this.lease.guard(); // settling writes receipts and may put a file back
          const r = await settle(this.settleDeps, row).catch((err: unknown) => {
            this.logError(`verifying quarantine ${row.id}`, err);
            return "later" as const;
          });
          if (r === "put-back") log.info(`${row.original_path}: put back (its content changed before the move and is allowed)`);
        }
      } while (this.settleAgain && !this.stopping);
    } finally {
      this.settling = false;
    }
  }

  /**
   * Re-judge deliverables whose asset's status changed elsewhere (approve, revoke, tag).
   * One look at a time (a wake-up, the decision poll and the heartbeat may ask at once: two
   * looks from the same event id would notify a revoke twice); asked while looking, it looks
   * again after.
   */
  private rejudgeChanged(): Promise<void> {
    if (this.rejudging) {
      this.rejudgeAgain = true;
      return this.rejudging;
    }
    this.rejudging = (async () => {
      do {
        this.rejudgeAgain = false;
        await this.rejudgeOnce();
      } while (this.rejudgeAgain && !this.stopping);
    })().finally(() => (this.rejudging = null));
    return this.rejudging;
  }
  private rejudging: Promise<void> | null = null;
  private rejudgeAgain = false;

  private async rejudgeOnce(): Promise<void> {
    const events = await this.store.events.decisionsAfter(this.lastEventId);
    if (events.length === 0) return;
    const after = this.lastEventId;
    this.lastEventId = events.at(-1)!.id;
    const assets = new Set(events.map((e) => e.asset_id).filter((a): a is number => a !== null));
    if (this.notifier) {
      const notifier = this.notifier;
      void revokedNotices(this.store, assets, after, this.lastEventId).then((ns) => ns.forEach((n) => notifier.notify(n)), (err: unknown) => this.logError("reading revoked approvals", err));
    }
    for (const assetId of assets) {
      for (const loc of await this.store.locations.ofAsset(assetId)) {
        if (loc.state === "present" && this.roots.some((r) => r.role === "deliverables" && isUnder(loc.path, r.root))) this.gate.submit({ path: loc.path });
      }
    }
  }

  /**
   * Has the root's filesystem changed since the last look? Unmounted: its watches are
   * gone and its files are not marked missing; remounted, or a share mounted onto it: it
   * is watched again and reconciled at once, not at the next reconcile.
   */
  private checkMount(r: RootState): Promise<void> {
    r.mountCheck ??= this.lookAtMount(r).finally(() => (r.mountCheck = null));
    return r.mountCheck;
  }

  private async lookAtMount(r: RootState): Promise<void> {
    if (this.stopping) return;
    // The volume at the mount must be the one named in the config: another volume mounted at
    // the same point (or none) pauses the root as if unmounted; the right one back resumes it.
    const refusal = (await this.opts.rootRefusal?.(r.root)) ?? null;
    if (refusal !== null) {
      if (r.refused === refusal) return;
      log.warn(`${r.root}: paused: ${refusal}; its files are not marked missing`);
      this.notifier?.notify({ event: "unmounted", path: r.root, reason: `${refusal}; its files are not marked missing`, detail: { role: r.role } });
      r.refused = refusal;
      r.unmounted = refusal;
      r.suspectedUnmount = true;
      r.lastMount = null;
      await r.watch?.close().catch(() => undefined);
      r.watch = null;
      return;
    }
    if (r.refused !== null) {
      log.info(`${r.root}: its volume is back (marker matches): watching it again and reconciling`);
      r.refused = null;
      r.unmounted = null;
      r.suspectedUnmount = false;
    }
    const change = compareMount(r.root, r.home, r.lastMount, await viewMount(r.root));
    if (change.kind === "same") return;
    if (change.kind === "gone") {
      if (r.lastMount === null && r.unmounted !== null) return;
      log.warn(`${r.root}: ${change.unmounted}; its files are not marked missing; watching for it to come back`);
      this.notifier?.notify({ event: "unmounted", path: r.root, reason: `${change.unmounted}; its files are not marked missing`, detail: { role: r.role } });
      r.unmounted = change.unmounted;
      r.suspectedUnmount = true;
      r.lastMount = null;
      await r.watch?.close().catch(() => undefined);
      r.watch = null;
      return;
    }
    r.lastMount = change.now;
    if (change.now.mountPoint !== "/" && change.unmounted === null) r.home = change.now;
    if (change.unmounted !== null && r.unmounted === null) this.notifier?.notify({ event: "unmounted", path: r.root, reason: `${change.unmounted}; its files are not marked missing`, detail: { role: r.role } });
    r.unmounted = change.unmounted;
    r.suspectedUnmount = change.unmounted !== null;
    log.warn(
      `${r.root}: now on ${change.now.mountPoint} (${change.now.fsType})${change.unmounted ? `; ${change.unmounted}, so its files are not marked missing` : ""}: watching it again and reconciling`,
    );
    await r.watch?.close().catch(() => undefined);
    r.watch = null;
    if (this.stopping) return;
    await this.watch(r);
    this.scheduleReconcile(r);
  }

  async status(): Promise<Record<string, unknown>> {
    const q = await this.store.quarantine.counts();
    // Paths queued per root: the gate's queue for deliverables, the ingest queue for working roots.
    const queued = new Map(this.roots.map((r) => [r, 0]));
    for (const [queue, role] of [[this.gate, "deliverables"], [this.ingestQueue, "working"]] as const) {
      const roots = this.roots.filter((r) => r.role === role);
      for (const key of queue.keys()) {
        const r = roots.find((x) => key === x.root || key.startsWith(x.root.endsWith(path.sep) ? x.root : x.root + path.sep));
        if (r) queued.set(r, queued.get(r)! + 1);
      }
    }
    return {
      pid: process.pid,
      volume: this.opts.volume ?? "",
      ready: this.ready,
      reconciled: this.reconciled,
      unknownPolicy: this.config.gate.unknown,
      roots: this.roots.map((r) => ({
        // Stored form on a volume (EDIT-A:/deliverables): `prov status` on any host shows it at that host's mount.
        root: toStored(r.root, this.config.volumes),
        role: r.role,
        fsType: r.fsType,
        mode: r.mode,
        backend: r.backend,
        watched: r.watch?.watched() ?? 0,
        queue: queued.get(r) ?? 0,
        note: r.note,
        lastReconcile: r.lastReconcile,
        reconciling: r.reconciling,
        suspectedUnmount: r.suspectedUnmount,
        unmounted: r.unmounted,
      })),
      notify: this.notifier?.status() ?? null,
      queue: { gate: this.gate.pending, ingest: this.ingestQueue.pending + this.ingestQueue.active },
      gate: { checks: this.gate.checks, stages: this.gate.stages() },
      exiftoolPids: this.reader.pids(),
      counts: {
        blocked: q["blocked/moved"] ?? 0,
        held: q["held/moved"] ?? 0,
        blockedStillPresent: (q["blocked/stuck"] ?? 0) + (q["held/stuck"] ?? 0),
        recorded: await this.store.assets.count(),
      },
      // Files the gate decided to move but could not record an intent for (the database
      // refused the write): retried by the gate with backoff, known only to this process.
      gateFaults: this.gate.faults(),
    };
  }

  /** Every HEARTBEAT_MS: prove the lease (only our token's row is written) and publish the status. */
  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    // The event loop is alive (the systemd watchdog): also while the database refuses writes,
    // when the gate goes on failing closed and must not be restarted for it.
    this.opts.onBeat?.();
    // Writes into a deleted or replaced database file are lost: stop, and say why.
    const gone = await this.store.health();
    if (gone) return this.logError("the database", new StoreError(`${gone}; stopping (restore it, or start over with prov watch --new-database)`, { cause: { code: "SQLITE_READONLY_DBMOVED" } }));
    // After a pause the lease is proved before anything is re-judged.
    await this.lease.guard();
    try {
      if (this.ready) await this.rejudgeChanged();
      await this.lease.beat(this.ready, await this.status());
      if (this.sideHeartbeat && this.config.roots.quarantine) {
        await removeSideHeartbeat(this.config.roots.quarantine);
        this.sideHeartbeat = false;
        log.info("the database takes writes again");
        this.notifier?.notify({ event: "database-takes-writes", path: this.store.location, reason: "the database takes writes again; the moves made without it are being recorded" });
      }
    } catch (err) {
      // A database that refuses writes cannot carry the heartbeat: `prov status` reads it
      // from the quarantine instead, with the reason (the gate goes on, failing closed).
      if (err instanceof StoreError) await this.heartbeatWithoutStore(err).catch(() => undefined);
      throw err;
    }
  }

  /** A heartbeat was written to the quarantine because the database refused it. */
  private sideHeartbeat = false;

  private async heartbeatWithoutStore(err: StoreError): Promise<void> {
    if (!this.config.roots.quarantine) return;
    if (!this.sideHeartbeat) {
      this.notifier?.notify({ event: "database-refuses-writes", path: this.store.location, reason: `${errorMessage(err)}: the gate goes on failing closed (each file judged on its own labels, moves journalled in the quarantine)` });
    }
    this.sideHeartbeat = true;
    await writeSideHeartbeat(this.config.roots.quarantine, {
      pid: process.pid,
      host: hostname(),
      at: this.clock.iso(),
      ready: this.ready,
      storeError: errorMessage(err),
      gateFaults: this.gate.faults(),
    });
  }

  /**
   * Another watcher holds the lease now: stop acting at once. No write reaches the
   * database any more (the store's fence: work still in flight fails), no new work starts, timers and watches
   * end; `lost` tells the CLI, which says so in one line and exits with its own code
   * (systemd restarts it, and that start is refused while the other watcher holds the lease).
   */
  private leaseLost(): void {
    this.stopping = true;
    this.unsubscribeDecisions?.();
    for (const t of this.timers) clearInterval(t);
    if (this.vanishTimer) clearTimeout(this.vanishTimer);
    this.gate.close();
    this.ingestQueue.close();
    void Promise.all(this.roots.map((r) => r.watch?.close().catch(() => undefined)));
  }

  /** Ends the decision wake-ups (onDecision), if the store gives them. */
  private unsubscribeDecisions: (() => void) | null = null;

  /**
   * Graceful stop: no new work, let running work finish (bounded), deliver the notices still
   * queued (bounded), release the lock. `down`: the reason it stops on an error it cannot go
   * on with; a watcher-down notice goes out first.
   */
  async stop(down?: string): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (down !== undefined) {
      this.notifier?.notify({ event: "watcher-down", path: this.store.location, reason: `prov watch (pid ${process.pid}) is stopping: ${down}; deliverables are not gated until it is started again`, detail: { pid: process.pid } });
    }
    this.unsubscribeDecisions?.();
    for (const t of this.timers) clearInterval(t);
    if (this.vanishTimer) clearTimeout(this.vanishTimer);
    await Promise.all(this.roots.map((r) => r.watch?.close().catch(() => undefined)));
    this.gate.close();
    this.ingestQueue.close();
    // Work not started is dropped: the next start's reconcile finds it again.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.gate.idle(), this.ingestQueue.idle()]), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    await this.notifier?.close(down !== undefined ? NOTIFY_DOWN_MS : NOTIFY_STOP_MS);
    await this.lease.release();
    log.info("stopped");
  }
}
