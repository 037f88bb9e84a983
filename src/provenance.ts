// Provenance bookkeeping: turns identified files, tags and approvals into store writes,
// and keeps each asset's cached origin/status in step with its evidence. Everything here
// runs inside one synchronous store transaction per call.

import type { AssetRow, EvidenceRow, LocationRow, StatKey, Store } from "../db/store.js";
import { classify, statusFor } from "./detect/classify.js";
import { evidenceFromTags } from "./detect/evidence.js";
import type { Evidence, Origin, Status } from "./detect/types.js";
import { sameStat } from "./identity/hash.js";
import type { MetadataResult } from "./metadata/exiftool.js";

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * The recorded location at `p` if the file there is unchanged since it was identified
 * (same device, inode, size, mtime and ctime): its content need not be read again.
 */
export function unchangedLocation(store: Store, p: string, key: StatKey): LocationRow | undefined {
  const l = store.locationByPath(p);
  if (!l || l.asset_id === null || l.state !== "present") return undefined;
  if (l.dev === null || l.ino === null || l.size === null || l.mtime_ns === null || l.ctime_ns === null) return undefined;
  return sameStat({ dev: l.dev, ino: l.ino, size: l.size, mtimeNs: l.mtime_ns, ctimeNs: l.ctime_ns }, key) ? l : undefined;
}

export function toEvidence(row: EvidenceRow): Evidence {
  const e: Evidence = { source: row.source, field: row.field, value: row.value, signal: row.signal };
  if (row.detail) e.detail = JSON.parse(row.detail) as Record<string, unknown>;
  return e;
}

/**
 * All evidence for an asset: its own, plus the GenAI evidence of assets with the same
 * media data (ImageDataHash) under other bytes, e.g. the same picture after
 * `exiftool -all=` stripped its labels. Only GenAI signals travel: fail closed.
 */
export function evidenceWithLineage(store: Store, asset: AssetRow): Evidence[] {
  const own = store.evidenceOf(asset.id).map(toEvidence);
  const seq = sequenceEvidence(store, asset.id);
  return asset.media_hash ? [...own, ...lineageEvidence(store, asset.media_hash, asset.id), ...seq] : [...own, ...seq];
}

/**
 * GenAI evidence of the other frames of the sequences this content is a frame of, as
 * lineage items: metadata is read from a sample of a sequence's frames, and a shot with
 * one generated frame is a generated shot. Fail closed, like media-hash lineage.
 */
export function sequenceEvidence(store: Store, assetId: number): Evidence[] {
  return store.genaiEvidenceBySequence(assetId, 20).map(({ sha256, pattern, frame, ...row }) => {
    const e = toEvidence(row);
    return {
      source: "lineage" as const,
      field: `frame ${frame} of the same sequence (${pattern}): ${e.source} ${e.field}`,
      value: e.value,
      signal: e.signal,
      detail: { sha256, via: e.source, sequence: pattern },
    };
  });
}

/**
 * GenAI evidence of the recorded assets with this media data, as lineage items. One
 * query, bounded: one GenAI sibling is enough to decide, and a slate or black frame may
 * have thousands of copies.
 */
export function lineageEvidence(store: Store, mediaHash: string, excludeAssetId: number | null): Evidence[] {
  return store.genaiEvidenceByMediaHash(mediaHash, excludeAssetId, 50).map(({ sha256, ...row }) => {
    const e = toEvidence(row);
    return {
      source: "lineage" as const,
      // Ends with the original field, so a declared DigitalSourceType still counts as declared.
      field: `same media data as ${sha256}: ${e.source} ${e.field}`,
      value: e.value,
      signal: e.signal,
      detail: { sha256, via: e.source },
    };
  });
}

export interface Classified {
  origin: Origin;
  status: Status | null;
  changed: boolean;
}

/** Recompute and cache one asset's origin and status; records an event when they change. */
export function reclassify(store: Store, assetId: number, now: string, cause?: string): Classified {
  const asset = store.assetById(assetId);
  if (!asset) throw new Error(`asset ${assetId} vanished from the database`);
  const { origin } = classify(evidenceWithLineage(store, asset));
  const status = statusFor(origin, store.lastApproval(assetId)?.action);
  const changed = store.setClassification(assetId, origin, status, now);
  if (changed && cause !== "new") {
    store.addEvent("classified", now, {
      assetId,
      detail: { from: { origin: asset.origin, status: asset.status }, to: { origin, status }, ...(cause ? { cause } : {}) },
    });
  }
  return { origin, status, changed };
}

/**
 * Reclassify an asset, and the assets sharing its media data that it can change: only
 * GenAI signals travel by lineage, so only when this asset has GenAI evidence of its own,
 * and only siblings not already "genai".
 */
export function reclassifyFamily(store: Store, assetId: number, now: string, cause?: string): Classified {
  const result = reclassify(store, assetId, now, cause);
  const asset = store.assetById(assetId);
  // Only GenAI signals travel (by media data, and across a sequence's frames).
  const travels = store.evidenceOf(assetId).some((e) => e.signal === "genai" || e.signal === "genai-edited");
  if (asset?.media_hash && travels) {
    for (const sib of store.assetsByMediaHash(asset.media_hash)) {
      if (sib.id !== assetId && sib.origin !== "genai") reclassify(store, sib.id, now, "lineage");
    }
  }
  if (travels) {
    // A content can be several frames of one shot (held frames): each shot once.
    for (const id of new Set(store.sequencesOfAsset(assetId).map((q) => q.id))) reclassifySequence(store, id, now, assetId);
  }
  return result;
}

/** Reclassify every frame of a sequence (evidence on one frame travels to all). */
export function reclassifySequence(store: Store, sequenceId: number, now: string, except?: number): void {
  for (const id of store.sequenceAssets(sequenceId)) if (id !== except) reclassify(store, id, now, "sequence");
}

export interface FoundSequence {
  dir: string;
  key: string;
  pattern: string;
  first: number;
  last: number;
  gaps: Array<{ from: number; to: number }>;
  duplicates: Array<{ frame: number; names: string[] }>;
  frames: ReadonlyArray<{ path: string; frame: number }>;
}

/**
 * Record a folder's sequence once its frames are recorded, and classify the shot as one:
 * GenAI evidence on any frame makes every frame GenAI. Call inside store.write().
 */
export function recordSequence(store: Store, s: FoundSequence, now: string): number {
  const frames: Array<{ locationId: number; frame: number }> = [];
  for (const f of s.frames) {
    const loc = store.locationByPath(f.path);
    if (loc && loc.asset_id !== null && loc.state === "present") frames.push({ locationId: loc.id, frame: f.frame });
  }
  const id = store.putSequence(
    { dir: s.dir, key: s.key, pattern: s.pattern, first_frame: s.first, last_frame: s.last, frames: frames.length, gaps: JSON.stringify(s.gaps), duplicates: JSON.stringify(s.duplicates) },
    frames,
    now,
  );
  // Frames added to a GenAI shot become GenAI; a shot without GenAI evidence changes nothing.
  if (store.sequenceHasGenAI(id)) reclassifySequence(store, id, now);
  return id;
}

export interface Identified {
  path: string;
  stat: StatKey;
  sha256: string;
  size: number;
  /** null: this content is already recorded and its metadata was not read again. */
  metadata: MetadataResult | null;
  /** Media hash computed by prov itself (WAV data chunk), used when ExifTool gave none. */
  mediaHash?: string | null;
  folderEvidence: Evidence[];
}

export interface Recorded {
  path: string;
  sha256: string;
  assetId: number;
  origin: Origin;
  status: Status | null;
  /** new: first time this content was seen anywhere; changed: the path held other content before. */
  change: "new" | "new-location" | "changed" | "reread";
  metadataError: string | null;
  warnings: string[];
}

/** Record one identified file. Call inside store.write(). */
export function recordIdentified(store: Store, f: Identified, now: string): Recorded {
  const known = f.metadata === null ? store.assetBySha(f.sha256) : undefined;
  if (f.metadata === null && !known) throw new Error(`recordIdentified: ${f.sha256} is not recorded and no metadata was read`);
  const md = f.metadata?.ok ? f.metadata.metadata : null;
  const metadataError = f.metadata === null ? known!.metadata_error : f.metadata.ok ? md!.error : f.metadata.reason;
  const { id: assetId, created } = known ? { id: known.id, created: false } : store.upsertAsset(
    {
      sha256: f.sha256,
      size: f.size,
      mediaHash: md?.mediaHash ?? f.mediaHash ?? null,
      fileType: md?.fileType ?? null,
      mimeType: md?.mimeType ?? null,
      metadataError,
      warnings: md?.warnings ?? [],
      exiftoolVersion: md?.exiftoolVersion ?? null,
    },
    now,
  );
  if (md) store.replaceMetadataEvidence(assetId, evidenceFromTags(md.tags), now);
  for (const e of f.folderEvidence) store.addEvidence(assetId, e, now);

  const { id: locationId, previous } = store.upsertLocation(f.path, assetId, f.stat, "present", null, now);
  const { origin, status } = reclassifyFamily(store, assetId, now, created ? "new" : "reread");

  // The path's history decides first: new bytes at a known path are a change, whether or
  // not those bytes were ever seen before.
  let change: Recorded["change"];
  if (previous?.asset_id != null && previous.asset_id !== assetId) change = "changed";
  else if (created) change = "new";
  else if (!previous || previous.asset_id === null) change = "new-location";
  else change = "reread";

  const detail: Record<string, unknown> = { sha256: f.sha256, origin, status };
  if (md?.fileType) detail["fileType"] = md.fileType;
  if (change === "changed") {
    detail["previous_sha256"] = previous?.asset_id != null ? store.assetById(previous.asset_id)?.sha256 : null;
    store.addEvent("changed", now, { assetId, locationId, path: f.path, detail });
  } else if (change !== "reread") {
    store.addEvent("seen", now, { assetId, locationId, path: f.path, detail });
  }
  if (metadataError && f.metadata !== null) store.addEvent("read-error", now, { assetId, locationId, path: f.path, detail: { stage: "metadata", reason: metadataError } });
  const warnings = md?.warnings ?? (known ? (JSON.parse(known.warnings) as string[]) : []);
  return { path: f.path, sha256: f.sha256, assetId, origin, status, change, metadataError, warnings };
}

/** Mark recorded locations missing (never deleted), with an event each. Call inside store.write(). */
export function markVanished(store: Store, paths: Iterable<string>, now: string): number {
  let marked = 0;
  for (const p of paths) {
    const loc = store.locationByPath(p);
    if (!loc || loc.state === "missing") continue;
    store.markMissing(loc.id, now);
    store.addEvent("missing", now, { assetId: loc.asset_id, locationId: loc.id, path: p });
    marked++;
  }
  return marked;
}

/**
 * A file that could not be identified at all (unreadable, vanished, ...). Call inside
 * store.write(). A name prov cannot address (not UTF-8) gets an event but no location,
 * so its escaped display form never collides with a real file of that name.
 */
export function recordReadError(store: Store, p: string, stat: StatKey | null, reason: string, now: string, addressable = true): void {
  if (!addressable) {
    store.addEvent("read-error", now, { path: p, detail: { stage: "identify", reason, addressable: false } });
    return;
  }
  const previous = store.locationByPath(p);
  const { id } = store.upsertLocation(p, null, stat, "error", reason, now);
  // One event per new reason, not one per scan of a still-unreadable file.
  if (!previous || previous.state !== "error" || previous.error !== reason) {
    store.addEvent("read-error", now, { assetId: previous?.asset_id ?? null, locationId: id, path: p, detail: { stage: "identify", reason } });
  }
}
