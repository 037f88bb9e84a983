// SMPTE timecode arithmetic against known values; drop-frame round trips.

import { describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors.js";
import {
  videoRate,
  formatTimecode,
  framesToSeconds,
  nominalFps,
  parseRate,
  parseTimecode,
  rateFromFps,
  rescaleFrames,
  secondsToFrames,
  withDropFrame,
} from "../../src/domain/timecode.js";

const r24 = parseRate("24");
const r2398 = parseRate("23.976");
const r25 = parseRate("25");
const r2997 = parseRate("29.97");
const df2997 = parseRate("29.97DF");
const df5994 = parseRate("59.94DF");

describe("parseRate()", () => {
  it("accepts the spellings of each rate", () => {
    for (const s of ["23.976", "23.98", "24000/1001"]) expect(parseRate(s)).toEqual({ num: 24000, den: 1001, dropFrame: false, label: "23.976" });
    expect(parseRate("24")).toEqual({ num: 24, den: 1, dropFrame: false, label: "24" });
    expect(parseRate("29.97")).toEqual({ num: 30000, den: 1001, dropFrame: false, label: "29.97" });
    expect(parseRate("29.97NDF")).toEqual(parseRate("29.97"));
    for (const s of ["29.97DF", "29.97df", " 29.97 DF "]) expect(parseRate(s)).toEqual({ num: 30000, den: 1001, dropFrame: true, label: "29.97DF" });
    expect(parseRate("59.94DF")).toEqual({ num: 60000, den: 1001, dropFrame: true, label: "59.94DF" });
    expect(parseRate("47.952")).toMatchObject({ num: 48000, den: 1001 });
    for (const s of ["25", "30", "48", "50", "60"]) expect(parseRate(s)).toMatchObject({ num: Number(s), den: 1, dropFrame: false });
  });

  it("rejects unknown rates listing the accepted ones, and drop-frame where none exists", () => {
    expect(() => parseRate("23")).toThrow(InputError);
    expect(() => parseRate("23")).toThrow(/accepted: 23\.976.*59\.94DF, 60/);
    expect(() => parseRate("")).toThrow(InputError);
    expect(() => parseRate("fast")).toThrow(InputError);
    expect(() => parseRate("24DF")).toThrow(/drop-frame exists only at 29\.97 and 59\.94/);
    expect(() => parseRate("30DF")).toThrow(InputError);
  });

  it("nominal fps", () => {
    expect([r2398, r24, r25, r2997, df2997, parseRate("59.94"), parseRate("47.952")].map(nominalFps)).toEqual([24, 24, 25, 30, 30, 60, 48]);
  });

  it("rateFromFps snaps OTIO float rates", () => {
    expect(rateFromFps(23.976023976023978)).toMatchObject({ num: 24000, den: 1001, label: "23.976" });
    expect(rateFromFps(23.976)).toMatchObject({ num: 24000, den: 1001 });
    expect(rateFromFps(48000)).toMatchObject({ num: 48000, den: 1 });
    expect(rateFromFps(12.5)).toMatchObject({ num: 12500, den: 1000 });
    for (const bad of [0, -24, NaN, Infinity, 1e300]) expect(rateFromFps(bad)).toBeNull();
  });
});

describe("29.97 drop-frame", () => {
  it("known values", () => {
    expect(parseTimecode("00:01:00;02", df2997)).toBe(1800);
    expect(parseTimecode("00:10:00;00", df2997)).toBe(17982);
    expect(parseTimecode("01:00:00;00", df2997)).toBe(107892);
    expect(parseTimecode("00:00:59;29", df2997)).toBe(1799);
    expect(formatTimecode(1799, df2997)).toBe("00:00:59;29");
    expect(formatTimecode(1800, df2997)).toBe("00:01:00;02");
    expect(formatTimecode(17982, df2997)).toBe("00:10:00;00");
    expect(formatTimecode(107892, df2997)).toBe("01:00:00;00");
    expect(formatTimecode(parseTimecode("00:00:59;29", df2997) + 1, df2997)).toBe("00:01:00;02");
  });

  it("rejects the dropped labels, with a reason", () => {
    expect(() => parseTimecode("00:01:00;00", df2997)).toThrow(InputError);
    expect(() => parseTimecode("00:01:00;00", df2997)).toThrow(/does not exist in 29\.97 drop-frame/);
    expect(() => parseTimecode("00:01:00;01", df2997)).toThrow(InputError);
    expect(() => parseTimecode("01:09:00;01", df2997)).toThrow(InputError);
    // every tenth minute keeps them
    expect(parseTimecode("00:10:00;00", df2997)).toBe(17982);
    expect(parseTimecode("00:00:00;00", df2997)).toBe(0);
  });

  it("';' forces drop-frame on a 29.97 NDF rate; ':' on a DF rate still counts DF", () => {
    expect(parseTimecode("00:01:00;02", r2997)).toBe(1800);
    expect(parseTimecode("00:01:00:02", r2997)).toBe(1802);
    expect(parseTimecode("00:01:00:02", df2997)).toBe(1800);
    expect(parseTimecode("00;01;00;02", df2997)).toBe(1800);
  });

  it("';' on a rate without drop-frame is an error", () => {
    expect(() => parseTimecode("00:01:00;02", r24)).toThrow(/drop-frame.*not at 24/);
    expect(() => parseTimecode("00:01:00;02", r2398)).toThrow(InputError);
  });

  it("round-trips every frame of the first 20 minutes", () => {
    const end = parseTimecode("00:20:00;00", df2997);
    let prev = "";
    for (let f = 0; f <= end; f++) {
      const tc = formatTimecode(f, df2997);
      if (parseTimecode(tc, df2997) !== f) throw new Error(`frame ${f} -> ${tc} does not round-trip`);
      if (tc <= prev) throw new Error(`labels not increasing at ${tc}`);
      prev = tc;
    }
    expect(end).toBe(2 * 17982);
  });
});

describe("59.94 drop-frame", () => {
  it("known values: four labels dropped per minute", () => {
    expect(parseTimecode("00:01:00;04", df5994)).toBe(3600);
    expect(formatTimecode(3599, df5994)).toBe("00:00:59;59");
    expect(formatTimecode(3600, df5994)).toBe("00:01:00;04");
    expect(parseTimecode("00:10:00;00", df5994)).toBe(35964);
    expect(parseTimecode("01:00:00;00", df5994)).toBe(215784);
    for (const tc of ["00:01:00;00", "00:01:00;03", "00:11:00;02"]) expect(() => parseTimecode(tc, df5994), tc).toThrow(InputError);
  });

  it("round-trips every frame of the first 20 minutes", () => {
    const end = parseTimecode("00:20:00;00", df5994);
    for (let f = 0; f <= end; f++) {
      const tc = formatTimecode(f, df5994);
      if (parseTimecode(tc, df5994) !== f) throw new Error(`frame ${f} -> ${tc} does not round-trip`);
    }
    expect(end).toBe(2 * 35964);
  });
});

describe("non-drop rates", () => {
  it("23.976: one hour of labels is 86400 frames, 3603.6 s", () => {
    expect(parseTimecode("01:00:00:00", r2398)).toBe(86400);
    expect(formatTimecode(86400, r2398)).toBe("01:00:00:00");
    expect(framesToSeconds(86400, r2398)).toBeCloseTo(3603.6, 9);
    expect(secondsToFrames(3603.6, r2398)).toBe(86400);
  });

  it("25: 10:00:00:00 is 900000", () => {
    expect(parseTimecode("10:00:00:00", r25)).toBe(900000);
    expect(formatTimecode(900000, r25)).toBe("10:00:00:00");
  });

  it("'.' before the frames is a plain separator", () => {
    expect(parseTimecode("00:00:01.12", r24)).toBe(36);
  });

  it("validates fields", () => {
    expect(() => parseTimecode("00:00:00:24", r24)).toThrow(/frames must be 00–23/);
    expect(() => parseTimecode("00:00:00:25", r25)).toThrow(InputError);
    expect(() => parseTimecode("00:60:00:00", r24)).toThrow(/minutes/);
    expect(() => parseTimecode("00:00:60:00", r24)).toThrow(/seconds/);
    for (const bad of ["", "1:2:3:4", "00:00:00", "aa:bb:cc:dd", "-01:00:00:00", "00:00:00:00:00", "9999999:00:00:00"]) {
      expect(() => parseTimecode(bad, r24), bad).toThrow(InputError);
    }
  });

  it("hours past 23 do not wrap", () => {
    expect(formatTimecode(24 * 3600 * 24, r24)).toBe("24:00:00:00");
    expect(formatTimecode(100 * 3600 * 25, r25)).toBe("100:00:00:00");
    expect(parseTimecode("100:00:00:00", r25)).toBe(100 * 3600 * 25);
    expect(parseTimecode("25:00:00;00", df2997)).toBe(25 * 107892);
    expect(formatTimecode(25 * 107892, df2997)).toBe("25:00:00;00");
  });

  it("negative or fractional frame counts cannot be formatted", () => {
    expect(() => formatTimecode(-1, r24)).toThrow(InputError);
    expect(() => formatTimecode(1.5, r24)).toThrow(InputError);
    expect(() => formatTimecode(NaN, r24)).toThrow(InputError);
  });
});

describe("seconds and rescaling", () => {
  it("secondsToFrames floors, tolerating float error", () => {
    expect(secondsToFrames(0, r24)).toBe(0);
    expect(secondsToFrames(1 / 24 - 1e-12, r24)).toBe(1);
    expect(secondsToFrames(1.99, r24)).toBe(47);
    expect(secondsToFrames(0.1 + 0.2, parseRate("30"))).toBe(9);
    expect(() => secondsToFrames(-1, r24)).toThrow(InputError);
    expect(() => secondsToFrames(NaN, r24)).toThrow(InputError);
    for (let f = 0; f < 5000; f += 7) expect(secondsToFrames(framesToSeconds(f, r2398), r2398)).toBe(f);
  });

  it("rescaleFrames is exact and floors negatives", () => {
    expect(rescaleFrames(48, r24, parseRate("48"))).toBe(96);
    expect(rescaleFrames(1, r24, parseRate("48000/1001"))).toBe(1);
    expect(rescaleFrames(24, r24, rateFromFps(48000)!)).toBe(48000);
    expect(rescaleFrames(-1, parseRate("48"), r24)).toBe(-1);
    expect(rescaleFrames(5, df2997, r2997)).toBe(5);
  });

  it("withDropFrame switches labels, not counts", () => {
    expect(withDropFrame(r2997, true)).toEqual(df2997);
    expect(withDropFrame(df2997, false)).toEqual(r2997);
    expect(() => withDropFrame(r24, true)).toThrow(InputError);
  });
});

describe("videoRate", () => {
  it("a file's fraction and start timecode: ';' makes 29.97 drop-frame; unknown rates are null", () => {
    expect(videoRate(30000, 1001, "01:00:00;00")).toMatchObject({ num: 30000, den: 1001, dropFrame: true });
    expect(videoRate(30000, 1001, "01:00:00:00")).toMatchObject({ dropFrame: false });
    expect(videoRate(24000, 1001, null)).toMatchObject({ num: 24000, den: 1001, label: "23.976" });
    expect(videoRate(25, 1, "10:00:00;00")).toMatchObject({ num: 25, dropFrame: false, label: "25" });
    expect(videoRate(0, 1, null)).toBeNull();
  });
});
