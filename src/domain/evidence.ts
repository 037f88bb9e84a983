// Pure: ExifTool tags (read with -json -struct -G3:1) → evidence items. No I/O.
//
// With -G3:1 every key is "<doc>:<group>:<tag>" for embedded documents (JUMBF boxes are
// "Doc1", "Doc1-2", "Doc1-2-1-3", ...) and "<group>:<tag>" for the file itself.

import type { Evidence, Signal } from "./types.js";
import { describesGenAI, digitalSourceType, generatorName } from "./vocabulary.js";

export type RawTags = Readonly<Record<string, unknown>>;

export function evidenceFromTags(tags: RawTags): Evidence[] {
  return [...c2paEvidence(tags), ...iptcEvidence(tags), ...generatorEvidence(tags)];
}

// ---------------------------------------------------------------- C2PA

interface Box {
  id: string; // "1-2-1-3" (without "Doc")
  label: string | undefined;
  cbor: Map<string, unknown>;
}

interface Manifest {
  label: string;
  index: number;
  claimGenerator: string | undefined;
  claimGeneratorInfo: string[];
  actions: Action[];
  ingredients: Ingredient[];
}

interface Action {
  action: string | undefined;
  digitalSourceType: string | undefined;
  softwareAgent: string | undefined;
  description: string | undefined;
}

interface Ingredient {
  title: string | undefined;
  relationship: string | undefined;
  manifestLabel: string | undefined;
}

function boxes(tags: RawTags): Map<string, Box> {
  const out = new Map<string, Box>();
  for (const [key, value] of Object.entries(tags)) {
    const m = /^Doc(\d+(?:-\d+)*):(JUMBF|CBOR):(.+)$/.exec(key);
    if (!m) continue;
    const [, id, group, tag] = m as unknown as [string, string, string, string];
    let box = out.get(id);
    if (!box) {
      box = { id, label: undefined, cbor: new Map() };
      out.set(id, box);
    }
    if (group === "JUMBF" && tag === "JUMDLabel") box.label = str(value);
    else if (group === "CBOR") box.cbor.set(tag, value);
  }
  return out;
}

function childrenOf(all: Map<string, Box>, parent: string): Box[] {
  const depth = parent.split("-").length + 1;
  return [...all.values()]
    .filter((b) => b.id.startsWith(parent + "-") && b.id.split("-").length === depth)
    .sort((a, b) => lastIndex(a.id) - lastIndex(b.id));
}

function lastIndex(id: string): number {
  return Number(id.slice(id.lastIndexOf("-") + 1));
}

function readManifest(all: Map<string, Box>, box: Box): Manifest {
  const manifest: Manifest = {
    label: box.label ?? `manifest ${box.id}`,
    index: lastIndex(box.id),
    claimGenerator: undefined,
    claimGeneratorInfo: [],
    actions: [],
    ingredients: [],
  };
  for (const child of childrenOf(all, box.id)) {
    const label = child.label ?? "";
    if (label.startsWith("c2pa.claim")) {
      manifest.claimGenerator = str(child.cbor.get("Claim_generator"));
      manifest.claimGeneratorInfo = list(child.cbor.get("Claim_generator_info"))
        .map((i) => (isRecord(i) ? str(i["name"]) : undefined))
        .filter((n): n is string => n !== undefined);
    } else if (label === "c2pa.assertions") {
      for (const assertion of childrenOf(all, child.id)) {
        const alabel = assertion.label ?? "";
        if (/^c2pa\.actions(\.v\d+)?$/.test(alabel)) {
          for (const a of list(assertion.cbor.get("Actions"))) {
            if (!isRecord(a)) continue;
            manifest.actions.push({
              action: str(a["action"]),
              digitalSourceType: str(a["digitalSourceType"]),
              softwareAgent: agentName(a["softwareAgent"]),
              description: str(a["description"]),
            });
          }
        } else if (/^c2pa\.ingredient/.test(alabel)) {
          let manifestUrl: string | undefined;
          // v1/v2 ingredients: C2PA_Manifest {url}; v3: ActiveManifest {url}; flattened: *ManifestUrl.
          for (const [k, v] of assertion.cbor) {
            if (/ManifestUrl$/i.test(k)) manifestUrl = str(v) ?? manifestUrl;
            else if (/^(C2PA_Manifest|ActiveManifest)$/i.test(k) && isRecord(v)) manifestUrl = str(v["url"]) ?? manifestUrl;
          }
          manifest.ingredients.push({
            title: str(assertion.cbor.get("Title")),
            relationship: str(assertion.cbor.get("Relationship")),
            manifestLabel: manifestUrl ? /\/c2pa\/([^/]+)/.exec(manifestUrl)?.[1] : undefined,
          });
        }
      }
    }
  }
  return manifest;
}

function c2paEvidence(tags: RawTags): Evidence[] {
  const all = boxes(tags);
  const stores = [...all.values()].filter((b) => !b.id.includes("-"));
  const out: Evidence[] = [];
  for (const store of stores) {
    if (store.label !== "c2pa") {
      // XMP.svg: a pre-C2PA "cai" store looks like C2PA to a careless reader.
      out.push({ source: "c2pa", field: "JUMBF store", value: clip(`${store.label ?? "unlabelled"} (not C2PA)`), signal: "info" });
      continue;
    }
    const manifests = childrenOf(all, store.id).map((b) => readManifest(all, b));
    const active = manifests.at(-1);
    if (!active) {
      out.push({ source: "c2pa", field: "manifest store", value: "present but empty", signal: "info" });
      continue;
    }
    out.push({
      source: "c2pa",
      field: "manifest store",
      value: clip(`${manifests.length} manifest${manifests.length === 1 ? "" : "s"}; active ${active.label}`),
      signal: "info",
    });
    out.push(...manifestEvidence(active, "active manifest", null));

    // Every other manifest is an ingredient's; its relationship comes from the active
    // manifest's ingredient assertions (parentOf = the same picture, earlier).
    const relationships = new Map<string, string>();
    for (const m of manifests) for (const ing of m.ingredients) if (ing.manifestLabel && ing.relationship) relationships.set(ing.manifestLabel, ing.relationship);
    for (const m of manifests) {
      if (m === active) continue;
      const rel = relationships.get(m.label) ?? "ingredient";
      out.push(...manifestEvidence(m, `ingredient manifest (${rel})`, rel));
    }
  }
  const provenance = str(tags["XMP-dcterms:Provenance"]);
  if (provenance && /^https?:\/\//i.test(provenance) && !stores.some((s) => s.label === "c2pa")) {
    out.push({ source: "c2pa", field: "XMP-dcterms:Provenance", value: clip(`remote manifest, not checked: ${provenance}`), signal: "info" });
  }
  return out;
}

/** An ingredient merged into something else makes the result edited-with-GenAI, not generated. */
function throughIngredient(signal: Signal, relationship: string | null): Signal {
  if (relationship === null || relationship === "parentOf") return signal;
  return signal === "genai" ? "genai-edited" : signal === "not-genai" ? "info" : signal;
}

function manifestEvidence(m: Manifest, where: string, relationship: string | null): Evidence[] {
  const out: Evidence[] = [];
  const detail = { manifest: clip(m.label, 200) };
  const claimNames = [m.claimGenerator, ...m.claimGeneratorInfo].filter((x): x is string => !!x);
  for (const name of claimNames) {
    const gen = generatorName(name);
    out.push({
      source: "c2pa",
      field: `${where} claim generator`,
      value: clip(gen ? `${name} (${gen})` : name),
      signal: gen ? throughIngredient("genai", relationship) : "info",
      detail,
    });
  }
  m.actions.forEach((a, i) => {
    const at = `${where} actions[${i}]${a.action ? ` ${a.action}` : ""}`;
    if (a.digitalSourceType) {
      const dst = digitalSourceType(a.digitalSourceType);
      out.push({
        source: "c2pa",
        field: `${at} digitalSourceType`,
        value: clip(dst.known ? dst.uri : `${dst.uri} (not in the IPTC/C2PA vocabulary)`),
        signal: throughIngredient(dst.signal, relationship),
        detail,
      });
    }
    if (a.softwareAgent) {
      const gen = generatorName(a.softwareAgent);
      out.push({
        source: "c2pa",
        field: `${at} softwareAgent`,
        value: clip(a.softwareAgent),
        signal: gen ? throughIngredient("genai", relationship) : "info",
        detail,
      });
    }
    if (a.description && describesGenAI(a.description)) {
      out.push({ source: "c2pa", field: `${at} description`, value: clip(a.description), signal: throughIngredient("genai", relationship), detail });
    }
  });
  return out;
}

// ---------------------------------------------------------------- IPTC

const AI_FIELDS = ["AISystemUsed", "AISystemVersionUsed", "AIPromptInformation", "AIPromptWriterName"] as const;

function iptcEvidence(tags: RawTags): Evidence[] {
  const out: Evidence[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (!/(^|:)XMP-iptcExt:DigitalSourceType$/.test(key)) continue;
    for (const v of list(value)) {
      const s = str(v);
      if (!s) continue;
      const dst = digitalSourceType(s);
      out.push({
        source: "iptc",
        field: key,
        value: clip(dst.known ? dst.uri : `${s.trim()} (not in the IPTC vocabulary)`),
        signal: dst.signal,
      });
    }
  }
  // IPTC 2025.1: naming the AI system used is a statement that generative AI was used.
  for (const name of AI_FIELDS) {
    const value = str(tags[`XMP-iptcExt:${name}`]);
    if (!value) continue;
    const decisive = name === "AISystemUsed" || name === "AIPromptInformation";
    out.push({ source: "iptc", field: `XMP-iptcExt:${name}`, value: clip(value), signal: decisive ? "genai" : "info" });
  }
  return out;
}

// ---------------------------------------------------------------- generator marks

const A1111 = /(^|\n)Steps: \d+, Sampler: /;

function generatorEvidence(tags: RawTags): Evidence[] {
  const out: Evidence[] = [];
  const mark = (field: string, value: string, signal: Signal, generator: string): void => {
    out.push({ source: "generator", field, value: clip(value), signal, detail: { generator } });
  };

  for (const [key, raw] of Object.entries(tags)) {
    if (key.startsWith("Doc")) continue; // inside C2PA, handled above
    const tag = key.slice(key.lastIndexOf(":") + 1);
    const group = key.slice(0, key.lastIndexOf(":"));

    // Tool names, possibly lists. Not dc:Creator: it names people ("Sora", "Kling" are names too).
    if (/^(Software|CreatorTool|Encoder|EncodedBy|EncodingTool)$/.test(tag)) {
      for (const v of list(raw)) {
        const s = str(v);
        const gen = s ? generatorName(s) : null;
        if (s && gen) mark(key, s, "genai", gen);
      }
      continue;
    }
    // XMP media-management history (read with -struct): [{Action, SoftwareAgent, ...}].
    if (tag === "History") {
      for (const entry of list(raw)) {
        if (!isRecord(entry)) continue;
        const agent = str(entry["SoftwareAgent"]);
        const gen = agent ? generatorName(agent) : null;
        if (agent && gen) mark(`${key} SoftwareAgent`, agent, "genai", gen);
      }
      continue;
    }

    const value = str(raw);
    if (value === undefined) continue;
    if (tag === "Parameters" && group === "PNG") {
      if (A1111.test(value)) mark(key, value, "genai", "AUTOMATIC1111/Forge");
      else if (tags["PNG:Fooocus_scheme"] !== undefined || /"(fooocus|base_model|performance)"/i.test(value)) mark(key, value, "genai", "Fooocus");
      else mark(key, value, "possibly-genai", "unrecognised generator parameters");
    } else if (tag === "UserComment" && A1111.test(value)) {
      mark(key, value, "genai", "AUTOMATIC1111/Forge");
    } else if (group === "PNG" && (tag === "Prompt" || tag === "Workflow")) {
      if (/"class_type"|"nodes"\s*:/.test(value)) mark(key, value, "genai", "ComfyUI");
      else mark(key, value, "possibly-genai", "unrecognised prompt text");
    } else if (group === "PNG" && /^(Invokeai_metadata|Invokeai_graph|Dream|Sd-metadata)$/i.test(tag)) {
      mark(key, value, "genai", "InvokeAI");
    } else if (group === "PNG" && tag === "Fooocus_scheme") {
      mark(key, value, "genai", "Fooocus");
    } else if (group === "PNG" && tag === "Title" && describesGenAI(value)) {
      mark(key, value, "genai", "generator title");
    } else if (group === "PNG" && tag === "Source" && /stable diffusion/i.test(value)) {
      mark(key, value, "genai", "NovelAI");
    }
  }
  return out;
}

// ---------------------------------------------------------------- helpers

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null || v === "null") return [];
  return Array.isArray(v) ? v : [v];
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v.length > 0 && v !== "null" ? v : undefined;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

function agentName(v: unknown): string | undefined {
  if (isRecord(v)) return str(v["name"]);
  return str(v);
}

/**
 * Prompts and workflows can be megabytes (and a hostile file's tag value hundreds): every
 * evidence value is cut to this, so the store keeps a bounded row per evidence item. The
 * rules above look at the whole value (itself cut to budgets.maxTagBytes by the reader).
 */
function clip(s: string, max = 2000): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}
