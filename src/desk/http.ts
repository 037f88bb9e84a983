// HTTP plumbing for the desk (node:http, no framework): bodies read with a limit, forms
// (urlencoded and multipart), cookies, the security headers every answer carries, and the
// one place an error becomes a status.

import type { IncomingMessage, ServerResponse } from "node:http";
import { ProvError } from "../domain/errors.js";

/** Refused with 413 when a body is larger. */
export class TooLarge extends Error {}
/** An HTTP answer that is not a success, with the sentence to show. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > limit) throw new HttpError(413, `the upload is larger than ${Math.round(limit / 1024 ** 2)} MiB`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpError(413, `the upload is larger than ${Math.round(limit / 1024 ** 2)} MiB`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export interface UploadedFile {
  filename: string;
  type: string;
  data: Buffer;
}

export interface Form {
  fields: Map<string, string[]>;
  files: Map<string, UploadedFile>;
}

export const field = (f: Form, name: string): string | undefined => {
  const v = f.fields.get(name)?.[0]?.trim();
  return v === "" ? undefined : v;
};
export const fieldAll = (f: Form, name: string): string[] => (f.fields.get(name) ?? []).map((v) => v.trim()).filter((v) => v !== "");

/** The body of a POST as a form: application/x-www-form-urlencoded or multipart/form-data. */
export async function readForm(req: IncomingMessage, limit: number): Promise<Form> {
  const type = req.headers["content-type"] ?? "";
  const body = await readBody(req, limit);
  const fields = new Map<string, string[]>();
  const files = new Map<string, UploadedFile>();
  const add = (k: string, v: string) => fields.set(k, [...(fields.get(k) ?? []), v]);
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) add(k, v);
    return { fields, files };
  }
  const m = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!m) throw new HttpError(415, "send the form as application/x-www-form-urlencoded or multipart/form-data");
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`);
  let pos = body.indexOf(boundary);
  if (pos < 0) throw new HttpError(400, "the form's body has no parts");
  for (;;) {
    pos += boundary.length;
    if (body.subarray(pos, pos + 2).toString() === "--") break;
    pos += 2; // CRLF
    const headEnd = body.indexOf("\r\n\r\n", pos);
    if (headEnd < 0) throw new HttpError(400, "a form part has no end of headers");
    const head = body.subarray(pos, headEnd).toString("utf8");
    const next = body.indexOf(boundary, headEnd + 4);
    if (next < 0) throw new HttpError(400, "a form part is cut short");
    const data = body.subarray(headEnd + 4, next - 2); // CRLF before the boundary
    const disp = /content-disposition:[^\r\n]*?\bname="([^"]*)"(?:[^\r\n]*?\bfilename="([^"]*)")?/i.exec(head);
    const ctype = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? "application/octet-stream";
    if (disp) {
      if (disp[2] !== undefined) {
        if (disp[2] !== "" || data.length > 0) files.set(disp[1]!, { filename: disp[2], type: ctype, data: Buffer.from(data) });
      } else add(disp[1]!, data.toString("utf8"));
    }
    pos = next;
  }
  return { fields, files };
}

export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq).trim(), decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return out;
}

/** Every answer: no framing, no sniffing, no inline script, no referrer, no caching of pages. */
export function securityHeaders(res: ServerResponse): void {
  res.setHeader(
    "Content-Security-Policy",
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "same-origin"); // "no-referrer" would make a form's Origin "null"
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Cache-Control", "no-store");
}

/** An error's HTTP status: the desk's own mapping of the error kinds (src/domain/errors.ts). */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof ProvError) {
    switch (err.kind) {
      case "input":
        return 400;
      case "not-found":
        return 404;
      case "refused":
        return 409;
      case "config":
      case "store":
      case "lease":
        return 503;
      case "internal":
        return 500;
    }
  }
  return 500;
}

export function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

export function redirect(res: ServerResponse, to: string): void {
  res.statusCode = 303;
  res.setHeader("Location", to);
  res.end();
}
