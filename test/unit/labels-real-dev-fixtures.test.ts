// The seven real GenAI files prov missed, as ExifTool 13.59 reads them (trimmed to the tags
// the rules read; test/integration/labels-real-files.test.ts checks these fixtures against the files).
// Runs without the shared fixtures.

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/domain/classify.js";
import { evidenceFromTags, type RawTags } from "../../src/domain/evidence.js";
import type { Evidence } from "../../src/domain/types.js";

const dir = path.join(import.meta.dirname, "..", "fixtures", "labels-real-dev");
const load = (name: string): RawTags => JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as RawTags;
const find = (e: Evidence[], field: string) => e.find((x) => x.field === field);

describe("real-dev fixtures", () => {
  it("ComfyUI animated WebPs: workflow in EXIF Make, prompt graph in Model", () => {
    for (const name of ["comfyui-wan-text-to-video.webp", "comfyui-ltxv-text-to-video.webp", "comfyui-mochi-text-to-video.webp"]) {
      const e = evidenceFromTags(load(name));
      expect(classify(e).origin, name).toBe("genai");
      expect(find(e, "IFD0:Make"), name).toMatchObject({ source: "generator", signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI workflow (JSON)" } });
      expect(find(e, "IFD0:Model"), name).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI prompt graph (JSON)" } });
    }
  });

  it("ComfyUI JPEG: prompt and workflow JSON in IFD0 UserComment", () => {
    const e = evidenceFromTags(load("comfyui-08957.jpeg"));
    expect(classify(e).origin).toBe("genai");
    expect(find(e, "IFD0:UserComment")).toMatchObject({ signal: "genai", detail: { generator: "ComfyUI", format: "ComfyUI prompt graph and workflow (JSON)" } });
  });

  it("Civitai JPEG: resource-stack with urn:air: model URNs in ExifIFD UserComment", () => {
    const e = evidenceFromTags(load("civitai-comfyui.jpeg"));
    expect(classify(e).origin).toBe("genai");
    const c = find(e, "ExifIFD:UserComment");
    expect(c).toMatchObject({ signal: "genai", detail: { generator: "Civitai (ComfyUI)", workflow: "txt2img-hires" } });
    expect(c?.detail?.["models"]).toEqual(expect.arrayContaining(["urn:air:sdxl:checkpoint:civitai:288584@324619", "urn:air:sdxl:lora:civitai:1141783@1284026"]));
  });

  it("early Firefly: Adobe_Firefly/1.0 claim generator and the com.adobe.generative-ai assertion", () => {
    const e = evidenceFromTags(load("firefly-1.jpg"));
    expect(classify(e).origin).toBe("genai");
    expect(find(e, "active manifest claim generator")).toMatchObject({ value: "Adobe_Firefly/1.0 c2pa-rs/0.17.0 (Adobe Firefly)", signal: "genai" });
    expect(find(e, "active manifest com.adobe.generative-ai")).toMatchObject({ value: "Adobe Firefly, version 1.0.0", signal: "genai" });
  });

  it("Adobe Express PDF: Firefly image placed as a component → genai-edited", () => {
    const e = evidenceFromTags(load("adobe-express-signed.pdf"));
    const c = classify(e);
    expect(c.origin).toBe("genai-edited");
    expect(c.decidedBy.map((x) => x.field)).toEqual([
      "active manifest actions[0] c2pa.created digitalSourceType",
      "ingredient manifest (componentOf) actions[0] c2pa.created digitalSourceType",
    ]);
  });
});
