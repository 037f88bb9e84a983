// A small pool of worker threads running c2pa-rs. Validation is CPU-bound (hashing whole
// assets in WASM) and c2pa-rs can panic or loop on hostile files, so it never runs on the
// caller's event loop, and a worker that hangs, crashes or panics is replaced, never reused.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { WorkerReply, WorkerRequest } from "./worker.js";

export interface PoolOptions {
  /** Default: min(2, available cores). */
  size?: number;
  /** Recycle a worker whose WASM memory grew past this (WASM memory never shrinks). Default 1 GiB. */
  maxWasmBytes?: number;
  /** Allow fault-injection hooks in jobs (tests only). */
  testHooks?: boolean;
  workerUrl?: URL;
}

export type PoolOutcome =
  | { kind: "reply"; reply: WorkerReply }
  | { kind: "timeout"; afterMs: number }
  | { kind: "crashed"; detail: string };

interface Pending {
  req: Omit<WorkerRequest, "id">;
  timeoutMs: number;
  resolve: (o: PoolOutcome) => void;
}

interface Slot {
  worker: Worker;
  job?: { id: number; pending: Pending; timer: NodeJS.Timeout } | undefined;
}

/**
 * The compiled worker sits beside this file in dist/. Tests import src/*.ts through vitest,
 * where no worker.js exists beside pool.ts: use the build's copy then (`npm test` builds first).
 */
function defaultWorkerUrl(): URL {
  const sibling = new URL("./worker.js", import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  return new URL("../../../dist/src/adapters/c2pa/worker.js", import.meta.url);
}

export class C2paWorkerPool {
  private readonly size: number;
  private readonly maxWasmBytes: number;
  private readonly testHooks: boolean;
  private readonly workerUrl: URL;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  /** Counters for tests and logs: how often a worker had to be replaced, and why. */
  readonly stats = { started: 0, timeouts: 0, crashes: 0, poisoned: 0, recycled: 0 };

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, opts.size ?? Math.min(2, availableParallelism()));
    this.maxWasmBytes = opts.maxWasmBytes ?? 1 << 30;
    this.testHooks = opts.testHooks ?? false;
    this.workerUrl = opts.workerUrl ?? defaultWorkerUrl();
  }

  run(req: Omit<WorkerRequest, "id">, timeoutMs: number): Promise<PoolOutcome> {
    if (this.closed) return Promise.reject(new Error("C2PA worker pool is closed"));
    return new Promise((resolve) => {
      this.queue.push({ req, timeoutMs, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve({ kind: "crashed", detail: "pool closed" });
    await Promise.all(this.slots.splice(0).map(async (s) => {
      if (s.job) {
        clearTimeout(s.job.timer);
        s.job.pending.resolve({ kind: "crashed", detail: "pool closed" });
      }
      await s.worker.terminate();
    }));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const pending = this.queue.shift() as Pending;
      this.dispatch(slot, pending);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerUrl, { workerData: { testHooks: this.testHooks } });
    this.stats.started += 1;
    const slot: Slot = { worker };
    worker.on("message", (reply: WorkerReply) => this.onReply(slot, reply));
    // 'error' (uncaught exception, OOM) is followed by 'exit'; treat both as one crash.
    worker.on("error", (err) => this.onDeath(slot, `worker error: ${err.message}`));
    worker.on("exit", (code) => this.onDeath(slot, `worker exited with code ${code}`));
    worker.unref(); // an idle pool must not keep the process alive
    this.slots.push(slot);
    return slot;
  }

  private dispatch(slot: Slot, pending: Pending): void {
    const id = this.nextId++;
    const timer = setTimeout(() => this.onTimeout(slot), pending.timeoutMs);
    slot.job = { id, pending, timer };
    slot.worker.ref(); // keep the process alive while a caller awaits this job
    slot.worker.postMessage({ ...pending.req, id } satisfies WorkerRequest);
  }

  private finish(slot: Slot, outcome: PoolOutcome): void {
    const job = slot.job;
    if (!job) return;
    clearTimeout(job.timer);
    slot.job = undefined;
    slot.worker.unref();
    job.pending.resolve(outcome);
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if (!slot.job || slot.job.id !== reply.id) return; // a late reply from a job already timed out
    this.finish(slot, { kind: "reply", reply });
    if (!reply.ok && reply.poisoned) {
      this.stats.poisoned += 1;
      this.retire(slot);
    } else if (reply.wasmBytes > this.maxWasmBytes) {
      this.stats.recycled += 1;
      this.retire(slot);
    }
    this.pump();
  }

  private onTimeout(slot: Slot): void {
    const afterMs = slot.job?.pending.timeoutMs ?? 0;
    this.stats.timeouts += 1;
    this.finish(slot, { kind: "timeout", afterMs });
    // terminate() stops the thread even inside a synchronous loop or a WASM call.
    this.retire(slot);
    this.pump();
  }

  private onDeath(slot: Slot, detail: string): void {
    if (!this.slots.includes(slot)) return; // already retired on purpose
    this.stats.crashes += 1;
    this.finish(slot, { kind: "crashed", detail });
    this.slots.splice(this.slots.indexOf(slot), 1);
    this.pump();
  }

  private retire(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate();
  }
}
