// Pure: the text a generative tool writes into a file → which tool, and what it says. No I/O.
//
// Each recogniser reads one tool's published format (the tool's own writer code; sources in
// README) rather than one regex for all: a ComfyUI graph is recognised by its node shape,
// AUTOMATIC1111-style "infotext" by its parameter line, Fooocus / Draw Things / NovelAI /
// InvokeAI / SwarmUI / Easy Diffusion / Civitai JSON by their own keys, and the Chinese
// GB 45438-2025 (TC260) AIGC label by its seven fields. A recogniser that is not sure says
// nothing: these run on every text tag of a file, and a camera's Make, Model or
// UserComment must never read as a generator.

import type { Signal } from "./types.js";

export interface Recognition {
  /** The tool (or label scheme) that wrote it, e.g. "ComfyUI", "SD.Next", "Fooocus". */
  generator: string;
  /** What was found, e.g. "ComfyUI workflow (JSON)". */
  format: string;
  signal: Signal;
  /** Facts read from it (model URNs, label fields, versions); only what is present. */
  facts?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

// ------------------------------------------------------------------ entry point

/**
 * Recognise a generator's payload in one text value, wherever ExifTool found it. Handles
 * the envelopes tools put around it: ComfyUI's "workflow:{...}" / "prompt:{...}" in EXIF
 * (Make, Model, ImageDescription, ...), ExifTool's "(key) value" for ID3 user text, and a
 * byte-order mark.
 */
export function recognisePayload(text: string): Recognition | null {
  const s = text.replace(/^\uFEFF/, "").trim();
  if (s.length < 8) return null;
  const { key, body } = unwrap(s);
  if (body.startsWith("{") || body.startsWith("[")) {
    const parsed = parseJson(body);
    if (parsed !== undefined) return recogniseJson(parsed, key);
    // Cut or non-standard JSON (Python writes NaN): fall back to the graph's unmistakable keys.
    if (/"class_type"\s*:/.test(body) && /"inputs"\s*:/.test(body)) return comfy("ComfyUI prompt graph (JSON, not parseable)", "genai", {});
    return null;
  }
  return recogniseText(s);
}

function unwrap(s: string): { key: string | null; body: string } {
  // ComfyUI SaveAnimatedWEBP: EXIF 0x0110 Model = "prompt:" + JSON, 0x010F Make = "workflow:" + JSON
  // (further extra_pnginfo keys count down from 0x010F). Only a short identifier counts as a key.
  const m = /^([A-Za-z_][\w-]{0,40}):\s*([[{][\s\S]*)$/.exec(s);
  if (m) return { key: m[1]!, body: m[2]!.trim() };
  // ExifTool prints ID3 TXXX and similar user-defined text as "(description) value".
  const p = /^\(([^()]{1,40})\)\s*([[{][\s\S]*)$/.exec(s);
  if (p) return { key: p[1]!, body: p[2]!.trim() };
  return { key: null, body: s };
}

/** JSON.parse, tolerating Python's bare NaN / Infinity (json.dumps writes them). */
function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    try {
      // No lookbehind: one with \s* rescans a whitespace run at every position (quadratic).
      return JSON.parse(s.replace(/([:,[]\s*)-?(?:NaN|Infinity)(?=\s*[,\]}])/g, "$1null"));
    } catch {
      return undefined;
    }
  }
}

// ------------------------------------------------------------------ JSON payloads

function recogniseJson(v: unknown, key: string | null): Recognition | null {
  if (!isRecord(v)) return null;
  return (
    tc260(v) ??
    comfyWrapper(v) ??
    comfyGraph(v, key) ??
    swarmUI(v) ??
    invokeAI(v) ??
    fooocus(v) ??
    drawThings(v) ??
    novelAI(v) ??
    civitaiGeneration(v) ??
    easyDiffusion(v)
  );
}

// ---- ComfyUI

/**
 * Node types that generate: samplers, model/checkpoint/UNet/LoRA loaders, text encoders
 * and latent sources of the diffusion families ComfyUI ships. A graph with none of them
 * (load → upscale → save) processed an image but did not generate one.
 */
const GENERATIVE_NODE =
  /sampler|checkpoint|unet|diffusion|lora|textencode|clipencode|emptylatent|emptysd3latent|emptyhunyuan|emptymochi|emptyltxv|emptycosmos|emptywan|guider|sigmas|controlnet|ipadapter|instantid|pulid|stylemodel|unclip|hypernetwork|gligen|flux|sd3|ltxv|mochi|hunyuan|cosmos|wan(?:image|video|vace|fun|first)|stablecascade|stablezero|svd_img2vid|img2vid|kolors|lumina|hidream|chroma|omnigen|qwen|kontext|latentupscale|inpaint/i;

function comfy(format: string, signal: Signal, facts: Record<string, unknown>): Recognition {
  return { generator: "ComfyUI", format, signal, ...(Object.keys(facts).length > 0 ? { facts } : {}) };
}

/** {"prompt": graph, "workflow": workflow}: what ComfyUI-saving custom nodes put in a JPEG's UserComment. */
function comfyWrapper(v: Json): Recognition | null {
  const prompt = v["prompt"];
  const workflow = v["workflow"];
  const graph = isRecord(prompt) ? comfyGraph(prompt, "prompt") : null;
  const wf = isRecord(workflow) ? comfyGraph(workflow, "workflow") : null;
  if (!graph && !wf) return null;
  const best = graph && wf ? (graph.signal === "genai" ? graph : wf) : (graph ?? wf)!;
  return { ...best, format: graph && wf ? "ComfyUI prompt graph and workflow (JSON)" : best.format };
}

function comfyGraph(v: Json, key: string | null): Recognition | null {
  // The API "prompt" graph: {"<node id>": {"class_type": "...", "inputs": {...}}, ...}
  const nodes = Object.entries(v).filter(([, n]) => isRecord(n));
  const promptNodes = nodes.filter(([, n]) => typeof (n as Json)["class_type"] === "string" && isRecord((n as Json)["inputs"]));
  if (promptNodes.length > 0 && promptNodes.length >= nodes.length / 2) {
    const types = promptNodes.map(([, n]) => String((n as Json)["class_type"]));
    const airs = airUrns(v);
    const civitai = airs.length > 0 || Object.hasOwn(v, "resource-stack") || Object.hasOwn(v, "extraMetadata");
    const generative = types.some((t) => GENERATIVE_NODE.test(t));
    const facts: Record<string, unknown> = {};
    if (airs.length > 0) facts["models"] = airs;
    const extra = civitai ? civitaiExtra(v["extraMetadata"]) : null;
    if (extra) Object.assign(facts, extra);
    if (civitai) {
      // Civitai's on-site generator runs ComfyUI and writes its resource stack (AIR URNs of
      // the checkpoint, LoRAs, embeddings) into the same graph.
      return { generator: "Civitai (ComfyUI)", format: "ComfyUI prompt graph with Civitai resource-stack (JSON)", signal: "genai", facts };
    }
    const what = key && key !== "prompt" ? `ComfyUI prompt graph (JSON, "${key}:")` : "ComfyUI prompt graph (JSON)";
    return comfy(what, generative ? "genai" : "possibly-genai", facts);
  }
  // The UI "workflow": {"last_node_id": n, "nodes": [{"id": n, "type": "...", ...}], "links": [...]}
  // last_node_id (LiteGraph) and state (schema 1.x) are ComfyUI's own keys; a bare
  // {nodes, links} graph (d3 and friends export those too) also needs ComfyUI's node layout keys.
  const list = v["nodes"];
  const comfyKeys = Object.hasOwn(v, "last_node_id") || isRecord(v["state"]);
  if (Array.isArray(list) && (comfyKeys || Object.hasOwn(v, "links"))) {
    const wfNodes = list.filter((n): n is Json => isRecord(n) && typeof n["type"] === "string" && n["id"] !== undefined);
    if (!comfyKeys && !wfNodes.some((n) => ["pos", "widgets_values", "mode", "order", "flags"].some((k) => Object.hasOwn(n, k)))) return null;
    if (wfNodes.length === 0 && list.length > 0) return null;
    // InvokeAI workflows also have nodes[] and edges[]; theirs are {type: "invocation", data: {...}}.
    if (wfNodes.length > 0 && wfNodes.every((n) => n["type"] === "invocation" || n["type"] === "notes")) return null;
    const types = wfNodes.map((n) => String(n["type"]));
    const generative = types.some((t) => GENERATIVE_NODE.test(t)) || JSON.stringify(v["definitions"] ?? "").match(GENERATIVE_NODE) !== null;
    const what = key && key !== "workflow" ? `ComfyUI workflow (JSON, "${key}:")` : "ComfyUI workflow (JSON)";
    // An empty workflow names nothing generative, but only ComfyUI writes one.
    return comfy(what, generative ? "genai" : "possibly-genai", {});
  }
  return null;
}

/** Civitai "AI Resource" identifiers: urn:air:{ecosystem}:{type}:{source}:{id}[@{version}]. */
function airUrns(v: unknown): string[] {
  const found = new Set<string>();
  const text = typeof v === "string" ? v : JSON.stringify(v);
  for (const m of text.matchAll(/urn:air:[a-z0-9_.-]+:[a-z0-9_.-]+:[a-z0-9_.-]+:[A-Za-z0-9_.-]+(?:@[A-Za-z0-9_.-]+)?/g)) {
    found.add(m[0]);
    if (found.size >= 20) break;
  }
  return [...found].sort();
}

function civitaiExtra(raw: unknown): Record<string, unknown> | null {
  const v = typeof raw === "string" ? parseJson(raw) : raw;
  if (!isRecord(v)) return null;
  const out: Record<string, unknown> = {};
  if (typeof v["workflowId"] === "string") out["workflow"] = v["workflowId"];
  if (Array.isArray(v["resources"])) out["modelVersionIds"] = v["resources"].map((r) => (isRecord(r) ? r["modelVersionId"] : undefined)).filter((x) => x !== undefined);
  return Object.keys(out).length > 0 ? out : null;
}

/** Civitai's own JSON (the "extraMetadata" string; also seen alone): prompt, cfgScale, resources. */
function civitaiGeneration(v: Json): Recognition | null {
  const keys = ["prompt", "negativePrompt", "cfgScale", "steps", "sampler", "seed", "workflowId", "resources"].filter((k) => Object.hasOwn(v, k));
  if (!(Object.hasOwn(v, "cfgScale") || Object.hasOwn(v, "workflowId")) || keys.length < 4) return null;
  return { generator: "Civitai", format: "Civitai generation metadata (JSON)", signal: "genai", facts: civitaiExtra(v) ?? {} };
}

// ---- SwarmUI

/** SwarmUI (StableSwarmUI): {"sui_image_params": {...}} in PNG parameters, EXIF UserComment or (legacy) EXIF Model. */
function swarmUI(v: Json): Recognition | null {
  const p = v["sui_image_params"];
  if (!isRecord(p)) return null;
  const facts: Record<string, unknown> = {};
  if (typeof p["model"] === "string") facts["model"] = p["model"];
  if (typeof p["swarm_version"] === "string") facts["version"] = p["swarm_version"];
  return { generator: "SwarmUI", format: "SwarmUI sui_image_params (JSON)", signal: "genai", facts };
}

// ---- InvokeAI

/**
 * InvokeAI: `invokeai_metadata` (3.x+: generation_mode, positive_prompt, model, app_version),
 * `sd-metadata` (2.x: app_id "invoke-ai/InvokeAI", model_weights, image{...}), and the
 * `invokeai_graph` (nodes keyed by id with InvokeAI invocation types).
 */
function invokeAI(v: Json): Recognition | null {
  if (typeof v["app_id"] === "string" && /invoke/i.test(v["app_id"])) {
    return { generator: "InvokeAI", format: "InvokeAI sd-metadata (JSON)", signal: "genai", facts: pick(v, ["app_version", "model_weights"]) };
  }
  const invokeKeys = ["generation_mode", "positive_prompt", "negative_prompt", "rand_device", "cfg_scale", "scheduler", "app_version", "model"].filter((k) => Object.hasOwn(v, k));
  if (Object.hasOwn(v, "generation_mode") && Object.hasOwn(v, "positive_prompt") && invokeKeys.length >= 3) {
    return { generator: "InvokeAI", format: "InvokeAI metadata (JSON)", signal: "genai", facts: pick(v, ["app_version", "generation_mode"]) };
  }
  const nodes = v["nodes"];
  if (isRecord(nodes) && Array.isArray(v["edges"])) {
    const types = Object.values(nodes).map((n) => (isRecord(n) ? String(n["type"] ?? "") : ""));
    if (types.some((t) => /denoise_latents|main_model_loader|sdxl_model_loader|flux_denoise|compel|noise|l2i|i2l/.test(t))) {
      return { generator: "InvokeAI", format: "InvokeAI graph (JSON)", signal: "genai" };
    }
  }
  return null;
}

// ---- Fooocus

/**
 * Fooocus (modules/meta_parser.py): the "fooocus" scheme is sorted JSON of full_prompt,
 * full_negative_prompt, base_model, base_model_hash, performance, sharpness, adm_guidance,
 * guidance_scale, styles, loras, vae, version ("Fooocus v2.x"); older builds wrote a log
 * dict (prompt, negative_prompt, sharpness, base_model, refiner_model, ...) to a PNG or
 * JPEG comment.
 */
function fooocus(v: Json): Recognition | null {
  const version = typeof v["version"] === "string" ? v["version"] : "";
  const specific = ["full_prompt", "full_negative_prompt", "sharpness", "adm_guidance", "performance", "refiner_switch", "refiner_swap_method", "base_model_hash", "metadata_scheme"].filter((k) =>
    Object.hasOwn(v, k),
  );
  const general = ["prompt", "negative_prompt", "base_model", "refiner_model", "guidance_scale", "styles", "resolution", "sampler", "scheduler", "seed", "loras", "vae"].filter((k) =>
    Object.hasOwn(v, k),
  );
  // Sharpness or performance settings alone are any camera's; Fooocus' JSON also carries its prompt or model.
  const generative = ["prompt", "full_prompt", "negative_prompt", "full_negative_prompt", "base_model", "loras", "styles"].some((k) => Object.hasOwn(v, k));
  if (/^Fooocus\b/i.test(version) || (specific.length >= 2 && specific.length + general.length >= 4 && generative)) {
    return { generator: "Fooocus", format: "Fooocus metadata (JSON)", signal: "genai", facts: pick(v, ["version", "base_model", "performance"]) };
  }
  return null;
}

// ---- Draw Things

/**
 * Draw Things (iOS/macOS) writes XMP: xmp:CreatorTool "Draw Things", dc:description with
 * "prompt / -negative / Steps: ..., Sampler: ..., Guidance Scale: ..." and exif:UserComment
 * JSON {"c": prompt, "uc": negative, "model", "sampler", "scale", "seed", "size", "steps",
 * "strength", "v2": {...}}.
 */
function drawThings(v: Json): Recognition | null {
  if (typeof v["c"] !== "string") return null;
  const keys = ["uc", "model", "sampler", "scale", "seed", "size", "steps", "strength", "seed_mode", "shift", "v2", "lora"].filter((k) => Object.hasOwn(v, k));
  // "c", "model", "size" alone could be anything's settings; a generator's keys must be among them.
  if (keys.length < 3 || !["uc", "sampler", "steps", "seed_mode", "v2"].some((k) => keys.includes(k))) return null;
  return { generator: "Draw Things", format: "Draw Things generation JSON", signal: "genai", facts: pick(v, ["model", "sampler"]) };
}

// ---- NovelAI

/**
 * NovelAI PNG "Comment": JSON with its own sampler names ("k_euler_ancestral"), "uc"
 * (undesired content), n_samples, noise_schedule, request_type, signed_hash, v4_prompt.
 */
function novelAI(v: Json): Recognition | null {
  const specific = [
    "uc",
    "n_samples",
    "noise_schedule",
    "request_type",
    "signed_hash",
    "v4_prompt",
    "v4_negative_prompt",
    "uncond_scale",
    "cfg_rescale",
    "sm",
    "sm_dyn",
    "legacy_v3_extend",
    "skip_cfg_above_sigma",
    "dynamic_thresholding",
  ].filter((k) => Object.hasOwn(v, k));
  const naiSampler = typeof v["sampler"] === "string" && /^(k_|ddim)/.test(v["sampler"]);
  if (specific.length >= 3 || (naiSampler && specific.length >= 1)) {
    return { generator: "NovelAI", format: "NovelAI generation JSON", signal: "genai", facts: pick(v, ["sampler", "request_type"]) };
  }
  return null;
}

// ---- Easy Diffusion

/** Easy Diffusion: JSON (JPEG/WebP UserComment) or PNG text with use_stable_diffusion_model, num_inference_steps, guidance_scale. */
function easyDiffusion(v: Json): Recognition | null {
  const a = ["use_stable_diffusion_model", "num_inference_steps", "guidance_scale", "sampler_name", "negative_prompt", "prompt"].filter((k) => Object.hasOwn(v, k));
  const b = ["Stable Diffusion model", "Steps", "Guidance Scale", "Sampler", "Negative Prompt", "Prompt"].filter((k) => Object.hasOwn(v, k));
  if ((Object.hasOwn(v, "use_stable_diffusion_model") && a.length >= 3) || (Object.hasOwn(v, "Stable Diffusion model") && b.length >= 3)) {
    return { generator: "Easy Diffusion", format: "Easy Diffusion metadata (JSON)", signal: "genai" };
  }
  return null;
}

// ---- GB 45438-2025 / TC260 AIGC implicit label

const TC260_FIELDS = ["Label", "ContentProducer", "ProduceID", "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2"] as const;

/**
 * China's mandatory implicit label (GB 45438-2025, TC260-PG-20258A practice guide): a JSON
 * object of seven fields, in XMP as TC260:AIGC (namespace http://www.tc260.org.cn/ns/AIGC/1.0/),
 * in a PNG "AIGC" text chunk, an MP4/MKV "AIGC" tag, or wrapped as {"AIGC": {...}} in EXIF.
 * Label "1" = AI-generated, "2" = possibly AI-generated, "3" = suspected AI-generated.
 */
export function tc260(v: unknown): Recognition | null {
  if (!isRecord(v)) return null;
  // Keys in any case, looked up once per object (every JSON value of every file comes here).
  const keysOf = (x: Json): Map<string, string> => {
    const m = new Map<string, string>();
    for (const k of Object.keys(x)) if (!m.has(k.toLowerCase())) m.set(k.toLowerCase(), k);
    return m;
  };
  const outer = keysOf(v);
  const innerKey = outer.get("aigc");
  const inner = innerKey === undefined ? undefined : v[innerKey];
  const o = isRecord(inner) ? inner : v;
  const keys = o === v ? outer : keysOf(o);
  const get = (name: string): unknown => {
    const k = keys.get(name.toLowerCase());
    return k === undefined ? undefined : o[k];
  };
  const present = TC260_FIELDS.filter((f) => get(f) !== undefined);
  // Tencent Cloud's variant names the service instead (ServiceProvider / ServiceUser).
  const service = get("ServiceProvider") !== undefined || get("ServiceUser") !== undefined;
  const wrapped = isRecord(inner);
  if (!(present.includes("Label") && present.length >= 2) && !(wrapped && (present.length >= 2 || service))) return null;
  const facts: Record<string, unknown> = {};
  for (const f of [...TC260_FIELDS, "ServiceProvider", "ServiceUser"]) {
    const x = get(f);
    if (x !== undefined && x !== "" && x !== null) facts[f.charAt(0).toLowerCase() + f.slice(1)] = typeof x === "object" ? JSON.stringify(x) : String(x);
  }
  const label = get("Label");
  const l = typeof label === "number" || typeof label === "string" ? String(label).trim() : "";
  const meaning = l === "1" ? "AI-generated" : l === "2" ? "possibly AI-generated" : l === "3" ? "suspected AI-generated" : null;
  if (meaning) facts["meaning"] = meaning;
  // Only "1" states generation; "2"/"3" are a platform's doubt; an unknown label says
  // nothing beyond "someone put an AIGC label here".
  const signal: Signal = l === "1" ? "genai" : l === "2" || l === "3" ? "possibly-genai" : label === undefined ? "possibly-genai" : "info";
  return { generator: "TC260 AIGC label (GB 45438-2025)", format: "GB 45438-2025 implicit label (JSON)", signal, facts };
}

// ------------------------------------------------------------------ text payloads

function recogniseText(s: string): Recognition | null {
  return infotext(s) ?? midjourney(s) ?? invokeDream(s);
}

/**
 * A1111's parameter regex (modules/infotext_utils.py re_param), also used by Fooocus and
 * SD.Next, with its key and quoted value bounded and without the leading \s*: unbounded,
 * every start position rescans the rest of a run of letters or spaces, and a hostile tag
 * of 160 KB took minutes. Bounded, a line costs at most its length times the bounds.
 */
const RE_PARAM = /([\w][\w \-/]{1,60}):\s*("(?:\\.|[^\\"]){1,8192}"|[^,]*)(?:,|$)/g;
/** A parameter line is a few KB at most; a longer line is not one (and would cost too much to try). */
const MAX_PARAM_LINE = 64 * 1024;

/** Keys that AUTOMATIC1111-family infotext carries next to Steps (A1111, Forge, SD.Next, Fooocus' a1111 scheme, Draw Things, Civitai). */
const INFOTEXT_KEYS = new Set(
  [
    "sampler",
    "schedule type",
    "scheduler",
    "cfg scale",
    "guidance scale",
    "distilled cfg scale",
    "seed",
    "size",
    "model hash",
    "model",
    "vae",
    "vae hash",
    "denoising strength",
    "clip skip",
    "version",
    "app",
    "pipeline",
    "operations",
    "hires upscale",
    "hires upscaler",
    "lora hashes",
    "ti hashes",
    "sharpness",
    "performance",
    "seed mode",
    "strength",
    "shift",
    "civitai resources",
    "civitai metadata",
    "created date",
    "ensd",
    "eta",
  ].map((k) => k.toLowerCase()),
);

const VALUE_SHAPE: Record<string, RegExp> = {
  steps: /^\d{1,4}$/,
  seed: /^-?\d{1,20}$/,
  size: /^\d{1,5}x\d{1,5}$/,
  "cfg scale": /^-?\d+(\.\d+)?$/,
  "guidance scale": /^-?\d+(\.\d+)?$/,
  "distilled cfg scale": /^-?\d+(\.\d+)?$/,
  "denoising strength": /^\d+(\.\d+)?$/,
  "clip skip": /^\d{1,2}$/,
  "model hash": /^[0-9a-f]{8,64}$/i,
  sampler: /^(?!none$)[\w+ .()-]{2,60}$/i,
};

/**
 * AUTOMATIC1111-style infotext: "prompt\nNegative prompt: ...\nSteps: 20, Sampler: ..., ...".
 * The last line with at least three "Key: value" pairs is the parameter line (as
 * A1111's parse_generation_parameters takes it); it must have an integer Steps (or
 * Sampler and Seed) and two more known keys. SD.Next puts Size before Sampler and leaves
 * Sampler out when it is the default, so no fixed order is assumed.
 */
export function infotext(s: string): Recognition | null {
  if (!/\b(Steps|Seed|Sampler)\s*:/.test(s)) return null;
  const lines = s.replace(/\r\n?/g, "\n").trim().split("\n");
  let params: Map<string, string> | null = null;
  for (let i = lines.length - 1; i >= 0 && i >= lines.length - 4; i--) {
    const found = new Map<string, string>();
    if (lines[i]!.length > MAX_PARAM_LINE) continue;
    for (const m of lines[i]!.matchAll(RE_PARAM)) {
      const k = m[1]!.trim().toLowerCase();
      if (!found.has(k)) found.set(k, m[2]!.trim().replace(/^"(.*)"$/, "$1"));
    }
    if (found.size >= 3) {
      params = found;
      break;
    }
  }
  if (!params) return null;
  // Values are checked where the format fixes them: a caption such as "Seed: the plant,
  // Size: large, Sampler: none" has the keys but not the values.
  const valid = (k: string): boolean => {
    const v = params.get(k);
    if (v === undefined || v === "") return false;
    const shape = VALUE_SHAPE[k];
    return shape ? shape.test(v) : true;
  };
  if (!valid("steps") && !(valid("sampler") && valid("seed"))) return null;
  const known = [...params.keys()].filter((k) => INFOTEXT_KEYS.has(k) && valid(k)).length;
  if (known < 2) return null;

  const version = params.get("version") ?? "";
  const app = params.get("app") ?? "";
  const facts: Record<string, unknown> = {};
  if (params.has("model")) facts["model"] = params.get("model");
  if (version) facts["version"] = version;

  let generator = "AUTOMATIC1111/Forge";
  if (/SD\.Next/i.test(app)) generator = "SD.Next";
  else if (/^Fooocus\b/i.test(version)) generator = "Fooocus";
  else if (params.has("civitai resources") || params.has("civitai metadata")) generator = "Civitai";
  else if (/^ComfyUI/i.test(version)) generator = "ComfyUI";
  else if (/^f\d/.test(version)) generator = "Forge";
  else if (params.has("seed mode") || (params.has("guidance scale") && lines.some((l) => l.startsWith("-")))) generator = "Draw Things";
  else if (/^v?\d+\.\d+/.test(version)) generator = "AUTOMATIC1111";
  return { generator, format: "AUTOMATIC1111-style generation parameters", signal: "genai", facts };
}

/** Midjourney's PNG/JPEG Description: "prompt --ar 16:9 --v 6 Job ID: <uuid>". */
function midjourney(s: string): Recognition | null {
  const job = /\bJob ID: ([0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12})\b/i.exec(s);
  if (!job || !/(^|\s)--(v|ar|niji|style|stylize|chaos|q|raw|sref|cref|p)\b/.test(s)) return null;
  return { generator: "Midjourney", format: "Midjourney prompt with Job ID", signal: "genai", facts: { jobId: job[1] } };
}

/** InvokeAI 1.x/2.x "Dream" command line: "prompt" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms. */
function invokeDream(s: string): Recognition | null {
  if (!/^".*"\s/s.test(s)) return null;
  const flags = ["-s", "-S", "-W", "-H", "-C", "-A"].filter((f) => new RegExp(`\\s${f}\\s*\\S`).test(s));
  return flags.length >= 4 ? { generator: "InvokeAI", format: "InvokeAI Dream command", signal: "genai" } : null;
}

// ------------------------------------------------------------------ helpers

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pick(v: Json, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const x = v[k];
    if (typeof x === "string" || typeof x === "number") out[k] = x;
    else if (isRecord(x) && typeof x["model_name"] === "string") out[k] = x["model_name"];
    else if (isRecord(x) && typeof x["name"] === "string") out[k] = x["name"];
  }
  return out;
}
