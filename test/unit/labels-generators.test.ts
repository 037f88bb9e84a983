// Pure: each tool's published text format → recognition, and the look-alikes that must not be.

import { describe, expect, it } from "vitest";
import { infotext, recognisePayload, tc260 } from "../../src/domain/generators.js";
import * as f from "../helpers/label-files-formats.js";

const J = (v: unknown) => JSON.stringify(v);
const gen = (s: string) => recognisePayload(s)?.generator ?? null;

describe("ComfyUI", () => {
  it("API prompt graph and UI workflow, bare or behind SaveAnimatedWEBP's 'prompt:' / 'workflow:' keys", () => {
    expect(recognisePayload(J(f.comfyPrompt))).toMatchObject({ generator: "ComfyUI", format: "ComfyUI prompt graph (JSON)", signal: "genai" });
    expect(recognisePayload(`prompt:${J(f.comfyPrompt)}`)).toMatchObject({ generator: "ComfyUI", format: "ComfyUI prompt graph (JSON)" });
    expect(recognisePayload(`workflow:${J(f.comfyWorkflow)}`)).toMatchObject({ generator: "ComfyUI", format: "ComfyUI workflow (JSON)", signal: "genai" });
    expect(recognisePayload(`xyz_plot:${J(f.comfyPrompt)}`)?.format).toBe('ComfyUI prompt graph (JSON, "xyz_plot:")');
  });

  it("Python's NaN in a workflow, and a graph too cut to parse", () => {
    expect(gen(f.comfyWorkflowWithNaN)).toBe("ComfyUI");
    expect(recognisePayload(J(f.comfyPrompt).slice(0, 300))).toMatchObject({ generator: "ComfyUI", signal: "genai", format: "ComfyUI prompt graph (JSON, not parseable)" });
  });

  it("a graph with no generative node (load → upscale → save) is only possibly-genai", () => {
    expect(recognisePayload(J(f.comfyUpscaleOnly))?.signal).toBe("possibly-genai");
  });

  it("video model graphs (Wan, LTX-Video, Mochi, Hunyuan) are generative", () => {
    for (const t of ["WanImageToVideo", "EmptyLTXVLatentVideo", "EmptyMochiLatentVideo", "EmptyHunyuanLatentVideo", "UNETLoader"]) {
      expect(recognisePayload(J({ "1": { class_type: t, inputs: {} } }))?.signal, t).toBe("genai");
    }
  });

  it("Civitai's resource-stack graph names the AIR URNs and its workflow id", () => {
    const r = recognisePayload(J(f.civitaiResourceStack));
    expect(r).toMatchObject({ generator: "Civitai (ComfyUI)", signal: "genai", facts: { workflow: "txt2img-hires", modelVersionIds: [324619] } });
    expect(r?.facts?.["models"]).toEqual(["urn:air:sdxl:checkpoint:civitai:288584@324619", "urn:air:sdxl:embedding:civitai:384756@563234", "urn:air:sdxl:lora:civitai:1141783@1284026"]);
  });
});

describe("AUTOMATIC1111-style infotext", () => {
  it("names the writer from its own keys", () => {
    expect(infotext(f.a1111)?.generator).toBe("AUTOMATIC1111");
    expect(infotext(f.forge)?.generator).toBe("Forge");
    expect(infotext(f.sdnext)?.generator).toBe("SD.Next");
    expect(infotext(f.sdnextWithSampler)?.generator).toBe("SD.Next");
    expect(infotext(f.fooocusA1111)?.generator).toBe("Fooocus");
    expect(infotext(f.civitaiInfotext)?.generator).toBe("Civitai");
    expect(infotext(f.comfyImageSaver)?.generator).toBe("ComfyUI");
    expect(infotext(f.drawThingsDescription)?.generator).toBe("Draw Things");
    expect(infotext("a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512")?.generator).toBe("AUTOMATIC1111/Forge");
  });

  it("reads CRLF text, quoted values with commas, and a prompt with no negative line", () => {
    expect(infotext('a cat\r\nSteps: 20, Sampler: "DPM++ 2M, Karras", Seed: 1, Size: 512x512')).not.toBeNull();
    expect(infotext("Steps: 4, Seed: 99, Size: 1024x1024, Model: flux-schnell")).not.toBeNull();
  });

  it("is not fooled by captions that use the same words", () => {
    for (const s of [
      "Steps: climbing the stairs, scene 4",
      "Seed: the plant, Size: large, Sampler: none",
      "Steps: 3",
      "Shot list\nSteps: 12, Notes: rain, Crew: 8",
      "Seed: 42, Size: 10x10", // two keys, no Steps
      "Lighting plan - Steps: two, Seed: n/a, Size: 4x4, Model: Jane",
    ]) {
      expect(infotext(s), s).toBeNull();
      expect(recognisePayload(s), s).toBeNull();
    }
  });
});

describe("JSON formats", () => {
  it("Fooocus: fooocus scheme, a1111 scheme, and the 2.1 log dict", () => {
    expect(recognisePayload(J(f.fooocusJson))).toMatchObject({ generator: "Fooocus", facts: { version: "Fooocus v2.5.5", performance: "Speed" } });
    expect(gen(J(f.fooocusLegacyComment))).toBe("Fooocus");
  });

  it("Draw Things generation JSON", () => {
    expect(recognisePayload(J(f.drawThingsJson))).toMatchObject({ generator: "Draw Things", facts: { model: "sd_xl_base_1.0_f16.ckpt" } });
  });

  it("InvokeAI metadata, graph and sd-metadata; its workflow is not mistaken for ComfyUI's", () => {
    expect(recognisePayload(J(f.invokeMetadata))).toMatchObject({ generator: "InvokeAI", format: "InvokeAI metadata (JSON)", facts: { app_version: "4.2.9" } });
    expect(recognisePayload(J(f.invokeGraph))).toMatchObject({ generator: "InvokeAI", format: "InvokeAI graph (JSON)" });
    expect(recognisePayload(J(f.invokeSdMetadata))).toMatchObject({ generator: "InvokeAI", format: "InvokeAI sd-metadata (JSON)" });
    expect(recognisePayload(J({ name: "x", nodes: [{ id: "a", type: "invocation", data: {} }], edges: [], version: "3.0.0" }))).toBeNull();
    expect(recognisePayload(f.invokeDream)).toMatchObject({ generator: "InvokeAI", format: "InvokeAI Dream command" });
  });

  it("NovelAI, SwarmUI, Easy Diffusion, Civitai generation JSON", () => {
    expect(gen(J(f.novelAIv4Comment))).toBe("NovelAI");
    expect(gen(J({ steps: 28, sampler: "k_euler", seed: 1, uc: "lowres" }))).toBe("NovelAI");
    expect(recognisePayload(J(f.swarm))).toMatchObject({ generator: "SwarmUI", facts: { version: "0.9.1.1" } });
    expect(gen(J(f.easyDiffusion))).toBe("Easy Diffusion");
    expect(gen(J({ Prompt: "x", "Stable Diffusion model": "sd-v1-4", Steps: 25, "Guidance Scale": 7.5 }))).toBe("Easy Diffusion");
    expect(gen(f.civitaiResourceStack.extraMetadata)).toBe("Civitai");
  });

  it("ExifTool's '(key) value' form for ID3 user text is unwrapped", () => {
    expect(gen(`(prompt) ${J(f.comfyPrompt)}`)).toBe("ComfyUI");
  });

  it("ordinary JSON is nobody's format", () => {
    for (const v of [
      { sceneMode: 1, hdr: true },
      { nodes: [1, 2, 3], links: [] },
      { nodes: [{ id: 1, name: "a" }], links: [] },
      { prompt: "Hello", steps: 3 },
      { c: "caption" },
      { c: "x", uc: "y" },
      { version: "2.1", performance: "fast" },
      { Label: "final", Owner: "art dept" },
      { sampler: "k_means", seed: 1 },
      { type: "FeatureCollection", features: [] },
      // d3-style graph export: typed nodes and links, but none of ComfyUI's node layout keys
      { nodes: [{ id: 1, type: "shot" }, { id: 2, type: "shot" }], links: [{ source: 1, target: 2 }] },
      // a camera's picture-style settings that share Draw Things' / Fooocus' key names
      { c: "vivid", model: "X-T5", size: "L", strength: 2, scale: 1 },
      { sharpness: 2, performance: "high", resolution: "12MP", seed: 4, sampler: "none", scheduler: "auto" },
      [1, 2, 3],
    ]) {
      expect(recognisePayload(J(v)), J(v)).toBeNull();
    }
    expect(recognisePayload("{not json")).toBeNull();
    expect(recognisePayload("workflow")).toBeNull();
  });
});

describe("TC260 AIGC label (GB 45438-2025)", () => {
  it("Label 1 is generated; 2 and 3 possibly / suspected; facts are the seven fields present", () => {
    expect(tc260(f.tc260Label("1"))).toMatchObject({ signal: "genai", facts: { label: "1", meaning: "AI-generated", contentProducer: "001191110102MACQD9K64010000", produceID: "a1b2c3d4e5" } });
    expect(tc260(f.tc260Label(1))?.signal).toBe("genai");
    expect(tc260(f.tc260Label("2"))).toMatchObject({ signal: "possibly-genai", facts: { meaning: "possibly AI-generated" } });
    expect(tc260(f.tc260Label("3"))).toMatchObject({ signal: "possibly-genai", facts: { meaning: "suspected AI-generated" } });
    expect(tc260(f.tc260Label("value1"))?.signal).toBe("info");
    expect(tc260(f.tc260Label(" 1 "))?.signal).toBe("genai");
  });

  it("wrapped as {\"AIGC\": {...}}, any key case; Tencent Cloud's ServiceProvider form", () => {
    expect(tc260({ AIGC: f.tc260Label("1") })?.signal).toBe("genai");
    expect(tc260({ aigc: { label: "1", contentproducer: "x" } })?.signal).toBe("genai");
    expect(tc260({ AIGC: { ServiceProvider: "腾讯云", ServiceUser: "1", Time: "2", ContentId: "3" } })).toMatchObject({ signal: "possibly-genai", facts: { serviceProvider: "腾讯云" } });
  });

  it("a lone Label, or an AIGC key holding something else, is not the label", () => {
    expect(tc260({ Label: "1" })).toBeNull();
    expect(tc260({ Label: "Final", Owner: "x" })).toBeNull();
    expect(tc260({ AIGC: "yes" })).toBeNull();
    expect(tc260({ AIGC: { enabled: true } })).toBeNull();
  });
});

describe("Midjourney", () => {
  it("prompt with --flags and a Job ID", () => {
    expect(recognisePayload(f.midjourneyDescription)).toMatchObject({ generator: "Midjourney", facts: { jobId: "a7421d2f-b262-44f9-977c-ac23e9c7d3e3" } });
    expect(recognisePayload("Job ID: a7421d2f-b262-44f9-977c-ac23e9c7d3e3")).toBeNull(); // no Midjourney flags
    expect(recognisePayload("render --v 2 Job ID: 12")).toBeNull();
  });
});
