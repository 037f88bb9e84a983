// C4 IDs (SMPTE ST 2114): the SHA-512 of the content written as one big-endian number in
// base58, left-padded with "1" (the alphabet's zero) to 88 characters, prefixed "c4".
// ASC MHL uses them to chain generation files together and as its "c4" hash format.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const DIGITS = 88;
const C4_RE = /^c4[1-9A-HJ-NP-Za-km-z]{88}$/;
const MAX_SHA512 = (1n << 512n) - 1n;

/** The C4 ID of a SHA-512 digest (64 bytes). */
export function c4FromSha512(digest: Uint8Array): string {
  if (digest.length !== 64) throw new Error(`c4: expected a 64-byte SHA-512 digest, got ${digest.length} bytes`);
  let n = BigInt("0x" + Buffer.from(digest).toString("hex"));
  const out: string[] = [];
  while (n > 0n) {
    out.push(ALPHABET[Number(n % 58n)]!);
    n /= 58n;
  }
  return "c4" + out.reverse().join("").padStart(DIGITS, "1");
}

/** The 64 bytes a C4 ID stands for: what ASC MHL feeds to directory hashes in the c4 format. */
export function c4ToBytes(id: string): Buffer {
  if (!C4_RE.test(id)) throw new Error(`c4: not a C4 ID: ${JSON.stringify(id)}`);
  let n = 0n;
  for (let i = 2; i < id.length; i++) n = n * 58n + BigInt(ALPHABET.indexOf(id[i]!));
  // 88 base58 digits can hold a little more than 512 bits; such an ID names no SHA-512.
  if (n > MAX_SHA512) throw new Error(`c4: C4 ID out of range: ${id}`);
  return Buffer.from(n.toString(16).padStart(128, "0"), "hex");
}

export function isC4Id(s: string): boolean {
  return C4_RE.test(s);
}

/** C4 ID of in-memory data (strings are hashed as UTF-8). */
export function c4id(data: Uint8Array | string): string {
  return c4FromSha512(createHash("sha512").update(data).digest());
}

/** C4 ID of a file, read in a stream so its size does not matter. */
export async function c4File(path: string): Promise<string> {
  const h = createHash("sha512");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return c4FromSha512(h.digest());
}
