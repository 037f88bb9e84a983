// Mail: each notice as a plain-text message (notice.ts's mailText), sent with nodemailer over
// SMTP. STARTTLS is required unless the configuration says otherwise (a relay on the same
// host); a password is read from its own file. A refusal the server means for good (5xx
// except 503, a bad address) fails at once; a lost connection, a time-out or a 4xx is tried
// again with the retry policy.

import { createTransport } from "nodemailer";
import { DeliveryError, type Transport } from "./channel.js";
import { mailText, type Envelope } from "./notice.js";

export interface SmtpOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). */
  secure: boolean;
  /** Without `secure`: require STARTTLS (true), or use it only when offered (false). */
  starttls: boolean;
  /** PEM: the CA(s) the relay's certificate must chain to, instead of the system's (null). */
  ca: string | null;
  from: string;
  to: string[];
  auth: { user: string; pass: string } | null;
  timeoutMs: number;
}

/** Errors that end the connection, not the message: worth another try. */
const TRANSIENT = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "EPROTOCOL", "ECONNREFUSED", "ECONNRESET", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

export function smtpRetryable(err: { code?: string | undefined; responseCode?: number | undefined; permanent?: boolean | undefined }): boolean {
  if (typeof err.responseCode === "number") return err.permanent !== undefined ? !err.permanent : (err.responseCode >= 400 && err.responseCode < 500) || err.responseCode === 503;
  return err.code !== undefined && TRANSIENT.has(err.code);
}

export class SmtpTransport implements Transport {
  readonly channel = "smtp";
  readonly label: string;
  private readonly mailer;

  constructor(private readonly o: SmtpOptions) {
    this.label = `mail ${o.host}:${o.port} to ${o.to.length === 1 ? o.to[0] : `${o.to.length} recipients`}`;
    this.mailer = createTransport({
      host: o.host,
      port: o.port,
      secure: o.secure,
      requireTLS: !o.secure && o.starttls,
      // The relay's certificate is always verified: against the facility's CA when one is named.
      tls: { rejectUnauthorized: true, ...(o.ca ? { ca: o.ca } : {}) },
      ...(o.auth ? { auth: { user: o.auth.user, pass: o.auth.pass } } : {}),
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
      // The message is ours and plain text: nothing in it is fetched or read from disk.
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async deliver(e: Envelope, signal: AbortSignal): Promise<void> {
    const { subject, text } = mailText(e);
    try {
      await this.mailer.sendMail({ from: this.o.from, to: this.o.to, subject, text, headers: { "X-Prov-Delivery": e.id, "X-Prov-Event": e.event }, signal });
    } catch (err) {
      const ne = err as { message?: string; code?: string; responseCode?: number; permanent?: boolean };
      const retryable = !signal.aborted && smtpRetryable(ne);
      const msg = ne.message ?? String(err);
      throw new DeliveryError(retryable ? msg : `${msg}${typeof ne.responseCode === "number" ? " (the server refused it; not tried again)" : ""}`, retryable);
    }
  }

  close(): void {
    this.mailer.close();
  }
}
