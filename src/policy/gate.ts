// Pure: may this file stay in the final deliverables? No I/O; the deliverables gate
// (watchers/gate.ts) gathers the facts and acts on the answer.

import type { Evidence, Origin, Status } from "../detect/types.js";
import { isGenAI } from "../detect/types.js";

export interface GateFacts {
  /** A symbolic link in deliverables is a violation in itself and is never followed. */
  symlink: boolean;
  /** What the database knows of this content (by SHA-256), or of this inode while the content is incomplete. */
  known: { origin: Origin; status: Status | null; sha256: string } | null;
  /** What the file's own metadata, the folder rules and lineage say now. */
  own: { origin: Origin; evidence: readonly Evidence[] } | null;
  /** The file could not be read or identified (permission, corrupt, ExifTool timeout). */
  readError: string | null;
  /** Size and times unchanged for the stability window, and the hash is of complete content. */
  stable: boolean;
  /** A person released this content to this path with --force (recorded). */
  forcedRelease: boolean;
  unknownPolicy: "allow" | "hold";
  /**
   * The temporary GenAI asset this content looks like (perceptual fingerprints), if any:
   * "match" is the same picture re-encoded, "possible" is close enough to need a look.
   */
  derived?: { verdict: "match" | "possible"; what: string } | null;
}

export type GateDecision =
  | { action: "block"; reason: string }
  | { action: "hold"; reason: string }
  | { action: "allow"; reason: string }
  /** Not enough known yet: look again when the file is stable. */
  | { action: "wait"; reason: string };

export function decide(f: GateFacts): GateDecision {
  if (f.symlink) return { action: "block", reason: "symbolic link in deliverables (links are never followed or delivered)" };
  if (f.forcedRelease) return { action: "allow", reason: "released to this path with --force" };

  // Known temporary GenAI content is blocked at once, stable or not.
  if (f.known && isGenAI(f.known.origin) && f.known.status !== "approved") {
    return { action: "block", reason: `content is a known temporary GenAI asset (${f.known.origin}, sha256 ${f.known.sha256})` };
  }
  const approved = f.known?.status === "approved";
  if (f.own && isGenAI(f.own.origin) && !approved) {
    return { action: "block", reason: `its own metadata says ${f.own.origin} and it is not approved (${describe(f.own.evidence)})` };
  }
  if (!f.stable) return { action: "wait", reason: "still being written" };
  if (approved) return { action: "allow", reason: "approved GenAI asset" };
  if (f.derived?.verdict === "match") return { action: "block", reason: `derived from ${f.derived.what}` };
  if (f.readError) return { action: "hold", reason: `cannot be identified: ${f.readError}` };

  const origin = f.known?.origin ?? f.own?.origin ?? "unknown";
  if (origin === "possibly-genai") return { action: "hold", reason: `possibly GenAI: review it, then \`prov tag\` or \`prov approve\` (${describe(f.own?.evidence ?? [])})` };
  if (origin === "unknown" && f.unknownPolicy === "hold") return { action: "hold", reason: "no provenance at all, and gate.unknown is hold" };
  // A "possible" look-alike is not held: with thousands of GenAI stills recorded, chance
  // resemblances at that distance would hold real deliverables. The sweep lists it for review.
  if (f.derived?.verdict === "possible") return { action: "allow", reason: `possibly derived from ${f.derived.what} (the sweep lists it for review)` };
  return { action: "allow", reason: origin === "unknown" ? "no provenance (gate.unknown is allow)" : "nothing marks it GenAI" };
}

function describe(evidence: readonly Evidence[]): string {
  const decisive = evidence.filter((e) => e.signal !== "info" && e.signal !== "not-genai");
  const first = decisive[0];
  if (!first) return "no details";
  const more = decisive.length > 1 ? `, +${decisive.length - 1} more` : "";
  const value = first.value.length > 80 ? first.value.slice(0, 80) + "…" : first.value;
  return `${first.source}: ${first.field} = ${value}${more}`;
}
