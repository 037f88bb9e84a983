// Own sample files for standard labels: IPTC 2025.1 AI fields and DigitalSourceType
// spellings, China's GB 45438-2025 TC260 AIGC label in each place it is written, C2PA
// soft bindings / Adobe's generative-ai assertion / IPTC-in-C2PA, and PDFs.

import { beforeAll, describe, expect, it } from "vitest";
import * as b from "../helpers/label-files.js";
import { alarms, analyse, expectReadCleanly, itemOf, PRE_JSONQ_READ_ARGS, type Analysed } from "../helpers/label-files-read.js";
import { tempDir } from "../helpers/index.js";
import * as f from "../helpers/label-files-formats.js";

const J = (v: unknown) => JSON.stringify(v);
const ascii = (value: string): b.ExifValue => ({ type: "ascii", value });
const comment = (text: string): b.ExifValue => ({ type: "undefined", value: b.userComment(text, "UNICODE") });
const IPTC = f.IPTC;

const iptcXmp = (inner: string) => b.xmpPacket(inner, { Iptc4xmpExt: f.NS.Iptc4xmpExt, photoshop: f.NS.photoshop });
const iptcAI =
  "<Iptc4xmpExt:AISystemUsed>Imagen</Iptc4xmpExt:AISystemUsed><Iptc4xmpExt:AISystemVersionUsed>3.0</Iptc4xmpExt:AISystemVersionUsed>" +
  "<Iptc4xmpExt:AIPromptInformation>1.10</Iptc4xmpExt:AIPromptInformation><Iptc4xmpExt:AIPromptWriterName>Jo Bloggs</Iptc4xmpExt:AIPromptWriterName>";
const dst = (term: string) => `<Iptc4xmpExt:DigitalSourceType>${term}</Iptc4xmpExt:DigitalSourceType>`;

const tcXmpElement = (label: string | number) => b.xmpPacket(`<TC260:AIGC>${b.xmlEscape(J(f.tc260Label(label)))}</TC260:AIGC>`, { TC260: f.TC260_NS });
const tcXmpAttribute = (label: string) => b.xmpPacket("", { TC260: f.TC260_NS }, `TC260:AIGC="${b.xmlEscape(J(f.tc260Label(label)))}"`);

// ---- C2PA stores (unsigned: ExifTool reads structure and validates nothing, like on real files)
const actions = (a: Record<string, unknown>[]) => ({ label: "c2pa.actions", cbor: { actions: a } as b.Cbor });
const fireflyAlone: b.ManifestSpec = {
  label: "adobe:urn:uuid:5468a4d3-0dc5-4550-8248-590eb7c520ec",
  claimGenerator: "Adobe_Firefly/1.0 c2pa-rs/0.17.0",
  title: "Generated image",
  assertions: [actions([{ action: "c2pa.created" }]), { label: "com.adobe.generative-ai", cbor: { description: "Adobe Firefly", version: "1.0.0" } }],
};
const olderFirefly: b.ManifestSpec = {
  label: "urn:uuid:older-firefly",
  claimGenerator: "Adobe_Firefly adobe_c2pa/0.5.0 c2pa-rs/0.20.0",
  assertions: [actions([{ action: "c2pa.created", softwareAgent: "Adobe Firefly Pipeline", digitalSourceType: IPTC + "trainedAlgorithmicMedia" }])],
};
const newerEdit = (url: string | null, relationship = "parentOf"): b.ManifestSpec => ({
  label: "urn:uuid:newer-edit",
  claimGenerator: "Adobe_Photoshop/25.0 adobe_c2pa/0.7.6 c2pa-rs/0.25.2",
  assertions: [
    { label: "c2pa.ingredient", cbor: { "dc:title": "Firefly.jpg", relationship, ...(url ? { c2pa_manifest: { url, alg: "sha256", hash: new Uint8Array(32) } } : {}) } },
    actions([{ action: "c2pa.opened" }, { action: "c2pa.color_adjustments" }]),
  ],
});
const softBinding = (alg: string, extra: Record<string, b.Cbor> = {}): b.ManifestSpec => ({
  label: "urn:c2pa:soft-binding-test",
  claimV2: true,
  claimGeneratorInfo: [{ name: "Test Signer", version: "1.0" }],
  assertions: [
    { label: "c2pa.actions.v2", cbor: { actions: [{ action: "c2pa.created", digitalSourceType: IPTC + "digitalCapture" }] } },
    { label: "c2pa.soft-binding", cbor: { alg, blocks: [{ scope: {}, value: new Uint8Array([1, 2, 3, 4]) }], pad: new Uint8Array(8), ...extra } },
  ],
});
const iptcInC2pa: b.ManifestSpec = {
  label: "urn:uuid:iptc-assertion",
  claimGenerator: "NewsroomTool/2.0",
  assertions: [
    {
      label: "stds.iptc",
      json: { "@context": { Iptc4xmpExt: f.NS.Iptc4xmpExt }, "Iptc4xmpExt:DigitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia", "Iptc4xmpExt:AISystemUsed": "Generative Fill" },
    },
  ],
};

const samples: Record<string, Buffer> = {
  // IPTC 2025.1
  "iptc-ai-fields.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp(iptcAI) }]),
  "iptc-ai-version-only.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp("<Iptc4xmpExt:AISystemVersionUsed>1.10</Iptc4xmpExt:AISystemVersionUsed>") }]),
  "iptc-ai-fields.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: iptcXmp(iptcAI) }]),
  "iptc-ai-fields.webp": b.webp({ xmp: iptcXmp(iptcAI) }),
  // DigitalSourceType spellings
  "dst-capitalised.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp(dst(IPTC + "TrainedAlgorithmicMedia")) }]),
  "dst-lowercase-https.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp(dst("https://cv.iptc.org/newscodes/digitalsourcetype/trainedalgorithmicmedia/")) }]),
  "dst-algorithmic.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp(dst(IPTC + "AlgorithmicMedia")) }]),
  "dst-composite-trained.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: iptcXmp(dst(IPTC + "compositeWithTrainedAlgorithmicMedia")) }]),
  "google-edited-credit.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp("<photoshop:Credit>Edited with Google AI</photoshop:Credit>") }]),
  "google-credit.jpg": b.jpegFile([{ kind: "xmp", xmp: iptcXmp(`<photoshop:Credit>Made with Google AI</photoshop:Credit>${dst(IPTC + "compositeWithTrainedAlgorithmicMedia")}`) }]),

  // TC260 AIGC (GB 45438-2025) in each serialization
  "tc260-xmp.jpg": b.jpegFile([{ kind: "xmp", xmp: tcXmpElement("1") }]),
  "tc260-xmp.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: tcXmpElement("1") }]),
  "tc260-xmp-attribute.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: tcXmpAttribute("1") }]),
  "tc260-xmp.webp": b.webp({ xmp: tcXmpElement(1) }),
  "tc260-png-chunk.png": b.png([{ kind: "tEXt", keyword: "AIGC", text: J(f.tc260Label("1")) }]),
  "tc260-usercomment.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(J({ AIGC: f.tc260Label("1") })) } }) }]),
  "tc260-tencent.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ ifd0: { 0x010e: ascii(J({ AIGC: { ServiceProvider: "腾讯云", ServiceUser: "1250000000", Time: "1735689600", ContentId: "abc" } })) } }) }]),
  "tc260-video.mp4": b.mp4([b.udta([b.mdtaMeta({ AIGC: J(f.tc260Label("1")) })])]),
  "tc260-audio.mp3": b.mp3({ AIGC: J(f.tc260Label("1")) }),
  "tc260-label2.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: tcXmpElement("2") }]),
  "tc260-label3.jpg": b.jpegFile([{ kind: "xmp", xmp: tcXmpElement("3") }]),
  "tc260-placeholder.jpg": b.jpegFile([{ kind: "xmp", xmp: tcXmpElement("value1") }]),
  "tc260-unreadable.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: b.xmpPacket("<TC260:AIGC>{Label:1, truncated</TC260:AIGC>", { TC260: f.TC260_NS }) }]),

  // C2PA
  "firefly-early.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([fireflyAlone]) }]),
  "firefly-then-photoshop.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([olderFirefly, newerEdit("self#jumbf=c2pa/urn:uuid:older-firefly")]) }]),
  "firefly-then-photoshop-abs.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([olderFirefly, newerEdit("self#jumbf=/c2pa/urn:uuid:older-firefly")]) }]),
  "firefly-then-photoshop-unresolved.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([olderFirefly, newerEdit("self#jumbf=c2pa.assertions/c2pa.thumbnail.ingredient.jpeg")]) }]),
  "firefly-as-component.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([olderFirefly, newerEdit("self#jumbf=/c2pa/urn:uuid:older-firefly", "componentOf")]) }]),
  "soft-binding-trustmark.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([softBinding("com.adobe.trustmark.Q")]) }]),
  "soft-binding-digimarc.png": b.png([{ kind: "raw", type: "caBX", data: b.c2paStore([softBinding("com.digimarc.validate.1")]) }]),
  "soft-binding-synthid.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([{ ...softBinding("com.google.synthid.image"), assertions: [softBinding("com.google.synthid.image").assertions[1]!] }]) }]),
  "iptc-in-c2pa.jpg": b.jpegFile([{ kind: "jumbf", box: b.c2paStore([iptcInC2pa]) }]),

  // PDF: concept art and storyboards are delivered as PDF.
  "firefly-concept.pdf": b.pdf({ Title: "Concept art v3", Creator: "Adobe Firefly", Producer: "Adobe PDF Library 17.0" }),
  "storyboard-genai-edited.pdf": b.pdf({ Title: "Storyboard ep101", Creator: "Adobe InDesign 19.0", Producer: "Adobe PDF Library 17.0" }, iptcXmp(dst(IPTC + "compositeWithTrainedAlgorithmicMedia"))),
  "storyboard-tc260.pdf": b.pdf({ Title: "Storyboard ep102", Creator: "WPS Office" }, tcXmpElement("1")),
  "storyboard-iptc-ai.pdf": b.pdf({ Title: "Storyboard ep103" }, iptcXmp(iptcAI)),
};

let r: Record<string, Analysed>;
let preJsonq: Record<string, Analysed>;
beforeAll(async () => {
  r = await analyse(tempDir(), samples);
  preJsonq = await analyse(tempDir(), { "iptc-ai-fields.jpg": samples["iptc-ai-fields.jpg"]!, "iptc-ai-version-only.jpg": samples["iptc-ai-version-only.jpg"]! }, PRE_JSONQ_READ_ARGS);
});

const item = (name: string, field: string) => itemOf(r, name, field);

describe("every sample", () => {
  it("is read without an ExifTool error and never yields two items prov's store would merge", () => expectReadCleanly(r));
});

describe("IPTC 2025.1 AI fields", () => {
  it("AISystemUsed and AIPromptInformation say GenAI; version and writer are info; in JPEG, PNG and WebP", () => {
    for (const name of ["iptc-ai-fields.jpg", "iptc-ai-fields.png", "iptc-ai-fields.webp"]) {
      expect(r[name]!.origin, name).toBe("genai");
      expect(item(name, "XMP-iptcExt:AISystemUsed")).toMatchObject({ source: "iptc", value: "Imagen", signal: "genai" });
      expect(item(name, "XMP-iptcExt:AIPromptInformation")).toMatchObject({ value: "1.10", signal: "genai" });
      expect(item(name, "XMP-iptcExt:AIPromptWriterName")).toMatchObject({ value: "Jo Bloggs", signal: "info" });
    }
  });

  it('keeps AISystemVersionUsed "3.0" and "1.10" as written, read with -api StructFormat=JSONQ', () => {
    expect(r["iptc-ai-fields.jpg"]!.tags["XMP-iptcExt:AISystemVersionUsed"]).toBe("3.0");
    expect(item("iptc-ai-fields.jpg", "XMP-iptcExt:AISystemVersionUsed")).toMatchObject({ value: "3.0", signal: "info" });
    expect(item("iptc-ai-version-only.jpg", "XMP-iptcExt:AISystemVersionUsed").value).toBe("1.10");
    expect(r["iptc-ai-version-only.jpg"]!.origin).toBe("unknown");
  });

  it("documents why the reader needs that argument: without it (prov's arguments before issue 14) JSON turns them into numbers", () => {
    expect(preJsonq["iptc-ai-fields.jpg"]!.tags["XMP-iptcExt:AISystemVersionUsed"]).toBe(3);
    expect(preJsonq["iptc-ai-version-only.jpg"]!.tags["XMP-iptcExt:AISystemVersionUsed"]).toBe(1.1);
    expect(preJsonq["iptc-ai-fields.jpg"]!.evidence.find((e) => e.field === "XMP-iptcExt:AISystemVersionUsed")?.value).toBe("3");
  });
});

describe("IPTC DigitalSourceType spellings", () => {
  it("matches terms case-insensitively and reports the vocabulary's spelling", () => {
    expect(item("dst-capitalised.jpg", "XMP-iptcExt:DigitalSourceType")).toMatchObject({ value: IPTC + "trainedAlgorithmicMedia", signal: "genai" });
    expect(item("dst-lowercase-https.jpg", "XMP-iptcExt:DigitalSourceType")).toMatchObject({ value: IPTC + "trainedAlgorithmicMedia", signal: "genai" });
    expect(r["dst-composite-trained.png"]!.origin).toBe("genai-edited");
  });

  it("AlgorithmicMedia (procedural) stays not-genai whatever its case", () => {
    expect(item("dst-algorithmic.jpg", "XMP-iptcExt:DigitalSourceType")).toMatchObject({ value: IPTC + "algorithmicMedia", signal: "not-genai" });
    expect(r["dst-algorithmic.jpg"]!.origin).toBe("not-genai");
  });

  it("Google's credit line beside the source type", () => {
    expect(item("google-credit.jpg", "XMP-photoshop:Credit")).toMatchObject({ source: "iptc", signal: "genai-edited" });
    expect(r["google-credit.jpg"]!.origin).toBe("genai-edited");
    expect(r["google-edited-credit.jpg"]!.origin).toBe("genai-edited");
  });
});

describe("TC260 AIGC label (GB 45438-2025)", () => {
  it("XMP TC260:AIGC (element and attribute forms) in JPEG, PNG, WebP", () => {
    for (const name of ["tc260-xmp.jpg", "tc260-xmp.png", "tc260-xmp-attribute.png", "tc260-xmp.webp"]) {
      const e = item(name, "XMP-TC260:Aigc");
      expect(e, name).toMatchObject({
        source: "generator",
        signal: "genai",
        detail: { generator: "TC260 AIGC label (GB 45438-2025)", label: "1", meaning: "AI-generated", contentProducer: "001191110102MACQD9K64010000", produceID: "a1b2c3d4e5" },
      });
      expect(r[name]!.origin, name).toBe("genai");
    }
  });

  it("PNG AIGC chunk, {\"AIGC\": ...} in EXIF, Tencent Cloud's variant, MP4 keys, MP3 TXXX", () => {
    expect(item("tc260-png-chunk.png", "PNG:AIGC").signal).toBe("genai");
    expect(item("tc260-usercomment.jpg", "ExifIFD:UserComment").signal).toBe("genai");
    expect(item("tc260-tencent.jpg", "IFD0:ImageDescription")).toMatchObject({ signal: "possibly-genai", detail: { serviceProvider: "腾讯云" } });
    expect(item("tc260-video.mp4", "Keys:AIGC").signal).toBe("genai");
    expect(r["tc260-audio.mp3"]!.origin).toBe("genai");
  });

  it("Label 2 (possibly) and 3 (suspected) are possibly-genai; a placeholder label is info; an unreadable label is possibly-genai", () => {
    expect(item("tc260-label2.png", "XMP-TC260:Aigc")).toMatchObject({ signal: "possibly-genai", detail: { meaning: "possibly AI-generated" } });
    expect(item("tc260-label3.jpg", "XMP-TC260:Aigc")).toMatchObject({ signal: "possibly-genai", detail: { meaning: "suspected AI-generated" } });
    expect(item("tc260-placeholder.jpg", "XMP-TC260:Aigc").signal).toBe("info");
    expect(item("tc260-unreadable.png", "XMP-TC260:Aigc")).toMatchObject({ signal: "possibly-genai", detail: { format: "unreadable AIGC label" } });
  });
});

describe("C2PA", () => {
  it("an early Firefly file: Adobe_Firefly claim generator and the com.adobe.generative-ai assertion (no digitalSourceType)", () => {
    const a = r["firefly-early.jpg"]!;
    expect(a.origin).toBe("genai");
    expect(item("firefly-early.jpg", "active manifest claim generator")).toMatchObject({ value: "Adobe_Firefly/1.0 c2pa-rs/0.17.0 (Adobe Firefly)", signal: "genai" });
    expect(item("firefly-early.jpg", "active manifest com.adobe.generative-ai")).toMatchObject({ value: "Adobe Firefly, version 1.0.0", signal: "genai" });
  });

  it("GenAI source type only in the OLDER manifest, parent link in either URI form or unresolvable: genai", () => {
    for (const name of ["firefly-then-photoshop.jpg", "firefly-then-photoshop-abs.jpg", "firefly-then-photoshop-unresolved.jpg"]) {
      expect(r[name]!.origin, name).toBe("genai");
      expect(item(name, "ingredient manifest (parentOf) actions[0] c2pa.created digitalSourceType").signal, name).toBe("genai");
    }
  });

  it("the same Firefly manifest placed as a component makes the result genai-edited", () => {
    expect(r["firefly-as-component.jpg"]!.origin).toBe("genai-edited");
  });

  it("a soft-binding assertion is recorded (info) even though its watermark cannot be decoded", () => {
    expect(item("soft-binding-trustmark.jpg", "active manifest c2pa.soft-binding")).toMatchObject({
      source: "c2pa",
      value: "soft binding com.adobe.trustmark.Q; not decoded",
      signal: "info",
      detail: { alg: "com.adobe.trustmark.Q" },
    });
    expect(r["soft-binding-trustmark.jpg"]!.origin).toBe("not-genai"); // from its digitalCapture action
    expect(item("soft-binding-digimarc.png", "active manifest c2pa.soft-binding")).toMatchObject({ signal: "info", detail: { alg: "com.digimarc.validate.1" } });
  });

  it("a soft binding by a watermark only AI generators apply is itself a GenAI statement", () => {
    expect(item("soft-binding-synthid.jpg", "active manifest c2pa.soft-binding").signal).toBe("genai");
  });

  it("IPTC metadata inside the manifest (stds.iptc) is read, and its DigitalSourceType counts as declared", () => {
    expect(item("iptc-in-c2pa.jpg", "active manifest stds.iptc DigitalSourceType")).toMatchObject({ value: IPTC + "compositeWithTrainedAlgorithmicMedia", signal: "genai-edited" });
    expect(item("iptc-in-c2pa.jpg", "active manifest stds.iptc AISystemUsed")).toMatchObject({ value: "Generative Fill", signal: "genai" });
    expect(r["iptc-in-c2pa.jpg"]!.origin).toBe("genai-edited");
  });
});

describe("PDF", () => {
  it("Info Creator naming a generator, XMP source type, TC260 label and IPTC AI fields in XMP", () => {
    expect(item("firefly-concept.pdf", "PDF:Creator")).toMatchObject({ signal: "genai", detail: { generator: "Adobe Firefly" } });
    expect(r["firefly-concept.pdf"]!.origin).toBe("genai");
    expect(r["storyboard-genai-edited.pdf"]!.origin).toBe("genai-edited");
    expect(r["storyboard-tc260.pdf"]!.origin).toBe("genai");
    expect(r["storyboard-iptc-ai.pdf"]!.origin).toBe("genai");
    expect(alarms(r["storyboard-genai-edited.pdf"]!.evidence).map((e) => e.field)).toEqual(["XMP-iptcExt:DigitalSourceType"]);
  });
});
