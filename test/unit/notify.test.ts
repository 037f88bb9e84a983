// Notices' pure rules: the webhook signature (Stripe's scheme), the retry schedule and which
// failures are retried, redaction of secrets in URLs, the mail's text, the configuration's
// checks, secret files, and one channel's queue (tries, drops, a bounded close).
import { createHmac } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_RETRY, httpRetryable, parseRetryAfter, retryDelayMs, retrySchedule } from "../../src/adapters/notify/backoff.js";
import { Channel, DeliveryError, type Transport } from "../../src/adapters/notify/channel.js";
import { envelope, mailText, type Envelope } from "../../src/adapters/notify/notice.js";
import { redactIn, redactUrl } from "../../src/adapters/notify/redact.js";
import { readSecretFile } from "../../src/adapters/notify/secret.js";
import { signatureHeader, verifySignature } from "../../src/adapters/notify/signature.js";
import { smtpRetryable } from "../../src/adapters/notify/smtp.js";
import { WebhookTransport } from "../../src/adapters/notify/webhook.js";
import { parseConfig } from "../../src/config.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prov-notify-unit-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the webhook signature", () => {
  const secret = "whsec_test_5f1c";
  const body = JSON.stringify({ schemaVersion: 1, kind: "blocked", path: "/mnt/final/sh010 é.png" });

  it("is t=<unix>,v1=<hex HMAC-SHA256 of '<t>.<body>'>, as Stripe's", () => {
    const t = 1_765_000_000;
    const h = signatureHeader(secret, t, body);
    const hex = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
    expect(h).toBe(`t=${t},v1=${hex}`);
    // A known answer, so a receiver in another language can check its own code against it.
    expect(signatureHeader("secret", 1700000000, '{"a":1}')).toBe("t=1700000000,v1=" + createHmac("sha256", "secret").update('1700000000.{"a":1}').digest("hex"));
  });

  it("verifies with the secret, the raw body and a timestamp within tolerance", () => {
    const t = 1_765_000_000;
    const h = signatureHeader(secret, t, body);
    expect(verifySignature(secret, h, body, t + 10)).toEqual({ ok: true, t });
    expect(verifySignature(secret, h, Buffer.from(body), t)).toEqual({ ok: true, t });
  });

  it("refuses another secret, a changed body, an old timestamp, a missing or mangled header", () => {
    const t = 1_765_000_000;
    const h = signatureHeader(secret, t, body);
    expect(verifySignature("other", h, body, t)).toMatchObject({ ok: false, reason: /does not match/ });
    expect(verifySignature(secret, h, body.replace("blocked", "held"), t)).toMatchObject({ ok: false, reason: /does not match/ });
    expect(verifySignature(secret, h, body, t + 301)).toMatchObject({ ok: false, reason: /more than 300 s/ });
    expect(verifySignature(secret, h, body, t - 301)).toMatchObject({ ok: false, reason: /more than 300 s/ });
    expect(verifySignature(secret, undefined, body, t)).toMatchObject({ ok: false, reason: /no X-Prov-Signature/ });
    expect(verifySignature(secret, h.replace(/t=\d+/, "t=x"), body, t)).toMatchObject({ ok: false, reason: /no timestamp/ });
    expect(verifySignature(secret, `t=${t}`, body, t)).toMatchObject({ ok: false, reason: /no v1/ });
    // The timestamp is signed: moving it breaks the signature.
    expect(verifySignature(secret, h.replace(`t=${t}`, `t=${t + 1}`), body, t)).toMatchObject({ ok: false, reason: /does not match/ });
  });

  it("accepts any of several v1 signatures (a secret being rotated)", () => {
    const t = 1_765_000_000;
    const old = signatureHeader("old-secret", t, body).split(",")[1]!;
    expect(verifySignature(secret, `${signatureHeader(secret, t, body)},${old}`, body, t).ok).toBe(true);
    expect(verifySignature("old-secret", `${signatureHeader(secret, t, body)},${old}`, body, t).ok).toBe(true);
  });
});

describe("the retry schedule", () => {
  const policy = { attempts: 6, firstDelayMs: 1000, maxDelayMs: 10_000 };

  it("doubles from the first delay up to the longest, each wait jittered within its upper half", () => {
    expect(retrySchedule(policy)).toEqual([
      { afterAttempt: 1, minMs: 500, maxMs: 1000 },
      { afterAttempt: 2, minMs: 1000, maxMs: 2000 },
      { afterAttempt: 3, minMs: 2000, maxMs: 4000 },
      { afterAttempt: 4, minMs: 4000, maxMs: 8000 },
      { afterAttempt: 5, minMs: 5000, maxMs: 10_000 },
    ]);
    expect(retryDelayMs(3, policy, 0.5)).toBe(3000);
    expect(retrySchedule({ ...policy, attempts: 1 })).toEqual([]);
  });

  it("the default tries 8 times over about 2 minutes, never waiting over 5 minutes", () => {
    const s = retrySchedule(DEFAULT_RETRY);
    expect(s).toHaveLength(7);
    expect(s.reduce((a, x) => a + x.maxMs, 0)).toBe(127_000);
    expect(Math.max(...s.map((x) => x.maxMs))).toBeLessThanOrEqual(300_000);
  });

  it("waits at least what Retry-After asks, up to an hour", () => {
    expect(retryDelayMs(1, policy, 0, 30_000)).toBe(30_000);
    expect(retryDelayMs(1, policy, 1, 10)).toBe(1000);
    expect(retryDelayMs(1, policy, 0, 10 * 3600_000)).toBe(3600_000);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Sun, 06 Dec 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Sun, 06 Dec 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter("-5", now)).toBeNull();
  });

  it("retries 5xx, 408 and 429, not any other 4xx", () => {
    for (const s of [500, 502, 503, 504, 408, 429]) expect(httpRetryable(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 410, 413, 422]) expect(httpRetryable(s)).toBe(false);
  });

  it("retries mail on lost connections and 4xx replies, not on permanent refusals", () => {
    expect(smtpRetryable({ code: "ECONNECTION" })).toBe(true);
    expect(smtpRetryable({ code: "ETIMEDOUT" })).toBe(true);
    expect(smtpRetryable({ code: "EMESSAGE", responseCode: 451 })).toBe(true);
    expect(smtpRetryable({ code: "EMESSAGE", responseCode: 451, permanent: false })).toBe(true);
    expect(smtpRetryable({ code: "EENVELOPE", responseCode: 550, permanent: true })).toBe(false);
    expect(smtpRetryable({ code: "EAUTH", responseCode: 535 })).toBe(false);
    expect(smtpRetryable({ code: "EAUTH" })).toBe(false);
  });
});

describe("secrets stay out of logs and status", () => {
  it("redacts user info, query values, fragments and key-like path segments", () => {
    expect(redactUrl("https://user:pa55@hooks.example.com/prov?token=abc123&x=1#frag")).toBe("https://***@hooks.example.com/prov?token=***&x=***#***");
    expect(redactUrl("https://hooks.slack.com/services/T0000000/B0000000/XXXXXXXXXXXXXXXXXXXXXXXX1")).toBe("https://hooks.slack.com/services/T0000000/B0000000/***");
    expect(redactUrl("http://127.0.0.1:8080/notices")).toBe("http://127.0.0.1:8080/notices");
    expect(redactUrl("not a url")).toBe("(a URL that cannot be parsed)");
  });

  it("redacts a URL's secrets inside a message", () => {
    const url = "https://bob:hunter2secret@hooks.example.com/x?token=t0k3n-value";
    expect(redactIn(`cannot reach ${url}: ECONNREFUSED (token t0k3n-value)`, url)).not.toMatch(/hunter2secret|t0k3n-value/);
  });

  it("a secret file must be readable by its owner only, and not empty", () => {
    const f = path.join(tmp, "secret");
    fs.writeFileSync(f, "s3cret\n", { mode: 0o644 });
    fs.chmodSync(f, 0o644);
    expect(() => readSecretFile(f, "notify.webhook.secretFile", "/etc/prov.config.json")).toThrow(
      `/etc/prov.config.json: notify.webhook.secretFile: ${f} is readable by others than its owner (mode 0644)`,
    );
    fs.chmodSync(f, 0o600);
    expect(readSecretFile(f, "notify.webhook.secretFile", "/etc/prov.config.json")).toBe("s3cret");
    fs.writeFileSync(f, "");
    expect(() => readSecretFile(f, "notify.webhook.secretFile", null)).toThrow(/is empty/);
    expect(() => readSecretFile(path.join(tmp, "none"), "notify.smtp.passwordFile", "/c.json")).toThrow(/\/c\.json: notify\.smtp\.passwordFile: cannot read .*none.*ENOENT/);
  });
});

describe("the mail", () => {
  it("names the kind and the file in its subject, in one line; the text says what, where, why, when", () => {
    const e = envelope({ event: "blocked", path: "/mnt/final/ep01/sh010\nv2.png", reason: "genai: C2PA trainedAlgorithmicMedia", detail: { quarantineId: 7, quarantinePath: "/q/2026-12-06/7-sh010.png" } }, "d-1", "2026-12-06T12:00:00.000Z", "edit-01");
    const m = mailText(e);
    expect(m.subject).toBe("[prov] blocked: sh010 v2.png (edit-01)");
    expect(m.text).toContain("blocked: GenAI material moved out of deliverables");
    expect(m.text).toContain("Path:    /mnt/final/ep01/sh010 v2.png");
    expect(m.text).toContain("Why:     genai: C2PA trainedAlgorithmicMedia");
    expect(m.text).toContain("quarantineId: 7");
    expect(m.text).toContain("Notice d-1");
  });
});

describe("configuration", () => {
  const parse = (notify: unknown): ReturnType<typeof parseConfig> => parseConfig("/x/prov.config.json", JSON.stringify({ notify }));

  it("reads the three channels, with defaults, paths from the config's folder", () => {
    const c = parse({
      command: ["bin/hook", "--post"],
      webhook: { url: "https://hooks.example.com/prov", secretFile: "secrets/webhook", headers: { "X-Team": "post" } },
      smtp: { host: "smtp.example.com", from: "prov@example.com", to: ["sup@example.com", "Post Sup <sup2@example.com>"], user: "prov", passwordFile: "/etc/prov/smtp-password" },
    });
    expect(c.notify).toEqual({
      command: ["/x/bin/hook", "--post"],
      webhook: { url: "https://hooks.example.com/prov", secretFile: "/x/secrets/webhook", headers: { "X-Team": "post" }, timeoutSeconds: 10 },
      smtp: { host: "smtp.example.com", port: 587, secure: false, starttls: true, from: "prov@example.com", to: ["sup@example.com", "Post Sup <sup2@example.com>"], user: "prov", passwordFile: "/etc/prov/smtp-password", ca: null, timeoutSeconds: 30 },
      retry: { attempts: 8, firstDelaySeconds: 1, maxDelaySeconds: 300 },
      queueSize: 1000,
    });
    expect(parse({ smtp: { host: "mail", port: 465, from: "a@b", to: "c@d" } }).notify?.smtp).toMatchObject({ port: 465, secure: true, to: ["c@d"], user: null });
    expect(parse({}).notify).toBeNull();
  });

  it("refuses what is wrong, naming the file and the key", () => {
    const cases: Array<[unknown, string | RegExp]> = [
      [{ webhook: { url: "ftp://x/y", secretFile: "s" } }, "/x/prov.config.json: notify.webhook.url: must be an http or https URL, not ftp:"],
      [{ webhook: { url: "hooks.example.com", secretFile: "s" } }, "/x/prov.config.json: notify.webhook.url: is not a URL"],
      [{ webhook: { url: "https://h/p" } }, "/x/prov.config.json: notify.webhook.secretFile: name the file"],
      [{ webhook: { url: "https://h/p", secretFile: "s", headers: { "Content-Type": "text/plain" } } }, "notify.webhook.headers.Content-Type: is set by prov itself"],
      [{ webhook: { url: "https://h/p", secretFile: "s", headers: { "X-A": "1\r\nX-B: 2" } } }, "notify.webhook.headers.X-A: must be one line"],
      [{ webhook: { url: "https://h/p", secretFile: "s", secret: "inline" } }, "/x/prov.config.json: notify.webhook.secret: unknown key"],
      [{ smtp: { host: "m", from: "a@b" } }, "/x/prov.config.json: notify.smtp.to: name at least one recipient"],
      [{ smtp: { host: "m", from: "a@b", to: ["nobody"] } }, '/x/prov.config.json: notify.smtp.to[0]: "nobody" is not a mail address'],
      [{ smtp: { host: "m", from: "a@b", to: "c@d", user: "u" } }, "/x/prov.config.json: notify.smtp.passwordFile: name the file"],
      [{ smtp: { host: "m", from: "a@b", to: "c@d", password: "p" } }, "/x/prov.config.json: notify.smtp.password: unknown key"],
      [{ smtp: { host: "m", from: "a@b", to: "c@d", port: 70000 } }, "/x/prov.config.json: notify.smtp.port: must be a number from 1 to 65535"],
      [{ smtp: { host: "m", from: "a@b", to: "c@d", starttls: "yes" } }, "/x/prov.config.json: notify.smtp.starttls: must be true or false"],
      [{ retry: { firstDelaySeconds: 10, maxDelaySeconds: 5 }, command: "x" }, "/x/prov.config.json: notify.retry.maxDelaySeconds: must not be less than"],
      [{ command: [] }, "/x/prov.config.json: notify.command: name the program"],
      [{ pager: {} }, "/x/prov.config.json: notify.pager: unknown key"],
    ];
    for (const [notify, msg] of cases) expect(() => parse(notify), JSON.stringify(notify)).toThrow(msg);
  });
});

describe("a channel's queue", () => {
  const notice = (i: number): Envelope => envelope({ event: "blocked", path: `/d/${i}.png`, reason: "genai" }, `id-${i}`, new Date().toISOString(), "h");
  /** A transport that answers from a script: each try takes the next answer (an error, or success). */
  function scripted(answers: Array<DeliveryError | null>): Transport & { tries: string[] } {
    const tries: string[] = [];
    return {
      channel: "webhook",
      label: "webhook http://test/",
      tries,
      deliver(e: Envelope): Promise<void> {
        tries.push(e.id);
        const a = answers.shift();
        return a ? Promise.reject(a) : Promise.resolve();
      },
    };
  }
  const fast = { attempts: 4, firstDelayMs: 1, maxDelayMs: 4 };

  it("tries a notice again after a retryable failure, with the same id, until it is delivered", async () => {
    const t = scripted([new DeliveryError("HTTP 500", true), new DeliveryError("HTTP 503", true), null]);
    const c = new Channel(t, { policy: fast, queueMax: 10 });
    c.push(notice(1));
    await c.idle();
    expect(t.tries).toEqual(["id-1", "id-1", "id-1"]);
    expect(c.status()).toMatchObject({ sent: 1, failed: 0, pending: 0, retries: 2, lastFailure: null });
  });

  it("fails at once on a refusal, and after the last try otherwise; the next notice goes on", async () => {
    const t = scripted([new DeliveryError("HTTP 400 Bad Request", false), ...Array.from({ length: 4 }, () => new DeliveryError("HTTP 502", true)), null]);
    const c = new Channel(t, { policy: fast, queueMax: 10 });
    for (const i of [1, 2, 3]) c.push(notice(i));
    await c.idle();
    expect(t.tries).toEqual(["id-1", "id-2", "id-2", "id-2", "id-2", "id-3"]);
    expect(c.status()).toMatchObject({ sent: 1, failed: 2, retries: 3, lastFailure: { kind: "blocked", error: "HTTP 502 (after 4 tries)", attempts: 4 } });
  });

  it("drops the oldest notices when the queue is full, and counts them", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tries: string[] = [];
    const t: Transport = { channel: "smtp", label: "mail test", deliver: (e) => (tries.push(e.id), gate) };
    const c = new Channel(t, { policy: fast, queueMax: 2 });
    for (const i of [1, 2, 3, 4]) c.push(notice(i));
    expect(c.status()).toMatchObject({ pending: 3, dropped: 1 });
    release();
    await c.idle();
    expect(tries).toEqual(["id-1", "id-3", "id-4"]);
    expect(c.status()).toMatchObject({ sent: 3, dropped: 1, pending: 0 });
  });

  it("a close gives up on waits past its deadline and aborts what hangs", async () => {
    const t: Transport = {
      channel: "webhook",
      label: "webhook hangs",
      deliver: (_e, signal) => new Promise((_r, reject) => signal.addEventListener("abort", () => reject(new DeliveryError("aborted", true)))),
    };
    const c = new Channel(t, { policy: { attempts: 8, firstDelayMs: 60_000, maxDelayMs: 60_000 }, queueMax: 10 });
    c.push(notice(1));
    c.push(notice(2));
    await c.close(50);
    expect(c.status()).toMatchObject({ sent: 0, failed: 2, pending: 0 });
    expect(c.status().lastFailure?.error).toMatch(/the watcher stopped/);
  });
});

describe("one webhook try, against a real receiver", () => {
  it("user info in the URL becomes Basic authorization; 429 is retried after its Retry-After; 404 is not; a silent receiver times out", async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    let answer: (res: http.ServerResponse) => void = (res) => void res.writeHead(204).end();
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on("end", () => answer(res));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    try {
      const t = new WebhookTransport({ url: `http://ops:p%40ss@127.0.0.1:${port}/hook?token=abc`, secret: "k", headers: {}, timeoutMs: 300, userAgent: "prov/test" });
      expect(t.label).toBe(`webhook http://***@127.0.0.1:${port}/hook?token=***`);
      const e = envelope({ event: "held", path: "/d/x.png", reason: "unknown" }, "id-w", new Date().toISOString(), "h");
      await t.deliver(e, new AbortController().signal);
      expect(seen[0]!.authorization).toBe(`Basic ${Buffer.from("ops:p@ss").toString("base64")}`);

      answer = (res) => void res.writeHead(429, { "Retry-After": "7" }).end();
      await expect(t.deliver(e, new AbortController().signal)).rejects.toMatchObject({ retryable: true, retryAfterMs: 7000, message: "HTTP 429 Too Many Requests" });
      answer = (res) => void res.writeHead(404).end();
      await expect(t.deliver(e, new AbortController().signal)).rejects.toMatchObject({ retryable: false, message: expect.stringContaining("HTTP 404 Not Found") });
      answer = (res) => void res.writeHead(302, { Location: "http://elsewhere.example/" }).end();
      await expect(t.deliver(e, new AbortController().signal)).rejects.toMatchObject({ retryable: false, message: expect.stringContaining("redirects are not followed") });
      answer = () => undefined; // never answers
      await expect(t.deliver(e, new AbortController().signal)).rejects.toMatchObject({ retryable: true, message: "no answer within 0.3 s" });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it("a receiver that is not there is retried, and the error names no secret", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const t = new WebhookTransport({ url: `http://127.0.0.1:${port}/hook?token=sekrit-token-1`, secret: "k", headers: {}, timeoutMs: 2000, userAgent: "prov/test" });
    const e = envelope({ event: "held", path: null, reason: "x" }, "id-x", new Date().toISOString(), "h");
    const err = await t.deliver(e, new AbortController().signal).then(() => null, (x: unknown) => x as DeliveryError);
    expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/ECONNREFUSED/) });
    expect(err!.message).not.toContain("sekrit-token-1");
  });
});
