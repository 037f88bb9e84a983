import { describe, expect, test } from "vitest";
import { pyDumps, pyFloatRepr, pyLoads } from "../../../src/domain/pixel-signals/pyjson.js";

// Expected strings printed by CPython 3.11's json/repr (Debian 12).
describe("Python json.dumps emulation (what NovelAI signs)", () => {
  test("repr(float)", () => {
    const vals = [1e-5, 0.0001, 1e16, 1e15, 5.0, 0.1, 1.5e-7, -0.0, 123.456, 1e22, 2.5e-310, 1 / 3, -2.5e-5, 100.0, 9007199254740993, 0.30000000000000004, 1e-4, 12345678901234567];
    const python = ["1e-05", "0.0001", "1e+16", "1000000000000000.0", "5.0", "0.1", "1.5e-07", "-0.0", "123.456", "1e+22", "2.5e-310", "0.3333333333333333", "-2.5e-05", "100.0", "9007199254740992.0", "0.30000000000000004", "0.0001", "1.2345678901234568e+16"];
    expect(vals.map(pyFloatRepr)).toEqual(python);
    expect([NaN, Infinity, -Infinity].map(pyFloatRepr)).toEqual(["NaN", "Infinity", "-Infinity"]);
  });

  test("loads then dumps: order, repeated keys, numbers, escapes, non-ASCII", () => {
    const input =
      '{"b": 1, "10": [1.0, -0, 2E3, 3e-7, true, null], "2": "\\u2603 \\ud83e\\udd8a caf\\u00e9 \u00e9\\n\\t\\"/\\\\ \u007f", "b": {"z": {}, "a": []}, "n": NaN, "i": -Infinity, "big": 123456789012345678901234567890}';
    const python =
      '{"b": {"z": {}, "a": []}, "10": [1.0, 0, 2000.0, 3e-07, true, null], "2": "\\u2603 \\ud83e\\udd8a caf\\u00e9 \\u00e9\\n\\t\\"/\\\\ \\u007f", "n": NaN, "i": -Infinity, "big": 123456789012345678901234567890}';
    expect(pyDumps(pyLoads(input))).toBe(python);
  });

  test("an astral character written raw comes out as a surrogate pair escape", () => {
    expect(pyDumps(pyLoads('"🦊"'))).toBe('"\\ud83e\\udd8a"');
  });

  test("rejects what Python rejects", () => {
    for (const bad of ["{", '{"a" 1}', "[1,]", "01", '"\u0001"', '"\\x"', "1 2", "{'a': 1}"]) expect(() => pyLoads(bad)).toThrow();
  });
});
