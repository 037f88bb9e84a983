// Pure: frame-number parsing and grouping of numbered frame files into sequences.

import { describe, expect, it } from "vitest";
import { describeRange, groupSequences, parseFrameName, sampleFrames } from "../../src/domain/sequence.js";

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

describe("sampleFrames", () => {
  it("first, last and evenly between; all of a short sequence", () => {
    expect(sampleFrames(240, 5)).toEqual([0, 60, 120, 179, 239]);
    expect(sampleFrames(3, 5)).toEqual([0, 1, 2]);
    expect(sampleFrames(6, 5)).toEqual([0, 1, 3, 4, 5]);
  });
});
