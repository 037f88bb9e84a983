// ASC MHL generations on a real tree (xxh128, the default): original / verified / failed
// across generations, ignore patterns, odd names, a format change, a corrupt chain, and
// every file written validated by xmllint against the ASC MHL schemas.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { c4File, hashFileMhl, readChain, readGeneration, writeGeneration, type HashEntry, type MhlAlgorithm, type MhlFile } from "../../src/adapters/mhl/index.js";
import { tempDir } from "../helpers/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const schemas = path.resolve(repoRoot, "../shared/fixtures/ascmhl");
const XMLLINT = "/usr/bin/xmllint";
const canValidate = fs.existsSync(path.join(schemas, "ASCMHL.xsd")) && fs.existsSync(XMLLINT);
if (!canValidate && process.env["CI"]) throw new Error(`CI is set but ${schemas}/ASCMHL.xsd or ${XMLLINT} is missing`);


function put(root: string, rel: string, content: string): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), content);
}

async function filesOf(root: string, alg: MhlAlgorithm = "xxh128"): Promise<MhlFile[]> {
  const out: MhlFile[] = [];
  for (const rel of (fs.readdirSync(root, { recursive: true }) as string[]).sort()) {
    const abs = path.join(root, rel);
    const st = fs.statSync(abs);
    if (st.isFile()) out.push({ path: rel.split(path.sep).join("/"), size: st.size, mtime: st.mtime, hash: await hashFileMhl(abs, alg) });
  }
  return out;
}

/** Path → hash entries of one generation file. */
function entriesOf(file: string): Map<string, HashEntry[]> {
  const m = new Map<string, HashEntry[]>();
  readGeneration(fs.readFileSync(file, "utf8"), (p, e) => m.set(p, e));
  return m;
}

/** xmllint's verdict on every .mhl and the chain in root/ascmhl. */
function validateAll(root: string): void {
  if (!canValidate) return;
  const dir = path.join(root, "ascmhl");
  for (const name of fs.readdirSync(dir)) {
    const xsd = name === "ascmhl_chain.xml" ? "ASCMHLDirectory.xsd" : "ASCMHL.xsd";
    expect(name.endsWith(".mhl") || name === "ascmhl_chain.xml", `unexpected ${name}`).toBe(true);
    try {
      execFileSync(XMLLINT, ["--noout", "--schema", path.join(schemas, xsd), path.join(dir, name)], { stdio: "pipe" });
    } catch (e) {
      const err = e as { stderr?: Buffer };
      throw new Error(`${name} does not validate against ${xsd}:\n${err.stderr?.toString() ?? String(e)}`);
    }
  }
}

describe("ASC MHL generations (xxh128)", () => {
  it("second generation: verified, failed (modified) and original (new); schema-valid; chain of C4s", async () => {
    const root = path.join(tempDir(), "Reel 01");
    put(root, "A001/clip1.mov", "clip one");
    put(root, "A001/clip2.mov", "clip two");
    put(root, "A001/Sub/deep.wav", "deep audio");
    put(root, "notes & <remarks>.txt", "odd name");
    put(root, "Ünïcødé/名前.txt", "unicode name");
    put(root, ".DS_Store", "finder junk");
    put(root, "render.tmp", "ignored by a custom pattern");
    fs.mkdirSync(path.join(root, "Empty"));

    const g1 = await writeGeneration(root, await filesOf(root), {
      now: new Date("2024-03-01T10:00:00.789Z"),
      toolName: "prov",
      toolVersion: "0.1.0",
      ignore: ["*.tmp"],
      directories: ["Empty"],
    });
    expect(g1.generation).toBe(1);
    expect(path.basename(g1.file)).toBe("0001_Reel 01_2024-03-01_100000Z.mhl");
    expect(g1.counts).toEqual({ original: 5, verified: 0, failed: 0, ignored: 2 });
    const e1 = entriesOf(g1.file);
    // The reference's order: each subfolder's subtree (post-order), then the root's own files.
    expect([...e1.keys()]).toEqual(["A001/Sub/deep.wav", "A001/clip1.mov", "A001/clip2.mov", "Ünïcødé/名前.txt", "notes & <remarks>.txt"]);
    expect(e1.get("A001/clip1.mov")).toEqual([{ format: "xxh128", hash: await hashFileMhl(path.join(root, "A001/clip1.mov"), "xxh128"), action: "original" }]);
    const xml1 = fs.readFileSync(g1.file, "utf8");
    // An empty folder is recorded, as the reference does: both hashes are the hash of nothing.
    expect(xml1).toMatch(/<path lastmodificationdate="[^"]+">Empty<\/path>\s*<content>\s*<xxh128 [^>]*>99aa06d3014798d86001c324468d497f<\/xxh128>\s*<\/content>\s*<structure>\s*<xxh128 [^>]*>99aa06d3014798d86001c324468d497f</);
    expect(xml1).toContain("<pattern>*.tmp</pattern>");
    expect(xml1).toContain(">notes &amp; &lt;remarks&gt;.txt</path>");
    expect(xml1).toContain("<creationdate>2024-03-01T10:00:00+00:00</creationdate>");

    // Between runs: one file modified, one added.
    put(root, "A001/clip2.mov", "clip two, re-rendered");
    put(root, "A001/clip3.mov", "clip three");
    const g2 = await writeGeneration(root, await filesOf(root), { now: new Date("2024-03-02T11:22:33Z"), directories: ["Empty"] });
    expect(g2.generation).toBe(2);
    expect(path.basename(g2.file)).toBe("0002_Reel 01_2024-03-02_112233Z.mhl");
    expect(g2.failed).toEqual(["A001/clip2.mov"]);
    expect(g2.missing).toEqual([]);
    // Ignored: .DS_Store, render.tmp (*.tmp is carried over), and ascmhl/'s own two files,
    // which filesOf() hands in like any other.
    expect(g2.counts).toEqual({ original: 1, verified: 4, failed: 1, ignored: 4 });
    const e2 = entriesOf(g2.file);
    const action = (p: string): string | undefined => e2.get(p)?.[0]?.action;
    expect(action("A001/clip1.mov")).toBe("verified");
    expect(action("A001/Sub/deep.wav")).toBe("verified");
    expect(action("notes & <remarks>.txt")).toBe("verified"); // the escaped name reads back as the same path
    expect(action("Ünïcødé/名前.txt")).toBe("verified");
    expect(action("A001/clip2.mov")).toBe("failed");
    expect(action("A001/clip3.mov")).toBe("original");
    expect(e2.has("render.tmp") || e2.has(".DS_Store")).toBe(false);
    expect(fs.readFileSync(g2.file, "utf8")).toContain("<pattern>*.tmp</pattern>"); // carried over from generation 1

    // A third run after the failure: the modified file still fails against its original hash.
    const g3 = await writeGeneration(root, await filesOf(root), { now: new Date("2024-03-03T00:00:00Z") });
    expect(g3.failed).toEqual(["A001/clip2.mov"]);
    expect(entriesOf(g3.file).get("A001/clip3.mov")?.[0]?.action).toBe("verified");

    const chain = readChain(fs.readFileSync(g3.chain, "utf8"));
    expect(chain.map((c) => [c.sequence, c.path])).toEqual([
      [1, path.basename(g1.file)],
      [2, path.basename(g2.file)],
      [3, path.basename(g3.file)],
    ]);
    for (const c of chain) expect(await c4File(path.join(root, "ascmhl", c.path))).toBe(c.c4);
    expect(g3.c4).toBe(chain[2]!.c4);
    validateAll(root);
  });

  it("a file deleted since the last generation is reported missing", async () => {
    const root = tempDir();
    put(root, "a.mov", "a");
    put(root, "b/c.mov", "c");
    await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-01T00:00:00Z") });
    fs.rmSync(path.join(root, "b/c.mov"));
    const g2 = await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-02T00:00:00Z") });
    expect(g2.missing).toEqual(["b/c.mov"]);
    expect(g2.counts).toMatchObject({ verified: 1, failed: 0, original: 0 });
    validateAll(root);
  });

  it("changing the format re-verifies in the recorded one first, as the reference tool does", async () => {
    const root = tempDir();
    put(root, "x.mov", "x");
    put(root, "y.mov", "y");
    await writeGeneration(root, await filesOf(root, "xxh64"), { algorithm: "xxh64", now: new Date("2024-01-01T00:00:00Z") });
    put(root, "y.mov", "y changed");
    const g2 = await writeGeneration(root, await filesOf(root, "xxh128"), { algorithm: "xxh128", now: new Date("2024-01-02T00:00:00Z") });
    const e = entriesOf(g2.file);
    // Schema order inside <hash>: xxh128 before xxh64.
    expect(e.get("x.mov")!.map((h) => [h.format, h.action])).toEqual([
      ["xxh128", "verified"],
      ["xxh64", "verified"],
    ]);
    expect(e.get("y.mov")!.map((h) => [h.format, h.action])).toEqual([["xxh64", "failed"]]);
    expect(g2.failed).toEqual(["y.mov"]);
    // From then on xxh128 has its own first hash to compare with.
    const g3 = await writeGeneration(root, await filesOf(root, "xxh128"), { now: new Date("2024-01-03T00:00:00Z") });
    expect(entriesOf(g3.file).get("x.mov")!.map((h) => [h.format, h.action])).toEqual([["xxh128", "verified"]]);
    validateAll(root);
  });

  it("md5, sha1 and c4 formats write schema-valid generations", async () => {
    for (const alg of ["md5", "sha1", "c4", "xxh3"] as const) {
      const root = tempDir();
      put(root, "d/f.bin", "data");
      put(root, "g.bin", "");
      const g = await writeGeneration(root, await filesOf(root, alg), { algorithm: alg, now: new Date("2024-01-01T00:00:00Z") });
      expect(entriesOf(g.file).get("d/f.bin")![0]!.format).toBe(alg);
      expect(fs.readFileSync(g.file, "utf8")).toContain('<path size="0"');
      validateAll(root);
    }
  });

  it("an empty folder still gets a valid generation", async () => {
    const root = tempDir();
    const g = await writeGeneration(root, [], { now: new Date("2024-01-01T00:00:00Z") });
    expect(fs.readFileSync(g.file, "utf8")).not.toContain("<hashes>");
    validateAll(root);
  });

  it("a generation left out of the chain (a run stopped before updating it) joins the chain on the next run", async () => {
    const root = tempDir();
    put(root, "Clips/a.mov", "a");
    await writeGeneration(root, await filesOf(root), { now: new Date("2026-11-01T10:00:00Z") });
    const chainFile = path.join(root, "ascmhl", "ascmhl_chain.xml");
    const afterFirst = fs.readFileSync(chainFile, "utf8");
    const second = await writeGeneration(root, await filesOf(root), { now: new Date("2026-11-02T10:00:00Z") });
    fs.writeFileSync(chainFile, afterFirst); // as if the process died between the generation and the chain
    const third = await writeGeneration(root, await filesOf(root), { now: new Date("2026-11-03T10:00:00Z") });
    expect(third).toMatchObject({ generation: 3, rechained: [2] });
    const chain = readChain(fs.readFileSync(chainFile, "utf8"));
    expect(chain.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(chain[1]).toEqual({ sequence: 2, path: path.basename(second.file), c4: await c4File(second.file) });
    validateAll(root);
  });

  it("a corrupt chain stops it before anything is written, and is left as it was", async () => {
    const root = tempDir();
    put(root, "a.mov", "a");
    await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-01T00:00:00Z") });
    const chainFile = path.join(root, "ascmhl", "ascmhl_chain.xml");
    const truncated = fs.readFileSync(chainFile, "utf8").slice(0, 150);
    fs.writeFileSync(chainFile, truncated);
    const before = fs.readdirSync(path.join(root, "ascmhl")).sort();
    await expect(writeGeneration(root, await filesOf(root), { now: new Date("2024-01-02T00:00:00Z") })).rejects.toThrow(chainFile);
    expect(fs.readFileSync(chainFile, "utf8")).toBe(truncated);
    expect(fs.readdirSync(path.join(root, "ascmhl")).sort()).toEqual(before);
  });

  it("a generation file that cannot be read is named in the error", async () => {
    const root = tempDir();
    put(root, "a.mov", "a");
    const g1 = await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-01T00:00:00Z") });
    fs.writeFileSync(g1.file, fs.readFileSync(g1.file, "utf8").slice(0, 300));
    await expect(writeGeneration(root, await filesOf(root), { now: new Date("2024-01-02T00:00:00Z") })).rejects.toThrow(g1.file);
  });

  it("never replaces an existing file with a generation", async () => {
    const root = path.join(tempDir(), "R");
    put(root, "a.mov", "a");
    await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-01T00:00:00Z") });
    // Something already has the next generation's name (a folder, so it is not read as one).
    const squatter = path.join(root, "ascmhl", "0002_R_2024-01-02_000000Z.mhl");
    fs.mkdirSync(squatter);
    const chainBefore = fs.readFileSync(path.join(root, "ascmhl", "ascmhl_chain.xml"), "utf8");
    await expect(writeGeneration(root, await filesOf(root), { now: new Date("2024-01-02T00:00:00Z") })).rejects.toThrow(/already exists/);
    expect(fs.statSync(squatter).isDirectory()).toBe(true);
    expect(fs.readFileSync(path.join(root, "ascmhl", "ascmhl_chain.xml"), "utf8")).toBe(chainBefore);
    expect(fs.readdirSync(path.join(root, "ascmhl")).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("rejects what would make a wrong generation", async () => {
    const root = tempDir();
    const f = (p: string, hash = "0".repeat(32)): MhlFile => ({ path: p, size: 1, mtime: new Date(), hash });
    await expect(writeGeneration(root, [f("../x")])).rejects.toThrow(/relative/);
    await expect(writeGeneration(root, [f("/abs")])).rejects.toThrow(/relative/);
    await expect(writeGeneration(root, [f("a"), f("a")])).rejects.toThrow(/twice/);
    await expect(writeGeneration(root, [f("a", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")])).rejects.toThrow(/not an xxh128 digest/);
    await expect(writeGeneration(root, [f("bad\u0001name")])).rejects.toThrow(/XML cannot carry/);
    expect(fs.existsSync(path.join(root, "ascmhl"))).toBe(false);
  });
});
