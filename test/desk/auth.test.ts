// The desk's sign-in pieces without a browser: scrypt hashes (per-user salt, a wrong
// password refused), the accounts file, sessions (idle and absolute expiry), one-time
// links (single use, expiry), and the --listen address.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Accounts, checkPassword, hashPassword, LINK_TTL_MS, LOGIN_FAILURES, LOGIN_WINDOW_MS, SESSION_IDLE_MS, SESSION_MAX_MS, Sessions, Throttle } from "../../src/desk/auth.js";
import { isLoopback, parseListen } from "../../src/desk/server.js";

describe("desk accounts", () => {
  it("hashes with scrypt and a salt of its own per password; only the right password matches", async () => {
    const a = await hashPassword("correct horse");
    const b = await hashPassword("correct horse");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await checkPassword(a, "correct horse")).toBe(true);
    expect(await checkPassword(a, "correct horse ")).toBe(false);
    expect(await checkPassword("plain:text", "plain:text")).toBe(false);
  });

  it("keeps accounts in a file only its owner reads; signs in by name and password", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prov-desk-acc-")), "desk", "accounts.json");
    const acc = new Accounts(file);
    expect(await acc.put("dana", "approver", "password-1", "2026-01-01T00:00:00Z")).toEqual({ replaced: false });
    expect(await acc.put("dana", "admin", "password-2", "2026-01-02T00:00:00Z")).toEqual({ replaced: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, "utf8")).not.toMatch(/password-2/);
    expect((await acc.signIn("dana", "password-2"))?.role).toBe("admin");
    expect(await acc.signIn("dana", "password-1")).toBeUndefined();
    expect(await acc.signIn("nobody", "password-2")).toBeUndefined();
    await expect(acc.put("x y", "viewer", "password-1", "")).rejects.toThrow(/not an account name/);
    await expect(acc.put("short", "viewer", "1234567", "")).rejects.toThrow(/at least 8 characters/);
  });
});

describe("desk sessions", () => {
  it("end after the idle time and after the absolute time, whatever the use", () => {
    let now = 0;
    const s = new Sessions(() => now);
    const a = s.create("dana", "approver", "password");
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrf).not.toBe(a.id);
    now += SESSION_IDLE_MS - 1;
    expect(s.get(a.id)?.user).toBe("dana");
    now += SESSION_IDLE_MS + 1;
    expect(s.get(a.id)).toBeUndefined();
    const b = s.create("dana", "approver", "password");
    for (now += 0; now < b.created + SESSION_MAX_MS; now += SESSION_IDLE_MS / 2) expect(s.get(b.id)).toBeDefined();
    now = b.created + SESSION_MAX_MS + 1;
    expect(s.get(b.id)).toBeUndefined();
    expect(s.get(undefined)).toBeUndefined();
    expect(s.get("forged")).toBeUndefined();
  });

  it("a one-time link signs in once, and not after it expired", () => {
    let now = 0;
    const s = new Sessions(() => now);
    const t = s.link("root", "admin");
    expect(s.redeem(t)).toMatchObject({ user: "root", role: "admin", via: "link" });
    expect(s.redeem(t)).toBeUndefined();
    const late = s.link("root", "admin");
    now += LINK_TTL_MS + 1;
    expect(s.redeem(late)).toBeUndefined();
  });
});

describe("failed sign-ins", () => {
  it("stop an address after 5 failures for the rest of a 15-minute window; a success clears them", () => {
    let now = 0;
    const t = new Throttle(() => now);
    for (let i = 0; i < LOGIN_FAILURES; i++) {
      expect(t.wait("10.0.0.9")).toBe(0);
      t.failed("10.0.0.9");
      now += 1000;
    }
    expect(t.wait("10.0.0.9")).toBe((LOGIN_WINDOW_MS - LOGIN_FAILURES * 1000) / 1000);
    expect(t.wait("10.0.0.10")).toBe(0);
    now = LOGIN_WINDOW_MS;
    expect(t.wait("10.0.0.9")).toBe(0);
    t.failed("10.0.0.11");
    t.succeeded("10.0.0.11");
    expect(t.wait("10.0.0.11")).toBe(0);
  });
});

describe("--listen", () => {
  it("takes HOST:PORT, [v6]:PORT or a port, and knows loopback", () => {
    expect(parseListen("127.0.0.1:7420")).toEqual({ host: "127.0.0.1", port: 7420 });
    expect(parseListen("[::1]:7420")).toEqual({ host: "::1", port: 7420 });
    expect(parseListen("7421")).toEqual({ host: "127.0.0.1", port: 7421 });
    expect(parseListen(":7421")).toEqual({ host: "0.0.0.0", port: 7421 });
    expect(() => parseListen("localhost")).toThrow(/give HOST:PORT/);
    expect(() => parseListen("127.0.0.1:99999")).toThrow(/give HOST:PORT/);
    expect([isLoopback("127.0.0.1"), isLoopback("::1"), isLoopback("localhost"), isLoopback("0.0.0.0"), isLoopback("192.168.1.4")]).toEqual([true, true, true, false, false]);
  });
});
