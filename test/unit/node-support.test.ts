import { describe, expect, it } from "vitest";
import { nodeSupport } from "../../src/domain/node-support.js";

describe("nodeSupport", () => {
  const day = new Date("2026-12-06T12:00:00Z");
  it("warns on a line past its end of life and names the ones to use", () => {
    const s = nodeSupport("v20.20.2", day);
    expect(s).toMatchObject({ major: 20, endOfLife: "2026-04-30", endedOn: "2026-04-30" });
    expect(s.warning).toBe("Node.js v20.20.2 reached end of life on 2026-04-30 and gets no security fixes; run prov on Node.js 26 (the current LTS) or 22");
  });
  it("is quiet on maintained lines, and on the last day of one", () => {
    expect(nodeSupport("v22.23.5", day).warning).toBeNull();
    expect(nodeSupport("v26.12.1", day).warning).toBeNull();
    expect(nodeSupport("v20.1.0", new Date("2026-04-30T23:00:00Z")).warning).toBeNull();
    expect(nodeSupport("v20.1.0", new Date("2026-05-01T00:00:00Z")).warning).toMatch(/end of life on 2026-04-30/);
  });
  it("an odd line ends early; an unknown future line is not called ended", () => {
    expect(nodeSupport("v25.1.0", day).warning).toMatch(/2026-06-01/);
    expect(nodeSupport("v31.0.0", day)).toMatchObject({ endOfLife: null, warning: null });
  });
});
