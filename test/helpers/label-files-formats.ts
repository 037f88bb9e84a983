// Payloads in each tool's published format, written the way the tool's own code writes
// them (sources in README.md, "GenAI labels prov reads"). The sample files in
// test/integration/labels-*.test.ts put these where each tool puts them.

// ------------------------------------------------------------------ ComfyUI

/** API "prompt" graph of ComfyUI's default text-to-image workflow. */
export const comfyPrompt = {
  "3": {
    inputs: { seed: 156680208700286, steps: 20, cfg: 8, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
    class_type: "KSampler",
    _meta: { title: "KSampler" },
  },
  "4": { inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" }, class_type: "CheckpointLoaderSimple", _meta: { title: "Load Checkpoint" } },
  "5": { inputs: { width: 512, height: 512, batch_size: 1 }, class_type: "EmptyLatentImage", _meta: { title: "Empty Latent Image" } },
  "6": { inputs: { text: "storyboard frame, rainy harbour at night", clip: ["4", 1] }, class_type: "CLIPTextEncode", _meta: { title: "CLIP Text Encode (Prompt)" } },
  "7": { inputs: { text: "text, watermark", clip: ["4", 1] }, class_type: "CLIPTextEncode", _meta: { title: "CLIP Text Encode (Prompt)" } },
  "8": { inputs: { samples: ["3", 0], vae: ["4", 2] }, class_type: "VAEDecode", _meta: { title: "VAE Decode" } },
  "9": { inputs: { filename_prefix: "ComfyUI", images: ["8", 0] }, class_type: "SaveImage", _meta: { title: "Save Image" } },
};

/** The UI "workflow" for the same graph (trimmed to two nodes; the shape is what matters). */
export const comfyWorkflow = {
  last_node_id: 9,
  last_link_id: 9,
  nodes: [
    { id: 3, type: "KSampler", pos: [863, 186], size: [315, 262], flags: {}, order: 4, mode: 0, inputs: [], outputs: [], properties: { "Node name for S&R": "KSampler" }, widgets_values: [156680208700286, "randomize", 20, 8, "euler", "normal", 1] },
    { id: 4, type: "CheckpointLoaderSimple", pos: [26, 474], size: [315, 98], flags: {}, order: 0, mode: 0, outputs: [], properties: {}, widgets_values: ["v1-5-pruned-emaonly.safetensors"] },
  ],
  links: [[1, 4, 0, 3, 0, "MODEL"]],
  groups: [],
  config: {},
  extra: { ds: { scale: 1, offset: [0, 0] } },
  version: 0.4,
};

/** A graph that only loads, upscales with a model and saves: image processing, not generation. */
export const comfyUpscaleOnly = {
  "1": { inputs: { image: "plate_0042.png" }, class_type: "LoadImage" },
  "2": { inputs: { model_name: "4x-UltraSharp.pth" }, class_type: "UpscaleModelLoader" },
  "3": { inputs: { upscale_model: ["2", 0], image: ["1", 0] }, class_type: "ImageUpscaleWithModel" },
  "4": { inputs: { filename_prefix: "up", images: ["3", 0] }, class_type: "SaveImage" },
};

/** Python's json.dumps writes NaN for float nan (seen in node positions). */
export const comfyWorkflowWithNaN = JSON.stringify(comfyWorkflow).replace('"pos":[863,186]', '"pos":[NaN,NaN]');

// ------------------------------------------------------------------ Civitai

export const civitaiResourceStack = {
  "resource-stack": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "urn:air:sdxl:checkpoint:civitai:288584@324619" } },
  "resource-stack-1": {
    class_type: "LoraLoader",
    inputs: { lora_name: "urn:air:sdxl:lora:civitai:1141783@1284026", strength_model: 0.8, strength_clip: 1, model: ["resource-stack", 0], clip: ["resource-stack", 1] },
  },
  "6": { class_type: "smZ CLIPTextEncode", inputs: { text: "embedding:urn:air:sdxl:embedding:civitai:384756@563234, castle", parser: "A1111", clip: ["resource-stack-1", 1] }, _meta: { title: "Positive" } },
  "11": { class_type: "KSampler", inputs: { sampler_name: "euler_ancestral", scheduler: "normal", seed: 1816877408, steps: 30, cfg: 3.5, denoise: 1, model: ["resource-stack-1", 0], positive: ["6", 0] } },
  extra: { airs: ["urn:air:sdxl:checkpoint:civitai:288584@324619", "urn:air:sdxl:lora:civitai:1141783@1284026"] },
  extraMetadata: JSON.stringify({
    prompt: "castle",
    negativePrompt: "",
    steps: 30,
    cfgScale: 3.5,
    sampler: "euler_ancestral",
    seed: 1816877408,
    workflowId: "txt2img-hires",
    resources: [{ modelVersionId: 324619, strength: 1 }],
  }),
};

export const civitaiInfotext =
  "a castle on a cliff\nNegative prompt: blurry\nSteps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 123456, Size: 832x1216, Clip skip: 2, Created Date: 2024-05-01T1200:00.0000000Z, " +
  'Civitai resources: [{"type":"checkpoint","modelVersionId":128078,"modelName":"SDXL","modelVersionName":"v1.0"}], Civitai metadata: {}';

// ------------------------------------------------------------------ AUTOMATIC1111 family

export const a1111 =
  "a lighthouse at dusk, oil painting\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Schedule type: Automatic, CFG scale: 7, Seed: 1234, Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1";

export const forge =
  "astronaut on a horse\nSteps: 20, Sampler: Euler, Schedule type: Simple, CFG scale: 1, Distilled CFG Scale: 3.5, Seed: 42, Size: 896x1152, Model hash: 275ef623d3, Model: flux1-dev-bnb-nf4-v2, Version: f2.0.1v1.10.1-previous-313-g8a042934, Module 1: ae";

/** SD.Next (modules/processing_info.py): Size before Sampler, App/Version/Pipeline/Operations; Sampler left out when "Default". */
export const sdnext =
  "a cat in a spacesuit\nNegative prompt: \nSteps: 20, Size: 1024x1024, Seed: 2793283112, CFG scale: 6, App: SD.Next, Version: 2a8ac41, Pipeline: StableDiffusionXLPipeline, Operations: txt2img, Model: sd_xl_base_1.0, Model hash: 31e35c80fc";
export const sdnextWithSampler =
  "a cat in a spacesuit\nNegative prompt: ugly\nSteps: 30, Size: 768x512, Sampler: DPM++ 2M, Seed: 7, CFG scale: 5.5, Clip skip: 2, App: SD.Next, Version: 6e3d4e9, Pipeline: StableDiffusionPipeline, Operations: txt2img; hires, Hires upscaler: ESRGAN 4x, Model: dreamshaper_8";

/** ComfyUI-Image-Saver style (A1111 text with Version: ComfyUI). */
export const comfyImageSaver = "a fox\nNegative prompt: \nSteps: 20, Sampler: euler, Scheduler: normal, CFG scale: 7.0, Seed: 1, Size: 512x512, Model hash: abcdef1234, Model: dreamshaper_8, Version: ComfyUI";

// ------------------------------------------------------------------ Draw Things

export const drawThingsJson = {
  c: "a red cube on a table",
  uc: "blue",
  model: "sd_xl_base_1.0_f16.ckpt",
  sampler: "DPM++ 2M Karras",
  scale: 4.5,
  seed: 2441935286,
  seed_mode: "Scale Alike",
  shift: 1,
  size: "1024x1024",
  steps: 20,
  strength: 1,
  v2: { guidanceScale: 4.5, loras: [{ file: "detail.ckpt", weight: 0.8, mode: "all" }] },
};
export const drawThingsDescription =
  "a red cube on a table\n-blue\nSteps: 20, Sampler: DPM++ 2M Karras, Guidance Scale: 4.5, Seed: 2441935286, Size: 1024x1024, Model: sd_xl_base_1.0_f16.ckpt, Strength: 1.0, Seed Mode: Scale Alike, Shift: 1.0";

// ------------------------------------------------------------------ Fooocus

/** The "fooocus" scheme (FooocusMetadataParser.parse_string): sorted JSON. */
export const fooocusJson = {
  adm_guidance: "(1.5, 0.8, 0.3)",
  base_model: "juggernautXL_v8Rundiffusion",
  base_model_hash: "aeb7e9e689",
  full_negative_prompt: ["(worst quality, low quality:1.4)"],
  full_prompt: ["cinematic still of a lighthouse"],
  guidance_scale: 4,
  loras: [["sd_xl_offset_example-lora_1.0", 0.1, "4852686128"]],
  negative_prompt: "",
  performance: "Speed",
  prompt: "lighthouse",
  refiner_model: "None",
  refiner_switch: 0.5,
  resolution: "(1152, 896)",
  sampler: "dpmpp_2m_sde_gpu",
  scheduler: "karras",
  seed: "1234",
  sharpness: 2,
  steps: 30,
  styles: "['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp']",
  vae: "Default (model)",
  version: "Fooocus v2.5.5",
};

/** The "a1111" scheme (A1111MetadataParser.parse_string). */
export const fooocusA1111 =
  "cinematic still of a lighthouse\nNegative prompt: (worst quality, low quality:1.4)\nSteps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 1234, Size: 1152x896, CFG scale: 4, Sharpness: 2, ADM Guidance: \"(1.5, 0.8, 0.3)\", Model: juggernautXL_v8Rundiffusion, Model hash: aeb7e9e689, Performance: Speed, Scheduler: karras, VAE: Default (model), Version: Fooocus v2.5.5";

/** Fooocus 2.1 log dict, written as a PNG/JPEG comment. */
export const fooocusLegacyComment = {
  prompt: "lighthouse",
  negative_prompt: "",
  styles: "['Fooocus V2', 'Default (Slightly Cinematic)']",
  performance: "Speed",
  resolution: "(1152, 896)",
  guidance_scale: 7,
  sharpness: 2,
  adm_guidance: "(1.5, 0.8, 0.3)",
  base_model: "sd_xl_base_1.0_0.9vae.safetensors",
  refiner_model: "sd_xl_refiner_1.0_0.9vae.safetensors",
  sampler: "dpmpp_2m_sde_gpu",
  scheduler: "karras",
  seed: 42,
  version: "v2.1.0",
};

// ------------------------------------------------------------------ InvokeAI

export const invokeMetadata = {
  generation_mode: "txt2img",
  positive_prompt: "a matte painting of a mountain fortress",
  negative_prompt: "",
  width: 1024,
  height: 1024,
  seed: 3180474413,
  rand_device: "cpu",
  cfg_scale: 7.5,
  cfg_rescale_multiplier: 0,
  steps: 30,
  scheduler: "dpmpp_3m_k",
  model: { key: "7d7f6a5e", hash: "blake3:9e2a", name: "Juggernaut XL v9", base: "sdxl", type: "main" },
  app_version: "4.2.9",
};
export const invokeGraph = {
  id: "sdxl_graph",
  nodes: {
    sdxl_model_loader: { type: "sdxl_model_loader", id: "sdxl_model_loader", is_intermediate: true },
    positive_conditioning: { type: "sdxl_compel_prompt", id: "positive_conditioning", prompt: "a matte painting" },
    noise: { type: "noise", id: "noise", seed: 3180474413 },
    denoise_latents: { type: "denoise_latents", id: "denoise_latents", steps: 30 },
    l2i: { type: "l2i", id: "l2i" },
  },
  edges: [{ source: { node_id: "noise", field: "noise" }, destination: { node_id: "denoise_latents", field: "noise" } }],
};
export const invokeSdMetadata = {
  model: "stable diffusion",
  model_weights: "stable-diffusion-1.5",
  model_hash: "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516",
  app_id: "invoke-ai/InvokeAI",
  app_version: "2.2.5",
  image: { prompt: [{ prompt: "a cat", weight: 1 }], steps: 50, cfg_scale: 7.5, threshold: 0, perlin: 0, height: 512, width: 512, seed: 42, type: "txt2img", postprocessing: null, sampler: "k_lms", variations: [] },
};
export const invokeDream = '"a cat [ugly]" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms';

// ------------------------------------------------------------------ NovelAI

export const novelAIv4Comment = {
  prompt: "1girl, cherry blossoms",
  steps: 28,
  height: 1216,
  width: 832,
  scale: 5,
  uncond_scale: 0,
  cfg_rescale: 0,
  seed: 1234567890,
  n_samples: 1,
  noise_schedule: "karras",
  legacy_v3_extend: false,
  sampler: "k_euler_ancestral",
  uc: "lowres, bad anatomy",
  request_type: "PromptGenerateRequest",
  signed_hash: "aGFzaA==",
  v4_prompt: { caption: { base_caption: "1girl, cherry blossoms", char_captions: [] }, use_coords: false, use_order: true },
};

// ------------------------------------------------------------------ SwarmUI, Easy Diffusion, Midjourney

export const swarm = {
  sui_image_params: {
    prompt: "a red fox in snow",
    negativeprompt: "",
    model: "OfficialStableDiffusion/sd_xl_base_1.0",
    seed: 1720371052,
    steps: 20,
    cfgscale: 7,
    aspectratio: "1:1",
    width: 1024,
    height: 1024,
    sampler: "euler",
    scheduler: "normal",
    swarm_version: "0.9.1.1",
    date: "2024-08-07",
  },
  sui_extra_data: { date: "2024-08-07", prep_time: "0.01 sec", generation_time: "5.12 sec" },
};

export const easyDiffusion = {
  prompt: "a cozy cabin",
  seed: 3069549297,
  use_stable_diffusion_model: "sd-v1-4",
  clip_skip: false,
  use_vae_model: "",
  sampler_name: "euler_a",
  width: 512,
  height: 512,
  num_inference_steps: 25,
  guidance_scale: 7.5,
  negative_prompt: "",
};

export const midjourneyDescription = "storyboard, wide shot of a ruined cathedral --ar 2:1 --stylize 80 --v 6 Job ID: a7421d2f-b262-44f9-977c-ac23e9c7d3e3";

// ------------------------------------------------------------------ TC260 (GB 45438-2025)

export const tc260Label = (label: string | number = "1") => ({
  Label: label,
  ContentProducer: "001191110102MACQD9K64010000",
  ProduceID: "a1b2c3d4e5",
  ReservedCode1: "",
  ContentPropagator: "",
  PropagateID: "",
  ReservedCode2: "",
});
export const TC260_NS = "http://www.tc260.org.cn/ns/AIGC/1.0/";

// ------------------------------------------------------------------ namespaces

export const NS = {
  xmp: "http://ns.adobe.com/xap/1.0/",
  dc: "http://purl.org/dc/elements/1.1/",
  exif: "http://ns.adobe.com/exif/1.0/",
  Iptc4xmpExt: "http://iptc.org/std/Iptc4xmpExt/2008-02-29/",
  photoshop: "http://ns.adobe.com/photoshop/1.0/",
  TC260: TC260_NS,
};

export const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
