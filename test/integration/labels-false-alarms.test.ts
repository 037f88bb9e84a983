// Ordinary camera, phone, editor and office files must gain no GenAI signal: the payload
// recognisers run on every text tag, so Make, Model, UserComment, ImageDescription and
// comments that happen to hold JSON or "Key: value" text are the test.

import { beforeAll, describe, expect, it } from "vitest";
import * as b from "../helpers/label-files.js";
import { alarms, analyse, type Analysed } from "../helpers/label-files-read.js";
import * as f from "../helpers/label-files-formats.js";
import { tempDir } from "../helpers/index.js";

const ascii = (value: string): b.ExifValue => ({ type: "ascii", value });
const comment = (text: string, code: "ASCII" | "UNICODE" | "none" = "ASCII"): b.ExifValue => ({ type: "undefined", value: b.userComment(text, code) });

const camera = (make: string, model: string, extra: Record<number, b.ExifValue> = {}, exif: Record<number, b.ExifValue> = {}) =>
  b.tiff({ ifd0: { 0x010f: ascii(make), 0x0110: ascii(model), 0x0131: ascii("Firmware 1.2.0"), ...extra }, exif });

const samples: Record<string, Buffer> = {
  "canon.jpg": b.jpegFile([
    {
      kind: "exif",
      tiff: camera("Canon", "Canon EOS R5", { 0x010e: ascii("Sunset over the harbour"), 0x013b: ascii("A. Photographer"), 0x8298: ascii("(c) 2025 Studio") }, { 0x9286: comment("Shot on location, day 3") }),
    },
  ]),
  "arri-still.jpg": b.jpegFile([{ kind: "exif", tiff: camera("ARRI", "ALEXA 35", { 0x0131: ascii("ARRI Reference Tool 1.4") }, { 0x9286: comment("Scene 12A, Take 3, Cam A, Lens 32mm", "UNICODE") }) }]),
  "red-still.jpg": b.jpegFile([{ kind: "exif", tiff: camera("RED Digital Cinema", "RED V-RAPTOR 8K VV", {}, { 0x9286: comment("Steps: climbing the stairs, scene 4") }) }]),
  // Phones write JSON blobs too; none of them is a generator's shape.
  "phone-json.jpg": b.jpegFile([{ kind: "exif", tiff: camera("Xiaomi", "23013RK75C", {}, { 0x9286: comment(JSON.stringify({ sceneMode: 1, hdr: true, filter: "none", nodes: [1, 2] }), "none") }) }]),
  "phone-json-prefixed.webp": b.webp({ exif: camera("Google", "Pixel 8", { 0x010e: ascii('meta:{"burst":3,"steps":2}') }) }),
  "literal-workflow-prompt.jpg": b.jpegFile([{ kind: "exif", tiff: camera("workflow", "prompt") }]),
  "lightroom.jpg": b.jpegFile([
    { kind: "exif", tiff: camera("SONY", "ILCE-7M4", { 0x0131: ascii("Adobe Photoshop Lightroom Classic 13.2 (Windows)") }) },
    {
      kind: "xmp",
      xmp: b.xmpPacket(
        `<xmp:CreatorTool>Adobe Photoshop Lightroom Classic 13.2 (Windows)</xmp:CreatorTool><dc:description><rdf:Alt><rdf:li xml:lang="x-default">Seed: the plant, Size: large, Sampler: none</rdf:li></rdf:Alt></dc:description><Iptc4xmpExt:DigitalSourceType>${f.IPTC}digitalCapture</Iptc4xmpExt:DigitalSourceType>`,
        { xmp: f.NS.xmp, dc: f.NS.dc, Iptc4xmpExt: f.NS.Iptc4xmpExt },
      ),
    },
    { kind: "com", text: "Created with GIMP" },
  ]),
  "procedural.png": b.png([
    { kind: "tEXt", keyword: "Software", text: "Houdini FX 20.0" },
    { kind: "iTXt", keyword: "XML:com.adobe.xmp", text: b.xmpPacket(`<Iptc4xmpExt:DigitalSourceType>${f.IPTC}algorithmicMedia</Iptc4xmpExt:DigitalSourceType>`, { Iptc4xmpExt: f.NS.Iptc4xmpExt }) },
  ]),
  "gimp.png": b.png([
    { kind: "tEXt", keyword: "Software", text: "GIMP 2.10.36" },
    { kind: "tEXt", keyword: "Comment", text: "Created with GIMP" },
    { kind: "tEXt", keyword: "Title", text: "Storyboard 12A" },
    { kind: "tEXt", keyword: "Description", text: "Scene 12A - shot 3, Job ID: 1234 --v 2" },
    { kind: "tEXt", keyword: "Label", text: JSON.stringify({ Label: "final", Owner: "art dept" }) },
  ]),
  // A signed description without the UUID Artist is not Grok's pair.
  "signed-caption.jpg": b.jpegFile([{ kind: "exif", tiff: camera("Nikon", "Z 8", { 0x010e: ascii(`Signature: ${Buffer.alloc(120, 9).toString("base64")}`), 0x013b: ascii("Jane Doe") }) }]),
  "office.pdf": b.pdf({ Title: "Call sheet day 12", Creator: "Microsoft® Word for Microsoft 365", Producer: "Microsoft® Word for Microsoft 365" }),
  "resolve.mp4": b.mp4([b.mdtaMeta({ comment: "Graded in DaVinci Resolve 19", encoder: "Lavf61.7.100" }, { fullBox: false })]),
  "podcast.mp3": b.mp3({ notes: JSON.stringify({ chapters: [{ t: 0, title: "intro" }] }) }, { TSSE: "LAME 3.100" }),
};

let r: Record<string, Analysed>;
beforeAll(async () => {
  r = await analyse(tempDir(), samples);
});

describe("ordinary files stay clean", () => {
  it("no sample gains a GenAI or possibly-GenAI signal", () => {
    for (const [name, a] of Object.entries(r)) expect(alarms(a.evidence), name).toEqual([]);
  });

  it("they read as not-genai where they say so, unknown otherwise", () => {
    expect(r["lightroom.jpg"]!.origin).toBe("not-genai");
    expect(r["procedural.png"]!.origin).toBe("not-genai");
    for (const name of ["signed-caption.jpg", "canon.jpg", "arri-still.jpg", "red-still.jpg", "phone-json.jpg", "phone-json-prefixed.webp", "literal-workflow-prompt.jpg", "gimp.png", "office.pdf", "resolve.mp4", "podcast.mp3"]) {
      expect(r[name]!.origin, name).toBe("unknown");
    }
  });

  it("the camera tags were really read (the samples test what they claim to)", () => {
    expect(r["canon.jpg"]!.tags["IFD0:Make"]).toBe("Canon");
    expect(r["canon.jpg"]!.tags["ExifIFD:UserComment"]).toBe("Shot on location, day 3");
    expect(r["phone-json.jpg"]!.tags["ExifIFD:UserComment"]).toContain('"sceneMode"');
    expect(r["literal-workflow-prompt.jpg"]!.tags["IFD0:Model"]).toBe("prompt");
    expect(r["office.pdf"]!.tags["PDF:Creator"]).toContain("Word");
  });
});
