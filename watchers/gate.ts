// The deliverables gate: judge one path and act. Blocks known temporary GenAI at once
// (even while the file is still being written), never allows a file before it is stable,
// and holds what it cannot identify.

import { lstat } from "node:fs/promises";
import type { AssetRow, QuarantineRow, Store } from "../db/store.js";
import { classify } from "../src/detect/classify.js";
import { evidenceFromTags } from "../src/detect/evidence.js";
import type { FolderMatcher } from "../src/detect/folders.js";
import type { Evidence, Origin } from "../src/detect/types.js";
import { isGenAI } from "../src/detect/types.js";
import { describeFsError, errnoCode } from "../src/errors.js";
import { hashFile, sameStat, statKey, type HashResult } from "../src/identity/hash.js";
import type { MetadataReader, MetadataResult } from "../src/metadata/exiftool.js";
import { decide, type GateDecision, type GateFacts } from "../src/policy/gate.js";
import { evidenceWithLineage, lineageEvidence, nowIso, recordIdentified, recordReadError, unchangedLocation } from "../src/provenance.js";
import { isFingerprintableImage } from "../src/fingerprint/index.js";
import type { Quarantine } from "../src/quarantine/quarantine.js";
import { derivations, describeDerivation, fingerprintPath, lookalikes, needsFingerprint, storeSource, visualKindOf, type FingerprintOptions, type Matching } from "../src/perceptual.js";

export type GateOutcome = "gone" | "directory" | "wait" | "allowed" | "blocked" | "held" | "stuck";

export interface GateDeps {
  store: Store;
  reader: MetadataReader;
  quarantine: Quarantine;
  folderMatcher: FolderMatcher;
  unknownPolicy: "allow" | "hold";
  stableMs: number;
  /** Fingerprint new pictures and check them against temporary GenAI; absent: content and labels only. */
  fingerprint?: FingerprintOptions | undefined;
  matching?: Matching;
}


export class DeliverablesGate {
  constructor(private readonly d: GateDeps) {}

  async check(p: string): Promise<GateOutcome> {
    const { store } = this.d;
    let st;
    try {
      st = await lstat(p, { bigint: true });
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return "gone";
      return this.act(p, { action: "hold", reason: `cannot read: ${describeFsError(err)}` }, null, null);
    }
    const key = statKey(st);
    if (st.isDirectory()) return "directory";
    if (st.isSymbolicLink()) return this.act(p, decide({ ...this.none(), symlink: true }), null, key);
    if (!st.isFile()) return this.act(p, { action: "hold", reason: "not a regular file (FIFO, socket or device)" }, null, key);
    // An empty file has no content that could be GenAI (and its hash is every empty file's).
    if (key.size === 0) return "allowed";
    // A file already waiting to be moved is retried by the runtime, not judged again.
    if (store.stuckAt(p)?.ino === key.ino) return "stuck";

    // Unchanged since it was last judged here: decide again from what is known now
    // (an approval may have been revoked since), without re-reading.
    const loc = unchangedLocation(store, p, key);
    if (loc) {
      const asset = store.assetById(loc.asset_id!)!;
      return this.judgeKnown(p, asset, key, true);
    }

    // A hard link or rename of content recorded elsewhere (same inode, size and mtime) is
    // known before a single byte is read: block a multi-GB copy-by-link at once.
    for (const other of store.locationsByInode(key.dev, key.ino)) {
      if (other.asset_id === null || other.size !== key.size || other.mtime_ns !== key.mtimeNs) continue;
      const asset = store.assetById(other.asset_id)!;
      if (isGenAI(asset.origin) && asset.status !== "approved") return this.judgeKnown(p, asset, key, false);
    }

    let h: HashResult;
    try {
      h = await hashFile(p);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return "gone";
      return this.act(p, { action: "hold", reason: `cannot read: ${describeFsError(err)}` }, null, key);
    }
    const stable = !h.changedWhileReading && Date.now() - Number(BigInt(h.stat.mtimeNs) / 1_000_000n) >= this.d.stableMs;
    const known = store.assetBySha(h.sha256);
    if (known && known.exiftool_version !== null) {
      if (stable) return this.recordAndJudge(p, h, null);
      return this.judgeKnown(p, known, h.stat, false);
    }

    const [meta] = await this.d.reader.readMany([{ path: p, size: h.size }]);
    if (!meta) throw new Error("metadata reader returned nothing");
    // The metadata describes the hashed bytes only if the file did not change in between.
    const same = await lstat(p, { bigint: true }).then((s) => sameStat(statKey(s), h.stat), () => false);
    if (stable && same) return this.recordAndJudge(p, h, meta);
    // Not complete yet: judge by what the partial file already says and record nothing.
    // A block moves it now; its final content is hashed and recorded once it settles (settle()).
    const evidence = this.ownEvidence(p, meta);
    const own = { origin: classify(evidence).origin, evidence };
    const decision = decide({ ...this.none(), own, stable: false, known: null });
    return this.act(p, decision, null, statKey(st), null, evidence);
  }

  /**
   * A file blocked while still being written was moved with its content unknown. Once it
   * has settled in quarantine, hash and record it (so copies are known by content) and
   * complete its receipt. Returns false to be asked again later.
   */
  async settle(row: QuarantineRow): Promise<boolean> {
    const { store } = this.d;
    let h: HashResult;
    try {
      h = await hashFile(row.quarantine_path);
    } catch {
      return false;
    }
    if (h.changedWhileReading || Date.now() - Number(BigInt(h.stat.mtimeNs) / 1_000_000n) < this.d.stableMs) return false;
    const [meta] = await this.d.reader.readMany([{ path: row.quarantine_path, size: h.size }]);
    const same = await lstat(row.quarantine_path, { bigint: true }).then((s) => sameStat(statKey(s), h.stat), () => false);
    if (!meta || !same) return false;
    const folder = h.size > 0 ? this.d.folderMatcher(row.original_path) : [];
    const r = store.write(() =>
      recordIdentified(store, { path: row.quarantine_path, stat: h.stat, sha256: h.sha256, mediaHash: h.mediaHash, size: h.size, metadata: meta, folderEvidence: folder }, nowIso()),
    );
    // Receipt first, then the row: whoever sees the row's sha256 finds it in the receipt too.
    await this.d.quarantine.writeReceipt({ ...row, sha256: h.sha256, asset_id: r.assetId }, row.moved_at ?? nowIso());
    store.decision(() => {
      const now = nowIso();
      store.settleQuarantine(row.id, h.sha256, r.assetId);
      store.addEvent("quarantine-settled", now, { assetId: r.assetId, path: row.original_path, detail: { quarantine_id: row.id, sha256: h.sha256 } });
    });
    return true;
  }

  private none() {
    return { symlink: false, known: null, own: null, readError: null, stable: true, forcedRelease: false, unknownPolicy: this.d.unknownPolicy } as const;
  }

  private ownEvidence(p: string, meta: MetadataResult): Evidence[] {
    const md = meta.ok ? meta.metadata : null;
    const evidence = [...(md ? evidenceFromTags(md.tags) : []), ...this.d.folderMatcher(p)];
    if (md?.mediaHash) evidence.push(...lineageEvidence(this.d.store, md.mediaHash, null));
    return evidence;
  }

  /** A complete file: record it (the gate is also an ingest), then decide from the record. */
  private recordAndJudge(p: string, h: HashResult, meta: MetadataResult | null): Promise<GateOutcome> {
    const { store } = this.d;
    store.write(() =>
      recordIdentified(store, { path: p, stat: h.stat, sha256: h.sha256, mediaHash: h.mediaHash, size: h.size, metadata: meta, folderEvidence: this.d.folderMatcher(p) }, nowIso()),
    );
    const asset = store.assetBySha(h.sha256)!;
    return this.judgeKnown(p, asset, h.stat, true, meta !== null && !meta.ok ? meta.reason : asset.metadata_error);
  }

  private async judgeKnown(p: string, asset: AssetRow, key: ReturnType<typeof statKey>, stable: boolean, readError: string | null = null): Promise<GateOutcome> {
    const { store } = this.d;
    const evidence = evidenceWithLineage(store, asset);
    const decision = decide({
      derived: stable ? await this.derivedOf(p, asset, key, evidence) : null,
      ...this.none(),
      known: { origin: asset.origin, status: asset.status, sha256: asset.sha256 },
      own: { origin: asset.origin as Origin, evidence },
      stable,
      // An empty or unparseable file has no provenance to read; that is a hold only if nothing else is known.
      readError: readError && asset.origin === "unknown" ? readError : null,
      forcedRelease: store.forcedRelease(p, asset.sha256) !== undefined,
    });
    return this.act(p, decision, asset, key, asset.sha256, evidence);
  }

  /**
   * The temporary GenAI asset this content looks like, by perceptual fingerprint. Not asked
   * of GenAI content (decided already) nor of content a person tagged (their decision wins).
   */
  private async derivedOf(p: string, asset: AssetRow, key: ReturnType<typeof statKey>, evidence: readonly Evidence[]): Promise<NonNullable<GateFacts["derived"]> | null> {
    const { store, fingerprint, matching } = this.d;
    const kind = visualKindOf(p);
    if (!fingerprint || !matching || isGenAI(asset.origin) || !kind) return null;
    if (classify(evidence).decidedBy[0]?.source === "manual") return null;
    // A still sharp decodes is fingerprinted here (milliseconds). A video or an EXR/DPX frame
    // is not: ffmpeg takes 0.2 s a frame and 12 s a minute of video, holding one of the
    // gate's four workers while GenAI files wait. Their fingerprints are used when a scan or
    // sweep made them, and the sweep checks them anyway.
    if (kind === "image" && isFingerprintableImage(p) && needsFingerprint(store.fingerprintState(asset.id))) {
      const made = await fingerprintPath(p, fingerprint, nowIso());
      // Recorded only if the file still holds the content that was judged.
      const same = await lstat(p, { bigint: true }).then((s) => sameStat(statKey(s), key), () => false);
      if (!made || !same) return null;
      store.write(() => store.putFingerprints(asset.id, made.info, made.frames));
    }
    const probes = store.fingerprintsOf(asset.id).map((f) => ({ seconds: f.seconds, hash: f.hash, lowDetail: f.low_detail === 1 }));
    const found = derivations(lookalikes(storeSource(store), probes, matching.limits, asset.id), (id) => store.assetById(id), matching.gap)[0];
    return found ? { verdict: found.verdict, what: describeDerivation(store, found, asset.id) } : null;
  }

  private async act(
    p: string,
    decision: GateDecision,
    asset: AssetRow | null,
    key: ReturnType<typeof statKey> | null,
    sha256: string | null = null,
    evidence: readonly Evidence[] = [],
  ): Promise<GateOutcome> {
    if (decision.action === "wait") return "wait";
    if (decision.action === "allow") return "allowed";
    if (decision.action === "hold" && key === null) {
      // Unreadable and unmovable (we could not even stat it): record and report it.
      this.d.store.write(() => recordReadError(this.d.store, p, null, decision.reason, nowIso()));
    }
    const row = await this.d.quarantine.quarantine({
      path: p,
      kind: decision.action === "block" ? "blocked" : "held",
      reason: decision.reason,
      evidence: evidence.filter((e) => e.signal !== "info"),
      sha256,
      assetId: asset?.id ?? null,
      dev: key?.dev ?? null,
      ino: key?.ino ?? null,
    });
    if (row.state === "moved") {
      const loc = this.d.store.locationByPath(p);
      if (loc) this.d.store.write(() => this.d.store.markMissing(loc.id, nowIso()));
      return row.kind;
    }
    if (row.state === "stuck") return "stuck";
    return "wait"; // rolled back (file changed or vanished): judge again
  }
}
