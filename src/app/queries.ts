// Queries: what the front ends (CLI, desk) show, as plain data. Read-only.

import { classify } from "../domain/classify.js";
import { evidenceOf } from "../domain/lineage.js";
import type { Origin, Status } from "../domain/types.js";
import type { AssetRow, Store } from "../ports.js";

/** Everything recorded about one asset: origin, evidence, approvals, locations, media-data twins. */
export async function assetReport(store: Store, asset: AssetRow) {
  const facts = await store.assets.facts(asset.id);
  const evidence = facts ? evidenceOf(facts) : [];
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
  };
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
