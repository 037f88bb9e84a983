// People's decisions: tags (GenAI or not), approvals and revocations. Each is one durable
// transaction (a decision must survive a power cut) with an append-only event, and the
// assets it touches are classified again at once. The desk and the CLI both ask here.

import path from "node:path";
import { RefusedError, InputError } from "../domain/errors.js";
import { evidenceOf } from "../domain/lineage.js";
import type { Evidence, Origin, Status } from "../domain/types.js";
import { isGenAI } from "../domain/types.js";
import type { AssetRow, Clock, Repos, Store } from "../ports.js";
import { reclassifyFamily } from "./record.js";
import { NO_TERMS, notAnApprover, refusal, type Actor, type ApprovalTerms, type Approvers } from "../domain/approval-terms.js";

export interface TagRequest {
  genai: boolean;
  tool?: string | undefined;
  model?: string | undefined;
  prompt?: string | undefined;
  note?: string | undefined;
  by: string;
  force?: boolean | undefined;
}

export interface Decided {
  sha256: string;
  origin: Origin;
  status: Status | null;
}

/**
 * A person may correct a false positive, but not silently overrule a file's own GenAI
 * labels: refused unless forced. Every asset is checked before anything is written, so a
 * refusal leaves nothing half-tagged.
 */
export async function tag(store: Store, assets: ReadonlyArray<{ name: string; asset: AssetRow }>, req: TagRequest, actor: Actor, clock: Clock): Promise<Decided[]> {
  if (!req.genai && !req.note) throw new InputError('--not-genai needs --note "why" (it is recorded with the decision)');
  if (!req.genai && !req.force) {
    for (const { name, asset } of assets) {
      const f = await store.assets.facts(asset.id);
      const labelled = f ? evidenceOf(f).filter((e) => e.source !== "manual" && e.source !== "folder" && isGenAI(e.signal)) : [];
      if (labelled.length > 0) {
        throw new RefusedError(
          `${name}: its own metadata says GenAI (${labelled[0]!.source}: ${labelled[0]!.field}); nothing was tagged. ` +
            `To use GenAI material in deliverables, approve it with \`prov approve\`; to overrule the labels, add --force.`,
        );
      }
    }
  }
  const detail: Record<string, unknown> = { by: req.by, ...actorDetail(actor) };
  for (const k of ["tool", "model", "prompt", "note"] as const) if (req[k]) detail[k] = req[k];
  if (req.force) detail["force"] = true;
  const evidence: Evidence = { source: "manual", field: "prov tag", value: req.genai ? "genai" : "not-genai", signal: req.genai ? "genai" : "not-genai", detail };
  return store.transaction(
    async (tx) => {
      const now = clock.iso();
      const out: Decided[] = [];
      for (const { asset } of assets) {
        await tx.evidence.add(asset.id, evidence, now);
        await tx.events.add("tagged", now, { assetId: asset.id, detail: { tag: evidence.value, ...detail } });
        const r = await reclassifyFamily(tx, asset.id, now, "tagged");
        out.push({ sha256: asset.sha256, origin: r.origin, status: r.status });
      }
      return out;
    },
    { durable: true },
  );
}

/**
 * The assets a decision applies to: the one named, or with `sequence` every frame of the
 * one image sequence it is a frame of (a shot is approved or revoked as a whole).
 */
export async function decisionTargets(store: Pick<Repos, "sequences">, asset: AssetRow, name: string, sequence: boolean): Promise<{ ids: number[]; what: string }> {
  if (!sequence) return { ids: [asset.id], what: asset.sha256.slice(0, 12) };
  const seqs = [...new Map((await store.sequences.ofAsset(asset.id)).map((q) => [q.id, q])).values()];
  if (seqs.length === 0) throw new InputError(`${name} is not a frame of a recorded image sequence (scan its folder first, or leave out --sequence)`);
  if (seqs.length > 1) throw new InputError(`${name}'s content is a frame of ${seqs.length} sequences (${seqs.map((q) => path.join(q.dir, q.pattern)).join(", ")}): name a frame of one of them by path`);
  const q = seqs[0]!;
  return { ids: await store.sequences.assets(q.id), what: `${path.join(q.dir, q.pattern)} (${q.frames} frames)` };
}

export interface ApprovalRequest {
  by: string;
  ref: string;
  scope?: string | undefined;
  note?: string | undefined;
  docPath?: string | null;
  docSha256?: string | null;
  /** What the studio rules ask of it: escalations, consents, expiry, deepfake. */
  terms?: ApprovalTerms;
}

/** The configuration's approvers refuse this account: a clear refusal before anything is written. */
export function authorise(actor: Actor, approvers: Approvers | null): void {
  const why = notAnApprover(actor, approvers);
  if (why) throw new RefusedError(`${why}; nothing was recorded`);
}

/** Who decided, at the operating system, for an event's detail. */
function actorDetail(actor: Actor): { account: string; host: string } {
  return { account: actor.account, host: actor.host };
}

/** Record written approval for the assets (a decision: durable, with events). */
export async function approve(store: Store, asset: AssetRow, ids: readonly number[], req: ApprovalRequest, actor: Actor, clock: Clock): Promise<Decided> {
  const terms = req.terms ?? NO_TERMS;
  const refused = refusal(terms, clock.iso().slice(0, 10));
  if (refused) throw new RefusedError(`${refused}; nothing was approved`);
  const termsJson = terms === NO_TERMS ? null : JSON.stringify(terms);
  return store.transaction(
    async (tx) => {
      const now = clock.iso();
      let mine: Decided | undefined;
      for (const id of ids) {
        await tx.approvals.add({ asset_id: id, action: "approve", by: req.by, ref: req.ref, scope: req.scope ?? null, note: req.note ?? null, doc_path: req.docPath ?? null, doc_sha256: req.docSha256 ?? null, at: now, account: actor.account, host: actor.host, terms: termsJson });
        await tx.events.add("approved", now, { assetId: id, detail: { by: req.by, ref: req.ref, scope: req.scope ?? null, doc_sha256: req.docSha256 ?? null, ...actorDetail(actor), ...(termsJson ? { terms } : {}) } });
        const r = await reclassifyFamily(tx, id, now, "approved");
        if (id === asset.id) mine = { sha256: asset.sha256, origin: r.origin, status: r.status };
      }
      if (mine) return mine;
      const r = await reclassifyFamily(tx, asset.id, now, "approved");
      return { sha256: asset.sha256, origin: r.origin, status: r.status };
    },
    { durable: true },
  );
}

/** Revoke the approvals of those assets that have one; refused when none has. */
export async function revoke(store: Store, asset: AssetRow, ids: readonly number[], req: { by: string; note: string; name: string }, actor: Actor, clock: Clock): Promise<Decided & { revoked: number }> {
  const approved: number[] = [];
  for (const id of ids) if ((await store.approvals.last(id))?.action === "approve") approved.push(id);
  if (approved.length === 0) throw new RefusedError(`${req.name} is not approved; nothing to revoke`);
  return store.transaction(
    async (tx) => {
      const now = clock.iso();
      for (const id of approved) {
        await tx.approvals.add({ asset_id: id, action: "revoke", by: req.by, ref: null, scope: null, note: req.note, doc_path: null, doc_sha256: null, at: now, account: actor.account, host: actor.host, terms: null });
        await tx.events.add("revoked", now, { assetId: id, detail: { by: req.by, note: req.note, ...actorDetail(actor) } });
        await reclassifyFamily(tx, id, now, "revoked");
      }
      const r = await reclassifyFamily(tx, asset.id, now, "revoked");
      return { sha256: asset.sha256, origin: r.origin, status: r.status, revoked: approved.length };
    },
    { durable: true },
  );
}
