// Pure logic: ExifTool tags (shaped like `exiftool -json -struct -G3:1`) → evidence, folder
// rules, config validation and /proc/mounts parsing. No I/O.
//
// Tag values are strings, as read with -api StructFormat=JSONQ. Expectations changed on
// purpose by the label rules of issue 14 are marked "CHANGED:".

import { realpathSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_FILE, DEFAULT_FOLDER_RULES, loadConfig, parseConfig } from "../../src/config.js";
import { classify } from "../../src/domain/classify.js";
import { evidenceFromTags, type RawTags } from "../../src/domain/evidence.js";
import { folderMatcher } from "../../src/domain/folders.js";
import type { Evidence } from "../../src/domain/types.js";
import { ConfigError } from "../../src/domain/errors.js";
import { fsTypeOf, isNetworkFsType, mountFor, parseMounts } from "../../src/adapters/fs/fsinfo.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";

interface ActionIn {
  action?: string;
  digitalSourceType?: string;
  softwareAgent?: string | { name: string; version?: string };
  description?: string;
}

interface ManifestIn {
  label: string;
  claimGenerator?: string;
  claimGeneratorInfo?: { name: string; version?: string }[];
  claimLabel?: string;
  actionsLabel?: string;
  actions?: ActionIn[];
  ingredients?: { title: string; relationship: string; manifestUrl?: string }[];
}

/** Tags as ExifTool 13.59 prints a JUMBF C2PA store with -G3:1: one Doc per box. */
function c2paTags(manifests: ManifestIn[], opts: { storeLabel?: string; doc?: number; indexes?: number[] } = {}): Record<string, unknown> {
  const doc = `Doc${opts.doc ?? 1}`;
  const t: Record<string, unknown> = { [`${doc}:JUMBF:JUMDLabel`]: opts.storeLabel ?? "c2pa" };
  manifests.forEach((m, i) => {
    const mid = `${doc}-${opts.indexes?.[i] ?? i + 1}`;
    t[`${mid}:JUMBF:JUMDLabel`] = m.label;
    t[`${mid}-1:JUMBF:JUMDLabel`] = "c2pa.assertions";
    let n = 0;
    if (m.actions) {
      n++;
      t[`${mid}-1-${n}:JUMBF:JUMDLabel`] = m.actionsLabel ?? "c2pa.actions";
      t[`${mid}-1-${n}:CBOR:Actions`] = m.actions;
    }
    for (const ing of m.ingredients ?? []) {
      n++;
      t[`${mid}-1-${n}:JUMBF:JUMDLabel`] = n === 1 ? "c2pa.ingredient" : `c2pa.ingredient__${n}`;
      t[`${mid}-1-${n}:CBOR:Title`] = ing.title;
      t[`${mid}-1-${n}:CBOR:Relationship`] = ing.relationship;
      if (ing.manifestUrl) t[`${mid}-1-${n}:CBOR:C2PA_Manifest`] = { url: ing.manifestUrl, alg: "sha256" };
    }
    t[`${mid}-2:JUMBF:JUMDLabel`] = m.claimLabel ?? "c2pa.claim";
    if (m.claimGenerator) t[`${mid}-2:CBOR:Claim_generator`] = m.claimGenerator;
    if (m.claimGeneratorInfo) t[`${mid}-2:CBOR:Claim_generator_info`] = m.claimGeneratorInfo;
    t[`${mid}-3:JUMBF:JUMDLabel`] = "c2pa.signature";
  });
  return t;
}

const base: RawTags = {
  SourceFile: "/tmp/x",
  "ExifTool:ExifToolVersion": 13.59,
  "File:FileType": "JPEG",
  "File:MIMEType": "image/jpeg",
};

function evidence(tags: Record<string, unknown>): Evidence[] {
  return evidenceFromTags({ ...base, ...tags });
}

const origin = (tags: Record<string, unknown>) => classify(evidence(tags)).origin;

describe("evidenceFromTags(): C2PA", () => {
  it("a single GenAI manifest: digitalSourceType and softwareAgent are GenAI evidence", () => {
    const e = evidence(
      c2paTags([
        {
          label: "urn:uuid:31c13ba2-fa0e-4676-9939-f5a79c5c7537",
          claimGenerator: "Amazon_Bedrock c2pa-rs/0.32.7",
          actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "trainedAlgorithmicMedia", softwareAgent: "Titan Image Generator G1" }],
        },
      ]),
    );
    expect(e).toContainEqual(expect.objectContaining({ source: "c2pa", field: "manifest store", value: "1 manifest; active urn:uuid:31c13ba2-fa0e-4676-9939-f5a79c5c7537", signal: "info" }));
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest claim generator", value: "Amazon_Bedrock c2pa-rs/0.32.7", signal: "info" }));
    expect(e).toContainEqual(
      expect.objectContaining({ field: "active manifest actions[0] c2pa.created digitalSourceType", value: IPTC + "trainedAlgorithmicMedia", signal: "genai" }),
    );
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest actions[0] c2pa.created softwareAgent", value: "Titan Image Generator G1", signal: "genai" }));
    expect(classify(e).origin).toBe("genai");
  });

  it("the active manifest is the last one; earlier manifests are ingredients", () => {
    const e = evidence(
      c2paTags([
        { label: "urn:uuid:older", claimGenerator: "Some Camera 1.0", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "digitalCapture" }] },
        { label: "urn:uuid:newer", claimGenerator: "Photo Editor 2.0", actions: [{ action: "c2pa.color_adjustments" }] },
      ]),
    );
    expect(e).toContainEqual(expect.objectContaining({ field: "manifest store", value: "2 manifests; active urn:uuid:newer" }));
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest claim generator", value: "Photo Editor 2.0" }));
    expect(e).toContainEqual(expect.objectContaining({ field: "ingredient manifest (ingredient) claim generator", value: "Some Camera 1.0" }));
    expect(e.filter((x) => x.field.startsWith("active manifest")).map((x) => x.detail?.["manifest"])).toEqual(
      expect.arrayContaining(["urn:uuid:newer"]),
    );
    expect(e.some((x) => x.field.startsWith("active manifest") && x.detail?.["manifest"] === "urn:uuid:older")).toBe(false);
  });

  it("manifest order is numeric (Doc1-10 comes after Doc1-2)", () => {
    const e = evidence(
      c2paTags(
        [
          { label: "urn:uuid:second", claimGenerator: "B" },
          { label: "urn:uuid:tenth", claimGenerator: "J" },
        ],
        { indexes: [2, 10] },
      ),
    );
    expect(e).toContainEqual(expect.objectContaining({ field: "manifest store", value: "2 manifests; active urn:uuid:tenth" }));
  });

  it("a GenAI signal only in the parent (ingredient) manifest, as in DALL-E via ChatGPT, still makes it genai", () => {
    const e = evidence(
      c2paTags([
        {
          label: "urn:uuid:dalle",
          claimGenerator: "OpenAI-API c2pa-rs/0.28.4",
          actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "trainedAlgorithmicMedia", softwareAgent: "DALL·E" }],
        },
        {
          label: "urn:uuid:chatgpt",
          claimGenerator: "ChatGPT c2pa-rs/0.28.4",
          ingredients: [{ title: "image.webp", relationship: "parentOf", manifestUrl: "self#jumbf=/c2pa/urn:uuid:dalle" }],
        },
      ]),
    );
    expect(e.filter((x) => x.field.startsWith("active manifest") && x.signal !== "info")).toEqual([]);
    const dst = e.find((x) => x.field === "ingredient manifest (parentOf) actions[0] c2pa.created digitalSourceType");
    expect(dst).toMatchObject({ signal: "genai", detail: { manifest: "urn:uuid:dalle" } });
    expect(e).toContainEqual(expect.objectContaining({ field: "ingredient manifest (parentOf) claim generator", signal: "genai" }));
    const c = classify(e);
    expect(c.origin).toBe("genai");
    expect(c.decidedBy.every((x) => x.field.startsWith("ingredient manifest (parentOf)"))).toBe(true);
  });

  it("a GenAI component merged into an edit makes it genai-edited, and a component's not-GenAI label says nothing", () => {
    const e = evidence(
      c2paTags([
        { label: "urn:uuid:gen", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "trainedAlgorithmicMedia" }] },
        { label: "urn:uuid:photo", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "digitalCapture" }] },
        {
          label: "urn:uuid:edit",
          actions: [{ action: "c2pa.placed" }],
          ingredients: [
            { title: "sky.png", relationship: "componentOf", manifestUrl: "self#jumbf=/c2pa/urn:uuid:gen" },
            { title: "plate.jpg", relationship: "componentOf", manifestUrl: "self#jumbf=/c2pa/urn:uuid:photo" },
          ],
        },
      ]),
    );
    expect(e.find((x) => x.detail?.["manifest"] === "urn:uuid:gen" && x.field.endsWith("digitalSourceType"))).toMatchObject({
      field: "ingredient manifest (componentOf) actions[0] c2pa.created digitalSourceType",
      signal: "genai-edited",
    });
    expect(e.find((x) => x.detail?.["manifest"] === "urn:uuid:photo" && x.field.endsWith("digitalSourceType"))?.signal).toBe("info");
    expect(classify(e).origin).toBe("genai-edited");
  });

  it("an action description 'AI Generated Image' without digitalSourceType is GenAI (Bing Image Creator)", () => {
    const e = evidence(
      c2paTags([
        {
          label: "urn:uuid:bing",
          claimGenerator: "ACME_Signer/1.0",
          actions: [{ action: "c2pa.created", description: "AI Generated Image" }],
        },
      ]),
    );
    expect(e).toContainEqual(expect.objectContaining({ source: "c2pa", field: "active manifest actions[0] c2pa.created description", value: "AI Generated Image", signal: "genai" }));
    expect(e.some((x) => x.field.endsWith("digitalSourceType"))).toBe(false);
    expect(classify(e).origin).toBe("genai");
  });

  it("a description that does not speak of AI is not evidence", () => {
    const e = evidence(c2paTags([{ label: "urn:uuid:x", actions: [{ action: "c2pa.edited", description: "Cropped and colour corrected" }] }]));
    expect(e.some((x) => x.field.endsWith("description"))).toBe(false);
    expect(classify(e).origin).toBe("unknown");
  });

  it("C2PA v2: c2pa.actions.v2, claim_generator_info names and softwareAgent objects", () => {
    const e = evidence(
      c2paTags([
        {
          label: "urn:c2pa:v2",
          claimLabel: "c2pa.claim.v2",
          claimGeneratorInfo: [{ name: "Adobe Firefly", version: "3" }],
          actionsLabel: "c2pa.actions.v2",
          actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "compositeWithTrainedAlgorithmicMedia", softwareAgent: { name: "Adobe Firefly", version: "3" } }],
        },
      ]),
    );
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest claim generator", value: "Adobe Firefly (Adobe Firefly)", signal: "genai" }));
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest actions[0] c2pa.created softwareAgent", value: "Adobe Firefly", signal: "genai" }));
    // The declared source type (edited) decides over the generator names.
    expect(classify(e).origin).toBe("genai-edited");
  });

  it("c2pa.org digitalSourceType 'empty' is not GenAI (sample1_signed.wav)", () => {
    const e = evidence(c2paTags([{ label: "urn:c2pa:wav", claimGenerator: "c2pa-c test", actions: [{ action: "c2pa.created", digitalSourceType: "http://c2pa.org/digitalsourcetype/empty" }] }]));
    expect(classify(e).origin).toBe("not-genai");
  });

  it("a legacy pre-C2PA 'cai' JUMBF store is not C2PA (XMP.svg)", () => {
    const e = evidence({
      "Doc1:JUMBF:JUMDLabel": "cai",
      "Doc1-1:JUMBF:JUMDLabel": "cb.reuters_1",
      "Doc1-1-1:JUMBF:JUMDLabel": "cai.assertions",
      "Doc1-1-2:JUMBF:JUMDLabel": "cai.claim",
    });
    expect(e).toEqual([{ source: "c2pa", field: "JUMBF store", value: "cai (not C2PA)", signal: "info" }]);
    expect(classify(e).origin).toBe("unknown");
  });

  it("a C2PA store with no manifest is recorded as such", () => {
    expect(evidence({ "Doc1:JUMBF:JUMDLabel": "c2pa" })).toEqual([{ source: "c2pa", field: "manifest store", value: "present but empty", signal: "info" }]);
  });

  it("a remote manifest URL in XMP-dcterms:Provenance is info 'remote manifest, not checked'", () => {
    const url = "https://cai-manifests.adobe.com/manifests/adobe-urn-uuid-381760d4";
    const e = evidence({ "XMP-dcterms:Provenance": url });
    expect(e).toEqual([{ source: "c2pa", field: "XMP-dcterms:Provenance", value: `remote manifest, not checked: ${url}`, signal: "info" }]);
    expect(classify(e).origin).toBe("unknown");
  });

  it("XMP-dcterms:Provenance pointing into an embedded store is not a remote manifest", () => {
    const e = evidence({ ...c2paTags([{ label: "urn:uuid:a" }]), "XMP-dcterms:Provenance": "self#jumbf=c2pa/urn:uuid:a" });
    expect(e.some((x) => x.field === "XMP-dcterms:Provenance")).toBe(false);
    const withUrl = evidence({ ...c2paTags([{ label: "urn:uuid:a" }]), "XMP-dcterms:Provenance": "https://example.com/m" });
    expect(withUrl.some((x) => x.field === "XMP-dcterms:Provenance")).toBe(false);
  });

  it("tags outside JUMBF/CBOR Doc groups are not read as C2PA", () => {
    expect(evidence({ "XMP-xmp:Label": "c2pa", "Doc1:XMP-dc:Title": "c2pa" })).toEqual([]);
  });
});

describe("evidenceFromTags(): IPTC", () => {
  it("XMP-iptcExt:DigitalSourceType is read whole-term", () => {
    expect(origin({ "XMP-iptcExt:DigitalSourceType": IPTC + "trainedAlgorithmicMedia" })).toBe("genai");
    expect(origin({ "XMP-iptcExt:DigitalSourceType": IPTC + "algorithmicMedia" })).toBe("not-genai");
    expect(origin({ "XMP-iptcExt:DigitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia" })).toBe("genai-edited");
  });

  it("a bogus DigitalSourceType is recorded as info, not a decision (PLUS.xmp)", () => {
    const e = evidence({ "XMP-iptcExt:DigitalSourceType": "https://exiftool.org" });
    expect(e).toEqual([{ source: "iptc", field: "XMP-iptcExt:DigitalSourceType", value: "https://exiftool.org (not in the IPTC vocabulary)", signal: "info" }]);
  });

  it("a list of DigitalSourceType values gives one item each; GenAI wins", () => {
    const e = evidence({ "XMP-iptcExt:DigitalSourceType": [IPTC + "digitalCapture", IPTC + "trainedAlgorithmicMedia"] });
    expect(e.map((x) => x.signal)).toEqual(["not-genai", "genai"]);
  });

  it("IPTC 2025.1: AISystemUsed and AIPromptInformation say GenAI; version and writer are info", () => {
    const e = evidence({
      "XMP-iptcExt:AISystemUsed": "Midjourney",
      "XMP-iptcExt:AISystemVersionUsed": "6.1",
      "XMP-iptcExt:AIPromptInformation": "a castle at dusk",
      "XMP-iptcExt:AIPromptWriterName": "Jo",
    });
    expect(e).toEqual([
      { source: "iptc", field: "XMP-iptcExt:AISystemUsed", value: "Midjourney", signal: "genai" },
      { source: "iptc", field: "XMP-iptcExt:AISystemVersionUsed", value: "6.1", signal: "info" },
      { source: "iptc", field: "XMP-iptcExt:AIPromptInformation", value: "a castle at dusk", signal: "genai" },
      { source: "iptc", field: "XMP-iptcExt:AIPromptWriterName", value: "Jo", signal: "info" },
    ]);
    expect(origin({ "XMP-iptcExt:AISystemVersionUsed": "6.1" })).toBe("unknown");
  });
});

describe("evidenceFromTags(): generator marks", () => {
  // CHANGED: generator items now say what was found (detail.format) and what it names (model, version, ...).
  const A1111_DETAIL = { generator: "AUTOMATIC1111/Forge", format: "AUTOMATIC1111-style generation parameters", model: "sd15" };
  const a1111 =
    "a lighthouse at dusk, oil painting\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 512x512, Model hash: abc, Model: sd15";

  it("AUTOMATIC1111 PNG:Parameters", () => {
    const e = evidence({ "PNG:Parameters": a1111 });
    expect(e).toEqual([{ source: "generator", field: "PNG:Parameters", value: a1111, signal: "genai", detail: A1111_DETAIL }]);
  });

  it("AUTOMATIC1111 parameters in ExifIFD:UserComment (JPEG/WebP)", () => {
    expect(evidence({ "ExifIFD:UserComment": a1111 })).toEqual([
      { source: "generator", field: "ExifIFD:UserComment", value: a1111, signal: "genai", detail: A1111_DETAIL },
    ]);
    expect(evidence({ "ExifIFD:UserComment": "Shot on location, day 3" })).toEqual([]);
  });

  it("PNG:Parameters that are not A1111 are only possibly GenAI; Fooocus is recognised", () => {
    expect(evidence({ "PNG:Parameters": "exposure +1" })[0]).toMatchObject({ signal: "possibly-genai" });
    expect(evidence({ "PNG:Parameters": '{"prompt": "x", "base_model": "juggernautXL", "performance": "Speed"}' })[0]).toMatchObject({
      signal: "genai",
      detail: { generator: "Fooocus" },
    });
  });

  it("ComfyUI PNG:Prompt and PNG:Workflow", () => {
    const prompt = JSON.stringify({ "3": { class_type: "KSampler", inputs: { seed: 1 } }, "4": { class_type: "CheckpointLoaderSimple", inputs: {} } });
    const workflow = JSON.stringify({ last_node_id: 9, nodes: [{ id: 3, type: "KSampler" }] });
    const e = evidence({ "PNG:Prompt": prompt, "PNG:Workflow": workflow });
    expect(e).toEqual([
      { source: "generator", field: "PNG:Prompt", value: prompt, signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI prompt graph (JSON)" } },
      { source: "generator", field: "PNG:Workflow", value: workflow, signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI workflow (JSON)" } },
    ]);
    expect(evidence({ "PNG:Prompt": "a cat" })[0]).toMatchObject({ signal: "possibly-genai" });
  });

  it("NovelAI: Software, Title and Source", () => {
    const e = evidence({ "PNG:Software": "NovelAI", "PNG:Title": "AI generated image", "PNG:Source": "Stable Diffusion 1D44365E", "PNG:Comment": '{"steps": 28}' });
    expect(e.map((x) => [x.field, x.signal, x.detail?.["generator"]])).toEqual([
      ["PNG:Software", "genai", "NovelAI"],
      ["PNG:Title", "genai", "generator title"],
      ["PNG:Source", "genai", "NovelAI"],
    ]);
  });

  it("InvokeAI PNG text chunks (names as ExifTool prints them)", () => {
    for (const key of ["PNG:Invokeai_metadata", "PNG:Invokeai_graph", "PNG:Dream", "PNG:Sd-metadata"]) {
      expect(evidence({ [key]: '{"model": "sd-1.5"}' }), key).toEqual([
        { source: "generator", field: key, value: '{"model": "sd-1.5"}', signal: "genai", detail: { generator: "InvokeAI", format: `PNG ${key.slice(4).toLowerCase()} chunk` } },
      ]);
    }
  });

  it("generator names in Software / CreatorTool / Encoder; ordinary software is not evidence", () => {
    expect(evidence({ "IFD0:Software": "Adobe Firefly" })).toEqual([
      { source: "generator", field: "IFD0:Software", value: "Adobe Firefly", signal: "genai", detail: { generator: "Adobe Firefly" } },
    ]);
    expect(origin({ "XMP-xmp:CreatorTool": "Midjourney" })).toBe("genai");
    expect(origin({ "ItemList:Encoder": "Sora" })).toBe("genai");
    expect(evidence({ "IFD0:Software": "Adobe Photoshop 25.0", "XMP-xmp:CreatorTool": "GIMP 2.10", "IFD0:Make": "Apple" })).toEqual([]);
  });

  it("generator marks inside C2PA Doc groups are left to the C2PA reader", () => {
    expect(evidence({ "Doc1:XMP-xmp:CreatorTool": "Midjourney" })).toEqual([]);
  });

  it("huge prompts are clipped", () => {
    const long = "Steps: 20, Sampler: Euler\n" + "x".repeat(10_000);
    const [e] = evidence({ "PNG:Parameters": long });
    expect(e!.value.length).toBeLessThan(2100);
    expect(e!.value).toContain(`(${long.length} characters)`);
  });

  // ExifTool -struct prints some tool fields as lists even with one entry.
  it("a list-valued tool field is read", () => {
    expect(origin({ "XMP-xmp:CreatorTool": ["Midjourney v6"] })).toBe("genai");
    expect(origin({ "IFD0:Software": ["GIMP 2.10", "Stable Diffusion"] })).toBe("genai");
  });

  // dc:Creator names people: "Sora" and "Kling" are names as well as video generators.
  it("a person's name in XMP-dc:Creator is not a generator mark", () => {
    expect(origin({ "XMP-dc:Creator": ["Sora Aoi"] })).toBe("unknown");
    expect(origin({ "XMP-dc:Creator": ["Marc-Uwe Kling"] })).toBe("unknown");
  });
});


// ------------------------------------------------------------------ new in this work

const store = (t: Record<string, unknown>) => t;

describe("evidenceFromTags(): C2PA, new", () => {
  it("claim generator Adobe_Firefly/1.0 names Firefly (\\b treated '_' as a letter)", () => {
    const e = evidence(c2paTags([{ label: "adobe:urn:uuid:5468", claimGenerator: "Adobe_Firefly/1.0 c2pa-rs/0.17.0", actions: [{ action: "c2pa.created" }] }]));
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest claim generator", value: "Adobe_Firefly/1.0 c2pa-rs/0.17.0 (Adobe Firefly)", signal: "genai" }));
    expect(classify(e).origin).toBe("genai");
  });

  it("Adobe's com.adobe.generative-ai assertion is a GenAI statement", () => {
    const e = evidence(
      store({
        "Doc1:JUMBF:JUMDLabel": "c2pa",
        "Doc1-1:JUMBF:JUMDLabel": "adobe:urn:uuid:x",
        "Doc1-1-1:JUMBF:JUMDLabel": "c2pa.assertions",
        "Doc1-1-1-1:JUMBF:JUMDLabel": "com.adobe.generative-ai",
        "Doc1-1-1-1:CBOR:Description": "Adobe Firefly",
        "Doc1-1-1-1:CBOR:Version": "1.0.0",
        "Doc1-1-2:JUMBF:JUMDLabel": "c2pa.claim",
        "Doc1-1-2:CBOR:Claim_generator": "Some_Tool/1.0",
      }),
    );
    expect(e).toContainEqual({ source: "c2pa", field: "active manifest com.adobe.generative-ai", value: "Adobe Firefly, version 1.0.0", signal: "genai", detail: { manifest: "adobe:urn:uuid:x" } });
  });

  it("a c2pa.soft-binding assertion is info with its algorithm, as ExifTool prints it (Alg, Blocks, Pad)", () => {
    const e = evidence(
      store({
        "Doc1:JUMBF:JUMDLabel": "c2pa",
        "Doc1-1:JUMBF:JUMDLabel": "urn:c2pa:sb",
        "Doc1-1-1:JUMBF:JUMDLabel": "c2pa.assertions",
        "Doc1-1-1-1:JUMBF:JUMDLabel": "c2pa.soft-binding",
        "Doc1-1-1-1:CBOR:Alg": "com.digimarc.validate.1",
        "Doc1-1-1-1:CBOR:Blocks": { scope: {}, value: "(Binary data 3 bytes, use -b option to extract)" },
        "Doc1-1-1-1:CBOR:Pad": "(Binary data 4 bytes, use -b option to extract)",
        "Doc1-1-1-2:JUMBF:JUMDLabel": "c2pa.soft-binding__1",
        "Doc1-1-1-2:CBOR:Alg": "io.iscc.v0",
      }),
    );
    expect(e).toContainEqual({
      source: "c2pa",
      field: "active manifest c2pa.soft-binding",
      value: "soft binding com.digimarc.validate.1; not decoded",
      signal: "info",
      detail: { manifest: "urn:c2pa:sb", alg: "com.digimarc.validate.1" },
    });
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest c2pa.soft-binding__1", signal: "info" }));
    expect(classify(e).origin).toBe("unknown");
  });

  it("ingredient links resolve with or without the leading slash", () => {
    for (const url of ["self#jumbf=c2pa/urn:uuid:gen", "self#jumbf=/c2pa/urn:uuid:gen"]) {
      const e = evidence(
        c2paTags([
          { label: "urn:uuid:gen", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "trainedAlgorithmicMedia" }] },
          { label: "urn:uuid:edit", actions: [{ action: "c2pa.opened" }], ingredients: [{ title: "a.jpg", relationship: "parentOf", manifestUrl: url }] },
        ]),
      );
      expect(e, url).toContainEqual(expect.objectContaining({ field: "ingredient manifest (parentOf) actions[0] c2pa.created digitalSourceType", signal: "genai" }));
    }
  });

  it("one parentOf ingredient that does not resolve + one unlinked manifest: that manifest is the parent", () => {
    const e = evidence(
      c2paTags([
        { label: "urn:uuid:gen", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "trainedAlgorithmicMedia" }] },
        { label: "urn:uuid:edit", actions: [{ action: "c2pa.opened" }], ingredients: [{ title: "a.jpg", relationship: "parentOf", manifestUrl: "self#jumbf=c2pa.assertions/c2pa.thumbnail.ingredient.jpeg" }] },
      ]),
    );
    expect(classify(e).origin).toBe("genai");
    // Two unlinked manifests are ambiguous: they stay plain ingredients (still GenAI, as edited).
    const two = evidence(
      c2paTags([
        { label: "urn:uuid:a", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "trainedAlgorithmicMedia" }] },
        { label: "urn:uuid:b", actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "digitalCapture" }] },
        { label: "urn:uuid:edit", ingredients: [{ title: "a.jpg", relationship: "parentOf", manifestUrl: "self#jumbf=nowhere" }] },
      ]),
    );
    expect(classify(two).origin).toBe("genai-edited");
  });

  it("IPTC JSON-LD inside the manifest (ExifTool's JSON group)", () => {
    const e = evidence(
      store({
        "Doc1:JUMBF:JUMDLabel": "c2pa",
        "Doc1-1:JUMBF:JUMDLabel": "urn:uuid:i",
        "Doc1-1-1:JUMBF:JUMDLabel": "c2pa.assertions",
        "Doc1-1-1-1:JUMBF:JUMDLabel": "stds.iptc.photo-metadata",
        "Doc1-1-1-1:JSON:Iptc4xmpExt_DigitalSourceType": IPTC + "TrainedAlgorithmicMedia",
      }),
    );
    expect(e).toContainEqual(expect.objectContaining({ field: "active manifest stds.iptc.photo-metadata DigitalSourceType", value: IPTC + "trainedAlgorithmicMedia", signal: "genai" }));
    expect(classify(e).decidedBy.map((x) => x.field)).toEqual(["active manifest stds.iptc.photo-metadata DigitalSourceType"]);
  });
});

describe("evidenceFromTags(): IPTC, new", () => {
  it("DigitalSourceType terms in any case; algorithmicMedia never reaches trainedAlgorithmicMedia", () => {
    expect(origin({ "XMP-iptcExt:DigitalSourceType": IPTC + "TrainedAlgorithmicMedia" })).toBe("genai");
    expect(origin({ "XMP-iptcExt:DigitalSourceType": IPTC + "COMPOSITEWITHTRAINEDALGORITHMICMEDIA" })).toBe("genai-edited");
    expect(origin({ "XMP-iptcExt:DigitalSourceType": IPTC + "AlgorithmicMedia" })).toBe("not-genai");
  });

  it("a misnamed XMP group still carries DigitalSourceType", () => {
    expect(origin({ "XMP-Iptc4xmpExt:DigitalSourceType": IPTC + "trainedAlgorithmicMedia" })).toBe("genai");
  });

  it("AI fields: list values are joined; a number (read without JSONQ) is kept as its text", () => {
    expect(evidence({ "XMP-iptcExt:AISystemUsed": ["Imagen", "Gemini"] })).toEqual([{ source: "iptc", field: "XMP-iptcExt:AISystemUsed", value: "Imagen; Gemini", signal: "genai" }]);
    expect(evidence({ "XMP-iptcExt:AISystemVersionUsed": 3 })[0]?.value).toBe("3");
    expect(evidence({ "XMP-iptcExt:AISystemVersionUsed": "3.0" })[0]?.value).toBe("3.0");
    expect(evidence({ "XMP-iptcExt:AIPromptInformation-de": "ein Schloss" })[0]).toMatchObject({ field: "XMP-iptcExt:AIPromptInformation-de", signal: "genai" });
  });
});

describe("evidenceFromTags(): generator text, new", () => {
  const graph = JSON.stringify({ "3": { class_type: "KSampler", inputs: { seed: 1 } }, "4": { class_type: "CheckpointLoaderSimple", inputs: {} } });
  const workflow = JSON.stringify({ last_node_id: 9, last_link_id: 2, nodes: [{ id: 3, type: "KSampler" }], links: [] });

  it("ComfyUI animated WebP: workflow in IFD0 Make, prompt graph in IFD0 Model", () => {
    const e = evidence({ "IFD0:Make": `workflow:${workflow}`, "IFD0:Model": `prompt:${graph}` });
    expect(e.map((x) => [x.field, x.signal, x.detail?.["generator"], x.detail?.["format"]])).toEqual([
      ["IFD0:Make", "genai", "ComfyUI", "ComfyUI workflow (JSON)"],
      ["IFD0:Model", "genai", "ComfyUI", "ComfyUI prompt graph (JSON)"],
    ]);
  });

  it("ComfyUI JSON in UserComment (any IFD), not only A1111 text", () => {
    expect(origin({ "IFD0:UserComment": JSON.stringify({ prompt: JSON.parse(graph), workflow: JSON.parse(workflow) }) })).toBe("genai");
    expect(origin({ "ExifIFD:UserComment": graph })).toBe("genai");
  });

  it("TC260 AIGC label under ExifTool's names for it", () => {
    const label = JSON.stringify({ Label: "1", ContentProducer: "001191110102MACQD9K64010000", ProduceID: "x" });
    for (const key of ["XMP-TC260:Aigc", "PNG:AIGC", "Keys:AIGC", "ID3v2_4:Aigc"]) {
      expect(evidence({ [key]: label }), key).toEqual([
        {
          source: "generator",
          field: key,
          value: label,
          signal: "genai",
          detail: {
            generator: "TC260 AIGC label (GB 45438-2025)",
            format: "GB 45438-2025 implicit label (JSON)",
            label: "1",
            contentProducer: "001191110102MACQD9K64010000",
            produceID: "x",
            meaning: "AI-generated",
          },
        },
      ]);
    }
  });

  it("PDF Creator/Producer name the application; PDF Author (a person) does not count", () => {
    expect(evidence({ "PDF:Creator": "Adobe Firefly", "PDF:Author": "Sora Aoi" }).map((x) => x.field)).toEqual(["PDF:Creator"]);
    expect(origin({ "XMP-pdf:Producer": "Midjourney export" })).toBe("genai");
    expect(origin({ "PDF:Creator": "Adobe InDesign 19.0", "PDF:Producer": "Adobe PDF Library 17.0" })).toBe("unknown");
  });

  it("ExifTool's own warnings and file-system facts are never read as generator text", () => {
    expect(evidence({ "ExifTool:Warning": `prompt:${graph}`, "File:FileName": `prompt:${graph}`, "ICC_Profile:ProfileDescription": graph })).toEqual([]);
  });

  it("every item of a busy file is unique by (source, field, value), as prov's store requires", () => {
    const e = evidence({
      "IFD0:Make": `workflow:${workflow}`,
      "IFD0:Model": `prompt:${graph}`,
      "IFD0:Software": ["ComfyUI", "ComfyUI"],
      "XMP-TC260:Aigc": JSON.stringify({ Label: "1", ContentProducer: "p" }),
      "XMP-iptcExt:DigitalSourceType": [IPTC + "trainedAlgorithmicMedia", IPTC + "trainedAlgorithmicMedia"],
    });
    const keys = e.map((x) => `${x.source}|${x.field}|${x.value}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(e).toHaveLength(5);
  });
});

// ------------------------------------------------------------------ folder rules

describe("folderMatcher()", () => {
  const match = folderMatcher(DEFAULT_FOLDER_RULES);

  it("the default AI_TEMP rule marks files below any AI_TEMP folder as genai, with its note", () => {
    expect(match("/proj/ep101/AI_TEMP/concept.png")).toEqual([
      {
        source: "folder",
        field: "folder rule **/AI_TEMP/**",
        value: "/proj/ep101/AI_TEMP/concept.png",
        signal: "genai",
        detail: { note: "temporary GenAI working folder (studio convention)" },
      },
    ]);
    expect(match("/proj/AI_TEMP/deep/er/.hidden.png")).toHaveLength(1);
  });

  it("ignores case, as SMB shares and macOS do: ai_temp/ and Ai_Temp/ are the AI_TEMP folder", () => {
    expect(match("/proj/ai_temp/x.png")).toHaveLength(1);
    expect(match("/proj/Ai_Temp/deep/x.PNG")).toHaveLength(1);
  });

  it("does not match look-alike folders or the folder name as a file", () => {
    expect(match("/proj/AI_TEMP_old/x.png")).toEqual([]);
    expect(match("/proj/ai_temp_old/x.png")).toEqual([]);
    expect(match("/proj/NOT_AI_TEMP/x.png")).toEqual([]);
    expect(match("/proj/plates/x.png")).toEqual([]);
  });

  it("several rules can match; a rule without a note has no detail", () => {
    const m = folderMatcher([
      { pattern: "**/gen/**", origin: "genai-edited" },
      { pattern: "**/*.png", origin: "possibly-genai", note: "pngs" },
    ]);
    expect(m("/a/gen/b.png")).toEqual([
      { source: "folder", field: "folder rule **/gen/**", value: "/a/gen/b.png", signal: "genai-edited" },
      { source: "folder", field: "folder rule **/*.png", value: "/a/gen/b.png", signal: "possibly-genai", detail: { note: "pngs" } },
    ]);
    expect(classify(m("/a/gen/b.png")).origin).toBe("genai-edited");
  });
});

// ------------------------------------------------------------------ config

describe("parseConfig()", () => {
  const file = "/studio/show/prov.config.json";
  const err = (text: string): ConfigError => {
    try {
      parseConfig(file, text);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return e as ConfigError;
    }
    throw new Error(`parseConfig accepted ${text}`);
  };

  it("an empty object gives the defaults, database resolved relative to the config", () => {
    const c = parseConfig(file, "{}");
    expect(c.file).toBe(file);
    expect(c.database).toBeNull();
    expect(c.folderRules).toEqual(DEFAULT_FOLDER_RULES);
    expect(parseConfig(file, '{"database": "db/prov.db"}').database).toBe("/studio/show/db/prov.db");
    expect(parseConfig(file, '{"database": "/var/prov.db"}').database).toBe("/var/prov.db");
  });

  it("normalises extensions and converts GiB", () => {
    const c = parseConfig(file, JSON.stringify({ scan: { extensions: [".JPG", "Exr"] }, exiftool: { mediaHashMaxGiB: 0.5, maxProcs: 3, timeoutSeconds: 30 } }));
    expect(c.scan.extensions).toEqual(["jpg", "exr"]);
    expect(c.exiftool).toEqual({ mediaHashMaxBytes: 0.5 * 1024 ** 3, maxProcs: 3 });
    // exiftool.timeoutSeconds is the older name of budgets.metadataSeconds, which wins when both are given.
    expect(c.budgets).toEqual({ metadataSeconds: 30, decodeSeconds: 60, maxTagBytes: 4 * 1024 ** 2 });
    const b = parseConfig(file, JSON.stringify({ exiftool: { timeoutSeconds: 30 }, budgets: { metadataSeconds: 2, decodeSeconds: 5, maxTagBytes: 65536 } }));
    expect(b.budgets).toEqual({ metadataSeconds: 2, decodeSeconds: 5, maxTagBytes: 65536 });
    expect(parseConfig(file, '{"scan": {"extensions": "all"}}').scan.extensions).toBe("all");
  });

  it("an unknown key names the file and the key", () => {
    expect(err('{"databse": "x.db"}').message).toMatch(new RegExp(`^${file.replace(/\./g, "\\.")}: databse: unknown key`));
    expect(err('{"scan": {"extension": ["jpg"]}}').message).toContain(`${file}: scan.extension: unknown key`);
    expect(err('{"folderRules": [{"pattern": "**/x/**", "orign": "genai"}]}').message).toContain(`${file}: folderRules[0].orign: unknown key`);
  });

  it("a bad type names the file and the key", () => {
    expect(err('{"database": 5}').message).toContain(`${file}: database: must be a non-empty string`);
    expect(err('{"exiftool": {"maxProcs": "2"}}').message).toContain(`${file}: exiftool.maxProcs: must be a number`);
    expect(err('{"exiftool": {"timeoutSeconds": 0}}').message).toContain(`${file}: exiftool.timeoutSeconds: must be a number from 1`);
    expect(err('{"budgets": {"metadataSeconds": 0}}').message).toContain(`${file}: budgets.metadataSeconds: must be a number from 0.5 to 3600`);
    expect(err('{"budgets": {"decodeSeconds": "5"}}').message).toContain(`${file}: budgets.decodeSeconds: must be a number`);
    expect(err('{"budgets": {"maxTagBytes": 10}}').message).toContain(`${file}: budgets.maxTagBytes: must be a number from 1024`);
    expect(err('{"budgets": {"maxTagSize": 10}}').message).toContain(`${file}: budgets.maxTagSize: unknown key`);
    expect(err('{"scan": {"ignore": ["ok", 3]}}').message).toContain(`${file}: scan.ignore[1]: must be a non-empty string`);
    expect(err('{"scan": []}').message).toContain(`${file}: scan: must be an object`);
    expect(err('{"folderRules": {}}').message).toContain(`${file}: folderRules: must be an array`);
    expect(err('{"folderRules": [{"pattern": "**/x/**", "origin": "not-genai"}]}').message).toContain(`${file}: folderRules[0].origin: must be genai`);
    expect(err("[]").message).toContain(`${file}: (top level): must be an object`);
  });

  it("invalid JSON names the file", () => {
    expect(err('{"database": ').message).toMatch(/^\/studio\/show\/prov\.config\.json: not valid JSON/);
  });
});

describe("loadConfig()", () => {
  it("runs on defaults without a config file, and --db / PROV_DB set the database relative to cwd", () => {
    const cwd = "/nonexistent-prov-test-dir";
    expect(loadConfig({ cwd, env: {} })).toMatchObject({ file: null, database: null });
    expect(loadConfig({ cwd, env: { PROV_DB: "a/p.db" } }).database).toBe(path.join(cwd, "a/p.db"));
    expect(loadConfig({ cwd, env: { PROV_DB: "a/p.db" }, dbPath: "b.db" }).database).toBe(path.join(cwd, "b.db"));
  });

  it("an explicit config that does not exist is an error", () => {
    expect(() => loadConfig({ cwd: "/nonexistent-prov-test-dir", env: { PROV_CONFIG: "x.json" } })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: "/nonexistent-prov-test-dir", env: {}, configPath: CONFIG_FILE })).toThrow(/does not exist/);
  });
});

// ------------------------------------------------------------------ mounts

describe("fsinfo", () => {
  const mounts = parseMounts(
    [
      "/dev/sda1 / ext4 rw,relatime 0 0",
      "//nas/share /mnt/nas cifs rw,vers=3.0 0 0",
      "nas:/export /mnt/nas/sub nfs4 rw 0 0",
      "/dev/sdb1 /mnt/My\\040Drive fuseblk rw 0 0",
      "sshfs#u@h: /mnt/remote fuse.sshfs rw 0 0",
      "",
      "garbage",
    ].join("\n"),
  );

  it("parseMounts reads device, mount point (unescaped) and type, skipping junk lines", () => {
    expect(mounts).toEqual([
      { device: "/dev/sda1", mountPoint: "/", fsType: "ext4" },
      { device: "//nas/share", mountPoint: "/mnt/nas", fsType: "cifs" },
      { device: "nas:/export", mountPoint: "/mnt/nas/sub", fsType: "nfs4" },
      { device: "/dev/sdb1", mountPoint: "/mnt/My Drive", fsType: "fuseblk" },
      { device: "sshfs#u@h:", mountPoint: "/mnt/remote", fsType: "fuse.sshfs" },
    ]);
  });

  it("mountFor picks the longest mount point on a path-component boundary", () => {
    expect(mountFor("/mnt/nas/show/plate.exr", mounts)?.fsType).toBe("cifs");
    expect(mountFor("/mnt/nas/sub/x", mounts)?.fsType).toBe("nfs4");
    expect(mountFor("/mnt/nas", mounts)?.fsType).toBe("cifs");
    expect(mountFor("/mnt/nas2/x", mounts)?.fsType).toBe("ext4");
    expect(mountFor("/mnt/My Drive/x", mounts)?.fsType).toBe("fuseblk");
    expect(mountFor("/home/u", mounts)?.mountPoint).toBe("/");
    expect(mountFor("/x", [])).toBeUndefined();
  });

  it("isNetworkFsType: network filesystems yes, local ones (and fuseblk) no", () => {
    for (const t of ["cifs", "smb3", "smbfs", "nfs", "nfs4", "ceph", "glusterfs", "9p", "fuse.sshfs", "fuse"]) expect(isNetworkFsType(t), t).toBe(true);
    for (const t of ["ext4", "xfs", "btrfs", "tmpfs", "overlay", "apfs", "fuseblk", "nfsd", "zfs"]) expect(isNetworkFsType(t), t).toBe(false);
  });

  it("fsTypeOf resolves a path that does not exist yet through its nearest existing ancestor", () => {
    const here = realpathSync(process.cwd());
    const text = `/dev/sda1 / ext4 rw 0 0\ntmpfs ${here} cifs rw 0 0\n`;
    expect(fsTypeOf(path.join(here, "no/such/dir/prov.db"), text)).toBe("cifs");
    expect(fsTypeOf("/", text)).toBe("ext4");
  });
});
