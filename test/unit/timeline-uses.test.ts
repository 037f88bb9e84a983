// Where a delivered file is used in a cut (src/domain/timeline/uses.ts): the matching rule
// and the record/source ranges, against the hand-written fixtures with known answers.

import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseRate } from "../../src/domain/timecode.js";
import { parseEdl } from "../../src/domain/timeline/index.js";
import { matchClip, ownTimecode, usesOf } from "../../src/domain/timeline/uses.js";
import { loadTimeline } from "../../src/app/timeline.js";

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "timelines");
const r24 = parseRate("24");
const brief = (u: ReturnType<typeof usesOf>[number]) => [u.track, u.events, u.matchedBy, u.recordIn, u.recordOut, u.sourceIn, u.sourceOut];

describe("matchClip: the matching rule", () => {
  const file = { abs: "/deliver/ep101/A001.mov" };
  it("a source file matches by path (relative to the cut's folder) or by file name, any case", () => {
    expect(matchClip({ name: null, reel: null, sourceFile: "../deliver/ep101/A001.mov" }, file, "/cuts")).toBe("source file");
    expect(matchClip({ name: null, reel: null, sourceFile: "/media/day1/a001.MOV" }, file, "/cuts")).toBe("source file");
    expect(matchClip({ name: null, reel: null, sourceFile: "C:\\media\\A001.mov" }, file, "/cuts")).toBe("source file");
  });
  it("a cut that names another source file is not this file, whatever the clip or reel is called", () => {
    expect(matchClip({ name: "A001.mov", reel: "A001", sourceFile: "/media/A001_v2.mov" }, file, "/cuts")).toBeNull();
  });
  it("without a source file: clip name (with or without extension), then reel (the stem)", () => {
    expect(matchClip({ name: "A001.mov", reel: null, sourceFile: null }, file, "/cuts")).toBe("clip name");
    expect(matchClip({ name: "a001", reel: null, sourceFile: null }, file, "/cuts")).toBe("clip name");
    expect(matchClip({ name: "other", reel: "A001", sourceFile: null }, file, "/cuts")).toBe("reel");
    expect(matchClip({ name: "A001.mov.bak", reel: "A00", sourceFile: null }, file, "/cuts")).toBeNull();
    expect(matchClip({ name: null, reel: "AX", sourceFile: null }, { abs: "/d/AX.mov" }, "/cuts")).toBeNull();
  });
});

describe("usesOf: cut.edl at 24 fps", async () => {
  const tl = await loadTimeline(path.join(DIR, "cut.edl"), r24);
  it("a plain cut: record and source in/out, outs exclusive", () => {
    expect(usesOf(tl, { abs: "/d/B002C010_220102.mov" }, "/cuts").map(brief)).toEqual([["V1", [2], "source file", "01:00:05:00", "01:00:09:00", "11:30:00:00", "11:30:04:00"]]);
  });
  it("the outgoing clip runs on under a dissolve: one stretch over both events", () => {
    expect(usesOf(tl, { abs: "/media/day1/A001C003_220101.mov" }, "/cuts").map(brief)).toEqual([["V1", [1, 2], "source file", "01:00:00:00", "01:00:06:00", "10:00:00:00", "10:00:06:00"]]);
    // faded up from black, then wiped out under event 8
    expect(usesOf(tl, { abs: "/d/D004C002.mov" }, "/cuts").map(brief)).toEqual([["V1", [7, 8], "clip name", "01:00:22:00", "01:00:25:10", "15:00:00:00", "15:00:03:10"]]);
  });
  it("a speed change (M2 at 48 fps over 2 s) shows 4 s of source", () => {
    expect(usesOf(tl, { abs: "/d/SPEEDY.mov" }, "/cuts").map(brief)).toEqual([["V1", [5], "clip name", "01:00:18:00", "01:00:20:00", "14:00:00:00", "14:00:04:00"]]);
  });
  it("picture and sound tracks of one event are each listed; black and unknown files are not", () => {
    expect(usesOf(tl, { abs: "/d/A001C007.mov" }, "/cuts").map((u) => u.track)).toEqual(["V1", "A1", "A2"]);
    expect(usesOf(tl, { abs: "/d/BL.mov" }, "/cuts")).toEqual([]);
    expect(usesOf(tl, { abs: "/d/nothing.mov" }, "/cuts")).toEqual([]);
  });
  it("a file used twice gives two stretches, in record order", () => {
    const two = parseEdl(
      ["TITLE: T", "001  X V C 00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00", "* FROM CLIP NAME: x.mov",
        "002  Y V C 00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00", "* FROM CLIP NAME: y.mov",
        "003  X V C 00:00:05:00 00:00:06:00 01:00:02:00 01:00:03:00", "* FROM CLIP NAME: x.mov"].join("\n"), "t.edl", r24);
    expect(usesOf(two, { abs: "/d/x.mov" }, "/").map(brief)).toEqual([
      ["V1", [1], "clip name", "01:00:00:00", "01:00:01:00", "00:00:00:00", "00:00:01:00"],
      ["V1", [3], "clip name", "01:00:02:00", "01:00:03:00", "00:00:05:00", "00:00:06:00"],
    ]);
  });
});

describe("usesOf: cut.otio (global start 01:00:00:00)", async () => {
  const tl = await loadTimeline(path.join(DIR, "cut.otio"), r24);
  it("target_url matches by file name; the outgoing clip runs on under the transition", () => {
    expect(usesOf(tl, { abs: "/deliver/B002.mov" }, "/cuts").map(brief)).toEqual([["V1", [2], "source file", "01:00:03:00", "01:00:05:06", "00:01:23:08", "00:01:25:14"]]);
  });
  it("the incoming clip shows from the transition's start, before its own record in", () => {
    expect(usesOf(tl, { abs: "/deliver/C003.mov" }, "/cuts").map(brief)).toEqual([["V1", [3], "clip name", "01:00:04:18", "01:00:07:00", "00:02:04:18", "00:02:07:00"]]);
  });
  it("an upper track, and a sound file on an audio track (not the picture clip of the same reel)", () => {
    expect(usesOf(tl, { abs: "/x/VFX_010_v003.mov" }, "/cuts").map(brief)).toEqual([["VFX", [1], "source file", "01:00:02:12", "01:00:03:12", "00:00:00:00", "00:00:01:00"]]);
    // its source counted in samples at 48 kHz is shown at the cut's 24 fps
    expect(usesOf(tl, { abs: "/x/A001.wav" }, "/cuts").map(brief)).toEqual([["A1", [1], "source file", "01:00:00:00", "01:00:02:00", "00:00:00:00", "00:00:02:00"]]);
  });
});

describe("ownTimecode", () => {
  it("the first frame and the timecode after the last", () => {
    expect(ownTimecode(86400 + 240, 12, r24)).toEqual({ in: "01:00:10:00", out: "01:00:10:12", rate: "24" });
    expect(ownTimecode(0, 48, parseRate("29.97DF"))).toEqual({ in: "00:00:00;00", out: "00:00:01;18", rate: "29.97DF" });
  });
});
