// Pure: evidence as the store keeps it → evidence as the rules read it, including what
// travels from other contents: the GenAI evidence of a media-data twin (the same picture
// or sound under other bytes, e.g. after `exiftool -all=` stripped its labels) and of the
// other frames of the same shot. Only GenAI signals travel: fail closed.

import type { AssetFactsRow, EvidenceRow, GenAIEvidenceRow, SequenceEvidenceRow } from "../ports.js";
import type { Evidence } from "./types.js";

export function toEvidence(row: EvidenceRow): Evidence {
  const e: Evidence = { source: row.source, field: row.field, value: row.value, signal: row.signal };
  if (row.detail) e.detail = JSON.parse(row.detail) as Record<string, unknown>;
  return e;
}

/** GenAI evidence of recorded assets with the same media data, as lineage items. */
export function twinEvidence(rows: readonly GenAIEvidenceRow[]): Evidence[] {
  return rows.map(({ sha256, ...row }) => {
    const e = toEvidence(row);
    return {
      source: "lineage" as const,
      // Ends with the original field, so a declared DigitalSourceType still counts as declared.
      field: `same media data as ${sha256}: ${e.source} ${e.field}`,
      value: e.value,
      signal: e.signal,
      detail: { sha256, via: e.source },
    };
  });
}

/**
 * GenAI evidence of the other frames of the sequences this content is a frame of: metadata
 * is read from a sample of a shot's frames, and a shot with one generated frame is a
 * generated shot.
 */
export function shotEvidence(rows: readonly SequenceEvidenceRow[]): Evidence[] {
  return rows.map(({ sha256, pattern, frame, ...row }) => {
    const e = toEvidence(row);
    return {
      source: "lineage" as const,
      field: `frame ${frame} of the same sequence (${pattern}): ${e.source} ${e.field}`,
      value: e.value,
      signal: e.signal,
      detail: { sha256, via: e.source, sequence: pattern },
    };
  });
}

/** All evidence for a recorded content: its own, then what travels to it. */
export function evidenceOf(f: Pick<AssetFactsRow, "evidence" | "twins" | "shot">): Evidence[] {
  return [...f.evidence.map(toEvidence), ...twinEvidence(f.twins), ...shotEvidence(f.shot)];
}
