// UTF-8 decoding the way Python's `bytes.decode("utf-8", errors="ignore")` does it: invalid
// sequences are dropped (not replaced with U+FFFD, which TextDecoder would do and which
// would then be indistinguishable from a real U+FFFD in the text). The stealth pnginfo
// reader decodes uncompressed payloads this way, so a port that means to read exactly what
// the extension reads has to as well.
//
// Errors are cut as CPython cuts them: a lead byte followed by the longest valid prefix of
// a sequence is one error (the "maximal subpart" rule, which TextDecoder also follows).

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decodeUtf8Ignore(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // fall through: rare, only for payloads with invalid bytes
  }
  const out: number[] = [];
  let i = 0;
  const n = bytes.length;
  const at = (k: number): number => bytes[k] ?? -1;
  while (i < n) {
    const b0 = at(i);
    if (b0 < 0x80) {
      out.push(b0);
      i += 1;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0;
      if (b0 === 0xed) hi = 0x9f; // no surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90;
      if (b0 === 0xf4) hi = 0x8f;
    } else {
      i += 1; // invalid lead byte: dropped
      continue;
    }
    let cp = b0 & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let k = 1;
    for (; k <= need; k++) {
      const b = at(i + k);
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (b < min || b > max) break;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (k <= need) {
      i += k; // the lead byte and the valid part of its tail form one dropped error
      continue;
    }
    out.push(cp);
    i += need + 1;
  }
  // String.fromCodePoint over chunks: a long argument list would overflow the stack.
  let s = "";
  for (let j = 0; j < out.length; j += 8192) s += String.fromCodePoint(...out.slice(j, j + 8192));
  return s;
}
