// Own sample files for each generator, written where and how the tool's published code
// writes them, read by the bundled ExifTool with prov's arguments.

import { beforeAll, describe, expect, it } from "vitest";
import * as b from "../helpers/label-files.js";
import { analyse, expectReadCleanly, itemOf, type Analysed } from "../helpers/label-files-read.js";
import * as f from "../helpers/label-files-formats.js";
import { tempDir } from "../helpers/index.js";

const J = (v: unknown) => JSON.stringify(v);
/** Pillow's Exif.tobytes() starts with "Exif\0\0": ComfyUI's WebP EXIF chunk does too. */
const pillowExif = (spec: b.ExifSpec) => Buffer.concat([Buffer.from("Exif\0\0", "latin1"), b.tiff(spec)]);
const ascii = (value: string): b.ExifValue => ({ type: "ascii", value });
const comment = (text: string, code: "ASCII" | "UNICODE" | "none" = "UNICODE"): b.ExifValue => ({ type: "undefined", value: b.userComment(text, code) });

const samples: Record<string, Buffer> = {
  // ComfyUI SaveAnimatedWEBP (comfy_api/latest/_ui.py _create_webp_metadata): Model = "prompt:"+JSON, Make = "workflow:"+JSON.
  "comfy-animated.webp": b.webp({ animated: true, exif: pillowExif({ ifd0: { 0x010f: ascii(`workflow:${J(f.comfyWorkflow)}`), 0x0110: ascii(`prompt:${J(f.comfyPrompt)}`) } }) }),
  "comfy-single-frame.webp": b.webp({ exif: pillowExif({ ifd0: { 0x010f: ascii(`workflow:${J(f.comfyWorkflow)}`), 0x0110: ascii(`prompt:${J(f.comfyPrompt)}`) } }) }),
  // Further extra_pnginfo keys count down from Make (0x010F) to ImageDescription (0x010E).
  "comfy-extra-keys.webp": b.webp({
    animated: true,
    exif: pillowExif({ ifd0: { 0x010e: ascii(`workflow:${J(f.comfyWorkflow)}`), 0x010f: ascii(`job:${J({ id: 7 })}`), 0x0110: ascii(`prompt:${J(f.comfyPrompt)}`) } }),
  }),
  "comfy-prompt-only.webp": b.webp({ animated: true, exif: pillowExif({ ifd0: { 0x0110: ascii(`prompt:${J(f.comfyPrompt)}`) } }) }),
  "comfy-workflow-nan.webp": b.webp({ animated: true, exif: pillowExif({ ifd0: { 0x010f: ascii(`workflow:${f.comfyWorkflowWithNaN}`) } }) }),
  "comfy-upscale-only.webp": b.webp({ exif: pillowExif({ ifd0: { 0x0110: ascii(`prompt:${J(f.comfyUpscaleOnly)}`) } }) }),
  // ComfyUI JPEG savers (custom nodes) write {"prompt":..., "workflow":...} into UserComment through Pillow (IFD0, no charset code).
  "comfy-usercomment-ifd0.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ ifd0: { 0x9286: comment(J({ prompt: f.comfyPrompt, workflow: f.comfyWorkflow }), "none") } }) }]),
  "comfy-usercomment-exif.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(J(f.comfyPrompt)) } }) }]),
  "comfy-image-saver.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(f.comfyImageSaver) } }) }]),
  "comfy.png": b.png([
    { kind: "tEXt", keyword: "prompt", text: J(f.comfyPrompt) },
    { kind: "tEXt", keyword: "workflow", text: J(f.comfyWorkflow) },
  ]),
  // SaveVideo / VideoHelperSuite: container metadata "prompt"/"workflow" (ffmpeg mdta keys), VHS "comment" JSON.
  "comfy-video.mp4": b.mp4([b.mdtaMeta({ prompt: J(f.comfyPrompt), workflow: J(f.comfyWorkflow) }, { fullBox: false })]),
  "comfy-vhs.mp4": b.mp4([b.mdtaMeta({ comment: J({ prompt: f.comfyPrompt, workflow: f.comfyWorkflow }) }, { fullBox: false })]),
  // SaveAudio (AudioSaveHelper): container metadata prompt/workflow → FLAC Vorbis comments, MP3 ID3 TXXX.
  "comfy-audio.flac": b.flac({ prompt: J(f.comfyPrompt), workflow: J(f.comfyWorkflow) }),
  "comfy-audio.mp3": b.mp3({ prompt: J(f.comfyPrompt) }),

  // Civitai: its ComfyUI graph with resource-stack (AIR URNs) in ExifIFD UserComment; or A1111 text with "Civitai resources".
  "civitai-comfy.jpeg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(J(f.civitaiResourceStack)) } }) }]),
  "civitai-infotext.jpeg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(f.civitaiInfotext) } }) }]),

  // AUTOMATIC1111 / Forge / SD.Next: PNG "parameters"; JPEG/WebP ExifIFD UserComment (piexif, UNICODE).
  "a1111.png": b.png([{ kind: "tEXt", keyword: "parameters", text: f.a1111 }]),
  "a1111.webp": b.webp({ exif: b.tiff({ exif: { 0x9286: comment(f.a1111) } }) }),
  "forge.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(f.forge) } }) }]),
  "sdnext.png": b.png([{ kind: "tEXt", keyword: "parameters", text: f.sdnext }]),
  "sdnext.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(f.sdnext) } }) }]),
  "sdnext-sampler.webp": b.webp({ exif: b.tiff({ exif: { 0x9286: comment(f.sdnextWithSampler) } }) }),

  // Draw Things: XMP (PNG iTXt "XML:com.adobe.xmp", JPEG APP1) with CreatorTool, dc:description and exif:UserComment JSON.
  "drawthings.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: drawThingsXmp({ description: true, userComment: true, creatorTool: true }) }]),
  "drawthings.jpg": b.jpegFile([{ kind: "xmp", xmp: drawThingsXmp({ description: true, userComment: true, creatorTool: true }) }]),
  "drawthings-usercomment-only.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: drawThingsXmp({ userComment: true }) }]),
  "drawthings-description-only.png": b.png([{ kind: "iTXt", keyword: "XML:com.adobe.xmp", text: drawThingsXmp({ description: true }) }]),
  "drawthings-creatortool-only.jpg": b.jpegFile([{ kind: "xmp", xmp: drawThingsXmp({ creatorTool: true }) }]),

  // Fooocus (modules/meta_parser.py, async_worker): PNG "parameters" + "fooocus_scheme"; JPEG/WebP Pillow EXIF IFD0
  // UserComment (0x9286) + Software (0x0131) "Fooocus v…" + MakerNote (0x927C) scheme.
  "fooocus.png": b.png([
    { kind: "tEXt", keyword: "parameters", text: J(f.fooocusJson) },
    { kind: "tEXt", keyword: "fooocus_scheme", text: "fooocus" },
  ]),
  "fooocus-a1111.png": b.png([
    { kind: "tEXt", keyword: "parameters", text: f.fooocusA1111 },
    { kind: "tEXt", keyword: "fooocus_scheme", text: "a1111" },
  ]),
  "fooocus.jpg": b.jpegFile([
    { kind: "exif", tiff: b.tiff({ ifd0: { 0x9286: comment(J(f.fooocusJson), "none"), 0x0131: ascii("Fooocus v2.5.5"), 0x927c: ascii("fooocus") } }) },
  ]),
  "fooocus-a1111.webp": b.webp({ exif: b.tiff({ ifd0: { 0x9286: comment(f.fooocusA1111, "none"), 0x0131: ascii("Fooocus v2.5.5"), 0x927c: ascii("a1111") } }) }),
  "fooocus-legacy-comment.png": b.png([{ kind: "tEXt", keyword: "Comment", text: J(f.fooocusLegacyComment) }]),
  "fooocus-legacy-comment.jpg": b.jpegFile([{ kind: "com", text: J(f.fooocusLegacyComment) }]),

  // InvokeAI: 3.x+ invokeai_metadata / invokeai_graph / invokeai_workflow; 2.x sd-metadata + Dream; 1.x Dream only.
  "invokeai-v4.png": b.png([
    { kind: "tEXt", keyword: "invokeai_metadata", text: J(f.invokeMetadata) },
    { kind: "tEXt", keyword: "invokeai_graph", text: J(f.invokeGraph) },
  ]),
  "invokeai-workflow.png": b.png([{ kind: "tEXt", keyword: "invokeai_workflow", text: J({ name: "t2i", nodes: [{ id: "a", type: "invocation", data: {} }], edges: [] }) }]),
  "invokeai-v2.png": b.png([
    { kind: "tEXt", keyword: "Dream", text: f.invokeDream },
    { kind: "tEXt", keyword: "sd-metadata", text: J(f.invokeSdMetadata) },
  ]),
  "invokeai-v1.png": b.png([{ kind: "tEXt", keyword: "Dream", text: f.invokeDream }]),

  // NovelAI PNG tEXt: Title, Description (prompt), Software, Source, Comment (JSON).
  "novelai-v4.png": b.png([
    { kind: "tEXt", keyword: "Title", text: "NovelAI generated image" },
    { kind: "tEXt", keyword: "Description", text: "1girl, cherry blossoms" },
    { kind: "tEXt", keyword: "Software", text: "NovelAI" },
    { kind: "tEXt", keyword: "Source", text: "NovelAI Diffusion V4 4F49EC75" },
    { kind: "tEXt", keyword: "Comment", text: J(f.novelAIv4Comment) },
  ]),
  "novelai-comment-only.png": b.png([{ kind: "tEXt", keyword: "Comment", text: J(f.novelAIv4Comment) }]),

  // SwarmUI: PNG "parameters" JSON; JPEG ExifIFD UserComment; legacy EXIF Model (0x0110) JSON.
  "swarmui.png": b.png([{ kind: "tEXt", keyword: "parameters", text: J(f.swarm) }]),
  "swarmui.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(J(f.swarm)) } }) }]),
  "swarmui-legacy.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ ifd0: { 0x0110: ascii(J(f.swarm)) } }) }]),

  // Easy Diffusion: PNG text chunks per key; JPEG/WebP UserComment JSON.
  "easydiffusion.png": b.png(Object.entries(f.easyDiffusion).map(([k, v]) => ({ kind: "tEXt" as const, keyword: k, text: String(v) }))),
  "easydiffusion.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ exif: { 0x9286: comment(J(f.easyDiffusion)) } }) }]),

  // Grok (xAI) JPEG downloads: EXIF Artist = image UUID, ImageDescription = "Signature: <base64>" (observed, see README).
  "grok.jpg": b.jpegFile([
    { kind: "exif", tiff: b.tiff({ ifd0: { 0x010e: ascii(`Signature: ${Buffer.alloc(300, 7).toString("base64")}`), 0x013b: ascii("3f2a9c1e-8b7d-4e6f-a5c4-2d1b0e9f8a7c") } }) },
  ]),
  "midjourney-xmp.jpg": b.jpegFile([
    {
      kind: "xmp",
      xmp: b.xmpPacket(
        `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${b.xmlEscape(f.midjourneyDescription)}</rdf:li></rdf:Alt></dc:description><Iptc4xmpExt:DigImageGUID>a7421d2f-b262-44f9-977c-ac23e9c7d3e3</Iptc4xmpExt:DigImageGUID><Iptc4xmpExt:DigitalSourceType>${f.IPTC}trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>`,
        { dc: f.NS.dc, Iptc4xmpExt: f.NS.Iptc4xmpExt },
      ),
    },
  ]),
  "image-playground.heic.jpg": b.jpegFile([{ kind: "exif", tiff: b.tiff({ ifd0: { 0x0131: ascii("Image Playground") } }) }]),
  // Midjourney web downloads: PNG Description "prompt --flags Job ID: uuid", Author.
  "midjourney.png": b.png([
    { kind: "tEXt", keyword: "Description", text: f.midjourneyDescription },
    { kind: "tEXt", keyword: "Author", text: "someone" },
  ]),
};

function drawThingsXmp(parts: { description?: boolean; userComment?: boolean; creatorTool?: boolean }): string {
  let inner = "";
  if (parts.description) inner += `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${b.xmlEscape(f.drawThingsDescription)}</rdf:li></rdf:Alt></dc:description>`;
  if (parts.creatorTool) inner += "<xmp:CreatorTool>Draw Things</xmp:CreatorTool>";
  if (parts.userComment) inner += `<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">${b.xmlEscape(J(f.drawThingsJson))}</rdf:li></rdf:Alt></exif:UserComment>`;
  return b.xmpPacket(inner, { dc: f.NS.dc, xmp: f.NS.xmp, exif: f.NS.exif });
}

let r: Record<string, Analysed>;
beforeAll(async () => {
  r = await analyse(tempDir(), samples);
});

/** The generator item for `field` in sample `name`. */
const item = (name: string, field: string) => itemOf(r, name, field);

describe("every sample", () => {
  it("is read without an ExifTool error and never yields two items prov's store would merge", () => expectReadCleanly(r));
});

describe("ComfyUI", () => {
  it("animated WebP: workflow in EXIF Make, prompt graph in EXIF Model", () => {
    const a = r["comfy-animated.webp"]!;
    expect(a.origin).toBe("genai");
    expect(item("comfy-animated.webp", "IFD0:Make")).toMatchObject({ source: "generator", signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI workflow (JSON)" } });
    expect(item("comfy-animated.webp", "IFD0:Model")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI prompt graph (JSON)" } });
    expect(item("comfy-animated.webp", "IFD0:Make").value.startsWith("workflow:{")).toBe(true);
  });

  it("single-frame WebP, extra keys counting down to ImageDescription, prompt only, workflow with NaN", () => {
    expect(r["comfy-single-frame.webp"]!.origin).toBe("genai");
    expect(item("comfy-extra-keys.webp", "IFD0:ImageDescription")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI" } });
    expect(r["comfy-extra-keys.webp"]!.evidence.some((e) => e.field === "IFD0:Make")).toBe(false); // {"id":7} is nobody's format
    expect(r["comfy-prompt-only.webp"]!.origin).toBe("genai");
    expect(item("comfy-workflow-nan.webp", "IFD0:Make")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI workflow (JSON)" } });
  });

  it("a graph that only upscales with a model is possibly-genai, not genai", () => {
    expect(item("comfy-upscale-only.webp", "IFD0:Model")).toMatchObject({ signal: "possibly-genai", detail: { generator: "ComfyUI" } });
    expect(r["comfy-upscale-only.webp"]!.origin).toBe("possibly-genai");
  });

  it("JPEG: prompt+workflow JSON in IFD0 UserComment (Pillow), graph in ExifIFD UserComment, A1111 text with Version: ComfyUI", () => {
    expect(item("comfy-usercomment-ifd0.jpg", "IFD0:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI prompt graph and workflow (JSON)" } });
    expect(item("comfy-usercomment-exif.jpg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI" } });
    expect(item("comfy-image-saver.jpg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI", format: "AUTOMATIC1111-style generation parameters" } });
  });

  it("PNG prompt/workflow chunks, video (mdta keys, VHS comment) and audio (FLAC, MP3)", () => {
    expect(item("comfy.png", "PNG:Prompt").signal).toBe("genai");
    expect(item("comfy.png", "PNG:Workflow").signal).toBe("genai");
    expect(item("comfy-video.mp4", "Keys:Prompt")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI" } });
    expect(item("comfy-video.mp4", "Keys:Workflow").signal).toBe("genai");
    expect(item("comfy-vhs.mp4", "Keys:Comment")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI" } });
    expect(item("comfy-audio.flac", "Vorbis:Prompt").signal).toBe("genai");
    expect(r["comfy-audio.mp3"]!.origin).toBe("genai");
  });
});

describe("Civitai", () => {
  it("ComfyUI resource-stack JPEG names the AIR model URNs", () => {
    const e = item("civitai-comfy.jpeg", "ExifIFD:UserComment");
    expect(e).toMatchObject({ signal: "genai", detail: { generator: "Civitai (ComfyUI)" } });
    expect(e.detail?.["models"]).toEqual(expect.arrayContaining(["urn:air:sdxl:checkpoint:civitai:288584@324619", "urn:air:sdxl:lora:civitai:1141783@1284026"]));
    expect(e.detail?.["workflow"]).toBe("txt2img-hires");
  });

  it("A1111-style text with Civitai resources", () => {
    expect(item("civitai-infotext.jpeg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "Civitai" } });
  });
});

describe("AUTOMATIC1111 family", () => {
  it("A1111 PNG parameters and WebP UserComment; Forge by its version", () => {
    expect(item("a1111.png", "PNG:Parameters")).toMatchObject({ signal: "genai", detail: { generator: "AUTOMATIC1111", version: "v1.10.1" } });
    expect(item("a1111.webp", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "AUTOMATIC1111" } });
    expect(item("forge.jpg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "Forge" } });
  });

  it("SD.Next parameters without Sampler (PNG, JPEG) and with Sampler after Size (WebP)", () => {
    expect(item("sdnext.png", "PNG:Parameters")).toMatchObject({ signal: "genai", detail: { generator: "SD.Next", model: "sd_xl_base_1.0" } });
    expect(item("sdnext.jpg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "SD.Next" } });
    expect(item("sdnext-sampler.webp", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "SD.Next" } });
  });
});

describe("Draw Things", () => {
  it("XMP in PNG and JPEG: CreatorTool, dc:description and exif:UserComment JSON", () => {
    for (const name of ["drawthings.png", "drawthings.jpg"]) {
      expect(r[name]!.origin, name).toBe("genai");
      expect(item(name, "XMP-xmp:CreatorTool")).toMatchObject({ signal: "genai", detail: { generator: "Draw Things" } });
      expect(item(name, "XMP-exif:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "Draw Things", format: "Draw Things generation JSON" } });
      expect(item(name, "XMP-dc:Description")).toMatchObject({ signal: "genai", detail: { generator: "Draw Things" } });
    }
  });

  it("each of the three marks alone is enough", () => {
    expect(r["drawthings-usercomment-only.png"]!.origin).toBe("genai");
    expect(item("drawthings-description-only.png", "XMP-dc:Description")).toMatchObject({ signal: "genai", detail: { generator: "Draw Things" } });
    expect(r["drawthings-creatortool-only.jpg"]!.origin).toBe("genai");
  });
});

describe("Fooocus", () => {
  it("PNG fooocus scheme: parameters JSON and fooocus_scheme", () => {
    expect(item("fooocus.png", "PNG:Parameters")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus", format: "Fooocus metadata (JSON)", version: "Fooocus v2.5.5" } });
    expect(item("fooocus.png", "PNG:Fooocus_scheme")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus" } });
  });

  it("PNG a1111 scheme: A1111-style text with Version: Fooocus", () => {
    expect(item("fooocus-a1111.png", "PNG:Parameters")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus", format: "AUTOMATIC1111-style generation parameters" } });
  });

  it("JPEG and WebP (Pillow EXIF in IFD0): UserComment, Software, either scheme", () => {
    expect(item("fooocus.jpg", "IFD0:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus" } });
    expect(item("fooocus.jpg", "IFD0:Software")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus" } });
    expect(item("fooocus-a1111.webp", "IFD0:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus" } });
  });

  it("Fooocus 2.1's log dict in a PNG Comment or JPEG COM segment", () => {
    expect(item("fooocus-legacy-comment.png", "PNG:Comment")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus" } });
    expect(item("fooocus-legacy-comment.jpg", "File:Comment")).toMatchObject({ signal: "genai", detail: { generator: "Fooocus" } });
  });
});

describe("InvokeAI", () => {
  it("3.x+: invokeai_metadata, invokeai_graph, invokeai_workflow", () => {
    expect(item("invokeai-v4.png", "PNG:Invokeai_metadata")).toMatchObject({ signal: "genai", detail: { generator: "InvokeAI", format: "InvokeAI metadata (JSON)", app_version: "4.2.9" } });
    expect(item("invokeai-v4.png", "PNG:Invokeai_graph")).toMatchObject({ signal: "genai", detail: { generator: "InvokeAI" } });
    expect(item("invokeai-workflow.png", "PNG:Invokeai_workflow")).toMatchObject({ signal: "genai", detail: { generator: "InvokeAI" } });
  });

  it("2.x sd-metadata + Dream, and 1.x Dream alone", () => {
    expect(item("invokeai-v2.png", "PNG:Sd-metadata")).toMatchObject({ signal: "genai", detail: { generator: "InvokeAI", format: "InvokeAI sd-metadata (JSON)" } });
    expect(item("invokeai-v2.png", "PNG:Dream")).toMatchObject({ signal: "genai", detail: { generator: "InvokeAI" } });
    expect(item("invokeai-v1.png", "PNG:Dream")).toMatchObject({ signal: "genai", detail: { generator: "InvokeAI", format: "InvokeAI Dream command" } });
  });
});

describe("NovelAI, SwarmUI, Easy Diffusion, Midjourney", () => {
  it("NovelAI v4: Software, Title, Source and the Comment JSON each say so", () => {
    const a = r["novelai-v4.png"]!;
    expect(a.origin).toBe("genai");
    expect(item("novelai-v4.png", "PNG:Title").signal).toBe("genai");
    expect(item("novelai-v4.png", "PNG:Source")).toMatchObject({ signal: "genai", detail: { generator: "NovelAI" } });
    expect(item("novelai-comment-only.png", "PNG:Comment")).toMatchObject({ signal: "genai", detail: { generator: "NovelAI", format: "NovelAI generation JSON" } });
  });

  it("SwarmUI in PNG parameters, JPEG UserComment and legacy EXIF Model", () => {
    expect(item("swarmui.png", "PNG:Parameters")).toMatchObject({ signal: "genai", detail: { generator: "SwarmUI", model: "OfficialStableDiffusion/sd_xl_base_1.0" } });
    expect(item("swarmui.jpg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "SwarmUI" } });
    expect(item("swarmui-legacy.jpg", "IFD0:Model")).toMatchObject({ signal: "genai", detail: { generator: "SwarmUI" } });
  });

  it("Easy Diffusion PNG text chunks and JPEG JSON", () => {
    expect(r["easydiffusion.png"]!.origin).toBe("genai");
    expect(item("easydiffusion.png", "PNG:Use_stable_diffusion_model")).toMatchObject({ signal: "genai", detail: { generator: "Easy Diffusion" } });
    expect(item("easydiffusion.png", "PNG:Prompt")).toMatchObject({ signal: "genai", detail: { generator: "Easy Diffusion" } });
    expect(item("easydiffusion.jpg", "ExifIFD:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "Easy Diffusion" } });
  });

  it("Grok's signature pair; Apple Image Playground by name; Midjourney text in XMP too", () => {
    expect(item("grok.jpg", "IFD0:ImageDescription")).toMatchObject({ signal: "genai", detail: { generator: "xAI Grok" } });
    expect(item("image-playground.heic.jpg", "IFD0:Software")).toMatchObject({ signal: "genai", detail: { generator: "Apple Image Playground" } });
    expect(item("midjourney-xmp.jpg", "XMP-dc:Description")).toMatchObject({ signal: "genai", detail: { generator: "Midjourney" } });
    expect(r["midjourney-xmp.jpg"]!.origin).toBe("genai");
  });

  it("Midjourney Description with Job ID", () => {
    expect(item("midjourney.png", "PNG:Description")).toMatchObject({ signal: "genai", detail: { generator: "Midjourney", jobId: "a7421d2f-b262-44f9-977c-ac23e9c7d3e3" } });
  });
});
