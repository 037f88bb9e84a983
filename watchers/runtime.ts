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
import type { Clock, MetadataReader, Store, WatcherRow } from "../src/ports.js";
import { errorMessage, InputError } from "../src/domain/errors.js";
import { errnoCode } from "../src/errors.js";
import { fsTypeOf, isNetworkFsType } from "../src/adapters/fs/fsinfo.js";
import { log } from "../src/log.js";
import { exists } from "../src/adapters/fs/move.js";
import { Quarantine } from "../src/app/quarantine.js";
import { ignoreMatcher, walk, walkBatches } from "../src/adapters/fs/walk.js";
import { lstat } from "node:fs/promises";
import { statKey } from "../src/adapters/fs/hash.js";
import { statKeyString } from "../src/domain/identity.js";
import { unpackCached } from "../src/app/ingest/stat-cache.js";
import { describeWatchError, watchRoot, type ChangeKind, type RootWatch } from "./backends.js";
import { DeliverablesGate, EVENT_DELAY_MS } from "./gate.js";
import { isUnder, WorkingIngest } from "./ingest.js";
import { WorkQueue } from "./queue.js";
import { liveWatcher, pidAlive } from "./lock.js";


const HEARTBEAT_MS = 2000;
const VANISH_DELAY_MS = 1500;
const MAX_PENDING = 200_000;

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

export class WatchRuntime {
  private readonly roots: RootState[];
  private readonly gate: DeliverablesGate;
  private readonly ingest: WorkingIngest;
  private readonly ingestQueue: WorkQueue;
  private readonly quarantine: Quarantine;
  private readonly ignored: ReturnType<typeof ignoreMatcher>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly vanishing = new Map<string, Set<string>>();
  private vanishTimer: NodeJS.Timeout | null = null;
  private lastEventId = 0;
  private ready = false;
  /** Every root walked and compared with the store since start (the catch-up is done). */
  private reconciled = false;
  private stopping = false;
  private readonly errorLog = new Map<string, number>();

  private readonly settleDeps: Parameters<typeof settle>[0];

  constructor(
    private readonly config: Config,
    private readonly store: Store,
    private readonly reader: MetadataReader,
    version: string,
    private readonly clock: Clock,
  ) {
    const matcher = folderMatcher(config.folderRules);
    const stableMs = config.gate.stableSeconds * 1000;
    this.quarantine = new Quarantine(store, config.roots.quarantine ?? "", version, stableMs, clock);
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
        const outcome = await this.ingest.handle(p, this.isMedia(p));
        if (outcome === "wait") this.ingestQueue.push(p, Math.max(stableMs, 250));
        else if (outcome === "directory" || outcome === "gone") await this.directoryChanged("working", p, outcome);
      },
    });
    this.roots = [
      ...config.roots.deliverables.map((root) => this.rootState(root, "deliverables")),
      ...config.roots.working.filter((w) => !config.roots.deliverables.includes(w)).map((root) => this.rootState(root, "working")),
    ];
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
    };
  }

  async start(): Promise<void> {
    const other = await liveWatcher(this.store);
    if (other) throw new InputError(`another prov watch (pid ${other.pid} on ${other.host}) is using ${this.store.location}; only one watcher may run per database`);
    const previous = await this.store.watcher.row();
    for (const pid of this.reader.endOrphans(orphanedReaderPids(previous))) {
      log.warn(`ended ExifTool process ${pid} left by a watcher that was killed (pid ${previous?.pid})`);
    }
    await this.store.watcher.claim(process.pid, hostname(), this.clock.iso());
    this.lastEventId = await this.store.events.lastId();
    await this.quarantine.recover();

    for (const r of this.roots) await this.watch(r);
    this.ready = true;
    await this.heartbeat();
    log.info(`watching ${this.roots.length} root(s); ready`, { roots: this.roots.map((r) => ({ root: r.root, role: r.role, mode: r.mode, backend: r.backend })) });
    for (const r of this.roots) if (r.note) log.info(`${r.root}: ${r.note}`);

    const every = (ms: number, fn: () => Promise<void>, what: string): void => {
      this.timers.push(setInterval(() => void fn().catch((err: unknown) => this.logError(what, err)), ms));
    };
    every(HEARTBEAT_MS, () => this.heartbeat(), "heartbeat");
    every(Math.max(500, Math.min(5000, this.config.gate.stableSeconds * 1000)), () => this.retryStuck(), "retrying moves");
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

  /** One log line per kind of error per minute: a flapping share must not fill the disk. */
  private logError(what: string, err: unknown): void {
    const key = `${what}:${errnoCode(err) ?? errorMessage(err).slice(0, 60)}`;
    const last = this.errorLog.get(key) ?? 0;
    if (Date.now() - last < 60_000) return;
    this.errorLog.set(key, Date.now());
    log.error(`${what}: ${describeWatchError(err)}`);
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
      const result = await this.ingest.vanished(root, [...expanded], r?.suspectedUnmount ?? false);
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
      if (vanished.length > 0) {
        const result = await this.ingest.vanished(r.root, vanished);
        r.suspectedUnmount = result.suspected;
      } else r.suspectedUnmount = false;
    }
    r.lastReconcile = this.clock.iso();
    r.reconciling = false;
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
  private async retryStuck(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const row of await this.store.quarantine.rows(["stuck"])) {
        if (this.stopping) return;
        const after = await this.quarantine.attempt(row);
        // Abandoned (the file changed or was replaced): whatever is there now is judged afresh.
        if (after.state === "rolled-back") this.gate.submit({ path: row.original_path, ...(row.original_raw ? { raw: row.original_raw } : {}) });
        if (after.state === "moved") void this.settleMoved().catch((err: unknown) => this.logError("verifying quarantined files", err));
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

  /** Re-judge deliverables whose asset's status changed elsewhere (approve, revoke, tag). */
  private async rejudgeChanged(): Promise<void> {
    const events = await this.store.events.decisionsAfter(this.lastEventId);
    if (events.length === 0) return;
    this.lastEventId = events.at(-1)!.id;
    const assets = new Set(events.map((e) => e.asset_id).filter((a): a is number => a !== null));
    for (const assetId of assets) {
      for (const loc of await this.store.locations.ofAsset(assetId)) {
        if (loc.state === "present" && this.roots.some((r) => r.role === "deliverables" && isUnder(loc.path, r.root))) this.gate.submit({ path: loc.path });
      }
    }
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
      ready: this.ready,
      reconciled: this.reconciled,
      unknownPolicy: this.config.gate.unknown,
      roots: this.roots.map((r) => ({
        root: r.root,
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
      })),
      queue: { gate: this.gate.pending, ingest: this.ingestQueue.pending + this.ingestQueue.active },
      gate: { checks: this.gate.checks, stages: this.gate.stages() },
      exiftoolPids: this.reader.pids(),
      counts: {
        blocked: q["blocked/moved"] ?? 0,
        held: q["held/moved"] ?? 0,
        blockedStillPresent: (q["blocked/stuck"] ?? 0) + (q["held/stuck"] ?? 0),
        recorded: await this.store.assets.count(),
      },
    };
  }

  private async heartbeat(): Promise<void> {
    if (this.stopping) return;
    await this.rejudgeChanged();
    await this.store.watcher.heartbeat(process.pid, this.clock.iso(), this.ready, await this.status());
  }

  /** Graceful stop: no new work, let running work finish (bounded), release the lock. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.vanishTimer) clearTimeout(this.vanishTimer);
    await Promise.all(this.roots.map((r) => r.watch?.close().catch(() => undefined)));
    this.gate.close();
    this.ingestQueue.close();
    // Work not started is dropped: the next start's reconcile finds it again.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.gate.idle(), this.ingestQueue.idle()]), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    await this.store.watcher.release(process.pid, this.clock.iso());
    log.info("stopped");
  }
}
