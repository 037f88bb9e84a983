// Every fixture of ../shared/fixtures/c2pa-validation.jsonl (what the reference c2pa-rs said of
// it) validated through prov's C2PA checker (src/app/c2pa.ts → src/adapters/c2pa, worker from
// dist/), compared state by state and failure code by code family. Known divergences of
// c2pa-rs 0.92 from the reference run are pinned, so a change either way fails.

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { c2paChecker, toValidation, type C2paChecker } from "../../src/app/c2pa.js";
import type { C2paOutcome, C2paValidated } from "../../src/adapters/c2pa/index.js";
import { defaultConfig } from "../../src/config.js";
import { manifestStatus } from "../../src/domain/c2pa-validation.js";
import { cliPath, copyFixture, mediaDir, sharedAvailable, tempDir } from "../helpers/index.js";
import { compare, family, KNOWN_DIVERGENCES, NOT_COMPARED, REFERENCE_JSONL, referenceRows } from "../helpers/c2pa-reference.js";

const haveShared = sharedAvailable();
const haveReference = haveShared && fs.existsSync(REFERENCE_JSONL);
if (haveShared && !haveReference) {
  if (process.env["CI"]) throw new Error(`CI is set but ${REFERENCE_JSONL} is missing`);
  process.stderr.write(`note: ${REFERENCE_JSONL} is missing: the C2PA reference comparison is skipped\n`);
}

describe.runIf(haveReference)("C2PA validation agrees with c2pa-validation.jsonl (by code family)", () => {
  const rows = haveReference ? referenceRows() : [];
  const outcomes = new Map<string, C2paOutcome>();
  let checker: C2paChecker;

  beforeAll(async () => {
    if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first (the worker runs from dist/)`);
    const dir = tempDir();
    checker = c2paChecker(defaultConfig())!;
    await Promise.all(rows.map(async (r) => outcomes.set(r.file, await checker.validate(copyFixture(r.file, dir)))));
  });
  afterAll(async () => {
    await checker?.close();
  });

  const validated = (file: string): C2paValidated => {
    const o = outcomes.get(file);
    if (o?.kind !== "validated") throw new Error(`${file}: expected a validated store, got ${o?.kind}`);
    return o;
  };

  it("covers every reference row, each a fixture that exists", () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
    for (const r of rows) expect(fs.existsSync(path.join(mediaDir, r.file)), r.file).toBe(true);
    expect(outcomes.size).toBe(rows.length);
  });

  for (const ref of rows) {
    it(ref.file, () => {
      const o = outcomes.get(ref.file)!;
      const cmp = compare(ref, o);
      const known = KNOWN_DIVERGENCES[ref.file];
      if (known) {
        expect(cmp.agree, `${ref.file} now agrees with the reference: drop it from KNOWN_DIVERGENCES`).toBe(false);
        expect(cmp.ours.startsWith(known.ours)).toBe(true);
      } else {
        // By family: the same kinds of failure (assertion.dataHash, claimSignature, signingCredential...).
        if (o.kind === "validated") {
          const fams = (codes: readonly string[]): string[] => [...new Set(codes.filter((c) => !NOT_COMPARED.has(c)).map(family))].sort();
          const ours = o.manifests.find((m) => m.isActive)?.codes.failure.map((c) => c.code) ?? [];
          expect(fams(ours)).toEqual(fams(ref.active_failures ?? []));
        }
        expect(cmp.detail).toBe("");
      }
      // Nothing fetched; every outcome names the validator and the trust bundle it used.
      expect(o.validator).toMatchObject({ name: "c2pa-rs", binding: "@contentauth/c2pa-wasm@0.15.0" });
      expect(o.validator.version).toMatch(/^0\.92\./);
      expect(o.trust.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it("what prov records and says: tampered ones invalid with their codes, intact ones validated", () => {
    const say = (file: string): string => {
      const v = toValidation(outcomes.get(file)!, "2026-01-01T00:00:00.000Z");
      return manifestStatus(v, validated(file).activeManifest);
    };
    expect(say("adobe-20220124-E-dat-CA.jpg")).toBe("invalid (assertion.dataHash.mismatch)");
    expect(say("adobe-20220124-E-sig-CA.jpg")).toMatch(/^invalid \(.*claimSignature\.mismatch/);
    expect(say("cards_invalid.jpg")).toMatch(/^invalid \(.*assertion\.dataHash\.mismatch/);
    expect(say("adobe-20220124-CA.jpg")).toMatch(/^validated \(valid/);
    expect(say("C_with_CAWG_data.jpg")).toMatch(/^validated \(valid/);
    // A tampered manifest still parses: well-formed, not valid.
    expect(validated("adobe-20220124-E-dat-CA.jpg").manifests.every((m) => m.wellFormed)).toBe(true);
  });
});
