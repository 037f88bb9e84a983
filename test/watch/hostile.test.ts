// The hostile matrix: every way a red team found to get temporary GenAI into deliverables
// or to lose a file, each against a real `prov watch`, with native events and with polling.
// Each case asserts what matters: the GenAI file is gone from deliverables (within the hang
// guard), it is in quarantine byte-identical with a receipt that parses, clean files are
// untouched, and nothing is lost or duplicated.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  contentIndex,
  disposeAll,
  expectAllowed,
  expectBlocked,
  expectNoErrors,
  expectQuarantineConsistent,
  lexists,
  ENGINE_MODES,
  parseJson,
  plateJpg,
  receiptOf,
  Sandbox,
  sample,
  sha256,
  SHM,
  uniqueGenaiPng,
  uniquePlainPng,
  waitBlocked,
  waitFor,
  type Watcher,
  write,
} from "./helpers.js";

afterAll(disposeAll);

/** A GenAI JPEG: the concept-art sample (IPTC trainedAlgorithmicMedia), made unique. */
const genaiJpg = (tag: string): Buffer => Buffer.concat([sample("genai-concept-art.jpg"), Buffer.from(`\nhostile:${tag}\n`)]);

/** A picture with real structure (so its perceptual hash is not noise), labelled GenAI the A1111 way when asked. */
async function picture(seed: number, genai: boolean): Promise<Buffer> {
  const w = 256;
  const h = 192;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      px[i] = (Math.sin((x + seed * 13) / (9 + (seed % 7))) * 0.5 + 0.5) * 255;
      px[i + 1] = (Math.cos((y - seed * 7) / (11 + (seed % 5))) * 0.5 + 0.5) * 255;
      px[i + 2] = ((x * y + seed * 31) % 256) * ((x + y) % 64 < 32 ? 1 : 0.3);
    }
  }
  const png = sharp(px, { raw: { width: w, height: h, channels: 3 } }).png();
  const bytes = genai ? await png.withMetadata().toBuffer() : await png.toBuffer();
  if (!genai) return bytes;
  // The A1111 "parameters" text chunk, right after IHDR (33 bytes in).
  const text = Buffer.from(`parameters\0a picture ${seed}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: ${seed}, Size: ${w}x${h}, Model: sdxl`, "latin1");
  const len = Buffer.alloc(4);
  len.writeUInt32BE(text.length);
  const body = Buffer.concat([Buffer.from("tEXt", "latin1"), text]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlibCrc(body));
  return Buffer.concat([bytes.subarray(0, 33), len, body, crc, bytes.subarray(33)]);
}

function zlibCrc(b: Buffer): number {
  // node:zlib.crc32 exists on Node 20.15+ and 22+.
  return (require("node:zlib") as { crc32(b: Buffer): number }).crc32(b) >>> 0;
}

import { createRequire } from "node:module";
const require = createRequire(import.meta.url);

describe.each(ENGINE_MODES)("the hostile matrix (%s, %s)", (engine, mode) => {
  let sb: Sandbox;
  let w: Watcher;
  beforeAll(async () => {
    sb = await Sandbox.create({ engine, mode });
    w = await sb.watch();
  });
  afterAll(async () => {
    if (w?.alive) expectNoErrors(w);
    await sb?.dispose();
  });

  it("a burst of 400 files with 8 GenAI: every GenAI file out, clean ones untouched, at most two checks per file", { timeout: 300_000 }, async () => {
    const staging = path.join(sb.scratch, `burst-${mode}`);
    const genai = new Map<string, string>();
    const plain = new Map<string, string>();
    for (let i = 0; i < 400; i++) {
      const rel = path.join(`r${i % 8}`, `f-${i}.png`);
      const data = i % 50 === 7 ? uniqueGenaiPng(`burst-${mode}-${i}`) : uniquePlainPng(`burst-${mode}-${i}`);
      write(path.join(staging, rel), data);
      (i % 50 === 7 ? genai : plain).set(sha256(data), rel);
    }
    const checksBefore = (sb.db.watcher()?.state as { gate?: { checks: number } }).gate?.checks ?? 0;
    const dest = path.join(sb.del, `burst-${mode}`);
    fs.renameSync(staging, dest);
    for (const [sha, rel] of genai) await expectBlocked(sb, path.join(dest, rel), sha);
    for (const [sha, rel] of plain) await waitFor(() => sb.db.assetShaOfLocation(path.join(dest, rel)) === sha, `the gate to record ${rel}`);
    const st = await sb.waitIdle(w);
    const checks = ((st.state as { gate?: { checks: number } }).gate?.checks ?? 0) - checksBefore;
    expect(checks, "gate checks for 400 files").toBeLessThanOrEqual(2 * 400);
    const inDel = contentIndex(sb.del);
    for (const [sha, rel] of plain) expect(inDel.get(sha), rel).toEqual([path.join(dest, rel)]);
    expectQuarantineConsistent(sb);
  });

  it("a GenAI file touched every moment (never stable) is blocked anyway", async () => {
    const g = genaiJpg(`touched-${mode}`);
    const f = write(path.join(sb.del, "touched", "live.jpg"), g);
    let stop = false;
    const toucher = (async () => {
      while (!stop && lexists(f)) {
        const t = new Date();
        try {
          fs.utimesSync(f, t, t);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 50)); // a writer's pace, not a wait for a result
      }
    })();
    try {
      await expectBlocked(sb, f, sha256(g));
    } finally {
      stop = true;
      await toucher;
    }
  });

  it("GenAI inside a folder whose name is not UTF-8 is blocked by its bytes; a clean file there is held; both receipts parse", async () => {
    const dirRaw = Buffer.concat([Buffer.from(path.join(sb.del, "latin1") + "/"), Buffer.from([0x52, 0xe9, 0x65, 0x6c, 0x31])]); // "Réel1" in Latin-1
    fs.mkdirSync(dirRaw, { recursive: true });
    const g = genaiJpg(`latin1-${mode}`);
    const p = plateJpg(`latin1-${mode}`);
    fs.writeFileSync(Buffer.concat([dirRaw, Buffer.from("/gen.jpg")]), g);
    fs.writeFileSync(Buffer.concat([dirRaw, Buffer.from("/plate.jpg")]), p);
    const shown = path.join(sb.del, "latin1", "R\\xe9el1");
    const gen = await waitBlocked(sb, path.join(shown, "gen.jpg"), sha256(g));
    expect(gen.kind).toBe("blocked");
    const plate = await waitBlocked(sb, path.join(shown, "plate.jpg"), sha256(p));
    expect(plate.kind).toBe("held");
    for (const row of [gen, plate]) {
      const receipt = receiptOf(row) as unknown as Record<string, unknown>;
      expect(Buffer.from(String(receipt["original_path_bytes_hex"]), "hex").subarray(-4).toString()).toMatch(/\.jpg$/);
      expect(sha256(row.quarantine_path)).toBe(row.sha256);
    }
    expect(fs.readdirSync(dirRaw)).toEqual([]);
  });

  it("churn of one name (GenAI, deleted, recreated clean, again): the last, clean file stays; nothing is lost", async () => {
    const dir = path.join(sb.del, `churn-${mode}`);
    const f = path.join(dir, "shot.png");
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const gen = uniqueGenaiPng(`churn-${mode}-${i}`);
      write(f, gen);
      made.push(sha256(gen));
      fs.rmSync(f, { force: true });
      const clean = uniquePlainPng(`churn-${mode}-${i}`);
      write(f, clean);
      if (i === 4) made.push(sha256(clean));
      else {
        fs.rmSync(f);
      }
    }
    const last = made.at(-1)!;
    await expectAllowed(sb, w, f, last);
    // Every GenAI version that was ever seen by the gate is in quarantine, nothing twice.
    for (const [, paths] of contentIndex(sb.q)) expect(paths.length).toBe(1);
    expectQuarantineConsistent(sb);
  });

  it("a labelled GenAI still first seen in deliverables is fingerprinted: a resized, label-free copy delivered next is blocked as derived", async () => {
    const g = await picture(101 + (mode === "polling" ? 1 : 0), true);
    const first = write(path.join(sb.del, "first-seen", "gen.png"), g);
    const row = await expectBlocked(sb, first, sha256(g));
    // The move is verified and the quarantined picture fingerprinted.
    await waitFor(() => sb.db.get<{ v: string | null }>("SELECT verified_at AS v FROM quarantine WHERE id = ?", row.id)?.v, "the move to be verified");
    const copy = await sharp(g).resize({ width: 160 }).jpeg({ quality: 80 }).toBuffer();
    const c = write(path.join(sb.del, "first-seen", "regraded.jpg"), copy);
    const blocked = await expectBlocked(sb, c, sha256(copy));
    expect(blocked.reason).toMatch(/^derived from temporary GenAI asset/);
    // ... and `prov release` refuses it without --force: the same decision as the gate.
    const rel = await sb.cli(["release", String(blocked.id), "--by", "editor"]);
    expect(rel.code, rel.stderr).toBe(2);
    expect(rel.stderr).toMatch(/would be blocked again: derived from temporary GenAI asset/);
  });

  it("resized GenAI copies saved as BMP, TGA or PPM, or renamed .dat, .jpg.bak or without extension, are blocked as derived: decided by content", { timeout: 180_000 }, async () => {
    const g = await picture(211 + (mode === "polling" ? 1 : 0), true);
    const first = write(path.join(sb.del, "by-content", "gen.png"), g);
    const row = await expectBlocked(sb, first, sha256(g));
    await waitFor(() => sb.db.get<{ v: string | null }>("SELECT verified_at AS v FROM quarantine WHERE id = ?", row.id)?.v, "the move to be verified");
    const src = path.join(sb.scratch, `by-content-${mode}.png`);
    fs.writeFileSync(src, g);
    // Written by ffmpeg, as a finishing tool would: label-free, resized, another format.
    const copies: Array<[codec: string, pixFmt: string, name: string]> = [
      ["bmp", "bgr24", "copy.bmp"],
      ["targa", "bgr24", "copy.tga"],
      ["ppm", "rgb24", "copy.ppm"],
      ["bmp", "bgr24", "copy.dat"],
      ["targa", "bgr24", "still.jpg.bak"],
      ["ppm", "rgb24", "no-extension"],
    ];
    for (const [codec, pixFmt, name] of copies) {
      const out = path.join(sb.scratch, `${mode}-${name}`);
      execFileSync("ffmpeg", ["-v", "error", "-y", "-i", src, "-vf", "scale=192:144", "-c:v", codec, "-pix_fmt", pixFmt, "-f", "image2", out]);
      const data = fs.readFileSync(out);
      const f = write(path.join(sb.del, "by-content", name), data);
      const blocked = await expectBlocked(sb, f, sha256(data));
      expect(blocked.reason, name).toMatch(/^derived from temporary GenAI asset/);
    }
  });

  it("names with a newline or $(...) are blocked; receipts parse and name the right file", async () => {
    const names = ["a\nprov: released: everything-is-clean.jpg", "$(touch pwned).jpg", "-rf .jpg", "back`tick`.jpg"];
    for (const n of names) {
      const g = genaiJpg(`name-${mode}-${JSON.stringify(n)}`);
      const f = write(path.join(sb.del, "names", n), g);
      const row = await expectBlocked(sb, f, sha256(g));
      expect(receiptOf(row).original_path).toBe(f);
    }
    expect(lexists(path.join(sb.dir, "pwned"))).toBe(false);
  });

  it("folder rules ignore case: a label-free file in ai_temp/ is blocked", async () => {
    const d = uniquePlainPng(`aitemp-${mode}`);
    const f = write(path.join(sb.del, "ai_temp", "plate.png"), d);
    const row = await expectBlocked(sb, f, sha256(d));
    expect(row.reason).toMatch(/folder rule \*\*\/AI_TEMP\/\*\*/);
  });

  it("GenAI inside a zip or a tar.gz is blocked, naming the member; a clean archive stays", async () => {
    const src = path.join(sb.scratch, `arch-${mode}`);
    fs.mkdirSync(path.join(src, "shots"), { recursive: true });
    fs.writeFileSync(path.join(src, "shots", "sh010.jpg"), genaiJpg(`zip-${mode}`));
    fs.writeFileSync(path.join(src, "shots", "plate.jpg"), plateJpg(`zip-${mode}`));
    execFileSync("zip", ["-qr", path.join(sb.scratch, `a-${mode}.zip`), "shots"], { cwd: src });
    execFileSync("tar", ["czf", path.join(sb.scratch, `a-${mode}.tgz`), "shots"], { cwd: src });
    fs.rmSync(path.join(src, "shots", "sh010.jpg"));
    execFileSync("zip", ["-qr", path.join(sb.scratch, `clean-${mode}.zip`), "shots"], { cwd: src });
    for (const a of [`a-${mode}.zip`, `a-${mode}.tgz`]) {
      const data = fs.readFileSync(path.join(sb.scratch, a));
      const f = write(path.join(sb.del, "archives", a), data);
      const row = await expectBlocked(sb, f, sha256(data));
      expect(row.reason).toMatch(/it holds temporary GenAI: .*shots\/sh010\.jpg/);
    }
    const clean = fs.readFileSync(path.join(sb.scratch, `clean-${mode}.zip`));
    await expectAllowed(sb, w, write(path.join(sb.del, "archives", "clean.zip"), clean), sha256(clean));
  });

  it("a whole GenAI JPEG appended after a clean one is blocked", async () => {
    const data = Buffer.concat([sample("camera-plate.jpg"), sample("genai-concept-art.jpg"), Buffer.from(mode)]);
    const f = write(path.join(sb.del, "appended", "plate.jpg"), data);
    const row = await expectBlocked(sb, f, sha256(data));
    expect(row.reason).toMatch(/it holds temporary GenAI: jpeg after the end of the jpeg/);
  });

  it("an empty file is allowed and stays (README: nothing in it can be GenAI; judged again when it grows)", async () => {
    const f = write(path.join(sb.del, "empty", "placeholder.png"), Buffer.alloc(0));
    const old = new Date(Date.now() - 600_000);
    fs.utimesSync(f, old, old);
    await sb.waitIdle(w);
    expect(lexists(f)).toBe(true);
    expect(sb.db.quarantineRows().filter((r) => r.original_path === f)).toEqual([]);
  });
});

describe.each(ENGINE_MODES)("a growing GenAI file with the quarantine on another filesystem (%s, %s)", (engine, mode) => {
  it("is made unreadable in place while it grows, never unlinked early, and moved whole once complete", { timeout: 180_000 }, async () => {
    const sb = await Sandbox.create({ engine, mode, quarantineOnShm: true, noWorking: true, stableSeconds: 1 });
    try {
      expect(fs.statSync(SHM).dev).not.toBe(fs.statSync(sb.del).dev);
      const w = await sb.watch();
      const f = path.join(sb.del, "render.jpg");
      // Labels first (the JPEG header), then 30 MiB more, written in steps the test controls.
      const head = genaiJpg(`growing-${mode}`);
      const fh = fs.openSync(f, "wx", 0o644);
      fs.writeSync(fh, head);
      const row = await waitFor(() => sb.db.quarantineRows().find((r) => r.original_path === f && r.state === "stuck"), "the gate to report it blocked but still being written");
      expect(row.error).toMatch(/still being written/);
      expect(fs.statSync(f).mode & 0o777, "unreadable in place").toBe(0);
      const chunk = Buffer.alloc(1024 * 1024, 0x5a);
      for (let i = 0; i < 30; i++) fs.writeSync(fh, chunk); // the writer's fd stays valid
      fs.closeSync(fh);
      const all = Buffer.concat([head, ...Array.from({ length: 30 }, () => chunk)]);
      const moved = await waitBlocked(sb, f, null, 120_000);
      expect(lexists(f)).toBe(false);
      expect(fs.statSync(moved.quarantine_path).size).toBe(all.length);
      expect(sha256(moved.quarantine_path)).toBe(sha256(all));
      expect(fs.statSync(moved.quarantine_path).mode & 0o777, "the copy has the file's own permissions back").toBe(0o644);
      await sb.waitIdle(w);
      expectQuarantineConsistent(sb);
      expectNoErrors(w);
      const st = parseJson<{ stillPresent: unknown[] }>(await sb.cli(["status", "--json"]));
      expect(st.stillPresent).toEqual([]);
    } finally {
      await sb.dispose();
    }
  });
});
