import { crc32 } from "node:zlib";
import sharp from "sharp";
import { describe, expect, test } from "vitest";
import { decodeStoredPixels, mayHoldStealth } from "../../../src/adapters/decode/pixels.js";
import { readStealthPngInfo } from "../../../src/domain/pixel-signals/stealth.js";
import { photoLike, toPng, writeStealth } from "../../../bench/pixel-writers.js";

/** The iCCP chunk (length, type, data, CRC) of a PNG, or null. */
function iccpChunk(png: Buffer): Buffer | null {
  let p = 8;
  while (p + 8 <= png.length) {
    const len = png.readUInt32BE(p);
    if (png.toString("latin1", p + 4, p + 8) === "iCCP") return png.subarray(p, p + 12 + len);
    p += 12 + len;
  }
  return null;
}

/** Inserts a chunk right after IHDR (where iCCP must go: before PLTE and IDAT). */
function insertAfterIhdr(png: Buffer, chunk: Buffer): Buffer {
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

describe("decodeStoredPixels keeps the stored pixels", () => {
  test("an embedded ICC profile is not applied (it would rewrite every LSB)", async () => {
    // A Display P3 profile, taken from a PNG sharp tags with one.
    const p3 = await sharp({ create: { width: 2, height: 2, channels: 3, background: "#808080" } }).withIccProfile("p3").png().toBuffer();
    const chunk = iccpChunk(p3);
    expect(chunk).not.toBeNull();
    expect(chunk?.readUInt32BE(chunk.length - 4)).toBe(crc32(chunk?.subarray(4, chunk.length - 4) ?? Buffer.alloc(0)));

    const marked = writeStealth(photoLike(200, 150, 3), "Steps: 20, Sampler: Euler a", "alpha", true);
    const tagged = insertAfterIhdr(await toPng(marked), chunk ?? Buffer.alloc(0));
    expect((await sharp(tagged).metadata()).icc).toBeDefined();

    const px = await decodeStoredPixels(tagged);
    expect(Buffer.from(px.data).equals(Buffer.from(marked.data))).toBe(true);
    expect(readStealthPngInfo(px)?.text).toBe("Steps: 20, Sampler: Euler a");
    expect(await mayHoldStealth(tagged)).toBe(true);

    // What a plain sharp decode would give: colour-managed to sRGB, the marks gone.
    const { data, info } = await sharp(tagged).raw().toBuffer({ resolveWithObject: true });
    const managed = { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
    expect(Buffer.from(managed.data).equals(Buffer.from(marked.data))).toBe(false);
  });

  test("channels as stored: RGB stays 3, RGBA stays 4, dropAlpha gives 3", async () => {
    const rgb = photoLike(64, 32, 1);
    expect((await decodeStoredPixels(await toPng(rgb))).channels).toBe(3);
    const rgba = writeStealth(rgb, "x", "alpha", false);
    const four = await decodeStoredPixels(await toPng(rgba));
    expect([four.width, four.height, four.channels]).toEqual([64, 32, 4]);
    expect((await decodeStoredPixels(await toPng(rgba), { dropAlpha: true })).channels).toBe(3);
  });

  test("not an image: sharp's error", async () => {
    await expect(decodeStoredPixels(Buffer.from("not an image"))).rejects.toThrow();
  });
});
