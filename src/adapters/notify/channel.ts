// One channel of the notifier (the command hook, the webhook, the mail): its own bounded
// queue and its own worker, so a receiver that hangs delays only its own notices, never
// another channel's and never the gate (which only pushes). Each notice is tried until it
// is delivered, fails for good (a refusal that would come again) or runs out of tries, with
// the waits of the retry policy in between; what cannot wait is dropped oldest first and
// counted. `prov status` shows the counts, what is pending and the last failure.

import { errorMessage } from "../../domain/errors.js";
import { log } from "../../log.js";
import { retryDelayMs, type RetryPolicy } from "./backoff.js";
import type { Envelope, NoticeKind } from "./notice.js";

export type ChannelName = "command" | "webhook" | "smtp";

/** A failed try, and whether another may succeed (and when the receiver asked to be tried again). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface Transport {
  readonly channel: ChannelName;
  /** How logs and `prov status` name where it delivers: never a secret. */
  readonly label: string;
  /** One try: resolves when the receiver took it; DeliveryError (or any error: not retried) otherwise. */
  deliver(e: Envelope, signal: AbortSignal): Promise<void>;
  close?(): void;
}

export interface ChannelStatus {
  /** Where it delivers (redacted: no user info, query values or key-like path segments). */
  target: string;
  sent: number;
  /** Failed for good: refused, or still failing after every try. */
  failed: number;
  /** Waiting, being tried, or waiting for the next try. */
  pending: number;
  /** Dropped unsent because the queue was full (oldest first). */
  dropped: number;
  /** Tries beyond the first. */
  retries: number;
  lastFailure: { at: string; kind: NoticeKind; error: string; attempts: number } | null;
  lastSentAt: string | null;
}

export interface ChannelOptions {
  policy: RetryPolicy;
  queueMax: number;
  random?: () => number;
  now?: () => number;
}

export class Channel {
  private readonly queue: Envelope[] = [];
  private current: Envelope | null = null;
  private running = false;
  private readonly state = { sent: 0, failed: 0, dropped: 0, retries: 0, lastFailure: null as ChannelStatus["lastFailure"], lastSentAt: null as string | null };
  private idleWaiters: Array<() => void> = [];
  /** Set by close(): no wait may end after it; at it, what is in flight is aborted. */
  private deadline: number | null = null;
  private wake: (() => void) | null = null;
  private inFlight: AbortController | null = null;
  private lastDropLog = 0;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    readonly transport: Transport,
    private readonly opts: ChannelOptions,
  ) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
  }

  push(e: Envelope): void {
    if (this.queue.length >= this.opts.queueMax) {
      this.queue.shift();
      this.state.dropped++;
      if (this.now() - this.lastDropLog > 60_000) {
        this.lastDropLog = this.now();
        log.warn(`notify ${this.transport.label}: queue full (${this.opts.queueMax}); the oldest notices are dropped (${this.state.dropped} so far)`);
      }
    }
    this.queue.push(e);
    if (!this.running) void this.drain();
  }

  status(): ChannelStatus {
    const s = this.state;
    return { target: this.transport.label, sent: s.sent, failed: s.failed, pending: this.queue.length + (this.current ? 1 : 0), dropped: s.dropped, retries: s.retries, lastFailure: s.lastFailure, lastSentAt: s.lastSentAt };
  }

  /** Resolves when nothing is queued or being tried. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Stop within `ms`: what is queued is still tried until then, but no retry waits past it;
   * at it, a try in flight is aborted and what is left fails ("the watcher stopped").
   */
  async close(ms: number): Promise<void> {
    this.deadline = this.now() + ms;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([this.idle().then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms)))]);
    clearTimeout(timer);
    if (timedOut) {
      const left = this.queue.splice(0);
      this.inFlight?.abort();
      this.wake?.();
      for (const e of left) this.fail(e, "not delivered: the watcher stopped first", 0, false);
      if (left.length > 0 || this.current) log.warn(`notify ${this.transport.label}: ${left.length + (this.current ? 1 : 0)} notice(s) not delivered before the watcher stopped`);
      // The aborted try settles at once; let its failure be counted before the last status.
      await Promise.race([this.idle(), new Promise((r) => setTimeout(r, 200).unref())]);
    }
    this.transport.close?.();
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let e = this.queue.shift(); e; e = this.queue.shift()) {
        this.current = e;
        await this.deliverOne(e);
        this.current = null;
      }
    } finally {
      this.current = null;
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((f) => f());
    }
  }

  private async deliverOne(e: Envelope): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) this.state.retries++;
      const ac = (this.inFlight = new AbortController());
      let failure: DeliveryError;
      try {
        await this.transport.deliver(e, ac.signal);
        this.state.sent++;
        this.state.lastSentAt = new Date(this.now()).toISOString();
        return;
      } catch (err) {
        failure = err instanceof DeliveryError ? err : new DeliveryError(errorMessage(err), false);
      } finally {
        this.inFlight = null;
      }
      if (ac.signal.aborted) return this.fail(e, `${failure.message}; not delivered: the watcher stopped first`, attempt);
      if (!failure.retryable) return this.fail(e, attempt > 1 ? `${failure.message} (try ${attempt}, not retried)` : failure.message, attempt);
      if (attempt >= this.opts.policy.attempts) return this.fail(e, attempt > 1 ? `${failure.message} (after ${attempt} tries)` : failure.message, attempt);
      const wait = retryDelayMs(attempt, this.opts.policy, this.random(), failure.retryAfterMs);
      if (!(await this.sleep(wait))) return this.fail(e, `${failure.message}; not tried again: the watcher stopped first`, attempt);
      log.debug(`notify ${this.transport.label}: ${e.event} notice ${e.id}: try ${attempt} failed (${failure.message}); tried again after ${wait} ms`);
    }
  }

  /** Wait `ms`; false when the wait would end after the close deadline (then it ends at once). */
  private async sleep(ms: number): Promise<boolean> {
    const until = this.now() + ms;
    for (;;) {
      if (this.deadline !== null && until > this.deadline) return false;
      const left = until - this.now();
      if (left <= 0) return true;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, left);
        t.unref();
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  private fail(e: Envelope, error: string, attempts: number, logIt = true): void {
    this.state.failed++;
    this.state.lastFailure = { at: new Date(this.now()).toISOString(), kind: e.event, error, attempts };
    if (logIt) log.warn(`notify ${this.transport.label} failed for a ${e.event} notice: ${error}`, { delivery: e.id });
  }
}
