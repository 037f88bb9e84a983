// Notices by mail: a real `prov watch` sends each notice through nodemailer to a minimal SMTP
// server on a loopback socket (test/helpers/smtp.ts), logging in with the password from its
// owner-only file. A relay that answers 451 gets the message again.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startSmtpServer, type SmtpServer } from "../helpers/smtp.js";
import { disposeAll, parseJson, Sandbox, sha256, uniqueGenaiPng, waitBlocked, waitFor, write } from "./helpers.js";

afterAll(disposeAll);

const PASSWORD = "smtp-pass-4417";

function withSmtp(sb: Sandbox, server: SmtpServer, also: Record<string, unknown> = {}, smtp: Record<string, unknown> = {}): void {
  fs.writeFileSync(path.join(sb.dir, "smtp.password"), `${PASSWORD}\n`, { mode: 0o600 });
  const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as Record<string, unknown>;
  cfg["notify"] = {
    ...also,
    smtp: { host: "127.0.0.1", port: server.port, starttls: false, from: "prov <prov@post.example>", to: ["sup@post.example", "vfx@post.example"], user: "prov", passwordFile: "smtp.password", ...smtp },
    retry: { attempts: 4, firstDelaySeconds: 0.2, maxDelaySeconds: 1 },
  };
  fs.writeFileSync(sb.config, JSON.stringify(cfg, null, 2));
}

/** A CA, and a certificate it signed for 127.0.0.1 (openssl), in `dir`. */
function makeCerts(dir: string): { ca: string; key: string; cert: string; otherCa: string } {
  const ssl = (args: string[]): void => {
    const o = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (o.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${o.stderr}`);
  };
  ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=prov test mail CA"]);
  ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=another CA"]);
  ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "relay.key", "-out", "relay.csr", "-subj", "/CN=127.0.0.1"]);
  fs.writeFileSync(path.join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  ssl(["x509", "-req", "-in", "relay.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "relay.pem", "-days", "2", "-extfile", "san.ext"]);
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), "utf8");
  return { ca: path.join(dir, "ca.pem"), otherCa: path.join(dir, "other.pem"), key: read("relay.key"), cert: read("relay.pem") };
}

/** A header's value from a received message (unfolded). */
function header(data: string, name: string): string | undefined {
  const head = data.split("\r\n\r\n")[0]!.replace(/\r\n[ \t]+/g, " ");
  return new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1];
}

/** The text body, decoded from quoted-printable when the mail says so (long lines are soft-wrapped). */
function textBody(data: string): string {
  const body = data.split("\r\n\r\n").slice(1).join("\r\n\r\n");
  if (!/quoted-printable/i.test(header(data, "Content-Transfer-Encoding") ?? "")) return body;
  const bytes = body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

describe("notices by mail", () => {
  it("a blocked file: a plain-text mail naming the kind and the file, to every recipient, after logging in", async () => {
    const server = await startSmtpServer();
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withSmtp(sb, server);
      const w = await sb.watch();
      const data = uniqueGenaiPng("smtp-1");
      const file = write(path.join(sb.del, "sh020_matte.png"), data);
      const row = await waitBlocked(sb, file, sha256(data));
      const mail = await waitFor(() => server.mails.find((m) => /blocked: sh020_matte\.png/.test(header(m.data, "Subject") ?? "")), "the mail about the blocked file");
      expect(mail.auth).toEqual({ user: "prov", pass: PASSWORD });
      expect(mail.from).toBe("prov@post.example");
      expect(mail.to).toEqual(["sup@post.example", "vfx@post.example"]);
      expect(header(mail.data, "Subject")).toMatch(/^\[prov\] blocked: sh020_matte\.png \(.+\)$/);
      expect(header(mail.data, "Content-Type")).toMatch(/^text\/plain/);
      expect(header(mail.data, "X-Prov-Event")).toBe("blocked");
      expect(header(mail.data, "X-Prov-Delivery")).toMatch(/^[0-9a-f-]{36}$/);
      const body = textBody(mail.data);
      expect(body).toContain(`Path:    ${file}`);
      expect(body).toContain(`quarantineId: ${row.id}`);

      const st = await waitFor(async () => {
        const s = parseJson<{ notify: { smtp: { sent: number; failed: number; target: string } | null } | null }>(await sb.cli(["status", "--json"]));
        return s.notify?.smtp && s.notify.smtp.sent >= 1 ? s.notify.smtp : null;
      }, "prov status to count the mail sent");
      expect(st).toMatchObject({ failed: 0, target: `mail 127.0.0.1:${server.port} to 2 recipients` });
      await w.stop();
      expect(w.stderr).not.toContain(PASSWORD);
    } finally {
      await sb.dispose();
      await server.close();
    }
  });

  it("a relay that answers 451 gets the same message again, and takes it", async () => {
    const server = await startSmtpServer();
    server.failNext = 1;
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      withSmtp(sb, server);
      const w = await sb.watch();
      const data = uniqueGenaiPng("smtp-451");
      await waitBlocked(sb, write(path.join(sb.del, "busy.png"), data), sha256(data));
      const st = await waitFor(async () => {
        const s = parseJson<{ notify: { smtp: { sent: number; failed: number; retries: number } | null } | null }>(await sb.cli(["status", "--json"]));
        return s.notify?.smtp && s.notify.smtp.sent >= 1 ? s.notify.smtp : null;
      }, "the mail to be delivered on a later try");
      expect(st).toMatchObject({ sent: 1, failed: 0, retries: 1 });
      expect(server.mails).toHaveLength(1);
      expect(server.failNext).toBe(0);
      await w.stop();
    } finally {
      await sb.dispose();
      await server.close();
    }
  });

  it("a webhook that hangs does not delay the mail: each channel has its own queue", async () => {
    const server = await startSmtpServer();
    const held: http.ServerResponse[] = [];
    const hook = http.createServer((req, res) => void req.resume().on("end", () => held.push(res)));
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    const sb = await Sandbox.create({ mode: "events", noWorking: true });
    try {
      fs.writeFileSync(path.join(sb.dir, "webhook.secret"), "k3y-for-the-hook\n", { mode: 0o600 });
      withSmtp(sb, server, { webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, secretFile: "webhook.secret", timeoutSeconds: 600 } });
      const w = await sb.watch();
      for (const i of [1, 2]) {
        const data = uniqueGenaiPng(`smtp-hook-${i}`);
        await waitBlocked(sb, write(path.join(sb.del, `both-${i}.png`), data), sha256(data));
      }
      await waitFor(() => server.mails.length >= 2, "both mails, while the webhook holds the first notice");
      expect(held).toHaveLength(1);
      const st = await waitFor(async () => {
        const s = parseJson<{ notify: { smtp: { sent: number } | null; webhook: { sent: number; pending: number } | null } | null }>(await sb.cli(["status", "--json"]));
        return s.notify?.smtp && s.notify.smtp.sent >= 2 && s.notify.webhook && s.notify.webhook.pending >= 2 ? s.notify : null;
      }, "prov status: mail sent, webhook pending");
      expect(st.webhook).toMatchObject({ sent: 0 });
      await w.stop();
    } finally {
      await sb.dispose();
      for (const r of held) r.destroy();
      hook.closeAllConnections();
      await new Promise((r) => hook.close(r));
      await server.close();
    }
  });

  describe("over TLS (STARTTLS, required by default)", () => {
    it("a relay whose certificate the facility's CA signed (notify.smtp.ca) gets the mail over TLS", async () => {
      const sb = await Sandbox.create({ mode: "events", noWorking: true });
      const certs = makeCerts(sb.scratch);
      const server = await startSmtpServer({ tls: { key: certs.key, cert: certs.cert } });
      try {
        withSmtp(sb, server, {}, { starttls: true, ca: certs.ca });
        const w = await sb.watch();
        const data = uniqueGenaiPng("smtp-tls");
        await waitBlocked(sb, write(path.join(sb.del, "tls.png"), data), sha256(data));
        const mail = await waitFor(() => server.mails.find((m) => /blocked: tls\.png/.test(header(m.data, "Subject") ?? "")), () => `the mail over TLS: ${w.stderr.slice(-2000)}`);
        expect(mail.tls).toBe(true);
        expect(server.logins).toEqual([{ user: "prov", tls: true }]);
        expect(mail.auth).toEqual({ user: "prov", pass: PASSWORD });
        await w.stop();
      } finally {
        await sb.dispose();
        await server.close();
      }
    });

    it("a relay that offers no STARTTLS, or whose certificate another CA signed, gets nothing: the password never goes out in clear, and status shows the failure", async () => {
      const sb = await Sandbox.create({ mode: "events", noWorking: true });
      const certs = makeCerts(sb.scratch);
      for (const [label, server, ca] of [
        ["no STARTTLS", await startSmtpServer(), certs.ca],
        ["another CA", await startSmtpServer({ tls: { key: certs.key, cert: certs.cert } }), certs.otherCa],
      ] as const) {
        try {
          withSmtp(sb, server, {}, { starttls: true, ca });
          const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as { notify: { retry: Record<string, number> } };
          cfg.notify.retry = { attempts: 2, firstDelaySeconds: 0.1, maxDelaySeconds: 0.2 };
          fs.writeFileSync(sb.config, JSON.stringify(cfg, null, 2));
          const w = await sb.watch();
          const data = uniqueGenaiPng(`smtp-refused-${label}`);
          await waitBlocked(sb, write(path.join(sb.del, `refused-${label.replace(/ /g, "-")}.png`), data), sha256(data));
          const st = await waitFor(async () => {
            const s = parseJson<{ notify: { smtp: { sent: number; failed: number; lastFailure: { error: string } | null } | null } | null }>(await sb.cli(["status", "--json"]));
            return s.notify?.smtp && s.notify.smtp.failed >= 1 ? s.notify.smtp : null;
          }, () => `prov status to count the failed mail (${label}): ${w.stderr.slice(-2000)}`);
          expect(st.sent, label).toBe(0);
          expect(st.lastFailure?.error, label).toMatch(label === "no STARTTLS" ? /STARTTLS/i : /certificate/i);
          expect(server.mails, label).toEqual([]);
          expect(server.logins, label).toEqual([]);
          const text = await sb.cli(["status"]);
          expect(text.stdout, label).toMatch(/failed/);
          await w.stop();
        } finally {
          await server.close();
        }
      }
      await sb.dispose();
    });

    it("a CA file that is not a certificate is refused at start, naming the file", async () => {
      const sb = await Sandbox.create({ mode: "events", noWorking: true });
      const server = await startSmtpServer();
      try {
        const bad = path.join(sb.dir, "mail-ca.pem");
        fs.writeFileSync(bad, "not a certificate\n");
        withSmtp(sb, server, {}, { starttls: true, ca: "mail-ca.pem" });
        const r = await sb.cli(["watch"]);
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(`notify.smtp.ca: ${bad} holds no PEM certificate`);
      } finally {
        await sb.dispose();
        await server.close();
      }
    });
  });
});
