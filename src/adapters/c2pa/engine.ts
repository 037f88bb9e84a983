// The part that runs inside a worker thread: owns the WASM instance, the offline fetch guard
// and the file-backed Blob. Nothing here is imported by the caller's thread.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { FileReaderSyncShim, installFileReaderSync, openFileBlob } from "./file-blob.js";
import { classifyReadError, normalizeStore, type NormalizedStore, type ReadErrorKind } from "./normalize.js";
import { checkSidecarBinding, SIDECAR_BINDING_ARTEFACTS } from "./sidecar.js";

// The binding's types are imported for their shapes only; the module is loaded dynamically
// after the globals it needs (FileReaderSync, fetch guard) are in place.
type C2paWasm = typeof import("@contentauth/c2pa-wasm");

export interface EngineJob {
  file: string;
  format: string;
  settingsJson: string;
  /** URL → path of a downloaded manifest store; served to c2pa-rs instead of the network. */
  remoteManifests: Record<string, string>;
  sidecar?: string;
}

export type EngineResult =
  | { kind: "store"; store: NormalizedStore; source: "embedded" | "sidecar" | "remote-local" }
  | ReadErrorKind;

export interface EngineInfo {
  c2paRsVersion: string;
  binding: string;
}

const require = createRequire(import.meta.url);
let wasm: C2paWasm | undefined;
let memory: { readonly buffer: ArrayBuffer } | undefined;
let info: EngineInfo | undefined;
let remote: Record<string, string> = {};
/** URLs c2pa-rs asked for during the current job (for the "remote-local" source tag). */
let servedRemote = 0;

/** Every request c2pa-rs makes from WASM goes through globalThis.fetch: answer from disk or refuse. */
function installOfflineFetch(): void {
  const offlineFetch = async (input: unknown): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const path = remote[url];
    if (path === undefined) throw new TypeError(`prov is offline: refused request to ${url}`);
    servedRemote += 1;
    const res = new Response(readFileSync(path), { status: 200, headers: { "content-type": "application/c2pa" } });
    // c2pa-rs parses response.url (for redirects); a constructed Response has "" there, which
    // made it throw "url parse" asynchronously and kill the worker.
    Object.defineProperty(res, "url", { value: url });
    return res;
  };
  Object.defineProperty(globalThis, "fetch", { value: offlineFetch, writable: false, configurable: false });
}

export async function initEngine(): Promise<EngineInfo> {
  if (info) return info;
  installFileReaderSync();
  installOfflineFetch();
  wasm = await import("@contentauth/c2pa-wasm");
  const wasmPath = require.resolve("@contentauth/c2pa-wasm/c2pa.wasm");
  const bytes = readFileSync(wasmPath);
  // initSync with the bytes: the default init would `fetch` the .wasm by URL.
  memory = wasm.initSync({ module: bytes }).memory;
  const pkg = JSON.parse(readFileSync(require.resolve("@contentauth/c2pa-wasm/package.json"), "utf8")) as { version: string };
  // The c2pa crate's version is compiled into the WASM (its source paths are kept for panic
  // messages: ".../c2pa-0.92.0/src/..."); crJSON's jsonGenerator confirms it per file.
  const m = /\/c2pa-(\d+\.\d+\.\d+[\w.-]*)\/src\//.exec(bytes.toString("latin1"));
  info = { c2paRsVersion: m?.[1] ?? "unknown", binding: `@contentauth/c2pa-wasm@${pkg.version}` };
  return info;
}

export function wasmMemoryBytes(): number {
  return memory?.buffer.byteLength ?? 0;
}

export function readerStats(): { reads: number; bytes: number; largest: number } {
  return { ...FileReaderSyncShim.stats };
}

export async function runJob(job: EngineJob): Promise<EngineResult> {
  if (!wasm) throw new Error("engine not initialised");
  remote = job.remoteManifests;
  servedRemote = 0;
  if (job.sidecar !== undefined) return runSidecar(wasm, job, job.sidecar);
  const { blob, close } = openFileBlob(job.file);
  try {
    // fromBlob, not fromBytes: bounded memory for any size (see file-blob.ts).
    const reader = await wasm.WasmReader.fromBlob(job.format, blob as unknown as Blob, job.settingsJson);
    try {
      const store = normalizeStore(reader.manifestStore(), JSON.parse(reader.crJson()));
      return { kind: "store", store, source: servedRemote > 0 ? "remote-local" : "embedded" };
    } finally {
      reader.free();
    }
  } catch (err) {
    if (isWasmPanic(err)) throw err; // a Rust panic: the pool recycles this worker
    return classifyReadError(errorText(err));
  } finally {
    close();
  }
}

/**
 * A `.c2pa` sidecar validated against its asset. @contentauth/c2pa-wasm 0.15 does not expose
 * c2pa-rs's `Reader::from_manifest_data_and_stream`, so c2pa-rs reads the store on its own
 * (format application/c2pa): claim, signatures, credentials and assertion hashes are checked
 * by c2pa-rs; the hard binding is then computed against the asset here (data hash only).
 */
async function runSidecar(w: C2paWasm, job: EngineJob, sidecar: string): Promise<EngineResult> {
  let reader: Awaited<ReturnType<C2paWasm["WasmReader"]["fromBytes"]>>;
  try {
    reader = await w.WasmReader.fromBytes("application/c2pa", readFileSync(sidecar), job.settingsJson);
  } catch (err) {
    if (isWasmPanic(err)) throw err;
    return classifyReadError(errorText(err));
  }
  try {
    const cr = JSON.parse(reader.crJson()) as unknown;
    const store = normalizeStore(reader.manifestStore(), cr);
    const active = store.manifests.find((m) => m.isActive);
    if (active) {
      // c2pa-rs compared the hard binding with the .c2pa bytes themselves: drop that artefact.
      active.codes.failure = active.codes.failure.filter((f) => !SIDECAR_BINDING_ARTEFACTS.has(f.code));
      const binding = checkSidecarBinding(cr, store.activeManifest, job.file);
      active.codes[binding.bucket].push(binding.status);
      const failed = active.codes.failure.some((f) => f.code !== "signingCredential.untrusted" && !f.code.startsWith("cawg."));
      const trusted = active.codes.success.some((s) => s.code === "signingCredential.trusted");
      store.validationState = failed ? "Invalid" : trusted ? "Trusted" : "Valid";
      active.state = failed ? "invalid" : trusted ? "trusted" : "valid";
    }
    return { kind: "store", store, source: "sidecar" };
  } finally {
    reader.free();
  }
}

/**
 * A Rust panic surfaces as WebAssembly.RuntimeError ("unreachable"). Checked by name: the
 * ES2023 lib this project compiles against has no WebAssembly typings.
 */
export function isWasmPanic(err: unknown): boolean {
  return err instanceof Error && err.name === "RuntimeError";
}

function errorText(err: unknown): string {
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  return String(err);
}

export const sha256Hex = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
