// Pure: frame-number parsing and grouping of numbered frame files into sequences.

import { describe, expect, it } from "vitest";
import sharp from "sharp";
import { describeRange, groupFrames, groupSequences, notOneShot, parseFrameName, sampleFrames, type FrameShape } from "../../src/domain/sequence.js";
import { shapeOf } from "../../src/app/ingest/frame-shape.js";

const group = (names: string[]) => groupSequences(names.map((name) => ({ name, item: name })));

describe("parseFrameName", () => {
  it("takes the last digits before the extension as the frame number", () => {
    expect(parseFrameName("shot010_plate.1001.exr")).toMatchObject({ head: "shot010_plate.", frame: 1001, digits: "1001", tail: ".exr" });
    expect(parseFrameName("shot010.v003.0042.dpx")).toMatchObject({ head: "shot010.v003.", frame: 42 });
    expect(parseFrameName("plate_000123.tif")).toMatchObject({ head: "plate_", frame: 123, digits: "000123" });
    expect(parseFrameName("plate0001.png")).toMatchObject({ head: "plate", frame: 1 });
    expect(parseFrameName("0001.jpg")).toMatchObject({ head: "", frame: 1 });
  });

  it("is not fooled by names that only end in digits, or by formats that are not frames", () => {
    expect(parseFrameName("plate7.exr")).toBeNull(); // unseparated and unpadded: a name
    expect(parseFrameName("interview_0001.mov")).toBeNull(); // a clip, not a frame
    expect(parseFrameName("mix_0001.wav")).toBeNull();
    expect(parseFrameName("render.exr")).toBeNull();
    expect(parseFrameName("IMG_20240101123456.jpg")).toBeNull(); // a timestamp, not a frame number
    expect(parseFrameName("comp_v003.exr")).toBeNull(); // a version, not a frame
    expect(parseFrameName("shot_00001_v001.png")).toBeNull();
    expect(parseFrameName("comp_v003.1001.exr")).toMatchObject({ head: "comp_v003.", frame: 1001 });
  });
});

describe("groupSequences", () => {
  it("finds the range, the gaps and the duplicate frame numbers", () => {
    const names = ["a.1001.exr", "a.1002.exr", "a.1003.exr", "a.01003.exr", "a.1005.exr", "a.1006.exr", "a.1010.exr", "notes.txt", "b.0001.dpx"];
    const [s, ...rest] = group(names);
    expect(rest).toEqual([]); // b has one frame: a still
    expect(s).toMatchObject({ pattern: "a.%04d.exr", first: 1001, last: 1010, gaps: [{ from: 1004, to: 1004 }, { from: 1007, to: 1009 }] });
    expect(s!.duplicates).toEqual([{ frame: 1003, names: ["a.01003.exr", "a.1003.exr"] }]);
    expect(s!.frames.map((f) => f.frame)).toEqual([1001, 1002, 1003, 1005, 1006, 1010]);
    expect(describeRange(s!)).toBe("1001-1003, 1005-1006, 1010");
  });

  it("keeps two shots in one folder apart, and extensions in any case together", () => {
    const names = ["sh010.0001.png", "sh010.0002.PNG", "sh010.0003.png", "sh020.0001.png", "sh020.0002.png", "sh020.0003.png"];
    expect(group(names).map((s) => [s.pattern, s.frames.length])).toEqual([["sh010.%04d.png", 3], ["sh020.%04d.png", 3]]);
  });

  it("escapes % in the printf pattern", () => {
    expect(group(["50%.001.png", "50%.002.png", "50%.003.png"])[0]!.pattern).toBe("50%%.%03d.png");
  });
});

describe("groupFrames: only frames of one shot", () => {
  const hd: FrameShape = { width: 1920, height: 1080, format: "png" };
  const at = (names: string[], shapes: Array<FrameShape | null>) => groupFrames(names.map((name, i) => ({ name, item: name, shape: shapes[i] ?? null })));

  it("numbered stills of different sizes are not a sequence, and it says why", () => {
    const r = at(["render_0001.png", "render_0002.png", "render_0003.png"], [hd, { ...hd, width: 1024 }, hd]);
    expect(r.sequences).toEqual([]);
    expect(r.notGrouped).toEqual([{ pattern: "render_%04d.png", files: 3, why: "frames differ in size or format (1920x1080 png ×2, 1024x1080 png ×1), so they are separate stills" }]);
  });

  it("the same extension holding another format is not one shot", () => {
    const r = at(["a.0001.png", "a.0002.png", "a.0003.png"], [hd, hd, { ...hd, format: "jpeg" }]);
    expect(r.sequences).toEqual([]);
    expect(r.notGrouped[0]!.why).toMatch(/differ in size or format/);
  });

  it("numbers scattered over a wide range are separate stills (camera stills IMG_0012, IMG_0107, ...)", () => {
    const r = at(["IMG_0012.jpg", "IMG_0107.jpg", "IMG_0355.jpg", "IMG_0901.jpg"], []);
    expect(r.sequences).toEqual([]);
    expect(r.notGrouped).toEqual([{ pattern: "IMG_%04d.jpg", files: 4, why: "numbering is not contiguous: 4 files spread over numbers 12-901, so they are separate stills" }]);
  });

  it("a shot with a few dropped frames is still one shot (its gaps are reported), and unread headers do not split it", () => {
    const r = at(["s.1001.exr", "s.1002.exr", "s.1004.exr", "s.1005.exr"], [null, { ...hd, format: "exr" }, null, { ...hd, format: "exr" }]);
    expect(r.notGrouped).toEqual([]);
    expect(r.sequences[0]).toMatchObject({ pattern: "s.%04d.exr", gaps: [{ from: 1003, to: 1003 }] });
    expect(notOneShot(2, 1, 4, [])).toBeNull(); // exactly half of the range
    expect(notOneShot(2, 1, 5, [])).toMatch(/not contiguous/);
  });
});

describe("shapeOf: a frame's size and format from its header", () => {
  const make = (f: (s: ReturnType<typeof sharp>) => ReturnType<typeof sharp>) => f(sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 1, g: 2, b: 3 } } })).toBuffer();

  it("reads PNG, JPEG and TIFF headers as written by sharp", async () => {
    expect(shapeOf(await make((s) => s.png()))).toEqual({ format: "png", width: 40, height: 30 });
    expect(shapeOf(await make((s) => s.jpeg()))).toEqual({ format: "jpeg", width: 40, height: 30 });
    expect(shapeOf(await make((s) => s.tiff()))).toEqual({ format: "tiff", width: 40, height: 30 });
  });

  it("reads an OpenEXR dataWindow and a DPX image header", () => {
    const attr = (name: string, type: string, value: Buffer) => {
      const size = Buffer.alloc(4);
      size.writeUInt32LE(value.length);
      return Buffer.concat([Buffer.from(name + "\0" + type + "\0", "latin1"), size, value]);
    };
    const box = Buffer.alloc(16);
    [0, 0, 2047, 857].forEach((v, i) => box.writeInt32LE(v, i * 4));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(20000630, 0);
    head.writeUInt32LE(2, 4);
    const exr = Buffer.concat([head, attr("compression", "compression", Buffer.from([0])), attr("dataWindow", "box2i", box), Buffer.from([0])]);
    expect(shapeOf(exr)).toEqual({ format: "exr", width: 2048, height: 858 });
    const dpx = Buffer.alloc(2048);
    dpx.write("SDPX", 0, "latin1");
    dpx.writeUInt32BE(4096, 772);
    dpx.writeUInt32BE(2160, 776);
    expect(shapeOf(dpx)).toEqual({ format: "dpx", width: 4096, height: 2160 });
  });

  it("says nothing of a header it does not understand or that is cut short", () => {
    expect(shapeOf(Buffer.from("not a picture"))).toBeNull();
    expect(shapeOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toBeNull();
  });
});

describe("sampleFrames", () => {
  it("first, last and evenly between; all of a short sequence", () => {
    expect(sampleFrames(240, 5)).toEqual([0, 60, 120, 179, 239]);
    expect(sampleFrames(3, 5)).toEqual([0, 1, 2]);
    expect(sampleFrames(6, 5)).toEqual([0, 1, 3, 4, 5]);
  });
});
