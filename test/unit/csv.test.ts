// CSV cells: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.

import { describe, expect, it } from "vitest";
import { cell } from "../../src/adapters/report/csv.js";

describe("cell()", () => {
  it("quotes commas, quotes and line breaks", () => {
    expect(cell('a,b "c"\nd')).toBe('"a,b ""c""\nd"');
    expect(cell("plain.png")).toBe("plain.png");
    expect(cell(null)).toBe("");
    expect(cell(42)).toBe("42");
  });
  it("guards every formula start, also behind the whitespace spreadsheets trim", () => {
    for (const name of ["=cmd|'/c calc'!A1", "+1+1", "-2", "@SUM(A1)", "\t=1", "\r=1", " =1+1", "   @x", "\u00a0=1", "\u3000=1", "\ufeff=1", "＝1"]) {
      expect(cell(name).replace(/^"/, "").startsWith("'"), JSON.stringify(name)).toBe(true);
    }
    expect(cell("shot=1.png")).toBe("shot=1.png");
    expect(cell(" shot.png")).toBe(" shot.png");
  });
});
