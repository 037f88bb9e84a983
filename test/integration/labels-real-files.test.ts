// prov's reader (bundled ExifTool, READ_ARGS) on the project's real files, when they are
// there: every real-dev file (GenAI files prov missed) must come out as its MANIFEST.md
// says; every shared media file whose MANIFEST says its metadata is not GenAI must gain no
// genai, genai-edited or possibly-genai evidence. The trimmed fixtures in
// test/fixtures/labels-real-dev are checked against what ExifTool reads today
// (UPDATE_FIXTURES=1 rewrites them). Absent files: skipped with a printed reason; CI=true: fail.

import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { classify } from "../../src/domain/classify.js";
import { evidenceFromTags, type RawTags } from "../../src/domain/evidence.js";
import { copyFixture, fixturesDir, tempDir } from "../helpers/index.js";
import {
  alarms,
  collisions,
  mediaDir,
  mediaExpectations,
  readTags,
  realDevDir,
  realDevExpectations,
  sharedFolderAvailable,
  trimTags,
} from "../helpers/label-files-read.js";

const FIXTURES = path.join(import.meta.dirname, "..", "fixtures", "labels-real-dev");
const hasRealDev = sharedFolderAvailable("real-dev label tests", path.join(realDevDir, "MANIFEST.md"));
const hasMedia = sharedFolderAvailable("shared media false-alarm tests", path.join(fixturesDir, "MANIFEST.md")) && fs.existsSync(mediaDir);

function copyInto(dir: string, src: string): string {
  const dest = path.join(dir, path.basename(src));
  fs.copyFileSync(src, dest);
  fs.chmodSync(dest, 0o644);
  return dest;
}

describe.runIf(hasRealDev)("real-dev: real GenAI files prov missed", () => {
  const expected = hasRealDev ? realDevExpectations() : new Map<string, string>();
  let tags: Map<string, RawTags>;

  beforeAll(async () => {
    const dir = tempDir();
    const names = [...expected.keys()];
    const read = await readTags(names.map((n) => copyInto(dir, path.join(realDevDir, n))));
    tags = new Map(names.map((n, i) => [n, read[i]!]));
  });

  it("MANIFEST.md lists the seven files", () => {
    expect(expected.size).toBeGreaterThanOrEqual(7);
  });

  for (const [name, origin] of expected) {
    it(`${name} comes out ${origin}`, () => {
      const e = evidenceFromTags(tags.get(name)!);
      expect(classify(e).origin).toBe(origin);
      expect(collisions(e)).toEqual([]);
    });
  }

  it("the committed trimmed fixtures are what ExifTool reads today", () => {
    for (const [name, full] of tags) {
      const trimmed = trimTags(full);
      const file = path.join(FIXTURES, `${name}.json`);
      if (process.env["UPDATE_FIXTURES"]) fs.writeFileSync(file, JSON.stringify(trimmed, null, 1) + "\n");
      expect(JSON.parse(fs.readFileSync(file, "utf8")), name).toEqual(trimmed);
      // ...and the trimmed tags decide exactly as the full ones.
      expect(classify(evidenceFromTags(trimmed)).origin, name).toBe(classify(evidenceFromTags(full)).origin);
    }
  });
});

describe.runIf(hasMedia)("shared media: no false alarm on files that are not GenAI", () => {
  const expected = hasMedia ? mediaExpectations() : new Map<string, string>();
  let tags: Map<string, RawTags>;

  beforeAll(async () => {
    const dir = tempDir();
    const present = new Set(fs.readdirSync(mediaDir));
    const names = [...expected.keys()].filter((n) => present.has(n));
    const read = await readTags(names.map((n) => copyFixture(n, dir)));
    tags = new Map(names.map((n, i) => [n, read[i]!]));
  });

  it("MANIFEST.md's table was read and every file it lists is there", () => {
    expect(expected.size).toBeGreaterThanOrEqual(30);
    expect(tags.size).toBe(expected.size);
  });

  it("files whose metadata says nothing or not-GenAI (AI: n / unknown) gain no genai, genai-edited or possibly-genai evidence", () => {
    const checked: string[] = [];
    for (const [name, ai] of expected) {
      if (ai === "y") continue;
      checked.push(name);
      expect(alarms(evidenceFromTags(tags.get(name)!)), `${name} (AI: ${ai})`).toEqual([]);
    }
    expect(checked.length).toBeGreaterThanOrEqual(20);
  });

  it("files whose metadata says GenAI (AI: y) still come out genai or genai-edited", () => {
    for (const [name, ai] of expected) {
      if (ai !== "y") continue;
      expect(["genai", "genai-edited"], name).toContain(classify(evidenceFromTags(tags.get(name)!)).origin);
    }
  });
});
