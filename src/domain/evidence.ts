// Pure: ExifTool tags (read with -json -struct -G3:1) → evidence items. No I/O.
//
// With -G3:1 every key is "<doc>:<group>:<tag>" for embedded documents (JUMBF boxes are
// "Doc1", "Doc1-2", "Doc1-2-1-3", ...) and "<group>:<tag>" for the file itself.
//
// Values should be read with `-api StructFormat=JSONQ`: without it ExifTool prints any
// value that looks like a number unquoted, and JSON turns an IPTC AISystemVersionUsed of
// "3.0" into 3. Numbers are still accepted here (older reads), as their decimal text.

import { isRecord, recognisePayload, type Recognition } from "./generators.js";
import type { Evidence, Signal } from "./types.js";
import { creditsGenAI, describesGenAI, digitalSourceType, generatorName } from "./vocabulary.js";

export type RawTags = Readonly<Record<string, unknown>>;

export function evidenceFromTags(tags: RawTags): Evidence[] {
  return unique([...c2paEvidence(tags), ...iptcEvidence(tags), ...generatorEvidence(tags)]);
}

/** The store keeps one row per (source, field, value), the first; a repeated list value adds nothing. */
function unique(items: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const k = `${e.source}\u0000${e.field}\u0000${e.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// ---------------------------------------------------------------- C2PA

interface Box {
  id: string; // "1-2-1-3" (without "Doc")
  label: string | undefined;
  cbor: Map<string, unknown>;
  /** JSON-LD assertions (stds.iptc, schema.org) come out in ExifTool's JSON group. */
  json: Map<string, unknown>;
}

interface Manifest {
  label: string;
  index: number;
  claimGenerator: string | undefined;
  claimGeneratorInfo: string[];
  actions: Action[];
  ingredients: Ingredient[];
  /** Adobe's pre-IPTC-vocabulary GenAI assertion (early Firefly): its description names the model. */
  generativeAI: { description: string | undefined; version: string | undefined }[];
  softBindings: { label: string; alg: string | undefined; name: string | undefined }[];
  /** IPTC photo metadata carried inside the manifest (stds.iptc / stds.iptc.photo-metadata). */
  iptc: { label: string; field: string; value: string }[];
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
    const m = /^Doc(\d+(?:-\d+)*):(JUMBF|CBOR|JSON):(.+)$/.exec(key);
    if (!m) continue;
    const [, id, group, tag] = m as unknown as [string, string, string, string];
    let box = out.get(id);
    if (!box) {
      box = { id, label: undefined, cbor: new Map(), json: new Map() };
      out.set(id, box);
    }
    if (group === "JUMBF" && tag === "JUMDLabel") box.label = str(value);
    else if (group === "CBOR") box.cbor.set(tag, value);
    else if (group === "JSON") box.json.set(tag, value);
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

/** The manifest a URI such as "self#jumbf=/c2pa/urn:uuid:..." or "self#jumbf=c2pa/urn:uuid:..." points at. */
function manifestOfUrl(url: string | undefined): string | undefined {
  return url ? /jumbf=\/?c2pa\/([^/#?]+)/.exec(url)?.[1] : undefined;
}

const IPTC_AI_FIELDS = ["AISystemUsed", "AISystemVersionUsed", "AIPromptInformation", "AIPromptWriterName"] as const;

function readManifest(all: Map<string, Box>, box: Box): Manifest {
  const manifest: Manifest = {
    label: box.label ?? `manifest ${box.id}`,
    index: lastIndex(box.id),
    claimGenerator: undefined,
    claimGeneratorInfo: [],
    actions: [],
    ingredients: [],
    generativeAI: [],
    softBindings: [],
    iptc: [],
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
        // Several assertions of one kind get "__1", "__2" suffixes.
        const kind = alabel.replace(/__\d+$/, "");
        if (/^c2pa\.actions(\.v\d+)?$/.test(kind)) {
          for (const a of list(assertion.cbor.get("Actions"))) {
            if (!isRecord(a)) continue;
            manifest.actions.push({
              action: str(a["action"]),
              digitalSourceType: str(a["digitalSourceType"]),
              softwareAgent: agentName(a["softwareAgent"]),
              description: str(a["description"]),
            });
          }
        } else if (/^c2pa\.ingredient/.test(kind)) {
          let manifestUrl: string | undefined;
          // v1/v2 ingredients: C2PA_Manifest {url}; v3: ActiveManifest {url}; flattened: *ManifestUrl.
          for (const [k, v] of assertion.cbor) {
            if (/ManifestUrl$/i.test(k)) manifestUrl = str(v) ?? manifestUrl;
            else if (/^(C2PA_Manifest|ActiveManifest)$/i.test(k) && isRecord(v)) manifestUrl = str(v["url"]) ?? manifestUrl;
          }
          manifest.ingredients.push({
            title: str(assertion.cbor.get("Title")),
            relationship: str(assertion.cbor.get("Relationship")),
            manifestLabel: manifestOfUrl(manifestUrl),
          });
        } else if (kind === "com.adobe.generative-ai") {
          manifest.generativeAI.push({ description: str(assertion.cbor.get("Description")), version: str(assertion.cbor.get("Version")) });
        } else if (/^c2pa\.soft-binding(\.v\d+)?$/.test(kind)) {
          manifest.softBindings.push({ label: alabel, alg: str(assertion.cbor.get("Alg")), name: str(assertion.cbor.get("Name")) });
        } else if (/^stds\.iptc/.test(kind)) {
          // JSON-LD keys come out as "Iptc4xmpExt_DigitalSourceType" (":" is not a tag character).
          for (const [k, v] of [...assertion.json, ...assertion.cbor]) {
            const field = /(?:^|_)(DigitalSourceType|AISystemUsed|AISystemVersionUsed|AIPromptInformation|AIPromptWriterName)$/i.exec(k)?.[1];
            if (!field) continue;
            for (const x of list(v)) {
              const s = str(x);
              if (s) manifest.iptc.push({ label: alabel, field, value: s });
            }
          }
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
    // Early writers point at the parent in a form that does not resolve to a manifest label.
    // With exactly one parentOf ingredient left unresolved and exactly one manifest nobody
    // points at, that manifest is the parent: the same picture, so its GenAI label stays
    // "created", not "edited". (A manifest nothing points at stays a plain "ingredient".)
    const labels = new Set(manifests.map((m) => m.label));
    const unresolvedParents = active.ingredients.filter((i) => i.relationship === "parentOf" && !(i.manifestLabel && labels.has(i.manifestLabel)));
    const unlinked = manifests.filter((m) => m !== active && !relationships.has(m.label));
    if (unresolvedParents.length === 1 && unlinked.length === 1) relationships.set(unlinked[0]!.label, "parentOf");
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

/**
 * Watermarks that only AI generators apply: a soft binding with one of these is itself a
 * statement of generation. Every algorithm on the C2PA soft-binding list today
 * (Digimarc, TrustMark, ISCC, Steg.AI, ...) marks provenance, not AI, so it is info.
 */
const GENAI_ONLY_WATERMARK = /synthid/i;

function manifestEvidence(m: Manifest, where: string, relationship: string | null): Evidence[] {
  const out: Evidence[] = [];
  const detail = { manifest: clip(m.label, 200) };
  // claim_generator and claim_generator_info often repeat one name: one item each.
  const claimNames = [...new Set([m.claimGenerator, ...m.claimGeneratorInfo].filter((x): x is string => !!x))];
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
  // Early Adobe Firefly (2023) wrote no digitalSourceType: its GenAI statement is this assertion.
  m.generativeAI.forEach((g, i) => {
    out.push({
      source: "c2pa",
      field: `${where} com.adobe.generative-ai${i > 0 ? `[${i}]` : ""}`,
      value: clip([g.description ?? "generative AI", g.version ? `version ${g.version}` : ""].filter(Boolean).join(", ")),
      signal: throughIngredient("genai", relationship),
      detail,
    });
  });
  // A soft binding (watermark or fingerprint) ties the asset to a manifest held elsewhere;
  // prov cannot decode it, but its presence is a fact worth keeping.
  for (const s of m.softBindings) {
    const genai = (s.alg !== undefined && GENAI_ONLY_WATERMARK.test(s.alg)) || (s.name !== undefined && describesGenAI(s.name));
    out.push({
      source: "c2pa",
      field: `${where} ${s.label}`,
      value: clip(`soft binding ${s.alg ?? "(no alg)"}${s.name ? ` "${s.name}"` : ""}; not decoded`),
      signal: genai ? throughIngredient("genai", relationship) : "info",
      detail: { ...detail, ...(s.alg ? { alg: s.alg } : {}) },
    });
  }
  for (const x of m.iptc) {
    const field = `${where} ${x.label} ${x.field}`;
    if (x.field.toLowerCase() === "digitalsourcetype") {
      const dst = digitalSourceType(x.value);
      out.push({
        source: "c2pa",
        field,
        value: clip(dst.known ? dst.uri : `${x.value.trim()} (not in the IPTC vocabulary)`),
        signal: throughIngredient(dst.signal, relationship),
        detail,
      });
    } else {
      const decisive = x.field === "AISystemUsed" || x.field === "AIPromptInformation";
      out.push({ source: "c2pa", field, value: clip(x.value), signal: decisive ? throughIngredient("genai", relationship) : "info", detail });
    }
  }
  return out;
}

// ---------------------------------------------------------------- IPTC

function iptcEvidence(tags: RawTags): Evidence[] {
  const out: Evidence[] = [];
  for (const [key, value] of Object.entries(tags)) {
    // Any XMP group: writers who misspell the IPTC Extension namespace URI still use the property name.
    if (/(^|:)XMP-[\w-]+:DigitalSourceType$/i.test(key)) {
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
      continue;
    }
    // IPTC 2025.1 (ExifTool 13.40+): Iptc4xmpExt:AISystemUsed, AISystemVersionUsed,
    // AIPromptInformation, AIPromptWriterName. Naming the AI system used, or the prompt, is
    // a statement that generative AI made the image; the version and the prompt's writer
    // only add to it.
    if (key.startsWith("Doc")) continue; // inside C2PA, handled above
    // (A language-tagged copy, e.g. "AIPromptInformation-de", counts as the same field.)
    const ai = /(?:^|:)XMP-iptcExt:(AISystemUsed|AISystemVersionUsed|AIPromptInformation|AIPromptWriterName)(?:-[A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)?$/.exec(key)?.[1];
    if (ai) {
      const text = list(value)
        .map(str)
        .filter((s): s is string => !!s)
        .join("; ");
      if (!text) continue;
      const decisive = ai === "AISystemUsed" || ai === "AIPromptInformation";
      out.push({ source: "iptc", field: key, value: clip(text), signal: decisive ? "genai" : "info" });
      continue;
    }
    // Credit lines such as Google's "Made with Google AI" (written with an edit's source type).
    if (/(^|:)(XMP-photoshop|IPTC):Credit$/.test(key)) {
      const s = str(value);
      if (s && creditsGenAI(s)) out.push({ source: "iptc", field: key, value: clip(s), signal: "genai-edited" });
    }
  }
  // Keep the order of IPTC_AI_FIELDS for the four AI fields (as the standard lists them).
  return out.sort((a, b) => aiOrder(a.field) - aiOrder(b.field));
}

function aiOrder(field: string): number {
  const i = IPTC_AI_FIELDS.findIndex((f) => field.endsWith(`:${f}`));
  return i < 0 ? -1 : i;
}

// ---------------------------------------------------------------- generator marks

/** Fields that name a tool. Not dc:Creator: it names people ("Sora", "Kling" are names too). */
function isToolField(group: string, tag: string): boolean {
  if (/^(Software|CreatorTool|Encoder|EncodedBy|EncodingTool|ProcessingSoftware|Application|ApplicationName)$/.test(tag)) return true;
  // A PDF's Creator and Producer are the application that made it (PDF 1.7 §14.3.3), not a person.
  return (group === "PDF" && (tag === "Creator" || tag === "Producer")) || (group === "XMP-pdf" && tag === "Producer");
}

/** Groups that never hold a generator's text. */
const SKIP_GROUP = /^(ExifTool|Composite|ICC[-_\w]*|JFIF|Jpeg2000|MPF\d*|MPImage\d+)$/;

function generatorEvidence(tags: RawTags): Evidence[] {
  const out: Evidence[] = [];
  const mark = (field: string, value: string, signal: Signal, generator: string, extra?: Record<string, unknown>): void => {
    out.push({ source: "generator", field, value: clip(value), signal, detail: { generator, ...extra } });
  };
  const recognised = (field: string, value: string, r: Recognition): void => {
    mark(field, value, r.signal, r.generator, { format: r.format, ...r.facts });
  };

  for (const [key, raw] of Object.entries(tags)) {
    if (key.startsWith("Doc")) continue; // inside C2PA, handled above
    const tag = key.slice(key.lastIndexOf(":") + 1);
    const group = key.slice(0, key.lastIndexOf(":"));
    if (SKIP_GROUP.test(group)) continue;
    // Of the File group only a JPEG comment (COM segment) is text a tool wrote.
    if (group === "File" && tag !== "Comment") continue;

    if (isToolField(group, tag)) {
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

    const value = typeof raw === "string" && raw !== "null" ? raw : undefined;
    if (value === undefined || value.length === 0) continue;

    // What the text itself says, wherever it is: ComfyUI graphs in EXIF Make/Model or
    // UserComment, A1111-style parameters, Fooocus/Draw Things/NovelAI/... JSON, TC260 labels.
    const r = recognisePayload(value);
    if (r) {
      recognised(key, value, r);
      continue;
    }

    // Marks that are the tag's name itself (a PNG text keyword only one tool writes).
    const png = group === "PNG";
    if (/^aigc$/i.test(tag)) {
      // A TC260 AIGC label whose JSON could not be read: the label is there, its value is not.
      mark(key, value, "possibly-genai", "TC260 AIGC label (GB 45438-2025)", { format: "unreadable AIGC label" });
    } else if (png && tag === "Parameters") {
      // Fooocus' JSON scheme in PNG "parameters" (with "fooocus_scheme" beside it).
      if (tags["PNG:Fooocus_scheme"] !== undefined || /"(fooocus|base_model|performance)"/i.test(value)) mark(key, value, "genai", "Fooocus", { format: "Fooocus parameters" });
      else mark(key, value, "possibly-genai", "unrecognised generator parameters");
    } else if (png && (tag === "Prompt" || tag === "Workflow")) {
      if (easyDiffusionPng(tags)) mark(key, value, "genai", "Easy Diffusion", { format: "Easy Diffusion PNG text" });
      else mark(key, value, "possibly-genai", "unrecognised prompt text");
    } else if (png && /^(Invokeai_metadata|Invokeai_graph|Invokeai_workflow|Dream|Sd-metadata)$/i.test(tag)) {
      mark(key, value, "genai", "InvokeAI", { format: `PNG ${tag.toLowerCase()} chunk` });
    } else if (png && tag === "Fooocus_scheme") {
      mark(key, value, "genai", "Fooocus", { format: "PNG fooocus_scheme chunk" });
    } else if (png && /^(Use_stable_diffusion_model|Num_inference_steps|StableDiffusionModel)$/.test(tag)) {
      mark(key, value, "genai", "Easy Diffusion", { format: "Easy Diffusion PNG text" });
    } else if (png && tag === "Title" && (describesGenAI(value) || /\bNovelAI generated\b/i.test(value))) {
      mark(key, value, "genai", "generator title");
    } else if (png && tag === "Source" && /^(stable diffusion|novelai diffusion)\b/i.test(value.trim())) {
      mark(key, value, "genai", "NovelAI");
    } else if (tag === "ImageDescription" && XAI_SIGNATURE.test(value) && UUID.test(str(tags[`${group}:Artist`]) ?? "")) {
      // Grok (xAI) JPEGs carry no C2PA or IPTC label: only this pair, EXIF Artist = the image's
      // UUID and ImageDescription = "Signature: <base64>" (observed on public downloads, not published).
      mark(key, value, "genai", "xAI Grok", { format: "xAI signature (ImageDescription + UUID Artist)" });
    }
  }
  return out;
}

const XAI_SIGNATURE = /^Signature: [A-Za-z0-9+/=]{64,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function easyDiffusionPng(tags: RawTags): boolean {
  return tags["PNG:Use_stable_diffusion_model"] !== undefined || tags["PNG:StableDiffusionModel"] !== undefined || tags["PNG:Num_inference_steps"] !== undefined;
}

// ---------------------------------------------------------------- helpers

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
