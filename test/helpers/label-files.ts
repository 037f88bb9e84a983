// Builders for small but well-formed media files carrying a tool's metadata exactly where
// the tool writes it: PNG text chunks (tEXt/iTXt) and eXIf, JPEG APP1 (EXIF, XMP), COM and
// APP11 (JUMBF/C2PA), WebP VP8X + EXIF/XMP chunks, and minimal PDFs. The bundled ExifTool
// then reads them as it reads a real file, so the tests see ExifTool's own tag names.

import jpeg from "jpeg-js";

// ------------------------------------------------------------------ bytes

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const u32be = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const u16be = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};

// ------------------------------------------------------------------ TIFF / EXIF

export type ExifValue =
  | { type: "ascii"; value: string }
  /** UNDEFINED bytes, e.g. a UserComment with or without its 8-byte character code. */
  | { type: "undefined"; value: Uint8Array }
  | { type: "short"; value: number };

export interface ExifSpec {
  ifd0?: Record<number, ExifValue>;
  exif?: Record<number, ExifValue>;
}

/** A little-endian TIFF structure ("II*\0") with IFD0 and, if given, an Exif sub-IFD. */
export function tiff(spec: ExifSpec): Buffer {
  const ifd0 = { ...(spec.ifd0 ?? {}) };
  const exifEntries = spec.exif ?? {};
  const hasExif = Object.keys(exifEntries).length > 0;
  if (hasExif) ifd0[0x8769] = { type: "short", value: 0 }; // placeholder, patched below as LONG

  const encode = (v: ExifValue): { type: number; count: number; data: Buffer } => {
    if (v.type === "ascii") {
      const data = Buffer.concat([Buffer.from(v.value, "utf8"), Buffer.from([0])]);
      return { type: 2, count: data.length, data };
    }
    if (v.type === "undefined") return { type: 7, count: v.value.length, data: Buffer.from(v.value) };
    const data = Buffer.alloc(2);
    data.writeUInt16LE(v.value);
    return { type: 3, count: 1, data };
  };

  // Layout: header(8) | IFD0 | IFD0 data | ExifIFD | ExifIFD data
  const parts: Buffer[] = [];
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  parts.push(header);
  let offset = 8;

  const writeIfd = (entries: Record<number, ExifValue>, patch?: (tag: number) => number | undefined): Buffer => {
    const tags = Object.keys(entries)
      .map(Number)
      .sort((a, b) => a - b);
    const dirSize = 2 + tags.length * 12 + 4;
    let dataOffset = offset + dirSize;
    const dir = Buffer.alloc(dirSize);
    dir.writeUInt16LE(tags.length, 0);
    const datas: Buffer[] = [];
    tags.forEach((tag, i) => {
      const at = 2 + i * 12;
      dir.writeUInt16LE(tag, at);
      const patched = patch?.(tag);
      if (patched !== undefined) {
        dir.writeUInt16LE(4, at + 2); // LONG
        dir.writeUInt32LE(1, at + 4);
        dir.writeUInt32LE(patched, at + 8);
        return;
      }
      const { type, count, data } = encode(entries[tag]!);
      dir.writeUInt16LE(type, at + 2);
      dir.writeUInt32LE(count, at + 4);
      if (data.length <= 4) {
        data.copy(dir, at + 8);
      } else {
        dir.writeUInt32LE(dataOffset, at + 8);
        const padded = data.length % 2 ? Buffer.concat([data, Buffer.from([0])]) : data;
        datas.push(padded);
        dataOffset += padded.length;
      }
    });
    dir.writeUInt32LE(0, dirSize - 4);
    const out = Buffer.concat([dir, ...datas]);
    offset += out.length;
    return out;
  };

  // IFD0's size must be known to place the Exif IFD: compute it with a dry run.
  const savedOffset = offset;
  const dry = writeIfd(ifd0, (t) => (t === 0x8769 ? 0 : undefined));
  const exifOffset = savedOffset + dry.length;
  offset = savedOffset;
  parts.push(writeIfd(ifd0, (t) => (t === 0x8769 ? exifOffset : undefined)));
  if (hasExif) parts.push(writeIfd(exifEntries));
  return Buffer.concat(parts);
}

/** EXIF UserComment bytes: 8-byte character code + text (ASCII or big/little-endian UTF-16). */
export function userComment(text: string, code: "ASCII" | "UNICODE" | "none" = "UNICODE"): Uint8Array {
  if (code === "none") return Buffer.from(text, "utf8");
  if (code === "ASCII") return Buffer.concat([Buffer.from("ASCII\0\0\0", "latin1"), Buffer.from(text, "utf8")]);
  // piexif.helper.UserComment.dump(..., encoding="unicode") writes UTF-16BE.
  const le = Buffer.from(text, "utf16le");
  for (let i = 0; i < le.length; i += 2) {
    const a = le[i]!;
    le[i] = le[i + 1]!;
    le[i + 1] = a;
  }
  return Buffer.concat([Buffer.from("UNICODE\0", "latin1"), le]);
}

// ------------------------------------------------------------------ XMP

export function xmpPacket(rdfDescriptionInner: string, namespaces: Record<string, string>, attributes = ""): string {
  const ns = Object.entries(namespaces)
    .map(([p, u]) => `xmlns:${p}="${u}"`)
    .join(" ");
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" ${ns} ${attributes}>${rdfDescriptionInner}</rdf:Description>` +
    `</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/\n/g, "&#xA;");
}

// ------------------------------------------------------------------ PNG

export type PngChunk =
  | { kind: "tEXt"; keyword: string; text: string }
  | { kind: "iTXt"; keyword: string; text: string }
  | { kind: "eXIf"; data: Buffer }
  | { kind: "raw"; type: string; data: Buffer };

function pngChunk(type: string, data: Buffer): Buffer {
  const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
  return Buffer.concat([u32be(data.length), td, u32be(crc32(td))]);
}

/** A 1x1 RGB PNG with the given chunks before IDAT. */
export function png(chunks: PngChunk[]): Buffer {
  const ihdr = Buffer.concat([u32be(1), u32be(1), Buffer.from([8, 2, 0, 0, 0])]);
  // zlib stream of one filtered scanline [0, r, g, b], stored (uncompressed) deflate block.
  const raw = Buffer.from([0, 200, 120, 40]);
  const adler = (() => {
    let a = 1,
      b = 0;
    for (const x of raw) {
      a = (a + x) % 65521;
      b = (b + a) % 65521;
    }
    return ((b << 16) | a) >>> 0;
  })();
  const idat = Buffer.concat([Buffer.from([0x78, 0x01, 0x01]), Buffer.from([raw.length, 0, ~raw.length & 0xff, 0xff]), raw, u32be(adler)]);
  const body = chunks.map((c) => {
    if (c.kind === "tEXt") return pngChunk("tEXt", Buffer.concat([Buffer.from(c.keyword, "latin1"), Buffer.from([0]), Buffer.from(c.text, "latin1")]));
    if (c.kind === "iTXt")
      return pngChunk("iTXt", Buffer.concat([Buffer.from(c.keyword, "latin1"), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(c.text, "utf8")]));
    if (c.kind === "eXIf") return pngChunk("eXIf", c.data);
    return pngChunk(c.type, c.data);
  });
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk("IHDR", ihdr), ...body, pngChunk("IDAT", idat), pngChunk("IEND", Buffer.alloc(0))]);
}

// ------------------------------------------------------------------ JPEG

export type JpegSegment =
  | { kind: "exif"; tiff: Buffer }
  | { kind: "xmp"; xmp: string }
  | { kind: "com"; text: string }
  | { kind: "jumbf"; box: Buffer };

let baseJpeg: Buffer | null = null;
function base(): Buffer {
  if (!baseJpeg) {
    const w = 8,
      h = 8;
    const data = Buffer.alloc(w * h * 4, 0x80);
    baseJpeg = Buffer.from(jpeg.encode({ data, width: w, height: h }, 90).data);
  }
  return baseJpeg;
}

function segment(marker: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(payload.length + 2), payload]);
}

/** An 8x8 baseline JPEG (jpeg-js) with the given segments inserted right after SOI. */
export function jpegFile(segments: JpegSegment[]): Buffer {
  const b = base();
  const segs = segments.map((s) => {
    if (s.kind === "exif") return segment(0xe1, Buffer.concat([Buffer.from("Exif\0\0", "latin1"), s.tiff]));
    if (s.kind === "xmp") return segment(0xe1, Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), Buffer.from(s.xmp, "utf8")]));
    if (s.kind === "com") return segment(0xfe, Buffer.from(s.text, "utf8"));
    // APP11 JPEG-XT box: CI "JP", En (box instance), Z (sequence, from 1), then the box.
    return segment(0xeb, Buffer.concat([Buffer.from("JP", "latin1"), u16be(1), u32be(1), s.box]));
  });
  return Buffer.concat([b.subarray(0, 2), ...segs, b.subarray(2)]);
}

// ------------------------------------------------------------------ WebP

/**
 * An extended (VP8X) WebP: a 1x1 lossless bitstream plus EXIF / XMP chunks, laid out as
 * Pillow writes them (ComfyUI's SaveAnimatedWEBP goes through Pillow).
 */
export function webp(opts: { exif?: Buffer; xmp?: string; animated?: boolean }): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(data.length);
    return Buffer.concat([Buffer.from(type, "latin1"), len, data, data.length % 2 ? Buffer.from([0]) : Buffer.alloc(0)]);
  };
  let flags = 0;
  if (opts.exif) flags |= 0x08;
  if (opts.xmp) flags |= 0x04;
  if (opts.animated) flags |= 0x02;
  const vp8x = Buffer.alloc(10);
  vp8x[0] = flags;
  // canvas width-1 and height-1 (24-bit each) = 0
  const vp8l = Buffer.from([0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00]);
  const parts: Buffer[] = [chunk("VP8X", vp8x)];
  if (opts.animated) {
    const anim = Buffer.alloc(6); // background colour + loop count
    parts.push(chunk("ANIM", anim));
    const anmfHeader = Buffer.alloc(16); // x, y, w-1, h-1 (24-bit each), duration (24), flags
    anmfHeader.writeUIntLE(100, 12, 3);
    parts.push(chunk("ANMF", Buffer.concat([anmfHeader, chunk("VP8L", vp8l)])));
  } else {
    parts.push(chunk("VP8L", vp8l));
  }
  if (opts.exif) parts.push(chunk("EXIF", opts.exif));
  if (opts.xmp) parts.push(chunk("XMP ", Buffer.from(opts.xmp, "utf8")));
  const body = Buffer.concat([Buffer.from("WEBP", "latin1"), ...parts]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from("RIFF", "latin1"), size, body]);
}

// ------------------------------------------------------------------ PDF

/** A one-page PDF 1.7 with an Info dictionary and, if given, an XMP metadata stream. */
export function pdf(info: Record<string, string>, xmp?: string): Buffer {
  const objs: string[] = [];
  objs.push("<< /Type /Catalog /Pages 2 0 R" + (xmp ? " /Metadata 5 0 R" : "") + " >>");
  objs.push("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  objs.push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>");
  const esc = (s: string) => s.replace(/([\\()])/g, "\\$1");
  objs.push("<< " + Object.entries(info).map(([k, v]) => `/${k} (${esc(v)})`).join(" ") + " >>");
  if (xmp) objs.push(`<< /Type /Metadata /Subtype /XML /Length ${Buffer.byteLength(xmp, "utf8")} >>\nstream\n${xmp}\nendstream`);
  let out = "%PDF-1.7\n";
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out, "utf8"));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, "utf8");
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  // XMP is UTF-8; everything else is ASCII.
  return Buffer.from(out, "utf8");
}

// ------------------------------------------------------------------ CBOR (RFC 8949, the subset C2PA uses)

export type Cbor = string | number | boolean | null | Uint8Array | Cbor[] | { [k: string]: Cbor };

function cborHead(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.concat([Buffer.from([(major << 5) | 25]), u16be(n)]);
  return Buffer.concat([Buffer.from([(major << 5) | 26]), u32be(n)]);
}

export function cbor(v: Cbor): Buffer {
  if (v === null) return Buffer.from([0xf6]);
  if (v === true) return Buffer.from([0xf5]);
  if (v === false) return Buffer.from([0xf4]);
  if (typeof v === "number") {
    if (Number.isInteger(v)) return v >= 0 ? cborHead(0, v) : cborHead(1, -1 - v);
    const b = Buffer.alloc(9);
    b[0] = 0xfb;
    b.writeDoubleBE(v, 1);
    return b;
  }
  if (typeof v === "string") {
    const s = Buffer.from(v, "utf8");
    return Buffer.concat([cborHead(3, s.length), s]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([cborHead(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([cborHead(4, v.length), ...v.map(cbor)]);
  const entries = Object.entries(v);
  return Buffer.concat([cborHead(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

// ------------------------------------------------------------------ JUMBF / C2PA

const C2PA_UUID_TAIL = "00110010800000aa00389b71";
const uuidOf = (fourcc: string): Buffer => Buffer.concat([Buffer.from(fourcc, "latin1"), Buffer.from(C2PA_UUID_TAIL, "hex")]);

function box(type: string, data: Buffer): Buffer {
  return Buffer.concat([u32be(8 + data.length), Buffer.from(type, "latin1"), data]);
}

/** A JUMBF superbox: description (type UUID + label) and content boxes. */
export function jumb(fourcc: string, label: string, contents: Buffer[]): Buffer {
  const jumd = box("jumd", Buffer.concat([uuidOf(fourcc), Buffer.from([0x03]), Buffer.from(label, "utf8"), Buffer.from([0])]));
  return box("jumb", Buffer.concat([jumd, ...contents]));
}

export interface AssertionSpec {
  label: string;
  /** CBOR content (the usual case) or JSON content. */
  cbor?: Cbor;
  json?: unknown;
}

export interface ManifestSpec {
  label: string;
  claimGenerator?: string;
  claimGeneratorInfo?: { name: string; version?: string }[];
  claimV2?: boolean;
  title?: string;
  assertions: AssertionSpec[];
}

/** A C2PA manifest store (unsigned: ExifTool reads structure, it validates nothing). */
export function c2paStore(manifests: ManifestSpec[]): Buffer {
  return jumb(
    "c2pa",
    "c2pa",
    manifests.map((m) => {
      const assertions = jumb(
        "c2as",
        "c2pa.assertions",
        m.assertions.map((a) =>
          a.json !== undefined ? jumb("json", a.label, [box("json", Buffer.from(JSON.stringify(a.json), "utf8"))]) : jumb("cbor", a.label, [box("cbor", cbor(a.cbor ?? {}))]),
        ),
      );
      const claim: Record<string, Cbor> = {
        "dc:title": m.title ?? "image.jpg",
        "dc:format": "image/jpeg",
        instanceID: `xmp:iid:${m.label.slice(-12)}`,
        signature: "self#jumbf=c2pa.signature",
        assertions: m.assertions.map((a) => ({ url: `self#jumbf=c2pa.assertions/${a.label}`, hash: new Uint8Array(32) })),
        alg: "sha256",
      };
      if (m.claimGenerator) claim["claim_generator"] = m.claimGenerator;
      if (m.claimGeneratorInfo) claim["claim_generator_info"] = m.claimGeneratorInfo.map((i) => ({ ...i }));
      const claimBox = jumb("c2cl", m.claimV2 ? "c2pa.claim.v2" : "c2pa.claim", [box("cbor", cbor(claim))]);
      const sig = jumb("c2cs", "c2pa.signature", [box("cbor", cbor([new Uint8Array(4), {}, null, new Uint8Array(16)]))]);
      return jumb("c2ma", m.label, [assertions, claimBox, sig]);
    }),
  );
}

// ------------------------------------------------------------------ MP4 / MOV (ISO BMFF)

function fullBox(type: string, version: number, flags: number, data: Buffer): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff));
  return box(type, Buffer.concat([vf, data]));
}

/** A "meta" box with an mdta handler, keys and ilst: how ffmpeg (-movflags use_metadata_tags) and the TC260 video guide store free-form keys. */
export function mdtaMeta(items: Record<string, string>, opts: { fullBox?: boolean } = {}): Buffer {
  const hdlr = fullBox("hdlr", 0, 0, Buffer.concat([Buffer.alloc(4), Buffer.from("mdta", "latin1"), Buffer.alloc(12), Buffer.from([0])]));
  const names = Object.keys(items);
  const keys = fullBox(
    "keys",
    0,
    0,
    Buffer.concat([u32be(names.length), ...names.map((k) => Buffer.concat([u32be(8 + Buffer.byteLength(k)), Buffer.from("mdta", "latin1"), Buffer.from(k, "utf8")]))]),
  );
  const ilst = box(
    "ilst",
    Buffer.concat(
      names.map((k, i) => {
        const data = box("data", Buffer.concat([u32be(1), u32be(0), Buffer.from(items[k]!, "utf8")]));
        return Buffer.concat([u32be(8 + data.length), u32be(i + 1), data]);
      }),
    ),
  );
  // ISO BMFF's meta is a FullBox (udta/meta); Apple's QuickTime moov/meta has no version/flags.
  return opts.fullBox === false ? box("meta", Buffer.concat([hdlr, keys, ilst])) : fullBox("meta", 0, 0, Buffer.concat([hdlr, keys, ilst]));
}

/** A minimal MP4: ftyp, moov (mvhd + the given boxes, e.g. meta or udta), empty mdat. */
export function mp4(moovChildren: Buffer[]): Buffer {
  const ftyp = box("ftyp", Buffer.concat([Buffer.from("isom", "latin1"), u32be(512), Buffer.from("isomiso2mp41", "latin1")]));
  const mvhdBody = Buffer.alloc(96);
  mvhdBody.writeUInt32BE(1000, 8); // timescale
  mvhdBody.writeUInt32BE(0x00010000, 16); // rate 1.0
  mvhdBody.writeUInt16BE(0x0100, 20); // volume 1.0
  const matrix = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
  matrix.forEach((m, i) => mvhdBody.writeUInt32BE(m >>> 0, 32 + i * 4));
  mvhdBody.writeUInt32BE(2, 92); // next track id
  const mvhd = fullBox("mvhd", 0, 0, mvhdBody);
  return Buffer.concat([ftyp, box("moov", Buffer.concat([mvhd, ...moovChildren])), box("mdat", Buffer.alloc(0))]);
}

export const udta = (children: Buffer[]): Buffer => box("udta", Buffer.concat(children));

// ------------------------------------------------------------------ FLAC (Vorbis comments)

/** A FLAC stream header with a Vorbis comment block ("KEY=value"): how PyAV/ffmpeg store container metadata in FLAC. */
export function flac(comments: Record<string, string>): Buffer {
  const streamInfo = Buffer.alloc(34);
  streamInfo.writeUInt16BE(4096, 0);
  streamInfo.writeUInt16BE(4096, 2);
  // 44100 Hz, 2 channels, 16 bits, 0 samples: 20 bits rate | 3 bits ch-1 | 5 bits bps-1 | 36 bits samples
  streamInfo.writeUInt32BE((44100 << 12) | (1 << 9) | (15 << 4), 10);
  const le32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const vendor = Buffer.from("Lavf61.7.100", "utf8");
  const entries = Object.entries(comments).map(([k, v]) => Buffer.from(`${k}=${v}`, "utf8"));
  const vc = Buffer.concat([le32(vendor.length), vendor, le32(entries.length), ...entries.flatMap((e) => [le32(e.length), e])]);
  const header = (last: boolean, type: number, len: number) => Buffer.from([(last ? 0x80 : 0) | type, (len >> 16) & 0xff, (len >> 8) & 0xff, len & 0xff]);
  return Buffer.concat([Buffer.from("fLaC", "latin1"), header(false, 0, 34), streamInfo, header(true, 4, vc.length), vc]);
}

// ------------------------------------------------------------------ MP3 (ID3v2.4 TXXX)

function syncsafe(n: number): Buffer {
  return Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
}

/** An ID3v2.4 tag with user-defined text frames (TXXX, UTF-8) followed by one silent MPEG frame. */
export function mp3(txxx: Record<string, string>, frames: Record<string, string> = {}): Buffer {
  const frame = (id: string, body: Buffer) => Buffer.concat([Buffer.from(id, "latin1"), syncsafe(body.length), Buffer.from([0, 0]), body]);
  const body = Buffer.concat([
    ...Object.entries(frames).map(([id, v]) => frame(id, Buffer.concat([Buffer.from([3]), Buffer.from(v, "utf8")]))),
    ...Object.entries(txxx).map(([d, v]) => frame("TXXX", Buffer.concat([Buffer.from([3]), Buffer.from(d, "utf8"), Buffer.from([0]), Buffer.from(v, "utf8")]))),
  ]);
  const id3 = Buffer.concat([Buffer.from("ID3", "latin1"), Buffer.from([4, 0, 0]), syncsafe(body.length), body]);
  const mpeg = Buffer.alloc(417);
  mpeg.set([0xff, 0xfb, 0x90, 0x64]); // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
  return Buffer.concat([id3, mpeg, mpeg]);
}
