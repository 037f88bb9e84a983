// Hostile files the red team made, made here from nothing: a PNG with a 100 MB text chunk
// and XMP nested 10,000 elements deep (the bundled ExifTool takes minutes on it: its XMP
// parser recurses per element and slows down with depth). Each carries `tag` so that two
// made with different tags have different content (prov knows content by its SHA-256).

import zlib from "node:zlib";

/** A PNG chunk: length, type, data, CRC of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

/** A 1x1 grey PNG with `chunks` between its header and its image data. */
export function tinyPng(chunks: readonly Buffer[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk("IHDR", ihdr),
    ...chunks,
    pngChunk("IDAT", zlib.deflateSync(Buffer.from([0, 128]))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A PNG whose tEXt "Comment" chunk holds `bytes` bytes of text (default 100 MB). */
export function bigTextPng(tag: string, bytes = 100 * 1024 * 1024): Buffer {
  const text = Buffer.alloc(bytes, "a");
  text.write(`hostile ${tag} `, 0, "latin1");
  return tinyPng([pngChunk("tEXt", Buffer.concat([Buffer.from("Comment\0", "latin1"), text]))]);
}

/** An XMP packet with `depth` nested rdf:Description/dc:foo elements (default 10,000). */
export function nestedXmp(tag: string, depth = 10_000): Buffer {
  const open = "<rdf:Description><dc:foo>".repeat(depth);
  const close = "</dc:foo></rdf:Description>".repeat(depth);
  return Buffer.from(
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${tag}</dc:title>` +
      `<dc:description>${open}x${close}</dc:description></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`,
    "utf8",
  );
}

/** A PNG carrying the nested XMP in its iTXt "XML:com.adobe.xmp" chunk (where XMP goes in a PNG). */
export function nestedXmpPng(tag: string, depth = 10_000): Buffer {
  const itxt = Buffer.concat([Buffer.from("XML:com.adobe.xmp\0\0\0\0\0", "latin1"), nestedXmp(tag, depth)]);
  return tinyPng([pngChunk("iTXt", itxt)]);
}
