// Label-free copies of recorded GenAI pictures are found as derived from them, end to end
// through the CLI (issue 14, "Derivatives prov misses"): a generated still and a generated
// camera move labelled GenAI by ExifTool (IPTC digital source type) are recorded by
// `prov scan`; then a mirrored, a rotated, a letterboxed and a truncated copy of the still,
// and a PNG frame grab of the video between its sampled frames, none with any label, are
// violations of `prov sweep` naming the GenAI asset (and how the copy is turned), and
// `prov frame` finds the still from its mirrored copy. An unrelated still is not.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { stillPng } from "../../bench/images.js";
import { frameGrab, LABEL_FREE, motionClip } from "../../bench/label-free.js";
import { findFfmpeg } from "../../src/adapters/decode/index.js";
import { bundledExiftool, cliPath, json, runCli, tempDir, type CliResult } from "../helpers/index.js";

const GENAI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
const haveFfmpeg = findFfmpeg() !== null;
if (!haveFfmpeg) {
  const why = "ffmpeg/ffprobe are not on PATH (apt-get install ffmpeg): the derivatives test needs them";
  if (process.env["CI"] === "true") throw new Error(why);
  console.warn(`skipping: ${why}`);
}

let dir: string;
const prov = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs });

const copy = (kind: string): ((src: string, out: string) => Promise<void>) => LABEL_FREE.find((t) => t.kind === kind)!.make;

beforeAll(async () => {
  if (!haveFfmpeg) return;
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  dir = tempDir();
  expect((await prov(["init"])).code).toBe(0);
  const edit = path.join(dir, "edit");
  const deliver = path.join(dir, "deliver");
  fs.mkdirSync(edit, { recursive: true });
  fs.mkdirSync(deliver, { recursive: true });

  // The GenAI still and video, labelled as a generator labels them.
  const still = path.join(edit, "concept.png");
  fs.writeFileSync(still, await stillPng(4242, [1280, 720]));
  const video = path.join(edit, "gen-move.mp4");
  const videoStill = path.join(dir, "video-source.png");
  fs.writeFileSync(videoStill, await stillPng(777, [1280, 720]));
  await motionClip(videoStill, video, 6, "ultrafast");
  execFileSync(bundledExiftool, ["-q", `-XMP-iptcExt:DigitalSourceType=${GENAI}`, "-overwrite_original", still, video]);
  const scan = await prov(["scan", "edit", "--json"]);
  expect(scan.code, scan.stderr).toBe(0);

  // Label-free copies, written by sharp and ffmpeg: no metadata survives.
  await copy("mirror")(still, path.join(deliver, "mirrored.jpg"));
  await copy("rot90")(still, path.join(deliver, "rotated.jpg"));
  await copy("letterbox")(still, path.join(deliver, "letterboxed.png"));
  await copy("truncated")(still, path.join(deliver, "cut-short.jpg"));
  // Half-way between two of the video's samples (every 0.25 s in a 6 s clip), nearly 1 s from the 2 s ones.
  await frameGrab(video, 3.125, path.join(deliver, "grab.png"));
  fs.writeFileSync(path.join(deliver, "unrelated.png"), await stillPng(31337, [1280, 720]));
  for (const f of fs.readdirSync(deliver)) {
    const tags = JSON.parse(execFileSync(bundledExiftool, ["-j", "-XMP:all", path.join(deliver, f)], { encoding: "utf8" })) as Array<Record<string, unknown>>;
    expect(Object.keys(tags[0]!).filter((k) => k !== "SourceFile"), `${f} carries no XMP`).toEqual([]);
  }
}, 180_000);

interface Row {
  path: string;
  finding: string;
  reasons: string[];
}

describe.runIf(haveFfmpeg)("label-free copies of recorded GenAI pictures", () => {
  it("prov sweep calls each copy a violation derived from its GenAI source, says how it is turned or cut, and leaves an unrelated still alone", async () => {
    const r = await prov(["sweep", "deliver", "--format", "json"]);
    expect(r.code, r.stderr).toBe(1);
    const report = json<{ files: Row[] }>(r);
    const row = (p: string): Row => report.files.find((f) => f.path === p)!;
    const derived = (p: string): string => row(p).reasons.find((x) => x.startsWith("derived from temporary GenAI asset")) ?? `${p}: ${row(p).finding}: ${row(p).reasons.join("; ")}`;
    for (const p of ["mirrored.jpg", "rotated.jpg", "letterboxed.png", "cut-short.jpg", "grab.png"]) expect(row(p).finding, `${p}: ${row(p).reasons.join("; ")}`).toBe("violation");
    expect(derived("mirrored.jpg")).toMatch(/^derived from temporary GenAI asset [0-9a-f]{12} \(genai, [^)]*concept\.png\): perceptual distance \d+ of 64 bits \(mirrored\) \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/);
    expect(derived("rotated.jpg")).toMatch(/concept\.png\): perceptual distance \d+ of 64 bits \(rotated 90° clockwise\) \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/);
    expect(derived("letterboxed.png")).toMatch(/concept\.png\): perceptual distance \d+ of 64 bits \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/);
    expect(derived("cut-short.jpg")).toMatch(/concept\.png\): perceptual distance \d+ of 64 bits; this file: truncated or corrupt image data: fingerprinted what decodes \(about 100% of the picture\), as a viewer shows it \(a fully generated asset can only be the source of its look-alikes, so this one is derived from it\)$/);
    expect(derived("grab.png")).toMatch(/gen-move\.mp4\): perceptual distance \d+ of 64 bits; its frame at /);
    expect(row("unrelated.png").finding).not.toBe("violation");
    expect(row("unrelated.png").reasons.join(" ")).not.toMatch(/derived from/);
  });

  it("prov frame finds the GenAI still from its mirrored copy", async () => {
    const r = await prov(["--json", "frame", "deliver/mirrored.jpg"]);
    expect(r.code, r.stderr).toBe(0);
    // The other copies the sweep recorded look like it too; the GenAI still is among the matches.
    const out = json<{ matches: Array<{ verdict: string; paths: string[]; origin: string }> }>(r);
    const still = out.matches.find((m) => m.paths.some((p) => p.endsWith("concept.png")));
    expect(still).toMatchObject({ verdict: "match", origin: "genai" });
  });

  it("prov frame finds the GenAI still from its letterboxed copy (fingerprinted whole and inside its bars)", async () => {
    const lb = path.join(dir, "deliver", "letterboxed.png");
    const meta = await sharp(lb).metadata();
    expect(meta.height).toBe(960);
    const r = await prov(["--json", "frame", "deliver/letterboxed.png"]);
    expect(r.code, r.stderr).toBe(0);
    const matches = json<{ matches: Array<{ verdict: string; paths: string[] }> }>(r).matches;
    expect(matches.find((m) => m.paths.some((p) => p.endsWith("concept.png")))?.verdict).toBe("match");
  });
});
