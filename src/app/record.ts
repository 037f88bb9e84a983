// Record: identified files, tags and approvals become store writes, and each asset's
// cached origin and status follow its evidence. Every function here takes the
// repositories of one transaction (store.transaction): read what is needed, decide with
// the domain's rules, write. No file I/O here.

import { classify, statusFor } from "../domain/classify.js";
import { evidenceFromTags } from "../domain/evidence.js";
import { hasC2paManifest, weighC2paEvidence } from "../domain/c2pa-validation.js";
import { c2paLinks, evidenceOf, toEvidence } from "../domain/lineage.js";
import { PIXEL_FIELD_PREFIX } from "../domain/pixel-signals/types.js";
import type { Evidence, Origin, Status } from "../domain/types.js";
import { isGenAI } from "../domain/types.js";
import { mergeSidecarEvidence, sidecarOf } from "./sidecars.js";
import type { AssetFactsRow, AssetRow, FingerprintedRow, FingerprintInput, MetadataResult, Repos, StatKey } from "../ports.js";

export interface Classified {
  origin: Origin;
  status: Status | null;
  changed: boolean;
  /** The facts it was classified from, with the asset's new origin and status. */
  facts: AssetFactsRow;
}

/** Recompute and cache one asset's origin and status from its facts; an event when they change. */
export async function reclassify(tx: Repos, assetId: number, now: string, cause?: string, at: string | null = null): Promise<Classified> {
  const facts = await tx.assets.facts(assetId, at);
  if (!facts) throw new Error(`asset ${assetId} vanished from the database`);
  return classifyFrom(tx, facts, now, cause);
}

async function classifyFrom(tx: Repos, facts: AssetFactsRow, now: string, cause?: string): Promise<Classified> {
  const { asset } = facts;
  const { origin } = classify(evidenceOf(facts));
  const status = statusFor(origin, facts.approvals.at(-1)?.action);
  const changed = await tx.assets.setClassification(asset.id, origin, status, now);
  if (changed && cause !== "new") {
    await tx.events.add("classified", now, {
      assetId: asset.id,
      detail: { from: { origin: asset.origin, status: asset.status }, to: { origin, status }, ...(cause ? { cause } : {}) },
    });
  }
  return { origin, status, changed, facts: { ...facts, asset: { ...asset, origin, status } } };
}

/**
 * Reclassify an asset, and the assets its GenAI evidence travels to: its media-data twins
 * not already "genai", and the other frames of its shots. Only when it has GenAI evidence of
 * its own (only GenAI signals travel).
 */
export async function reclassifyFamily(tx: Repos, assetId: number, now: string, cause?: string, at: string | null = null): Promise<Classified> {
  const result = await reclassify(tx, assetId, now, cause, at);
  const travels = result.facts.evidence.some((e) => isGenAI(e.signal));
  if (travels) {
    for (const sib of result.facts.siblings) await reclassify(tx, sib.id, now, "lineage");
    // A content can be several frames of one shot (held frames): each shot once.
    for (const id of result.facts.sequenceIds) await reclassifySequence(tx, id, now, assetId);
  }
  return result;
}

/** Reclassify every frame of a sequence (evidence on one frame travels to all). */
export async function reclassifySequence(tx: Repos, sequenceId: number, now: string, except?: number): Promise<void> {
  for (const id of await tx.sequences.assets(sequenceId)) if (id !== except) await reclassify(tx, id, now, "sequence");
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
 * GenAI evidence on any frame makes every frame GenAI.
 */
export async function recordSequence(tx: Repos, s: FoundSequence, now: string): Promise<{ id: number; genai: boolean }> {
  const frames: Array<{ locationId: number; frame: number }> = [];
  for (const f of s.frames) {
    const loc = await tx.locations.byPath(f.path);
    if (loc && loc.asset_id !== null && loc.state === "present") frames.push({ locationId: loc.id, frame: f.frame });
  }
  const id = await tx.sequences.put(
    { dir: s.dir, key: s.key, pattern: s.pattern, first_frame: s.first, last_frame: s.last, frames: frames.length, gaps: JSON.stringify(s.gaps), duplicates: JSON.stringify(s.duplicates) },
    frames,
    now,
  );
  // Frames added to a GenAI shot become GenAI; a shot without GenAI evidence changes nothing.
  const genai = await tx.sequences.hasGenAI(id);
  if (genai) await reclassifySequence(tx, id, now);
  return { id, genai };
}

/** A file identified (hashed, and read unless its content is known), ready to record. */
export interface Identified {
  path: string;
  stat: StatKey;
  sha256: string;
  size: number;
  /** null: this content is already recorded (`known`) and its metadata was not read again. */
  metadata: MetadataResult | null;
  /**
   * The recorded asset with this SHA-256, as the caller found it (scan, sweep, the gate and
   * settle look every hash up first): undefined is new content, with nothing kept to merge.
   */
  known?: AssetRow | undefined;
  /** Media hash computed by prov itself (WAV data chunk), used when the metadata reader gave none. */
  mediaHash?: string | null;
  folderEvidence: readonly Evidence[];
  /** Fingerprints made from these bytes, to record with them. */
  fingerprints?: { info: Omit<FingerprintedRow, "asset_id">; frames: readonly FingerprintInput[] } | null;
  /**
   * GenAI marks found in the pixels (src/app/pixel-evidence.ts), recorded with the metadata
   * evidence; [] when looked and none found. Undefined: not looked (the gate, a file pixel
   * signals skip), so what was recorded for this content stays.
   */
  pixelEvidence?: readonly Evidence[] | undefined;
  /**
   * Evidence from the XMP sidecars beside the file (src/app/sidecars.ts); [] when looked and
   * none is there. Undefined: not looked (the gate), so what sidecars said stays recorded.
   */
  sidecarEvidence?: readonly Evidence[] | undefined;
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
  /** The facts the asset was classified from (its new origin and status in `asset`). */
  facts: AssetFactsRow;
}

/** Record one identified file. */
export async function recordIdentified(tx: Repos, f: Identified, now: string): Promise<Recorded> {
  const known = f.metadata === null ? (f.known ?? (await tx.assets.bySha(f.sha256))) : undefined;
  if (f.metadata === null && !known) throw new Error(`recordIdentified: ${f.sha256} is not recorded and no metadata was read`);
  const md = f.metadata?.ok ? f.metadata.metadata : null;
  const metadataError = f.metadata === null ? known!.metadata_error : f.metadata.ok ? md!.error : f.metadata.reason;
  let assetId: number;
  let created = false;
  if (known && f.folderEvidence.length === 0 && !f.fingerprints) {
    assetId = known.id;
  } else {
    const r = await tx.assets.record(
      {
        asset: {
          sha256: f.sha256,
          size: f.size,
          mediaHash: md?.mediaHash ?? f.mediaHash ?? null,
          fileType: md?.fileType ?? null,
          mimeType: md?.mimeType ?? null,
          metadataError,
          warnings: md?.warnings ?? (known ? (JSON.parse(known.warnings) as string[]) : []),
          exiftoolVersion: md?.exiftoolVersion ?? null,
        },
        // Besides the labels, what C2PA says the file is and which files it was made from (lineage.ts lookalikeDirection),
        // and the marks in its pixels (read now, or recorded before when the pixels were not looked at again).
        metadataEvidence: md ? await readAgain(tx, f, [...evidenceFromTags(md.tags), ...c2paLinks(md.tags)]) : undefined,
        folderEvidence: f.folderEvidence,
        fingerprints: f.fingerprints,
      },
      now,
    );
    assetId = r.id;
    created = r.created;
  }
  // Classified before the location is written, so the event written with it says what the content is now.
  const c = await reclassifyFamily(tx, assetId, now, created ? "new" : "reread", f.path);
  // The path's history decides first: new bytes at a known path are a change, whether or
  // not those bytes were ever seen before.
  let change: Recorded["change"] = "reread";
  const { id: locationId } = await tx.locations.upsert(f.path, assetId, f.stat, "present", null, now, (previous, previousSha) => {
    if (previous?.asset_id != null && previous.asset_id !== assetId) change = "changed";
    else if (created) change = "new";
    else if (!previous || previous.asset_id === null) change = "new-location";
    else change = "reread";
    const detail: Record<string, unknown> = { sha256: f.sha256, origin: c.origin, status: c.status };
    if (md?.fileType) detail["fileType"] = md.fileType;
    if (change === "changed") return { kind: "changed", detail: { ...detail, previous_sha256: previousSha } };
    return change === "reread" ? null : { kind: "seen", detail };
  });
  if (metadataError && f.metadata !== null) await tx.events.add("read-error", now, { assetId, locationId, path: f.path, detail: { stage: "metadata", reason: metadataError } });
  const warnings = JSON.parse(c.facts.asset.warnings) as string[];
  return { path: f.path, sha256: f.sha256, assetId, origin: c.origin, status: c.status, change, metadataError, warnings, facts: c.facts };
}

/**
 * The evidence of a content whose metadata was read now, completed with what is kept from
 * its record (its evidence read once, only when it is recorded already): the marks in its pixels when they were not looked at again (the gate),
 * the sidecar evidence of its other copies, and weighed by its recorded C2PA validation.
 */
async function readAgain(tx: Repos, f: Identified, labels: Evidence[]): Promise<Evidence[]> {
  const asset = f.known;
  const recorded = asset ? (await tx.evidence.of(asset.id)).map(toEvidence) : [];
  const pixels = f.pixelEvidence ?? recorded.filter((e) => e.source === "generator" && e.field.startsWith(PIXEL_FIELD_PREFIX));
  const otherSidecars = recorded.filter((e) => sidecarOf(e) !== undefined);
  const sidecars = f.sidecarEvidence === undefined ? otherSidecars : mergeSidecarEvidence(f.path, otherSidecars, f.sidecarEvidence);
  const evidence = [...labels, ...pixels, ...sidecars];
  // A no-GenAI claim from a manifest recorded invalid does not count (src/domain/c2pa-validation.ts).
  return asset && hasC2paManifest(evidence) ? weighC2paEvidence(evidence, await tx.c2pa.latest(asset.id)) : evidence;
}

/** Mark recorded locations missing (never deleted), with an event each. */
export async function markVanished(tx: Repos, paths: Iterable<string>, now: string): Promise<number> {
  let marked = 0;
  for (const p of paths) {
    const loc = await tx.locations.byPath(p);
    if (!loc || loc.state === "missing") continue;
    await tx.locations.markMissing(loc.id, now);
    await tx.events.add("missing", now, { assetId: loc.asset_id, locationId: loc.id, path: p });
    marked++;
  }
  return marked;
}

/**
 * A file that could not be identified at all (unreadable, vanished, ...). A name prov
 * cannot address (not UTF-8) gets an event but no location, so its escaped display form
 * never collides with a real file of that name.
 */
export async function recordReadError(tx: Repos, p: string, stat: StatKey | null, reason: string, now: string, addressable = true): Promise<void> {
  if (!addressable) {
    await tx.events.add("read-error", now, { path: p, detail: { stage: "identify", reason, addressable: false } });
    return;
  }
  const previous = await tx.locations.byPath(p);
  const { id } = await tx.locations.upsert(p, null, stat, "error", reason, now);
  // One event per new reason, not one per scan of a still-unreadable file.
  if (!previous || previous.state !== "error" || previous.error !== reason) {
    await tx.events.add("read-error", now, { assetId: previous?.asset_id ?? null, locationId: id, path: p, detail: { stage: "identify", reason } });
  }
}
