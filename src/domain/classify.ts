// Pure: evidence → origin, and origin + approvals → status. No I/O.

import type { Evidence, Origin, Status } from "./types.js";
import { isGenAI } from "./types.js";

/**
 * Evidence that declares the digital source type precisely (IPTC or C2PA
 * digitalSourceType) decides between "created" and "edited" when present; names and
 * marks only say GenAI was involved.
 */
function declaresSourceType(e: Evidence): boolean {
  return /DigitalSourceType$/i.test(e.field);
}

export interface Classification {
  origin: Origin;
  /** The evidence that decided it (empty when unknown). */
  decidedBy: Evidence[];
}

/**
 * Decide the origin of an asset from all of its evidence, oldest first.
 * A manual tag (the latest one) is a recorded human decision and wins; everything else
 * fails closed: any GenAI signal beats any not-GenAI signal.
 */
export function classify(evidence: readonly Evidence[]): Classification {
  const manual = evidence.filter((e) => e.source === "manual" && e.signal !== "info").at(-1);
  if (manual) return { origin: manual.signal as Origin, decidedBy: [manual] };

  const genai = evidence.filter((e) => e.signal === "genai" || e.signal === "genai-edited");
  if (genai.length > 0) {
    const declared = genai.filter(declaresSourceType);
    const pool = declared.length > 0 ? declared : genai;
    const created = pool.filter((e) => e.signal === "genai");
    return created.length > 0 ? { origin: "genai", decidedBy: created } : { origin: "genai-edited", decidedBy: pool };
  }
  for (const origin of ["possibly-genai", "not-genai"] as const) {
    const hits = evidence.filter((e) => e.signal === origin);
    if (hits.length > 0) return { origin, decidedBy: hits };
  }
  return { origin: "unknown", decidedBy: [] };
}

/**
 * The studio rule: generated material is temporary unless approved in writing through
 * `prov approve`. Nothing embedded in a file can make it approved.
 */
export function statusFor(origin: Origin, lastApproval: "approve" | "revoke" | undefined): Status | null {
  if (!isGenAI(origin)) return null;
  return lastApproval === "approve" ? "approved" : "temporary";
}
