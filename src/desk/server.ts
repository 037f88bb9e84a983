// The review desk's HTTP server (node:http): sign-in, sessions, the four views (Now,
// Quarantine, Ask, Sweeps) and the decisions, each asking the same use cases as the CLI
// (src/app: decisions, release, queries, frame, timeline-report, watcher-status) through
// the Store port. Security, in order for every request: the Host (loopback only, against
// DNS rebinding), a session (else only the sign-in page), for a POST the same origin and
// the session's CSRF token, then the role. Files are served only by quarantine id or
// content hash, from a recorded location under the configured roots.

import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { mkdtemp, mkdir, open, rm, stat, writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import type { Config } from "../config.js";
import { approve, authorise, decisionTargets, revoke, tag } from "../app/decisions.js";
import { frameQuestion, mediaRoots, openableUnder, type FrameDeps } from "../app/frame.js";
import { assetReport, listAssets } from "../app/queries.js";
import { releaseQuarantined, wouldGate } from "../app/release.js";
import { SWEEP_REPORTS_EVENT, type SweepReportsDetail } from "../app/sweep.js";
import { hashFile, NotARegularFileError, statKey } from "../adapters/fs/hash.js";
import { describeFsError, errnoCode } from "../errors.js";
import { sameStat } from "../domain/identity.js";
import { timelineReport } from "../app/timeline-report.js";
import { jsonDocument } from "../domain/json-document.js";
import { watcherSnapshot } from "../app/watcher-status.js";
import { parseConsent, parseDate, parseEscalation, type Actor, type ApprovalTerms } from "../domain/approval-terms.js";
import { InputError, NotFoundError, errorMessage } from "../domain/errors.js";
import { derivationNamedIn, matchingOf } from "../domain/likeness.js";
import type { Clock, EventRow, QuarantineRow, Store } from "../ports.js";
import { holdsLease } from "../../watchers/lock.js";
import { Accounts, decides, sameToken, Sessions, Throttle, type Role, type Session } from "./auth.js";
import { CSS, JS } from "./assets.js";
import { cookies, field, fieldAll, HttpError, readForm, redirect, securityHeaders, send, statusOf, type Form } from "./http.js";
import * as pages from "./pages.js";
import { still, thumbnail } from "./thumbs.js";

export const COOKIE = "prov_desk";
const FORM_LIMIT = 1024 * 1024;
const UPLOAD_LIMIT = 256 * 1024 ** 2;
const TICK_MS = 1000;
/** Sweeps listed on the Sweeps view (an older one opens by its id). */
const SWEEPS_SHOWN = 200;

export interface DeskOptions {
  store: Store;
  config: Config;
  clock: Clock;
  version: string;
  host: string;
  port: number;
  accounts: Accounts;
  /** Where uploaded approval documents are kept, by SHA-256. */
  dataDir: string;
  /** Who the one-time link signs in (as admin): the account running the desk. */
  localAdmin: string;
  log: (msg: string) => void;
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** "127.0.0.1:7420", "[::1]:7420", ":7420" (every address: said out loud), "7420" (loopback). */
export function parseListen(s: string): { host: string; port: number } {
  if (/^\d+$/.test(s)) return parseListen(`127.0.0.1:${s}`);
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new InputError(`--listen ${s}: give HOST:PORT (127.0.0.1:7420)`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

export class Desk {
  readonly sessions = new Sessions();
  private readonly throttle = new Throttle();
  private readonly server: http.Server;
  private readonly streams = new Set<{ res: ServerResponse; session: Session }>();
  private ticker: NodeJS.Timeout | null = null;
  private lastNow = "";
  private readonly roots: string[];
  private readonly frameDeps: FrameDeps;
  private port = 0;

  constructor(private readonly o: DeskOptions) {
    const r = o.config.roots;
    this.roots = [...r.working, ...r.deliverables, ...(r.quarantine ? [r.quarantine] : [])].map((p) => path.resolve(p));
    this.frameDeps = { store: o.store, matching: matchingOf(o.config.fingerprint), clock: o.clock, roots: mediaRoots(this.roots, undefined, undefined) };
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(req, res, null, err));
    });
    this.server.headersTimeout = 30_000;
    this.server.requestTimeout = 10 * 60_000;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.url();
  }

  url(): string {
    const h = this.o.host === "0.0.0.0" || this.o.host === "::" ? "127.0.0.1" : this.o.host;
    return `http://${h.includes(":") ? `[${h}]` : h}:${this.port}`;
  }

  /** A one-time sign-in link for the local admin (single use, expires in 10 minutes). */
  loginLink(): string {
    return `${this.url()}/login/once?t=${this.sessions.link(this.o.localAdmin, "admin")}`;
  }

  async close(): Promise<void> {
    if (this.ticker) clearInterval(this.ticker);
    for (const s of this.streams) s.res.end();
    this.streams.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------ the request

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    const url = new URL(req.url ?? "/", "http://desk.invalid");
    const route = url.pathname;
    const method = req.method ?? "GET";
    if (!this.hostAllowed(req)) throw new HttpError(421, "this desk answers only to its own address");
    if (method !== "GET" && method !== "POST" && method !== "HEAD") throw new HttpError(405, `${method} is not allowed`);

    // Public: the sign-in page, its stylesheet, the one-time link.
    if (route === "/desk.css") return send(res, 200, "text/css; charset=utf-8", CSS);
    if (route === "/login" && method !== "POST") return send(res, 200, "text/html; charset=utf-8", pages.loginPage(null));
    if (route === "/login" && method === "POST") return this.login(req, res);
    if (route === "/login/once") return this.redeem(req, res, url.searchParams.get("t") ?? "");

    const s = await this.session(req);
    if (!s) {
      if (method === "GET" && !route.startsWith("/thumb/") && route !== "/events" && route !== "/desk.js") return redirect(res, "/login");
      throw new HttpError(401, "sign in first");
    }
    if (method === "POST") {
      this.sameOrigin(req);
      const form = await readForm(req, route === "/ask/still" || route === "/ask/cut" || route.endsWith("/approve") ? UPLOAD_LIMIT : FORM_LIMIT);
      if (!sameToken(field(form, "csrf"), s.csrf)) throw new HttpError(403, "the form's token is missing or wrong: reload the page and try again");
      return this.post(req, res, s, route, form);
    }
    if (route === "/desk.js") return send(res, 200, "text/javascript; charset=utf-8", JS);
    if (route === "/") return send(res, 200, "text/html; charset=utf-8", pages.nowPage(s, await this.nowData()));
    if (route === "/events") return this.stream(req, res, s);
    if (route === "/quarantine") {
      const rows = (await this.o.store.quarantine.rows(["moved", "stuck", "planned"])).sort((a, b) => b.id - a.id);
      const released = (await this.o.store.quarantine.rows(["released"])).sort((a, b) => b.id - a.id).slice(0, 50);
      return send(res, 200, "text/html; charset=utf-8", pages.quarantineList(s, rows, released));
    }
    let m = /^\/quarantine\/(\d+)$/.exec(route);
    if (m) {
      const done = url.searchParams.get("done");
      return send(res, 200, "text/html; charset=utf-8", pages.quarantineDetail(s, await this.detail(Number(m[1])), done ? { kind: "ok", text: done } : undefined));
    }
    m = /^\/thumb\/(?:(q)\/(\d{1,12})|(a)\/([0-9a-f]{64}))$/.exec(route);
    if (m) return this.thumb(res, m[1] ? "q" : "a", (m[2] ?? m[4])!);
    if (route === "/ask") return send(res, 200, "text/html; charset=utf-8", pages.askPage(s, await this.videos(), ""));
    if (route === "/sweeps") {
      const list = await this.sweeps();
      // Each sweep's reports event follows it: the latest ones cover the sweeps listed.
      const reports = new Map<number, string[]>();
      for (const r of await this.o.store.events.list({ kind: SWEEP_REPORTS_EVENT, limit: SWEEPS_SHOWN * 2 })) {
        const d = reportsDetail(r);
        if (d && !reports.has(d.sweep)) reports.set(d.sweep, d.reports.map((x) => x.format));
      }
      return send(res, 200, "text/html; charset=utf-8", pages.sweepsPage(s, list, reports));
    }
    m = /^\/sweeps\/(\d{1,12})\/reports\/([a-z][a-z-]{0,31})$/.exec(route);
    if (m) return this.report(res, await this.sweep(Number(m[1])), m[2]!);
    m = /^\/sweeps\/(\d+)(\.json)?$/.exec(route);
    if (m) {
      const e = await this.sweep(Number(m[1]));
      if (m[2]) {
        // The sweep's recorded summary, as a file to keep (the database path left out).
        const { database: _db, ...summary } = JSON.parse(e.detail ?? "{}") as Record<string, unknown>;
        res.setHeader("Content-Disposition", `attachment; filename="sweep-${e.id}.json"`);
        return send(res, 200, "application/json; charset=utf-8", JSON.stringify(jsonDocument("prov.desk.sweep", { sweep: { id: e.id, root: e.path, finishedAt: e.at, ...summary } }), null, 2) + "\n");
      }
      return send(res, 200, "text/html; charset=utf-8", pages.sweepPage(s, e, await this.reportsShown(e)));
    }
    throw new HttpError(404, `nothing at ${route}`);
  }

  private async post(req: IncomingMessage, res: ServerResponse, s: Session, route: string, form: Form): Promise<void> {
    if (route === "/logout") {
      this.sessions.end(s.id);
      res.setHeader("Set-Cookie", this.cookie(req, "", 0));
      return redirect(res, "/login");
    }
    if (route.startsWith("/ask/")) {
      try {
        if (route === "/ask/still") return await this.askStill(res, s, form);
        if (route === "/ask/video") return await this.askVideo(res, s, form);
        if (route === "/ask/cut") return await this.askCut(res, s, form);
      } catch (err) {
        const status = statusOf(err);
        if (status >= 500) throw err;
        // What was wrong with the question, on the Ask page itself.
        return send(res, status, "text/html; charset=utf-8", pages.askPage(s, await this.videos(), "", { kind: "error", text: errorMessage(err) }));
      }
    }
    const m = /^\/quarantine\/(\d+)\/(approve|revoke|tag|release)$/.exec(route);
    if (!m) throw new HttpError(404, `nothing at ${route}`);
    if (!decides(s.role)) throw new HttpError(403, `${s.user} is a ${s.role}: only an approver or an admin may ${m[2]}`);
    const id = Number(m[1]);
    const actor: Actor = { account: s.user, host: hostname(), groups: [] };
    try {
      authorise(actor, this.o.config.approvers);
      const done = await this.decide(m[2] as "approve" | "revoke" | "tag" | "release", id, s, actor, form);
      return redirect(res, `/quarantine/${id}?done=${encodeURIComponent(done)}`);
    } catch (err) {
      const status = statusOf(err);
      if (status >= 500) throw err;
      // The refusal on the entry's own page, with the reason.
      return send(res, status, "text/html; charset=utf-8", pages.quarantineDetail(s, await this.detail(id), { kind: "error", text: errorMessage(err) }));
    }
  }

  private async decide(action: "approve" | "revoke" | "tag" | "release", id: number, s: Session, actor: Actor, form: Form): Promise<string> {
    const { store, clock } = this.o;
    if (action === "release") {
      const r = await releaseQuarantined(
        { store, quarantineRoot: this.o.config.roots.quarantine, unknownPolicy: this.o.config.gate.unknown, matching: this.o.config.fingerprint.enabled ? matchingOf(this.o.config.fingerprint) : undefined, clock, version: this.o.version },
        { id, by: s.user, note: field(form, "note") },
        actor,
      );
      return `released to ${r.releasedTo}`;
    }
    const row = await store.quarantine.byId(id);
    if (!row) throw new NotFoundError(`no quarantine entry ${id}`);
    const asset = row.asset_id !== null ? await store.assets.byId(row.asset_id) : undefined;
    if (!asset) throw new InputError(`entry ${id} has no recorded content to decide on (a symbolic link, or not verified yet)`);
    const name = path.basename(row.original_path);
    if (action === "tag") {
      const t = field(form, "tag");
      if (t !== "genai" && t !== "not-genai") throw new InputError("choose GenAI or not GenAI");
      const [r] = await tag(store, [{ name, asset }], { genai: t === "genai", note: field(form, "note"), tool: field(form, "tool"), by: s.user }, actor, clock);
      return `tagged ${t}: now ${r!.origin}${r!.status ? `/${r!.status}` : ""}`;
    }
    const targets = await decisionTargets(store, asset, name, false);
    if (action === "revoke") {
      const note = field(form, "note");
      if (!note) throw new InputError("say why the approval is revoked");
      const r = await revoke(store, asset, targets.ids, { by: s.user, note, name }, actor, clock);
      return `revoked: now ${r.origin}${r.status ? `/${r.status}` : ""}`;
    }
    const ref = field(form, "ref");
    if (!ref) throw new InputError("an approval needs the studio's reference");
    const expires = field(form, "expires");
    const terms: ApprovalTerms = {
      escalations: [...new Set(fieldAll(form, "escalate").map(parseEscalation))],
      consents: (field(form, "consent") ?? "").split(/\r?\n/).filter((l) => l.trim() !== "").map(parseConsent),
      expires: expires ? parseDate(expires, "the approval's expiry") : null,
      deepfake: field(form, "deepfake") === "1",
    };
    const doc = await this.keepDocument(form);
    const r = await approve(store, asset, targets.ids, { by: s.user, ref, scope: field(form, "scope"), note: field(form, "note"), docPath: doc?.path ?? null, docSha256: doc?.sha256 ?? null, terms }, actor, clock);
    return `approved by ${s.user}, ref ${ref}${doc ? `, document ${doc.sha256.slice(0, 12)}` : ""}: now ${r.origin}${r.status ? `/${r.status}` : ""}`;
  }

  /** The signed approval document, kept in the desk's data folder by its SHA-256 (as --doc records its hash). */
  private async keepDocument(form: Form): Promise<{ path: string; sha256: string } | null> {
    const f = form.files.get("doc");
    if (!f || f.data.length === 0) return null;
    const sha256 = createHash("sha256").update(f.data).digest("hex");
    const ext = path.extname(f.filename).toLowerCase().replace(/[^.a-z0-9]/g, "").slice(0, 10);
    const dir = path.join(this.o.dataDir, "documents");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${sha256}${ext}`);
    try {
      const fh = await open(file, "wx", 0o600);
      try {
        await fh.writeFile(f.data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    return { path: file, sha256 };
  }

  // ------------------------------------------------------------------ sign-in

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.sameOrigin(req);
    const form = await readForm(req, FORM_LIMIT);
    const from = normalAddress(req.socket.remoteAddress ?? "");
    const wait = this.throttle.wait(from);
    if (wait > 0) {
      res.setHeader("Retry-After", String(wait));
      return send(res, 429, "text/html; charset=utf-8", pages.loginPage(`too many failed sign-ins from this address: try again in ${Math.ceil(wait / 60)} min`));
    }
    const a = await this.o.accounts.signIn(field(form, "name") ?? "", form.fields.get("password")?.[0] ?? "");
    if (!a) {
      this.throttle.failed(from);
      this.o.log(`a failed sign-in as ${JSON.stringify(field(form, "name") ?? "")} from ${from}`);
      return send(res, 401, "text/html; charset=utf-8", pages.loginPage("that account and password do not match"));
    }
    this.throttle.succeeded(from);
    const s = this.sessions.create(a.name, a.role, "password");
    res.setHeader("Set-Cookie", this.cookie(req, s.id));
    this.o.log(`${a.name} (${a.role}) signed in`);
    return redirect(res, "/");
  }

  private redeem(req: IncomingMessage, res: ServerResponse, t: string): void {
    const s = this.sessions.redeem(t);
    if (!s) return send(res, 403, "text/html; charset=utf-8", pages.loginPage("that sign-in link was used already or has expired: sign in, or restart prov desk for a new link"));
    res.setHeader("Set-Cookie", this.cookie(req, s.id));
    this.o.log(`${s.user} (admin) signed in with the one-time link`);
    return redirect(res, "/");
  }

  private async session(req: IncomingMessage): Promise<Session | undefined> {
    const { trustedHeader, trustedProxies } = this.o.config.desk;
    if (trustedHeader && trustedProxies.includes(normalAddress(req.socket.remoteAddress ?? ""))) {
      const user = req.headers[trustedHeader];
      if (typeof user === "string" && user !== "") {
        const role: Role = (await this.o.accounts.find(user))?.role ?? "viewer";
        return this.sessions.proxied(user, role);
      }
    }
    return this.sessions.get(cookies(req).get(COOKIE));
  }

  private tls(req: IncomingMessage): boolean {
    if ((req.socket as { encrypted?: boolean }).encrypted) return true;
    const fromProxy = this.o.config.desk.trustedProxies.includes(normalAddress(req.socket.remoteAddress ?? ""));
    return fromProxy && req.headers["x-forwarded-proto"] === "https";
  }

  private cookie(req: IncomingMessage, value: string, maxAge = 12 * 3600): string {
    return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${this.tls(req) ? "; Secure" : ""}`;
  }

  /** On loopback (no proxy), only requests addressed to a loopback name: a rebound DNS name is refused. */
  private hostAllowed(req: IncomingMessage): boolean {
    if (!isLoopback(this.o.host) || this.o.config.desk.trustedProxies.length > 0) return true;
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
    return isLoopback(host);
  }

  /** A state change must come from a page of this desk: Origin (or Sec-Fetch-Site) says so. */
  private sameOrigin(req: IncomingMessage): void {
    const origin = req.headers.origin;
    const site = req.headers["sec-fetch-site"];
    if (origin !== undefined) {
      const proto = this.tls(req) ? "https" : "http";
      const forwarded = this.o.config.desk.trustedProxies.includes(normalAddress(req.socket.remoteAddress ?? "")) ? req.headers["x-forwarded-host"] : undefined;
      const host = (typeof forwarded === "string" ? forwarded : undefined) ?? req.headers.host;
      if (origin !== `${proto}://${host}`) throw new HttpError(403, `refused: a request from ${origin}, not from this desk`);
      return;
    }
    if (site !== "same-origin") throw new HttpError(403, "refused: the request does not say it comes from this desk (no Origin)");
  }

  // ------------------------------------------------------------------ views

  private async nowData(): Promise<pages.NowData> {
    const { store, clock } = this.o;
    const snap = await watcherSnapshot(store, (r) => holdsLease(r));
    const since = new Date(clock.now() - 3600_000).toISOString();
    const recent = (await store.quarantine.rows()).filter((r) => (r.moved_at ?? r.planned_at) >= since && r.state !== "rolled-back").sort((a, b) => b.id - a.id);
    return { snap, recent, at: clock.iso() };
  }

  /** Server-sent events: the Now view's live part, re-rendered every second, sent when it changed. */
  private stream(req: IncomingMessage, res: ServerResponse, session: Session): void {
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive" });
    res.write("retry: 2000\n\n");
    const entry = { res, session };
    this.streams.add(entry);
    req.on("close", () => this.streams.delete(entry));
    this.lastNow = "";
    this.ticker ??= setInterval(() => void this.tick(), TICK_MS);
    void this.tick();
  }

  private ticking = false;
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (this.streams.size === 0) {
        if (this.ticker) clearInterval(this.ticker);
        this.ticker = null;
        return;
      }
      const html = pages.nowFragment(await this.nowData()).replace(/<p class="hint">as of [^<]*<\/p>$/, "");
      const changed = html !== this.lastNow;
      this.lastNow = html;
      for (const s of this.streams) {
        if (s.session.id !== "" && !this.sessions.get(s.session.id)) {
          s.res.end();
          this.streams.delete(s);
        } else if (changed) s.res.write(`data: ${JSON.stringify({ html })}\n\n`);
        else s.res.write(": still\n\n");
      }
    } catch (err) {
      this.o.log(`the Now view could not be read: ${errorMessage(err)}`);
    } finally {
      this.ticking = false;
    }
  }

  private async detail(id: number): Promise<pages.DetailData> {
    const { store, config } = this.o;
    const row = await store.quarantine.byId(id);
    if (!row) throw new NotFoundError(`no quarantine entry ${id}`);
    const asset = row.asset_id !== null ? await store.assets.byId(row.asset_id) : undefined;
    const matching = matchingOf(config.fingerprint);
    const report = asset ? await assetReport(store, asset, matching) : null;
    const gate = row.state === "moved" ? await wouldGate({ store, unknownPolicy: config.gate.unknown, matching: config.fingerprint.enabled ? matching : undefined }, row) : null;
    return { row, report, gate, blockedFrom: await this.blockedFrom(row) };
  }

  /**
   * The GenAI original the entry was blocked as derived from, as its recorded reason names
   * it (what was decided on), with how that original is classified now. Not recomputed from
   * the file's current class: once the file itself is tagged GenAI it has no GenAI
   * look-alikes of its own any more, yet the evidence of the block stays what it was.
   */
  private async blockedFrom(row: QuarantineRow): Promise<pages.DetailData["blockedFrom"]> {
    const named = derivationNamedIn(row.reason);
    if (!named) return null;
    const found = await this.o.store.assets.byShaPrefix(named.sha256Prefix);
    const original = found.length === 1 ? found[0]! : undefined;
    return { sha256Prefix: named.sha256Prefix, distance: named.distance, original: original ? { sha256: original.sha256, origin: original.origin, status: original.status } : null };
  }

  /** Where a quarantine entry's file is now. */
  private fileOf(row: QuarantineRow): string | null {
    if (row.state === "moved") return row.quarantine_path;
    if (row.state === "released") return row.released_to;
    return row.original_path;
  }

  private async thumb(res: ServerResponse, by: "q" | "a", key: string): Promise<void> {
    const { store } = this.o;
    const candidates: string[] = [];
    if (by === "q") {
      const row = await store.quarantine.byId(Number.parseInt(key, 10));
      const f = row ? this.fileOf(row) : null;
      if (f) candidates.push(f);
    } else {
      if (key.length !== 64) throw new HttpError(404, "no such content");
      const asset = await store.assets.bySha(key);
      if (asset) {
        for (const l of await store.locations.ofAsset(asset.id)) if (l.state === "present") candidates.push(l.path);
        for (const r of await store.quarantine.rows(["moved"])) if (r.sha256 === key) candidates.push(r.quarantine_path);
      }
    }
    for (const f of candidates) {
      if (!(await openableUnder(f, this.roots))) continue;
      const jpeg = await thumbnail(f);
      if (jpeg) {
        res.setHeader("Cache-Control", "private, max-age=60");
        return send(res, 200, "image/jpeg", jpeg);
      }
    }
    throw new HttpError(404, "no picture to show");
  }

  private async videos(): Promise<pages.VideoChoice[]> {
    const out: pages.VideoChoice[] = [];
    for (const a of await listAssets(this.o.store, {})) {
      if (!(a.fileType && /^(MOV|MP4|M4V|MXF|MKV|WEBM|AVI|MTS|M2TS|MPEG|3GP)$/i.test(a.fileType))) continue;
      const p = a.paths[0];
      if (p) out.push({ sha256: a.sha256, name: path.basename(p) });
    }
    return out;
  }

  /** The latest sweeps, newest first (the events index by kind: the sweeps' rows only). */
  private async sweeps(): Promise<EventRow[]> {
    return this.o.store.events.list({ kind: "sweep", limit: SWEEPS_SHOWN });
  }

  /** The report files a sweep recorded (its "sweep-reports" event, after its own), or null. */
  private async reportsOf(e: EventRow): Promise<SweepReportsDetail | null> {
    // Newest first, a page at a time, down to the sweep's own event: the reports event is after it.
    let before: number | undefined;
    for (;;) {
      const page = await this.o.store.events.list({ kind: SWEEP_REPORTS_EVENT, path: e.path ?? undefined, limit: 100, ...(before !== undefined ? { beforeId: before } : {}) });
      for (const r of page) {
        if (r.id < e.id) return null;
        const d = reportsDetail(r);
        if (d?.sweep === e.id) return d;
      }
      if (page.length < 100) return null;
      before = page.at(-1)!.id;
    }
  }

  /** Each recorded report and whether it is still there as written (by size; a download checks its SHA-256). */
  private async reportsShown(e: EventRow): Promise<pages.SweepReports | null> {
    const d = await this.reportsOf(e);
    if (!d) return null;
    const here = hostname();
    const reports: pages.SweepReportShown[] = [];
    for (const r of d.reports) {
      if ("error" in r) {
        reports.push({ ...r, size: null, sha256: null, state: `not recorded: ${r.error}` });
        continue;
      }
      const st = await stat(r.path).catch(() => null);
      const state = !st || !st.isFile() ? (d.host !== here ? `not on this host: written on host ${d.host}` : "moved or removed since the sweep") : st.size !== r.size ? "changed since the sweep" : "ok";
      reports.push({ ...r, state });
    }
    return { host: d.host, reports };
  }

  /**
   * A report file a sweep wrote, by the sweep's id and the report's format only (never a path
   * from the request): served when it is still where it was written, with the SHA-256
   * recorded when the sweep finished; otherwise the reason, naming where it was recorded
   * (a redacted report by its file name only: its folder is what redaction keeps in).
   */
  private async report(res: ServerResponse, e: EventRow, format: string): Promise<void> {
    const d = await this.reportsOf(e);
    const r = d?.reports.find((x) => x.format === format);
    if (!d || !r) throw new NotFoundError(`sweep ${e.id} recorded no ${format} report`);
    const named = r.redacted ? path.basename(r.path) : r.path;
    if ("error" in r) throw new NotFoundError(`the ${format} report of sweep ${e.id} was not recorded when it was written (${named}: ${r.error})`);
    const elsewhere = d.host !== hostname() ? `; written on host ${d.host}, this desk runs on ${hostname()}` : "";
    const changed = (why: string) => new HttpError(409, `the ${format} report moved or changed since the sweep (recorded at ${named}${elsewhere}): ${why}; not served`);
    const h = await hashFile(r.path).catch((err: unknown) => {
      throw errnoCode(err) === "ENOENT" ? new HttpError(404, `the ${format} report moved or changed since the sweep (recorded at ${named}${elsewhere}): no file there now`) : changed(err instanceof NotARegularFileError ? "not a regular file" : describeFsError(err));
    });
    if (h.changedWhileReading) throw changed("it was being written while the desk read it");
    if (h.size !== r.size || h.sha256 !== r.sha256) throw changed(`its SHA-256 is ${h.sha256.slice(0, 12)}…, the sweep recorded ${r.sha256.slice(0, 12)}…`);
    // Sent from the same file, checked unchanged since it was hashed (same inode, size, times).
    const fh = await open(r.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if (!sameStat(statKey(await fh.stat({ bigint: true })), h.stat)) throw changed("it changed while the desk read it");
      res.statusCode = 200;
      res.setHeader("Content-Type", REPORT_TYPES[format.replace(/^disclosure-/, "")] ?? "application/octet-stream");
      res.setHeader("Content-Length", String(r.size));
      res.setHeader("Content-Disposition", attachment(path.basename(r.path)));
      // An HTML report opened from here runs nothing and reaches nothing.
      res.setHeader("Content-Security-Policy", "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'");
      res.setHeader("Repr-Digest", `sha-256=:${Buffer.from(r.sha256, "hex").toString("base64")}:`);
      await pipeline(fh.createReadStream({ start: 0, autoClose: false }), res);
    } finally {
      await fh.close();
    }
  }

  /** One sweep by its event id, however old. */
  private async sweep(id: number): Promise<EventRow> {
    const [e] = await this.o.store.events.list({ kind: "sweep", beforeId: id + 1, limit: 1 });
    if (!e || e.id !== id) throw new NotFoundError(`no sweep ${id}`);
    return e;
  }

  // ------------------------------------------------------------------ ask

  private async askStill(res: ServerResponse, s: Session, form: Form): Promise<void> {
    const f = form.files.get("file");
    if (!f || f.data.length === 0) throw new InputError("drop a still or a frame grab (or choose one)");
    const dir = await mkdtemp(path.join(tmpdir(), "prov-desk-ask-"));
    try {
      const ext = path.extname(f.filename).toLowerCase().replace(/[^.a-z0-9]/g, "").slice(0, 10);
      const file = path.join(dir, `upload${ext}`);
      await writeFile(file, f.data, { mode: 0o600 });
      const answer = await frameQuestion(this.frameDeps, file, {}).catch((err: unknown) => {
        // Named as the person knows it, not by the temporary file it was put in.
        if (err instanceof InputError) throw new InputError(err.message.split(file).join(f.filename), { cause: err });
        throw err;
      });
      answer.file = answer.file ? { ...answer.file, path: f.filename } : null;
      const pic = await still(f.data).then((b) => `data:image/jpeg;base64,${b.toString("base64")}`, () => null);
      return send(res, 200, "text/html; charset=utf-8", pages.askPage(s, await this.videos(), pages.answerSection(answer, pic)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async askVideo(res: ServerResponse, s: Session, form: Form): Promise<void> {
    const sha = field(form, "video") ?? "";
    const at = field(form, "at");
    if (!at) throw new InputError("give a timecode (HH:MM:SS:FF)");
    const asset = /^[0-9a-f]{64}$/.test(sha) ? await this.o.store.assets.bySha(sha) : undefined;
    if (!asset) throw new NotFoundError("choose a recorded video");
    let file: string | null = null;
    for (const l of await this.o.store.locations.ofAsset(asset.id)) if (l.state === "present" && (await openableUnder(l.path, this.roots))) file = l.path;
    if (!file) throw new NotFoundError("that video has no present location under the roots");
    const answer = await frameQuestion(this.frameDeps, file, { at });
    return send(res, 200, "text/html; charset=utf-8", pages.askPage(s, await this.videos(), pages.answerSection(answer, null)));
  }

  private async askCut(res: ServerResponse, s: Session, form: Form): Promise<void> {
    const up = form.files.get("cut");
    const named = field(form, "path");
    const at = field(form, "at");
    const fps = field(form, "fps") ?? "24";
    let dir: string | null = null;
    try {
      let cut: string;
      if (up && up.data.length > 0) {
        const ext = path.extname(up.filename).toLowerCase();
        if (ext !== ".edl" && ext !== ".otio") throw new InputError(`${up.filename}: upload an EDL (.edl) or an OpenTimelineIO file (.otio)`);
        dir = await mkdtemp(path.join(tmpdir(), "prov-desk-cut-"));
        cut = path.join(dir, `${path.basename(up.filename, ext).replace(/[^A-Za-z0-9._-]/g, "_") || "cut"}${ext}`);
        await writeFile(cut, up.data, { mode: 0o600 });
      } else if (named) {
        cut = path.resolve(named);
        if (!(await openableUnder(cut, this.roots))) throw new InputError(`${named} is outside the roots: not opened`);
      } else throw new InputError("upload a cut or name one under the roots");
      // An uploaded cut's own folder holds nothing but the cut: its media are found under the roots.
      const deps: FrameDeps = { ...this.frameDeps, roots: mediaRoots(this.roots, undefined, dir ? undefined : cut) };
      const section = at ? pages.answerSection(await frameQuestion(deps, undefined, { timeline: cut, at, fps }), null) : pages.timelineSection(await timelineReport(deps, cut, { fps }));
      return send(res, 200, "text/html; charset=utf-8", pages.askPage(s, await this.videos(), section));
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }

  // ------------------------------------------------------------------ errors

  private fail(req: IncomingMessage, res: ServerResponse, s: Session | null, err: unknown): void {
    const status = statusOf(err);
    if (status >= 500 && !(err instanceof HttpError)) this.o.log(`${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (res.headersSent) {
      res.end();
      return;
    }
    const text = status >= 500 && !(err instanceof HttpError) ? `the desk could not do that: ${errorMessage(err)}` : errorMessage(err);
    send(res, status, "text/html; charset=utf-8", pages.messagePage(s, status, text));
  }
}

const REPORT_TYPES: Record<string, string> = {
  text: "text/plain; charset=utf-8",
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  html: "text/html; charset=utf-8",
  junit: "application/xml; charset=utf-8",
  pdf: "application/pdf",
};

/** A download's Content-Disposition: the file's own name, ASCII-safe, and exactly in UTF-8 (RFC 6266). */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A "sweep-reports" event's detail, or null when it is not one prov wrote. */
function reportsDetail(e: EventRow): SweepReportsDetail | null {
  try {
    const d = JSON.parse(e.detail ?? "null") as SweepReportsDetail | null;
    return d && typeof d.sweep === "number" && Array.isArray(d.reports) ? d : null;
  } catch {
    return null;
  }
}

/** "::ffff:127.0.0.1" → "127.0.0.1". */
function normalAddress(a: string): string {
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

