// Small, bounds-checked byte readers shared by sniff.ts, trailing.ts and archive.ts.
// Every reader returns undefined (never throws, never reads past the end) when the
// bytes are not there, so a parser over a short or hostile buffer states what it
// needs instead of crashing on a RangeError.

export function u8(b: Uint8Array, at: number): number | undefined {
  return at >= 0 && at < b.length ? b[at] : undefined;
}

export function u16le(b: Uint8Array, at: number): number | undefined {
  if (at < 0 || at + 2 > b.length) return undefined;
  return b[at]! | (b[at + 1]! << 8);
}

export function u16be(b: Uint8Array, at: number): number | undefined {
  if (at < 0 || at + 2 > b.length) return undefined;
  return (b[at]! << 8) | b[at + 1]!;
}

export function u32le(b: Uint8Array, at: number): number | undefined {
  if (at < 0 || at + 4 > b.length) return undefined;
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}

export function u32be(b: Uint8Array, at: number): number | undefined {
  if (at < 0 || at + 4 > b.length) return undefined;
  return b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/**
 * A 64-bit little-endian integer as a number. Sizes and offsets above 2^53 cannot be
 * real on any disk; returning undefined for them keeps arithmetic exact everywhere else.
 */
export function u64le(b: Uint8Array, at: number): number | undefined {
  const lo = u32le(b, at);
  const hi = u32le(b, at + 4);
  if (lo === undefined || hi === undefined) return undefined;
  if (hi >= 0x200000) return undefined;
  return hi * 0x100000000 + lo;
}

export function u64be(b: Uint8Array, at: number): number | undefined {
  const hi = u32be(b, at);
  const lo = u32be(b, at + 4);
  if (lo === undefined || hi === undefined) return undefined;
  if (hi >= 0x200000) return undefined;
  return hi * 0x100000000 + lo;
}

/** Do the bytes at `at` equal `sig` (numbers, or an ASCII string)? */
export function startsWith(b: Uint8Array, sig: readonly number[] | string, at = 0): boolean {
  const n = sig.length;
  if (at < 0 || at + n > b.length) return false;
  for (let i = 0; i < n; i++) {
    const want = typeof sig === "string" ? sig.charCodeAt(i) : sig[i];
    if (b[at + i] !== want) return false;
  }
  return true;
}

/** Bytes as Latin-1 text: one char per byte, for matching ASCII signatures. */
export function latin1(b: Uint8Array, at = 0, end = b.length): string {
  return Buffer.from(b.buffer, b.byteOffset + Math.max(0, at), Math.max(0, Math.min(end, b.length) - at)).toString("latin1");
}

/** First index of `needle` in `hay` at or after `from`, or -1. */
export function indexOf(hay: Uint8Array, needle: readonly number[] | string, from = 0): number {
  const n = typeof needle === "string" ? Buffer.from(needle, "latin1") : Uint8Array.from(needle);
  return Buffer.from(hay.buffer, hay.byteOffset, hay.length).indexOf(n, from);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
