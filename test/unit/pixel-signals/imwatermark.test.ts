import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { decodeStoredPixels } from "../../../src/adapters/decode/pixels.js";
import {
  AUTHORS_VARIANT,
  binomialTail,
  decodeDwtDct,
  matchWatermarks,
  SCREEN_MAX_P,
  PAYLOADS,
  sdxlAuthorsVerdict,
  watermarkEvidence,
} from "../../../src/domain/pixel-signals/imwatermark.js";
import type { RawPixels } from "../../../src/domain/pixel-signals/types.js";
import { haveShared, OWN, pythonBits, SHARED_MEDIA, SHARED_REAL, sharedCopy, SKIP_SHARED } from "./helpers/fixtures.js";
import { embedDwtDct } from "../../../bench/wm-encoder.js";
import { flat, gradient, noise, photoLike, resized, toJpeg, toPng } from "../../../bench/pixel-writers.js";

const payload = (id: string) => {
  const p = PAYLOADS.find((q) => q.id === id);
  if (!p) throw new Error(id);
  return p;
};
const AUTHORS = [AUTHORS_VARIANT];

describe("payloads are the published ones", () => {
  test("lengths and values", () => {
    expect(payload("sdxl").bits).toHaveLength(48);
    // bin(0b0010...)[2:] drops the leading zeros: FLUX's reference code embeds 46 bits.
    expect(payload("flux").bits).toHaveLength(46);
    expect(payload("sd1").bits).toHaveLength(136);
    expect(payload("sd2").bits).toHaveLength(32);
    expect(payload("sdxl").bits.join("")).toBe("101100111110110010010000011110111011000110011110");
    expect(payload("sd2").bits.slice(0, 8).join("")).toBe("01010011"); // "S"
  });

  test("binomial tail and the SDXL authors' grades", () => {
    expect(binomialTail(48, 0)).toBe(1);
    expect(binomialTail(48, 48)).toBeCloseTo(2 ** -48, 25);
    expect(binomialTail(48, 36)).toBeCloseTo(0.000358634836697, 12);
    expect(sdxlAuthorsVerdict(27)).toBe("No watermark detected");
    expect(sdxlAuthorsVerdict(34)).toBe("Likely watermarked");
    expect(sdxlAuthorsVerdict(36)).toBe("Very likely watermarked");
  });
});

describe("decoder = imwatermark on OpenCV + PyWavelets (bits decoded in Python from the same files)", () => {
  for (const [file, length] of [
    ["wm-sd1-uint8.png", 136],
    ["wm-sdxl-float.png", 48],
    ["wm-none.png", 48],
  ] as const) {
    test(file, async () => {
      const px = await decodeStoredPixels(path.join(OWN, file));
      expect(decodeDwtDct(px, length)?.join("")).toBe(pythonBits[file]);
    });
  }

  test("our encoder port is pixel-exact with the Python one (8-bit path)", async () => {
    const clean = await decodeStoredPixels(path.join(OWN, "wm-none.png"));
    const python = await decodeStoredPixels(path.join(OWN, "wm-sd1-uint8.png"));
    const ours = embedDwtDct(clean, payload("sd1").bits, { domain: "uint8" });
    expect(Buffer.from(ours.data).equals(Buffer.from(python.data))).toBe(true);
  });

  test("Python-made SD1 (8-bit) and SDXL (float32, as generative-models) files are found", async () => {
    const sd1 = watermarkEvidence(await decodeStoredPixels(path.join(OWN, "wm-sd1-uint8.png")));
    expect(sd1).toMatchObject({ source: "generator", field: "pixels:imwatermark:dwtDct", signal: "genai", detail: { payload: "sd1", variant: "uint8/bgr" } });
    const sdxlPx = await decodeStoredPixels(path.join(OWN, "wm-sdxl-float.png"));
    const sdxl = watermarkEvidence(sdxlPx);
    expect(sdxl).toMatchObject({ detail: { payload: "sdxl", variant: "float/bgr" } });
    // The SDXL authors' own (8-bit) detector on the same file:
    const authors = matchWatermarks(sdxlPx, { variants: AUTHORS }).find((m) => m.payload === "sdxl");
    console.log(`SDXL float-embedded fixture: ours ${String(sdxl?.detail["bits"])}, authors' 8-bit detector ${authors?.matched}/48 (${sdxlAuthorsVerdict(authors?.matched ?? 0)})`);
    expect(watermarkEvidence(await decodeStoredPixels(path.join(OWN, "wm-none.png")))).toBeNull();
  });
});

describe("round trips: our encoder port -> PNG -> decoder, as each generator embeds", () => {
  // dwtDct is lossy even untouched: quantising the largest coefficient can make another one
  // the largest, and the 8-bit path truncates. Measured on 3 photo-like images (768x512):
  // SDXL 42-48/48, FLUX 39-46/46, SD1 115-117/136, SD2 26-32/32 in the embedder's own
  // variant. SD2's 32 bits are sometimes under the 1e-5 threshold (28/32): a weak signal.
  const seeds = [61, 62, 63];
  const bases = seeds.map((s) => photoLike(768, 512, s));
  for (const p of PAYLOADS) {
    for (const v of p.variants) {
      test(`${p.id}, embedded ${v.domain}/${v.order}`, async () => {
        const found: string[] = [];
        for (const base of bases) {
          const marked = embedDwtDct(base, p.bits, { domain: v.domain, order: v.order, quantize: "trunc" });
          const px = await decodeStoredPixels(await toPng(marked));
          const m = matchWatermarks(px, { payloads: [p] })[0];
          expect(m?.matched ?? 0).toBeGreaterThanOrEqual(Math.ceil(p.bits.length * 0.8));
          const ev = watermarkEvidence(px);
          // Never another payload.
          if (ev) expect(ev.detail["payload"]).toBe(p.id);
          found.push(ev ? String(ev.detail["bits"]) : `miss ${m?.matched}/${p.bits.length}`);
        }
        console.log(`${p.id} ${v.domain}/${v.order}: ${found.join(", ")}`);
        expect(found.filter((f) => !f.startsWith("miss")).length).toBeGreaterThanOrEqual(p.id === "sd2" ? 1 : 2);
      });
    }
  }

  test("odd sizes (crop to multiples of 4, partial blocks) and RGBA input", async () => {
    for (const [w, h] of [
      [517, 389],
      [1023, 257],
    ] as const) {
      const marked = embedDwtDct(photoLike(w, h, 65), payload("sdxl").bits, { domain: "float" });
      expect(watermarkEvidence(await decodeStoredPixels(await toPng(marked)))?.detail["payload"]).toBe("sdxl");
    }
    const rgb = embedDwtDct(photoLike(512, 512, 63), payload("flux").bits, { domain: "float" });
    const withA: RawPixels = { width: 512, height: 512, channels: 4, data: new Uint8Array(512 * 512 * 4) };
    for (let i = 0; i < 512 * 512; i++) {
      withA.data.set(rgb.data.subarray(i * 3, i * 3 + 3), i * 4);
      withA.data[i * 4 + 3] = 255;
    }
    expect(watermarkEvidence(withA)?.detail["payload"]).toBe("flux");
  });

  test("the authors' single pass alone misses float-embedded SDXL; ours finds it", () => {
    const marked = embedDwtDct(photoLike(768, 512, 62), payload("sdxl").bits, { domain: "float", quantize: "trunc" });
    expect(watermarkEvidence(marked, { variants: [AUTHORS_VARIANT] })).toBeNull();
    const ev = watermarkEvidence(marked);
    expect(ev?.detail["variant"]).toBe("float/bgr");
    expect(String(ev?.detail["authorsDetector"])).toMatch(/No watermark detected|Partial/);
  });
});

describe("no false positives", () => {
  const negatives: Array<[string, () => RawPixels]> = [
    ["photo-like 1920x1080", () => photoLike(1920, 1080, 71)],
    ["photo-like 1024x1024 (seed 72)", () => photoLike(1024, 1024, 72)],
    ["photo-like 1024x1024 (seed 73)", () => photoLike(1024, 1024, 73)],
    ["flat grey", () => flat(1024, 768, [128, 128, 128])],
    ["flat blue", () => flat(512, 512, [10, 40, 230])],
    ["black", () => flat(1920, 1080, [0, 0, 0])],
    ["gradient", () => gradient(1280, 720)],
    ["noise", () => noise(1024, 1024, 3, 74)],
  ];
  for (const [name, make] of negatives) {
    test(name, () => {
      const px = make();
      const best = matchWatermarks(px)[0];
      expect(watermarkEvidence(px)).toBeNull();
      expect(best?.pRandom ?? 1).toBeGreaterThan(1e-5);
    });
  }

  test("below imwatermark's 256x256-pixel minimum: nothing", () => {
    expect(watermarkEvidence(photoLike(255, 256, 75))).toBeNull();
    expect(decodeDwtDct(photoLike(200, 200, 75), 48)).toBeNull();
  });

  test.skipIf(!haveShared)("real files in the shared fixtures", async () => {
    const files = [
      ...readdirSync(SHARED_MEDIA).map((f) => [SHARED_MEDIA, f] as const),
      ...readdirSync(SHARED_REAL).map((f) => [SHARED_REAL, f] as const),
    ].filter(([, f]) => /\.(png|jpe?g|webp|avif|tiff?|heic)$/i.test(f));
    let decoded = 0;
    for (const [dir, f] of files) {
      let px: RawPixels;
      try {
        px = await decodeStoredPixels(sharedCopy(dir, f));
      } catch {
        continue; // not decodable by sharp (HEIC, empty file...): nothing to test
      }
      decoded++;
      const best = matchWatermarks(px)[0];
      if (best) console.log(`${f} ${px.width}x${px.height}: best ${best.label} ${best.matched}/${best.total} p=${best.pRandom.toExponential(1)}`);
      expect(watermarkEvidence(px), f).toBeNull();
    }
    expect(decoded).toBeGreaterThan(5);
  });
});

describe("fragility (measured; a miss is nothing, a hit is evidence)", () => {
  const base = photoLike(1024, 1024, 81);
  for (const [id, domain] of [
    ["sd1", "uint8"],
    ["sdxl", "float"],
    ["flux", "float"],
  ] as const) {
    test(`${id} (${domain}): PNG kept, JPEG q90 and resize 50% lose it`, async () => {
      const p = payload(id);
      const marked = embedDwtDct(base, p.bits, { domain, quantize: "trunc" });
      const report = async (name: string, buf: Buffer): Promise<number> => {
        const px = await decodeStoredPixels(buf);
        const m = matchWatermarks(px, { payloads: [p], screen: false })[0];
        const ev = watermarkEvidence(px);
        console.log(`${id}/${domain} ${name}: ${m?.matched ?? "-"}/${p.bits.length} (${m ? `${m.variant.domain}/${m.variant.order}` : "too small"}) -> ${ev ? "found" : "not found"}`);
        return (m?.matched ?? 0) / p.bits.length;
      };
      expect(await report("png", await toPng(marked))).toBeGreaterThan(0.8);
      const jpeg = await report("jpeg q90", await toJpeg(marked, 90));
      const half = await report("resize 50%", await resized(marked, 0.5));
      // Lost means: back to what clean images score (they are asserted null above).
      expect(jpeg).toBeLessThan(0.8);
      expect(half).toBeLessThan(0.8);
    });
  }
});
if (!haveShared) console.warn(SKIP_SHARED);

describe("the screen: a quarter of the bands first, the full decode only when something is there", () => {
  const big = photoLike(1024, 1024, 91);
  test("a clean 1024x1024 picture stops at the screen, and the full decode agrees there is nothing", () => {
    const screened = matchWatermarks(big);
    expect(screened.every((m) => m.screened === true)).toBe(true);
    expect(screened.every((m) => m.pRandom > SCREEN_MAX_P)).toBe(true);
    expect(watermarkEvidence(big)).toBeNull();
    expect(watermarkEvidence(big, { screen: false })).toBeNull();
  });
  for (const [id, domain, order] of [
    ["sdxl", "float", "bgr"],
    ["sdxl", "float", "rgb"],
    ["flux", "float", "bgr"],
    ["sd1", "uint8", "bgr"],
    ["sd2", "uint8", "bgr"],
  ] as const) {
    test(`${id} ${domain}/${order} at 1024x1024: the screen passes it on, and the evidence is the full decoder's`, () => {
      // Seed 93: one where even SD2's weak 32 bits survive the embed (on seed 91 the full decoder reads 23/32).
      const marked = embedDwtDct(photoLike(1024, 1024, 93), payload(id).bits, { domain, order, quantize: "trunc" });
      const withScreen = watermarkEvidence(marked);
      expect(withScreen?.detail["payload"]).toBe(id);
      expect(withScreen).toEqual(watermarkEvidence(marked, { screen: false }));
    });
  }
  test("small pictures are not screened (too few votes a bit): full passes", () => {
    expect(matchWatermarks(photoLike(512, 512, 92)).some((m) => m.screened)).toBe(false);
  });
});
