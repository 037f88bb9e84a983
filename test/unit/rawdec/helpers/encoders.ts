// Hand-built BMP, TGA and Netpbm writers for the variants ffmpeg and ImageMagick do not
// write (RLE4, OS/2 headers, top-down, right-to-left TGA, ...), and for malformed files.
// Straight from the format descriptions; kept simple, not fast.

/** A picture as the tests hold it: top-down rows, channels interleaved. */
export interface Picture {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

class Writer {
  private buf = new Uint8Array(1024);
  length = 0;
  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  u8(...v: number[]): this {
    this.grow(v.length);
    for (const x of v) this.buf[this.length++] = x & 0xff;
    return this;
  }
  u16(v: number): this {
    return this.u8(v, v >> 8);
  }
  u32(v: number): this {
    return this.u8(v, v >> 8, v >> 16, v >>> 24);
  }
  bytes(b: ArrayLike<number>): this {
    this.grow(b.length);
    for (let i = 0; i < b.length; i++) this.buf[this.length++] = b[i]!;
    return this;
  }
  text(s: string): this {
    return this.bytes(Buffer.from(s, "latin1"));
  }
  at(offset: number, f: (w: Writer) => void): this {
    const saved = this.length;
    this.length = offset;
    f(this);
    this.length = Math.max(saved, this.length);
    return this;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

// ---------------------------------------------------------------------------------- BMP

export interface BmpOptions {
  width: number;
  height: number;
  /** 12 (OS/2 1.x core), 40, 52, 56, 64 (OS/2 2.x), 108 (V4), 124 (V5). */
  header: 12 | 40 | 52 | 56 | 64 | 108 | 124;
  bpp: 1 | 4 | 8 | 16 | 24 | 32;
  compression?: number;
  topDown?: boolean;
  /** RGB triples. */
  palette?: Uint8Array;
  clrUsed?: number;
  /** [red, green, blue, alpha] masks for BITFIELDS. */
  masks?: [number, number, number, number];
  /** Pixel data exactly as stored (rows in file order, padded), or an RLE stream. */
  pixels: Uint8Array;
}

export function bmpFile(o: BmpOptions): Uint8Array {
  const w = new Writer();
  const compression = o.compression ?? 0;
  const masksAfter = o.header === 40 && (compression === 3 || compression === 6) ? (compression === 6 ? 16 : 12) : 0;
  const paletteBytes = o.palette ? (o.palette.length / 3) * (o.header === 12 ? 3 : 4) : 0;
  const dataOffset = 14 + o.header + masksAfter + paletteBytes;
  w.text("BM").u32(dataOffset + o.pixels.length).u32(0).u32(dataOffset);
  w.u32(o.header);
  if (o.header === 12) {
    w.u16(o.width).u16(o.height).u16(1).u16(o.bpp);
  } else {
    w.u32(o.width).u32(o.topDown ? -o.height : o.height).u16(1).u16(o.bpp);
    w.u32(compression).u32(o.pixels.length).u32(2835).u32(2835).u32(o.clrUsed ?? 0).u32(0);
    const m = o.masks ?? [0, 0, 0, 0];
    if (o.header >= 52 && o.header !== 64) w.u32(m[0]).u32(m[1]).u32(m[2]);
    if (o.header >= 56 && o.header !== 64) w.u32(m[3]);
    if (o.header >= 108) {
      w.u32(0x73524742); // 'sRGB'
      while (w.length < 14 + o.header) w.u8(0);
    }
    if (o.header === 64) while (w.length < 14 + 64) w.u8(0);
    if (masksAfter) {
      w.u32(m[0]).u32(m[1]).u32(m[2]);
      if (masksAfter === 16) w.u32(m[3]);
    }
  }
  if (o.palette) {
    for (let i = 0; i < o.palette.length; i += 3) {
      w.u8(o.palette[i + 2]!, o.palette[i + 1]!, o.palette[i]!);
      if (o.header !== 12) w.u8(0);
    }
  }
  if (w.length !== dataOffset) throw new Error(`bmpFile: header is ${w.length} bytes, expected ${dataOffset}`);
  return w.bytes(o.pixels).done();
}

/** Rows (top-down, each given as its packed bytes) to BMP storage: padded to 4 bytes, bottom-up unless topDown. */
export function bmpRows(rows: Uint8Array[], topDown = false): Uint8Array {
  const w = new Writer();
  const order = topDown ? rows : [...rows].reverse();
  for (const r of order) {
    w.bytes(r);
    for (let i = r.length; i % 4 !== 0; i++) w.u8(0);
  }
  return w.done();
}

/** Indexes (0..2^bpp-1) of one row packed at bpp bits, most significant first. */
export function packIndexes(indexes: ArrayLike<number>, bpp: 1 | 4 | 8): Uint8Array {
  const out = new Uint8Array(Math.ceil((indexes.length * bpp) / 8));
  for (let x = 0; x < indexes.length; x++) {
    const bit = x * bpp;
    out[bit >> 3]! |= indexes[x]! << (8 - bpp - (bit & 7));
  }
  return out;
}

/**
 * BMP RLE8/RLE4 stream for rows of indexes (top-down given, stored bottom-up): runs of equal
 * indexes (RLE4: of an alternating pair), absolute runs for the rest, an end-of-line after
 * each row and an end-of-bitmap at the end.
 */
export function bmpRle(rows: number[][], rle4: boolean): Uint8Array {
  const w = new Writer();
  for (const row of [...rows].reverse()) {
    // Pixels from x that one run codes: equal indexes (RLE8), an alternating pair (RLE4).
    const runLength = (x: number): number => {
      let n = 1;
      while (x + n < row.length && n < 255 && row[x + n] === row[x + (rle4 ? n & 1 : 0)]) n++;
      return n;
    };
    const run = (x: number, n: number): void => {
      w.u8(n, rle4 ? (row[x]! << 4) | (n > 1 ? row[x + 1]! : 0) : row[x]!);
    };
    let x = 0;
    while (x < row.length) {
      const r = runLength(x);
      if (r >= 3) {
        run(x, r);
        x += r;
        continue;
      }
      // Absolute mode up to the next run of 4 or more: 3 to 255 pixels.
      let n = 0;
      while (x + n < row.length && n < 255 && (n === 0 || runLength(x + n) < 4)) n++;
      if (n < 3) {
        run(x, r);
        x += r;
        continue;
      }
      w.u8(0, n);
      if (rle4) {
        const bytes = (n + 1) >> 1;
        for (let i = 0; i < bytes; i++) w.u8((row[x + 2 * i]! << 4) | (2 * i + 1 < n ? row[x + 2 * i + 1]! : 0));
        if (bytes & 1) w.u8(0);
      } else {
        for (let i = 0; i < n; i++) w.u8(row[x + i]!);
        if (n & 1) w.u8(0);
      }
      x += n;
    }
    w.u8(0, 0);
  }
  return w.u8(0, 1).done();
}

// ---------------------------------------------------------------------------------- TGA

export interface TgaOptions {
  /** 1, 2, 3 or 9, 10, 11. */
  type: number;
  width: number;
  height: number;
  bpp: number;
  topToBottom?: boolean;
  rightToLeft?: boolean;
  alphaBits?: number;
  id?: Uint8Array;
  colourMap?: { first: number; bits: 15 | 16 | 24 | 32; entries: Uint8Array };
  /** Pixels in picture order (top-down, left to right), bpp/8 bytes each, as stored (BGR...). */
  pixels: Uint8Array;
  /** RLE packets may run across rows (the default) or stop at each row end. */
  packetsPerRow?: boolean;
  footer?: boolean;
}

export function tgaFile(o: TgaOptions): Uint8Array {
  const w = new Writer();
  const Bpp = (o.bpp + 7) >> 3;
  const cm = o.colourMap;
  const cmEntry = cm ? Math.ceil(cm.bits / 8) : 0;
  w.u8(o.id?.length ?? 0, cm ? 1 : 0, o.type);
  w.u16(cm?.first ?? 0).u16(cm ? cm.entries.length / cmEntry : 0).u8(cm?.bits ?? 0);
  w.u16(0).u16(0).u16(o.width).u16(o.height).u8(o.bpp);
  w.u8((o.alphaBits ?? 0) | (o.rightToLeft ? 0x10 : 0) | (o.topToBottom ? 0x20 : 0));
  if (o.id) w.bytes(o.id);
  if (cm) w.bytes(cm.entries);
  // Stream order.
  const stream: Uint8Array[] = [];
  for (let r = 0; r < o.height; r++) {
    const y = o.topToBottom ? r : o.height - 1 - r;
    for (let c = 0; c < o.width; c++) {
      const x = o.rightToLeft ? o.width - 1 - c : c;
      const i = (y * o.width + x) * Bpp;
      stream.push(o.pixels.subarray(i, i + Bpp));
    }
  }
  if (o.type < 9) {
    for (const px of stream) w.bytes(px);
  } else {
    const same = (a: Uint8Array, b: Uint8Array): boolean => a.every((v, i) => v === b[i]);
    let i = 0;
    while (i < stream.length) {
      const rowEnd = o.packetsPerRow ? (Math.floor(i / o.width) + 1) * o.width : stream.length;
      const limit = Math.min(rowEnd, i + 128);
      let run = 1;
      while (i + run < limit && same(stream[i + run]!, stream[i]!)) run++;
      if (run >= 2) {
        w.u8(0x80 | (run - 1)).bytes(stream[i]!);
        i += run;
      } else {
        let n = 1;
        while (i + n < limit && !(i + n + 1 < limit && same(stream[i + n]!, stream[i + n + 1]!))) n++;
        w.u8(n - 1);
        for (let k = 0; k < n; k++) w.bytes(stream[i + k]!);
        i += n;
      }
    }
  }
  if (o.footer) w.u32(0).u32(0).text("TRUEVISION-XFILE.\0");
  return w.done();
}

// ------------------------------------------------------------------------------- Netpbm

/** Plain (ASCII) P1/P2/P3 with comments and ragged line lengths. */
export function plainPnm(p: Picture, kind: "P1" | "P2" | "P3", maxval = 255): Uint8Array {
  let s = `${kind}\n# made by the rawdec tests\n${p.width} # width\n${p.height}\n`;
  if (kind !== "P1") s += `${maxval}\n`;
  const parts: string[] = [];
  for (let i = 0; i < p.data.length; i++) {
    const v = p.data[i]!;
    // P1: 1 is black; digits without separators on alternate rows.
    parts.push(kind === "P1" ? (v < 128 ? "1" : "0") : String(Math.round((v * maxval) / 255)));
  }
  const perLine = 17;
  for (let i = 0; i < parts.length; i += perLine) {
    s += parts.slice(i, i + perLine).join(kind === "P1" && (i / perLine) % 2 === 0 ? "" : " ") + "\n";
  }
  return Buffer.from(s, "latin1");
}

/** Binary PGM/PPM (P5/P6) with any maxval: samples v * maxval / 255 rounded, 2 bytes big-endian past 255. */
export function binaryPnm(p: Picture, maxval: number): Uint8Array {
  const head = `${p.channels === 1 ? "P5" : "P6"}\n${p.width} ${p.height}\n${maxval}\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), samples(p.data, maxval)]);
}

export function pam(p: { data: Uint8Array; width: number; height: number; depth: number }, tupltype: string, maxval: number): Uint8Array {
  const head = `P7\n# rawdec test\nWIDTH ${p.width}\nHEIGHT ${p.height}\nDEPTH ${p.depth}\nMAXVAL ${maxval}\nTUPLTYPE ${tupltype}\nENDHDR\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), samples(p.data, maxval)]);
}

function samples(data: Uint8Array, maxval: number): Buffer {
  const wide = maxval > 255;
  const out = Buffer.alloc(data.length * (wide ? 2 : 1));
  for (let i = 0; i < data.length; i++) {
    const v = Math.round((data[i]! * maxval) / 255);
    if (wide) out.writeUInt16BE(v, i * 2);
    else out[i] = v;
  }
  return out;
}

/** PFM of floats given top-down (stored bottom-up), Pf for 1 channel, PF for 3. */
export function pfm(floats: Float32Array, width: number, height: number, channels: 1 | 3, littleEndian: boolean, scale = 1): Uint8Array {
  const head = Buffer.from(`${channels === 3 ? "PF" : "Pf"}\n${width} ${height}\n${littleEndian ? -scale : scale}\n`, "latin1");
  const body = Buffer.alloc(floats.length * 4);
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < row; i++) {
      const v = floats[(height - 1 - y) * row + i]!;
      if (littleEndian) body.writeFloatLE(v, (y * row + i) * 4);
      else body.writeFloatBE(v, (y * row + i) * 4);
    }
  }
  return Buffer.concat([head, body]);
}
