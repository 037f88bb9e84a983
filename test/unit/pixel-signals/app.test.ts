// src/app/pixel-evidence.ts: which files are looked at, which signals run, on real files
// written here through sharp.

import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { PIXEL_SIGNAL_FORMATS, pixelEvidenceOf, pixelSignalOptions, wantsPixelSignals } from "../../../src/app/pixel-evidence.js";
import { defaultConfig } from "../../../src/config.js";
import { CHEAP_SIGNALS, PAYLOADS } from "../../../src/domain/pixel-signals/index.js";
import { tempDir } from "../../helpers/index.js";
import { embedDwtDct } from "../../../bench/wm-encoder.js";
import { photoLike, toPng, writeStealth } from "../../../bench/pixel-writers.js";

const image = (format: string) => ({ kind: "image" as const, format, confidence: "magic" as const });

describe("pixelSignalOptions and wantsPixelSignals", () => {
  test("the configuration turns the watermark pass, or everything, off", () => {
    const c = defaultConfig();
    expect(pixelSignalOptions(c)?.signals).toEqual(["stealth", "novelai", "watermark"]);
    c.pixelSignals.watermark = false;
    expect(pixelSignalOptions(c)?.signals).toEqual(CHEAP_SIGNALS);
    c.pixelSignals.enabled = false;
    expect(pixelSignalOptions(c)).toBeUndefined();
  });

  test("lossless stills only; JPEG, GIF, camera raws and videos are not looked at", () => {
    expect([...PIXEL_SIGNAL_FORMATS].sort()).toEqual(["png", "tiff", "webp"]);
    expect(wantsPixelSignals("a.png", image("png"))).toBe(true);
    expect(wantsPixelSignals("a.tif", image("tiff"))).toBe(true);
    expect(wantsPixelSignals("a.webp", image("webp"))).toBe(true);
    expect(wantsPixelSignals("a.jpg", image("jpeg"))).toBe(false);
    expect(wantsPixelSignals("a.gif", image("gif"))).toBe(false);
    expect(wantsPixelSignals("IMG_0001.CR2", image("tiff"))).toBe(false);
    expect(wantsPixelSignals("a.dng", image("tiff"))).toBe(false);
    expect(wantsPixelSignals("a.mov", { kind: "video", format: "mov", confidence: "magic" })).toBe(false);
  });
});

describe("pixelEvidenceOf on files", () => {
  const all = { signals: ["stealth", "novelai", "watermark"] as const };
  const sd1 = PAYLOADS.find((p) => p.id === "sd1")!.bits;

  test("stealth under 256x256: found through the probe (no watermark pass there)", async () => {
    const f = path.join(tempDir(), "small.png");
    fs.writeFileSync(f, await toPng(writeStealth(photoLike(200, 120, 3), "cat\nSteps: 20, Sampler: Euler a, CFG scale: 7", "rgb", false)));
    const ev = await pixelEvidenceOf(f, all);
    expect(ev.map((e) => e.field)).toEqual(["pixels:rgb-lsb:stealth_rgbinfo"]);
  });

  test("the watermark in a PNG, in a lossless WebP and a TIFF; not looked for when only the cheap signals are asked", async () => {
    const dir = tempDir();
    const px = embedDwtDct(photoLike(512, 512, 4), sd1, { domain: "uint8" });
    const png = path.join(dir, "wm.png");
    fs.writeFileSync(png, await toPng(px));
    const sharp = (await import("sharp")).default;
    const raw = { raw: { width: px.width, height: px.height, channels: px.channels as 3 } };
    const webp = path.join(dir, "wm.webp");
    await sharp(Buffer.from(px.data), raw).webp({ lossless: true }).toFile(webp);
    const tif = path.join(dir, "wm.tif");
    await sharp(Buffer.from(px.data), raw).tiff({ compression: "lzw" }).toFile(tif);
    for (const f of [png, webp, tif]) {
      const ev = await pixelEvidenceOf(f, all);
      expect(ev.map((e) => e.value), f).toEqual([expect.stringMatching(/^Stable Diffusion 1\.x invisible watermark \(\d+\/136 bits\)$/)]);
    }
    expect(await pixelEvidenceOf(png, { signals: CHEAP_SIGNALS })).toEqual([]);
  });

  test("a file sharp cannot read throws, naming what is wrong (the scan treats it as not looked)", async () => {
    const f = path.join(tempDir(), "cut.png");
    fs.writeFileSync(f, (await toPng(photoLike(300, 300, 5))).subarray(0, 40));
    await expect(pixelEvidenceOf(f, all)).rejects.toThrow();
  });
});
