// ASC MHL against the reference tool's own output: the example folder in
// ../shared/fixtures/ascmhl (two generations and a chain written by ascmitc/mhl, xxh64).
// Everything in it is recomputed from the media files: file hashes, directory and root
// hashes, the chain's C4 IDs, and finally both generation files and the chain byte for byte.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  c4File,
  c4id,
  c4ToBytes,
  computeDirectoryHashes,
  createMhlHasher,
  hashFileMhl,
  mergeIgnorePatterns,
  mhlIgnoreMatcher,
  MhlFormatError,
  parseGeneration,
  readChain,
  readGeneration,
  writeGeneration,
  type MhlAlgorithm,
  type MhlFile,
} from "../../src/adapters/mhl/index.js";
import { tempDir } from "../helpers/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ascmhlDir = path.resolve(repoRoot, "../shared/fixtures/ascmhl");
const example = path.join(ascmhlDir, "example/A002R2EC");
const GEN1 = "0001_A002R2EC_2020-01-16_091500Z.mhl";
const GEN2 = "0002_A002R2EC_2020-01-17_143000Z.mhl";
const haveExample = fs.existsSync(path.join(example, "ascmhl", GEN2));
if (!haveExample && process.env["CI"]) throw new Error(`CI is set but the ASC MHL fixtures are missing: expected ${example}`);
if (!haveExample) console.warn(`skipping the ASC MHL reference-example tests: ${example} is missing (../shared/fixtures/ascmhl)`);


/** Every file under root except ascmhl/, with its hash: what the sweep hands writeGeneration. */
async function filesOf(root: string, alg: MhlAlgorithm): Promise<MhlFile[]> {
  const out: MhlFile[] = [];
  const visit = async (rel: string): Promise<void> => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === "ascmhl") continue;
      if (e.isDirectory()) await visit(r);
      else if (e.isFile()) {
        const st = fs.statSync(path.join(root, r));
        out.push({ path: r, size: st.size, mtime: st.mtime, hash: await hashFileMhl(path.join(root, r), alg) });
      }
    }
  };
  await visit("");
  return out.reverse(); // any order will do
}

function text(file: string): string {
  return fs.readFileSync(file, "utf8");
}

describe("C4 IDs", () => {
  it("match the published vectors", () => {
    expect(c4id("foo")).toBe("c45xZeXwMSpqXjpDumcHMA6mhoAmGHkUo7r9WmN2UgSEQzj9KjgseaQdkEJ11fGb5S1WEENcV3q8RFWwEeVpC7Fjk2");
    expect(c4id(Buffer.alloc(0))).toBe("c459dsjfscH38cYeXXYogktxf4Cd9ibshE3BHUo6a58hBXmRQdZrAkZzsWcbWtDg5oQstpDuni4Hirj75GEmTc1sFT");
  });

  it("decode back to the SHA-512 digest, and reject what is not a C4 ID", async () => {
    const id = c4id("foo");
    const { createHash } = await import("node:crypto");
    expect(c4ToBytes(id).equals(createHash("sha512").update("foo").digest())).toBe(true);
    expect(() => c4ToBytes("c4" + "0".repeat(88))).toThrow(/not a C4 ID/);
    expect(() => c4ToBytes(id.slice(0, 89))).toThrow(/not a C4 ID/);
    // "c4" then the largest 88-digit base58 number: more than 512 bits.
    expect(() => c4ToBytes("c4" + "z".repeat(88))).toThrow(/out of range/);
  });

  it("the c4 hasher gives the same ID in chunks as c4id() in one go", async () => {
    const h = await createMhlHasher("c4");
    h.update(Buffer.from("f"));
    h.update(Buffer.from("oo"));
    expect(h.digest()).toBe(c4id("foo"));
  });
});

describe("hashers", () => {
  it("known vectors for every format, fed in pieces", async () => {
    const vectors: [MhlAlgorithm, string][] = [
      ["xxh64", "ef46db3751d8e999"],
      ["xxh3", "2d06800538d394c2"],
      ["xxh128", "99aa06d3014798d86001c324468d497f"],
      ["md5", "d41d8cd98f00b204e9800998ecf8427e"],
      ["sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ];
    for (const [alg, empty] of vectors) {
      const h = await createMhlHasher(alg);
      expect(h.digest(), alg).toBe(empty);
    }
    // Recycled hashers start clean.
    const a = await createMhlHasher("xxh64");
    a.update(Buffer.from("ab"));
    a.update(Buffer.from("c"));
    const abc = a.digest();
    const b = await createMhlHasher("xxh64");
    b.update(Buffer.from("abc"));
    expect(b.digest()).toBe(abc);
    expect(abc).toBe("44bc2cf5ad770999"); // XXH64("abc"), seed 0
    expect(() => a.digest()).toThrow(/twice/);
  });
});

describe("ignore patterns (gitignore-style, as the reference's pathspec)", () => {
  it("defaults, merging and matching", () => {
    expect(mergeIgnorePatterns(null)).toEqual([".DS_Store", "ascmhl", "ascmhl/"]);
    expect(mergeIgnorePatterns(["a", "b"], ["b", "c"])).toEqual(["a", "b", "c"]);
    const m = mhlIgnoreMatcher([".DS_Store", "ascmhl", "*.tmp", "Proxies/", "/Top/x", "**/.git/**", "!keep.tmp"]);
    expect(m("Clips/.DS_Store", false)).toBe(true);
    expect(m("a/ascmhl/0001_x.mhl", false)).toBe(true);
    expect(m("b/c.tmp", false)).toBe(true);
    expect(m("b/keep.tmp", false)).toBe(false);
    expect(m("A/Proxies/p.mov", false)).toBe(true);
    expect(m("A/Proxies", false)).toBe(false); // a file named Proxies is not a directory
    expect(m("A/Proxies", true)).toBe(true);
    expect(m("Top/x/y.mov", false)).toBe(true);
    expect(m("Sub/Top/x/y.mov", false)).toBe(false);
    expect(m("r/.git/config", false)).toBe(true);
    expect(m("Clips/A.mov", false)).toBe(false);
  });
});

describe.runIf(haveExample)("the reference example A002R2EC (xxh64, ascmitc/mhl output)", () => {
  const clips = ["A002C006_141024_R2EC.mov", "A002C007_141024_R2EC.mov"];

  it("file hashes: xxh64 of the media files as recorded in both generations", async () => {
    const recorded = new Map<string, string>();
    readGeneration(text(path.join(example, "ascmhl", GEN2)), (p, entries) => recorded.set(p, entries[0]!.hash));
    expect(recorded.size).toBe(3);
    for (const p of ["Clips/" + clips[0], "Clips/" + clips[1], "Sidecar.txt"]) {
      expect(await hashFileMhl(path.join(example, p), "xxh64"), p).toBe(recorded.get(p));
    }
    expect(recorded.get("Sidecar.txt")).toBe("3ab5a4166b9bde44");
  });

  it("directory and root hashes (content and structure) as in 0002_….mhl", async () => {
    const files = await filesOf(example, "xxh64");
    const dirs = await computeDirectoryHashes("xxh64", files);
    const gen2 = text(path.join(example, "ascmhl", GEN2));
    // Clips: the <directoryhash> entry; root: <roothash>.
    const clipsXml = /<directoryhash>[\s\S]*?<path[^>]*>Clips<\/path>\s*<content>\s*<xxh64[^>]*>(\w+)<\/xxh64>\s*<\/content>\s*<structure>\s*<xxh64[^>]*>(\w+)<\/xxh64>/.exec(gen2)!;
    const rootXml = /<roothash>\s*<content>\s*<xxh64[^>]*>(\w+)<\/xxh64>\s*<\/content>\s*<structure>\s*<xxh64[^>]*>(\w+)<\/xxh64>/.exec(gen2)!;
    expect(dirs.get("Clips")).toEqual({ content: clipsXml[1], structure: clipsXml[2] });
    expect(dirs.get("")).toEqual({ content: rootXml[1], structure: rootXml[2] });
    expect(dirs.get("Clips")).toEqual({ content: "4c226b42e27d7af3", structure: "906faa843d591a9f" });
    expect(dirs.get("")).toEqual({ content: "8d02114c32e28cbe", structure: "f557f8ca8e5a88ef" });
  });

  it("chain: the C4 ID of each generation file", async () => {
    const chain = readChain(text(path.join(example, "ascmhl", "ascmhl_chain.xml")));
    expect(chain.map((e) => [e.sequence, e.path])).toEqual([
      [1, GEN1],
      [2, GEN2],
    ]);
    for (const e of chain) expect(await c4File(path.join(example, "ascmhl", e.path)), e.path).toBe(e.c4);
  });

  it("writing both generations for a copy of the folder reproduces the reference's files byte for byte", async () => {
    const root = path.join(tempDir(), "A002R2EC");
    fs.cpSync(example, root, { recursive: true, filter: (src) => path.basename(src) !== "ascmhl" });
    for (const p of fs.readdirSync(root, { recursive: true }) as string[]) fs.chmodSync(path.join(root, p), fs.statSync(path.join(root, p)).isDirectory() ? 0o755 : 0o644);
    // The reference recorded every file and Clips/ as modified at 2020-01-15 13:00 UTC.
    const t = new Date("2020-01-15T13:00:00Z");
    for (const p of ["Clips/" + clips[0], "Clips/" + clips[1], "Sidecar.txt", "Clips"]) fs.utimesSync(path.join(root, p), t, t);
    const opts = { algorithm: "xxh64" as const, hostname: "myHost.local", toolName: "ascmhl.py", toolVersion: "0.3 alpha" };

    const g1 = await writeGeneration(root, await filesOf(root, "xxh64"), { ...opts, now: new Date("2020-01-16T09:15:00Z") });
    expect(g1).toMatchObject({ generation: 1, file: path.join(root, "ascmhl", GEN1), failed: [], missing: [], counts: { original: 3, verified: 0, failed: 0 } });
    expect(text(g1.file)).toBe(text(path.join(example, "ascmhl", GEN1)));

    const g2 = await writeGeneration(root, await filesOf(root, "xxh64"), { ...opts, now: new Date("2020-01-17T14:30:00Z") });
    expect(g2).toMatchObject({ generation: 2, file: path.join(root, "ascmhl", GEN2), failed: [], counts: { original: 0, verified: 3, failed: 0 } });
    expect(text(g2.file)).toBe(text(path.join(example, "ascmhl", GEN2)));
    expect(text(g2.chain)).toBe(text(path.join(example, "ascmhl", "ascmhl_chain.xml")));
    expect(fs.readdirSync(path.join(root, "ascmhl")).sort()).toEqual([GEN1, GEN2, "ascmhl_chain.xml"]); // no temp files left
  });

  it("a third generation on top of the reference's own history verifies against it", async () => {
    const root = path.join(tempDir(), "A002R2EC");
    fs.cpSync(example, root, { recursive: true });
    for (const p of fs.readdirSync(root, { recursive: true }) as string[]) fs.chmodSync(path.join(root, p), fs.statSync(path.join(root, p)).isDirectory() ? 0o755 : 0o644);
    fs.chmodSync(root, 0o755);
    const g3 = await writeGeneration(root, await filesOf(root, "xxh64"), { algorithm: "xxh64", now: new Date("2024-05-06T07:08:09Z") });
    expect(g3.generation).toBe(3);
    expect(path.basename(g3.file)).toBe("0003_A002R2EC_2024-05-06_070809Z.mhl");
    expect(g3.counts).toMatchObject({ original: 0, verified: 3, failed: 0 });
    const chain = readChain(text(g3.chain));
    expect(chain.map((e) => e.sequence)).toEqual([1, 2, 3]);
    expect(chain[2]!.c4).toBe(await c4File(g3.file));
    // The first two entries are carried over unchanged.
    expect(text(g3.chain).startsWith(text(path.join(example, "ascmhl", "ascmhl_chain.xml")).replace("</ascmhldirectory>\n", ""))).toBe(true);
  });
});

// Generation files as other MHL tools write them: the reader goes by namespace URI and local
// name, so prefixes, comments, CDATA and character references read as their meaning.
const C4_A = c4id("a");
const PREFIXED = `<?xml version="1.0" encoding="UTF-8"?>
<!-- written by a hand, not by ascmhl -->
<m:hashlist xmlns:m="urn:ASC:MHL:v2.0" xmlns:x="urn:example:vendor" version="2.0">
  <m:creatorinfo>
    <m:creationdate>2024-02-03T04:05:06+00:00</m:creationdate>
    <m:hostname><![CDATA[cart<7>&co]]></m:hostname>
    <m:tool version="9.1">Silver&#x2D;Tool</m:tool>
    <m:author email="dit@example.com" role="DIT">Jo &amp; Co</m:author>
    <m:location>Stage 4</m:location>
    <m:comment>day 3 <!-- not part of it -->wrap</m:comment>
  </m:creatorinfo>
  <m:processinfo><m:process>transfer</m:process>
    <m:ignore><m:pattern>*.tmp</m:pattern><m:pattern><![CDATA[a&b]]></m:pattern></m:ignore>
  </m:processinfo>
  <x:extension><m:hash><m:path>not/a/file.mov</m:path><m:md5>00</m:md5></m:hash></x:extension>
  <m:hashes>
    <!-- a file in four formats -->
    <m:hash>
      <m:path size="3" lastmodificationdate="2024-02-01T00:00:00+00:00">Clips/A&#38;B &#x41;.mov</m:path>
      <m:c4 action="original">${C4_A}</m:c4>
      <m:md5 action="original">0CC175B9C0F1B6A831C399E269772661</m:md5>
      <m:sha1 action="original">
        86f7e437faa5a7fce15d1ddcb9eaeaea377667b8
      </m:sha1>
      <m:xxh64 action="original" hashdate="2024-02-03T04:05:06+00:00"><![CDATA[d24ec4f1a98c6e5b]]></m:xxh64>
      <x:note>vendor data</x:note>
    </m:hash>
    <hash xmlns="urn:ASC:MHL:v2.0"><path size="0">Sub/empty.wav</path><previousPath>Old/empty.wav</previousPath><xxh64 action="original">ef46db3751d8e999</xxh64></hash>
    <m:directoryhash><m:path>Clips</m:path><m:content><m:xxh64>0123456789abcdef</m:xxh64></m:content><m:structure><m:xxh64>fedcba9876543210</m:xxh64></m:structure></m:directoryhash>
  </m:hashes>
</m:hashlist>
`;

describe("reading MHL files of other tools (fast-xml-parser, by namespace)", () => {
  it("namespace prefixes, comments, CDATA, character references and four hash formats", () => {
    const doc = parseGeneration(PREFIXED);
    expect(doc.creator).toEqual({
      creationDate: "2024-02-03T04:05:06+00:00",
      hostname: "cart<7>&co",
      tool: "Silver-Tool",
      toolVersion: "9.1",
      authors: [{ name: "Jo & Co", email: "dit@example.com", phone: undefined, role: "DIT" }],
      location: "Stage 4",
      comment: "day 3 wrap",
    });
    expect(doc.process).toBe("transfer");
    expect(doc.ignore).toEqual(["*.tmp", "a&b"]);
    // The <m:hash> inside a vendor element is not a file of this list.
    expect(doc.files.map((f) => f.path)).toEqual(["Clips/A&B A.mov", "Sub/empty.wav"]);
    expect(doc.files[0]!.size).toBe(3);
    expect(doc.files[0]!.entries.map((e) => [e.format, e.hash, e.action])).toEqual([
      ["c4", C4_A, "original"],
      ["md5", "0CC175B9C0F1B6A831C399E269772661", "original"],
      ["sha1", "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", "original"],
      ["xxh64", "d24ec4f1a98c6e5b", "original"],
    ]);
    expect(doc.files[1]!.previousPath).toBe("Old/empty.wav");
    expect(doc.directories).toEqual([
      { path: "Clips", lastModified: undefined, content: [{ format: "xxh64", hash: "0123456789abcdef", action: undefined, hashdate: undefined }], structure: [{ format: "xxh64", hash: "fedcba9876543210", action: undefined, hashdate: undefined }] },
    ]);
    // The legacy callback reader sees the same files.
    const seen: string[] = [];
    readGeneration(PREFIXED, (p, e) => seen.push(`${p}:${e.length}`));
    expect(seen).toEqual(["Clips/A&B A.mov:4", "Sub/empty.wav:1"]);
  });

  it("CRLF line ends, a byte-order mark and a character reference for CR in a name", () => {
    const xml = "\uFEFF" + `<hashlist version="2.0" xmlns="urn:ASC:MHL:v2.0"><hashes><hash><path>a&#13;b</path><md5>00</md5></hash></hashes></hashlist>`.replace(/></g, ">\r\n<");
    expect(parseGeneration(xml).files[0]!.path).toBe("a\rb");
  });

  it("the chain with a prefix and comments", () => {
    const chain = `<?xml version="1.0"?><!-- c --><d:ascmhldirectory xmlns:d="urn:ASC:MHL:DIRECTORY:v2.0">
      <d:hashlist sequencenr=" 1 "><!-- first --><d:path>0001_x.mhl</d:path><d:c4><![CDATA[${C4_A}]]></d:c4></d:hashlist></d:ascmhldirectory>`;
    expect(readChain(chain)).toEqual([{ sequence: 1, path: "0001_x.mhl", c4: C4_A }]);
  });

  it("what is not an ASC MHL document is an MhlFormatError saying what is wrong", () => {
    const bad: [string, RegExp][] = [
      ["<hashlist xmlns='urn:ASC:MHL:v2.0'><hashes></hashlist>", /not well-formed XML: .*line 1, column/],
      ["", /root element|not well-formed/],
      ["<hashlist version='2.0'/>", /namespace missing, expected urn:ASC:MHL:v2\.0/],
      ["<hashlist xmlns='urn:ASC:MHL:v1.0'/>", /namespace "urn:ASC:MHL:v1\.0"/],
      ["<hashes xmlns='urn:ASC:MHL:v2.0'/>", /root element <hashes>, expected <hashlist>/],
      ["<m:hashlist xmlns='urn:ASC:MHL:v2.0'/>", /prefix "m" without declaring it/],
      ["<!DOCTYPE hashlist [<!ENTITY x 'y'>]><hashlist xmlns='urn:ASC:MHL:v2.0'/>", /DOCTYPE/],
      ["<hashlist xmlns='urn:ASC:MHL:v2.0'><hashes><hash><md5>00</md5></hash></hashes></hashlist>", /<hash> #1 has no <path>/],
      ["<hashlist xmlns='urn:ASC:MHL:v2.0'><hashes><hash><path>a</path></hash></hashes></hashlist>", /"a"\) has no hash/],
      ["<hashlist xmlns='urn:ASC:MHL:v2.0'><hashes><hash><path size='-1'>a</path><md5>0</md5></hash></hashes></hashlist>", /invalid size "-1"/],
      ["<hashlist xmlns='urn:ASC:MHL:v2.0'><hashes><hash><path>a&nbsp;</path><md5>0</md5></hash></hashes></hashlist>", /unknown XML entity &nbsp;/],
      ["<hashlist xmlns='urn:ASC:MHL:v2.0'><hashes><hash><path>a</path><md5></md5></hash></hashes></hashlist>", /empty <md5> hash/],
    ];
    for (const [xml, re] of bad) {
      let err: unknown;
      try {
        parseGeneration(xml);
      } catch (e) {
        err = e;
      }
      expect(err, xml).toBeInstanceOf(MhlFormatError);
      expect((err as Error).message, xml).toMatch(re);
    }
    expect(() => readChain(`<ascmhldirectory xmlns="urn:ASC:MHL:DIRECTORY:v2.0"><hashlist sequencenr="1"><path>x</path><c4>nope</c4></hashlist></ascmhldirectory>`)).toThrow(/invalid C4 ID "nope"/);
    expect(() => readChain(`<ascmhldirectory xmlns="urn:ASC:MHL:v2.0"/>`)).toThrow(/expected urn:ASC:MHL:DIRECTORY:v2\.0/);
  });
});
