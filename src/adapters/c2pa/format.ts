// c2pa-rs picks its asset handler from a format string (MIME type or extension). Post-house
// files are often misnamed (a .mov that is MP4, a .jpg that is PNG), so the first bytes
// decide and the extension is only the fallback.

import { open } from "node:fs/promises";
import { extname } from "node:path";

const BY_EXTENSION: Record<string, string> = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", gif: "image/gif", webp: "image/webp",
  tif: "image/tiff", tiff: "image/tiff", dng: "image/x-adobe-dng", heic: "image/heic", heif: "image/heif",
  avif: "image/avif", jxl: "image/jxl", svg: "image/svg+xml", mp4: "video/mp4", m4v: "video/mp4",
  mov: "video/quicktime", m4a: "audio/mp4", mp3: "audio/mpeg", wav: "audio/wav", avi: "video/msvideo",
  flac: "audio/flac", pdf: "application/pdf", c2pa: "application/c2pa",
};

/** ISO BMFF major brands → MIME. Anything else with an ftyp box is handled as MP4. */
const BRANDS: Record<string, string> = {
  "qt  ": "video/quicktime", heic: "image/heic", heix: "image/heic", mif1: "image/heif", msf1: "image/heif",
  avif: "image/avif", avis: "image/avif", "M4A ": "audio/mp4",
};

export function formatFromBytes(head: Uint8Array): string | undefined {
  const ascii = (from: number, to: number): string => String.fromCharCode(...head.subarray(from, to));
  if (head.length < 4) return undefined;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  if (ascii(0, 8) === "\x89PNG\r\n\x1a\n") return "image/png";
  if (ascii(0, 4) === "RIFF" && head.length >= 12) {
    const kind = ascii(8, 12);
    if (kind === "WEBP") return "image/webp";
    if (kind === "WAVE") return "audio/wav";
    if (kind === "AVI ") return "video/msvideo";
  }
  if (ascii(4, 8) === "ftyp" && head.length >= 12) return BRANDS[ascii(8, 12)] ?? "video/mp4";
  if (ascii(4, 8) === "jumb") return "application/c2pa";
  if ((head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2a) || (head[0] === 0x4d && head[1] === 0x4d && head[3] === 0x2a)) return "image/tiff";
  if (ascii(0, 5) === "%PDF-") return "application/pdf";
  if (ascii(0, 3) === "ID3" || (head[0] === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) return "audio/mpeg";
  if (ascii(0, 4) === "fLaC") return "audio/flac";
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") return "image/gif";
  if (ascii(0, 4) === "\x1a\x45\xdf\xa3") return "video/x-matroska";
  const text = ascii(0, Math.min(head.length, 256)).trimStart();
  if (text.startsWith("<svg") || (text.startsWith("<?xml") && text.includes("<svg"))) return "image/svg+xml";
  return undefined;
}

export function formatFromName(path: string): string | undefined {
  return BY_EXTENSION[extname(path).slice(1).toLowerCase()];
}

/** The format to hand c2pa-rs: sniffed, else by extension, else the extension itself (c2pa-rs will say "unsupported"). */
export async function detectFormat(path: string): Promise<string> {
  const fh = await open(path, "r");
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return formatFromBytes(head.subarray(0, bytesRead)) ?? formatFromName(path) ?? (extname(path).slice(1).toLowerCase() || "application/octet-stream");
  } finally {
    await fh.close();
  }
}
