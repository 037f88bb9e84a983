// The vocabulary of provenance decisions, shared by detection, the store and the CLI.

export const ORIGINS = ["genai", "genai-edited", "possibly-genai", "not-genai", "unknown"] as const;
export type Origin = (typeof ORIGINS)[number];

/** What one piece of evidence says on its own; "info" is shown but decides nothing. */
export const SIGNALS = ["genai", "genai-edited", "possibly-genai", "not-genai", "info"] as const;
export type Signal = (typeof SIGNALS)[number];

export const EVIDENCE_SOURCES = ["c2pa", "iptc", "generator", "folder", "manual", "exiftool", "lineage"] as const;
export type EvidenceSource = (typeof EVIDENCE_SOURCES)[number];

export interface Evidence {
  source: EvidenceSource;
  /** Where it was found, e.g. "XMP-iptcExt:DigitalSourceType" or "active manifest actions[0].digitalSourceType". */
  field: string;
  value: string;
  signal: Signal;
  /** Extra facts: manual tag's tool/model/prompt/note/by, a manifest's label, ... */
  detail?: Record<string, unknown>;
}

export const STATUSES = ["temporary", "approved"] as const;

/**
 * The events after which a watcher judges an asset's delivered files again (a decision or
 * a new classification, made by any process). The stores select them by these kinds; the
 * PostgreSQL NOTIFY trigger (db/postgres/migrations/0001_init.sql) names the same four.
 */
export const DECISION_EVENT_KINDS = ["approved", "revoked", "tagged", "classified"] as const;
export type Status = (typeof STATUSES)[number];

export function isGenAI(origin: Origin | Signal): boolean {
  return origin === "genai" || origin === "genai-edited";
}

/** Temporary GenAI: generated or edited with GenAI, and not approved for delivery. The one definition. */
export function isTemporaryGenAI(origin: Origin, status: Status | null): boolean {
  return isGenAI(origin) && status !== "approved";
}
