// The review desk end to end: a real `prov desk` over a real database with a running
// `prov watch`, real sample files, driven in Debian's headless Chromium (playwright-core,
// nothing downloaded). Every wait is on what the page or the store shows.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LABEL_FREE } from "../../bench/label-free.js";
import { disposeAll, Sandbox, sample, samplesDir, sha256, waitBlocked, waitFor, write, type Watcher } from "../watch/helpers.js";
import type { Locator } from "playwright-core";
import { addAccount, CHROMIUM, DeskProcess, raw } from "./helpers.js";
import { openStore } from "../../db/index.js";

afterAll(disposeAll);

const make = (kind: string) => LABEL_FREE.find((t) => t.kind === kind)!.make;
const ADMIN = os.userInfo().username;
const VIEWER_PASSWORD = "viewer-password-1";

describe("prov desk", () => {
  let sb: Sandbox;
  let w: Watcher;
  let desk: DeskProcess;
  let browser: Browser;
  let admin: BrowserContext;
  let page: Page;
  let shotId = 0;
  let derivedId = 0;
  let concept = "";
  const shots = fs.mkdtempSync(path.join(os.tmpdir(), "prov-desk-shots-"));

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: the desk tests drive Debian's chromium (apt-get install chromium)`);
    sb = await Sandbox.create({ mode: "events" });
    // A notify hook that always fails: Now shows the failed deliveries, as prov status does.
    const cfg = JSON.parse(fs.readFileSync(sb.config, "utf8")) as Record<string, unknown>;
    fs.writeFileSync(sb.config, JSON.stringify({ ...cfg, notify: { command: ["/bin/false"] } }));
    w = await sb.watch();
    await addAccount(sb, "vera", "viewer", VIEWER_PASSWORD);
    desk = await DeskProcess.start(sb.dir);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    admin = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await admin.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    const code = await desk?.stop();
    expect(code, `prov desk's exit; stderr: ${desk?.stderr}`).toBe(0);
    await sb?.dispose();
  });

  it("signs the local admin in with the one-time link, once", async () => {
    await page.goto(desk.link);
    expect(page.url()).toBe(`${desk.base}/`);
    expect(await page.locator("#who").textContent()).toBe(ADMIN);
    await page.locator("#watcher-state", { hasText: "watching" }).waitFor();
    const again = await raw(desk.link);
    expect(again.status).toBe(403);
    expect(again.body).toMatch(/used already or has expired/);
  });

  it("shows a GenAI file blocked live, without reloading", async () => {
    await page.evaluate("window.notReloaded = true");
    const dest = path.join(sb.del, "reel1", "sky_v001.png");
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.join(samplesDir, "genai-a1111.png"), dest);
    const item = page.locator("#recent li", { hasText: "sky_v001.png" });
    await item.waitFor({ timeout: 60_000 });
    expect(await item.textContent()).toMatch(/blocked/);
    expect(await page.evaluate("window.notReloaded")).toBe(true);
    shotId = Number(await item.getAttribute("data-id"));
    expect(shotId).toBeGreaterThan(0);
    // The block's notice went to a hook that fails: shown on Now, live.
    const failed = page.locator("#notify li.failed", { hasText: "/bin/false" });
    await failed.waitFor({ timeout: 60_000 });
    expect(await failed.textContent()).toMatch(/\b[1-9]\d* failed/);
  });

  it("opens a derived file's side-by-side with its GenAI original and the distance; its release is refused with the reason", async () => {
    concept = write(path.join(sb.work, "concept.jpg"), sample("genai-concept-art.jpg"));
    await waitFor(() => sb.db.get("SELECT 1 AS x FROM locations WHERE path = ? AND state = 'present'", concept), "the GenAI still to be recorded");
    const made = path.join(sb.scratch, "flop_v2.jpg");
    await make("mirror")(concept, made);
    const bytes = fs.readFileSync(made);
    const delivered = path.join(sb.del, "flop_v2.jpg");
    fs.renameSync(made, delivered);
    const row = await waitBlocked(sb, delivered, sha256(bytes));
    derivedId = row.id;
    await waitFor(() => sb.db.quarantineRows().find((r) => r.id === derivedId && r.verified_at !== null), "the derived file's quarantine to be verified");
    await page.goto(`${desk.base}/quarantine`);
    await page.locator(`.card[data-id="${derivedId}"] a.name`).click();
    const side = page.locator("#side-by-side");
    await side.waitFor();
    expect(await side.textContent()).toMatch(/distance \d+ of 64 bits/);
    const imgs = side.locator("img");
    expect(await imgs.count()).toBe(2);
    for (let i = 0; i < 2; i++) await waitFor(() => loaded(imgs.nth(i)), `picture ${i} of the side-by-side to load`);
    await page.screenshot({ path: path.join(shots, "side-by-side.png"), fullPage: true });
    // Not approved: the release is refused, with the gate's reason.
    const answer = page.waitForResponse((r) => r.url().endsWith(`/quarantine/${derivedId}/release`));
    await page.locator("#release-form button").click();
    expect((await answer).status()).toBe(409);
    expect(await page.locator("#notice").textContent()).toMatch(/would be blocked again: derived from temporary GenAI asset/);
    expect(fs.existsSync(delivered)).toBe(false);
  });

  it("approves with a signed document (kept by its SHA-256, recorded as the signed-in account) and releases the file", async () => {
    const doc = write(path.join(sb.scratch, "approval-0042.pdf"), Buffer.from("%PDF-1.4\n% signed approval STUDIO-GENAI-0042\n"));
    await page.goto(`${desk.base}/quarantine/${shotId}`);
    await page.fill('#approve-form input[name="ref"]', "STUDIO-GENAI-0042");
    await page.fill('#approve-form input[name="scope"]', "reel 1 sky");
    await page.setInputFiles("#approve-doc", doc);
    await page.locator('#approve-form button[type="submit"]').click();
    await page.locator("#notice", { hasText: `approved by ${ADMIN}, ref STUDIO-GENAI-0042` }).waitFor();
    const appr = sb.db.get<{ by: string; account: string; doc_sha256: string; doc_path: string; ref: string }>("SELECT by, account, doc_sha256, doc_path, ref FROM approvals ORDER BY id DESC LIMIT 1")!;
    expect(appr).toMatchObject({ by: ADMIN, account: ADMIN, ref: "STUDIO-GENAI-0042", doc_sha256: sha256(doc) });
    expect(appr.doc_path).toBe(path.join(sb.dir, "prov-desk", "documents", `${sha256(doc)}.pdf`));
    expect(sha256(appr.doc_path)).toBe(sha256(doc));
    await page.locator("#release-form button").click();
    await page.locator("#notice", { hasText: "released to" }).waitFor();
    expect(await page.locator("#entry-state").textContent()).toMatch(/^released to .*sky_v001\.png by /);
    const back = path.join(sb.del, "reel1", "sky_v001.png");
    expect(fs.existsSync(back)).toBe(true);
    const ev = sb.db.events("released", back).at(-1)!;
    expect(JSON.parse(ev.detail ?? "{}")).toMatchObject({ by: ADMIN, account: ADMIN });
    await sb.waitIdle(w);
    expect(fs.existsSync(back)).toBe(true); // approved: the gate leaves it
  });

  it("answers a dropped frame grab with pictures of its matches", async () => {
    const grab = path.join(sb.scratch, "grab.jpg");
    await make("rot90")(concept, grab);
    await page.goto(`${desk.base}/ask`);
    const nav = page.waitForURL(`${desk.base}/ask/still`);
    await page.setInputFiles("#drop-input", grab);
    await nav;
    const answer = page.locator("#answer");
    await answer.waitFor();
    const match = page.locator("#matches li", { hasText: sha256(concept).slice(0, 12) });
    await match.waitFor();
    expect(await match.textContent()).toMatch(/genai \(temporary\)/);
    await waitFor(() => loaded(match.locator("img")), "the match's picture to load");
    await page.screenshot({ path: path.join(shots, "ask.png"), fullPage: true });
  });

  it("answers a frame of a recorded video picked from the list, at a timecode", async () => {
    const mov = write(path.join(sb.work, "shots", "genai-shot.mov"), sample("genai-shot.mov"));
    await waitFor(() => sb.db.get("SELECT 1 AS x FROM locations WHERE path = ? AND state = 'present'", mov), "the video to be recorded");
    await page.goto(`${desk.base}/ask`);
    await page.selectOption('#video-form select[name="video"]', sha256(mov));
    await page.fill('#video-form input[name="at"]', "00:00:00:06");
    await page.locator('#video-form button[type="submit"]').click();
    await page.locator("#answer").waitFor();
    expect(await page.locator("#answer").textContent()).toMatch(/Frame\s*6 at 00:00:00:06/);
    expect(await page.locator("#answer-origin").textContent()).toMatch(/^genai/);
  });

  it("shows a cut's whole timeline with each event's provenance, flagged first, and never opens what is outside the roots", async () => {
    const edl = write(
      path.join(sb.scratch, "reel1.edl"),
      Buffer.from(
        [
          "TITLE: REEL 1",
          "FCM: NON-DROP FRAME",
          "",
          "001  PLATE    V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00",
          "* FROM CLIP NAME: never-shot.mov",
          "002  SHADOW   V     C        00:00:00:00 00:00:01:00 01:00:02:00 01:00:03:00",
          "* FROM CLIP NAME: shadow",
          "* SOURCE FILE: /etc/shadow",
          "003  CONCEPT  V     C        00:00:00:00 00:00:01:00 01:00:03:00 01:00:04:00",
          "* FROM CLIP NAME: concept.jpg",
          "",
        ].join("\n"),
      ),
    );
    await page.goto(`${desk.base}/ask`);
    await page.setInputFiles('#cut-form input[name="cut"]', edl);
    await page.fill('#cut-form input[name="fps"]', "25");
    await page.locator('#cut-form button[type="submit"]').click();
    await page.locator("#timeline").waitFor();
    expect(await page.locator("#timeline-summary").textContent()).toMatch(/^3 events, 3 flagged/);
    const rows = page.locator("#timeline tbody tr");
    expect(await rows.nth(0).textContent()).toMatch(/^temporary-genai.*concept\.jpg/s);
    expect(await rows.nth(1).textContent()).toMatch(/^outside-roots.*outside the roots: not opened/s);
    expect(await rows.nth(2).textContent()).toMatch(/^not-found/);
    await loadedAll(rows.nth(0).locator("img"));
    const fit = (await page.evaluate("({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth })")) as { scroll: number; inner: number };
    expect(fit.scroll).toBeLessThanOrEqual(fit.inner);
    await page.screenshot({ path: path.join(shots, "timeline.png"), fullPage: true });

    // A cut named by its path: under the roots it is read, elsewhere it is not.
    const inRoots = path.join(sb.work, "cuts", "reel1.edl");
    fs.mkdirSync(path.dirname(inRoots), { recursive: true });
    fs.copyFileSync(edl, inRoots);
    await page.fill('#cut-form input[name="path"]', inRoots);
    await page.fill('#cut-form input[name="fps"]', "25");
    await page.locator('#cut-form button[type="submit"]').click();
    await page.locator("#timeline-summary", { hasText: "3 events, 3 flagged" }).waitFor();
    for (const [named, why] of [
      ["/etc/passwd", "/etc/passwd is outside the roots: not opened"],
      [path.join(sb.work, "..", "prov.config.json"), "prov.config.json is outside the roots: not opened"],
    ] as const) {
      const answer = page.waitForResponse((r) => r.url().endsWith("/ask/cut"));
      await page.fill('#cut-form input[name="path"]', named);
      await page.locator('#cut-form button[type="submit"]').click();
      expect((await answer).status()).toBe(400);
      expect(await page.locator("#notice").textContent()).toContain(why);
    }
    // Not a picture: said in a sentence, on the page.
    const junk = write(path.join(sb.scratch, "notes.txt"), Buffer.from("not a picture\n"));
    const still = page.waitForResponse((r) => r.url().endsWith("/ask/still"));
    await page.setInputFiles("#drop-input", junk);
    expect((await still).status()).toBe(400);
    expect(await page.locator("#notice").textContent()).toBe("notes.txt: not a picture prov can read (give a still image, or a video with --at)");
  });

  it("a viewer signs in with a password, sees no decisions, and is refused (403) even with a forged request", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const p = await ctx.newPage();
      await p.goto(`${desk.base}/quarantine/${derivedId}`);
      expect(p.url()).toBe(`${desk.base}/login`);
      await p.fill('input[name="name"]', "vera");
      await p.fill('input[name="password"]', "wrong-password");
      await p.locator('button[type="submit"]').click();
      await p.locator(".notice", { hasText: "do not match" }).waitFor();
      await p.fill('input[name="name"]', "vera");
      await p.fill('input[name="password"]', VIEWER_PASSWORD);
      await p.locator('button[type="submit"]').click();
      await p.locator("#who", { hasText: "vera" }).waitFor();
      await p.goto(`${desk.base}/quarantine/${derivedId}`);
      await p.locator("#entry").waitFor();
      expect(await p.locator("#approve-form").count()).toBe(0);
      const cookie = (await ctx.cookies()).find((c) => c.name === "prov_desk")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
      const csrf = await p.locator('form[action="/logout"] input[name="csrf"]').getAttribute("value");
      const before = sb.db.get<{ n: number }>("SELECT count(*) AS n FROM approvals")!.n;
      for (const action of ["approve", "release", "tag", "revoke"]) {
        const r = await raw(`${desk.base}/quarantine/${derivedId}/${action}`, {
          method: "POST",
          headers: { Cookie: `prov_desk=${cookie.value}`, Origin: desk.base, "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ csrf: csrf!, ref: "FORGED", note: "forged", tag: "not-genai" }).toString(),
        });
        expect(r.status, action).toBe(403);
        expect(r.body).toMatch(/vera is a viewer/);
      }
      expect(sb.db.get<{ n: number }>("SELECT count(*) AS n FROM approvals")!.n).toBe(before);
      expect(sb.db.quarantineRows().find((r) => r.id === derivedId)!.state).toBe("moved");
    } finally {
      await ctx.close();
    }
  });

  it("refuses requests without a session, from another origin, without the CSRF token, or to another host name", async () => {
    const url = `${desk.base}/quarantine/${derivedId}/release`;
    const cookie = (await admin.cookies()).find((c) => c.name === "prov_desk")!.value;
    const csrf = await (async () => {
      await page.goto(`${desk.base}/`);
      return (await page.locator('form[action="/logout"] input[name="csrf"]').getAttribute("value"))!;
    })();
    const form = { "Content-Type": "application/x-www-form-urlencoded" };
    const noSession = await raw(`${desk.base}/`);
    expect([noSession.status, noSession.headers.location]).toEqual([303, "/login"]);
    for (const p of ["/quarantine", `/quarantine/${derivedId}`, "/ask", "/sweeps"]) expect((await raw(`${desk.base}${p}`)).status, p).toBe(303);
    for (const p of [`/thumb/q/${derivedId}`, "/events", "/desk.js"]) expect((await raw(`${desk.base}${p}`)).status, p).toBe(401);
    expect((await raw(url, { method: "POST", headers: { ...form, Origin: desk.base }, body: `csrf=${csrf}` })).status).toBe(401);
    const evil = await raw(url, { method: "POST", headers: { ...form, Cookie: `prov_desk=${cookie}`, Origin: "http://evil.example" }, body: `csrf=${csrf}` });
    expect(evil.status).toBe(403);
    expect(evil.body).toMatch(/from http:\/\/evil\.example, not from this desk/);
    const crossSite = await raw(url, { method: "POST", headers: { ...form, Cookie: `prov_desk=${cookie}`, "Sec-Fetch-Site": "cross-site" }, body: `csrf=${csrf}` });
    expect(crossSite.status).toBe(403);
    const noToken = await raw(url, { method: "POST", headers: { ...form, Cookie: `prov_desk=${cookie}`, Origin: desk.base }, body: "csrf=nope" });
    expect(noToken.status).toBe(403);
    const rebound = await raw(`${desk.base}/`, { headers: { Host: "attacker.example", Cookie: `prov_desk=${cookie}` } });
    expect(rebound.status).toBe(421);
    expect(sb.db.quarantineRows().find((r) => r.id === derivedId)!.state).toBe("moved");
    // The page's headers: no framing, no sniffing, no inline script.
    const ok = await raw(`${desk.base}/`, { headers: { Cookie: `prov_desk=${cookie}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers["content-security-policy"]).toMatch(/script-src 'self';/);
    expect(ok.headers["content-security-policy"]).not.toMatch(/unsafe-inline/);
    expect(ok.headers["x-frame-options"]).toBe("DENY");
    expect(ok.headers["x-content-type-options"]).toBe("nosniff");
    expect(ok.body).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=/i);
    // A picture recorded outside the roots is never served, though its content is known.
    const outside = write(path.join(sb.scratch, "outside", "plate.png"), sample("procedural-noise.png"));
    expect((await sb.cli(["scan", path.dirname(outside)])).code).toBe(0);
    expect((await raw(`${desk.base}/thumb/a/${sha256(outside)}`, { headers: { Cookie: `prov_desk=${cookie}` } })).status).toBe(404);
    expect((await raw(`${desk.base}/thumb/a/${sha256(concept)}`, { headers: { Cookie: `prov_desk=${cookie}` } })).status).toBe(200);
    for (const p of ["/thumb/a/..%2f..%2fetc%2fpasswd", "/thumb/q/1%2f..", `/thumb/a/${"0".repeat(64)}`]) expect((await raw(`${desk.base}${p}`, { headers: { Cookie: `prov_desk=${cookie}` } })).status, p).toBe(404);
  });

  it("lists past sweeps with their verdicts and opens one", async () => {
    const r = await sb.cli(["sweep", sb.del]);
    expect([0, 1]).toContain(r.code);
    await page.goto(`${desk.base}/sweeps`);
    const link = page.locator("#sweeps tbody tr a").first();
    await link.waitFor();
    await link.click();
    const verdict = page.locator("#sweep-verdict");
    await verdict.waitFor();
    expect((await verdict.textContent())!.length).toBeGreaterThan(0);
    const download = page.waitForEvent("download");
    await page.locator("#sweep-download").click();
    const file = await (await download).path();
    const summary = JSON.parse(fs.readFileSync(file, "utf8")) as { sweep: Record<string, unknown> };
    expect(summary.sweep).toMatchObject({ root: sb.del, verdict: await verdict.textContent() });
    expect(summary.sweep).not.toHaveProperty("database");
  });

  it("downloads a sweep's reports as written, and says why when one moved, changed or was written on another host", async () => {
    const cookie = (await admin.cookies()).find((c) => c.name === "prov_desk")!.value;
    const get = (p: string) => raw(`${desk.base}${p}`, { headers: { Cookie: `prov_desk=${cookie}` } });
    const out = path.join(sb.scratch, "reports");
    fs.mkdirSync(out, { recursive: true });
    const html = path.join(out, "reel1 sweep.html");
    const disclosure = path.join(out, "disclosure.csv");
    const r = await sb.cli(["sweep", sb.del, "--format", "html", "--out", html, "--disclosure", disclosure]);
    expect([0, 1], r.stderr).toContain(r.code);
    const sweepId = sb.db.events("sweep").at(-1)!.id;
    const redacted = path.join(out, "for-the-studio.csv");
    const rr = await sb.cli(["sweep", sb.del, "--format", "csv", "--redact", "--out", redacted]);
    expect([0, 1], rr.stderr).toContain(rr.code);
    const redactedId = sb.db.events("sweep").at(-1)!.id;

    // The list says which reports each sweep wrote; the sweep's page lists them, as written.
    await page.goto(`${desk.base}/sweeps`);
    expect(await page.locator(`#sweeps tr[data-id="${sweepId}"] .formats`).textContent()).toBe("html, disclosure-csv");
    await page.locator(`#sweeps tr[data-id="${sweepId}"] a`).click();
    const rows = page.locator("#sweep-reports tr.report");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const htmlRow = page.locator('#sweep-reports tr[data-format="html"]');
    expect(await htmlRow.textContent()).toContain(html);
    expect(await htmlRow.locator(".state").textContent()).toBe("as written");
    const download = page.waitForEvent("download");
    await htmlRow.locator("a").click();
    const d = await download;
    expect(d.suggestedFilename()).toBe("reel1 sweep.html");
    expect(sha256(fs.readFileSync((await d.path())!))).toBe(sha256(html));
    await page.screenshot({ path: path.join(shots, "sweep-reports.png"), fullPage: true });
    const served = await get(`/sweeps/${sweepId}/reports/disclosure-csv`);
    expect(served.status).toBe(200);
    expect(served.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(served.headers["content-disposition"]).toMatch(/^attachment; filename="disclosure\.csv"/);
    expect(sha256(Buffer.from(served.body))).toBe(sha256(disclosure));
    // Only by sweep id and a recorded format: nothing else is opened.
    for (const p of [`/sweeps/${sweepId}/reports/pdf`, `/sweeps/${sweepId}/reports/..%2f..%2fetc%2fpasswd`, `/sweeps/${sweepId}/reports/html/../../x`, `/sweeps/999999/reports/html`]) expect((await get(p)).status, p).toBe(404);

    // Changed since the sweep: not served, and the page says so.
    fs.appendFileSync(html, "<!-- edited -->");
    const changed = await get(`/sweeps/${sweepId}/reports/html`);
    expect(changed.status).toBe(409);
    expect(changed.body).toContain(`the html report moved or changed since the sweep (recorded at ${html})`);
    fs.rmSync(disclosure);
    const gone = await get(`/sweeps/${sweepId}/reports/disclosure-csv`);
    expect(gone.status).toBe(404);
    expect(gone.body).toContain(`recorded at ${disclosure}`);
    await page.reload();
    expect(await htmlRow.locator(".state").textContent()).toBe("changed since the sweep");
    expect(await page.locator('#sweep-reports tr[data-format="disclosure-csv"] .state').textContent()).toBe("moved or removed since the sweep");
    expect(await htmlRow.locator("a").count()).toBe(0);

    // A redacted report: served as written, named by its file name only.
    await page.goto(`${desk.base}/sweeps/${redactedId}`);
    const red = page.locator('#sweep-reports tr[data-format="csv"]');
    expect(await red.textContent()).toContain("redacted");
    expect(await red.locator(".path").textContent()).toBe("for-the-studio.csv");
    expect(await page.content()).not.toContain(out);
    const redServed = await get(`/sweeps/${redactedId}/reports/csv`);
    expect(redServed.status).toBe(200);
    expect(sha256(Buffer.from(redServed.body))).toBe(sha256(redacted));
    fs.rmSync(redacted);
    const redGone = await get(`/sweeps/${redactedId}/reports/csv`);
    expect(redGone.status).toBe(404);
    expect(redGone.body).toContain("recorded at for-the-studio.csv");
    expect(redGone.body).not.toContain(out);

    // A facility: a sweep that ran on another host (its events written there, to the same store).
    const store = await openStore(sb.dbFile, {});
    let farId = 0;
    try {
      farId = await store.events.add("sweep", new Date().toISOString(), { path: "/mnt/render-07/deliverables", detail: { mode: "full", files: 1, exitCode: 0, verdict: "PASS: no violations", counts: {} } });
      await store.events.add("sweep-reports", new Date().toISOString(), {
        path: "/mnt/render-07/deliverables",
        detail: { sweep: farId, host: "render-07", reports: [{ path: "/mnt/render-07/reports/reel2.html", format: "html", redacted: false, size: 10, sha256: "0".repeat(64) }] },
      });
    } finally {
      await store.close();
    }
    await page.goto(`${desk.base}/sweeps/${farId}`);
    expect(await page.locator('#sweep-reports tr[data-format="html"] .state').textContent()).toBe("not on this host: written on host render-07");
    const far = await get(`/sweeps/${farId}/reports/html`);
    expect(far.status).toBe(404);
    expect(far.body).toContain("recorded at /mnt/render-07/reports/reel2.html; written on host render-07, this desk runs on");
  });

  it("fits 1280 and 1920 px: no horizontal scroll, no overlapping boxes", async () => {
    for (const width of [1280, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      for (const p of ["/", "/quarantine", `/quarantine/${derivedId}`, `/quarantine/${shotId}`, "/ask", "/sweeps"]) {
        await page.goto(`${desk.base}${p}`);
        await page.screenshot({ path: path.join(shots, `${width}${p.replace(/\//g, "_") || "_now"}.png`), fullPage: true });
        const fit = (await page.evaluate("({ scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth })")) as { scroll: number; inner: number };
        expect(fit.scroll, `${p} at ${width} px`).toBeLessThanOrEqual(fit.inner);
        const overlaps = (await page.evaluate(OVERLAPS)) as string[];
        expect(overlaps, `${p} at ${width} px`).toEqual([]);
      }
    }
  });

  it("tags and revokes as the signed-in account; a revoked file is blocked again, seen live", async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${desk.base}/quarantine/${derivedId}`);
    await page.selectOption('#tag-form select[name="tag"]', "genai");
    await page.fill('#tag-form input[name="tool"]', "Photoshop Generative Fill");
    await page.locator('#tag-form button[type="submit"]').click();
    await page.locator("#notice", { hasText: "tagged genai" }).waitFor();
    const tagged = sb.db.events("tagged").at(-1)!;
    expect(JSON.parse(tagged.detail ?? "{}")).toMatchObject({ tag: "genai", by: ADMIN, account: ADMIN, tool: "Photoshop Generative Fill" });
    // Tagged GenAI itself, the file has no GenAI look-alikes of its own now; what it was
    // blocked on still shows, side by side, with its current class beside it.
    await page.goto(`${desk.base}/quarantine/${derivedId}`);
    expect(await page.locator("#asset-status").textContent()).toMatch(/^genai/);
    const whole = page.locator("#side-by-side");
    await whole.waitFor();
    expect(await whole.textContent()).toMatch(new RegExp(`GenAI original ${sha256(concept).slice(0, 12)}.*distance \\d+ of 64 bits`, "s"));
    const side = whole.locator("#blocked-from");
    expect(await side.textContent()).toMatch(/distance \d+ of 64 bits when it was blocked/);
    expect(await side.locator("figcaption").first().textContent()).toMatch(/^this file \(now genai/);
    expect(await side.locator("figcaption").nth(1).textContent()).toContain(`GenAI original ${sha256(concept).slice(0, 12)} (now genai, temporary)`);
    const imgs = side.locator("img");
    expect(await imgs.count()).toBe(2);
    for (let i = 0; i < 2; i++) await waitFor(() => loaded(imgs.nth(i)), `picture ${i} of the side-by-side to load after the tag`);
    await page.screenshot({ path: path.join(shots, "side-by-side-tagged.png"), fullPage: true });

    await page.goto(`${desk.base}/quarantine/${shotId}`);
    await page.fill('#revoke-form input[name="note"]', "the studio withdrew it");
    await page.locator('#revoke-form button[type="submit"]').click();
    await page.locator("#notice", { hasText: "revoked: now genai/temporary" }).waitFor();
    expect(sb.db.get<{ action: string; by: string; note: string }>("SELECT action, by, note FROM approvals ORDER BY id DESC LIMIT 1")).toEqual({ action: "revoke", by: ADMIN, note: "the studio withdrew it" });
    // The watcher judges deliverables again after a decision: the released file goes back to quarantine.
    await page.goto(`${desk.base}/`);
    await page.locator("#recent li", { hasText: "sky_v001.png" }).filter({ hasText: "moved" }).waitFor({ timeout: 60_000 });
  });
});

/** A picture has loaded (and decoded to something). */
const loaded = (img: Locator): Promise<boolean> => img.evaluate((e) => { const i = e as unknown as { complete: boolean; naturalWidth: number }; return i.complete && i.naturalWidth > 0; });

const loadedAll = (img: Locator): Promise<boolean> => waitFor(() => loaded(img), "a picture to load");

/** Pairs of the main layout boxes that overlap (one inside the other does not count). */
const OVERLAPS = `(() => {
  const boxes = [...document.querySelectorAll("header, header > *, main > section, main > p, .card, .pair figure, .entry > *")].map((e) => ({ e, r: e.getBoundingClientRect() }));
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ")[0] : "");
  const out = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 1 && y > 1) out.push(name(a.e) + " / " + name(b.e));
    }
  return out;
})()`;
