// The long-running service: start (lock, recover interrupted moves, watch every root,
// catch-up reconcile), run (events → bounded queues → gate or ingest; reconcile on a
// timer, after errors and for new directories; heartbeat for `prov status`), and stop
// gracefully. Events are hints; the reconcile walk is the truth.

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import type { Store } from "../db/store.js";
import type { Config } from "../src/config.js";
import { folderMatcher } from "../src/detect/folders.js";
import { fingerprintOptions, matchingOf } from "../src/perceptual.js";
import { errnoCode, errorMessage, UsageError } from "../src/errors.js";
import { fsTypeOf, isNetworkFsType } from "../src/fsinfo.js";
import { log } from "../src/log.js";
import type { MetadataReader } from "../src/metadata/exiftool.js";
import { nowIso } from "../src/provenance.js";
import { exists } from "../src/quarantine/move.js";
import { Quarantine } from "../src/quarantine/quarantine.js";
import { ignoreMatcher, walk } from "../src/scan/walk.js";
import { describeWatchError, watchRoot, type ChangeKind, type RootWatch } from "./adapter.js";
import { DeliverablesGate } from "./gate.js";
import { isUnder, WorkingIngest } from "./ingest.js";
import { WorkQueue } from "./queue.js";

const HEARTBEAT_MS = 2000;
const STALE_MS = 10_000;
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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

/**
 * A watcher killed with SIGKILL (or by the OOM killer) leaves its ExifTool processes
 * waiting on a closed pipe forever. The next start ends them: the pids are in the last
 * heartbeat, and each is checked to still be an ExifTool -stay_open process first.
 */
function endOrphanedExiftool(row: ReturnType<Store["watcherRow"]>): void {
  if (!row || row.stopped_at || row.host !== hostname() || pidAlive(row.pid)) return;
  let pids: unknown;
  try {
    pids = (JSON.parse(row.state) as { exiftoolPids?: unknown }).exiftoolPids;
  } catch {
    return;
  }
  if (!Array.isArray(pids)) return;
  for (const pid of pids) {
    if (typeof pid !== "number") continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes("exiftool") && cmd.includes("-stay_open")) {
        process.kill(pid, "SIGTERM");
        log.warn(`ended ExifTool process ${pid} left by a watcher that was killed (pid ${row.pid})`);
      }
    } catch {
      // gone already, or not ours to read
    }
  }
}

/** Is another `prov watch` holding this database? */
export function liveWatcher(store: Store): { pid: number; host: string } | null {
  const row = store.watcherRow();
  if (!row || row.stopped_at) return null;
  const fresh = Date.now() - Date.parse(row.heartbeat_at) < STALE_MS;
  if (!fresh) return null;
  if (row.host === hostname() && !pidAlive(row.pid)) return null;
  return { pid: row.pid, host: row.host };
}

export class WatchRuntime {
  private readonly roots: RootState[];
  private readonly gate: DeliverablesGate;
  private readonly ingest: WorkingIngest;
  private readonly gateQueue: WorkQueue;
  private readonly ingestQueue: WorkQueue;
  private readonly quarantine: Quarantine;
  private readonly ignored: ReturnType<typeof ignoreMatcher>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly vanishing = new Map<string, Set<string>>();
  private vanishTimer: NodeJS.Timeout | null = null;
  private lastEventId = 0;
  private ready = false;
  private stopping = false;
  private readonly errorLog = new Map<string, number>();

  constructor(
    private readonly config: Config,
    private readonly store: Store,
    private readonly reader: MetadataReader,
    version: string,
  ) {
    const matcher = folderMatcher(config.folderRules);
    const stableMs = config.gate.stableSeconds * 1000;
    this.quarantine = new Quarantine(store, config.roots.quarantine ?? "", version, stableMs);
    const fingerprint = fingerprintOptions(config.fingerprint);
    const matching = matchingOf(config.fingerprint);
    this.gate = new DeliverablesGate({ store, reader, quarantine: this.quarantine, folderMatcher: matcher, unknownPolicy: config.gate.unknown, stableMs, fingerprint, matching });
    this.ingest = new WorkingIngest({ store, reader, folderMatcher: matcher, stableMs, fingerprint });
    this.ignored = ignoreMatcher(config.scan.ignore);
    const onOverflow = (): void => {
      log.warn("work queue full: events are dropped and a reconcile will catch up");
      this.scheduleReconcile();
    };
    const onError = (key: string, err: unknown): void => this.logError(`processing ${key}`, err);
    this.gateQueue = new WorkQueue({
      concurrency: 4,
      maxPending: MAX_PENDING,
      onOverflow,
      onError,
      handler: async (p) => {
        const outcome = await this.gate.check(p);
        if (outcome === "wait") this.gateQueue.push(p, Math.max(stableMs, 250));
        else if (outcome === "directory" || outcome === "gone") await this.directoryChanged("deliverables", p, outcome);
      },
    });
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
    const other = liveWatcher(this.store);
    if (other) throw new UsageError(`another prov watch (pid ${other.pid} on ${other.host}) is using ${this.store.file}; only one watcher may run per database`);
    endOrphanedExiftool(this.store.watcherRow());
    this.store.write(() => this.store.claimWatcher(process.pid, hostname(), nowIso()));
    this.lastEventId = this.store.lastEventId();
    await this.quarantine.recover();

    for (const r of this.roots) await this.watch(r);
    this.ready = true;
    this.heartbeat();
    log.info(`watching ${this.roots.length} root(s); ready`, { roots: this.roots.map((r) => ({ root: r.root, role: r.role, mode: r.mode, backend: r.backend })) });
    for (const r of this.roots) if (r.note) log.info(`${r.root}: ${r.note}`);

    this.timers.push(setInterval(() => this.heartbeat(), HEARTBEAT_MS));
    this.timers.push(setInterval(() => void this.retryStuck(), Math.max(500, Math.min(5000, this.config.gate.stableSeconds * 1000))));
    this.timers.push(setInterval(() => void this.settleBlocked(), Math.max(500, Math.min(2000, this.config.gate.stableSeconds * 1000))));
    this.timers.push(setInterval(() => this.scheduleReconcile(), this.config.watch.reconcileIntervalSeconds * 1000));
    // chokidar's polling never reports a dangling symbolic link (it cannot stat it): list the
    // polled deliverables for links each poll interval (names only, no stat per file).
    if (this.roots.some((r) => r.role === "deliverables" && r.mode === "polling")) {
      this.timers.push(setInterval(() => void this.findLinks(), this.config.watch.pollIntervalSeconds * 1000));
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
      if (kind === "addDir") void this.reconcileDir(r, p);
      else if (kind === "unlink" || kind === "unlinkDir") this.noteVanished(r, p);
      else this.gateQueue.push(p, 0);
      return;
    }
    if (kind === "addDir") void this.reconcileDir(r, p);
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
    this.vanishTimer ??= setTimeout(() => void this.flushVanished(), VANISH_DELAY_MS);
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
      for (const p of gone) for (const l of this.store.presentLocationsUnder(p)) expanded.add(l.path);
      const r = this.roots.find((x) => x.root === root);
      const result = this.ingest.vanished(root, [...expanded], r?.suspectedUnmount ?? false);
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

  /** Walk a root and compare with the database: enqueue what changed, mark what vanished. */
  private async reconcile(r: RootState): Promise<void> {
    r.reconciling = true;
    const started = Date.now();
    const seen = new Set<string>();
    let walkErrors = 0;
    for await (const e of walk(r.root, this.ignoredIn(r))) {
      if (this.stopping) return;
      if (e.type === "ignored") continue;
      if (e.type === "error") {
        if (r.role === "deliverables" && e.raw) {
          await this.holdUnaddressable(e.raw, e.path, e.reason);
          continue;
        }
        walkErrors++;
        this.logError(`reconciling ${r.root}`, new Error(`${e.path}: ${e.reason}`));
        continue;
      }
      seen.add(e.path);
      if (r.role === "deliverables") this.gateQueue.push(e.path, 0);
      else if (e.type === "file" && this.isMedia(e.path)) this.ingestQueue.push(e.path, 0);
      // Backpressure: never let a huge tree fill memory with queued paths.
      if (this.gateQueue.pending + this.ingestQueue.pending > MAX_PENDING / 2) await Promise.all([this.gateQueue.idle(), this.ingestQueue.idle()]);
    }
    if (walkErrors === 0) {
      // Let queued renames be followed first, or a renamed file's old path looks vanished.
      await this.ingestQueue.idle();
      const candidates = this.store.presentLocationsUnder(r.root).filter((l) => !seen.has(l.path) && !this.underOtherRoot(l.path, r));
      const vanished = [];
      for (const l of candidates) if (!(await exists(l.path))) vanished.push(l);
      if (vanished.length > 0) {
        const result = this.ingest.vanished(r.root, vanished.map((l) => l.path));
        r.suspectedUnmount = result.suspected;
      } else r.suspectedUnmount = false;
    }
    r.lastReconcile = nowIso();
    r.reconciling = false;
    log.debug(`reconciled ${r.root} (${seen.size} entries) in ${Date.now() - started} ms`);
  }

  private underOtherRoot(p: string, r: RootState): boolean {
    return this.roots.some((o) => o !== r && o.root.length > r.root.length && isUnder(p, o.root));
  }

  /** chokidar may miss files created in a new directory before it is watched (#1471). */
  private async reconcileDir(r: RootState, dir: string): Promise<void> {
    for await (const e of walk(dir, this.ignoredIn(r))) {
      if (this.stopping) return;
      if (e.type === "error" && r.role === "deliverables" && e.raw) await this.holdUnaddressable(e.raw, e.path, e.reason);
      if (e.type === "error" || e.type === "ignored") continue;
      if (r.role === "deliverables") this.gateQueue.push(e.path, 0);
      else if (e.type === "file" && this.isMedia(e.path)) this.ingestQueue.push(e.path, 0);
    }
  }

  private retrying = false;
  /** A name that is not UTF-8 in deliverables cannot be judged: fail closed, hold it. */
  private async holdUnaddressable(raw: Buffer, display: string, reason: string): Promise<void> {
    // One at a time: two walks of the same folder must not both move the same file.
    const next = this.holding.then(() =>
      this.quarantine.holdRaw(raw, display, `cannot be judged: ${reason}`).then(
        () => undefined,
        (err: unknown) => this.logError(`holding ${display}`, err),
      ),
    );
    this.holding = next;
    await next;
  }
  private holding: Promise<void> = Promise.resolve();

  private findingLinks = false;
  private async findLinks(): Promise<void> {
    if (this.findingLinks) return;
    this.findingLinks = true;
    try {
      for (const r of this.roots) {
        if (r.role !== "deliverables" || r.mode !== "polling") continue;
        for await (const e of walk(r.root, () => false)) {
          if (this.stopping) return;
          if (e.type === "symlink") this.gateQueue.push(e.path, 0);
          else if (e.type === "error" && e.raw) await this.holdUnaddressable(e.raw, e.path, e.reason);
        }
      }
    } catch (err) {
      this.logError("listing deliverables for links", err);
    } finally {
      this.findingLinks = false;
    }
  }

  private async retryStuck(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const row of this.store.quarantineRows(["stuck"])) {
        if (this.stopping) return;
        const after = await this.quarantine.attempt(row);
        // Abandoned (the file changed or was replaced): whatever is there now is judged afresh.
        if (after.state === "rolled-back") this.gateQueue.push(row.original_path, 0);
      }
    } finally {
      this.retrying = false;
    }
  }

  private settling = false;
  /** Files blocked mid-write: hash and record their final content once settled. */
  private async settleBlocked(): Promise<void> {
    if (this.settling) return;
    this.settling = true;
    try {
      for (const row of this.store.unsettledQuarantine()) {
        if (this.stopping) return;
        await this.gate.settle(row).catch((err: unknown) => this.logError(`settling quarantine ${row.id}`, err));
      }
    } finally {
      this.settling = false;
    }
  }

  /** Re-judge deliverables whose asset's status changed elsewhere (approve, revoke, tag). */
  private rejudgeChanged(): void {
    const events = this.store.decisionEventsAfter(this.lastEventId);
    if (events.length === 0) return;
    this.lastEventId = events.at(-1)!.id;
    const assets = new Set(events.map((e) => e.asset_id).filter((a): a is number => a !== null));
    for (const assetId of assets) {
      for (const loc of this.store.locationsOf(assetId)) {
        if (loc.state === "present" && this.roots.some((r) => r.role === "deliverables" && isUnder(loc.path, r.root))) this.gateQueue.push(loc.path, 0);
      }
    }
  }

  status(): Record<string, unknown> {
    const q = this.store.quarantineCounts();
    // Paths queued per root: the gate's queue for deliverables, the ingest queue for working roots.
    const queued = new Map(this.roots.map((r) => [r, 0]));
    for (const [queue, role] of [[this.gateQueue, "deliverables"], [this.ingestQueue, "working"]] as const) {
      const roots = this.roots.filter((r) => r.role === role);
      for (const key of queue.keys()) {
        const r = roots.find((x) => key === x.root || key.startsWith(x.root.endsWith(path.sep) ? x.root : x.root + path.sep));
        if (r) queued.set(r, queued.get(r)! + 1);
      }
    }
    return {
      pid: process.pid,
      ready: this.ready,
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
      queue: { gate: this.gateQueue.pending + this.gateQueue.active, ingest: this.ingestQueue.pending + this.ingestQueue.active },
      exiftoolPids: this.reader.pids(),
      counts: {
        blocked: q["blocked/moved"] ?? 0,
        held: q["held/moved"] ?? 0,
        blockedStillPresent: (q["blocked/stuck"] ?? 0) + (q["held/stuck"] ?? 0),
        recorded: this.store.assetCount(),
      },
    };
  }

  private heartbeat(): void {
    if (this.stopping) return;
    try {
      this.rejudgeChanged();
      this.store.write(() => this.store.heartbeat(process.pid, nowIso(), this.ready, this.status()));
    } catch (err) {
      this.logError("heartbeat", err);
    }
  }

  /** Graceful stop: no new work, let running work finish (bounded), release the lock. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    if (this.vanishTimer) clearTimeout(this.vanishTimer);
    await Promise.all(this.roots.map((r) => r.watch?.close().catch(() => undefined)));
    this.gateQueue.close();
    this.ingestQueue.close();
    // Work not started is dropped: the next start's reconcile finds it again.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.gateQueue.idle(), this.ingestQueue.idle()]), new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    this.store.write(() => this.store.releaseWatcher(process.pid, nowIso()));
    log.info("stopped");
  }
}
