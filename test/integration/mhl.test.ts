// ASC MHL generations on a real tree (xxh128, the default): original / verified / failed
// across generations, ignore patterns, odd names, a format change, a corrupt chain, and
// every file written validated by xmllint against the ASC MHL schemas.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { c4File, c4id, hashFileMhl, readChain, readGeneration, writeGeneration, type HashEntry, type MhlAlgorithm, type MhlFile } from "../../src/adapters/mhl/index.js";
import { checkMhl, MHL_EXIT, mhlInfo } from "../../src/app/mhl-verify.js";
import { InputError } from "../../src/domain/errors.js";
import { tempDir } from "../helpers/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const schemas = path.resolve(repoRoot, "../shared/fixtures/ascmhl");
const XMLLINT = "/usr/bin/xmllint";
const canValidate = fs.existsSync(path.join(schemas, "ASCMHL.xsd")) && fs.existsSync(XMLLINT);
if (!canValidate && process.env["CI"]) throw new Error(`CI is set but ${schemas}/ASCMHL.xsd or ${XMLLINT} is missing`);
if (!canValidate) console.warn(`not validating against the ASC MHL schemas: ${schemas}/ASCMHL.xsd or ${XMLLINT} is missing`);
const example = path.join(schemas, "example/A002R2EC");
const haveExample = fs.existsSync(path.join(example, "ascmhl", "ascmhl_chain.xml"));
if (!haveExample && process.env["CI"]) throw new Error(`CI is set but the ASC MHL reference example is missing: expected ${example}`);
if (!haveExample) console.warn(`skipping verify/diff/info on the ASC MHL reference example: ${example} is missing`);


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

// ------------------------------------------------------------------ verify, diff, info

/** A writable copy of the reference example (the fixture is read-only). */
function exampleCopy(): string {
  const root = path.join(tempDir(), "A002R2EC");
  fs.cpSync(example, root, { recursive: true });
  fs.chmodSync(root, 0o755);
  for (const p of fs.readdirSync(root, { recursive: true }) as string[]) fs.chmodSync(path.join(root, p), fs.statSync(path.join(root, p)).isDirectory() ? 0o755 : 0o644);
  return root;
}

const GEN1 = "0001_A002R2EC_2020-01-16_091500Z.mhl";
const GEN2 = "0002_A002R2EC_2020-01-17_143000Z.mhl";

describe.runIf(haveExample)("prov mhl verify/diff/info on the ASC MHL reference example", () => {
  it("the untouched example verifies: every file, its chain, exit 0", async () => {
    const r = await checkMhl(example, "verify");
    expect(r).toMatchObject({ status: "ok", exitCode: 0, generation: 2, changed: [], missing: [], extra: [], history: [] });
    expect(r.counts).toMatchObject({ checked: 3, ok: 3 });
    const d = await checkMhl(example, "diff");
    expect(d).toMatchObject({ status: "ok", exitCode: 0, changed: [], missing: [], extra: [] });
  });

  it("changed, missing, new and renamed files, each with ascmhl's exit code", async () => {
    const root = exampleCopy();
    // A new .DS_Store is ignored by the generation's patterns, not new.
    fs.writeFileSync(path.join(root, "Clips/.DS_Store"), "finder");
    expect((await checkMhl(root, "verify")).exitCode).toBe(0);

    fs.writeFileSync(path.join(root, "Sidecar.txt"), "BLOREM ipsum dolor sit amet, consetetur sadipscing elitr!\n"); // same size (58)
    let r = await checkMhl(root, "verify");
    expect(r).toMatchObject({ status: "verification-failed", exitCode: MHL_EXIT.verificationFailed });
    expect(r.changed).toEqual([
      { path: "Sidecar.txt", reason: "hash", format: "xxh64", expected: "3ab5a4166b9bde44", actual: await hashFileMhl(path.join(root, "Sidecar.txt"), "xxh64"), generation: 1 },
    ]);
    // diff does not read content: the same size is no change to it.
    expect((await checkMhl(root, "diff")).exitCode).toBe(0);
    fs.copyFileSync(path.join(example, "Sidecar.txt"), path.join(root, "Sidecar.txt"));

    fs.rmSync(path.join(root, "Clips/A002C007_141024_R2EC.mov"));
    r = await checkMhl(root, "verify");
    expect(r).toMatchObject({ status: "missing-files", exitCode: 15, missing: [{ path: "Clips/A002C007_141024_R2EC.mov" }], extra: [] });
    expect((await checkMhl(root, "diff")).exitCode).toBe(15);

    fs.writeFileSync(path.join(root, "Clips/A002C008_141024_R2EC.mov"), "new clip");
    r = await checkMhl(root, "verify");
    // New files outrank missing ones, as in ascmhl.
    expect(r).toMatchObject({ status: "new-files", exitCode: 13, extra: [{ path: "Clips/A002C008_141024_R2EC.mov", size: 8 }] });
    expect((await checkMhl(root, "diff")).exitCode).toBe(13);
    fs.rmSync(path.join(root, "Clips/A002C008_141024_R2EC.mov"));

    // A rename: the missing file's content under a new name.
    fs.copyFileSync(path.join(example, "Clips/A002C007_141024_R2EC.mov"), path.join(root, "Clips/renamed.mov"));
    r = await checkMhl(root, "verify");
    expect(r.missing).toEqual([{ path: "Clips/A002C007_141024_R2EC.mov", renamedTo: "Clips/renamed.mov" }]);
    expect(r.extra).toEqual([{ path: "Clips/renamed.mov", size: 4, renamedFrom: "Clips/A002C007_141024_R2EC.mov" }]);
    expect(r).toMatchObject({ exitCode: 13, counts: { renamed: 1 } });

    // A changed file outranks new and missing ones.
    fs.writeFileSync(path.join(root, "Clips/A002C006_141024_R2EC.mov"), "longer now");
    r = await checkMhl(root, "verify");
    expect(r.exitCode).toBe(12);
    const d = await checkMhl(root, "diff");
    expect(d.changed).toEqual([{ path: "Clips/A002C006_141024_R2EC.mov", reason: "size", expectedSize: 5, actualSize: 10, generation: 1 }]);
    expect(d.exitCode).toBe(12);
  });

  it("a generation edited after it was written is found by its C4 ID: exit 16", async () => {
    const root = exampleCopy();
    const gen1 = path.join(root, "ascmhl", GEN1);
    // Still a valid MHL file, and the media files still match it: only the chain can tell.
    fs.writeFileSync(gen1, fs.readFileSync(gen1, "utf8").replace("<hostname>myHost.local</hostname>", "<hostname>elsewhere</hostname>"));
    const r = await checkMhl(root, "verify");
    expect(r).toMatchObject({ status: "history-modified", exitCode: MHL_EXIT.historyModified, changed: [], missing: [], extra: [] });
    expect(r.history).toEqual([
      expect.objectContaining({ kind: "tampered", file: `ascmhl/${GEN1}`, generation: 1, expected: "c43qQABrjeiU3kteaNFtgwufQRLKxgMJEZfNSj6LcZ8fKwB568U8As9eScRsnb64NfqiAYzjNUXs81tAxPB77PUThb", actual: await c4File(gen1) }),
    ]);
    const info = await mhlInfo(root);
    expect(info).toMatchObject({ status: "history-modified", exitCode: 16 });
    expect(info.histories[0]!.generations.map((g) => g.chain)).toEqual(["tampered", "ok"]);
  });

  it("a generation gone from the folder, or left out of the chain, is a modified history", async () => {
    const root = exampleCopy();
    fs.rmSync(path.join(root, "ascmhl", GEN1));
    let r = await checkMhl(root, "verify");
    expect(r.exitCode).toBe(16);
    expect(r.history).toEqual([expect.objectContaining({ kind: "missing-generation", file: `ascmhl/${GEN1}`, generation: 1 })]);

    const root2 = exampleCopy();
    const chain = path.join(root2, "ascmhl", "ascmhl_chain.xml");
    fs.writeFileSync(chain, fs.readFileSync(chain, "utf8").replace(/<hashlist sequencenr="2">[\s\S]*?<\/hashlist>\s*/, ""));
    r = await checkMhl(root2, "verify");
    expect(r.history).toEqual([expect.objectContaining({ kind: "unchained", file: `ascmhl/${GEN2}`, message: "generation 2 is not in the chain" })]);
    expect(r.exitCode).toBe(16);
  });

  it("a corrupt generation or chain is bad input naming the file and what is wrong", async () => {
    const root = exampleCopy();
    const gen2 = path.join(root, "ascmhl", GEN2);
    fs.writeFileSync(gen2, fs.readFileSync(gen2, "utf8").replace("</hashes>", ""));
    const err = await checkMhl(root, "verify").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(`ASC MHL generation file ${gen2} is not well-formed XML`);
    expect((err as Error).message).toMatch(/line \d+, column \d+.*its C4 ID differs from the chain's/);

    const root2 = exampleCopy();
    const chain = path.join(root2, "ascmhl", "ascmhl_chain.xml");
    fs.writeFileSync(chain, "<ascmhldirectory>");
    await expect(checkMhl(root2, "diff")).rejects.toThrow(new RegExp(`ASC MHL chain file ${chain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not well-formed XML`));
    fs.writeFileSync(chain, Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]));
    await expect(mhlInfo(root2)).rejects.toThrow(/chain file .* is not valid UTF-8/);
  });

  it("info: generations, creator info, formats, counts and every file", async () => {
    const r = await mhlInfo(example, { files: true });
    expect(r).toMatchObject({ status: "ok", exitCode: 0 });
    expect(r.histories).toHaveLength(1);
    const h = r.histories[0]!;
    expect(h).toMatchObject({ root: ".", chain: "ok", files: 3, ignore: [".DS_Store", "ascmhl", "ascmhl/"] });
    expect(h.generations.map((g) => [g.generation, g.file, g.creationDate, g.hostname, g.tool, g.toolVersion, g.process, g.formats, g.chain])).toEqual([
      [1, GEN1, "2020-01-16T09:15:00+00:00", "myHost.local", "ascmhl.py", "0.3 alpha", "in-place", ["xxh64"], "ok"],
      [2, GEN2, "2020-01-17T14:30:00+00:00", "myHost.local", "ascmhl.py", "0.3 alpha", "in-place", ["xxh64"], "ok"],
    ]);
    expect(h.generations[0]!.counts).toEqual({ files: 3, directories: 1, original: 3, verified: 0, failed: 0, other: 0 });
    expect(h.generations[1]!.counts).toEqual({ files: 3, directories: 1, original: 0, verified: 3, failed: 0, other: 0 });
    expect(h.generations[0]!.rootHash).toEqual([{ format: "xxh64", content: "8d02114c32e28cbe", structure: "f557f8ca8e5a88ef" }]);
    expect(r.files!.map((f) => f.path)).toEqual(["Clips/A002C006_141024_R2EC.mov", "Clips/A002C007_141024_R2EC.mov", "Sidecar.txt"]);
    expect(r.files![2]!.generations.map((g) => g.hashes[0]!.action)).toEqual(["original", "verified"]);
  });
});

describe("prov mhl verify on hand-made histories", () => {
  it("several hash formats across generations (md5, sha1, c4, xxh64): verified against the original entry", async () => {
    const root = path.join(tempDir(), "Multi");
    put(root, "a/one.mov", "one");
    put(root, "b/two.wav", "two");
    for (const [i, alg] of (["md5", "sha1", "c4", "xxh64"] as const).entries()) {
      await writeGeneration(root, await filesOf(root, alg), { algorithm: alg, now: new Date(Date.UTC(2024, 0, 1 + i)) });
    }
    validateAll(root);
    let r = await checkMhl(root, "verify");
    expect(r).toMatchObject({ exitCode: 0, generation: 4, counts: { ok: 2 } });
    const info = await mhlInfo(root);
    expect(info.histories[0]!.generations.map((g) => g.formats)).toEqual([["md5"], ["md5", "sha1"], ["c4", "md5"], ["md5", "xxh64"]]);
    put(root, "a/one.mov", "ONE");
    r = await checkMhl(root, "verify");
    // md5("one") from generation 1, though later generations recorded sha1, c4 and xxh64 too.
    expect(r.changed).toEqual([{ path: "a/one.mov", reason: "hash", format: "md5", expected: "f97c5d29941bfb1b2fdab0874906ab82", actual: await hashFileMhl(path.join(root, "a/one.mov"), "md5"), generation: 1 }]);
  });

  it("a generation of another tool (prefixes, comments, CDATA, c4 and md5, a format prov cannot compute)", async () => {
    const root = path.join(tempDir(), "Vendor");
    put(root, "Clips/A&B.mov", "a");
    put(root, "Clips/other.mov", "other");
    put(root, "odd.bin", "sha256 only");
    const md5Other = await hashFileMhl(path.join(root, "Clips/other.mov"), "md5");
    const gen = `<?xml version="1.0" encoding="UTF-8"?>
<!-- vendor tool -->
<v:hashlist xmlns:v="urn:ASC:MHL:v2.0" version="2.0">
  <v:creatorinfo><v:creationdate>2024-02-03T04:05:06Z</v:creationdate><v:hostname>cart</v:hostname><v:tool version="7">Vendor</v:tool></v:creatorinfo>
  <v:processinfo><v:process>transfer</v:process></v:processinfo>
  <v:hashes>
    <v:hash><v:path size="1"><![CDATA[Clips/A&B.mov]]></v:path><v:c4 action="original">${c4id("a")}</v:c4></v:hash>
    <!-- uppercase hex, as some tools write it -->
    <v:hash><v:path size="5">Clips/other.mov</v:path><v:md5 action="original">${md5Other.toUpperCase()}</v:md5></v:hash>
    <v:hash><v:path size="11">odd.bin</v:path><v:sha256 action="original">${"0".repeat(64)}</v:sha256></v:hash>
  </v:hashes>
</v:hashlist>
`;
    const name = "0001_Vendor_2024-02-03_040506Z.mhl";
    put(root, `ascmhl/${name}`, gen);
    put(root, "ascmhl/ascmhl_chain.xml", `<?xml version="1.0"?>\n<ascmhldirectory xmlns="urn:ASC:MHL:DIRECTORY:v2.0"><hashlist sequencenr="1"><path>${name}</path><c4>${c4id(gen)}</c4></hashlist></ascmhldirectory>\n`);
    const r = await checkMhl(root, "verify");
    expect(r.history).toEqual([]);
    expect(r.counts).toMatchObject({ checked: 3, ok: 2, unverifiable: 1 });
    expect(r.unverifiable).toEqual([{ path: "odd.bin", formats: ["sha256"] }]);
    expect(r.exitCode).toBe(12);
    const info = await mhlInfo(root);
    expect(info.histories[0]!.generations[0]).toMatchObject({ tool: "Vendor", toolVersion: "7", process: "transfer", formats: ["c4", "md5", "sha256"] });
    // Our own next generation builds on it (verified in the formats it recorded).
    fs.rmSync(path.join(root, "odd.bin"));
    const g2 = await writeGeneration(root, await filesOf(root, "xxh64"), { algorithm: "xxh64" });
    expect(g2).toMatchObject({ generation: 2, failed: [], missing: ["odd.bin"] });
  });

  it("child histories: a folder with its own ascmhl/ keeps the records below it; references are checked by C4", async () => {
    const root = path.join(tempDir(), "Card");
    put(root, "top.txt", "top");
    put(root, "Sub/inner.mov", "inner");
    put(root, "Sub/deeper/x.wav", "x");
    const sub = path.join(root, "Sub");
    const child = await writeGeneration(sub, await filesOf(sub, "xxh64"), { algorithm: "xxh64", now: new Date("2024-01-01T00:00:00Z") });
    // The parent lists its own file and references the child's generation, as ascmhl does.
    const top = await hashFileMhl(path.join(root, "top.txt"), "xxh64");
    const childRel = `Sub/ascmhl/${path.basename(child.file)}`;
    const gen = `<?xml version="1.0" encoding="UTF-8"?>
<hashlist version="2.0" xmlns="urn:ASC:MHL:v2.0">
  <creatorinfo><creationdate>2024-01-02T00:00:00+00:00</creationdate><hostname>h</hostname><tool>t</tool></creatorinfo>
  <processinfo><process>in-place</process></processinfo>
  <hashes><hash><path size="3">top.txt</path><xxh64 action="original">${top}</xxh64></hash></hashes>
  <references><hashlistreference><path>${childRel}</path><c4>${child.c4}</c4></hashlistreference></references>
</hashlist>
`;
    const name = "0001_Card_2024-01-02_000000Z.mhl";
    put(root, `ascmhl/${name}`, gen);
    put(root, "ascmhl/ascmhl_chain.xml", `<ascmhldirectory xmlns="urn:ASC:MHL:DIRECTORY:v2.0"><hashlist sequencenr="1"><path>${name}</path><c4>${c4id(gen)}</c4></hashlist></ascmhldirectory>`);
    if (canValidate) execFileSync(XMLLINT, ["--noout", "--schema", path.join(schemas, "ASCMHL.xsd"), path.join(root, "ascmhl", name)], { stdio: "pipe" });

    let r = await checkMhl(root, "verify");
    expect(r.histories.map((h) => h.root)).toEqual([".", "Sub"]);
    expect(r).toMatchObject({ exitCode: 0, counts: { checked: 3, ok: 3 } });
    expect((await mhlInfo(root)).histories.map((h) => [h.root, h.files, h.generations[0]!.references])).toEqual([
      [".", 1, 1],
      ["Sub", 2, 0],
    ]);

    put(root, "Sub/deeper/x.wav", "y");
    fs.rmSync(path.join(root, "Sub/inner.mov"));
    r = await checkMhl(root, "verify");
    expect(r.changed.map((c) => [c.path, c.format])).toEqual([["Sub/deeper/x.wav", "xxh64"]]);
    expect(r.missing).toEqual([{ path: "Sub/inner.mov" }]);
    expect(r.exitCode).toBe(12);

    // Editing the child's generation breaks both its own chain and the parent's reference.
    fs.appendFileSync(child.file, "<!-- edited -->\n");
    r = await checkMhl(root, "verify");
    expect(r.history.map((p) => [p.kind, p.file])).toEqual([
      ["reference-tampered", childRel],
      ["tampered", childRel],
    ]);
    expect(r.exitCode).toBe(16);
  });

  it("a folder without a history is exit 11; a path that is no folder is bad input", async () => {
    const root = tempDir();
    put(root, "a.txt", "a");
    expect(await checkMhl(root, "verify")).toMatchObject({ status: "no-history", exitCode: MHL_EXIT.noHistory });
    expect(await mhlInfo(root)).toMatchObject({ status: "no-history", exitCode: 11 });
    await expect(checkMhl(path.join(root, "a.txt"), "verify")).rejects.toThrow(/a\.txt is not a folder/);
    await expect(checkMhl(path.join(root, "nope"), "diff")).rejects.toThrow(/nope: no such folder/);
  });
});

describe("writing on top of an edited history", () => {
  it("a generation edited since it was written is reported by the next generation, and the chain keeps its recorded C4 ID", async () => {
    const root = path.join(tempDir(), "Edited");
    put(root, "a.txt", "a");
    const g1 = await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-01T00:00:00Z") });
    const recorded = g1.c4;
    fs.appendFileSync(g1.file, "<!-- edited -->\n");
    const g2 = await writeGeneration(root, await filesOf(root), { now: new Date("2024-01-02T00:00:00Z") });
    expect(g2.tampered).toEqual([1]);
    expect(readChain(fs.readFileSync(g2.chain, "utf8"))[0]!.c4).toBe(recorded);
    const r = await checkMhl(root, "verify");
    expect(r.history.map((p) => [p.kind, p.generation])).toEqual([["tampered", 1]]);
    expect(r.exitCode).toBe(16);
  });
});
