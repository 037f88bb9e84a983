// The webhook's signature, the scheme Stripe uses: `X-Prov-Signature: t=<unix seconds>,v1=<hex>`
// where the hex is HMAC-SHA256, keyed with the shared secret, of "<t>.<body>" (the body's exact
// bytes). The timestamp is signed too, so a receiver that refuses old timestamps refuses a
// replayed request; the delivery id (X-Prov-Delivery) lets it drop a retry it already took.
// Pure functions (an HMAC is computation, not I/O): the sender signs with them, a receiver in
// JavaScript can verify with them, and the unit tests pin them.

import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "X-Prov-Signature";
export const DELIVERY_HEADER = "X-Prov-Delivery";
/** A receiver refuses a signature older (or newer) than this by default: five minutes, as Stripe's libraries do. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of "<t>.<body>". */
export function signaturePayloadHmac(secret: string | Buffer, t: number, body: string | Buffer): string {
  return createHmac("sha256", secret).update(`${t}.`).update(body).digest("hex");
}

/** The header value for a body sent at `t` (unix seconds). */
export function signatureHeader(secret: string | Buffer, t: number, body: string | Buffer): string {
  return `t=${t},v1=${signaturePayloadHmac(secret, t, body)}`;
}

export type Verification = { ok: true; t: number } | { ok: false; reason: string };

/**
 * What a receiver does: parse the header, refuse a timestamp outside the tolerance, compute
 * the HMAC of "<t>.<raw body>" and compare it in constant time with each v1 in the header
 * (more than one while a secret is being rotated).
 */
export function verifySignature(secret: string | Buffer, header: string | null | undefined, body: string | Buffer, nowSeconds: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): Verification {
  if (!header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === "t" && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === "v1" && /^[0-9a-f]{64}$/.test(v)) v1.push(v);
  }
  if (t === null) return { ok: false, reason: "no timestamp (t=) in the signature" };
  if (v1.length === 0) return { ok: false, reason: "no v1 signature in the header" };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, reason: `timestamp ${t} is more than ${toleranceSeconds} s from now (${nowSeconds})` };
  const expected = Buffer.from(signaturePayloadHmac(secret, t, body), "hex");
  return v1.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected)) ? { ok: true, t } : { ok: false, reason: "the signature does not match the body" };
}
