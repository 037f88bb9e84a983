// The terms of a written approval, as the studio rules ask for them: escalation categories
// (talent, key visual elements or characters central to the story, third-party IP,
// personal data), each performer's informed consent for a digital replica (project, uses,
// expiry: the SAG-AFTRA agreements ask for it per project), when the approval itself
// expires, and whether the use is a deepfake in the EU AI Act Article 50 sense. Pure.

import { InputError } from "./errors.js";

export const ESCALATIONS = ["talent", "key-element", "third-party-ip", "personal-data"] as const;
export type Escalation = (typeof ESCALATIONS)[number];

/** Categories whose use needs a consent reference per performer (a digital replica). */
export const NEEDS_CONSENT: readonly Escalation[] = ["talent"];

export interface Consent {
  performer: string;
  /** The consent document's reference (the signed form). */
  ref: string;
  project: string | null;
  uses: string | null;
  /** YYYY-MM-DD, the last day it holds; null: no end. */
  expires: string | null;
}

export interface ApprovalTerms {
  escalations: Escalation[];
  consents: Consent[];
  /** YYYY-MM-DD, the last day the approval holds; null: no end. */
  expires: string | null;
  /** The use is a deepfake in the EU AI Act Article 50 sense (labelling duty). */
  deepfake: boolean;
}

export const NO_TERMS: ApprovalTerms = { escalations: [], consents: [], expires: null, deepfake: false };

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

export function parseDate(s: string, what: string): string {
  if (!isDate(s)) throw new InputError(`${what}: "${s}" is not a date (YYYY-MM-DD)`);
  return s;
}

export function parseEscalation(s: string): Escalation {
  const v = s.trim().toLowerCase();
  if ((ESCALATIONS as readonly string[]).includes(v)) return v as Escalation;
  throw new InputError(`--escalate ${s}: not a category (one of ${ESCALATIONS.join(", ")})`);
}

/**
 * A consent as typed on the command line: `performer=NAME,ref=REF[,project=P][,uses=U][,expires=YYYY-MM-DD]`
 * (`;` also separates). Performer and ref are required.
 */
export function parseConsent(s: string): Consent {
  const fields = new Map<string, string>();
  for (const part of s.split(/[;,]/)) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq < 0) throw new InputError(`--consent "${s}": "${part.trim()}" is not key=value (keys: performer, ref, project, uses, expires)`);
    const k = part.slice(0, eq).trim().toLowerCase();
    if (!["performer", "ref", "project", "uses", "expires"].includes(k)) throw new InputError(`--consent "${s}": unknown key "${k}" (keys: performer, ref, project, uses, expires)`);
    if (fields.has(k)) throw new InputError(`--consent "${s}": "${k}" given twice`);
    fields.set(k, part.slice(eq + 1).trim());
  }
  const performer = fields.get("performer");
  const ref = fields.get("ref");
  if (!performer || !ref) throw new InputError(`--consent "${s}": performer= and ref= are required (the performer, and the reference of their signed consent)`);
  const expires = fields.get("expires");
  return { performer, ref, project: fields.get("project") || null, uses: fields.get("uses") || null, expires: expires ? parseDate(expires, `--consent "${s}" expires`) : null };
}

/** Why these terms cannot be approved (a category that needs consent, without one); null when they can. */
export function refusal(t: ApprovalTerms, today: string): string | null {
  const needing = t.escalations.filter((e) => NEEDS_CONSENT.includes(e));
  if (needing.length > 0 && t.consents.length === 0) {
    return `an approval escalated for ${needing.join(", ")} needs the performer's informed consent: add --consent "performer=NAME,ref=CONSENT-REF,project=...,uses=...,expires=YYYY-MM-DD" for each performer`;
  }
  if (t.consents.length > 0 && !t.escalations.includes("talent")) return "--consent is for a talent escalation (a digital replica): add --escalate talent";
  if (t.expires !== null && t.expires < today) return `--expires ${t.expires} is already past`;
  const lapsed = t.consents.filter((c) => c.expires !== null && c.expires < today);
  if (lapsed.length > 0) return `the consent of ${lapsed.map((c) => `${c.performer} (${c.ref}, expired ${c.expires})`).join(", ")} has already expired`;
  return null;
}

/** What of an approval no longer holds on `today` (YYYY-MM-DD): the approval, or a performer's consent. */
export function lapsed(t: ApprovalTerms, today: string): string[] {
  const out: string[] = [];
  if (t.expires !== null && t.expires < today) out.push(`the approval expired ${t.expires}`);
  for (const c of t.consents) if (c.expires !== null && c.expires < today) out.push(`${c.performer}'s consent (${c.ref}) expired ${c.expires}`);
  return out;
}

/** Terms as stored (JSON); unreadable or absent: no terms. */
export function termsOf(json: string | null | undefined): ApprovalTerms {
  if (!json) return NO_TERMS;
  try {
    const t = JSON.parse(json) as Partial<ApprovalTerms>;
    return {
      escalations: Array.isArray(t.escalations) ? t.escalations.filter((e): e is Escalation => (ESCALATIONS as readonly string[]).includes(e)) : [],
      consents: Array.isArray(t.consents) ? t.consents : [],
      expires: typeof t.expires === "string" ? t.expires : null,
      deepfake: t.deepfake === true,
    };
  } catch {
    return NO_TERMS;
  }
}

/** Who may decide (config `approvers`): anyone when no list is set. */
export interface Approvers {
  accounts: string[];
  groups: string[];
}

/** The operating-system account that made a decision, and where. */
export interface Actor {
  account: string;
  host: string;
  groups: readonly string[];
}

/** Why this account may not decide; null when it may. */
export function notAnApprover(actor: Actor, approvers: Approvers | null): string | null {
  if (!approvers || (approvers.accounts.length === 0 && approvers.groups.length === 0)) return null;
  if (approvers.accounts.includes(actor.account)) return null;
  if (actor.groups.some((g) => approvers.groups.includes(g))) return null;
  const who = [...approvers.accounts.map((a) => `account ${a}`), ...approvers.groups.map((g) => `group ${g}`)].join(", ");
  return `the account ${actor.account} on ${actor.host} may not make this decision: the configuration's approvers are ${who}`;
}
