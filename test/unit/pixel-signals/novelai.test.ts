import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { decodeStoredPixels } from "../../../src/adapters/decode/pixels.js";
import {
  ed25519PublicKey,
  NOVELAI_PUBLIC_KEY_B64,
  novelaiEvidence,
  novelaiPublicKey,
  readNovelAIAlphaBlock,
  verifyNovelAIComment,
} from "../../../src/domain/pixel-signals/novelai.js";
import { readStealthPngInfo } from "../../../src/domain/pixel-signals/stealth.js";
import { haveShared, OWN, own, pngTextChunks, SHARED_MEDIA, sharedCopy, SKIP_SHARED } from "./helpers/fixtures.js";
import { newEd25519, noise, photoLike, toPng, withAlpha, writeNovelAI } from "../../../bench/pixel-writers.js";

const COMMENT = JSON.stringify({
  prompt: "a cat in space, ünïcödé ☃",
  steps: 28,
  scale: 5.5,
  seed: 2253955223,
  sampler: "k_euler_ancestral",
  uc: "lowres, bad anatomy",
});

describe("NovelAI: a file signed in Python (PyNaCl, json.dumps) by a test key", () => {
  const testKey = ed25519PublicKey(own.novelaiTestPublicKey);

  test("verifies with that key, and only says 'signed by' then", async () => {
    const px = await decodeStoredPixels(path.join(OWN, "novelai-signed.png"));
    const ev = novelaiEvidence(px, { publicKey: testKey });
    expect(ev).toMatchObject({ source: "generator", signal: "genai", detail: { signature: "verified", signedBy: "injected key", generator: "NovelAI" } });
    expect(ev?.value).toMatch(/^signed by injected key/);
  });

  test("does not verify with NovelAI's real key: reported as an unverified claim", async () => {
    const px = await decodeStoredPixels(path.join(OWN, "novelai-signed.png"));
    const ev = novelaiEvidence(px);
    expect(ev?.detail["signature"]).toBe("invalid");
    expect(ev?.value).not.toMatch(/signed by/);
    expect(ev?.value).toBe("NovelAI metadata, signature invalid");
  });

  test("one red LSB changed: invalid", async () => {
    const px = await decodeStoredPixels(path.join(OWN, "novelai-tampered.png"));
    expect(novelaiEvidence(px, { publicKey: testKey })?.detail["signature"]).toBe("invalid");
  });

  test("the PNG text Comment (file-level copy) verifies against the pixels too", async () => {
    const file = path.join(OWN, "novelai-signed.png");
    const comment = pngTextChunks(readFileSync(file)).get("Comment");
    expect(comment).toBe(own.novelaiComment);
    const px = await decodeStoredPixels(file);
    expect(verifyNovelAIComment(px, comment ?? "", testKey).state).toBe("verified");
    // RGB only is signed: the same check on the pixels without alpha passes as well.
    const rgb = await decodeStoredPixels(file, { dropAlpha: true });
    expect(verifyNovelAIComment(rgb, comment ?? "", testKey).state).toBe("verified");
  });
});

describe("NovelAI: our port of the writer, signed by a key generated here", () => {
  const { publicKey, privateKey } = newEd25519();
  const base = photoLike(320, 240, 41);

  test("round trip through a PNG file: verified with the injected key", async () => {
    const px = await decodeStoredPixels(await toPng(writeNovelAI(base, COMMENT, privateKey)));
    const ev = novelaiEvidence(px, { publicKey });
    expect(ev?.detail["signature"]).toBe("verified");
    expect(ev?.value).toBe("signed by injected key (NovelAI Diffusion V4.5 4BDE2A90)");
    expect((ev?.detail["metadata"] as Record<string, unknown>)["Software"]).toBe("NovelAI");
    // The generic stealth reader sees the same block.
    expect(readStealthPngInfo(px)?.signature).toBe("stealth_pngcomp");
  });

  test("another key: invalid", () => {
    const other = newEd25519();
    expect(novelaiEvidence(writeNovelAI(base, COMMENT, privateKey), { publicKey: other.publicKey })?.detail["signature"]).toBe("invalid");
  });

  test("any RGB change breaks it; alpha outside the block does not (alpha is not signed)", () => {
    const signed = writeNovelAI(base, COMMENT, privateKey);
    const rgbEdit = { ...signed, data: Uint8Array.from(signed.data) };
    const at = (100 * 320 + 200) * 4 + 1;
    rgbEdit.data[at] = (rgbEdit.data[at] ?? 0) ^ 1;
    expect(novelaiEvidence(rgbEdit, { publicKey })?.detail["signature"]).toBe("invalid");
    const alphaEdit = { ...signed, data: Uint8Array.from(signed.data) };
    alphaEdit.data[(239 * 320 + 319) * 4 + 3] = 0; // last pixel, far past the block
    expect(novelaiEvidence(alphaEdit, { publicKey })?.detail["signature"]).toBe("verified");
  });

  test("a crop loses the block or breaks the signature", () => {
    const signed = writeNovelAI(base, COMMENT, privateKey);
    const crop = { width: 300, height: 240, channels: 4, data: new Uint8Array(300 * 240 * 4) };
    for (let y = 0; y < 240; y++) crop.data.set(signed.data.subarray(y * 320 * 4, (y * 320 + 300) * 4), y * 300 * 4);
    const ev = novelaiEvidence(crop, { publicKey });
    expect(ev?.detail["signature"] ?? "no block").not.toBe("verified");
  });

  test("unsigned NovelAI block: reported, signature absent", () => {
    const ev = novelaiEvidence(writeNovelAI(base, COMMENT, null));
    expect(ev).toMatchObject({ value: "NovelAI metadata, signature absent", detail: { signature: "absent" } });
  });

  test("nested {\"Comment\": \"...\"} is unwrapped as nai_sig does", () => {
    const signed = writeNovelAI(base, COMMENT, privateKey);
    const block = JSON.parse(new TextDecoder().decode(readNovelAIAlphaBlock(signed) ?? new Uint8Array())) as Record<string, string>;
    const comment = block["Comment"] ?? "";
    expect(verifyNovelAIComment(signed, JSON.stringify({ Comment: comment }), publicKey).state).toBe("verified");
  });

  test("skipVerify: found, unchecked", () => {
    const ev = novelaiEvidence(writeNovelAI(base, COMMENT, privateKey), { skipVerify: true });
    expect(ev?.detail["signature"]).toBe("unchecked");
    expect(ev?.value).not.toMatch(/signed by/);
  });

  test("a stealth block that does not claim NovelAI and is not signed is not NovelAI's", () => {
    const other = writeNovelAI(base, COMMENT, null, { Software: "SomethingElse", Source: "my tool" });
    expect(novelaiEvidence(other)).toBeNull();
  });

  test("comments it cannot read", () => {
    const px = withAlpha(base, 255);
    expect(verifyNovelAIComment(px, "not json").state).toBe("unreadable");
    expect(verifyNovelAIComment(px, "[1, 2]").state).toBe("unreadable");
    expect(verifyNovelAIComment(px, '{"signed_hash": 5}').state).toBe("unreadable");
    expect(verifyNovelAIComment(px, '{"steps": 1}').state).toBe("absent");
    expect(verifyNovelAIComment(px, '{"signed_hash": "AAAA"}').state).toBe("invalid");
  });
});

describe("NovelAI: no false positives", () => {
  test("plain, noisy-alpha and RGB images", () => {
    expect(novelaiEvidence(withAlpha(photoLike(320, 240, 51), 255))).toBeNull();
    expect(novelaiEvidence(noise(320, 240, 4, 52))).toBeNull();
    expect(novelaiEvidence(photoLike(320, 240, 53))).toBeNull();
  });

  test("the published key parses as an Ed25519 key", () => {
    expect(novelaiPublicKey().asymmetricKeyType).toBe("ed25519");
    expect(Buffer.from(NOVELAI_PUBLIC_KEY_B64, "base64")).toHaveLength(32);
  });
});

describe.skipIf(!haveShared)("NovelAI: the real fixture novelai1_cropped.png", () => {
  test("cropped to 1x1 RGB: no alpha block, and its text Comment has no signed_hash", async () => {
    const file = sharedCopy(SHARED_MEDIA, "novelai1_cropped.png");
    const px = await decodeStoredPixels(file);
    expect([px.width, px.height, px.channels]).toEqual([1, 1, 3]);
    expect(readNovelAIAlphaBlock(px)).toBeNull();
    expect(novelaiEvidence(px)).toBeNull();
    const text = pngTextChunks(readFileSync(file));
    expect(text.get("Software")).toBe("NovelAI");
    // A 2022 NovelAI image (Source "Stable Diffusion 1D44365E"): signing came later.
    expect(verifyNovelAIComment(px, text.get("Comment") ?? "").state).toBe("absent");
  });
});
if (!haveShared) console.warn(SKIP_SHARED);
