// EDL and OTIO parsing and record-frame resolution against hand-written fixtures with known answers.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors.js";
import { formatTimecode, framesToSeconds, parseRate, parseTimecode, type FrameRate } from "../../src/domain/timecode.js";
import { parseEdl, parseOtio, parseTimeline, resolveAt, type Resolution, type Timeline } from "../../src/domain/timeline/index.js";
import { loadTimeline } from "../../src/app/timeline.js";

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "timelines");
const fx = (name: string): string => path.join(DIR, name);
const r24 = parseRate("24");

/** Resolve a record timecode and pick the fields a person reads. */
function at(tl: Timeline, tc: string, track?: string): Resolution {
  return resolveAt(tl, parseTimecode(tc, tl.rate), track ? { track } : {});
}
function brief(r: Resolution): Record<string, unknown> {
  return { track: r.track, index: r.index, name: r.name, reel: r.reel, source: r.sourceTimecode };
}

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await expect(p).rejects.toThrow(InputError);
  await expect(p).rejects.toThrow(pattern);
}

describe("EDL: cut.edl at 24 fps", async () => {
  const tl = await loadTimeline(fx("cut.edl"), r24);
  const file = fx("cut.edl");

  it("reads the header and events", () => {
    expect(tl.title).toBe("PROV TEST CUT");
    expect(tl.rate.label).toBe("24");
    expect(tl.dropFrame).toBe(false);
    expect(tl.tracks).toEqual([
      { name: "V1", kind: "video" },
      { name: "A1", kind: "audio" },
      { name: "A2", kind: "audio" },
    ]);
    // zero-length outgoing lines of transitions are not events; AA/V gives three
    expect(tl.events.map((e) => `${e.index}${e.track}`)).toEqual(["1V1", "2V1", "3V1", "4A1", "4A2", "4V1", "5V1", "6V1", "7V1", "8V1"]);
    const e1 = tl.events[0]!;
    expect(e1).toMatchObject({ name: "A001C003_220101.mov", reel: "A001C003", sourceFile: "/media/day1/A001C003_220101.mov", recordIn: 86400, recordOut: 86520, line: 4 });
  });

  it("first and last frame of an event; out is exclusive", () => {
    expect(brief(at(tl, "01:00:00:00"))).toEqual({ track: "V1", index: 1, name: "A001C003_220101.mov", reel: "A001C003", source: "10:00:00:00" });
    expect(brief(at(tl, "01:00:04:23"))).toEqual({ track: "V1", index: 1, name: "A001C003_220101.mov", reel: "A001C003", source: "10:00:04:23" });
    expect(at(tl, "01:00:04:23").sourceFile).toBe("/media/day1/A001C003_220101.mov");
    expect(at(tl, "01:00:09:00").index).toBe(3);
    expect(brief(at(tl, "01:00:08:23"))).toMatchObject({ index: 2, source: "11:30:03:23" });
  });

  it("inside a dissolve the incoming clip answers and names the outgoing one", () => {
    const first = at(tl, "01:00:05:00");
    expect(brief(first)).toEqual({ track: "V1", index: 2, name: "B002C010_220102.mov", reel: "B002C010", source: "11:30:00:00" });
    expect(first.sourceFile).toBe("/media/day2/B002C010_220102.mov");
    expect(first.transition).toEqual({
      kind: "dissolve",
      code: "D",
      recordIn: 86520,
      recordOut: 86544,
      position: 0,
      frames: 24,
      from: { index: 2, name: "A001C003_220101.mov", reel: "A001C003", sourceFile: null, sourceFrame: parseTimecode("10:00:05:00", r24), sourceTimecode: "10:00:05:00" },
    });
    const mid = at(tl, "01:00:05:12");
    expect(mid.sourceTimecode).toBe("11:30:00:12");
    expect(mid.transition).toMatchObject({ position: 12, from: { sourceTimecode: "10:00:05:12" } });
    expect(at(tl, "01:00:05:23").transition?.position).toBe(23);
    // the dissolve is 24 frames: over at 01:00:06:00
    const after = at(tl, "01:00:06:00");
    expect(after.transition).toBeUndefined();
    expect(after.sourceTimecode).toBe("11:30:01:00");
  });

  it("a channel AA/V event answers on V1; audio tracks can be asked for", () => {
    expect(brief(at(tl, "01:00:15:00"))).toEqual({ track: "V1", index: 4, name: "A001C007.mov", reel: "A001C007", source: "13:00:00:00" });
    expect(brief(at(tl, "01:00:16:00", "A2"))).toEqual({ track: "A2", index: 4, name: "A001C007.mov", reel: "A001C007", source: "13:00:01:00" });
  });

  it("M2 speed: 48 fps on a 24 fps cut plays two source frames per record frame", () => {
    expect(tl.events.find((e) => e.index === 5)!.speed).toEqual({ factor: 2, entry: parseTimecode("14:00:00:00", r24) });
    expect(at(tl, "01:00:18:00").sourceTimecode).toBe("14:00:00:00");
    expect(at(tl, "01:00:19:00").sourceTimecode).toBe("14:00:02:00");
    expect(at(tl, "01:00:19:05").sourceTimecode).toBe("14:00:02:10");
  });

  it("black (reel BL) answers nothing; a fade up from black has no outgoing clip", () => {
    expect(() => at(tl, "01:00:21:00")).toThrow(`${file}: nothing on any video track at 01:00:21:00 (the cut runs 01:00:00:00–01:00:28:00)`);
    const fade = at(tl, "01:00:22:06");
    expect(brief(fade)).toEqual({ track: "V1", index: 7, name: "D004C002.mov", reel: "D004C002", source: "15:00:00:06" });
    expect(fade.transition).toMatchObject({ kind: "dissolve", position: 6, frames: 12, from: null });
  });

  it("a wipe", () => {
    const w = at(tl, "01:00:25:05");
    expect(brief(w)).toEqual({ track: "V1", index: 8, name: "E005C001.mov", reel: "E005C001", source: "16:00:00:05" });
    expect(w.transition).toMatchObject({ kind: "wipe", code: "W001", frames: 10, from: { reel: "D004C002", name: "D004C002.mov", sourceTimecode: "15:00:03:05" } });
  });

  it("past the end and before the start", () => {
    expect(() => at(tl, "01:00:28:00")).toThrow(`${file}: nothing on any video track at 01:00:28:00 (the cut runs 01:00:00:00–01:00:28:00)`);
    expect(() => at(tl, "00:59:59:23")).toThrow(InputError);
    expect(() => at(tl, "01:00:00:00", "V9")).toThrow(/no track "V9" \(tracks: V1, A1, A2\)/);
    expect(() => resolveAt(tl, -1)).toThrow(InputError);
  });
});

describe("EDL: drop-frame", async () => {
  const df = parseRate("29.97");
  const tl = await loadTimeline(fx("cut_df.edl"), df);

  it("FCM: DROP FRAME makes the record side drop-frame", () => {
    expect(tl.rate.label).toBe("29.97DF");
    expect(tl.dropFrame).toBe(true);
    expect(tl.events[0]).toMatchObject({ recordIn: 107892, recordOut: 107896, sourceIn: 1798, sourceOut: 1802 });
  });

  it("resolves across a dropped minute", () => {
    expect(brief(at(tl, "01:00:00;00"))).toMatchObject({ index: 1, name: "tape1.mov", source: "00:00:59;28" });
    expect(at(tl, "01:00:00;02").sourceTimecode).toBe("00:01:00;02");
    expect(at(tl, "01:00:00;03").sourceTimecode).toBe("00:01:00;03");
    expect(brief(at(tl, "01:00:00;04"))).toMatchObject({ index: 2, reel: "TAPE2", source: "00:09:59;29" });
    expect(at(tl, "01:00:00;05").sourceTimecode).toBe("00:10:00;00");
  });

  it("a later FCM: NON-DROP FRAME switches the source timecodes only", () => {
    expect(brief(at(tl, "01:00:00;15"))).toMatchObject({ index: 3, source: "00:00:00:00" });
    expect(at(tl, "01:00:01;00").sourceTimecode).toBe("00:00:00:15");
  });

  it("FCM: DROP FRAME at a rate without drop-frame is an error naming the line", async () => {
    await rejects(loadTimeline(fx("cut_df.edl"), r24), /cut_df\.edl line 2: FCM: DROP FRAME, but the frame rate given is 24/);
  });
});

describe("EDL: malformed", () => {
  it("bad timecode names the line and the field", async () => {
    await rejects(loadTimeline(fx("bad_tc.edl"), r24), /bad_tc\.edl line 5: source out: 02:00:05:24: frames must be 00–23 at 24 fps/);
  });

  it("out before in", async () => {
    await rejects(loadTimeline(fx("bad_order.edl"), r24), /^.*bad_order\.edl line 3: source out 01:00:10:00 is before source in 01:00:12:00$/);
  });

  it("wrong number of fields", async () => {
    await rejects(loadTimeline(fx("bad_fields.edl"), r24), /bad_fields\.edl line 3: event line has 8 fields, expected 9 \(number reel channel D duration/);
  });

  it("empty file", async () => {
    await rejects(loadTimeline(fx("empty.edl"), r24), /empty\.edl: empty file/);
  });

  it("missing file", async () => {
    await rejects(loadTimeline(fx("nope.edl"), r24), /nope\.edl: no such file/);
  });

  const edl = (body: string): Timeline => parseEdl(body, "t.edl", r24);
  const line = "001  TAPE1 V C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00";
  it.each([
    ["durations differ", "001  TAPE1 V C 01:00:00:00 01:00:02:00 01:00:00:00 01:00:01:00", /t\.edl line 1: source duration \(48 frames\) differs from record duration \(24 frames\)/],
    ["unknown edit type", "001  TAPE1 V X 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00", /line 1: unknown edit type "X"/],
    ["unknown channel", "001  TAPE1 Q C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00", /line 1: unknown channel "Q"/],
    ["record out before in", "001  TAPE1 V C 01:00:00:00 01:00:00:00 01:00:01:00 01:00:00:00", /line 1: record out 01:00:00:00 is before record in 01:00:01:00/],
    ["transition longer than event", "001  TAPE1 V D 048 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00", /line 1: transition of 48 frames is longer than the event \(24 frames\)/],
    ["too few fields", "001  TAPE1 V", /line 1: event line has 3 fields, expected 8/],
    ["M2 on another reel", `${line}\nM2   OTHER 048.0 01:00:00:00`, /line 2: M2 for reel "OTHER" does not follow an event/],
    ["bad M2 speed", `${line}\nM2   TAPE1 fast 01:00:00:00`, /line 2: M2 speed "fast"/],
    ["unknown FCM", `FCM: SOMETIMES\n${line}`, /line 1: unknown frame code mode "SOMETIMES"/],
    ["no events", "TITLE: NOTHING\n* just a comment\n", /t\.edl: no events found/],
    ["binary", "\u0000\u0001\u0002", /t\.edl: binary data/],
    ["huge timecode", "001  TAPE1 V C 99999999999:00:00:00 99999999999:00:01:00 01:00:00:00 01:00:01:00", /line 1: source in: "99999999999:00:00:00" is not a timecode/],
    ["huge transition", "001  TAPE1 V D 99999999999999999999 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00", /line 1: transition duration "9+" is not a frame count/],
    ["huge event number", "99999999999999999999  TAPE1 V C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00", /is not a number/],
  ])("%s", (_name, body, expected) => {
    expect(() => edl(body)).toThrow(InputError);
    expect(() => edl(body)).toThrow(expected);
  });

  it("tolerates a BOM and CRLF line ends", async () => {
    const tl = await loadTimeline(fx("crlf_bom.edl"), r24);
    expect(tl.title).toBe("CRLF CUT");
    expect(brief(at(tl, "01:00:00:12"))).toEqual({ track: "V1", index: 1, name: "crlf.mov", reel: "TAPE1", source: "01:00:00:12" });
  });

  it("skips vendor lines and reads timecodes with ';' as drop-frame on a 29.97 NDF rate", () => {
    const tl = parseEdl(">>> SOURCE A A001\nSPLIT: AUDIO DELAYED\n001  T V C 00:00:59;29 00:01:00;02 00:00:00:00 00:00:00:01\n", "t.edl", parseRate("29.97"));
    expect(tl.events[0]).toMatchObject({ sourceIn: 1799, sourceOut: 1800, sourceRate: { dropFrame: true } });
    expect(at(tl, "00:00:00:00").sourceTimecode).toBe("00:00:59;29");
  });
});

describe("OTIO: cut.otio at 24 fps, global_start_time 01:00:00:00", async () => {
  const tl = await loadTimeline(fx("cut.otio"), r24);
  const file = fx("cut.otio");

  it("reads tracks and clips", () => {
    expect(tl.title).toBe("PROV TEST OTIO");
    expect(tl.rate.label).toBe("24");
    expect(tl.tracks).toEqual([
      { name: "V1", kind: "video" },
      { name: "VFX", kind: "video" },
      { name: "A1", kind: "audio" },
    ]);
    expect(tl.events.map((e) => [e.track, e.index, e.name, e.recordIn, e.recordOut])).toEqual([
      ["V1", 1, "A001.mov", 86400, 86448],
      ["V1", 2, "B002.mov", 86472, 86520],
      ["V1", 3, "C003.mov", 86520, 86568],
      ["VFX", 1, "VFX_010", 86460, 86484],
      ["A1", 1, "A001 audio", 86400, 86448],
    ]);
    expect(tl.events[2]!.path).toBe("tracks.children[0].children[4]");
    // Clip.2 media_references and file:// decoding; MissingReference has no file
    expect(tl.events.map((e) => e.sourceFile)).toEqual(["/media/A cam/A001.mov", "/media/B002.mov", null, "/vfx/VFX_010_v003.mov", "/media/A cam/A001.wav"]);
    expect(tl.events[4]).toMatchObject({ sourceIn: 0, sourceOut: 96000, sourceRate: { num: 48000, den: 1 } });
  });

  it("first and last frame of a clip", () => {
    expect(brief(at(tl, "01:00:00:00"))).toEqual({ track: "V1", index: 1, name: "A001.mov", reel: "A001", source: "00:00:41:16" });
    expect(at(tl, "01:00:00:00").alsoPresent).toEqual([]);
    expect(brief(at(tl, "01:00:01:23"))).toEqual({ track: "V1", index: 1, name: "A001.mov", reel: "A001", source: "00:00:43:15" });
  });

  it("a gap on every video track is nothing", () => {
    expect(() => at(tl, "01:00:02:00")).toThrow(`${file}: nothing on any video track at 01:00:02:00 (the cut runs 01:00:00:00–01:00:07:00)`);
    expect(() => at(tl, "01:00:07:00")).toThrow(InputError);
  });

  it("the upper video track covers the lower", () => {
    expect(brief(at(tl, "01:00:02:12"))).toEqual({ track: "VFX", index: 1, name: "VFX_010", reel: null, source: "00:00:00:00" });
    const covered = at(tl, "01:00:03:00");
    expect(brief(covered)).toEqual({ track: "VFX", index: 1, name: "VFX_010", reel: null, source: "00:00:00:12" });
    expect(covered.alsoPresent.map((h) => [h.track, h.index, h.name, h.sourceTimecode])).toEqual([["V1", 2, "B002.mov", "00:01:23:08"]]);
    // asking for the track below answers from it, and lists the one above
    const v1 = at(tl, "01:00:03:00", "V1");
    expect(brief(v1)).toEqual({ track: "V1", index: 2, name: "B002.mov", reel: null, source: "00:01:23:08" });
    expect(v1.alsoPresent.map((h) => h.track)).toEqual(["VFX"]);
    expect(brief(at(tl, "01:00:03:12"))).toMatchObject({ track: "V1", index: 2, source: "00:01:23:20" });
  });

  it("a transition: the incoming clip answers from in_offset before the cut", () => {
    const before = at(tl, "01:00:04:18"); // 6 frames before the cut
    expect(brief(before)).toEqual({ track: "V1", index: 3, name: "C003.mov", reel: null, source: "00:02:04:18" });
    expect(before.transition).toEqual({
      kind: "dissolve",
      code: "SMPTE_Dissolve",
      recordIn: 86514,
      recordOut: 86526,
      position: 0,
      frames: 12,
      from: { index: 2, name: "B002.mov", reel: null, sourceFile: "/media/B002.mov", sourceFrame: 2042, sourceTimecode: "00:01:25:02" },
    });
    const cut = at(tl, "01:00:05:00");
    expect(cut.sourceTimecode).toBe("00:02:05:00");
    expect(cut.transition).toMatchObject({ position: 6, from: { sourceTimecode: "00:01:25:08" } });
    expect(at(tl, "01:00:05:05").transition?.position).toBe(11);
    expect(at(tl, "01:00:05:06").transition).toBeUndefined();
    expect(brief(at(tl, "01:00:06:23"))).toMatchObject({ index: 3, source: "00:02:06:23" });
  });

  it("audio tracks are not video: the audio clip never answers unless asked", () => {
    expect(at(tl, "01:00:00:00").track).toBe("V1");
    expect(brief(at(tl, "01:00:00:12", "A1"))).toEqual({ track: "A1", index: 1, name: "A001 audio", reel: null, source: "00:00:00:24000" }); // 0.5 s at 48 kHz
  });
});

describe("OTIO: 23.976 with global_start_time 01:00:00:00", async () => {
  const tl = await loadTimeline(fx("cut_2398.otio"), r24);
  it("counts record frames at 23.976", () => {
    expect(tl.rate).toEqual(parseRate("23.976"));
    expect(tl.events[0]).toMatchObject({ recordIn: 86400, recordOut: 86500, sourceIn: 86400, sourceFile: "/media/tc_src.mov" });
    expect(framesToSeconds(tl.events[0]!.recordIn, tl.rate)).toBeCloseTo(3603.6, 9);
    expect(brief(at(tl, "01:00:00:00"))).toEqual({ track: "V1", index: 1, name: "tc_src.mov", reel: null, source: "01:00:00:00" });
    expect(at(tl, "01:00:02:02").sourceTimecode).toBe("01:00:02:02");
    expect(at(tl, "01:00:04:03").sourceTimecode).toBe("01:00:04:03");
    expect(() => at(tl, "01:00:04:04")).toThrow(/the cut runs 01:00:00:00–01:00:04:04/);
  });
});

describe("OTIO: malformed", () => {
  it("truncated JSON", async () => {
    await rejects(loadTimeline(fx("truncated.otio")), /truncated\.otio: not valid JSON/);
  });
  it("wrong schema", async () => {
    await rejects(loadTimeline(fx("wrong_schema.otio")), /wrong_schema\.otio: OTIO_SCHEMA is "SerializableCollection\.1", expected "Timeline\.1"/);
  });
  it("missing source_range, by JSON path", async () => {
    await rejects(loadTimeline(fx("missing_range.otio")), /missing_range\.otio: tracks\.children\[1\]\.children\[3\]: missing source_range$/);
  });
  it("nested stack", async () => {
    await rejects(loadTimeline(fx("nested_stack.otio")), /nested_stack\.otio: tracks\.children\[0\]\.children\[1\]: a nested Stack\.1 \(compound clip\) is not supported/);
  });

  const tl = (tracks: unknown, extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ OTIO_SCHEMA: "Timeline.1", tracks: { OTIO_SCHEMA: "Stack.1", children: tracks }, ...extra });
  const video = (children: unknown[]): unknown => [{ OTIO_SCHEMA: "Track.1", kind: "Video", children }];
  const clip = (start: unknown, duration: unknown): unknown => ({ OTIO_SCHEMA: "Clip.1", source_range: { start_time: start, duration } });
  it.each([
    ["empty", "", /t\.otio: empty file/],
    ["an array", "[]", /not an OpenTimelineIO timeline/],
    ["no schema", "{}", /OTIO_SCHEMA is missing/],
    ["no tracks", JSON.stringify({ OTIO_SCHEMA: "Timeline.1" }), /t\.otio: tracks: expected a Stack\.1/],
    ["children not an array", tl({}), /tracks\.children: expected an array/],
    ["track of unknown kind", tl([{ OTIO_SCHEMA: "Track.1", kind: "Data", children: [] }]), /tracks\.children\[0\]\.kind: "Data" is not a track kind/],
    ["item not an object", tl(video([42])), /tracks\.children\[0\]\.children\[0\]: expected a Clip, Gap or Transition/],
    ["unknown item", tl(video([{ OTIO_SCHEMA: "Marker.1" }])), /children\[0\]: unsupported item "Marker\.1"/],
    ["string value", tl(video([clip({ value: "x", rate: 24 }, { value: 1, rate: 24 })])), /source_range\.start_time: value "x" is not a usable number/],
    ["zero rate", tl(video([clip({ value: 0, rate: 0 }, { value: 1, rate: 24 })])), /rate 0 is not a usable frame rate/],
    ["huge value", tl(video([clip({ value: 1e300, rate: 24 }, { value: 1, rate: 24 })])), /is not a usable number/],
    ["negative duration", tl(video([clip({ value: 0, rate: 24 }, { value: -5, rate: 24 })])), /duration: is negative/],
    ["bad global_start_time", tl(video([]), { global_start_time: { value: 1, rate: "fast" } }), /global_start_time: rate "fast"/],
    ["nested track", tl(video([{ OTIO_SCHEMA: "Track.1", kind: "Video", children: [] }])), /nested Track\.1 \(compound clip\) is not supported/],
    ["two transitions", tl(video([{ OTIO_SCHEMA: "Transition.1", in_offset: { value: 1, rate: 24 }, out_offset: { value: 1, rate: 24 } }, { OTIO_SCHEMA: "Transition.1", in_offset: { value: 1, rate: 24 }, out_offset: { value: 1, rate: 24 } }])), /children\[1\]: two transitions in a row/],
  ])("%s", (_name, text, expected) => {
    expect(() => parseOtio(text, "t.otio")).toThrow(InputError);
    expect(() => parseOtio(text, "t.otio")).toThrow(expected);
  });

  it("a transition reaching before the media start is reported, not shown as a negative timecode", () => {
    const text = tl(video([clip({ value: 0, rate: 24 }, { value: 10, rate: 24 }), { OTIO_SCHEMA: "Transition.1", transition_type: "SMPTE_Dissolve", in_offset: { value: 4, rate: 24 }, out_offset: { value: 4, rate: 24 } }, clip({ value: 2, rate: 24 }, { value: 10, rate: 24 })]));
    const t = parseOtio(text, "t.otio");
    expect(resolveAt(t, 8).sourceFrame).toBe(0);
    expect(() => resolveAt(t, 7)).toThrow(/t\.otio: at 00:00:00:07, event 2 on V1 would show a source frame before 00:00:00:00/);
  });

  it("a transition into a gap fades the clip before it out", () => {
    const text = tl(video([clip({ value: 100, rate: 24 }, { value: 10, rate: 24 }), { OTIO_SCHEMA: "Transition.1", transition_type: "SMPTE_Dissolve", in_offset: { value: 2, rate: 24 }, out_offset: { value: 3, rate: 24 } }, { OTIO_SCHEMA: "Gap.1", source_range: { start_time: { value: 0, rate: 24 }, duration: { value: 10, rate: 24 } } }]));
    const t = parseOtio(text, "t.otio");
    const r = resolveAt(t, 12);
    expect(r.sourceFrame).toBe(112);
    expect(r.transition).toMatchObject({ recordIn: 8, recordOut: 13, position: 4, from: null });
    expect(() => resolveAt(t, 13)).toThrow(/nothing on any video track/);
  });

  it("the caller's drop-frame choice applies when the fps matches", () => {
    const text = tl(video([clip({ value: 1800, rate: 29.97002997002997 }, { value: 10, rate: 29.97002997002997 })]));
    expect(parseOtio(text, "t.otio").rate.label).toBe("29.97");
    const t = parseOtio(text, "t.otio", parseRate("29.97DF"));
    expect(t.rate.label).toBe("29.97DF");
    expect(resolveAt(t, 0).sourceTimecode).toBe("00:01:00;02");
  });

  it("LinearTimeWarp gives a speed; disabled clips do not answer", () => {
    const warped = { ...(clip({ value: 0, rate: 24 }, { value: 10, rate: 24 }) as object), effects: [{ OTIO_SCHEMA: "LinearTimeWarp.1", time_scalar: 0.5 }] };
    const off = { ...(clip({ value: 0, rate: 24 }, { value: 10, rate: 24 }) as object), enabled: false };
    const t = parseOtio(tl(video([warped, off])), "t.otio");
    expect(resolveAt(t, 5).sourceFrame).toBe(2);
    expect(() => resolveAt(t, 12)).toThrow(/nothing on any video track/);
  });
});

describe("loadTimeline format choice", () => {
  it("sniffs JSON as OTIO and anything else as EDL when the extension says nothing", () => {
    const otio = readFileSync(fx("cut.otio"), "utf8");
    expect(parseTimeline("\uFEFF  " + otio, "cut.txt").title).toBe("PROV TEST OTIO");
    expect(parseTimeline(readFileSync(fx("cut.edl"), "utf8"), "cut.txt").title).toBe("PROV TEST CUT");
    // the extension wins over the content
    expect(() => parseTimeline(otio, "cut.edl")).toThrow(/cut\.edl: no events found/);
    expect(() => parseTimeline(readFileSync(fx("cut.edl"), "utf8"), "cut.OTIO")).toThrow(/cut\.OTIO: not valid JSON/);
  });

  it("an EDL defaults to 24 fps", () => {
    expect(parseTimeline(readFileSync(fx("cut.edl"), "utf8"), "cut.edl").rate).toEqual(r24);
  });
});

describe("never crashes: only InputError, whatever the input", () => {
  // Deterministic PRNG so a failure can be reproduced.
  let seed = 0x2545f491;
  const rand = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const check = (text: string, file: string, rate?: FrameRate): void => {
    try {
      const t = parseTimeline(text, file, rate);
      for (const f of [0, 86400, 86460, 86520, 107900]) {
        try {
          const r = resolveAt(t, f);
          formatTimecode(r.sourceFrame, r.event.sourceRate);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
        }
      }
    } catch (err) {
      if (!(err instanceof InputError)) throw new Error(`${file}: ${JSON.stringify(text.slice(0, 200))}: ${String(err)}`, { cause: err });
    }
  };

  it("random bytes", () => {
    for (let i = 0; i < 300; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 400) }, () => Math.floor(rand() * 256)));
      const text = bytes.toString("utf8");
      check(text, "junk.edl");
      check(text, "junk.otio");
      check(text, "junk");
    }
  });

  it("mutilated fixtures", () => {
    const sources: Array<[string, FrameRate | undefined]> = [
      ["cut.edl", r24],
      ["cut_df.edl", parseRate("29.97")],
      ["cut.otio", undefined],
      ["cut_2398.otio", undefined],
    ];
    for (const [name, rate] of sources) {
      const good = readFileSync(fx(name), "utf8");
      for (let i = 0; i < 300; i++) {
        const chars = [...good];
        const edits = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < edits; k++) {
          const pos = Math.floor(rand() * chars.length);
          const pick = rand();
          if (pick < 0.3) chars.splice(pos, 1);
          else if (pick < 0.6) chars[pos] = "0123456789:;.-{}[]\",eE \n"[Math.floor(rand() * 25)]!;
          else if (pick < 0.8) chars.splice(pos, 0, "9".repeat(1 + Math.floor(rand() * 30)));
          else chars.length = pos; // truncate
        }
        check(chars.join(""), name, rate);
      }
    }
  });
});
