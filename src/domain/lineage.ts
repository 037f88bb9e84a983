// Pure: evidence as the store keeps it → evidence as the rules read it, including what
// travels from other contents: the GenAI evidence of a media-data twin (the same picture
// or sound under other bytes, e.g. after `exiftool -all=` stripped its labels), unless the
// file's own C2PA claim disagrees (then both are shown), and of the other frames of the
// same shot whose labels were not read. Only GenAI signals travel: fail closed. And which
// way a perceptual look-alike goes between a file and a GenAI asset (lookalikeDirection).

import type { AssetFactsRow, EvidenceRow, GenAIEvidenceRow, SequenceEvidenceRow } from "../ports.js";
import type { Evidence, Origin } from "./types.js";
import { isGenAI } from "./types.js";

export function toEvidence(row: EvidenceRow): Evidence {
  const e: Evidence = { source: row.source, field: row.field, value: row.value, signal: row.signal };
  if (row.detail) e.detail = JSON.parse(row.detail) as Record<string, unknown>;
  return e;
}

/**
 * GenAI evidence of the other frames of the sequences this content is a frame of. Every
 * frame's labels are read (one batched ExifTool read of the shot), so a frame whose own
 * labels were read speaks for itself: another frame's label is shown on it as information,
 * never as its class. Only a frame whose labels were not read (recorded by an older prov
 * that read a sample, or not read at all) takes its shot's GenAI evidence, and says so.
 */
export function shotEvidence(rows: readonly SequenceEvidenceRow[], ownLabelsRead = false): Evidence[] {
  return rows.map(({ sha256, pattern, frame, ...row }) => {
    const e = toEvidence(row);
    const field = `frame ${frame} of the same sequence (${pattern}): ${e.source} ${e.field}`;
    if (ownLabelsRead) {
      return { source: "lineage" as const, field, value: `${e.value} (not spread: this frame's own labels were read and do not say so)`, signal: "info" as const, detail: { sha256, via: e.source, sequence: pattern, spread: false } };
    }
    return { source: "lineage" as const, field, value: `${e.value} (spread to this frame: its own labels were not read)`, signal: e.signal, detail: { sha256, via: e.source, sequence: pattern, spread: true } };
  });
}

/** Whether ExifTool read this content's labels (a frame recorded without its metadata read has no ExifTool version). */
export function labelsRead(asset: Pick<AssetFactsRow["asset"], "exiftool_version" | "metadata_error">): boolean {
  return asset.exiftool_version !== null || asset.metadata_error !== null;
}

/** All evidence for a recorded content: its own, then what travels to it. */
export function evidenceOf(f: Pick<AssetFactsRow, "asset" | "evidence" | "twins" | "shot">): Evidence[] {
  const own = f.evidence.map(toEvidence);
  return [...own, ...twinEvidence(f.twins, own), ...shotEvidence(f.shot, labelsRead(f.asset))];
}

// ------------------------------------------------------------------ own claim vs twin claim

/** What a file's own C2PA manifest claims, when it has one and it does not say GenAI. */
export function ownC2paClaim(own: readonly Evidence[]): string | null {
  const store = own.find((e) => e.source === "c2pa" && e.field === "manifest store" && e.value !== "present but empty");
  if (!store) return null;
  // A file whose own labels say GenAI needs no twin to say so: nothing conflicts.
  if (own.some((e) => LABELS.has(e.source) && isGenAI(e.signal))) return null;
  const declared = own.find((e) => e.source === "c2pa" && /^active manifest .*digitalSourceType$/.test(e.field) && e.signal === "not-genai");
  if (declared) return `capture (${declared.value.replace(/^.*\//, "")})`;
  return "no GenAI";
}

const LABELS: ReadonlySet<Evidence["source"]> = new Set(["c2pa", "iptc", "generator", "exiftool"]);

/**
 * GenAI evidence of recorded assets with the same media data, as lineage items. When the
 * file has a C2PA claim of its own that does not say GenAI, its twin's claim does not
 * overrule it: both are shown, as "possibly GenAI", for a person to settle.
 */
export function twinEvidence(rows: readonly GenAIEvidenceRow[], own: readonly Evidence[] = []): Evidence[] {
  const claim = ownC2paClaim(own);
  return rows.map(({ sha256, ...row }) => {
    const e = toEvidence(row);
    // Ends with the original field, so a declared DigitalSourceType still counts as declared.
    const field = `same media data as ${sha256}: ${e.source} ${e.field}`;
    if (claim && isGenAI(e.signal)) {
      return {
        source: "lineage" as const,
        field,
        value: `own C2PA claim: ${claim}; twin ${sha256.slice(0, 12)} claims ${e.signal} (${e.value.length > 80 ? e.value.slice(0, 80) + "…" : e.value}); neither wins`,
        signal: "possibly-genai" as const,
        detail: { sha256, via: e.source, conflict: true, own: claim, twin: e.signal },
      };
    }
    return { source: "lineage" as const, field, value: e.value, signal: e.signal, detail: { sha256, via: e.source } };
  });
}

// ------------------------------------------------------------------ which way a look-alike goes

/**
 * What a file's own C2PA and XMP say it is (its ids), and which files its active C2PA
 * manifest names as ingredients, from ExifTool tags (-G3:1). Recorded as information
 * evidence, so "is this plate the ingredient of that edit?" can be asked later without
 * reading either file again.
 */
export function c2paLinks(tags: Readonly<Record<string, unknown>>): Evidence[] {
  const labels = new Map<string, string>();
  const cbor = new Map<string, Map<string, unknown>>();
  for (const [key, value] of Object.entries(tags)) {
    const m = /^Doc(\d+(?:-\d+)*):(JUMBF|CBOR):(.+)$/.exec(key);
    if (!m) continue;
    const [, id, group, tag] = m as unknown as [string, string, string, string];
    if (group === "JUMBF" && tag === "JUMDLabel" && typeof value === "string") labels.set(id, value);
    else if (group === "CBOR") {
      let box = cbor.get(id);
      if (!box) cbor.set(id, (box = new Map()));
      box.set(tag, value);
    }
  }
  const out: Evidence[] = [];
  const ids = new Set<string>();
  for (const k of ["XMP-xmpMM:InstanceID", "XMP-xmpMM:DocumentID", "XMP-xmpMM:OriginalDocumentID"]) {
    const v = tags[k];
    if (typeof v === "string" && v.trim()) ids.add(v.trim());
  }
  // The active manifest is the store's last one: "<store>-<n>" with the highest n.
  const manifests = [...labels.keys()].filter((id) => id.split("-").length === 2 && labels.get(id.split("-")[0]!) === "c2pa");
  const active = manifests.sort((a, b) => Number(a.split("-")[1]) - Number(b.split("-")[1])).at(-1);
  if (active) {
    ids.add(labels.get(active)!);
    for (const [id, label] of labels) {
      if (!id.startsWith(active + "-")) continue;
      const box = cbor.get(id);
      if (label.startsWith("c2pa.claim")) {
        const iid = box?.get("InstanceID");
        if (typeof iid === "string") ids.add(iid);
      } else if (/^c2pa\.ingredient/.test(label) && box) {
        const ref: Record<string, string> = {};
        for (const [k, v] of box) {
          if (k === "InstanceID" || k === "DocumentID" || k === "Title" || k === "Relationship") ref[k] = String(v);
          else if (/ManifestUrl$/i.test(k) && typeof v === "string") ref["Manifest"] = /\/c2pa\/([^/]+)/.exec(v)?.[1] ?? v;
        }
        const refs = [ref["InstanceID"], ref["Manifest"]].filter((x): x is string => !!x);
        if (refs.length === 0) continue;
        out.push({
          source: "c2pa",
          field: "active manifest ingredient",
          value: `${ref["Title"] ?? "untitled"} (${ref["Relationship"] ?? "ingredient"}): ${refs.join(", ")}`,
          signal: "info",
          detail: { ingredient: refs, relationship: ref["Relationship"] ?? null },
        });
      }
    }
  }
  if (ids.size > 0) out.push({ source: "c2pa", field: "identity", value: [...ids].join(", "), signal: "info", detail: { ids: [...ids] } });
  return out;
}

function idsOf(evidence: readonly Evidence[]): string[] {
  return evidence.flatMap((e) => (e.source === "c2pa" && e.field === "identity" && Array.isArray(e.detail?.["ids"]) ? (e.detail["ids"] as unknown[]).filter((x): x is string => typeof x === "string") : []));
}

function ingredientsOf(evidence: readonly Evidence[]): string[] {
  return evidence.flatMap((e) => (e.source === "c2pa" && e.field === "active manifest ingredient" && Array.isArray(e.detail?.["ingredient"]) ? (e.detail["ingredient"] as unknown[]).filter((x): x is string => typeof x === "string") : []));
}

/** One side of a perceptual look-alike: what it is, when prov first saw it, and its own evidence. */
export interface LookalikeSide {
  sha256: string;
  origin: Origin;
  firstSeen: string;
  /** The hash of its media data alone (ImageDataHash), when known. */
  mediaHash?: string | null;
  evidence: readonly Evidence[];
}

export interface Direction {
  /**
   * "derived": the file is taken from the GenAI asset; "source": the GenAI asset was made
   * from it; "twin": the same media data, which twinEvidence judges (not a look-alike).
   */
  way: "derived" | "source" | "twin";
  why: string;
}

/**
 * Which way a perceptual look-alike goes between a file and a GenAI asset. Only a fully
 * generated (`genai`) asset can be the source of a look-alike by itself: nothing of a
 * camera's was in it. A GenAI edit (`genai-edited`: generative fill, upscale, relight) is
 * made from a plate, so its look-alike is that source, not a derivative, when prov recorded
 * the look-alike first or the edit's C2PA manifest names it as an ingredient; otherwise it
 * is taken as derived from the edit (fail closed).
 */
export function lookalikeDirection(file: LookalikeSide, genai: LookalikeSide): Direction {
  const id = genai.sha256.slice(0, 12);
  if (file.mediaHash && file.mediaHash === genai.mediaHash) return { way: "twin", why: `the same media data as ${id} (lineage by media data decides)` };
  if (genai.origin === "genai") return { way: "derived", why: "a fully generated asset can only be the source of its look-alikes, so this one is derived from it" };
  const named = new Set(ingredientsOf(genai.evidence));
  const hit = idsOf(file.evidence).find((x) => named.has(x));
  if (hit) return { way: "source", why: `source of GenAI edit ${id}: its C2PA manifest names this file as an ingredient (${hit})` };
  if (file.firstSeen < genai.firstSeen) return { way: "source", why: `source of GenAI edit ${id}: prov recorded this file first (${file.firstSeen.slice(0, 10)}, the edit ${genai.firstSeen.slice(0, 10)})` };
  return { way: "derived", why: `taken as derived from the GenAI edit: prov recorded the edit first (${genai.firstSeen.slice(0, 10)}) and its C2PA manifest does not name this file as an ingredient` };
}
