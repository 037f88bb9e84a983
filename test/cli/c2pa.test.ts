// C2PA validation end to end: `prov scan` validates the manifests of real fixtures (a valid
// one, a tampered one, a camera capture whose pixels were changed after signing), `prov show`
// says validated / invalid (codes), a sweep warns on the invalid ones, a tampered capture
// claim no longer makes a file not-GenAI, and configured anchors make a signer trusted.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath, copyFixture, json, runCli, sharedAvailable, tempDir, type CliResult } from "../helpers/index.js";
import { writeRootsPem } from "../helpers/c2pa-reference.js";

const haveShared = sharedAvailable();

describe.runIf(haveShared)("C2PA validation through the CLI", () => {
  let dir: string;
  const prov = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 120_000 });

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
    dir = tempDir();
    expect((await prov(["init"])).code).toBe(0);
    const media = path.join(dir, "media");
    copyFixture("C_with_CAWG_data.jpg", media, "capture.jpg"); // digitalCapture, intact
    copyFixture("adobe-20220124-E-dat-CA.jpg", media, "tampered.jpg"); // bytes changed after signing
    // The capture again with one byte of its picture changed: the manifest still parses, its hash no longer holds.
    const forged = copyFixture("C_with_CAWG_data.jpg", media, "capture-edited.jpg");
    const bytes = fs.readFileSync(forged);
    bytes[bytes.length - 200]! ^= 0xff;
    fs.writeFileSync(forged, bytes);
  });

  it("scan validates each manifest and says so", async () => {
    const r = await prov(["scan", "media"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/c2pa validated +.*capture\.jpg: urn:c2pa:822f2ec0-ef27-4d95-88b4-74586c12873d: validated \(valid/);
    expect(r.stdout).toMatch(/c2pa invalid +.*tampered\.jpg: contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b: invalid \(assertion\.dataHash\.mismatch\)/);
    expect(r.stdout).toMatch(/c2pa invalid +.*capture-edited\.jpg: .*invalid \(assertion\.dataHash\.mismatch\)/);
    // A second scan validates nothing again (same validator, same anchors) and says nothing.
    const again = await prov(["scan", "media"]);
    expect(again.stdout).not.toMatch(/^c2pa /m);
    // JSON lists the validations this scan made, beside the files.
    fs.copyFileSync(path.join(dir, "media/tampered.jpg"), path.join(dir, "tampered-copy.jpg"));
    const j = json(await prov(["--json", "scan", "tampered-copy.jpg"]));
    expect(j.c2pa).toHaveLength(1);
    expect(j.c2pa[0]).toMatchObject({ outcome: "validated", state: "invalid", validator: expect.stringMatching(/^c2pa-rs 0\.92\./) });
    expect(j.c2pa[0].manifests).toEqual([{ label: "contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b", status: "invalid (assertion.dataHash.mismatch)" }]);
  });

  it("show says validated or invalid (codes), with the validator and trust bundle", async () => {
    const ok = await prov(["show", "media/capture.jpg"]);
    expect(ok.stdout).toMatch(/^origin +not-genai/m);
    expect(ok.stdout).toMatch(/^C2PA validation \(c2pa-rs 0\.92\.\d+, @contentauth\/c2pa-wasm@0\.15\.0, trust bundle sha256 [0-9a-f]{16}, /m);
    expect(ok.stdout).toContain("urn:c2pa:822f2ec0-ef27-4d95-88b4-74586c12873d: validated (valid");
    const bad = await prov(["show", "media/tampered.jpg"]);
    expect(bad.stdout).toContain("contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b: invalid (assertion.dataHash.mismatch)");
    const j = json(await prov(["--json", "show", "media/tampered.jpg"]));
    expect(j.c2pa.manifests).toEqual([{ label: "contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b", status: "invalid (assertion.dataHash.mismatch)" }]);
    expect(j.c2pa.validation).toMatchObject({ outcome: "validated", state: "invalid", binding: "@contentauth/c2pa-wasm@0.15.0", trustSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(j.c2pa.validation.manifests[0].failure).toContain("assertion.dataHash.mismatch");
  });

  it("a capture claim from an invalid manifest does not count: origin unknown, the claim shown as not counted", async () => {
    const r = await prov(["show", "media/capture-edited.jpg"]);
    expect(r.stdout).toMatch(/^origin +unknown/m);
    expect(r.stdout).toMatch(/digitalCapture \(not counted: manifest invalid, assertion\.dataHash\.mismatch\)/);
    // A full sweep reads the metadata again: the recorded validation still weighs it.
    await prov(["sweep", "media"]);
    expect((await prov(["show", "media/capture-edited.jpg"])).stdout).toMatch(/^origin +unknown/m);
  });

  it("a sweep warns on each invalid manifest with its codes; text and JSON list every manifest's status", async () => {
    const text = await prov(["sweep", "media"]);
    expect(text.stdout).toMatch(/tampered\.jpg.*\n\s+C2PA manifest contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b is invalid \(assertion\.dataHash\.mismatch\)/);
    const report = json(await prov(["sweep", "media", "--format", "json"]));
    const row = (p: string) => report.files.find((f: { path: string }) => f.path === p);
    expect(row("tampered.jpg").finding).toBe("warning");
    expect(row("tampered.jpg").c2pa).toEqual([{ label: "contentauth:urn:uuid:04cdf4ec-f713-4e47-a8d6-7af56501ce4b", status: "invalid (assertion.dataHash.mismatch)" }]);
    expect(row("capture-edited.jpg").finding).toBe("warning");
    expect(row("capture.jpg").finding).toBe("ok");
    expect(row("capture.jpg").c2pa[0].status).toMatch(/^validated \(valid/);
  });

  it("the disclosure list carries each manifest's status (JSON and CSV)", async () => {
    const own = tempDir();
    const run = (args: string[]): Promise<CliResult> => runCli(args, { cwd: own, timeoutMs: 120_000 });
    expect((await run(["init"])).code).toBe(0);
    const file = copyFixture("DALL-E_cloud_surfing_puppy.webp", path.join(own, "deliver"), "sky.webp");
    expect((await run(["scan", file])).code).toBe(0);
    expect((await run(["approve", file, "--by", "Dana Post", "--ref", "APR-1"])).code).toBe(0);
    expect((await run(["sweep", "deliver", "--disclosure", "list.json"])).code).toBe(0);
    const list = JSON.parse(fs.readFileSync(path.join(own, "list.json"), "utf8"));
    expect(list.files[0].c2pa).toEqual([
      { label: "urn:uuid:4c27da49-3ecf-452d-b7a9-c433fad86d3a", status: expect.stringMatching(/^validated \(valid/) },
      { label: "urn:uuid:8381c54c-77c0-48d7-b7dd-164db2456ccb", status: expect.stringMatching(/^validated \(valid/) },
    ]);
    expect((await run(["sweep", "deliver", "--disclosure", "list.csv"])).code).toBe(0);
    const csv = fs.readFileSync(path.join(own, "list.csv"), "utf8").trim().split("\r\n");
    expect(csv[0]).toMatch(/,finding,c2pa,timecodes,source_timecode$/);
    expect(csv[1]).toMatch(/,disclosed,"?urn:uuid:4c27da49-3ecf-452d-b7a9-c433fad86d3a: validated \(valid/);
  });

  it("configured anchors make a signer trusted, recorded under the new trust bundle; a missing bundle is a clear error", async () => {
    const own = tempDir();
    const run = (args: string[]): Promise<CliResult> => runCli(args, { cwd: own, timeoutMs: 120_000 });
    expect((await run(["init"])).code).toBe(0);
    const file = copyFixture("adobe-20220124-CA.jpg", own, "signed.jpg");
    // The test root the fixture itself embeds, as the facility's anchor (nothing is built in).
    expect(writeRootsPem([file], path.join(own, "anchors.pem"))).toBeGreaterThan(0);
    const configFile = path.join(own, "prov.config.json");
    const config = JSON.parse(fs.readFileSync(configFile, "utf8"));
    fs.writeFileSync(configFile, JSON.stringify({ ...config, c2pa: { trust: { anchors: ["missing.pem"] } } }));
    const missing = await run(["scan", "signed.jpg"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/prov\.config\.json: c2pa\.trust\.anchors: .*missing\.pem/);
    fs.writeFileSync(configFile, JSON.stringify({ ...config, c2pa: { trust: { anchors: ["anchors.pem"] } } }));
    expect((await run(["scan", "signed.jpg"])).stdout).toMatch(/signed\.jpg: contentauth:urn:uuid:.*: validated \(trusted\)/);
    const j = json(await run(["--json", "show", "signed.jpg"]));
    expect(j.c2pa.manifests[0].status).toBe("validated (trusted)");
    expect(j.c2pa.validation.trustSha256).not.toBe(json(await prov(["--json", "show", "media/capture.jpg"])).c2pa.validation.trustSha256);
    // New anchors where files were validated before: a scan validates the unchanged files again, under the new bundle.
    const mainConfig = path.join(dir, "prov.config.json");
    fs.copyFileSync(path.join(own, "anchors.pem"), path.join(dir, "anchors.pem"));
    fs.writeFileSync(mainConfig, JSON.stringify({ ...JSON.parse(fs.readFileSync(mainConfig, "utf8")), c2pa: { trust: { anchors: ["anchors.pem"] } } }));
    const rescan = await prov(["scan", "media"]);
    expect(rescan.stdout).toMatch(/capture\.jpg: urn:c2pa:822f2ec0-ef27-4d95-88b4-74586c12873d: validated \(valid/);
    expect(rescan.stdout).toMatch(/tampered\.jpg: .*invalid \(assertion\.dataHash\.mismatch\)/);
    expect(rescan.stderr).toMatch(/ 3 unchanged/);
  });
});
