// Pure: what a C2PA validation (c2pa-rs, src/adapters/c2pa/) means for prov. The one home of
// the rules: a GenAI claim counts whatever the signature says (a tampered GenAI file is still
// GenAI); a claim of no GenAI counts only from a manifest that validated; an invalid manifest
// is a sweep warning with its failure codes; each manifest is "validated", "invalid (codes)"
// or "not checked". No I/O.

import type { Evidence } from "./types.js";

/** C2PA 2.x manifest states, in c2pa-rs's terms (trusted = valid + signer chains to an anchor). */
export type C2paManifestState = "invalid" | "valid" | "trusted";

export interface C2paManifestVerdict {
  label: string;
  active: boolean;
  state: C2paManifestState;
  /** False when a failure says the manifest itself is malformed (a tampered one still parses). */
  wellFormed: boolean;
  success: string[];
  informational: string[];
  failure: string[];
}

/** One recorded validation of a content's manifest store (db c2pa_validations). */
export interface C2paValidation {
  outcome: "validated" | "no-manifest" | "remote-manifest" | "unreadable" | "not-checked";
  /** The store's state when validated. */
  state: C2paManifestState | null;
  detail: string | null;
  /** "c2pa-rs 0.92.0" */
  validator: string;
  binding: string;
  trustSha256: string;
  manifests: C2paManifestVerdict[];
  validatedAt: string;
}

/** Whether a content's evidence shows a C2PA manifest store (what scan and sweep validate). */
export function hasC2paManifest(evidence: readonly Pick<Evidence, "source" | "field" | "value">[]): boolean {
  return evidence.some((e) => e.source === "c2pa" && e.field === "manifest store" && e.value !== "present but empty");
}

/** Manifest labels the evidence names (the active one first), for "not checked" lines. */
export function manifestLabels(evidence: readonly Evidence[]): string[] {
  const store = evidence.find((e) => e.source === "c2pa" && e.field === "manifest store");
  const active = store ? /active (.+)$/.exec(store.value)?.[1] : undefined;
  const others = evidence.map((e) => e.source === "c2pa" && typeof e.detail?.["manifest"] === "string" ? (e.detail["manifest"] as string) : null);
  return [...new Set([...(active ? [active] : []), ...others.filter((l): l is string => l !== null)])];
}

/**
 * Untrusted signers do not make a manifest invalid (c2pa-rs's "valid" tolerates them): the
 * codes that made it invalid are the others; all of them when only those are present.
 */
export function invalidatingCodes(m: Pick<C2paManifestVerdict, "failure">): string[] {
  const hard = m.failure.filter((c) => !c.endsWith(".untrusted"));
  return hard.length > 0 ? hard : [...m.failure];
}

/** "validated (trusted)", "validated (valid, signer not trusted)", "invalid (codes)", "not checked (why)". */
export function manifestStatus(v: C2paValidation | undefined, label: string): string {
  if (!v) return "not checked";
  if (v.outcome !== "validated") return `not checked (${v.outcome}${v.detail ? `: ${v.detail}` : ""})`;
  const m = v.manifests.find((x) => x.label === label);
  if (!m) return "not checked (not in the store c2pa-rs read)";
  if (m.state === "invalid") return `invalid (${invalidatingCodes(m).join(", ")})`;
  return m.state === "trusted" ? "validated (trusted)" : "validated (valid; signer not trusted: no anchor configured for it)";
}

/** One line per manifest: label and status; "not checked" for each manifest the labels name when none was recorded. */
export function manifestStatuses(v: C2paValidation | undefined, evidence: readonly Evidence[]): Array<{ label: string; status: string }> {
  if (!hasC2paManifest(evidence) && !v) return [];
  if (v?.outcome === "validated") return v.manifests.map((m) => ({ label: m.label, status: manifestStatus(v, m.label) }));
  if (v?.outcome === "no-manifest" && !hasC2paManifest(evidence)) return [];
  const labels = manifestLabels(evidence);
  return (labels.length > 0 ? labels : ["(manifest store)"]).map((label) => ({ label, status: manifestStatus(v, label) }));
}

/** The manifests that validated invalid, each with the codes that made it so. */
export function invalidManifests(v: C2paValidation | undefined): Array<{ label: string; codes: string[] }> {
  if (v?.outcome !== "validated") return [];
  return v.manifests.filter((m) => m.state === "invalid").map((m) => ({ label: m.label, codes: invalidatingCodes(m) }));
}

/** The sweep's warning for each invalid manifest. */
export function c2paWarnings(v: C2paValidation | undefined): string[] {
  return invalidManifests(v).map(
    (m) => `C2PA manifest ${m.label} is invalid (${m.codes.join(", ")}): its signature or bindings do not hold; a GenAI claim in it still counts, a claim of no GenAI does not`,
  );
}

const NOT_COUNTED = "notCounted";

/**
 * Weigh the C2PA evidence by the validation: a not-GenAI claim from a manifest that validated
 * invalid becomes "info" (kept, marked, with the codes); GenAI claims are left as they are.
 * Idempotent, and reversible: a claim discounted before counts again once its manifest
 * validates (new anchors, a new validator).
 */
export function weighC2paEvidence(evidence: readonly Evidence[], v: C2paValidation | undefined): Evidence[] {
  const invalid = new Map(invalidManifests(v).map((m) => [m.label, m.codes]));
  return evidence.map((e) => {
    if (e.source !== "c2pa") return e;
    const label = typeof e.detail?.["manifest"] === "string" ? (e.detail["manifest"] as string) : undefined;
    const discounted = e.detail?.[NOT_COUNTED] as { signal: Evidence["signal"]; value: string } | undefined;
    const codes = label !== undefined ? invalid.get(label) : undefined;
    if (discounted && !codes) {
      const { [NOT_COUNTED]: _gone, ...detail } = e.detail ?? {};
      return { ...e, signal: discounted.signal, value: discounted.value, detail };
    }
    if (e.signal === "not-genai" && codes) {
      return {
        ...e,
        signal: "info",
        value: `${e.value} (not counted: manifest invalid, ${codes.join(", ")})`,
        detail: { ...e.detail, [NOT_COUNTED]: { signal: e.signal, value: e.value } },
      };
    }
    return e;
  });
}
