// Pure: may this file stay in the final deliverables? Every rule of the gate is here, in
// one function: the gate, `prov release`, the sweep and the desk ask it. No I/O; the app
// layer (src/app/judge.ts) gathers the facts and acts on the answer.

import type { Evidence, Origin, Status } from "./types.js";
import { isGenAI, isTemporaryGenAI } from "./types.js";

/**
 * The start of the reason given for a file over one of its budgets (budgets.metadataSeconds,
 * decodeSeconds, maxTagBytes in the configuration). Such a file is not identified: it
 * arrives here as a `readError` and is held like any file that cannot be read.
 */
export const OVER_BUDGET = "over budget";

export interface GateFacts {
  /**
   * What is at the path: a regular file; a symbolic link (a violation in itself, never
   * followed); something else (FIFO, socket, device); or something that could not even be
   * looked at (`readError` says why).
   */
  entry: "file" | "symlink" | "other" | "unreadable";
  /** A regular file of 0 bytes: no content that could be GenAI. */
  empty: boolean;
  /** What the store knows of this content (by SHA-256), or of this inode while the content is not read yet. */
  known: { origin: Origin; status: Status | null; sha256: string; via: "content" | "inode" } | null;
  /** What the file's own metadata, the folder rules and lineage say now. */
  own: { origin: Origin; evidence: readonly Evidence[] } | null;
  /** The file could not be read or identified (permission, corrupt, over its time or size budget: OVER_BUDGET). */
  readError: string | null;
  /** Size and times unchanged for the stability window, and the hash is of complete content. */
  stable: boolean;
  /** A person released this content to this path with --force (recorded). */
  forcedRelease: boolean;
  /** Its name is not UTF-8: prov cannot judge it by name (folder rules) nor record it under that name. */
  unnamed?: boolean;
  unknownPolicy: "allow" | "hold";
  /**
   * The temporary GenAI asset this content looks like (perceptual fingerprints), if any:
   * "match" is the same picture re-encoded, "possible" is close enough to need a look.
   */
  derived?: { verdict: "match" | "possible"; what: string } | null;
  /** A member of this container (archive member, data after an image's end) is temporary GenAI. */
  container?: { member: string; reason: string } | null;
  /** What could not be looked inside (an encrypted member, a corrupt or too-large archive). */
  uninspectable?: string | null;
}

export type GateDecision =
  | { action: "block"; reason: string }
  | { action: "hold"; reason: string }
  | { action: "allow"; reason: string }
  /** Not enough known yet: look again when the file is stable. */
  | { action: "wait"; reason: string };

export function decide(f: GateFacts): GateDecision {
  if (f.entry === "symlink") return { action: "block", reason: "symbolic link in deliverables (links are never followed or delivered)" };
  if (f.entry === "other") return { action: "hold", reason: "not a regular file (FIFO, socket or device)" };
  if (f.entry === "unreadable") return { action: "hold", reason: `cannot read: ${f.readError ?? "unknown reason"}` };
  if (f.forcedRelease) return { action: "allow", reason: "released to this path with --force" };

  // Known temporary GenAI content is blocked at once, stable or not.
  if (f.known && isTemporaryGenAI(f.known.origin, f.known.status)) {
    const how = f.known.via === "inode" ? "a hard link or rename of" : "content is";
    return { action: "block", reason: `${how} a known temporary GenAI asset (${f.known.origin}, sha256 ${f.known.sha256})` };
  }
  const approved = f.known?.status === "approved";
  if (f.own && isGenAI(f.own.origin) && !approved) {
    return { action: "block", reason: `its own metadata says ${f.own.origin} and it is not approved (${describe(f.own.evidence)})` };
  }
  if (f.container) return { action: "block", reason: `it holds temporary GenAI: ${f.container.member} (${f.container.reason})` };
  // An empty file has no content that could be GenAI; when it grows it is judged again.
  if (f.empty) return { action: "allow", reason: "empty file (judged again when it grows)" };
  if (!f.stable) return { action: "wait", reason: "still being written" };
  if (approved) return { action: "allow", reason: "approved GenAI asset" };
  if (f.derived?.verdict === "match") return { action: "block", reason: `derived from ${f.derived.what}` };
  if (f.readError) return { action: "hold", reason: `cannot be identified: ${f.readError}` };
  if (f.uninspectable) return { action: "hold", reason: `cannot look inside it: ${f.uninspectable}` };
  if (f.unnamed) return { action: "hold", reason: "its name is not UTF-8, so it cannot be judged by name or recorded under it; rename it" };

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
