// Staged in /work/staging/c2pa (115 tests there) and moved here as prov's C2PA adapter.
// Public entry: validate the C2PA manifest store of one file with c2pa-rs (WASM), offline,
// in a worker thread. Every outcome is data to record: a file that could not be validated
// comes back as "not-checked" or "unreadable", never as an exception or as "no manifest".

import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { detectFormat } from "./format.js";
import { C2paWorkerPool, type PoolOptions } from "./pool.js";
import { prepareSettings, type PreparedSettings } from "./settings.js";
import type { C2paOutcome, C2paValidatorInfo, TrustConfig, ValidateOptions } from "./types.js";

export type * from "./types.js";
export { C2paWorkerPool } from "./pool.js";

const GiB = 1024 ** 3;

/** 120 s plus 30 s per GiB: 4 GiB measured at ~36 s on this 2-core machine, so ~3x headroom. */
export function defaultTimeoutMs(size: number): number {
  return 120_000 + Math.ceil(size / GiB) * 30_000;
}

export function bindingVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve("@contentauth/c2pa-wasm/package.json"), "utf8")) as { version: string };
  return `@contentauth/c2pa-wasm@${pkg.version}`;
}

export interface C2paValidator {
  validate(file: string, opts?: Omit<ValidateOptions, "trust">): Promise<C2paOutcome>;
  close(): Promise<void>;
  readonly pool: C2paWorkerPool;
}

export interface ValidatorOptions extends PoolOptions {
  /** Trust anchors for the whole validator (read and hashed once). */
  trust?: TrustConfig;
}

export function createC2paValidator(options: ValidatorOptions = {}): C2paValidator {
  const pool = new C2paWorkerPool(options);
  const settingsCache = new Map<string, Promise<PreparedSettings>>();
  // The version the worker reported last; before any worker answered, the crate version is
  // not known yet on this thread ("unknown" until the first reply).
  let validator: C2paValidatorInfo = { name: "c2pa-rs", version: "unknown", binding: bindingVersion() };

  const settingsFor = (remoteUrls: string[]): Promise<PreparedSettings> => {
    const key = remoteUrls.join("\n");
    let p = settingsCache.get(key);
    if (!p) {
      p = prepareSettings(options.trust, remoteUrls);
      settingsCache.set(key, p);
    }
    return p;
  };

  async function validate(fileIn: string, opts: Omit<ValidateOptions, "trust"> = {}): Promise<C2paOutcome> {
    const file = resolve(fileIn);
    const { size } = await stat(file);
    const remoteManifests = Object.fromEntries(Object.entries(opts.remoteManifests ?? {}).map(([u, p]) => [u, resolve(p)]));
    const settings = await settingsFor(Object.keys(remoteManifests).sort());
    const format = opts.format ?? (await detectFormat(file));
    const base = { file, size, format, validator, trust: settings.trust, elapsedMs: 0 };

    if (opts.maxBytes !== undefined && size > opts.maxBytes) {
      return { ...base, kind: "not-checked", reason: "too-large", detail: `${size} bytes > limit ${opts.maxBytes}` };
    }
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs(size);
    const outcome = await pool.run({
      file, format, settingsJson: settings.json, remoteManifests,
      ...(opts.sidecar !== undefined ? { sidecar: resolve(opts.sidecar) } : {}),
      ...(opts.faultInjection !== undefined ? { hook: opts.faultInjection } : {}),
    }, timeoutMs);

    if (outcome.kind === "timeout") {
      return { ...base, kind: "not-checked", reason: "timeout", detail: `no answer after ${outcome.afterMs} ms; worker replaced`, elapsedMs: outcome.afterMs };
    }
    if (outcome.kind === "crashed") {
      return { ...base, kind: "not-checked", reason: "worker-crashed", detail: outcome.detail };
    }
    const reply = outcome.reply;
    if (!reply.ok) {
      return { ...base, kind: "not-checked", reason: "worker-crashed", detail: reply.error };
    }
    validator = {
      name: "c2pa-rs",
      version: reply.result.kind === "store" ? reply.result.store.generatorVersion ?? reply.info.c2paRsVersion : reply.info.c2paRsVersion,
      binding: reply.info.binding,
    };
    const done = { ...base, validator, elapsedMs: reply.elapsedMs };
    const r = reply.result;
    switch (r.kind) {
      case "store":
        return {
          ...done,
          kind: "validated",
          validationState: r.store.validationState,
          state: r.store.validationState === "Trusted" ? "trusted" : r.store.validationState === "Valid" ? "valid" : "invalid",
          activeManifest: r.store.activeManifest,
          manifests: r.store.manifests,
          ingredientDeltas: r.store.ingredientDeltas,
          source: r.source,
        };
      case "no-manifest":
        return { ...done, kind: "no-manifest" };
      case "remote-manifest":
        return { ...done, kind: "remote-manifest", url: r.url };
      case "unreadable":
        return { ...done, kind: "unreadable", reason: r.reason, detail: r.detail };
    }
  }

  return { validate, close: () => pool.close(), pool };
}

let shared: { key: string; validator: C2paValidator } | undefined;

/**
 * One-call form. Keeps one shared pool per trust configuration (its idle workers do not keep
 * the process alive); long-running callers should prefer createC2paValidator and close it.
 */
export async function validateC2pa(file: string, opts: ValidateOptions = {}): Promise<C2paOutcome> {
  const key = JSON.stringify(opts.trust ?? null);
  if (!shared || shared.key !== key) {
    const old = shared;
    shared = { key, validator: createC2paValidator(opts.trust ? { trust: opts.trust } : {}) };
    if (old) await old.validator.close();
  }
  const { trust: _trust, ...rest } = opts;
  return shared.validator.validate(file, rest);
}
