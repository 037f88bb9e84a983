// Who is signed in to the desk: local accounts (a JSON file of scrypt hashes, per-user
// salt, compared in constant time), sessions (random ids, idle and absolute expiry, in
// memory: a restarted desk signs everyone out), one-time sign-in links, and the CSRF
// token of each session. No I/O but the accounts file.

import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { mkdir, open, readFile, rename } from "node:fs/promises";
import path from "node:path";
import { ConfigError, InputError } from "../domain/errors.js";
import { errnoCode } from "../errors.js";

export const ROLES = ["viewer", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** May this role record decisions (tag, approve, revoke, release)? */
export const decides = (role: Role): boolean => role === "approver" || role === "admin";

export function parseRole(s: string): Role {
  if ((ROLES as readonly string[]).includes(s)) return s as Role;
  throw new InputError(`--role ${s}: give viewer, approver or admin`);
}

/** scrypt cost: N 2^15, r 8, p 1 (about 32 MiB and tens of ms a sign-in). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, keylen: 32 } as const;

export interface Account {
  name: string;
  role: Role;
  /** "scrypt$N$r$p$salt(base64)$hash(base64)" */
  password: string;
  created: string;
}

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize("NFC"), salt, keylen, { ...opts, maxmem: 128 * opts.N! * opts.r! * 2 }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, SCRYPT);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64"), key.toString("base64")].join("$");
}

/** Does `password` match the stored hash? Constant time in the hash compared. */
export async function checkPassword(stored: string, password: string): Promise<boolean> {
  const [algo, n, r, p, salt, hash] = stored.split("$");
  if (algo !== "scrypt" || !salt || !hash) return false;
  const want = Buffer.from(hash, "base64");
  const got = await scrypt(password, Buffer.from(salt, "base64"), want.length, { N: Number(n), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** A hash nobody's password matches, checked for unknown names so they take as long as known ones. */
let decoy: Promise<string> | undefined;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export class Accounts {
  constructor(readonly file: string) {}

  async list(): Promise<Account[]> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return [];
      throw new ConfigError(`cannot read the desk's accounts ${this.file}: ${String((err as Error).message)}`);
    }
    try {
      const data = JSON.parse(text) as { accounts?: Account[] };
      return (data.accounts ?? []).filter((a) => typeof a.name === "string" && (ROLES as readonly string[]).includes(a.role) && typeof a.password === "string");
    } catch (err) {
      throw new ConfigError(`${this.file}: not valid JSON: ${(err as Error).message}`);
    }
  }

  async find(name: string): Promise<Account | undefined> {
    return (await this.list()).find((a) => a.name === name);
  }

  /** Add or replace an account (its password hashed here); the file is written whole, mode 0600. */
  async put(name: string, role: Role, password: string, now: string): Promise<{ replaced: boolean }> {
    if (!NAME.test(name)) throw new InputError(`${JSON.stringify(name)} is not an account name (letters, digits, . _ @ -, up to 64)`);
    if (password.length < 8) throw new InputError("the password must have at least 8 characters");
    const all = await this.list();
    const replaced = all.some((a) => a.name === name);
    const next = [...all.filter((a) => a.name !== name), { name, role, password: await hashPassword(password), created: now }];
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const fh = await open(tmp, "wx", 0o600);
    try {
      await fh.writeFile(JSON.stringify({ accounts: next }, null, 2) + "\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.file);
    return { replaced };
  }

  /** The account if the password is right; undefined otherwise (unknown names cost the same). */
  async signIn(name: string, password: string): Promise<Account | undefined> {
    const a = await this.find(name);
    if (!a) {
      decoy ??= hashPassword(randomBytes(16).toString("hex"));
      await checkPassword(await decoy, password);
      return undefined;
    }
    return (await checkPassword(a.password, password)) ? a : undefined;
  }
}

export interface Session {
  id: string;
  user: string;
  role: Role;
  csrf: string;
  /** How the person signed in: a password, the one-time link, a trusted proxy. */
  via: "password" | "link" | "proxy";
  created: number;
  seen: number;
}

export const SESSION_IDLE_MS = 2 * 3600_000;
export const SESSION_MAX_MS = 12 * 3600_000;
export const LINK_TTL_MS = 10 * 60_000;

const token = (): string => randomBytes(32).toString("base64url");

export class Sessions {
  private readonly byId = new Map<string, Session>();
  private readonly links = new Map<string, { user: string; role: Role; expires: number }>();
  /** Signs the CSRF tokens of requests a trusted proxy signs in (they have no session). */
  private readonly secret = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  create(user: string, role: Role, via: Session["via"]): Session {
    const t = this.now();
    const s: Session = { id: token(), user, role, csrf: token(), via, created: t, seen: t };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session with this id (its idle time restarted), or undefined. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    const t = this.now();
    if (t - s.seen > SESSION_IDLE_MS || t - s.created > SESSION_MAX_MS) {
      this.byId.delete(id);
      return undefined;
    }
    s.seen = t;
    return s;
  }

  end(id: string): void {
    this.byId.delete(id);
  }

  /** A session for a person a trusted proxy names: per request, its CSRF token derived from the name. */
  proxied(user: string, role: Role): Session {
    const t = this.now();
    return { id: "", user, role, csrf: createHmac("sha256", this.secret).update(`csrf\0${user}`).digest("base64url"), via: "proxy", created: t, seen: t };
  }

  /** A one-time sign-in link's token: single use, expires after LINK_TTL_MS. */
  link(user: string, role: Role): string {
    const t = token();
    this.links.set(t, { user, role, expires: this.now() + LINK_TTL_MS });
    return t;
  }

  /** Use a link's token (it is gone afterwards, used or expired). */
  redeem(t: string): Session | undefined {
    const l = this.links.get(t);
    this.links.delete(t);
    if (!l || this.now() > l.expires) return undefined;
    return this.create(l.user, l.role, "link");
  }
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}


/**
 * Failed sign-ins by address: after LOGIN_FAILURES within LOGIN_WINDOW_MS, that address may
 * not try again until the window has passed (scrypt makes each guess slow; this makes many
 * guesses slower still).
 */
export const LOGIN_FAILURES = 5;
export const LOGIN_WINDOW_MS = 15 * 60_000;

export class Throttle {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until `who` may try again; 0: now. */
  wait(who: string): number {
    const t = this.now();
    const recent = (this.failures.get(who) ?? []).filter((at) => t - at < LOGIN_WINDOW_MS);
    if (recent.length === 0) this.failures.delete(who);
    else this.failures.set(who, recent);
    return recent.length >= LOGIN_FAILURES ? Math.ceil((recent[0]! + LOGIN_WINDOW_MS - t) / 1000) : 0;
  }

  failed(who: string): void {
    this.failures.set(who, [...(this.failures.get(who) ?? []), this.now()]);
  }

  succeeded(who: string): void {
    this.failures.delete(who);
  }
}
