// A bounded work queue that coalesces by key (a path): however many events arrive for a
// path, it is handled once at a time, and again afterwards if more arrived meanwhile.
// Past `maxPending` keys it stops accepting and reports an overflow, so the caller runs a
// reconcile instead of holding unbounded memory.

export interface QueueOptions {
  concurrency: number;
  maxPending: number;
  handler: (key: string) => Promise<void>;
  onOverflow: () => void;
  onError: (key: string, err: unknown) => void;
}

export class WorkQueue {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ready = new Set<string>();
  private readonly running = new Set<string>();
  /** Keys pushed while being handled, with the delay asked for (the shortest, when pushed more than once). */
  private readonly again = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  overflowed = false;

  constructor(private readonly opts: QueueOptions) {}

  get pending(): number {
    return this.timers.size + this.ready.size + this.again.size;
  }

  get active(): number {
    return this.running.size;
  }

  /** Keys waiting or being handled, each once (for per-root counts in `prov status`). */
  *keys(): Iterable<string> {
    yield* this.timers.keys();
    yield* this.ready;
    for (const k of this.running) yield k;
    for (const k of this.again.keys()) if (!this.running.has(k)) yield k;
  }

  /** Handle `key` after `delayMs`; a key already waiting keeps its earlier turn. */
  push(key: string, delayMs = 0): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      // Handled again once this run ends, after the delay asked for (a file still being
      // written is looked at again when it may be stable, not at once in a busy loop).
      const had = this.again.get(key);
      this.again.set(key, had === undefined ? delayMs : Math.min(had, delayMs));
      return;
    }
    if (this.ready.has(key) || this.timers.has(key)) {
      if (delayMs === 0 && this.timers.has(key)) {
        clearTimeout(this.timers.get(key));
        this.timers.delete(key);
        this.ready.add(key);
        this.pump();
      }
      return;
    }
    if (this.pending >= this.opts.maxPending) {
      if (!this.overflowed) {
        this.overflowed = true;
        this.opts.onOverflow();
      }
      return;
    }
    if (delayMs > 0) {
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.ready.add(key);
          this.pump();
        }, delayMs),
      );
    } else {
      this.ready.add(key);
      this.pump();
    }
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.opts.concurrency && this.ready.size > 0) {
      const key = this.ready.values().next().value as string;
      this.ready.delete(key);
      this.running.add(key);
      void this.opts
        .handler(key)
        .catch((err: unknown) => this.opts.onError(key, err))
        .finally(() => {
          this.running.delete(key);
          const delay = this.again.get(key);
          if (delay !== undefined) {
            this.again.delete(key);
            this.push(key, delay);
          }
          if (this.pending === 0) this.overflowed = false;
          this.pump();
          if (this.running.size === 0 && this.ready.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            waiters.forEach((w) => w());
          }
        });
    }
  }

  /** Resolves when nothing is running or ready (delayed keys may remain). */
  idle(): Promise<void> {
    if (this.running.size === 0 && this.ready.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stop accepting; drop delayed keys (the next start's reconcile finds them again). */
  close(): void {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.ready.clear();
    this.again.clear();
  }
}
