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

// Writers mix the namespaces, so a term is looked up in both.
const TERMS: Record<string, Signal> = { ...IPTC_TERMS, ...C2PA_TERMS };

export interface SourceTypeMeaning {
  /** The normalised URI (http, no trailing slash/space). */
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
    // The whole remainder must be one term (case-sensitive, as in the vocabulary).
    const term = uri.slice(prefix.length);
    const signal = Object.hasOwn(TERMS, term) ? TERMS[term] : undefined;
    if (signal !== undefined) return { uri, term, signal, known: true };
    return { uri, term, signal: "info", known: false };
  }
  return { uri, term: null, signal: "info", known: false };
}

/** Names of generative tools as they appear in Software, CreatorTool, softwareAgent and claim generators. */
const GENERATOR_NAMES: ReadonlyArray<[RegExp, string]> = [
  [/\bMidjourney\b/i, "Midjourney"],
  [/\bDALL[·.\-‐ ]?E\b/i, "DALL·E"],
  [/\bOpenAI[-_ ]API\b/i, "OpenAI API"],
  [/\bGPT[- ]?Image\b/i, "OpenAI GPT Image"],
  [/\bStable[ _-]?Diffusion\b/i, "Stable Diffusion"],
  [/\bSDXL\b/, "Stable Diffusion XL"],
  [/\bFirefly\b/i, "Adobe Firefly"],
  [/\bImagen\b/i, "Google Imagen"],
  [/\bGemini\b/i, "Google Gemini"],
  [/\bTitan Image Generator\b/i, "Amazon Titan Image Generator"],
  [/\bNova Canvas\b/i, "Amazon Nova Canvas"],
  [/\bImage Creator\b/i, "Microsoft Image Creator"],
  [/\bMicrosoft[_ ]Responsible[_ ]AI\b/i, "Microsoft Designer / Bing Image Creator"],
  [/\bLeonardo(\.Ai| AI)\b/i, "Leonardo.Ai"],
  [/\bIdeogram\b/i, "Ideogram"],
  [/\bFLUX\.1\b/i, "FLUX.1"],
  [/\bRunway(ML| Gen-?\d)?\b/i, "Runway"],
  [/\bSora\b/i, "OpenAI Sora"],
  [/\bVeo\b/, "Google Veo"],
  [/\bPika( Labs)?\b/i, "Pika"],
  [/\bLuma (AI|Dream Machine|Ray\d?)\b/i, "Luma AI"],
  [/\bKling\b/i, "Kling"],
  [/\bHailuo\b|\bMiniMax\b/i, "MiniMax Hailuo"],
  [/\bElevenLabs\b/i, "ElevenLabs"],
  [/\bSuno\b/i, "Suno"],
  [/\bUdio\b/i, "Udio"],
  [/\bNovelAI\b/i, "NovelAI"],
  [/\bInvokeAI\b/i, "InvokeAI"],
  [/\bComfyUI\b/i, "ComfyUI"],
  [/\bAUTOMATIC1111\b|\bstable-diffusion-webui\b/i, "AUTOMATIC1111"],
  [/\bFooocus\b/i, "Fooocus"],
  [/\bDreamStudio\b/i, "DreamStudio"],
  [/\bKrea\b/i, "Krea"],
  [/\bPlayground ?AI\b/i, "Playground AI"],
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
