// Hostile file names in deliverables: each GenAI file must be blocked and quarantined
// byte-identical, whatever its name (newline, leading dash, trailing pipe, NFC/NFD twins,
// 255 bytes, names on the scan ignore list, shell and glob characters).

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disposeAll, expectBlocked, expectNoErrors, expectQuarantineConsistent, ENGINE_MODES, ENGINES, genaiPng, MODES, parseJson, Sandbox, sha256, type Watcher, write } from "./helpers.js";

afterAll(disposeAll);

const NFC = "caf\u00e9.png";
const NFD = "cafe\u0301.png";

const NAMES: Array<[label: string, name: string]> = [
  ["a newline", "render\nfinal.png"],
  ["a leading dash", "-rf.png"],
  ["a leading double dash", "--help.png"],
  ["a trailing pipe", "comp.png|"],
  ["a leading pipe and spaces", "| rm -rf ~ .png"],
  ["leading and trailing spaces", "  spaced out.png  "],
  ["NFC é", NFC],
  ["NFD é", NFD],
  ["a 255-byte ASCII name", `${"a".repeat(251)}.png`],
  ["a 255-byte name of 2-byte characters", `${"é".repeat(125)}x.png`],
  ["quotes, $() and backticks", `it's "final" $(touch pwned) \`id\`.png`],
  ["glob characters", "shot[1]*?{a,b}.png"],
  ["a backslash and a tab", "back\\slash\ttab.png"],
  ["an emoji", "🎬 final.png"],
  ["no extension", "RENDER"],
  // Names on scan.ignore: system litter in working roots, but never a way past the gate.
  ["an AppleDouble name", "._shot.png"],
  ["a .DS_Store name", ".DS_Store"],
  ["a Thumbs.db name", "Thumbs.db"],
  ["a .prov- name", ".prov-shot.png"],
  ["a file in .git/", ".git/objects/shot.png"],
  ["a file in @eaDir/", "@eaDir/shot.png"],
  ["a file in .Trash-1000/", ".Trash-1000/files/shot.png"],
];

const fileFor = (root: string, label: string, name: string): string => path.join(root, "hostile", label.replace(/[^a-z0-9]+/gi, "-"), name);

describe.each(ENGINE_MODES)("hostile names in deliverables (%s, %s)", (engine, mode) => {
  let sb: Sandbox;
  let w: Watcher;
  beforeAll(async () => {
    sb = await Sandbox.create({ engine, mode });
    w = await sb.watch();
    // All dropped at once; each test then checks one of them.
    for (const [label, name] of NAMES) write(fileFor(sb.del, label, name), genaiPng(`${mode}-${label}`));
  });
  afterAll(async () => {
    if (w?.alive) expectNoErrors(w);
    await sb?.dispose();
  });

  it("NFC and NFD twins are two files: both blocked, both survive in quarantine", async () => {
    expect(NFC).not.toBe(NFD);
    expect(NFC.normalize("NFC")).toBe(NFD.normalize("NFC"));
    const dir = path.join(sb.del, "twins");
    const a = genaiPng(`nfc-${mode}`);
    const b = genaiPng(`nfd-${mode}`);
    write(path.join(dir, NFC), a);
    write(path.join(dir, NFD), b);
    expect(fs.readdirSync(dir).sort()).toEqual([NFC, NFD].sort());
    const ra = await expectBlocked(sb, path.join(dir, NFC), sha256(a));
    const rb = await expectBlocked(sb, path.join(dir, NFD), sha256(b));
    expect(ra.quarantine_path).not.toBe(rb.quarantine_path);
    expect(path.basename(ra.quarantine_path)).toBe(`${ra.id}-${NFC}`);
    expect(path.basename(rb.quarantine_path)).toBe(`${rb.id}-${NFD}`);
    // Exactly these names, byte for byte, on disk.
    const onDisk = fs.readdirSync(path.dirname(ra.quarantine_path), { encoding: "buffer" }).map((n) => n.toString("hex"));
    expect(onDisk).toContain(Buffer.from(`${ra.id}-${NFC}`).toString("hex"));
    expect(onDisk).toContain(Buffer.from(`${rb.id}-${NFD}`).toString("hex"));
  });

  it.each(NAMES)("a GenAI file named with %s is blocked and quarantined byte-identical", async (label, name) => {
    const file = fileFor(sb.del, label, name);
    const row = await expectBlocked(sb, file, sha256(genaiPng(`${mode}-${label}`)));
    const qname = path.basename(row.quarantine_path);
    expect(Buffer.byteLength(qname)).toBeLessThanOrEqual(255);
    if (Buffer.byteLength(`${row.id}-${path.basename(name)}.partial`) <= 255) expect(qname).toBe(`${row.id}-${path.basename(name)}`);
    else {
      // Shortened to fit: the id, a prefix of the name, the extension; never broken characters.
      expect(qname).not.toContain("\ufffd");
      expect(qname.startsWith(`${row.id}-`)).toBe(true);
      expect(path.basename(name).startsWith(qname.slice(`${row.id}-`.length, -path.extname(name).length))).toBe(true);
      expect(path.extname(qname)).toBe(path.extname(name));
    }
  });

  it("the CLI lists them all, names intact, as JSON", async () => {
    const rows = parseJson<{ items: Array<{ originalPath: string; state: string }> }>(await sb.cli(["quarantine", "ls", "--json"])).items;
    for (const [label, name] of NAMES) {
      expect(rows.some((r) => r.originalPath === fileFor(sb.del, label, name) && r.state === "moved"), `${JSON.stringify(name)} listed`).toBe(true);
    }
    await sb.waitIdle(w);
    expectQuarantineConsistent(sb);
  });
});

describe.each(ENGINES)("names the quarantine must shorten or cannot decode (%s)", (engine) => {
  it("a 255-byte name whose shortening would split a 4-byte character keeps a valid name", async () => {
    // For quarantine id 1 ("1-" prefix) the shortened stem ends exactly inside the last emoji.
    const name = `aa${"😀".repeat(60)}中中中.png`;
    expect(Buffer.byteLength(name)).toBe(255);
    const sb = await Sandbox.create({ engine, mode: "events", noWorking: true });
    try {
      await sb.watch();
      const data = genaiPng("split-emoji");
      const file = write(path.join(sb.del, name), data);
      const row = await expectBlocked(sb, file, sha256(data));
      expect(row.id).toBe(1);
      const onDisk = fs.readdirSync(path.dirname(row.quarantine_path), { encoding: "buffer" }).find((n) => n.toString("utf8").startsWith("1-"))!;
      const qname = onDisk.toString("utf8");
      expect(Buffer.from(qname, "utf8").equals(onDisk), "valid UTF-8").toBe(true);
      expect(qname, `no replacement characters in ${JSON.stringify(qname.slice(-12))}`).not.toContain("\ufffd");
      expect(name.startsWith(qname.slice(2, -4))).toBe(true);
      expect(row.quarantine_path).toBe(path.join(path.dirname(row.quarantine_path), qname));
    } finally {
      await sb.dispose();
    }
  });

  it.each(engine === "sqlite" ? MODES : (["events"] as const))("a GenAI file whose name is not UTF-8 (Latin-1 é) does not stay in deliverables unnoticed (%s)", async (mode) => {
    const sb = await Sandbox.create({ engine, mode, noWorking: true });
    try {
      const w = await sb.watch();
      const raw = Buffer.concat([Buffer.from(`${sb.del}/caf`), Buffer.from([0xe9]), Buffer.from(".png")]);
      fs.writeFileSync(raw, genaiPng(`latin1-${mode}`));
      await sb.waitIdle(w);
      const st = parseJson<{ counts: { blocked: number; held: number; blockedStillPresent: number } }>(await sb.cli(["status", "--json"]));
      const stillThere = fs.existsSync(raw);
      // Either it was moved out (blocked or held), or the watcher reports it as still present.
      expect(
        !stillThere || st.counts.blockedStillPresent > 0,
        `a GenAI file named caf\\xe9.png is still in deliverables (${stillThere}) and status counts ${JSON.stringify(st.counts)}`,
      ).toBe(true);
      if (!stillThere) {
        const rows = sb.db.quarantineRows().filter((r) => r.state === "moved");
        expect(rows).toHaveLength(1);
        expect(sha256(rows[0]!.quarantine_path)).toBe(sha256(genaiPng(`latin1-${mode}`)));
      }
    } finally {
      await sb.dispose();
    }
  });
});
