// Large files are validated through the file-backed Blob, never loaded whole: memory stays
// bounded whatever the size. Opt-in (PROV_C2PA_LARGE=1): a 300 MiB and a 4 GiB sparse MP4
// (~35 s of CPU for the 4 GiB one), the latter past c2pa-rs's 2 GiB whole-buffer ceiling.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { c2paChecker } from "../../src/app/c2pa.js";
import { defaultConfig } from "../../src/config.js";
import { cliPath, mediaDir, sharedAvailable, tempDir } from "../helpers/index.js";

const large = process.env["PROV_C2PA_LARGE"] === "1";
if (!large) process.stderr.write("note: the large-file C2PA tests are opt-in: set PROV_C2PA_LARGE=1 to run them\n");

/** video1.mp4 (signed) + a sparse 64-bit mdat of `extra` bytes: the signed BMFF hash no longer covers the file. */
function bigMp4(dir: string, extra: number): string {
  const p = path.join(dir, `big-${extra}.mp4`);
  fs.copyFileSync(path.join(mediaDir, "video1.mp4"), p);
  fs.chmodSync(p, 0o644);
  const base = fs.statSync(p).size;
  const fd = fs.openSync(p, "r+");
  const h = Buffer.alloc(16);
  h.writeUInt32BE(1, 0);
  h.write("mdat", 4, "latin1");
  h.writeBigUInt64BE(BigInt(extra + 16), 8);
  fs.writeSync(fd, h, 0, 16, base);
  fs.ftruncateSync(fd, base + 16 + extra);
  fs.closeSync(fd);
  return p;
}

async function measure(extra: number): Promise<{ kind: string; failures: string[]; rssGrowthMiB: number }> {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first (the worker runs from dist/)`);
  const checker = c2paChecker(defaultConfig(), 1)!;
  const dir = tempDir();
  try {
    await checker.validate(path.join(mediaDir, "PNG.png")); // the worker's own baseline is not the file's cost
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const o = await checker.validate(bigMp4(dir, extra));
    clearInterval(timer);
    const failures = o.kind === "validated" ? (o.manifests.find((m) => m.isActive)?.codes.failure ?? []).map((f) => f.code) : [];
    return { kind: o.kind, failures, rssGrowthMiB: (peak - before) / 2 ** 20 };
  } finally {
    await checker.close();
  }
}

describe.runIf(large && sharedAvailable())("C2PA validation of large MP4s, in bounded memory", () => {
  it("300 MiB: the whole file is hashed (appended mdat → bmffHash.mismatch), RSS grows < 200 MiB", async () => {
    const r = await measure(300 * 2 ** 20);
    expect(r.kind).toBe("validated");
    expect(r.failures).toContain("assertion.bmffHash.mismatch");
    expect(r.rssGrowthMiB).toBeLessThan(200);
  });

  it("4 GiB: the same, still bounded", async () => {
    const r = await measure(4 * 2 ** 30 + 4096);
    expect(r.kind).toBe("validated");
    expect(r.failures).toContain("assertion.bmffHash.mismatch");
    expect(r.rssGrowthMiB).toBeLessThan(300);
  }, 300_000);
});
