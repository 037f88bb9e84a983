// The gate reuses an earlier read of a path only when that read was clean: a read that
// overlapped a write carries the stat from after the write, so the file "matches" it, but
// its hash is of bytes the file never held whole; reused, the path was looked at again
// every few milliseconds forever and never recorded (watchers/gate.ts canReuseRead).

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { hashFile, statKey } from "../../src/adapters/fs/hash.js";
import { canReuseRead } from "../../watchers/gate.js";
import { tempDir } from "../helpers/index.js";

describe("canReuseRead", () => {
  it("a clean read of unchanged bytes is reused; one that overlapped a write, or a changed file, is read again", async () => {
    const f = path.join(tempDir(), "plate.jpg");
    fs.writeFileSync(f, Buffer.alloc(4096, 7));
    const h = await hashFile(f);
    expect(h.changedWhileReading).toBe(false);
    const now = statKey(fs.lstatSync(f, { bigint: true }));
    expect(canReuseRead({ key: h.stat, hash: h }, now)).toBe(true);
    // The same stat, but the read overlapped the last write.
    expect(canReuseRead({ key: h.stat, hash: { ...h, changedWhileReading: true } }, now)).toBe(false);
    // Written since.
    fs.appendFileSync(f, "more");
    expect(canReuseRead({ key: h.stat, hash: h }, statKey(fs.lstatSync(f, { bigint: true })))).toBe(false);
    expect(canReuseRead(null, now)).toBe(false);
  });
});
