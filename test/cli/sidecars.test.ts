// XMP sidecars end to end: `prov scan` records a plate whose ExifTool-written sidecar says it
// was generated as GenAI, `prov show` lists the sidecar's evidence, and `prov sweep` fails the
// delivery on it and lists the sidecar itself as skipped, never lost.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundledExiftool, cliPath, copySample, json, runCli, tempDir, type CliResult } from "../helpers/index.js";

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
