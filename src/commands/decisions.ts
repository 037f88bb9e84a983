// Human decisions: manual tags, approvals, revocations. Each is one durable transaction
// (synchronous=FULL) with an append-only event.

import { userInfo } from "node:os";
import path from "node:path";
import type { AssetRow, Store } from "../../db/store.js";
import type { Context } from "../context.js";
import type { Evidence } from "../detect/types.js";
import { isGenAI } from "../detect/types.js";
import { describeFsError, ExitCode, UsageError } from "../errors.js";
import { hashFile } from "../identity/hash.js";
import { log } from "../log.js";
import { printJson, println } from "../output.js";
import { evidenceWithLineage, nowIso, reclassifyFamily } from "../provenance.js";
import { requireAsset, resolveTarget } from "./target.js";

function defaultUser(): string {
  try {
    return process.env["USER"] ?? userInfo().username;
  } catch {
    return "unknown";
  }
}

export interface TagOptions {
  genai?: boolean;
  notGenai?: boolean;
  tool?: string;
  model?: string;
  prompt?: string;
  note?: string;
  by?: string;
  force?: boolean;
}

export async function tagCommand(ctx: Context, files: string[], o: TagOptions): Promise<number> {
  if (o.genai === o.notGenai) throw new UsageError("say either --genai or --not-genai");
  if (o.notGenai && !o.note) throw new UsageError('--not-genai needs --note "why" (it is recorded with the decision)');
  const store = ctx.store({ create: true });
  const by = o.by ?? defaultUser();
  // Every file is resolved and checked first, so a refusal leaves nothing half-tagged.
  const assets: Array<{ file: string; asset: AssetRow }> = [];
  for (const file of files) {
    const asset = requireAsset(await resolveTarget(ctx, file, { record: true }), file);
    if (o.notGenai && !o.force) {
      // A person may correct a false positive, but not silently overrule a file's own GenAI labels.
      const labelled = evidenceWithLineage(store, asset).filter((e) => e.source !== "manual" && e.source !== "folder" && isGenAI(e.signal));
      if (labelled.length > 0) {
        throw new UsageError(
          `${file}: its own metadata says GenAI (${labelled[0]!.source}: ${labelled[0]!.field}); nothing was tagged. ` +
            `To use GenAI material in deliverables, approve it with \`prov approve\`; to overrule the labels, add --force.`,
        );
      }
    }
    assets.push({ file, asset });
  }
  const detail: Record<string, unknown> = { by };
  for (const k of ["tool", "model", "prompt", "note"] as const) if (o[k]) detail[k] = o[k];
  if (o.force) detail["force"] = true;
  const evidence: Evidence = { source: "manual", field: "prov tag", value: o.genai ? "genai" : "not-genai", signal: o.genai ? "genai" : "not-genai", detail };
  const results = store.decision(() => {
    const now = nowIso();
    return assets.map(({ file, asset }) => {
      store.addEvidence(asset.id, evidence, now);
      store.addEvent("tagged", now, { assetId: asset.id, detail: { tag: evidence.value, ...detail } });
      const r = reclassifyFamily(store, asset.id, now, "tagged");
      return { file, sha256: asset.sha256, origin: r.origin, status: r.status };
    });
  });
  if (ctx.globals.json) printJson(results);
  else for (const r of results) println(`${r.origin}${r.status ? `/${r.status}` : ""}  ${r.sha256.slice(0, 12)}  ${r.file}`);
  return ExitCode.ok;
}

export interface ApproveOptions {
  by: string;
  ref: string;
  scope?: string;
  doc?: string;
  note?: string;
  /** Approve every frame of the image sequence the file is a frame of. */
  sequence?: boolean;
}

/**
 * The assets a decision applies to: the one named, or with --sequence every frame of the
 * one image sequence it is a frame of (a shot is approved or revoked as a whole).
 */
function decisionTargets(store: Store, asset: AssetRow, arg: string, sequence: boolean | undefined): { ids: number[]; what: string } {
  if (!sequence) return { ids: [asset.id], what: asset.sha256.slice(0, 12) };
  const seqs = [...new Map(store.sequencesOfAsset(asset.id).map((q) => [q.id, q])).values()];
  if (seqs.length === 0) throw new UsageError(`${arg} is not a frame of a recorded image sequence (scan its folder first, or leave out --sequence)`);
  if (seqs.length > 1) throw new UsageError(`${arg}'s content is a frame of ${seqs.length} sequences (${seqs.map((q) => path.join(q.dir, q.pattern)).join(", ")}): name a frame of one of them by path`);
  const q = seqs[0]!;
  return { ids: store.sequenceAssets(q.id), what: `${path.join(q.dir, q.pattern)} (${q.frames} frames)` };
}

export async function approveCommand(ctx: Context, arg: string, o: ApproveOptions): Promise<number> {
  const store = ctx.store({ create: true });
  const asset = requireAsset(await resolveTarget(ctx, arg, { record: true }), arg);
  let docSha: string | null = null;
  let docPath: string | null = null;
  if (o.doc) {
    docPath = path.resolve(o.doc);
    try {
      docSha = (await hashFile(docPath)).sha256;
    } catch (err) {
      throw new UsageError(`--doc ${o.doc}: ${describeFsError(err)}`);
    }
  }
  if (!isGenAI(asset.origin)) log.warn(`${arg} is ${asset.origin}, not GenAI; the approval is recorded and applies if it is later found to be GenAI`);
  const targets = decisionTargets(store, asset, arg, o.sequence);
  const result = store.decision(() => {
    const now = nowIso();
    let mine: ReturnType<typeof reclassifyFamily> | undefined;
    for (const id of targets.ids) {
      store.addApproval({ asset_id: id, action: "approve", by: o.by, ref: o.ref, scope: o.scope ?? null, note: o.note ?? null, doc_path: docPath, doc_sha256: docSha, at: now });
      store.addEvent("approved", now, { assetId: id, detail: { by: o.by, ref: o.ref, scope: o.scope ?? null, doc_sha256: docSha } });
      const r = reclassifyFamily(store, id, now, "approved");
      if (id === asset.id) mine = r;
    }
    return mine ?? reclassifyFamily(store, asset.id, now, "approved");
  });
  const out = { sha256: asset.sha256, origin: result.origin, status: result.status, by: o.by, ref: o.ref, scope: o.scope ?? null, docSha256: docSha, assets: targets.ids.length };
  if (ctx.globals.json) printJson(out);
  else println(`approved ${targets.what} (${result.origin}${result.status ? `/${result.status}` : ""}) by ${o.by}, ref ${o.ref}`);
  return ExitCode.ok;
}

export async function revokeCommand(ctx: Context, arg: string, o: { by: string; note: string; sequence?: boolean }): Promise<number> {
  const store = ctx.store({ create: true });
  const asset = requireAsset(await resolveTarget(ctx, arg, { record: false }), arg);
  const targets = decisionTargets(store, asset, arg, o.sequence);
  const approved = targets.ids.filter((id) => store.lastApproval(id)?.action === "approve");
  if (approved.length === 0) throw new UsageError(`${arg}${o.sequence ? "'s sequence" : ""} is not approved; nothing to revoke`);
  const result = store.decision(() => {
    const now = nowIso();
    for (const id of approved) {
      store.addApproval({ asset_id: id, action: "revoke", by: o.by, ref: null, scope: null, note: o.note, doc_path: null, doc_sha256: null, at: now });
      store.addEvent("revoked", now, { assetId: id, detail: { by: o.by, note: o.note } });
      reclassifyFamily(store, id, now, "revoked");
    }
    return reclassifyFamily(store, asset.id, now, "revoked");
  });
  const out = { sha256: asset.sha256, origin: result.origin, status: result.status, by: o.by, note: o.note, assets: approved.length };
  if (ctx.globals.json) printJson(out);
  else println(`revoked approval of ${targets.what}; it is now ${result.origin}${result.status ? `/${result.status}` : ""}`);
  return ExitCode.ok;
}
