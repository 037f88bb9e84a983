// Pure logic: DigitalSourceType vocabulary, classification precedence, status rule.
// Ported from prov's test/unit/classify.test.ts; expectations this work changes on purpose
// are marked "CHANGED:", new cases follow the ported ones.

import { describe, expect, it } from "vitest";
import { classify, statusFor } from "../../src/domain/classify.js";
import type { Evidence } from "../../src/domain/types.js";
import { describesGenAI, digitalSourceType, generatorName } from "../../src/domain/vocabulary.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
const C2PA = "http://c2pa.org/digitalsourcetype/";

describe("digitalSourceType()", () => {
  it("matches whole terms: algorithmicMedia (procedural) is not GenAI", () => {
    expect(digitalSourceType(IPTC + "algorithmicMedia")).toEqual({ uri: IPTC + "algorithmicMedia", term: "algorithmicMedia", signal: "not-genai", known: true });
  });

  it("trainedAlgorithmicMedia is GenAI", () => {
    expect(digitalSourceType(IPTC + "trainedAlgorithmicMedia")).toMatchObject({ term: "trainedAlgorithmicMedia", signal: "genai", known: true });
  });

  it("composites with trained media are genai-edited; plain composite only possibly", () => {
    expect(digitalSourceType(IPTC + "compositeWithTrainedAlgorithmicMedia").signal).toBe("genai-edited");
    expect(digitalSourceType(IPTC + "compositeSynthetic").signal).toBe("genai-edited");
    expect(digitalSourceType(IPTC + "composite").signal).toBe("possibly-genai");
    expect(digitalSourceType(IPTC + "digitalCapture").signal).toBe("not-genai");
    expect(digitalSourceType(IPTC + "softwareImage").signal).toBe("not-genai");
  });

  it("does not match a term that merely contains or is contained in a known one", () => {
    // CHANGED: "AlgorithmicMedia" left this list: terms now match in any case, so it is
    // algorithmicMedia (procedural, not-genai); see "matches terms case-insensitively" below.
    for (const term of ["trainedAlgorithmicMediaX", "xtrainedAlgorithmicMedia", "trained", "trainedAlgorithmicMedia/extra", "trained_AlgorithmicMedia", "trainedAlgorithmic Media"]) {
      const m = digitalSourceType(IPTC + term);
      expect(m.signal, term).toBe("info");
      expect(m.known, term).toBe(false);
    }
  });

  it("matches terms case-insensitively, spelling them back as the vocabulary does", () => {
    expect(digitalSourceType(IPTC + "TrainedAlgorithmicMedia")).toEqual({ uri: IPTC + "trainedAlgorithmicMedia", term: "trainedAlgorithmicMedia", signal: "genai", known: true });
    expect(digitalSourceType("HTTPS://CV.IPTC.ORG/newscodes/digitalsourcetype/TRAINEDALGORITHMICMEDIA")).toMatchObject({ term: "trainedAlgorithmicMedia", signal: "genai" });
    expect(digitalSourceType(IPTC + "compositewithtrainedalgorithmicmedia")).toMatchObject({ signal: "genai-edited" });
    expect(digitalSourceType(C2PA + "TrainedAlgorithmicData")).toMatchObject({ term: "trainedAlgorithmicData", signal: "genai" });
  });

  it("algorithmicMedia (procedural) never matches trainedAlgorithmicMedia, in any case", () => {
    for (const v of ["algorithmicMedia", "AlgorithmicMedia", "ALGORITHMICMEDIA", "algorithmicmedia"]) {
      expect(digitalSourceType(IPTC + v), v).toMatchObject({ term: "algorithmicMedia", signal: "not-genai", known: true });
    }
  });

  it("normalises https to http and drops a trailing slash", () => {
    const m = digitalSourceType("https://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia/");
    expect(m).toEqual({ uri: IPTC + "trainedAlgorithmicMedia", term: "trainedAlgorithmicMedia", signal: "genai", known: true });
  });

  it("trims leading and trailing white space", () => {
    expect(digitalSourceType(`  ${IPTC}trainedAlgorithmicMedia \n`)).toMatchObject({ uri: IPTC + "trainedAlgorithmicMedia", signal: "genai", known: true });
    expect(digitalSourceType(`\t${IPTC}algorithmicMedia  `)).toMatchObject({ signal: "not-genai", known: true });
  });

  it("an unknown term in a known namespace is info, not a decision", () => {
    expect(digitalSourceType(IPTC + "somethingNew")).toEqual({ uri: IPTC + "somethingNew", term: "somethingNew", signal: "info", known: false });
  });

  it("an inherited Object property name is not a term", () => {
    for (const term of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(digitalSourceType(IPTC + term)).toMatchObject({ signal: "info", known: false });
    }
  });

  it("a value outside both namespaces is info with no term", () => {
    expect(digitalSourceType("https://exiftool.org")).toEqual({ uri: "http://exiftool.org", term: null, signal: "info", known: false });
    expect(digitalSourceType("trainedAlgorithmicMedia")).toMatchObject({ term: null, signal: "info", known: false });
  });

  it("c2pa.org namespace: trainedAlgorithmicData is GenAI, empty is not", () => {
    expect(digitalSourceType(C2PA + "trainedAlgorithmicData")).toMatchObject({ term: "trainedAlgorithmicData", signal: "genai", known: true });
    expect(digitalSourceType(C2PA + "empty")).toMatchObject({ term: "empty", signal: "not-genai", known: true });
    expect(digitalSourceType("https://c2pa.org/digitalsourcetype/empty")).toMatchObject({ uri: C2PA + "empty", signal: "not-genai" });
  });

  it("IPTC terms are understood in the c2pa.org namespace too (writers mix them)", () => {
    expect(digitalSourceType(C2PA + "trainedAlgorithmicMedia").signal).toBe("genai");
  });
});

describe("generatorName() and describesGenAI()", () => {
  it("names generators in software strings", () => {
    expect(generatorName("Titan Image Generator G1")).toBe("Amazon Titan Image Generator");
    expect(generatorName("DALL·E")).toBe("DALL·E");
    expect(generatorName("OpenAI-API c2pa-rs/0.28.4")).toBe("OpenAI API");
    expect(generatorName("Microsoft_Responsible_AI/1.0")).toBe("Microsoft Designer / Bing Image Creator");
    expect(generatorName("NovelAI")).toBe("NovelAI");
  });

  it("names bounded by '_', '-', '/' or '.' (\\b treats '_' as a letter)", () => {
    expect(generatorName("Adobe_Firefly/1.0 c2pa-rs/0.17.0")).toBe("Adobe Firefly");
    expect(generatorName("Adobe_Firefly adobe_c2pa/0.5.0")).toBe("Adobe Firefly");
    expect(generatorName("Midjourney_v6")).toBe("Midjourney");
    expect(generatorName("OpenAI_API")).toBe("OpenAI API");
    expect(generatorName("stable_diffusion_xl")).toBe("Stable Diffusion");
    expect(generatorName("google_imagen-3.0")).toBe("Google Imagen");
    expect(generatorName("Google_Veo/3")).toBe("Google Veo");
    expect(generatorName("ComfyUI_00001")).toBe("ComfyUI");
    expect(generatorName("Sora_2")).toBe("OpenAI Sora");
  });

  it("names generators added in this work", () => {
    expect(generatorName("Draw Things")).toBe("Draw Things");
    expect(generatorName("SD.Next")).toBe("SD.Next");
    expect(generatorName("StableSwarmUI 0.6")).toBe("SwarmUI");
    expect(generatorName("Fooocus v2.5.5")).toBe("Fooocus");
    expect(generatorName("Invoke AI 4.2")).toBe("InvokeAI");
    expect(generatorName("Doubao")).toBe("ByteDance (Doubao / Jimeng / Seedream)");
    expect(generatorName("HunyuanVideo")).toBe("Tencent Hunyuan");
    expect(generatorName("Wan2.1")).toBe("Alibaba Wan (Tongyi Wanxiang)");
  });

  it("still needs whole words: a name inside another word is not a generator", () => {
    for (const s of ["Fireflyer 2", "SoraVision", "Veolia", "KlingonTools", "Imagenet-train", "Pikachu Editor", "DALLEY", "Sudio", "Krea8tive", "Wane 2.1", "Gemini5"]) {
      expect(generatorName(s), s).toBeNull();
    }
    expect(generatorName("VEO export")).toBeNull(); // Veo stays case-sensitive (a common word in other languages)
  });

  it("does not name ordinary software", () => {
    for (const s of [
      "Adobe Photoshop 25.0 (Macintosh)",
      "GIMP 2.10",
      "c2pa-rs",
      "Lavf58.29.100",
      "iTunes v4.9, QuickTime 7.0.1",
      "make_test_xxxxxx",
      "Adobe_Express/1.0.0 adobe_c2pa/0.8.0",
      "DaVinci Resolve 19",
      "Nuke 15.0v4",
      "Avid Media Composer",
      "ARRI Reference Tool",
      "Houdini FX 20.0",
      "Microsoft® Word for Microsoft 365",
    ]) {
      expect(generatorName(s), s).toBeNull();
    }
  });

  it("recognises GenAI descriptions", () => {
    expect(describesGenAI("AI Generated Image")).toBe(true);
    expect(describesGenAI("generated with AI")).toBe(true);
    expect(describesGenAI("Color adjustments")).toBe(false);
    expect(describesGenAI("MAID generated report")).toBe(false);
  });
});

// ------------------------------------------------------------------ classify

const ev = (source: Evidence["source"], field: string, signal: Evidence["signal"], value = "x", detail?: Record<string, unknown>): Evidence =>
  detail ? { source, field, value, signal, detail } : { source, field, value, signal };

const iptcDst = (signal: Evidence["signal"]) => ev("iptc", "XMP-iptcExt:DigitalSourceType", signal);
const c2paDst = (signal: Evidence["signal"]) => ev("c2pa", "active manifest actions[0] c2pa.created digitalSourceType", signal);
const manual = (signal: Evidence["signal"], note: string) => ev("manual", "prov tag", signal, signal, { note });

describe("classify()", () => {
  it("no evidence, or only info, is unknown", () => {
    expect(classify([])).toEqual({ origin: "unknown", decidedBy: [] });
    expect(classify([ev("c2pa", "manifest store", "info"), ev("iptc", "XMP-iptcExt:AISystemVersionUsed", "info")])).toEqual({ origin: "unknown", decidedBy: [] });
  });

  it("the latest manual tag wins over everything, including earlier manual tags", () => {
    const first = manual("genai", "first");
    const second = manual("not-genai", "second");
    const r = classify([c2paDst("genai"), first, ev("generator", "PNG:Parameters", "genai"), second]);
    expect(r.origin).toBe("not-genai");
    expect(r.decidedBy).toEqual([second]);

    const again = manual("genai", "third");
    expect(classify([iptcDst("not-genai"), second, again])).toEqual({ origin: "genai", decidedBy: [again] });
  });

  it("a manual tag with an info signal decides nothing", () => {
    expect(classify([ev("manual", "prov tag", "info"), iptcDst("not-genai")]).origin).toBe("not-genai");
  });

  it("any GenAI signal beats not-GenAI (fail closed)", () => {
    const g = ev("generator", "IFD0:Software", "genai");
    const r = classify([iptcDst("not-genai"), g, c2paDst("not-genai")]);
    expect(r).toEqual({ origin: "genai", decidedBy: [g] });
    expect(classify([ev("folder", "folder rule **/AI_TEMP/**", "genai-edited"), iptcDst("not-genai")]).origin).toBe("genai-edited");
  });

  it("a declared DigitalSourceType decides genai vs genai-edited over names and marks", () => {
    const edited = iptcDst("genai-edited");
    const r = classify([ev("generator", "XMP-xmp:CreatorTool", "genai"), edited, ev("iptc", "XMP-iptcExt:AISystemUsed", "genai")]);
    expect(r).toEqual({ origin: "genai-edited", decidedBy: [edited] });

    // C2PA's digitalSourceType field counts as declared too (field ends in digitalSourceType).
    const c2paEdited = c2paDst("genai-edited");
    expect(classify([ev("c2pa", "active manifest actions[0] softwareAgent", "genai"), c2paEdited])).toEqual({ origin: "genai-edited", decidedBy: [c2paEdited] });
  });

  it("among declared source types, created beats edited", () => {
    const created = c2paDst("genai");
    const r = classify([iptcDst("genai-edited"), created]);
    expect(r).toEqual({ origin: "genai", decidedBy: [created] });
  });

  it("without a declared source type, any created signal makes it genai", () => {
    const created = ev("generator", "PNG:Parameters", "genai");
    expect(classify([ev("c2pa", "ingredient manifest (componentOf) softwareAgent", "genai-edited"), created])).toEqual({ origin: "genai", decidedBy: [created] });
    const onlyEdited = ev("folder", "folder rule x", "genai-edited");
    expect(classify([onlyEdited])).toEqual({ origin: "genai-edited", decidedBy: [onlyEdited] });
  });

  it("possibly-genai beats not-genai, and never becomes genai by itself", () => {
    const p = ev("generator", "PNG:Prompt", "possibly-genai");
    expect(classify([iptcDst("not-genai"), p])).toEqual({ origin: "possibly-genai", decidedBy: [p] });
  });

  it("not-genai when only not-genai signals (and info) exist", () => {
    const n = iptcDst("not-genai");
    expect(classify([ev("c2pa", "manifest store", "info"), n])).toEqual({ origin: "not-genai", decidedBy: [n] });
  });
});

describe("statusFor()", () => {
  it("only GenAI origins have a status", () => {
    for (const origin of ["possibly-genai", "not-genai", "unknown"] as const) {
      expect(statusFor(origin, undefined), origin).toBeNull();
      expect(statusFor(origin, "approve"), origin).toBeNull();
    }
  });

  it("GenAI is temporary unless the last approval action is approve", () => {
    for (const origin of ["genai", "genai-edited"] as const) {
      expect(statusFor(origin, undefined)).toBe("temporary");
      expect(statusFor(origin, "approve")).toBe("approved");
      expect(statusFor(origin, "revoke")).toBe("temporary");
    }
  });
});

describe("lineage keeps a declared source type declared", () => {
  it("a stripped copy of a genai-edited composite stays genai-edited", () => {
    const declared = {
      source: "lineage" as const,
      field: "same media data as " + "a".repeat(64) + ": iptc XMP-iptcExt:DigitalSourceType",
      value: "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia",
      signal: "genai-edited" as const,
    };
    const generic = { source: "lineage" as const, field: "same media data as " + "a".repeat(64) + ": iptc XMP-iptcExt:AISystemUsed", value: "Adobe Firefly", signal: "genai" as const };
    expect(classify([declared, generic]).origin).toBe("genai-edited");
  });
});
