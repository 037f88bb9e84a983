// Archives built byte by byte, for the hostile cases no archiver will make: sizes that
// lie, local headers that disagree, overlapping members, zip64 with a 5 GiB member
// (written sparsely: the zeros are a hole in the file, so the test needs no disk).

import { open } from "node:fs/promises";
import zlib from "node:zlib";

export interface ZipSpec {
  name: string;
  /** The member's bytes, or a run of zeros that is never written (a hole in a sparse file). */
  data: Uint8Array | { zeros: number };
  method?: 0 | 8;
  /** Lie in the central directory. */
  declaredSize?: number;
  declaredCrc?: number;
  flags?: number;
  methodField?: number;
  /** A different name in the local header than in the central directory. */
  localName?: string;
  /** Point this entry's local offset at another entry's (overlapping members). */
  sameDataAs?: number;
  dataDescriptor?: boolean;
  zip64?: boolean;
  unixMode?: number;
}

interface Laid {
  spec: ZipSpec;
  name: Buffer;
  compressed: Uint8Array | { zeros: number };
  compressedSize: number;
  size: number;
  crc: number;
  offset: number;
}

const POLY = 0xedb88320;

/** (a * b) mod the CRC-32 polynomial, bit-reflected, as in zlib's crc32_combine. */
function multmodp(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** x^(n * 2^k) mod p. */
function x2nmodp(n: number, k: number): number {
  let p = 0x80000000;
  const table: number[] = [0x40000000];
  for (let i = 1; i < 64; i++) table.push(multmodp(table[i - 1]!, table[i - 1]!));
  while (n > 0) {
    if (n % 2 === 1) p = multmodp(table[k % 64]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** CRC-32 of A followed by B, from their CRCs and B's length (zlib's crc32_combine). */
export function crc32Combine(crcA: number, crcB: number, lenB: number): number {
  return (multmodp(x2nmodp(lenB, 3), crcA) ^ crcB) >>> 0;
}

/** CRC-32 of n zero bytes without touching n bytes: doubling with crc32Combine. */
export function crc32OfZeros(n: number): number {
  let result = 0; // CRC of the empty string
  let block = zlib.crc32(new Uint8Array(1)); // CRC of one zero byte
  let blockLen = 1;
  let left = n;
  while (left > 0) {
    if (left % 2 === 1) result = crc32Combine(result, block, blockLen);
    block = crc32Combine(block, block, blockLen);
    blockLen *= 2;
    left = Math.floor(left / 2);
  }
  return result;
}

function le16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}
function le32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}
function le64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** Write a zip to `path`; holes ({ zeros }) are skipped so the file is sparse. Returns each member's local header offset. */
export async function writeZip(path: string, specs: readonly ZipSpec[], opts: { prefix?: Uint8Array; suffix?: Uint8Array } = {}): Promise<number[]> {
  const fh = await open(path, "w");
  let pos = 0;
  const put = async (b: Uint8Array): Promise<void> => {
    await fh.write(b, 0, b.length, pos);
    pos += b.length;
  };
  try {
    if (opts.prefix) await put(opts.prefix);
    const laid: Laid[] = [];
    for (const spec of specs) {
      const name = Buffer.from(spec.name, "utf8");
      const method = spec.method ?? 0;
      let compressed: Uint8Array | { zeros: number };
      let size: number;
      let crc: number;
      if ("zeros" in spec.data) {
        if (method !== 0) throw new Error("holes are stored only");
        compressed = spec.data;
        size = spec.data.zeros;
        crc = crc32OfZeros(size);
      } else {
        size = spec.data.length;
        crc = zlib.crc32(spec.data);
        compressed = method === 8 ? zlib.deflateRawSync(spec.data) : spec.data;
      }
      const compressedSize = "zeros" in compressed ? compressed.zeros : compressed.length;
      const l: Laid = { spec, name, compressed, compressedSize, size, crc, offset: pos };
      if (spec.sameDataAs !== undefined) {
        l.offset = laid[spec.sameDataAs]!.offset;
        laid.push(l);
        continue;
      }
      laid.push(l);
      const z64 = spec.zip64 === true;
      const flags = (spec.flags ?? 0x800) | (spec.dataDescriptor ? 0x8 : 0);
      const localName = Buffer.from(spec.localName ?? spec.name, "utf8");
      const extra = z64 ? Buffer.concat([le16(1), le16(16), le64(size), le64(compressedSize)]) : Buffer.alloc(0);
      const dd = spec.dataDescriptor === true;
      await put(
        Buffer.concat([
          Buffer.from([0x50, 0x4b, 0x03, 0x04]),
          le16(z64 ? 45 : 20),
          le16(flags),
          le16(spec.methodField ?? method),
          le32(0),
          le32(dd ? 0 : crc),
          le32(dd ? 0 : z64 ? 0xffffffff : compressedSize),
          le32(dd ? 0 : z64 ? 0xffffffff : size),
          le16(localName.length),
          le16(extra.length),
          localName,
          extra,
        ]),
      );
      if ("zeros" in compressed) pos += compressed.zeros;
      else await put(compressed);
      if (dd) {
        await put(Buffer.concat([Buffer.from([0x50, 0x4b, 0x07, 0x08]), le32(crc), ...(z64 ? [le64(compressedSize), le64(size)] : [le32(compressedSize), le32(size)])]));
      }
    }
    const cdStart = pos;
    let anyZip64 = false;
    for (const l of laid) {
      const z64 = l.spec.zip64 === true || l.offset > 0xfffffffe;
      anyZip64 ||= z64;
      const size = l.spec.declaredSize ?? l.size;
      const extra = z64 ? Buffer.concat([le16(1), le16(24), le64(size), le64(l.compressedSize), le64(l.offset)]) : Buffer.alloc(0);
      const mode = l.spec.unixMode;
      await put(
        Buffer.concat([
          Buffer.from([0x50, 0x4b, 0x01, 0x02]),
          le16(mode !== undefined ? (3 << 8) | 63 : 63),
          le16(z64 ? 45 : 20),
          le16((l.spec.flags ?? 0x800) | (l.spec.dataDescriptor ? 0x8 : 0)),
          le16(l.spec.methodField ?? l.spec.method ?? 0),
          le32(0),
          le32(l.spec.declaredCrc ?? l.crc),
          le32(z64 ? 0xffffffff : l.compressedSize),
          le32(z64 ? 0xffffffff : size),
          le16(l.name.length),
          le16(extra.length),
          le16(0),
          le16(0),
          le16(0),
          le32(mode !== undefined ? (mode << 16) >>> 0 : 0),
          le32(z64 ? 0xffffffff : l.offset),
          l.name,
          extra,
        ]),
      );
    }
    const cdSize = pos - cdStart;
    if (anyZip64) {
      const recAt = pos;
      await put(Buffer.concat([Buffer.from([0x50, 0x4b, 0x06, 0x06]), le64(44), le16(45), le16(45), le32(0), le32(0), le64(laid.length), le64(laid.length), le64(cdSize), le64(cdStart)]));
      await put(Buffer.concat([Buffer.from([0x50, 0x4b, 0x06, 0x07]), le32(0), le64(recAt), le32(1)]));
    }
    await put(
      Buffer.concat([
        Buffer.from([0x50, 0x4b, 0x05, 0x06]),
        le16(0),
        le16(0),
        le16(anyZip64 ? 0xffff : laid.length),
        le16(anyZip64 ? 0xffff : laid.length),
        le32(anyZip64 ? 0xffffffff : cdSize),
        le32(anyZip64 ? 0xffffffff : cdStart),
        le16(0),
      ]),
    );
    if (opts.suffix) await put(opts.suffix);
    return laid.map((l) => l.offset);
  } finally {
    await fh.close();
  }
}

/** One ustar header block (checksum filled in), for tars built by hand. */
export function tarHeader(name: string, size: number, type = "0", opts: { linkName?: string; checksum?: number; sizeField?: Uint8Array } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  if (opts.sizeField) Buffer.from(opts.sizeField).copy(h, 124);
  else h.write(size.toString(8).padStart(11, "0") + "\0", 124, "latin1");
  h.write("00000000000\0", 136, "latin1");
  h.write(type, 156, "latin1");
  if (opts.linkName) h.write(opts.linkName, 157, 100, "utf8");
  h.write("ustar\0" + "00", 257, "latin1");
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write((opts.checksum ?? sum).toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  return h;
}

/** A tar member: header, data, padding to 512. */
export function tarMember(name: string, data: Uint8Array, type = "0"): Buffer {
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([tarHeader(name, data.length, type), data, pad]);
}

export const TAR_END = Buffer.alloc(1024);
