// Settle: after every quarantine move, confirm that what was moved is what was judged.
// Inode numbers are reused at once and an inode's bytes can change between a judgment and
// the move, so the quarantined bytes are hashed, recorded (so copies of them are known by
// content), fingerprinted (so a resized, label-free copy delivered next is recognised), and
// judged again. Content that turns out to be allowed is put back where it was.

import { lstat, readlink } from "node:fs/promises";
import type { FolderMatcher } from "../domain/folders.js";
import { mtimeMs, sameStat } from "../domain/identity.js";
import { statKey } from "../adapters/fs/hash.js";
import type { Clock, MetadataReader, QuarantineRow, Store } from "../ports.js";
import { hashOne, readLabels } from "./identify.js";
import { judgeRecorded, type JudgePolicy } from "./judge.js";
import { fingerprintPath, needsFingerprint, pictureOf, type FingerprintOptions } from "./perceptual.js";
import type { Quarantine } from "./quarantine.js";
import { recordIdentified } from "./record.js";

export interface SettleDeps {
  store: Store;
  reader: MetadataReader;
  quarantine: Quarantine;
  folderMatcher: FolderMatcher;
  policy: JudgePolicy;
  fingerprint?: FingerprintOptions | undefined;
  stableMs: number;
  clock: Clock;
}

export type Settled = "verified" | "judged-again" | "put-back" | "later";

/** Verify one moved row; "later" when its file is not ready (still settling, or unreadable now). */
export async function settle(d: SettleDeps, row: QuarantineRow): Promise<Settled> {
  const { store } = d;
  const file = row.quarantine_path;
  // A symbolic link is quarantined as a link (never followed): verified by being there, a link still.
  const link = await lstat(file).then((s) => (s.isSymbolicLink() ? readlink(file) : null), () => null);
  if (link !== null) {
    const at = d.clock.iso();
    await d.quarantine.writeReceipt({ ...row, verified_at: at }, row.moved_at ?? at, { verified_at: at, symbolic_link_to: link });
    await store.transaction(
      async (tx) => {
        await tx.quarantine.settle(row.id, { sha256: null, assetId: null, kind: row.kind, reason: row.reason, evidence: null, at });
        await tx.events.add("quarantine-settled", at, { assetId: null, path: row.original_path, detail: { quarantine_id: row.id, symbolicLinkTo: link } });
      },
      { durable: true },
    );
    return "verified";
  }
  const h = await hashOne({ path: file });
  if (!h.ok || h.result.changedWhileReading || d.clock.now() - mtimeMs(h.result.stat) < d.stableMs) return "later";
  const known = await store.assets.bySha(h.result.sha256);
  const [meta] = known && known.exiftool_version !== null ? [undefined] : await readLabels(d.reader, [{ path: file, size: h.result.size }]);
  const same = await lstat(file, { bigint: true }).then((s) => sameStat(statKey(s), h.result.stat), () => false);
  if (!same) return "later";
  // Everything the gate quarantines is fingerprinted: a re-encoded copy of it is recognised.
  const picture = pictureOf(file, h.result.content);
  const needPrint = d.fingerprint && picture && (!known || needsFingerprint(await store.fingerprints.state(known.id)));
  const prints = needPrint ? await fingerprintPath(file, d.fingerprint!, d.clock.iso(), picture) : null;
  const folder = h.result.size > 0 ? d.folderMatcher(row.original_path) : [];
  const rec = await store.transaction((tx) =>
    recordIdentified(
      tx,
      { path: file, stat: h.result.stat, sha256: h.result.sha256, mediaHash: h.result.mediaHash, size: h.result.size, metadata: meta ?? null, known: known ?? undefined, folderEvidence: folder, fingerprints: prints },
      d.clock.iso(),
    ),
  );
  const moved = h.result.sha256;
  const sameContent = row.sha256 === moved;
  // Judged where it was, by its content (its members included): the bytes are in quarantine now.
  const { decision, evidence } = await judgeRecorded({ store, reader: d.reader }, rec.facts, { path: null, stable: true, expensive: true }, d.policy);
  if (!sameContent && decision.action === "allow") {
    // Not what was judged, and allowed: it goes back (when its place is free).
    const why = `the file changed between its judgment and the move; its content now is allowed (${decision.reason})`;
    if (await d.quarantine.putBack(row, why)) return "put-back";
  }
  const kind = decision.action === "hold" ? "held" : decision.action === "block" ? "blocked" : row.kind;
  const reason = sameContent || decision.action === "allow" ? row.reason : decision.reason;
  const ev = sameContent ? null : JSON.stringify(evidence.filter((e) => e.signal !== "info"));
  const at = d.clock.iso();
  // The receipt first, then the row: the row's verified_at is the commit point. A crash in
  // between leaves the row unverified, so the next start verifies again and rewrites both;
  // the other order could leave a receipt naming bytes the quarantine no longer holds.
  const after: QuarantineRow = { ...row, sha256: moved, asset_id: rec.assetId ?? row.asset_id, kind, reason, evidence: ev ?? row.evidence, verified_at: at };
  await d.quarantine.writeReceipt(after, row.moved_at ?? at, { verified_at: at, ...(sameContent ? {} : { judged_again: { was: row.sha256, now: moved, decision: decision.action, reason } }) });
  await store.transaction(
    async (tx) => {
      await tx.quarantine.settle(row.id, { sha256: moved, assetId: rec.assetId, kind, reason, evidence: ev, at });
      await tx.events.add("quarantine-settled", at, { assetId: rec.assetId, path: row.original_path, detail: { quarantine_id: row.id, sha256: moved, judged: row.sha256, ...(sameContent ? {} : { judgedAgain: decision.action, reason }) } });
    },
    { durable: true },
  );
  return sameContent ? "verified" : "judged-again";
}
