// A minimal SMTP server for tests (RFC 5321's core: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA,
// RSET, NOOP, QUIT) on a real loopback socket, and STARTTLS (RFC 3207) when given a key and
// certificate. It keeps what it received; `failNext` makes the next messages get a
// transient 451 at the end of DATA, as a busy relay would.
import net from "node:net";
import { StringDecoder } from "node:string_decoder";
import tls from "node:tls";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The message as sent (headers and body), dot-unstuffed, CRLF line ends. */
  data: string;
  /** AUTH PLAIN's identity and password, when the client logged in. */
  auth: { user: string; pass: string } | null;
  /** Whether the message came over TLS (after STARTTLS). */
  tls: boolean;
}

export interface SmtpServer {
  port: number;
  mails: ReceivedMail[];
  /** Every AUTH PLAIN received, and whether it came over TLS. */
  logins: Array<{ user: string; tls: boolean }>;
  /** The next N messages are refused with 451 after DATA. */
  failNext: number;
  close(): Promise<void>;
}

/** With `tls`, the server offers STARTTLS with this key and certificate (PEM). */
export async function startSmtpServer(opts: { tls?: { key: string; cert: string } } = {}): Promise<SmtpServer> {
  const sockets = new Set<net.Socket>();
  const state: SmtpServer = { port: 0, mails: [], logins: [], failNext: 0, close: () => Promise.resolve() };
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    let io: net.Socket = sock;
    let secured = false;
    const say = (line: string): void => void io.write(`${line}\r\n`);
    let buf = "";
    let mail: Omit<ReceivedMail, "data" | "tls"> | null = null;
    let auth: ReceivedMail["auth"] = null;
    let data: string[] | null = null;
    let authWait = false;
    const plain = (b64: string): void => {
      const [, user = "", pass = ""] = Buffer.from(b64, "base64").toString("utf8").split("\0");
      auth = { user, pass };
      state.logins.push({ user, tls: secured });
      say("235 2.7.0 Authentication successful");
    };
    const line = (l: string): void => {
      if (data) {
        if (l !== ".") return void data.push(l.startsWith("..") ? l.slice(1) : l);
        const m = { ...mail!, data: data.join("\r\n") + "\r\n", auth, tls: secured };
        data = null;
        mail = null;
        if (state.failNext > 0) {
          state.failNext--;
          return say("451 4.3.0 Try again later");
        }
        state.mails.push(m);
        return say("250 2.0.0 Ok: queued");
      }
      if (authWait) {
        authWait = false;
        return plain(l);
      }
      const [verb = "", ...rest] = l.split(" ");
      const arg = rest.join(" ");
      switch (verb.toUpperCase()) {
        case "EHLO":
          return say(`250-localhost\r\n${opts.tls && !secured ? "250-STARTTLS\r\n" : ""}250-AUTH PLAIN\r\n250 8BITMIME`);
        case "STARTTLS": {
          if (!opts.tls || secured) return say("502 5.5.2 Error: command not recognized");
          say("220 2.0.0 Ready to start TLS");
          // RFC 3207: everything known before is forgotten; the client says EHLO again.
          sock.removeAllListeners("data");
          buf = "";
          text = new StringDecoder("utf8");
          mail = null;
          auth = null;
          const t = new tls.TLSSocket(sock, { isServer: true, key: opts.tls.key, cert: opts.tls.cert });
          t.on("error", () => undefined);
          t.on("data", onData);
          io = t;
          secured = true;
          return;
        }
        case "HELO":
          return say("250 localhost");
        case "AUTH":
          if (!/^PLAIN\b/i.test(arg)) return say("504 5.5.4 Unrecognized authentication type");
          if (rest[1]) return plain(rest[1]);
          authWait = true;
          return say("334 ");
        case "MAIL":
          mail = { from: /<([^>]*)>/.exec(arg)?.[1] ?? "", to: [], auth };
          return say("250 2.1.0 Ok");
        case "RCPT":
          if (!mail) return say("503 5.5.1 Error: need MAIL command");
          mail.to.push(/<([^>]*)>/.exec(arg)?.[1] ?? "");
          return say("250 2.1.5 Ok");
        case "DATA":
          if (!mail || mail.to.length === 0) return say("503 5.5.1 Error: need RCPT command");
          data = [];
          return say("354 End data with <CR><LF>.<CR><LF>");
        case "RSET":
          mail = null;
          return say("250 2.0.0 Ok");
        case "NOOP":
          return say("250 2.0.0 Ok");
        case "QUIT":
          say("221 2.0.0 Bye");
          return void sock.end();
        default:
          return say("502 5.5.2 Error: command not recognized");
      }
    };
    let text = new StringDecoder("utf8");
    const onData = (chunk: Buffer): void => {
      buf += text.write(chunk);
      for (let i = buf.indexOf("\r\n"); i >= 0; i = buf.indexOf("\r\n")) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 2);
        line(l);
      }
    };
    sock.on("data", onData);
    say("220 localhost ESMTP prov-test");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as net.AddressInfo).port;
  state.close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return state;
}
