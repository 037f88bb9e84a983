// Which `prov watch` holds a database: the watcher lease. Small on purpose: `prov status`
// loads this, not the whole service.
//
// The lease is the watcher row with a random token. It is claimed in one write transaction
// (the holder is checked and replaced in the same BEGIN IMMEDIATE), and the holder keeps
// proving it: each heartbeat updates only the row that carries its token. A holder whose
// heartbeat finds another token (or none) has lost the lease: it stops acting at once.
// After a pause (SIGSTOP, a frozen VM, a long GC) the holder cannot know whether another
// watcher took over while it was frozen, so before its next action it proves the lease
// again (a renewal naming its token) instead of trusting its in-memory flag.

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Repos, Store, WatcherRow } from "../src/ports.js";
import { LeaseError, StoreError } from "../src/domain/errors.js";
import { errnoCode } from "../src/errors.js";

/** A heartbeat older than this is a watcher that stopped without saying so: its lease may be taken over. */
export const STALE_MS = 10_000;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

/** Does this row's watcher still hold the lease: not stopped, a fresh heartbeat, and on this host a live pid. */
export function holdsLease(row: WatcherRow, now = Date.now()): boolean {
  if (row.stopped_at) return false;
  if (now - Date.parse(row.heartbeat_at) >= STALE_MS) return false;
  return !(row.host === hostname() && !pidAlive(row.pid));
}

/** "pid 4242 on host edit-02". */
export function holderName(row: Pick<WatcherRow, "pid" | "host">): string {
  return `pid ${row.pid} on host ${row.host}`;
}

/** The lease of one `prov watch`: claim, heartbeat, guard before each action, release. */
export class WatcherLease {
  readonly token = randomUUID();
  readonly host = hostname();
  /** Wall time of the last write that proved the lease (claim, heartbeat, renewal). */
  private provenAt = 0;
  /** Between a successful claim and the release. */
  private held = false;
  private lostError: LeaseError | null = null;
  private verifying: Promise<void> | null = null;

  /**
   * @param pauseMs more wall time than this since the last proof is a pause: the lease is
   *   proved again before the next action (the heartbeat proves it every few seconds).
   * @param onLost called once, when the lease is found lost.
   */
  constructor(
    private readonly store: Store,
    private readonly pauseMs: number,
    private readonly onLost: (err: LeaseError) => void,
    private readonly now: () => number = Date.now,
    private readonly pid = process.pid,
    /** The volume whose lease this is ('' : `prov watch` without --volume). */
    readonly volume = "",
  ) {}

  /** "the watcher lease of volume EDIT-A of DB" or "the watcher lease of DB". */
  private what(): string {
    return `the watcher lease${this.volume ? ` of volume ${this.volume}` : ""} of ${this.store.location}`;
  }

  get lost(): LeaseError | null {
    return this.lostError;
  }

  /** Claim the lease, or refuse with who holds it. Returns the row it replaced (a previous watcher's). */
  async claim(): Promise<WatcherRow | undefined> {
    const at = this.now();
    let r;
    try {
      r = await this.store.watcher.claim(this.volume, { pid: this.pid, host: this.host, token: this.token, now: new Date(at).toISOString() }, (row) => holdsLease(row, this.now()));
    } catch (err) {
      // Another process kept the write lock for the whole wait: typically a watcher frozen
      // (SIGSTOP, a frozen VM) in the middle of a write. Nobody can write until it resumes
      // or is killed, so the lease cannot be claimed now: say so and who it may be.
      if (!(err instanceof StoreError && errnoCode(err.cause) === "SQLITE_BUSY")) throw err;
      const row = await this.store.watcher.row(this.volume).catch(() => undefined);
      const who = row && !row.stopped_at ? ` (the watcher lease names ${holderName(row)}, last heartbeat ${row.heartbeat_at}; a paused watcher keeps the lock until it is resumed or killed)` : "";
      throw new LeaseError(`cannot claim ${this.what()}: the database is locked by another process${who}; try again later`, { cause: err });
    }
    if (!r.claimed) {
      throw new LeaseError(
        `another prov watch (${holderName(r.holder)}, last heartbeat ${r.holder.heartbeat_at}) holds ${this.what()}; ` +
          `only one watcher may run per ${this.volume ? "volume" : "database (without --volume)"}: stop it first, or wait until its heartbeat is ${STALE_MS / 1000} s old`,
      );
    }
    this.provenAt = at;
    this.held = true;
    return r.previous;
  }

  /** The heartbeat: writes the status into our row only. */
  async beat(ready: boolean, state: Record<string, unknown>): Promise<void> {
    if (this.lostError) throw this.lostError;
    const at = this.now();
    const ok = await this.store.watcher.heartbeat(this.volume, this.token, new Date(at).toISOString(), ready, state);
    if (ok) this.provenAt = at;
    else await this.found();
  }

  /**
   * Before an action (a quarantine move, a settle): throws when the lease is lost. Cheap
   * (a flag) unless the process was paused since the last proof: then the lease is proved
   * again first. With `tx` (inside a write transaction) the lease is proved in it, so what
   * the transaction commits (a quarantine intent) is committed only by the holder.
   */
  async guard(tx?: Repos): Promise<void> {
    if (this.lostError) throw this.lostError;
    if (tx) {
      // Inside a write transaction: prove it there (the store runs one transaction at a time).
      const at = this.now();
      if (await tx.watcher.renew(this.volume, this.token, new Date(at).toISOString())) this.provenAt = at;
      else await this.found(await tx.watcher.row(this.volume));
      return;
    }
    const since = this.now() - this.provenAt;
    if (since > this.pauseMs || since < 0) await this.verify();
  }

  /**
   * The store's fence (Store.guardWrites), inside every write transaction: nothing is
   * written once the lease is lost, and after a pause the lease is proved in the same
   * transaction before the write goes ahead. Cheap otherwise: a flag and a clock.
   */
  async guardWrite(tx: Repos): Promise<void> {
    if (!this.held) return;
    if (this.lostError) throw this.lostError;
    const since = this.now() - this.provenAt;
    if (since <= this.pauseMs && since >= 0) return;
    const at = this.now();
    if (await tx.watcher.renew(this.volume, this.token, new Date(at).toISOString())) this.provenAt = at;
    else await this.found(await tx.watcher.row(this.volume));
  }

  /** Prove the lease again now (one renewal naming our token); concurrent callers share it. */
  verify(): Promise<void> {
    this.verifying ??= (async () => {
      try {
        const at = this.now();
        if (await this.store.watcher.renew(this.volume, this.token, new Date(at).toISOString())) this.provenAt = at;
        else await this.found();
      } finally {
        this.verifying = null;
      }
    })();
    return this.verifying;
  }

  /** Give the lease up at a graceful stop (nothing when it was lost). */
  async release(): Promise<void> {
    if (this.lostError || !this.held) return;
    await this.store.watcher.release(this.volume, this.token, new Date(this.now()).toISOString());
    this.held = false;
  }

  /** The lease is not ours any more: say to whom, once, and throw. */
  private async found(row?: WatcherRow): Promise<never> {
    if (!this.lostError) {
      const holder = row ?? (await this.store.watcher.row(this.volume).catch(() => undefined));
      const to = holder && holder.token !== this.token && !holder.stopped_at ? holderName(holder) : "nobody (the lease row was removed or marked stopped)";
      this.lostError = new LeaseError(`lost the watcher lease to ${to}: stopping`);
      this.onLost(this.lostError);
    }
    throw this.lostError;
  }
}
