// IPTC Digital Source Type vocabulary (plus C2PA's additions), and the names generators
// leave in Software/CreatorTool/softwareAgent/claim_generator. See docs in README.

import type { Signal } from "./types.js";

const IPTC_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/";
const C2PA_PREFIX = "http://c2pa.org/digitalsourcetype/";

/** Whole terms only: `algorithmicMedia` (procedural) must never match `trainedAlgorithmicMedia`. */
const IPTC_TERMS: Record<string, Signal> = {
  trainedAlgorithmicMedia: "genai",
  compositeWithTrainedAlgorithmicMedia: "genai-edited",
  compositeSynthetic: "genai-edited",
  composite: "possibly-genai",
  digitalArt: "possibly-genai",
  algorithmicMedia: "not-genai",
  digitalCapture: "not-genai",
  computationalCapture: "not-genai",
  negativeFilm: "not-genai",
  positiveFilm: "not-genai",
  print: "not-genai",
  compositeCapture: "not-genai",
  screenCapture: "not-genai",
  virtualRecording: "not-genai",
  humanEdits: "not-genai",
  digitalCreation: "not-genai",
  algorithmicallyEnhanced: "not-genai",
  dataDrivenMedia: "not-genai",
  softwareImage: "not-genai",
  minorHumanEdits: "not-genai",
};

const C2PA_TERMS: Record<string, Signal> = {
  trainedAlgorithmicData: "genai",
  empty: "not-genai",
};

// Writers mix the namespaces, so a term is looked up in both. Writers also get the case
// wrong ("TrainedAlgorithmicMedia"), so lookup is by the lower-cased whole term: case
// never joins or splits words, so `algorithmicmedia` still cannot reach the trained term.
const TERMS = new Map<string, { term: string; signal: Signal }>(
  Object.entries({ ...IPTC_TERMS, ...C2PA_TERMS }).map(([term, signal]) => [term.toLowerCase(), { term, signal }]),
);

export interface SourceTypeMeaning {
  /** The normalised URI (http, no trailing slash/space, the vocabulary's own spelling of a known term). */
  uri: string;
  term: string | null;
  signal: Signal;
  known: boolean;
}

/** Normalise and look up a DigitalSourceType value (IPTC or C2PA namespace). */
export function digitalSourceType(raw: string): SourceTypeMeaning {
  const uri = raw.trim().replace(/^https:\/\//i, "http://").replace(/\/+$/, "");
  for (const prefix of [IPTC_PREFIX, C2PA_PREFIX]) {
    if (!uri.toLowerCase().startsWith(prefix)) continue;
    // The whole remainder must be one term (any case; spelled back as the vocabulary spells it).
    const rest = uri.slice(prefix.length);
    const hit = TERMS.get(rest.toLowerCase());
    if (hit) return { uri: prefix + hit.term, term: hit.term, signal: hit.signal, known: true };
    return { uri: prefix + rest, term: rest, signal: "info", known: false };
  }
  return { uri, term: null, signal: "info", known: false };
}

/**
 * A generator's name as a whole word. `\b` treats "_" as a letter, so `\bFirefly\b` misses
 * "Adobe_Firefly/1.0" (an early Firefly claim generator); names here are bounded only by
 * letters and digits, so "_", "-", "/", "." and spaces all separate words.
 */
function word(source: string, flags = "i"): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${source})(?![\\p{L}\\p{N}])`, flags.includes("u") ? flags : flags + "u");
}

/** Names of generative tools as they appear in Software, CreatorTool, softwareAgent and claim generators. */
const GENERATOR_NAMES: ReadonlyArray<[RegExp, string]> = [
  [word("Midjourney"), "Midjourney"],
  [word("DALL[·.\\-‐ _]?E"), "DALL·E"],
  [word("OpenAI[-_ ]?API"), "OpenAI API"],
  [word("GPT[- _]?Image"), "OpenAI GPT Image"],
  [word("Stable[ _-]?Diffusion"), "Stable Diffusion"],
  [word("SDXL", ""), "Stable Diffusion XL"],
  [word("Stable[ _-]?(?:Audio|Video|Cascade)"), "Stability AI"],
  [word("Firefly"), "Adobe Firefly"],
  [word("Imagen"), "Google Imagen"],
  [word("Gemini"), "Google Gemini"],
  [word("Nano[ _-]?Banana"), "Google Gemini (Nano Banana)"],
  [word("Titan[ _]Image[ _]Generator"), "Amazon Titan Image Generator"],
  [word("Nova[ _](?:Canvas|Reel)"), "Amazon Nova"],
  [word("Image[ _]Creator"), "Microsoft Image Creator"],
  [word("Microsoft[_ ]Responsible[_ ]AI"), "Microsoft Designer / Bing Image Creator"],
  [word("Leonardo(?:\\.Ai|[ _]AI)"), "Leonardo.Ai"],
  [word("Ideogram"), "Ideogram"],
  [word("FLUX\\.1"), "FLUX.1"],
  [word("Runway(?:ML|[ _]?Gen-?\\d)?"), "Runway"],
  [word("Sora"), "OpenAI Sora"],
  [word("Veo", "u"), "Google Veo"],
  [word("Pika(?:[ _]Labs)?"), "Pika"],
  [word("Luma[ _](?:AI|Dream[ _]Machine|Ray\\d?)"), "Luma AI"],
  [word("Kling"), "Kling"],
  [word("Hailuo|MiniMax"), "MiniMax Hailuo"],
  [word("Vidu"), "Vidu"],
  [word("PixVerse"), "PixVerse"],
  [word("Seedream|Seedance|Dreamina|Jimeng|Doubao"), "ByteDance (Doubao / Jimeng / Seedream)"],
  [word("Hunyuan(?:[ _-]?(?:Video|Image|DiT))?"), "Tencent Hunyuan"],
  [word("Tongyi[ _]?Wanxiang|Wanx|Wan[ _]?2\\.\\d"), "Alibaba Wan (Tongyi Wanxiang)"],
  [word("Qwen[-_ ]?Image"), "Qwen-Image"],
  [word("Recraft"), "Recraft"],
  [word("Image[ _]Playground"), "Apple Image Playground"],
  [word("ElevenLabs"), "ElevenLabs"],
  [word("Suno"), "Suno"],
  [word("Udio"), "Udio"],
  [word("NovelAI"), "NovelAI"],
  [word("Invoke[ _]?AI"), "InvokeAI"],
  [word("ComfyUI"), "ComfyUI"],
  [word("AUTOMATIC1111|stable-diffusion-webui"), "AUTOMATIC1111"],
  [word("SD\\.Next"), "SD.Next"],
  [word("(?:Stable)?SwarmUI"), "SwarmUI"],
  [word("Fooocus"), "Fooocus"],
  [word("Draw[ _]?Things"), "Draw Things"],
  [word("Easy[ _]Diffusion"), "Easy Diffusion"],
  [word("DreamStudio"), "DreamStudio"],
  [word("Civitai"), "Civitai"],
  [word("Tensor\\.Art"), "Tensor.Art"],
  [word("NightCafe"), "NightCafe"],
  [word("Krea"), "Krea"],
  [word("Playground[ _]?AI"), "Playground AI"],
];

/** The generator a software string names, if any. */
export function generatorName(text: string): string | null {
  for (const [re, name] of GENERATOR_NAMES) if (re.test(text)) return name;
  return null;
}

/** Descriptions generators write into C2PA actions, e.g. Bing's "AI Generated Image". */
export function describesGenAI(text: string): boolean {
  return /\bAI[- ]generated\b|\bgenerated (by|with|using) (an? )?AI\b|\bgenerative AI\b/i.test(text);
}

/** Credit lines vendors write next to an AI label, e.g. Google's "Made with Google AI". */
export function creditsGenAI(text: string): boolean {
  return /\b(made|edited|created) (with|using) (google |meta |an? )?AI\b/i.test(text);
}
