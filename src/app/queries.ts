// Queries: what the front ends (CLI, desk) show, as plain data. Read-only.

import { classify } from "../domain/classify.js";
import { manifestStatuses } from "../domain/c2pa-validation.js";
import { evidenceOf } from "../domain/lineage.js";
import { probesOf, type Matching } from "../domain/likeness.js";
import type { Evidence, Origin, Status } from "../domain/types.js";
import { isGenAI } from "../domain/types.js";
import type { AssetFactsRow, AssetRow, Store } from "../ports.js";
import { directionIn } from "./judge.js";
import { lookalikesIn } from "./perceptual.js";

/**
 * The GenAI assets a recorded content looks like (perceptual fingerprints), each with which
 * way the likeness goes (src/domain/lineage.ts lookalikeDirection): derived from it, or its
 * source. Approved ones too: this is what is known, not a verdict.
 */
export async function genaiLookalikes(store: Store, facts: AssetFactsRow, evidence: readonly Evidence[], matching: Matching) {
  const probes = probesOf(facts.prints);
  if (probes.length === 0 || isGenAI(facts.asset.origin)) return [];
  const out = [];
  for (const m of await lookalikesIn(store, probes, matching.limits, facts.asset.id)) {
    const them = await store.assets.byId(m.assetId);
    if (!them || !isGenAI(them.origin)) continue;
    const d = { assetId: them.id, sha256: them.sha256, origin: them.origin, status: them.status, distance: m.distance, verdict: m.verdict, ranges: [], theirSeconds: null, turn: m.turn };
    const way = await directionIn(store, { sha256: facts.asset.sha256, origin: facts.asset.origin, firstSeen: facts.asset.first_seen, mediaHash: facts.asset.media_hash, evidence }, d, them);
    out.push({ sha256: them.sha256, origin: them.origin, status: them.status, distance: m.distance, verdict: m.verdict, way: way.way, why: way.why });
  }
  return out;
}

/** Everything recorded about one asset: origin, evidence, approvals, locations, media-data twins, GenAI look-alikes (with `matching`). */
export async function assetReport(store: Store, asset: AssetRow, matching?: Matching) {
  const facts = await store.assets.facts(asset.id);
  const evidence = facts ? evidenceOf(facts) : [];
  const lookalikes = facts && matching ? await genaiLookalikes(store, facts, evidence, matching) : [];
  const siblings = asset.media_hash ? (await store.assets.byMediaHash(asset.media_hash)).filter((a) => a.id !== asset.id) : [];
  return {
    sha256: asset.sha256,
    size: asset.size,
    fileType: asset.file_type,
    mimeType: asset.mime_type,
    origin: asset.origin,
    status: asset.status,
    decidedBy: classify(evidence).decidedBy,
    evidence,
    approvals: (facts?.approvals ?? []).map(({ id: _id, asset_id: _a, ...a }) => a),
    locations: (await store.locations.ofAsset(asset.id)).map((l) => ({ path: l.path, state: l.state, firstSeen: l.first_seen, lastSeen: l.last_seen })),
    sameMediaData: siblings.map((s) => ({ sha256: s.sha256, origin: s.origin, status: s.status })),
    mediaHash: asset.media_hash,
    metadataError: asset.metadata_error,
    warnings: JSON.parse(asset.warnings) as string[],
    exiftoolVersion: asset.exiftool_version,
    firstSeen: asset.first_seen,
    genaiLookalikes: lookalikes,
    ...(await c2paReport(store, asset.id, evidence)),
  };
}

/** Each C2PA manifest: "validated", "invalid (codes)" or "not checked", with the validation that says so (present only for a file with a manifest store). */
async function c2paReport(store: Store, assetId: number, evidence: readonly Evidence[]) {
  const v = await store.c2pa.latest(assetId);
  const manifests = manifestStatuses(v, evidence);
  if (manifests.length === 0) return {};
  return { c2pa: { manifests, validation: v ?? null } };
}

export type AssetReport = Awaited<ReturnType<typeof assetReport>>;

/** Assets by origin and status, each with where it is. */
export async function listAssets(store: Store, filter: { origin?: Origin | undefined; status?: Status | undefined }) {
  const out = [];
  for (const a of await store.assets.list(filter)) {
    const locs = await store.locations.ofAsset(a.id);
    const present = locs.filter((l) => l.state === "present");
    out.push({ sha256: a.sha256, origin: a.origin, status: a.status, size: a.size, fileType: a.file_type, paths: present.map((l) => l.path), missing: locs.length - present.length });
  }
  return out;
}

/** The event history, oldest first (of one asset, or all), at most `limit` events. */
export async function history(store: Store, filter: { assetId?: number | undefined; limit: number }) {
  const events = (await store.events.list(filter)).reverse();
  return events.map((e) => ({ id: e.id, at: e.at, kind: e.kind, sha256: e.sha256 ?? null, path: e.path, detail: e.detail ? (JSON.parse(e.detail) as unknown) : null }));
}
