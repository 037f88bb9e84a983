// The notifier `prov watch` holds: one envelope per notice (its id shared by every channel and
// every retry), handed to each configured channel's own queue. notify() only pushes: it never
// waits, so the gate never does. Built from config.notify; the secrets are read here, when the
// watcher starts (refused when a secret file is readable by others).

import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { NotifyConfig } from "../../config.js";
import { Channel, type ChannelName, type ChannelStatus, type Transport } from "./channel.js";
import { CommandTransport } from "./command.js";
import { envelope, type Notice } from "./notice.js";
import { readSecretFile } from "./secret.js";
import { log } from "../../log.js";
import { SmtpTransport } from "./smtp.js";
import { WebhookTransport } from "./webhook.js";
import { readCaFile } from "./secret.js";

export type NotifyStatus = Record<ChannelName, ChannelStatus | null>;

/**
 * The secrets config.notify names (the webhook's key, the SMTP password), read from their
 * files; throws ConfigError naming the file and key for one it refuses. `prov watch` calls
 * it before it opens anything, so a bad secret file changes nothing.
 */
export function readNotifySecrets(n: NotifyConfig, configFile: string | null): { webhookSecret: string | null; smtpPassword: string | null; smtpCa: string | null } {
  return {
    smtpCa: n.smtp?.ca ? readCaFile(n.smtp.ca, "notify.smtp.ca", configFile) : null,
    webhookSecret: n.webhook ? readSecretFile(n.webhook.secretFile, "notify.webhook.secretFile", configFile) : null,
    smtpPassword: n.smtp?.passwordFile ? readSecretFile(n.smtp.passwordFile, "notify.smtp.passwordFile", configFile) : null,
  };
}

export class Notifier {
  private readonly channels: Channel[];
  private closed = false;

  constructor(channels: Channel[]) {
    this.channels = channels;
  }

  /** The channels config.notify names (null: none). Throws ConfigError for a secret file it refuses. */
  static fromConfig(n: NotifyConfig, configFile: string | null, version: string): Notifier {
    const retry = { attempts: n.retry.attempts, firstDelayMs: n.retry.firstDelaySeconds * 1000, maxDelayMs: n.retry.maxDelaySeconds * 1000 };
    const secrets = readNotifySecrets(n, configFile);
    const channels: Channel[] = [];
    const add = (t: Transport, attempts: number): void => void channels.push(new Channel(t, { policy: { ...retry, attempts }, queueMax: n.queueSize }));
    // The command hook is the facility's program: run once per notice, never retried.
    if (n.command) add(new CommandTransport(n.command), 1);
    if (n.webhook) {
      add(new WebhookTransport({ url: n.webhook.url, secret: secrets.webhookSecret!, headers: n.webhook.headers, timeoutMs: n.webhook.timeoutSeconds * 1000, userAgent: `prov/${version}` }), retry.attempts);
    }
    if (n.smtp) {
      const s = n.smtp;
      const auth = s.user !== null && secrets.smtpPassword !== null ? { user: s.user, pass: secrets.smtpPassword } : null;
      add(new SmtpTransport({ host: s.host, port: s.port, secure: s.secure, starttls: s.starttls, ca: secrets.smtpCa, from: s.from, to: s.to, auth, timeoutMs: s.timeoutSeconds * 1000 }), retry.attempts);
    }
    return new Notifier(channels);
  }

  notify(n: Notice): void {
    if (this.closed) return void log.warn(`a ${n.event} notice came after the notifier closed; not sent: ${n.reason}`);
    const e = envelope(n, randomUUID(), new Date().toISOString(), hostname());
    for (const c of this.channels) c.push(e);
  }

  /** Per channel (null: not configured): sent, failed, pending, dropped, the last failure. */
  status(): NotifyStatus {
    const of = (name: ChannelName): ChannelStatus | null => this.channels.find((c) => c.transport.channel === name)?.status() ?? null;
    return { command: of("command"), webhook: of("webhook"), smtp: of("smtp") };
  }

  /** What logs say the notice went to ("webhook https://…, mail …"). */
  get labels(): string[] {
    return this.channels.map((c) => c.transport.label);
  }

  idle(): Promise<void> {
    return Promise.all(this.channels.map((c) => c.idle())).then(() => undefined);
  }

  /** Deliver what is queued within `ms` (each channel on its own), then give up on the rest. */
  close(ms: number): Promise<void> {
    this.closed = true;
    return Promise.all(this.channels.map((c) => c.close(ms))).then(() => undefined);
  }
}
