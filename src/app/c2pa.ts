// C2PA validation as a use case: scan and sweep validate the manifest store of each content
// whose labels show one (c2pa-rs in worker threads, src/adapters/c2pa/), record what it said
// (one row per asset, validator binding and trust bundle), and weigh the evidence by it
// (src/domain/c2pa-validation.ts). Never the gate: it only reads what was recorded.

import { createC2paValidator, bindingVersion, type C2paOutcome, type C2paValidator } from "../adapters/c2pa/index.js";
import { prepareSettings } from "../adapters/c2pa/settings.js";
import type { Config } from "../config.js";
import { ConfigError, errorMessage } from "../domain/errors.js";
import { describeFsError, errnoCode } from "../errors.js";
import { hasC2paManifest, weighC2paEvidence, type C2paValidation } from "../domain/c2pa-validation.js";
import { toEvidence } from "../domain/lineage.js";
import type { Evidence } from "../domain/types.js";
import type { Repos, Store } from "../ports.js";
import { reclassifyFamily } from "./record.js";
import { c2paSource } from "./sidecars.js";

/** Evidence sources read from the file's own bytes (replaced together: EvidenceRepo.replaceMetadata). */
const METADATA_SOURCES: ReadonlySet<Evidence["source"]> = new Set(["c2pa", "iptc", "generator", "exiftool"]);

export interface C2paChecker {
  /** The binding and trust bundle a validation made now is recorded under. */
  key(): Promise<{ binding: string; trustSha256: string }>;
  /** `opts`: a .c2pa sidecar, or downloaded remote manifests (src/app/sidecars.ts c2paSource). */
  validate(file: string, opts?: { sidecar?: string; remoteManifests?: Record<string, string> }): Promise<C2paOutcome>;
  close(): Promise<void>;
}

/** The checker the configuration asks for; null when c2pa.validate is false. */
export function c2paChecker(config: Pick<Config, "c2pa" | "file">, size = 2): C2paChecker | null {
  if (!config.c2pa.validate) return null;
  const trust = { sources: config.c2pa.trust.anchors.map((path) => ({ role: "facility" as const, path })) };
  let validator: C2paValidator | null = null;
  let key: Promise<{ binding: string; trustSha256: string }> | null = null;
  return {
    key: () =>
      (key ??= prepareSettings(trust).then(
        (s) => ({ binding: bindingVersion(), trustSha256: s.trust.sha256 }),
        (err: unknown) => {
          const file = (err as { path?: unknown }).path;
          const why = errnoCode(err) && typeof file === "string" ? `cannot read ${file}: ${describeFsError(err)}` : errorMessage(err);
          throw new ConfigError(`${config.file ?? "configuration"}: c2pa.trust.anchors: ${why}`, { cause: err });
        },
      )),
    validate: async (file, opts) => (validator ??= createC2paValidator({ trust, size })).validate(file, opts),
    close: async () => {
      await validator?.close();
      validator = null;
    },
  };
}

/** What c2pa-rs said, as prov records it. */
export function toValidation(o: C2paOutcome, at: string): C2paValidation {
  const base = { validator: `${o.validator.name} ${o.validator.version}`, binding: o.validator.binding, trustSha256: o.trust.sha256, validatedAt: at };
  switch (o.kind) {
    case "validated":
      return {
        ...base,
        outcome: "validated",
        state: o.state,
        detail: null,
        manifests: o.manifests.map((m) => ({
          label: m.label,
          active: m.isActive,
          state: m.state,
          wellFormed: m.wellFormed,
          success: m.codes.success.map((c) => c.code),
          informational: m.codes.informational.map((c) => c.code),
          failure: m.codes.failure.map((c) => c.code),
        })),
      };
    case "no-manifest":
      return { ...base, outcome: "no-manifest", state: null, detail: "c2pa-rs found no manifest store", manifests: [] };
    case "remote-manifest":
      return { ...base, outcome: "remote-manifest", state: null, detail: `remote manifest, not fetched: ${o.url}`, manifests: [] };
    case "unreadable":
      return { ...base, outcome: "unreadable", state: null, detail: `${o.reason}: ${o.detail}`, manifests: [] };
    case "not-checked":
      return { ...base, outcome: "not-checked", state: null, detail: `${o.reason}: ${o.detail}`, manifests: [] };
  }
}

/**
 * Validate one recorded content at `file` when its labels show a C2PA manifest store and no
 * validation was recorded for it with this validator and these anchors; record it and weigh
 * the evidence. Returns the validation that stands (undefined: no manifest store), and
 * whether this call changed the evidence (the caller's facts are then stale).
 */
export async function validateRecorded(store: Store, checker: C2paChecker, assetId: number, file: string, now: () => string): Promise<{ validation: C2paValidation | undefined; changed: boolean; fresh: boolean }> {
  const evidence = (await store.evidence.of(assetId)).map(toEvidence);
  if (!hasC2paManifest(evidence)) return { validation: undefined, changed: false, fresh: false };
  const key = await checker.key();
  const had = await store.c2pa.get(assetId, key.binding, key.trustSha256);
  if (had) return { validation: had, changed: false, fresh: false };
  let outcome: C2paOutcome;
  try {
    // A store from a .c2pa beside the file (or a remote one the user saved there) is validated against the file.
    outcome = await checker.validate(file, c2paSource(evidence));
  } catch {
    // Gone or unreadable since it was recorded: nothing validated, nothing recorded ("not checked").
    return { validation: undefined, changed: false, fresh: false };
  }
  const validation = toValidation(outcome, now());
  const changed = await store.transaction(async (tx) => {
    await tx.c2pa.put(assetId, validation);
    return reweigh(tx, assetId, validation, now());
  });
  return { validation, changed, fresh: true };
}

/** Whether a recorded content has a manifest store not yet validated with this checker's validator and anchors. */
export async function needsValidation(store: Store, checker: C2paChecker, assetId: number): Promise<boolean> {
  if (!hasC2paManifest((await store.evidence.of(assetId)).map(toEvidence))) return false;
  const key = await checker.key();
  return (await store.c2pa.get(assetId, key.binding, key.trustSha256)) === undefined;
}

/** Re-weigh an asset's own evidence by its validation; reclassify when that changed it. */
async function reweigh(tx: Repos, assetId: number, v: C2paValidation, now: string): Promise<boolean> {
  const own = (await tx.evidence.of(assetId)).filter((r) => METADATA_SOURCES.has(r.source)).map(toEvidence);
  const weighed = weighC2paEvidence(own, v);
  if (JSON.stringify(weighed) === JSON.stringify(own)) return false;
  await tx.evidence.replaceMetadata(assetId, weighed, now);
  await reclassifyFamily(tx, assetId, now, "c2pa validation");
  return true;
}

/**
 * Validate many recorded contents, at most `concurrency` at a time (the worker pool does the
 * work; this loop only waits). `onDone` gets each one that has a manifest store.
 */
export async function validateMany(
  store: Store,
  checker: C2paChecker,
  items: Iterable<{ assetId: number; path: string }>,
  now: () => string,
  onDone: (item: { assetId: number; path: string }, v: C2paValidation, fresh: boolean) => void,
  concurrency = 2,
): Promise<void> {
  const it = items[Symbol.iterator]();
  const seen = new Set<number>();
  const lane = async (): Promise<void> => {
    for (let n = it.next(); !n.done; n = it.next()) {
      const item = n.value;
      if (seen.has(item.assetId)) continue;
      seen.add(item.assetId);
      const r = await validateRecorded(store, checker, item.assetId, item.path, now);
      if (r.validation) onDone(item, r.validation, r.fresh);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
