import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { decodeStoredPixels, mayHoldStealth } from "../../../src/adapters/decode/pixels.js";
import { CHEAP_SIGNALS, PAYLOADS, pixelEvidence } from "../../../src/domain/pixel-signals/index.js";
import type { RawPixels } from "../../../src/domain/pixel-signals/types.js";
import { haveShared, SHARED_MEDIA, SHARED_REAL, sharedCopy, SKIP_SHARED } from "./helpers/fixtures.js";
import { embedDwtDct } from "../../../bench/wm-encoder.js";
import { newEd25519, photoLike, toPng, writeNovelAI, writeStealth } from "../../../bench/pixel-writers.js";

const sd1 = PAYLOADS.find((p) => p.id === "sd1")?.bits ?? [];

describe("pixelEvidence: the signals together", () => {
  test("an SD 1.x output saved by A1111 with stealth pnginfo: both marks", async () => {
    const watermarked = embedDwtDct(photoLike(512, 512, 91), sd1, { domain: "uint8" });
    const saved = writeStealth(watermarked, "castle\nSteps: 20, Sampler: Euler a, CFG scale: 7", "alpha", true);
    const px = await decodeStoredPixels(await toPng(saved));
    const ev = pixelEvidence(px);
    expect(ev.map((e) => e.field).sort()).toEqual(["pixels:alpha-lsb:stealth_pngcomp", "pixels:imwatermark:dwtDct"]);
    expect(ev.find((e) => e.field.includes("stealth"))?.detail["generator"]).toBe("AUTOMATIC1111/Forge");
    expect(ev.find((e) => e.field.includes("imwatermark"))?.detail["payload"]).toBe("sd1");
    // The hot path skips the watermark.
    expect(pixelEvidence(px, { signals: CHEAP_SIGNALS }).map((e) => e.field)).toEqual(["pixels:alpha-lsb:stealth_pngcomp"]);
  });

  test("a NovelAI block is reported once, as NovelAI's (not again as generic stealth)", () => {
    const { publicKey, privateKey } = newEd25519();
    const ev = pixelEvidence(writeNovelAI(photoLike(300, 300, 92), '{"prompt": "x", "steps": 28}', privateKey), { novelai: { publicKey } });
    expect(ev).toHaveLength(1);
    expect(ev[0]?.value).toMatch(/^signed by injected key/);
  });

  test("an ordinary picture: nothing", () => {
    expect(pixelEvidence(photoLike(800, 600, 93))).toEqual([]);
  });
});

describe.skipIf(!haveShared)("real files (shared fixtures): what the pixel signals say", () => {
  // Several of these are GenAI, but none carries these marks: the PNGs are 1x1 crops or have no
  // alpha, the rest are lossy. A hit here would need a look, not necessarily a fix.
  test("none carries these marks, and none makes a signal fail", async () => {
    const files = [
      ...readdirSync(SHARED_MEDIA).map((f) => [SHARED_MEDIA, f] as const),
      ...readdirSync(SHARED_REAL).map((f) => [SHARED_REAL, f] as const),
    ].filter(([, f]) => /\.(png|jpe?g|webp|avif|tiff?|gif)$/i.test(f));
    const seen: string[] = [];
    for (const [dir, f] of files) {
      const file = sharedCopy(dir, f);
      let px: RawPixels;
      try {
        px = await decodeStoredPixels(file);
      } catch (err) {
        seen.push(`${f}: not decoded (${(err as Error).message.split("\n")[0]})`);
        continue;
      }
      const ev = pixelEvidence(px);
      seen.push(`${f} ${px.width}x${px.height}x${px.channels}: ${ev.length ? ev.map((e) => e.value).join("; ") : "none"}`);
      expect(ev, f).toEqual([]);
      if (/\.png$/i.test(f)) expect(await mayHoldStealth(file), f).toBe(false);
    }
    console.log(seen.join("\n"));
  });
});
if (!haveShared) console.warn(SKIP_SHARED);
