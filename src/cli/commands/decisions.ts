// prov tag / approve / revoke: parse, call the decision use cases (src/app/decisions.ts), print.

import path from "node:path";
import type { AssetRow } from "../../ports.js";
import type { Context } from "../context.js";
import { currentUser } from "../../config.js";
import { InputError } from "../../domain/errors.js";
import { isGenAI } from "../../domain/types.js";
import { describeFsError } from "../../errors.js";
import { hashFile } from "../../adapters/fs/hash.js";
import { approve, authorise, decisionTargets, revoke, tag } from "../../app/decisions.js";
import { currentActor } from "../../adapters/os-account.js";
import { parseConsent, parseDate, parseEscalation, type ApprovalTerms } from "../../domain/approval-terms.js";
import { log } from "../../log.js";
import { ExitCode } from "../exit.js";
import { printJson, println } from "../output.js";
import { requireAsset, resolveTarget } from "./target.js";

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
  if (o.genai === o.notGenai) throw new InputError("say either --genai or --not-genai");
  if (o.notGenai && !o.note) throw new InputError('--not-genai needs --note "why" (it is recorded with the decision)');
  const actor = currentActor();
  authorise(actor, ctx.config().approvers);
  const store = await ctx.store({ create: true });
  const assets: Array<{ name: string; asset: AssetRow }> = [];
  for (const file of files) assets.push({ name: file, asset: requireAsset(await resolveTarget(ctx, file, { record: true }), file) });
  const results = await tag(store, assets, { genai: o.genai === true, tool: o.tool, model: o.model, prompt: o.prompt, note: o.note, by: o.by ?? currentUser(), force: o.force }, actor, ctx.clock);
  const rows = results.map((r, i) => ({ file: files[i]!, ...r }));
  if (ctx.globals.json) printJson("prov.tag", rows);
  else for (const r of rows) println(`${r.origin}${r.status ? `/${r.status}` : ""}  ${r.sha256.slice(0, 12)}  ${r.file}`);
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
  escalate?: string[];
  consent?: string[];
  expires?: string;
  deepfake?: boolean;
}

/** The terms typed on the command line, checked one by one (a bad value names the option). */
function termsFrom(o: ApproveOptions): ApprovalTerms {
  const escalations = [...new Set((o.escalate ?? []).flatMap((v) => v.split(",")).filter((v) => v.trim() !== "").map(parseEscalation))];
  return { escalations, consents: (o.consent ?? []).map(parseConsent), expires: o.expires ? parseDate(o.expires, "--expires") : null, deepfake: o.deepfake === true };
}

export async function approveCommand(ctx: Context, arg: string, o: ApproveOptions): Promise<number> {
  const actor = currentActor();
  authorise(actor, ctx.config().approvers);
  const terms = termsFrom(o);
  const store = await ctx.store({ create: true });
  const asset = requireAsset(await resolveTarget(ctx, arg, { record: true }), arg);
  let docSha: string | null = null;
  let docPath: string | null = null;
  if (o.doc) {
    docPath = path.resolve(o.doc);
    try {
      docSha = (await hashFile(docPath)).sha256;
    } catch (err) {
      throw new InputError(`--doc ${o.doc}: ${describeFsError(err)}`);
    }
  }
  if (!isGenAI(asset.origin)) log.warn(`${arg} is ${asset.origin}, not GenAI; the approval is recorded and applies if it is later found to be GenAI`);
  const targets = await decisionTargets(store, asset, arg, o.sequence === true);
  const result = await approve(store, asset, targets.ids, { by: o.by, ref: o.ref, scope: o.scope, note: o.note, docPath, docSha256: docSha, terms }, actor, ctx.clock);
  const out = { sha256: asset.sha256, origin: result.origin, status: result.status, by: o.by, ref: o.ref, scope: o.scope ?? null, docSha256: docSha, account: actor.account, host: actor.host, terms, assets: targets.ids.length };
  if (ctx.globals.json) printJson("prov.approve", out);
  else {
    println(`approved ${targets.what} (${result.origin}${result.status ? `/${result.status}` : ""}) by ${o.by} (account ${actor.account} on ${actor.host}), ref ${o.ref}`);
    if (terms.escalations.length > 0) println(`  escalated: ${terms.escalations.join(", ")}`);
    for (const c of terms.consents) println(`  consent: ${c.performer}, ref ${c.ref}${c.project ? `, project ${c.project}` : ""}${c.uses ? `, uses ${c.uses}` : ""}${c.expires ? `, until ${c.expires}` : ""}`);
    if (terms.expires) println(`  expires: ${terms.expires} (after that the sweep reports it as a violation)`);
    if (terms.deepfake) println("  deepfake (EU AI Act Art. 50): disclosed as such");
  }
  return ExitCode.ok;
}

export async function revokeCommand(ctx: Context, arg: string, o: { by: string; note: string; sequence?: boolean }): Promise<number> {
  const actor = currentActor();
  authorise(actor, ctx.config().approvers);
  const store = await ctx.store({ create: true });
  const asset = requireAsset(await resolveTarget(ctx, arg, { record: false }), arg);
  const targets = await decisionTargets(store, asset, arg, o.sequence === true);
  const result = await revoke(store, asset, targets.ids, { by: o.by, note: o.note, name: `${arg}${o.sequence ? "'s sequence" : ""}` }, actor, ctx.clock);
  const out = { sha256: asset.sha256, origin: result.origin, status: result.status, by: o.by, note: o.note, assets: result.revoked };
  if (ctx.globals.json) printJson("prov.revoke", out);
  else println(`revoked approval of ${targets.what}; it is now ${result.origin}${result.status ? `/${result.status}` : ""}`);
  return ExitCode.ok;
}
