// False alarms, end to end through the CLI on real files: which way a perceptual look-alike
// goes (the adobe-20220124 files: one photograph, several manifests), a file's own C2PA
// claim against its media-data twin's, "unknown" that must not empty itself, a picture that
// cannot be decoded, and numbered stills that are not a shot.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { judgeRecorded } from "../../src/app/judge.js";
import { matchingOf } from "../../src/domain/likeness.js";
import { bundledExiftool, cliPath, copyFixture, copySample, json, openStore, runCli, sha256Of, sharedAvailable, tempDir, type CliResult } from "../helpers/index.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
/** The ingredient every adobe-20220124 file names as its parent: the photograph A.jpg. */
const A_JPG = "xmp.iid:813ee422-9736-4cdc-9be6-4e35ed8e41cb";
const haveShared = sharedAvailable();
if (!haveShared) console.log("false-alarms: ../shared/fixtures is missing: the adobe-20220124 and C2PA capture cases are skipped");

type Row = { path: string; finding: string; reasons: string[]; origin: string; noProvenance?: boolean };

let dir: string;
const prov = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 120_000 });
const label = (file: string, type: string): void => void execFileSync(bundledExiftool, ["-q", "-overwrite_original", `-XMP-iptcExt:DigitalSourceType=${IPTC}${type}`, file]);
const rowsOf = (r: CliResult): Map<string, Row> => new Map((json(r).files as Row[]).map((f) => [f.path, f]));

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  dir = tempDir();
  for (const d of ["work", "deliver", "quarantine"]) fs.mkdirSync(path.join(dir, d));
  expect((await prov(["init", "--working", "work", "--deliverables", "deliver", "--quarantine", "quarantine"])).code).toBe(0);
});

describe.runIf(haveShared)("which way a perceptual look-alike goes (adobe-20220124: one photograph, several manifests)", () => {
  let rows: Map<string, Row>;

  beforeAll(async () => {
    const work = path.join(dir, "work");
    const media = path.join(dir, "media");
    // Plates: the photograph re-encoded (new bytes, new media data, the same picture).
    const ca = copyFixture("adobe-20220124-CA.jpg", media);
    const caicai = copyFixture("adobe-20220124-CAICAI.jpg", media);
    fs.mkdirSync(path.join(work, "plates"), { recursive: true });
    await sharp(ca).resize(900).jpeg({ quality: 90 }).toFile(path.join(work, "plates/first.jpg"));
    await sharp(caicai).resize(900).jpeg({ quality: 90 }).toFile(path.join(work, "plates/caicai-first.jpg"));
    // The plates are recorded before any GenAI work is made from them.
    expect((await prov(["scan", "work/plates"])).code).toBe(0);

    // A GenAI edit of the photograph (generative fill: IPTC compositeWithTrainedAlgorithmicMedia),
    // keeping its C2PA manifest, which names A.jpg as its parentOf ingredient.
    const edit = copyFixture("adobe-20220124-CA.jpg", path.join(work, "ai"), "genfill.jpg");
    label(edit, "compositeWithTrainedAlgorithmicMedia");
    // A fully generated picture (trainedAlgorithmicMedia) that looks like the CAICAI photograph.
    const generated = copyFixture("adobe-20220124-CAICAI.jpg", path.join(work, "ai"), "generated.jpg");
    label(generated, "trainedAlgorithmicMedia");
    const scan = await prov(["--json", "scan", "work/ai"]);
    expect(scan.code).toBe(0);

    const deliver = path.join(dir, "deliver");
    fs.copyFileSync(path.join(work, "plates/first.jpg"), path.join(deliver, "plate-recorded-first.jpg"));
    fs.copyFileSync(path.join(work, "plates/caicai-first.jpg"), path.join(deliver, "lookalike-of-generated.jpg"));
    // The photograph A.jpg itself, delivered later: its XMP InstanceID is the edit's ingredient.
    const a = path.join(deliver, "A.jpg");
    await sharp(ca).resize(800).jpeg({ quality: 85 }).toFile(a);
    execFileSync(bundledExiftool, ["-q", "-overwrite_original", `-XMP-xmpMM:InstanceID=${A_JPG}`, a]);
    // A re-export of the edit delivered later, which nothing names: taken as derived (fail closed).
    await sharp(edit).resize(700).jpeg({ quality: 80 }).toFile(path.join(deliver, "re-export.jpg"));
    const r = await prov(["--json", "sweep", "deliver"]);
    expect(r.code, r.stdout).toBe(1);
    rows = rowsOf(r);
  }, 240_000);

  it("the plate recorded before its GenAI edit is the edit's source, not a violation, and says so", () => {
    const row = rows.get("plate-recorded-first.jpg")!;
    expect(row.finding).toBe("ok");
    expect(row.reasons.join("\n")).toMatch(/perceptual look-alike, not a derivative: source of GenAI edit [0-9a-f]{12}: prov recorded this file first/);
  });

  it("a file the edit's C2PA manifest names as its ingredient is its source, even when delivered later", () => {
    const row = rows.get("A.jpg")!;
    expect(row.finding).not.toBe("violation");
    expect(row.reasons.join("\n")).toContain(`source of GenAI edit`);
    expect(row.reasons.join("\n")).toContain(`its C2PA manifest names this file as an ingredient (${A_JPG})`);
  });

  it("a look-alike of a fully generated asset is derived from it, even when recorded first", () => {
    const row = rows.get("lookalike-of-generated.jpg")!;
    expect(row.finding).toBe("violation");
    expect(row.reasons[0]).toMatch(/^derived from temporary GenAI asset [0-9a-f]{12} \(genai, .*a fully generated asset can only be the source of its look-alikes/);
  });

  it("a later look-alike of a GenAI edit that nothing names is taken as derived, and the finding says why", () => {
    const row = rows.get("re-export.jpg")!;
    expect(row.finding).toBe("violation");
    expect(row.reasons[0]).toMatch(/^derived from temporary GenAI asset [0-9a-f]{12} \(genai-edited, .*taken as derived from the GenAI edit: prov recorded the edit first .* does not name this file as an ingredient\)$/);
  });

  it("prov show says which way each GenAI look-alike goes", async () => {
    const a = await prov(["show", "deliver/A.jpg"]);
    expect(a.stdout).toMatch(/looks like GenAI assets \(perceptual fingerprints\):\n {2}source {3}[0-9a-f]{12} {2}genai-edited temporary, match at distance \d+: source of GenAI edit/);
    const j = json(await prov(["--json", "show", "deliver/re-export.jpg"]));
    expect(j.genaiLookalikes[0]).toMatchObject({ origin: "genai-edited", way: "derived" });
  });

  it("the gate asks the same rule: it allows the plate named as the edit's ingredient and blocks the unnamed re-export, saying why", async () => {
    const store = await openStore(path.join(dir, "prov.db"), { create: false });
    const matching = matchingOf({ everySeconds: 2, matchDistance: 12, possibleDistance: 16 });
    const decide = async (name: string) => {
      const p = path.join(dir, "deliver", name);
      const asset = (await store.assets.bySha(sha256Of(p)))!;
      const facts = (await store.assets.facts(asset.id, p))!;
      return (await judgeRecorded({ store }, facts, { path: p, stable: true }, { unknownPolicy: "allow", matching })).decision;
    };
    expect(await decide("A.jpg")).toMatchObject({ action: "allow" });
    expect(await decide("plate-recorded-first.jpg")).toMatchObject({ action: "allow" });
    const blocked = await decide("re-export.jpg");
    expect(blocked.action).toBe("block");
    expect(blocked.reason).toMatch(/^derived from temporary GenAI asset [0-9a-f]{12} \(genai-edited, .*\(taken as derived from the GenAI edit: /);
    expect((await decide("lookalike-of-generated.jpg")).reason).toMatch(/a fully generated asset can only be the source of its look-alikes/);
  });

  it("the CSV and HTML reports carry the same direction", async () => {
    const csv = (await prov(["sweep", "deliver", "--format", "csv"])).stdout;
    expect(csv).toMatch(/plate-recorded-first\.jpg,ok,.*source of GenAI edit/);
    const html = (await prov(["sweep", "deliver", "--format", "html"])).stdout;
    expect(html).toContain("taken as derived from the GenAI edit");
  });
});

describe.runIf(haveShared)("a file's own C2PA claim against its media-data twin's GenAI claim", () => {
  it("shows both claims as a warning; neither silently wins", async () => {
    // C_with_CAWG_data.jpg's own manifest says digitalCapture; its twin (same pixels) is labelled GenAI.
    const twin = copyFixture("C_with_CAWG_data.jpg", path.join(dir, "work/ai-twin"), "twin.jpg");
    label(twin, "trainedAlgorithmicMedia");
    expect((await prov(["scan", "work/ai-twin"])).code).toBe(0);
    const d = path.join(dir, "deliver-claim");
    copyFixture("C_with_CAWG_data.jpg", d, "capture.jpg");
    const r = await prov(["--json", "sweep", "deliver-claim"]);
    expect(r.code, r.stdout).toBe(0);
    const row = rowsOf(r).get("capture.jpg")!;
    expect(row).toMatchObject({ finding: "warning", origin: "possibly-genai" });
    expect(row.reasons[0]).toMatch(/^claims disagree: own C2PA claim: capture \(digitalCapture\); twin [0-9a-f]{12} claims genai \(.*\); neither wins: review it/);
    const show = await prov(["show", "deliver-claim/capture.jpg"]);
    expect(show.stdout).toMatch(/origin +possibly-genai/);
    expect(show.stdout).toMatch(/possibly-genai lineage +same media data as [0-9a-f]{64}: .*own C2PA claim: capture/);
  }, 120_000);
});

describe("an unlabelled folder stays unknown however often it is swept", () => {
  it("the second sweep still reports unknown, and --fail-on unknown still fails", async () => {
    copySample("unlabelled-still.png", path.join(dir, "deliver-unknown"), "bars.png");
    for (const time of ["first", "second"]) {
      const r = await prov(["--json", "sweep", "deliver-unknown", "--fail-on", "unknown"]);
      expect(r.code, `${time} sweep`).toBe(1);
      expect(rowsOf(r).get("bars.png"), `${time} sweep`).toMatchObject({ finding: "unknown", noProvenance: true });
    }
    // A scan of the folder is no provenance either.
    expect((await prov(["scan", "deliver-unknown"])).code).toBe(0);
    expect((await prov(["sweep", "deliver-unknown", "--fail-on", "unknown", "-q"])).code).toBe(1);
    // First seen in a working root is.
    copySample("room-tone.wav", path.join(dir, "work/audio"), "tone.wav");
    expect((await prov(["scan", "work/audio"])).code).toBe(0);
    copySample("room-tone.wav", path.join(dir, "deliver-unknown"), "tone.wav");
    const r = await prov(["--json", "sweep", "deliver-unknown"]);
    expect(rowsOf(r).get("tone.wav")!.reasons[0]).toMatch(/^no GenAI signal; first seen in working root .*work\/audio\/tone\.wav on /);
  }, 120_000);
});

describe("a picture that cannot be decoded", () => {
  it("is a warning saying it could not be compared with the GenAI assets, never a silent ok", async () => {
    // A GenAI still recorded, so there is something to compare with.
    copySample("genai-a1111.png", path.join(dir, "work/gen"));
    expect((await prov(["scan", "work/gen"])).code).toBe(0);
    const d = path.join(dir, "deliver-broken");
    fs.mkdirSync(d);
    const good = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
    // A PNG whose pixel data is garbage after a valid header.
    fs.writeFileSync(path.join(d, "broken.png"), Buffer.concat([good.subarray(0, 33), Buffer.from([0, 0, 0, 40]), Buffer.from("IDAT"), Buffer.alloc(44, 0x5a)]));
    const r = await prov(["--json", "sweep", "deliver-broken"]);
    const row = rowsOf(r).get("broken.png")!;
    expect(row.finding).not.toBe("ok");
    expect(row.reasons.join("\n")).toMatch(/could not be compared with the GenAI assets \(perceptual fingerprint\): it could not be decoded: /);
  }, 120_000);
});

describe("numbered stills that are not one shot", () => {
  it("are not grouped into an image sequence, and the scan says why", async () => {
    const d = path.join(dir, "stills");
    fs.mkdirSync(d);
    for (let i = 1; i <= 4; i++) {
      await sharp({ create: { width: 40 + i * 8, height: 30, channels: 3, background: { r: i * 50, g: 0, b: 0 } } }).png().toFile(path.join(d, `render_${String(i).padStart(4, "0")}.png`));
    }
    const s = path.join(dir, "scatter");
    fs.mkdirSync(s);
    for (const n of [12, 107, 355, 901]) await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: n % 255, g: 9, b: 0 } } }).jpeg().toFile(path.join(s, `IMG_${String(n).padStart(4, "0")}.jpg`));
    const r = await prov(["scan", "stills", "scatter"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/not an image sequence: .*stills\/render_%04d\.png \(4 files\): frames differ in size or format \(/);
    expect(r.stderr).toMatch(/not an image sequence: .*scatter\/IMG_%04d\.jpg \(4 files\): numbering is not contiguous: 4 files spread over numbers 12-901/);
    expect(r.stderr).not.toMatch(/image sequences? recorded/);
  }, 120_000);
});
