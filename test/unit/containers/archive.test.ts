// Archive members: archives made by the system zip and tar where they can make the case,
// built byte by byte (test/build.ts) where no archiver would make it: lying sizes,
// overlapping members, disagreeing headers, a 5 GiB zip64 member.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArchiveError, ArchiveLimitError, decodeCp437, members, unsafeName, type Member, type MembersOptions } from "../../../src/adapters/containers/archive.js";
import { crc32OfZeros, TAR_END, tarHeader, tarMember, writeZip } from "./build.js";
import { randomBytes, requireTool, run, scratch } from "./helpers.js";

const tmp = scratch("archive");
afterAll(() => tmp.remove());

const sha = (b: Uint8Array | string): string => createHash("sha256").update(b).digest("hex");

interface Seen {
  name: string;
  containers: string[];
  size: number;
  kind: Member["kind"];
  problem?: string;
  warnings?: string[];
  linkTarget?: string;
  outside?: true;
  sha256?: string;
  readable: boolean;
}

/** List every member and read every readable one to the end, hashing it (as the gate will). */
async function list(file: string, opts: MembersOptions = {}): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const m of members(file, opts)) {
    const s: Seen = { name: m.name, containers: [...m.containers], size: m.size, kind: m.kind, readable: m.open !== undefined };
    if (m.problem !== undefined) s.problem = m.problem;
    if (m.warnings !== undefined) s.warnings = m.warnings;
    if (m.linkTarget !== undefined) s.linkTarget = m.linkTarget;
    if (m.outside) s.outside = true;
    if (m.open) {
      const h = createHash("sha256");
      for await (const chunk of m.open()) h.update(chunk);
      s.sha256 = h.digest("hex");
    }
    out.push(s);
  }
  return out;
}

/** The error a listing ends with (reading every member), or a failure if it does not end in one. */
async function failure(file: string, opts: MembersOptions = {}): Promise<ArchiveError> {
  try {
    await list(file, opts);
  } catch (err) {
    if (err instanceof ArchiveError) return err;
    throw err;
  }
  throw new Error(`listing ${file} did not fail`);
}

const picture = randomBytes(3000, 7); // stands in for an image: incompressible
const text = Buffer.from("frame 1001 approved\n".repeat(500));

beforeAll(() => {
  for (const tool of ["zip", "tar", "gzip", "truncate"]) requireTool(tool, `apt-get install ${tool}`);
  const d = tmp.file("tree");
  mkdirSync(`${d}/shots/sub`, { recursive: true });
  writeFileSync(`${d}/shots/plate.bin`, picture);
  writeFileSync(`${d}/shots/notes.txt`, text);
  writeFileSync(`${d}/shots/sub/empty.txt`, "");
  writeFileSync(`${d}/shots/café – ünïcode.txt`, "accents\n");
  symlinkSync("plate.bin", `${d}/shots/link.bin`);
  writeFileSync(`${d}/shots/${"long-".repeat(30)}name.txt`, "long\n");
});

const LONG = `shots/${"long-".repeat(30)}name.txt`;

describe("zip, made by the zip command", () => {
  it("lists files, folders and a symlink, and streams each file's exact bytes", async () => {
    const z = tmp.file("tree.zip");
    run("sh", ["-c", `cd ${tmp.file("tree")} && zip -q -r -y -X ${z} shots`]);
    const seen = await list(z);
    const byName = new Map(seen.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(
      ["shots/", "shots/sub/", "shots/sub/empty.txt", "shots/plate.bin", "shots/notes.txt", "shots/café – ünïcode.txt", "shots/link.bin", LONG].sort(),
    );
    expect(byName.get("shots/plate.bin")).toEqual({ name: "shots/plate.bin", containers: [], size: 3000, kind: "file", readable: true, sha256: sha(picture) });
    expect(byName.get("shots/notes.txt")).toMatchObject({ size: text.length, kind: "file", sha256: sha(text) });
    expect(byName.get("shots/sub/empty.txt")).toMatchObject({ size: 0, kind: "file", sha256: sha("") });
    expect(byName.get("shots/café – ünïcode.txt")).toMatchObject({ sha256: sha("accents\n") });
    expect(byName.get("shots/link.bin")).toMatchObject({ kind: "link", linkTarget: "plate.bin", readable: false });
    expect(byName.get("shots/sub/")).toMatchObject({ kind: "dir", readable: false, size: 0 });
    expect(byName.get(LONG)).toMatchObject({ sha256: sha("long\n") });
  });

  it("a zip written to a pipe uses data descriptors (sizes only after the data) and still reads right", async () => {
    const z = tmp.file("streamed.zip");
    run("sh", ["-c", `cd ${tmp.file("tree")}/shots && zip -q - notes.txt plate.bin | cat > ${z}`]);
    const raw = readFileSync(z);
    expect(raw.readUInt16LE(6) & 0x8).toBe(0x8); // bit 3 of the first local header: data descriptor
    expect(raw.readUInt32LE(18)).toBe(0); // and its compressed size is left 0
    const seen = await list(z);
    expect(seen.map((s) => [s.name, s.size, s.sha256])).toEqual([
      ["notes.txt", text.length, sha(text)],
      ["plate.bin", 3000, sha(picture)],
    ]);
  });

  it("zip64 forced on small files (zip -fz) reads the same", async () => {
    const z = tmp.file("z64.zip");
    run("sh", ["-c", `cd ${tmp.file("tree")}/shots && zip -q -fz ${z} notes.txt plate.bin`]);
    expect(readFileSync(z).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    const seen = await list(z);
    expect(seen.map((s) => [s.name, s.size, s.sha256])).toEqual([
      ["notes.txt", text.length, sha(text)],
      ["plate.bin", 3000, sha(picture)],
    ]);
  });

  it("an encrypted member is reported, never read", async () => {
    const z = tmp.file("secret.zip");
    run("sh", ["-c", `cd ${tmp.file("tree")}/shots && zip -q -P hunter2 ${z} plate.bin`]);
    expect(await list(z)).toEqual([{ name: "plate.bin", containers: [], size: 3000, kind: "file", problem: "encrypted, cannot inspect", readable: false }]);
  });

  it("a member compressed with bzip2 is reported as a method this does not read", async () => {
    const z = tmp.file("bz.zip");
    run("sh", ["-c", `cd ${tmp.file("tree")}/shots && zip -q -Z bzip2 ${z} notes.txt`]);
    expect(await list(z)).toEqual([
      { name: "notes.txt", containers: [], size: text.length, kind: "file", problem: "compressed with method 12 (bzip2), which this does not read: cannot inspect", readable: false },
    ]);
  });

  it("a cut-off zip and a zip with a damaged central directory are errors that say what is wrong", async () => {
    const good = readFileSync(tmp.file("tree.zip"));
    writeFileSync(tmp.file("cut.zip"), good.subarray(0, Math.floor(good.length / 2)));
    const cut = await failure(tmp.file("cut.zip"));
    expect(cut.reason).toBe("truncated");
    expect(cut.message).toBe(`${tmp.file("cut.zip")}: no end-of-central-directory record: the zip is cut short, or not a zip`);

    const damaged = Buffer.from(good);
    const cd = damaged.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    damaged[cd] = 0x51;
    writeFileSync(tmp.file("damaged.zip"), damaged);
    const err = await failure(tmp.file("damaged.zip"));
    expect(err.reason).toBe("corrupt");
    expect(err.message).toBe(`${tmp.file("damaged.zip")}: central directory entry 1 of 8 (at byte ${cd}) is missing or has no signature`);
  });
});

describe("zip, hostile, built by hand", () => {
  it("path-traversal and absolute names are reported as they are; nothing is written anywhere", async () => {
    const z = tmp.file("evil.zip");
    await writeZip(z, [
      { name: "../../etc/passwd", data: Buffer.from("root:x:0:0\n") },
      { name: "/etc/shadow", data: Buffer.from("x") },
      { name: "C:\\Windows\\evil.dll", data: Buffer.from("MZ") },
      { name: "ok/../../up.txt", data: Buffer.from("up") },
    ]);
    const before = readdirSync(tmp.dir).sort();
    const passwd = statSync("/etc/passwd").mtimeMs;
    const seen = await list(z);
    expect(seen.map((s) => [s.name, s.warnings, s.sha256])).toEqual([
      ["../../etc/passwd", ['unsafe name: the name climbs out of the archive with ".."'], sha("root:x:0:0\n")],
      ["/etc/shadow", ["unsafe name: an absolute path"], sha("x")],
      ["C:\\Windows\\evil.dll", ["unsafe name: an absolute path"], sha("MZ")],
      ["ok/../../up.txt", ['unsafe name: the name climbs out of the archive with ".."'], sha("up")],
    ]);
    expect(readdirSync(tmp.dir).sort()).toEqual(before);
    expect(statSync("/etc/passwd").mtimeMs).toBe(passwd);
  });

  it("a deflate bomb (200 MiB of zeros in ~200 KB) is too large to inspect by its ratio, before any inflating", async () => {
    const z = tmp.file("bomb.zip");
    await writeZip(z, [{ name: "zeros.bin", data: new Uint8Array(200 * 1024 * 1024), method: 8 }]);
    const [m] = await list(z);
    expect(m).toMatchObject({ name: "zeros.bin", size: 200 * 1024 * 1024, readable: false });
    expect(m!.problem).toMatch(/^too large to inspect: it declares 209715200 bytes from \d+ compressed, more than 100 times \(the maxRatio limit\)$/);
    // With the ratio allowed, the total cap still stops it.
    const [capped] = await list(z, { maxRatio: 10_000, maxTotalBytes: 50 * 1024 * 1024 });
    expect(capped!.problem).toBe("too large to inspect: its 209715200 bytes would pass the limit of 52428800 bytes in all (maxTotalBytes; 0 used so far)");
  });

  it("a member that inflates past its declared size is stopped there, not inflated to the end", async () => {
    const z = tmp.file("liar.zip");
    await writeZip(z, [{ name: "small.txt", data: new Uint8Array(10 * 1024 * 1024), method: 8, declaredSize: 1000 }]);
    let read = 0;
    let error: unknown;
    try {
      for await (const m of members(z, { maxRatio: 1e9 })) {
        for await (const chunk of m.open!()) read += chunk.length;
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as ArchiveError).message).toBe(`${z} > small.txt: inflates to more than the 1000 bytes its central directory entry declares (corrupt, or a zip bomb)`);
    expect(read).toBeLessThanOrEqual(1000);
  });

  it("overlapping members (one deflate stream shared by many entries) are refused", async () => {
    const z = tmp.file("overlap.zip");
    await writeZip(z, [
      { name: "a.bin", data: new Uint8Array(4096), method: 8 },
      { name: "b.bin", data: new Uint8Array(4096), method: 8, sameDataAs: 0 },
      { name: "c.txt", data: Buffer.from("fine") },
    ]);
    const seen = await list(z);
    expect(seen.map((s) => [s.name, s.problem ?? null, s.readable])).toEqual([
      ["a.bin", 'too large to inspect: its data overlaps member "b.bin" (members sharing bytes is how overlapping zip bombs work)', false],
      ["b.bin", 'too large to inspect: its data overlaps member "a.bin" (members sharing bytes is how overlapping zip bombs work)', false],
      ["c.txt", null, true],
    ]);
  });

  it("the central directory wins over a local header that names the member differently", async () => {
    const z = tmp.file("disguise.zip");
    await writeZip(z, [{ name: "genai-temp.png", localName: "final-plate.png", data: picture }]);
    expect(await list(z)).toEqual([
      {
        name: "genai-temp.png",
        containers: [],
        size: 3000,
        kind: "file",
        warnings: ['its local header names it "final-plate.png"; the central directory\'s name is used'],
        readable: true,
        sha256: sha(picture),
      },
    ]);
  });

  it("a CRC mismatch is an error when the member is read", async () => {
    const z = tmp.file("crc.zip");
    await writeZip(z, [{ name: "x.bin", data: picture, declaredCrc: 0x12345678 }]);
    const err = await failure(z);
    expect(err.message).toBe(`${z} > x.bin: CRC-32 of its bytes is ${zlib.crc32(picture).toString(16).padStart(8, "0")}, but its central directory entry says 12345678`);
  });

  it("encrypted (flag) and LZMA (method 14) members built by hand", async () => {
    const z = tmp.file("methods.zip");
    await writeZip(z, [
      { name: "enc.bin", data: picture, flags: 0x801 },
      { name: "lzma.bin", data: picture, methodField: 14 },
    ]);
    expect((await list(z)).map((s) => [s.name, s.problem, s.readable])).toEqual([
      ["enc.bin", "encrypted, cannot inspect", false],
      ["lzma.bin", "compressed with method 14 (LZMA), which this does not read: cannot inspect", false],
    ]);
  });

  it("bytes before the first member (a self-extractor stub) and after the end record are reported as outside data", async () => {
    const z = tmp.file("sfx.zip");
    await writeZip(z, [{ name: "a.txt", data: Buffer.from("a") }], { prefix: Buffer.from("#!/bin/sh\nexit 0\n"), suffix: picture });
    const seen = await list(z);
    expect(seen.map((s) => [s.name, s.outside ?? false, s.sha256])).toEqual([
      ["(17 bytes before the first member)", true, sha("#!/bin/sh\nexit 0\n")],
      ["a.txt", false, sha("a")],
      ["(3000 bytes after the end of the zip)", true, sha(picture)],
    ]);
  });

  it("maxMembers: a zip listing more members than allowed is refused before any is listed", async () => {
    const z = tmp.file("many.zip");
    await writeZip(z, Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, data: Buffer.from([i]) })));
    const names: string[] = [];
    let error: unknown;
    try {
      for await (const m of members(z, { maxMembers: 3 })) names.push(m.name);
    } catch (err) {
      error = err;
    }
    expect(names).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveLimitError);
    expect((error as Error).message).toBe(`${z}: too many members: the zip lists 5, over the limit of 3 (maxMembers) in all`);
  });

  it("open() is refused once the listing has moved on", async () => {
    const z = tmp.file("turns.zip");
    await writeZip(z, [
      { name: "a", data: Buffer.from("a") },
      { name: "b", data: Buffer.from("b") },
    ]);
    const got: Member[] = [];
    for await (const m of members(z)) got.push(m);
    expect(() => got[0]!.open!()).toThrow('member "a" can no longer be read: open a member before asking for the next one');
  });
});

describe("zip64 with a 5 GiB member (sparse file: the zeros are a hole)", () => {
  const big = 5 * 1024 ** 3;
  let z: string;
  let offsets: number[];
  beforeAll(async () => {
    z = tmp.file("five-gib.zip");
    offsets = await writeZip(z, [
      { name: "big.bin", data: { zeros: big }, zip64: true },
      { name: "after.txt", data: Buffer.from("hello from past 4 GiB\n") },
    ]);
    expect(offsets[1]).toBeGreaterThan(2 ** 32);
  });

  it("crc32OfZeros (used to build it) agrees with zlib", () => {
    for (const n of [0, 1, 2, 3, 1000, 65537]) expect(crc32OfZeros(n)).toBe(zlib.crc32(new Uint8Array(n)));
  });

  it("lists the exact 64-bit size, and reads a member whose local header is past 4 GiB", async () => {
    const names: Array<[string, number]> = [];
    let after = "";
    let firstMiB = 0;
    for await (const m of members(z)) {
      names.push([m.name, m.size]);
      if (m.name === "big.bin") {
        // Read the first MiB only, then stop: the file handle and zlib are released.
        for await (const chunk of m.open!()) {
          firstMiB += chunk.length;
          if (firstMiB >= 1024 * 1024) break;
        }
      } else {
        for await (const chunk of m.open!()) after += Buffer.from(chunk).toString();
      }
    }
    expect(names).toEqual([
      ["big.bin", big],
      ["after.txt", 22],
    ]);
    expect(firstMiB).toBe(1024 * 1024);
    expect(after).toBe("hello from past 4 GiB\n");
  });

  it("under a 1 GiB total cap the 5 GiB member is too large to inspect; the next one still reads", async () => {
    const seen = await list(z, { maxTotalBytes: 1024 ** 3 });
    expect(seen.map((s) => [s.name, s.problem ?? null, s.readable])).toEqual([
      ["big.bin", "too large to inspect: its 5368709120 bytes would pass the limit of 1073741824 bytes in all (maxTotalBytes; 0 used so far)", false],
      ["after.txt", null, true],
    ]);
  });
});

describe("tar, made by the tar command", () => {
  const hashes = (): Map<string, string> =>
    new Map([
      ["shots/plate.bin", sha(picture)],
      ["shots/notes.txt", sha(text)],
      ["shots/sub/empty.txt", sha("")],
      ["shots/café – ünïcode.txt", sha("accents\n")],
      [LONG, sha("long\n")],
    ]);

  it.each(["gnu", "posix", "ustar"] as const)("--format=%s: names (long ones too), kinds, link targets and bytes", async (format) => {
    const t = tmp.file(`tree-${format}.tar`);
    // ustar cannot hold a 160-character file name (its name field is 100, plus a directory prefix).
    run("tar", ["-C", tmp.file("tree"), `--format=${format}`, ...(format === "ustar" ? ["--exclude=long-*"] : []), "-cf", t, "shots"]);
    const seen = await list(t);
    const files = new Map(seen.filter((s) => s.kind === "file").map((s) => [s.name, s.sha256]));
    const want = hashes();
    if (format === "ustar") want.delete(LONG);
    expect(files).toEqual(want);
    expect(seen.find((s) => s.name === "shots/link.bin")).toMatchObject({ kind: "link", linkTarget: "plate.bin", readable: false });
    expect(seen.filter((s) => s.kind === "dir").map((s) => s.name).sort()).toEqual(["shots/", "shots/sub/"]);
    expect(seen.every((s) => s.problem === undefined && s.warnings === undefined)).toBe(true);
  });

  it("tar.gz and .tgz: the same members, read through gunzip in one pass", async () => {
    for (const name of ["tree.tar.gz", "tree.tgz"]) {
      const t = tmp.file(name);
      run("tar", ["-C", tmp.file("tree"), "--format=posix", "-czf", t, "shots"]);
      const files = new Map((await list(t)).filter((s) => s.kind === "file").map((s) => [s.name, s.sha256]));
      expect(files, name).toEqual(hashes());
    }
  });

  it("a lone gzipped file is one member, named from the gzip header", async () => {
    writeFileSync(tmp.file("frame.exr"), picture);
    run("sh", ["-c", `gzip -c ${tmp.file("frame.exr")} > ${tmp.file("renamed.dat")}`]);
    expect(await list(tmp.file("renamed.dat"))).toEqual([{ name: "frame.exr", containers: [], size: 3000, kind: "file", readable: true, sha256: sha(picture) }]);
  });

  it("GNU sparse members (old GNU and pax forms) are reported, not read", async () => {
    run("truncate", ["-s", "1M", tmp.file("tree/sparse.bin")]);
    for (const format of ["gnu", "posix"]) {
      const t = tmp.file(`sparse-${format}.tar`);
      run("tar", ["-C", tmp.file("tree"), `--format=${format}`, "--sparse", "-cf", t, "sparse.bin"]);
      expect(await list(t), format).toEqual([
        { name: "sparse.bin", containers: [], size: 1024 * 1024, kind: "other", problem: "a sparse member (GNU sparse format): cannot inspect", readable: false },
      ]);
    }
  });

  it("a tar cut inside a member, one with a bad checksum, and a truncated tar.gz say what is wrong", async () => {
    const good = readFileSync(tmp.file("tree-ustar.tar"));
    const plateAt = good.indexOf(Buffer.from("shots/plate.bin"));
    writeFileSync(tmp.file("cut.tar"), good.subarray(0, plateAt + 512 + 1000));
    const cut = await failure(tmp.file("cut.tar"));
    expect(cut.reason).toBe("truncated");
    expect(cut.message).toBe(`${tmp.file("cut.tar")}: cut short inside member "shots/plate.bin" (header at byte ${plateAt})`);

    const bad = Buffer.from(good);
    bad[plateAt + 5] = 0x5a; // the name changes, the checksum does not
    writeFileSync(tmp.file("bad.tar"), bad);
    const sum = await failure(tmp.file("bad.tar"));
    expect(sum.reason).toBe("corrupt");
    expect(sum.message).toMatch(new RegExp(`^.*bad\\.tar: the header at byte ${plateAt} has a bad checksum \\(it says \\d+, its bytes sum to \\d+\\): not a tar, or damaged$`));

    const tgz = readFileSync(tmp.file("tree.tgz"));
    writeFileSync(tmp.file("cut.tgz"), tgz.subarray(0, tgz.length - 200));
    const gz = await failure(tmp.file("cut.tgz"));
    expect(gz.reason).toBe("truncated");
    expect(gz.message).toBe(`${tmp.file("cut.tgz")}: the compressed data ends before its end marker`);
  });
});

describe("tar, hostile, built by hand", () => {
  it("traversal names, a hard link out of the tree, and an unknown type flag (read as a file, as tar would)", async () => {
    const t = tmp.file("evil.tar");
    await writeFile(
      t,
      Buffer.concat([
        tarMember("../../etc/passwd", Buffer.from("root\n")),
        tarMember("/abs.txt", Buffer.from("abs")),
        tarHeader("hl", 0, "1", { linkName: "../../../etc/shadow" }),
        tarMember("weird.bin", picture, "Z"),
        TAR_END,
      ]),
    );
    expect(await list(t)).toEqual([
      { name: "../../etc/passwd", containers: [], size: 5, kind: "file", warnings: ['unsafe name: the name climbs out of the archive with ".."'], readable: true, sha256: sha("root\n") },
      { name: "/abs.txt", containers: [], size: 3, kind: "file", warnings: ["unsafe name: an absolute path"], readable: true, sha256: sha("abs") },
      { name: "hl", containers: [], size: 0, kind: "link", linkTarget: "../../../etc/shadow", readable: false },
      { name: "weird.bin", containers: [], size: 3000, kind: "file", warnings: ['unknown type flag "Z": read as a regular file, as tar would extract it'], readable: true, sha256: sha(picture) },
    ]);
  });

  it("GNU base-256 sizes are read (a member over 8 GiB declared); the file's end then says it is cut short", async () => {
    const field = Buffer.alloc(12);
    field[0] = 0x80;
    field.writeUIntBE(9 * 1024 ** 3, 6, 6);
    const t = tmp.file("huge-size.tar");
    await writeFile(t, Buffer.concat([tarHeader("huge.bin", 0, "0", { sizeField: field }), Buffer.alloc(512)]));
    const names: Array<[string, number]> = [];
    let error: unknown;
    try {
      for await (const m of members(t, { maxTotalBytes: 1024 })) names.push([m.name, m.size]);
    } catch (err) {
      error = err;
    }
    expect(names).toEqual([["huge.bin", 9 * 1024 ** 3]]);
    expect((error as Error).message).toBe(`${t}: cut short inside member "huge.bin": it declares ${9 * 1024 ** 3} bytes at byte 512, and the data ends first`);
  });

  it("data after the end-of-archive blocks is reported as outside data, readable to sniff", async () => {
    const t = tmp.file("hidden.tar");
    await writeFile(t, Buffer.concat([tarMember("a.txt", Buffer.from("a")), TAR_END, picture]));
    const seen = await list(t);
    expect(seen.map((s) => [s.name, s.outside ?? false, s.size])).toEqual([
      ["a.txt", false, 1],
      [`(${1024 + 3000} bytes after the end of the tar)`, true, 1024 + 3000],
    ]);
  });

  it("a tar.gz bomb is stopped by the ratio while inflating; a total cap stops a milder one", async () => {
    const bomb = tmp.file("bomb.tar.gz");
    await writeFile(bomb, zlib.gzipSync(Buffer.concat([tarMember("zeros.bin", new Uint8Array(20 * 1024 * 1024)), TAR_END])));
    const err = await failure(bomb);
    expect(err.reason).toBe("too-large");
    expect(err.message).toMatch(/: too large to inspect: the gzip data inflates more than 100 times \(the maxRatio limit\): \d+ bytes from \d+$/);

    const mild = tmp.file("mild.tar.gz");
    await writeFile(mild, zlib.gzipSync(Buffer.concat([tarMember("noise.bin", randomBytes(3 * 1024 * 1024, 9)), TAR_END])));
    const capped = await failure(mild, { maxTotalBytes: 1024 * 1024 });
    expect(capped).toBeInstanceOf(ArchiveLimitError);
    expect(capped.message).toBe(`${mild}: too large to inspect: more than 1048576 bytes uncompressed in all (the maxTotalBytes limit)`);
  });

  it("maxMembers in a tar: the first members are listed, then the limit is an error", async () => {
    const t = tmp.file("many.tar");
    await writeFile(t, Buffer.concat([...Array.from({ length: 5 }, (_, i) => tarMember(`f${i}`, Buffer.from([i]))), TAR_END]));
    const names: string[] = [];
    let error: unknown;
    try {
      for await (const m of members(t, { maxMembers: 3 })) names.push(m.name);
    } catch (err) {
      error = err;
    }
    expect(names).toEqual(["f0", "f1", "f2"]);
    expect((error as Error).message).toBe(`${t}: too many members: more than 3 (the maxMembers limit); "f3" and those after it were not listed`);
  });

  it("not an archive at all", async () => {
    writeFileSync(tmp.file("plain.txt"), "just text\n");
    const err = await failure(tmp.file("plain.txt"));
    expect(err.reason).toBe("not-archive");
    expect(err.message).toBe(`${tmp.file("plain.txt")}: not a zip, tar or gzip file (its bytes say nothing known)`);
  });
});

describe("nested archives", () => {
  // outer.zip holds: mid.tar.gz (deflated), which holds: inner.zip (stored), which holds: deep.txt
  let outer: string;
  beforeAll(async () => {
    const inner = tmp.file("inner.zip");
    await writeZip(inner, [{ name: "deep.txt", data: Buffer.from("deepest\n") }]);
    const mid = zlib.gzipSync(Buffer.concat([tarMember("inner.zip", readFileSync(inner)), tarMember("mid.txt", Buffer.from("mid\n")), TAR_END]));
    outer = tmp.file("outer.zip");
    await writeZip(outer, [
      { name: "mid.tar.gz", data: mid, method: 8 },
      { name: "top.txt", data: Buffer.from("top\n") },
    ]);
  });

  it("are opened to maxDepth, each member naming the archives it is inside", async () => {
    const seen = await list(outer, { maxDepth: 2 });
    expect(seen.map((s) => [s.containers.join(" > "), s.name, s.problem ?? null, s.readable])).toEqual([
      ["", "mid.tar.gz", null, true],
      ["mid.tar.gz", "inner.zip", null, true],
      ["mid.tar.gz > inner.zip", "deep.txt", null, true],
      ["mid.tar.gz", "mid.txt", null, true],
      ["", "top.txt", null, true],
    ]);
    expect(seen.find((s) => s.name === "deep.txt")?.sha256).toBe(sha("deepest\n"));
  });

  it("past maxDepth they are reported as not inspected, and still readable as bytes", async () => {
    const seen = await list(outer, { maxDepth: 1 });
    expect(seen.map((s) => [s.containers.join(" > "), s.name, s.problem ?? null, s.readable])).toEqual([
      ["", "mid.tar.gz", null, true],
      ["mid.tar.gz", "inner.zip", "a zip inside, not inspected: archives nested deeper than 1 (the maxDepth limit) are not opened", true],
      ["mid.tar.gz", "mid.txt", null, true],
      ["", "top.txt", null, true],
    ]);
    const none = await list(outer, { maxDepth: 0 });
    expect(none.map((s) => [s.name, s.problem ?? null])).toEqual([
      ["mid.tar.gz", "a gzip inside, not inspected: archives nested deeper than 0 (the maxDepth limit) are not opened"],
      ["top.txt", null],
    ]);
  });

  it("a compressed nested archive over maxBufferBytes is not opened, and says why", async () => {
    const seen = await list(outer, { maxBufferBytes: 100 });
    expect(seen[0]).toMatchObject({ name: "mid.tar.gz", readable: true });
    expect(seen[0]!.problem).toMatch(/^a gzip inside, not inspected: it is compressed, so listing it means holding its \d+ bytes in memory, over 100 \(the maxBufferBytes limit\)$/);
    expect(seen.map((s) => s.name)).toEqual(["mid.tar.gz", "top.txt"]);
  });

  it("a corrupt nested archive is a record naming it; the outer listing goes on", async () => {
    const broken = tmp.file("broken-outer.zip");
    const innerBytes = readFileSync(tmp.file("inner.zip"));
    await writeZip(broken, [
      { name: "bad-inner.zip", data: innerBytes.subarray(0, innerBytes.length - 30) }, // local header, no central directory
      { name: "after.txt", data: Buffer.from("after\n") },
    ]);
    const seen = await list(broken);
    expect(seen.map((s) => [s.containers.join(" > "), s.name, s.kind, s.problem ?? null])).toEqual([
      ["", "bad-inner.zip", "file", null],
      ["", "bad-inner.zip", "other", `the zip inside was not fully inspected: ${broken} > bad-inner.zip: no end-of-central-directory record: the zip is cut short, or not a zip`],
      ["", "after.txt", "file", null],
    ]);
  });
});

describe("helpers", () => {
  it("unsafeName", () => {
    expect(unsafeName("a/b/c.txt")).toBeUndefined();
    expect(unsafeName("a/..b/c")).toBeUndefined();
    expect(unsafeName("..")).toBe('the name climbs out of the archive with ".."');
    expect(unsafeName("a\\..\\b")).toBe('the name climbs out of the archive with ".."');
    expect(unsafeName("\\\\server\\share")).toBe("an absolute path");
    expect(unsafeName("D:relative")).toBe("an absolute path");
    expect(unsafeName("a\0b")).toBe("the name contains a NUL byte");
  });

  it("CP437 names decode as DOS wrote them", () => {
    expect(decodeCp437(Uint8Array.from([0x63, 0x61, 0x66, 0x82, 0x2e, 0x74, 0x78, 0x74]))).toBe("café.txt");
    expect(decodeCp437(Uint8Array.from([0x80, 0xe1, 0xff]))).toBe("Çß\u00a0");
  });
});
