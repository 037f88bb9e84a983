// NovelAI's signed image metadata.
//
// NovelAI writes its metadata twice: as PNG text chunks (or WebP EXIF), and as a gzip'd JSON
// block in the alpha channel's LSBs, in the stealth pnginfo format (signature
// "stealth_pngcomp", column-major, 32-bit bit length). Since 2024 the "Comment" JSON holds
// a "signed_hash": an Ed25519 signature, by NovelAI's key, over
//     the RGB bytes of the image (rows top to bottom, R G B per pixel, alpha left out)
//  ++ UTF-8 of Python json.dumps(comment without "signed_hash")
// so a verified signature proves NovelAI produced exactly these pixels with this comment.
// Any change to a pixel's RGB (crop, resize, re-encode, edit) breaks it; the alpha channel
// (where the block itself lives) is not covered.
//
// Published scheme, ported (not copied) from NovelAI/novelai-image-metadata:
//   nai_sig.py  (LSBExtractor, extract_alpha_metadata_raw, Metadata.decoded_comment,
//                _verify_signed_hash, verify_metadata_is_novelai: the public key below,
//                base64 "Y2JcQAOhLwzwSDUJPNgL04nS0Tbqm7cSRc4xk0vRMic=")
//   nai_meta.py (the reader), nai_meta_writer.py (LSBInjector: how the block is written)

import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { pyDumps, pyLoads, toJs, type PyValue } from "./pyjson.js";
import { clip } from "./stealth.js";
import { checkPixels, PIXEL_FIELD_PREFIX, type PixelEvidence, type RawPixels } from "./types.js";

/** NovelAI's published Ed25519 verify key (raw 32 bytes, base64), from nai_sig.py. */
export const NOVELAI_PUBLIC_KEY_B64 = "Y2JcQAOhLwzwSDUJPNgL04nS0Tbqm7cSRc4xk0vRMic=";

/** An Ed25519 public key object from 32 raw bytes (base64 or bytes). */
export function ed25519PublicKey(raw: string | Uint8Array): KeyObject {
  const bytes = typeof raw === "string" ? Buffer.from(raw, "base64") : Buffer.from(raw);
  if (bytes.length !== 32) throw new RangeError(`an Ed25519 public key is 32 bytes, got ${bytes.length}`);
  return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: bytes.toString("base64url") }, format: "jwk" });
}

let novelaiKey: KeyObject | undefined;
/** NovelAI's key as a KeyObject (made once). */
export function novelaiPublicKey(): KeyObject {
  novelaiKey ??= ed25519PublicKey(NOVELAI_PUBLIC_KEY_B64);
  return novelaiKey;
}

const MAGIC = "stealth_pngcomp";

/**
 * The raw (gunzipped) metadata block from the alpha LSBs, read as NovelAI's LSBExtractor
 * reads it: RGBA only, last channel, column-major, the magic, a 32-bit big-endian length
 * in bits (floor to whole bytes), gzip. Null when absent or undecodable. Cost: O(1) when
 * absent (120 pixels), O(block) otherwise.
 */
export function readNovelAIAlphaBlock(px: RawPixels): Uint8Array | null {
  checkPixels(px);
  const { width, height, channels, data } = px;
  if (channels !== 4) return null; // nai_sig asserts shape[-1] == 4
  const n = width * height;
  const bit = (i: number): number => {
    const x = Math.floor(i / height);
    const y = i - x * height;
    return (data[(y * width + x) * 4 + 3] ?? 0) & 1;
  };
  const byteAt = (b: number): number => {
    let v = 0;
    for (let j = 0; j < 8; j++) v = (v << 1) | bit(b * 8 + j);
    return v;
  };
  if (n < (MAGIC.length + 4) * 8) return null;
  for (let k = 0; k < MAGIC.length; k++) if (byteAt(k) !== MAGIC.charCodeAt(k)) return null;
  let bits = 0;
  for (let k = 0; k < 4; k++) bits = bits * 256 + byteAt(MAGIC.length + k);
  const len = Math.floor(bits / 8);
  const first = MAGIC.length + 4;
  // NovelAI's reader would spin forever on a block longer than the image; we give up.
  if ((first + len) * 8 > n) return null;
  const stored = new Uint8Array(len);
  for (let k = 0; k < len; k++) stored[k] = byteAt(first + k);
  try {
    return gunzipSync(stored);
  } catch {
    return null;
  }
}

export type SignatureState =
  /** Ed25519 verification succeeded with the key given (NovelAI's unless injected). */
  | "verified"
  /** A signed_hash is there, and does not verify: pixels or comment changed, or another key signed. */
  | "invalid"
  /** No signed_hash (NovelAI images before signing began, or stripped). */
  | "absent"
  /** The comment could not be parsed as NovelAI's verifier parses it. */
  | "unreadable"
  /** The caller asked not to verify (skipVerify). */
  | "unchecked";

export interface SignatureCheck {
  state: SignatureState;
  reason?: string;
}

/**
 * Checks the signed_hash in a NovelAI comment as nai_sig.py's `_verify_signed_hash` does.
 * `comment` is the "Comment" string (the JSON text), from the alpha block or from the PNG
 * text chunk / WebP EXIF UserComment; a nested "Comment" inside it is unwrapped as
 * `Metadata.decoded_comment` does. Pixels must be the image's full RGB(A) as stored.
 */
export function verifyNovelAIComment(px: RawPixels, comment: string, publicKey: KeyObject = novelaiPublicKey()): SignatureCheck {
  checkPixels(px);
  let parsed: PyValue;
  try {
    parsed = pyLoads(comment);
    if (parsed.kind === "dict") {
      const inner = parsed.entries.get("Comment");
      if (inner !== undefined) {
        if (inner.kind !== "str") return { state: "unreadable", reason: "nested Comment is not a string" };
        parsed = pyLoads(inner.value);
      }
    }
  } catch (err) {
    return { state: "unreadable", reason: `comment is not JSON (${(err as Error).message})` };
  }
  if (parsed.kind !== "dict") return { state: "unreadable", reason: "comment is not a JSON object" };
  const sig = parsed.entries.get("signed_hash");
  if (sig === undefined) return { state: "absent" };
  if (sig.kind !== "str") return { state: "unreadable", reason: "signed_hash is not a string" };
  const signature = Buffer.from(sig.value, "base64");
  if (signature.length !== 64) return { state: "invalid", reason: `signature is ${signature.length} bytes, not 64` };
  if (px.channels !== 3 && px.channels !== 4) return { state: "invalid", reason: `signed data is RGB; image has ${px.channels} channels` };

  const rest = new Map(parsed.entries);
  rest.delete("signed_hash");
  const commentBytes = Buffer.from(pyDumps({ kind: "dict", entries: rest }), "utf8");
  // One buffer, RGB written straight into it: at 4K the RGB alone is 26 MB.
  const message = rgbBytes(px, commentBytes.length);
  commentBytes.copy(message, message.length - commentBytes.length);
  let ok: boolean;
  try {
    ok = cryptoVerify(null, message, publicKey, signature);
  } catch (err) {
    return { state: "invalid", reason: `verify failed: ${(err as Error).message}` };
  }
  return ok ? { state: "verified" } : { state: "invalid", reason: "signature does not match these pixels and comment" };
}

/**
 * numpy's image[:, :, :3].tobytes(): R, G, B of each pixel, row-major; `spare` bytes left
 * free at the end (for the comment that follows it in the signed message).
 */
export function rgbBytes(px: RawPixels, spare = 0): Buffer {
  const { data, width, height, channels } = px;
  const n = width * height;
  const out = Buffer.allocUnsafe(n * 3 + spare);
  if (channels === 3) {
    out.set(data);
    return out;
  }
  for (let p = 0, s = 0, d = 0; p < n; p++, s += channels, d += 3) {
    out[d] = data[s] as number;
    out[d + 1] = data[s + 1] as number;
    out[d + 2] = data[s + 2] as number;
  }
  return out;
}

export interface NovelAIOptions {
  /** Verify against this key instead of NovelAI's (tests; a future key rotation). */
  publicKey?: KeyObject;
  /** Skip signature verification (it hashes all pixels: the slow part on large images). */
  skipVerify?: boolean;
}

/**
 * Evidence from NovelAI's alpha-channel metadata block, or null when there is none.
 * value says "signed by NovelAI" only when the Ed25519 signature verifies against NovelAI's
 * key; otherwise the block is reported as an unverified NovelAI claim (still a GenAI mark:
 * it is the generator's own metadata, like its PNG text chunks) with the signature state.
 */
export function novelaiEvidence(px: RawPixels, opts: NovelAIOptions = {}): PixelEvidence | null {
  const raw = readNovelAIAlphaBlock(px);
  if (raw === null) return null;
  let meta: PyValue;
  try {
    meta = pyLoads(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch {
    return null;
  }
  if (meta.kind !== "dict") return null;
  const get = (k: string): string | undefined => {
    const v = meta.kind === "dict" ? meta.entries.get(k) : undefined;
    return v?.kind === "str" ? v.value : undefined;
  };
  const software = get("Software");
  const source = get("Source");
  const comment = get("Comment");
  // The block format is shared with other stealth writers: only call it NovelAI's when it says so.
  const saysNovelAI = software === "NovelAI" || (source !== undefined && /novelai|stable diffusion/i.test(source));
  let check: SignatureCheck;
  if (comment === undefined) check = { state: "absent" };
  else if (opts.skipVerify) check = { state: "unchecked" };
  else check = verifyNovelAIComment(px, comment, opts.publicKey);
  if (!saysNovelAI && check.state !== "verified") return null;

  const verified = check.state === "verified";
  const keyName = opts.publicKey === undefined ? "NovelAI" : "injected key";
  return {
    source: "generator",
    field: `${PIXEL_FIELD_PREFIX}alpha-lsb:stealth_pngcomp NovelAI metadata`,
    value: verified ? `signed by ${keyName}${source ? ` (${source})` : ""}` : `NovelAI metadata, signature ${check.state}`,
    signal: "genai",
    detail: {
      kind: "generator metadata in the pixels",
      generator: "NovelAI",
      signature: check.state,
      ...(check.reason ? { signatureReason: check.reason } : {}),
      ...(verified ? { signedBy: keyName } : {}),
      software,
      source,
      metadata: clipDeep(toJs(meta)),
    },
  };
}

function clipDeep(v: unknown): unknown {
  if (typeof v === "string") return clip(v);
  if (Array.isArray(v)) return v.map(clipDeep);
  if (typeof v === "object" && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) o[k] = clipDeep(val);
    return o;
  }
  return v;
}
