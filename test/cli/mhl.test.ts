// `prov mhl verify|diff|info` end to end (dist/src/cli.js): on a folder `prov sweep --mhl`
// wrote the history of, on the ascmhl reference example, and on bad input. Exit codes are
// ascmhl's (11 no history, 12 changed, 13 new, 15 missing, 16 history modified), 2 for bad input.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath, copySample, json, runCli, sharedDir, tempDir, type CliResult } from "../helpers/index.js";

const example = path.join(sharedDir, "fixtures/ascmhl/example/A002R2EC");
const haveExample = fs.existsSync(path.join(example, "ascmhl", "ascmhl_chain.xml"));
if (!haveExample && process.env["CI"]) throw new Error(`CI is set but the ASC MHL reference example is missing: expected ${example}`);
if (!haveExample) console.warn(`skipping \`prov mhl\` on the ASC MHL reference example: ${example} is missing`);

let dir: string;
const prov = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 60_000 });

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  dir = tempDir();
  const init = await prov(["init"]);
  expect(init.code, init.stderr).toBe(0);
});

describe("prov mhl on a history written by prov sweep --mhl", () => {
  it("verify, diff and info after two sweeps; then a change, a new file and a missing one", async () => {
    const tree = path.join(dir, "Reel 1");
    copySample("camera-plate.jpg", tree, "Clips/plate.jpg");
    copySample("room-tone.wav", tree, "Audio/tone.wav");
    for (let i = 0; i < 2; i++) {
      const s = await prov(["sweep", tree, "--mhl", "--format", "json"]);
      expect(json(s).summary.mhl, s.stderr).toMatchObject({ generation: i + 1, failed: [], missing: [] });
    }

    let r = await prov(["mhl", "verify", tree]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ASC MHL verify of ${tree}: latest generation 2`);
    expect(r.stdout).toContain("2 files hashed: 2 ok, 0 changed, 0 missing, 0 new");
    expect(r.stdout).toMatch(/result: ok, exit 0\n$/);

    r = await prov(["mhl", "info", tree]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 generations, 2 files, chain ok/);
    expect(r.stdout).toMatch(/^\s+1\s+\S+\s+\S+\s+prov \d+\.\d+\.\d+\s+in-place\s+xxh128\s+2\s+2\s+0\s+0\s+2\s+ok$/m);
    const info = json(await prov(["--json", "mhl", "info", tree]));
    expect(info.histories[0].generations[1]).toMatchObject({ generation: 2, tool: "prov", formats: ["xxh128"], counts: { files: 2, original: 0, verified: 2 } });
    expect(info.histories[0].ignore).toContain(".DS_Store");
    const verbose = await prov(["-v", "mhl", "info", tree]);
    expect(verbose.stdout).toMatch(/^Clips\/plate\.jpg\n  gen 1: xxh128 [0-9a-f]{32} original, 13663 bytes\n  gen 2: xxh128 [0-9a-f]{32} verified, 13663 bytes$/m);

    fs.appendFileSync(path.join(tree, "Clips/plate.jpg"), "x");
    fs.writeFileSync(path.join(tree, "Clips/new.mov"), "new");
    fs.rmSync(path.join(tree, "Audio/tone.wav"));
    r = await prov(["mhl", "verify", tree]);
    expect(r.code, r.stdout).toBe(12);
    expect(r.stdout).toMatch(/^CHANGED     Clips\/plate\.jpg  xxh128 [0-9a-f]{32}, recorded [0-9a-f]{32} \(generation 1\)$/m);
    expect(r.stdout).toMatch(/^MISSING     Audio\/tone\.wav$/m);
    expect(r.stdout).toMatch(/^NEW         Clips\/new\.mov$/m);
    expect(r.stdout).toContain("result: verification failed (VerificationFailedException), exit 12");
    const j = json(await prov(["--json", "mhl", "verify", tree]));
    expect(j).toMatchObject({ status: "verification-failed", exitCode: 12, missing: [{ path: "Audio/tone.wav" }], extra: [{ path: "Clips/new.mov", size: 3 }] });
    expect(j.changed).toEqual([expect.objectContaining({ path: "Clips/plate.jpg", reason: "hash", format: "xxh128", generation: 1 })]);

    r = await prov(["mhl", "diff", tree]);
    expect(r.code).toBe(12); // the size changed: no need to read it
    expect(r.stdout).toMatch(/^CHANGED     Clips\/plate\.jpg  size 13664, recorded 13663 \(generation 1\)$/m);
    expect(r.stdout).toContain("looked at (not hashed)");

    // --ignore drops the new file; what is left decides the code.
    fs.truncateSync(path.join(tree, "Clips/plate.jpg"), 13663); // the appended byte taken off again
    r = await prov(["mhl", "verify", tree, "--ignore", "*.mov"]);
    expect(r.code, r.stdout).toBe(15);
    expect(r.stdout).toContain("files in the history are missing (CompletenessCheckFailedException), exit 15");
    r = await prov(["mhl", "verify", tree]);
    expect(r.code, r.stdout).toBe(13);
  });

  it("an edited generation: exit 16, naming the file", async () => {
    const tree = path.join(dir, "Reel 2");
    copySample("room-tone.wav", tree, "tone.wav");
    expect((await prov(["sweep", tree, "--mhl"])).code).toBe(0);
    const gen = fs.readdirSync(path.join(tree, "ascmhl")).find((n) => n.endsWith(".mhl"))!;
    fs.appendFileSync(path.join(tree, "ascmhl", gen), "<!-- edited -->\n");
    for (const cmd of ["verify", "diff", "info"]) {
      const r = await prov(["mhl", cmd, tree]);
      expect(r.code, `${cmd}: ${r.stdout}${r.stderr}`).toBe(16);
      expect(r.stdout).toContain(`HISTORY`);
      expect(r.stdout).toContain(`ascmhl/${gen}: its C4 ID differs from the one the chain recorded`);
    }
  });
});

describe("prov mhl: bad input and no history", () => {
  it("no history is exit 11 with a hint; a missing folder and a corrupt MHL file are exit 2 naming the file", async () => {
    const plain = path.join(dir, "plain");
    fs.mkdirSync(plain);
    let r = await prov(["mhl", "verify", plain]);
    expect(r.code).toBe(11);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`no ASC MHL history at ${plain}`);
    expect(r.stderr).toContain("prov sweep --mhl");
    expect(json(await prov(["--json", "mhl", "diff", plain]))).toMatchObject({ status: "no-history", exitCode: 11 });

    r = await prov(["mhl", "info", path.join(dir, "nowhere")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nowhere: no such folder/);

    const broken = path.join(dir, "broken");
    fs.mkdirSync(path.join(broken, "ascmhl"), { recursive: true });
    const gen = path.join(broken, "ascmhl", "0001_broken_2024-01-01_000000Z.mhl");
    fs.writeFileSync(gen, '<hashlist version="2.0" xmlns="urn:ASC:MHL:v2.0">\n  <hashes>\n    <hash><path>a</path></hash>\n  </hashes>\n</hashlist>\n');
    r = await prov(["mhl", "verify", broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`ASC MHL generation file ${gen} <hash> #1 ("a") has no hash`);
    expect(r.stderr).not.toMatch(/internal error/);
    fs.writeFileSync(gen, "<hashlist");
    r = await prov(["mhl", "diff", broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${gen.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is not well-formed XML: .*\\(line 1, column \\d+\\)`));
  });

  it("--help lists the three commands and their examples", async () => {
    const r = await prov(["mhl", "--help"]);
    expect(r.code).toBe(0);
    for (const c of ["verify", "diff", "info"]) expect(r.stdout).toContain(c);
    expect((await prov(["mhl", "verify", "--help"])).stdout).toContain("prov mhl verify deliverables");
  });
});

describe.runIf(haveExample)("prov mhl on the ASC MHL reference example", () => {
  it("verify exit 0, diff exit 0, info lists ascmhl.py's two generations", async () => {
    let r = await prov(["mhl", "verify", example]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("3 files hashed: 3 ok, 0 changed, 0 missing, 0 new");
    r = await prov(["mhl", "diff", example]);
    expect(r.code, r.stderr).toBe(0);
    r = await prov(["mhl", "info", example]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\s+1\s+2020-01-16T09:15:00\+00:00\s+myHost\.local\s+ascmhl\.py 0\.3 alpha\s+in-place\s+xxh64\s+3\s+3\s+0\s+0\s+1\s+ok$/m);
    expect(r.stdout).toMatch(/^\s+2\s+2020-01-17T14:30:00\+00:00\s+myHost\.local\s+ascmhl\.py 0\.3 alpha\s+in-place\s+xxh64\s+3\s+0\s+3\s+0\s+1\s+ok$/m);
  });
});
