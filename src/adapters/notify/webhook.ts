// The webhook: each notice POSTed as its JSON envelope, signed (signature.ts) and carrying its
// delivery id, with node's fetch and a time limit per try. A 2xx is delivered; network errors,
// time-outs, 5xx, 408 and 429 are tried again (Retry-After honoured: backoff.ts); any other
// answer is the request's own fault and fails at once. Redirects are not followed: the signed
// body goes only to the configured URL.

import { DELIVERY_HEADER, SIGNATURE_HEADER, signatureHeader } from "./signature.js";
import { httpRetryable, parseRetryAfter } from "./backoff.js";
import { redactIn, redactUrl } from "./redact.js";
import { DeliveryError, type Transport } from "./channel.js";
import type { Envelope } from "./notice.js";

export interface WebhookOptions {
  url: string;
  /** The HMAC key (read from notify.webhook.secretFile). */
  secret: string;
  headers: Record<string, string>;
  timeoutMs: number;
  userAgent: string;
}

/** Why a fetch failed, in a word a person can act on (the URL's secrets redacted). */
function fetchFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return `no answer within ${timeoutMs / 1000} s`;
  if (e?.name === "AbortError") return "aborted";
  const cause = e?.cause;
  if (cause?.message) return cause.code && !cause.message.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return e?.message ?? String(err);
}

export class WebhookTransport implements Transport {
  readonly channel = "webhook";
  readonly label: string;
  /** The URL fetch is given: fetch refuses user info in a URL, so it becomes a Basic Authorization header. */
  private readonly target: string;
  private readonly basic: Record<string, string> = {};

  constructor(
    private readonly o: WebhookOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.label = `webhook ${redactUrl(o.url)}`;
    const u = new URL(o.url);
    if (u.username || u.password) {
      this.basic = { authorization: `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}` };
      u.username = "";
      u.password = "";
    }
    this.target = u.toString();
  }

  async deliver(e: Envelope, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(e);
    // Signed at each try (a fresh timestamp, as Stripe does), the delivery id the same every time.
    const t = Math.floor(this.now() / 1000);
    const headers: Record<string, string> = {
      ...this.basic,
      ...this.o.headers,
      "content-type": "application/json",
      "user-agent": this.o.userAgent,
      [SIGNATURE_HEADER]: signatureHeader(this.o.secret, t, body),
      [DELIVERY_HEADER]: e.id,
      "X-Prov-Event": e.event,
    };
    let res: Response;
    try {
      res = await fetch(this.target, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.any([signal, AbortSignal.timeout(this.o.timeoutMs)]) });
    } catch (err) {
      throw new DeliveryError(redactIn(fetchFailure(err, this.o.timeoutMs), this.o.url), !signal.aborted);
    }
    // The answer's body is not read: a receiver's page must not fill memory.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return;
    const what = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
    if (res.status >= 300 && res.status < 400) throw new DeliveryError(`${what}: redirects are not followed (configure the URL it redirects to)`, false);
    const retryable = httpRetryable(res.status);
    throw new DeliveryError(retryable ? what : `${what} (the receiver refused it; not tried again)`, retryable, parseRetryAfter(res.headers.get("retry-after"), this.now()));
  }
}
