// worker_threads entry. One job at a time; a Rust panic (WebAssembly.RuntimeError) marks the
// worker poisoned so the pool replaces it: after a panic the WASM heap may be inconsistent.

import { parentPort, workerData } from "node:worker_threads";
import { initEngine, isWasmPanic, readerStats, runJob, wasmMemoryBytes, type EngineJob, type EngineResult, type EngineInfo } from "./engine.js";

export interface WorkerRequest extends EngineJob {
  id: number;
  /** Test-only fault injection; honoured only when the pool was created with testHooks. */
  hook?: "crash" | "hang" | "throw";
}

export type WorkerReply =
  | { id: number; ok: true; result: EngineResult; info: EngineInfo; elapsedMs: number; wasmBytes: number; reads: { reads: number; bytes: number; largest: number } }
  | { id: number; ok: false; error: string; poisoned: boolean; wasmBytes: number };

const port = parentPort;
if (!port) throw new Error("worker.js must run in a worker thread");
const testHooks = (workerData as { testHooks?: boolean } | undefined)?.testHooks === true;

port.on("message", (req: WorkerRequest) => {
  void handle(req);
});

async function handle(req: WorkerRequest): Promise<void> {
  const t0 = performance.now();
  try {
    if (testHooks && req.hook === "crash") process.exit(70); // ends this worker only
    if (testHooks && req.hook === "hang") for (;;) { /* a synchronous hang, like a WASM loop */ }
    if (testHooks && req.hook === "throw") {
      const panic = new Error("unreachable (injected panic)");
      panic.name = "RuntimeError";
      throw panic;
    }
    const info = await initEngine();
    const result = await runJob(req);
    const reply: WorkerReply = {
      id: req.id, ok: true, result, info, elapsedMs: performance.now() - t0, wasmBytes: wasmMemoryBytes(), reads: readerStats(),
    };
    port?.postMessage(reply);
  } catch (err) {
    const reply: WorkerReply = {
      id: req.id,
      ok: false,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      poisoned: isWasmPanic(err),
      wasmBytes: wasmMemoryBytes(),
    };
    port?.postMessage(reply);
  }
}
