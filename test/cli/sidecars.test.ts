// XMP sidecars end to end: `prov scan` records a plate whose ExifTool-written sidecar says it
// was generated as GenAI, `prov show` lists the sidecar's evidence, and `prov sweep` fails the
// delivery on it and lists the sidecar itself as skipped, never lost.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundledExiftool, cliPath, copySample, json, runCli, tempDir, type CliResult } from "../helpers/index.js";
import { makePki, signJpeg } from "../helpers/c2pa-signer.js";

const TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

describe("XMP sidecars through the CLI", () => {
  let dir: string;
  const prov = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 60_000 });

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
    dir = tempDir();
    expect((await prov(["init"])).code).toBe(0);
    const media = path.join(dir, "media");
    copySample("unlabelled-still.png", media, "shot.png");
    execFileSync(bundledExiftool, ["-q", `-XMP-iptcExt:DigitalSourceType=${TRAINED}`, "-o", path.join(media, "shot.xmp")], { stdio: "pipe" });
  });

  it("scan and show count the sidecar's label for the file", async () => {
    const r = await prov(["scan", "media"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^genai\/temporary +[0-9a-f]{12} +.*shot\.png$/m);
    const s = await prov(["show", "media/shot.png"]);
    expect(s.stdout).toMatch(/^origin +genai/m);
    expect(s.stdout).toMatch(/genai +iptc +sidecar:XMP-iptcExt:DigitalSourceType: .*trainedAlgorithmicMedia/);
    expect(s.stdout).toMatch(/info +exiftool +sidecar:read: shot\.xmp/);
    // The sidecar is not a recorded file of its own.
    expect((await prov(["show", "media/shot.xmp"])).stdout).toMatch(/shot\.xmp: not recorded in /);
  });

  it("sweep fails on the file and lists its sidecar as skipped", async () => {
    const r = await prov(["sweep", "--format", "json", "media"]);
    expect(r.code).toBe(1);
    const j = json(r);
    const byPath = new Map<string, any>(j.files.map((f: any) => [f.path, f]));
    expect(byPath.get("shot.png")).toMatchObject({ finding: "violation", origin: "genai" });
    expect(byPath.get("shot.png").labelEvidence.join("\n")).toContain("sidecar:XMP-iptcExt:DigitalSourceType");
    expect(byPath.get("shot.xmp")).toMatchObject({ finding: "skipped", reasons: ["XMP sidecar of shot.png"] });
  });
});

// .c2pa sidecars and remote manifests: a JPEG signed by a throwaway test CA with its manifest
// store kept out of the file (test/helpers/c2pa-signer.ts, c2pa-rs itself signs), the store
// saved beside it; one signed for a remote manifest URL, the store saved as the download.
describe(".c2pa sidecars and downloaded remote manifests through the CLI", () => {
  let dir: string;
  const prov = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 120_000 });
  const URL_ = "https://manifests.example.test/prov/remote.c2pa";

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
    dir = tempDir();
    const pki = makePki(fs.mkdtempSync(path.join(dir, "pki-")));
    const plate = copySample("camera-plate.jpg", dir, "source.jpg");
    const media = path.join(dir, "media");
    fs.mkdirSync(media, { recursive: true });
    const sc = await signJpeg(pki, plate, "sidecar");
    fs.writeFileSync(path.join(media, "still.jpg"), sc.asset);
    fs.writeFileSync(path.join(media, "still.c2pa"), sc.manifest);
    // The same store beside a file it was not made for: its hash does not hold.
    copySample("unlabelled-still.png", media, "other.png");
    fs.writeFileSync(path.join(media, "other.c2pa"), sc.manifest);
    const rm = await signJpeg(pki, plate, "remote", URL_);
    fs.writeFileSync(path.join(media, "remote.jpg"), rm.asset);
    fs.writeFileSync(path.join(media, "remote.c2pa"), rm.manifest);
    expect((await prov(["init"])).code).toBe(0);
  }, 120_000);

  it("scan validates each store against its asset and counts its GenAI claim", async () => {
    const r = await prov(["scan", "media"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^genai\/temporary +[0-9a-f]{12} +.*still\.jpg$/m);
    expect(r.stdout).toMatch(/^c2pa validated +.*still\.jpg: urn:c2pa:[0-9a-f-]+: validated \(valid; signer not trusted/m);
    expect(r.stdout).toMatch(/^c2pa validated +.*remote\.jpg: urn:c2pa:[0-9a-f-]+: validated \(valid/m);
    expect(r.stdout).toMatch(/^c2pa invalid +.*other\.png: urn:c2pa:[0-9a-f-]+: invalid \(assertion\.dataHash\.mismatch\)/m);
    const j = json(await prov(["--json", "show", "media/still.jpg"]));
    expect(j.c2pa.validation).toMatchObject({ outcome: "validated", state: "valid" });
    const s = await prov(["show", "media/remote.jpg"]);
    expect(s.stdout).toMatch(/genai +c2pa +active manifest actions\[0\] c2pa\.created digitalSourceType: .*trainedAlgorithmicMedia/);
    expect(s.stdout).toMatch(/info +exiftool +sidecar:read: remote\.c2pa/);
    expect(s.stdout).toMatch(/: validated \(valid/);
  });

  it("sweep shows the validations, lists the stores as skipped, and warns only on the one that does not hold", async () => {
    const r = await prov(["sweep", "--format", "json", "media"]);
    expect(r.code).toBe(1);
    const byPath = new Map<string, any>(json(r).files.map((f: any) => [f.path, f]));
    expect(byPath.get("still.c2pa")).toMatchObject({ finding: "skipped", reasons: ["C2PA manifest store of still.jpg"] });
    expect(byPath.get("remote.c2pa")).toMatchObject({ finding: "skipped", reasons: ["C2PA manifest store of remote.jpg"] });
    const reasons = (name: string): string => byPath.get(name).reasons.join("\n");
    expect(byPath.get("still.jpg")).toMatchObject({ finding: "violation", origin: "genai" });
    expect(byPath.get("still.jpg").c2pa).toEqual([{ label: expect.stringMatching(/^urn:c2pa:/), status: expect.stringMatching(/^validated \(valid/) }]);
    expect(byPath.get("remote.jpg").c2pa[0].status).toMatch(/^validated \(valid/);
    // The remote manifest was checked from its download: no "not checked" warning.
    expect(reasons("remote.jpg")).not.toMatch(/not checked/);
    expect(reasons("other.png")).toMatch(/is invalid \(assertion\.dataHash\.mismatch\)/);
  });
});
