// prov sweep --timeline CUT: the disclosure list says where each approved GenAI file is used
// in the cuts (record and source in/out), and a video's own timecode. Real QuickTime files
// (the sample and a copy given a start timecode by ffmpeg), a real EDL and OTIO written here.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliPath, copySample, runCli, tempDir, type CliResult } from "../helpers/index.js";

let dir: string;
const prov = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 90_000 });
const read = (rel: string): string => fs.readFileSync(path.join(dir, rel), "utf8");

const EDL = `TITLE: EP101 LOCK
FCM: NON-DROP FRAME

001  SH020PL  V     C        01:00:10:00 01:00:10:06 01:00:00:00 01:00:00:06
* FROM CLIP NAME: sh020_plate.mov

002  SH020PL  V     C        01:00:10:06 01:00:10:06 01:00:00:06 01:00:00:06
002  GEN      V     D    004 00:00:00:00 00:00:00:10 01:00:00:06 01:00:00:16
* FROM CLIP NAME: sh020_plate.mov
* TO CLIP NAME: sh010_genai
* SOURCE FILE: ../deliverables/ep101/reel1/sh010_genai.mov

003  OTHER    V     C        02:00:00:00 02:00:01:00 01:00:00:16 01:00:01:16
* FROM CLIP NAME: other.mov
`;

const rt = (value: number) => ({ OTIO_SCHEMA: "RationalTime.1", rate: 24, value });
const clip = (name: string, url: string | null, start: number, frames: number) => ({
  OTIO_SCHEMA: "Clip.1", name, metadata: {}, source_range: { OTIO_SCHEMA: "TimeRange.1", start_time: rt(start), duration: rt(frames) },
  effects: [], markers: [], enabled: true,
  media_reference: url ? { OTIO_SCHEMA: "ExternalReference.1", name: "", metadata: {}, available_range: null, target_url: url } : { OTIO_SCHEMA: "MissingReference.1", name: "", metadata: {}, available_range: null },
});
const OTIO = {
  OTIO_SCHEMA: "Timeline.1", name: "EP101 VFX", metadata: {}, global_start_time: rt(2 * 86400),
  tracks: {
    OTIO_SCHEMA: "Stack.1", name: "tracks", metadata: {}, source_range: null, effects: [], markers: [], enabled: true,
    children: [{
      OTIO_SCHEMA: "Track.1", name: "V1", metadata: {}, source_range: null, effects: [], markers: [], enabled: true, kind: "Video",
      children: [
        clip("slate", null, 0, 24),
        // the plate's own timecode starts at 01:00:10:00: frames 2-9 of it
        clip("plate", "file:///mnt/vendor/sh020_plate.mov", 86400 + 240 + 2, 8),
        clip("sh010_genai", null, 3, 6),
      ],
    }],
  },
};

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error("these tests give a video a start timecode with ffmpeg, which is not on PATH: apt-get install ffmpeg (.ci/run does)");
  }
  dir = tempDir();
  expect((await prov(["init"])).code).toBe(0);
  const reel = path.join(dir, "deliverables", "ep101", "reel1");
  const genai = copySample("genai-shot.mov", reel);
  fs.renameSync(genai, path.join(reel, "sh010_genai.mov"));
  // The same pictures with a start timecode: GenAI by lineage (same media data).
  execFileSync("ffmpeg", ["-loglevel", "error", "-y", "-i", path.join(reel, "sh010_genai.mov"), "-c", "copy", "-timecode", "01:00:10:00", path.join(reel, "sh020_plate.mov")]);
  expect((await prov(["scan", "deliverables"])).code).toBe(0);
  for (const f of ["sh010_genai.mov", "sh020_plate.mov"]) {
    const a = await prov(["approve", path.join(reel, f), "--by", "Dana Post", "--ref", `APR-${f.slice(2, 5)}`]);
    expect(a.code, a.stderr).toBe(0);
  }
  fs.mkdirSync(path.join(dir, "cuts"));
  fs.mkdirSync(path.join(dir, "out"));
  fs.writeFileSync(path.join(dir, "cuts", "ep101.edl"), EDL);
  fs.writeFileSync(path.join(dir, "cuts", "ep101_vfx.otio"), JSON.stringify(OTIO, null, 2));
}, 180_000);

describe.sequential("prov sweep --timeline", () => {
  it("JSON: each disclosed file's record and source ranges in every cut, and a video's own timecode", async () => {
    const r = await prov(["sweep", "deliverables", "--timeline", "cuts/ep101.edl", "--timeline", "cuts/ep101_vfx.otio", "--disclosure", "out/list.json", "--format", "json", "--out", "out/report.json"]);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse(read("out/list.json")) as { files: Array<Record<string, unknown>> };
    const byPath = new Map(list.files.map((f) => [f["path"], f]));
    expect([...byPath.keys()].sort()).toEqual(["ep101/reel1/sh010_genai.mov", "ep101/reel1/sh020_plate.mov"]);
    expect(byPath.get("ep101/reel1/sh010_genai.mov")).toMatchObject({
      reel: "1", shot: "010",
      timecodes: [
        // the incoming clip of the dissolve, by the SOURCE FILE relative to the cut's folder
        { cut: "cuts/ep101.edl", track: "V1", events: [2], clip: "sh010_genai", matchedBy: "source file", recordIn: "01:00:00:06", recordOut: "01:00:00:16", sourceIn: "00:00:00:00", sourceOut: "00:00:00:10" },
        // no media reference: by clip name (file name without extension)
        { cut: "cuts/ep101_vfx.otio", track: "V1", events: [3], clip: "sh010_genai", matchedBy: "clip name", recordIn: "02:00:01:08", recordOut: "02:00:01:14", sourceIn: "00:00:00:03", sourceOut: "00:00:00:09" },
      ],
      // no timecode track: counted from zero; 12 frames at 24 fps
      sourceTimecode: { in: "00:00:00:00", out: "00:00:00:12", rate: "24" },
    });
    expect(byPath.get("ep101/reel1/sh020_plate.mov")).toMatchObject({
      shot: "020",
      timecodes: [
        // by clip name, and on under the 4-frame dissolve of event 2
        { cut: "cuts/ep101.edl", track: "V1", events: [1, 2], matchedBy: "clip name", recordIn: "01:00:00:00", recordOut: "01:00:00:10", sourceIn: "01:00:10:00", sourceOut: "01:00:10:10" },
        // by the file name of target_url, wherever the vendor's copy was
        { cut: "cuts/ep101_vfx.otio", track: "V1", events: [2], clip: "plate", matchedBy: "source file", recordIn: "02:00:01:00", recordOut: "02:00:01:08", sourceIn: "01:00:10:02", sourceOut: "01:00:10:10" },
      ],
      sourceTimecode: { in: "01:00:10:00", out: "01:00:10:12", rate: "24" },
    });
    // The sweep report's rows carry the same disclosure.
    const rows = (JSON.parse(read("out/report.json")) as { files: Array<{ path: string; disclosure: { timecodes: unknown[] } | null }> }).files;
    expect(rows.find((f) => f.path === "ep101/reel1/sh020_plate.mov")?.disclosure?.timecodes).toHaveLength(2);
  });

  it("CSV and HTML: the ranges in a column and beside the path", async () => {
    const r = await prov(["sweep", "deliverables", "--timeline", "cuts/ep101.edl", "--disclosure", "out/list.csv", "--format", "html", "--out", "out/report.html"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = read("out/list.csv").trim().split("\r\n");
    expect(lines[0]).toMatch(/,finding,c2pa,timecodes,source_timecode$/);
    const plate = lines.find((l) => l.includes("sh020_plate.mov"))!;
    expect(plate).toContain(`,"cuts/ep101.edl V1 event 1+2: record 01:00:00:00-01:00:00:10, source 01:00:10:00-01:00:10:10",01:00:10:00-01:00:10:12 @ 24`);
    const html = read("out/report.html");
    expect(html).toContain("cuts/ep101.edl V1 event 2: record 01:00:00:06-01:00:00:16, source 00:00:00:00-00:00:00:10");
    expect(html).toContain("own timecode 01:00:10:00-01:00:10:12 @ 24");
  });

  it("a file no cut uses has no timecodes; without --timeline only its own timecode", async () => {
    const r = await prov(["sweep", "deliverables", "--disclosure", "out/bare.json"]);
    expect(r.code, r.stderr).toBe(0);
    const files = (JSON.parse(read("out/bare.json")) as { files: Array<{ timecodes: unknown[]; sourceTimecode: unknown }> }).files;
    expect(files.map((f) => f.timecodes)).toEqual([[], []]);
    expect(files.map((f) => f.sourceTimecode)).toContainEqual({ in: "01:00:10:00", out: "01:00:10:12", rate: "24" });
  });

  it("a cut that cannot be read or parsed is a usage error naming it, before anything is written", async () => {
    fs.writeFileSync(path.join(dir, "cuts", "bad.edl"), "TITLE: X\n001  A V C 10:00:00:00 xx 01:00:00:00 01:00:01:00\n");
    const bad = await prov(["sweep", "deliverables", "--timeline", "cuts/bad.edl", "--disclosure", "out/never.json", "--out", "out/never.txt"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cuts\/bad\.edl line 2: source out: "xx" is not a timecode/);
    expect(fs.existsSync(path.join(dir, "out/never.json")) || fs.existsSync(path.join(dir, "out/never.txt"))).toBe(false);
    fs.writeFileSync(path.join(dir, "cuts", "bad.otio"), "{\"OTIO_SCHEMA\": \"Timeline.1\", ");
    const otio = await prov(["sweep", "deliverables", "--timeline", "cuts/ep101.edl", "--timeline", "cuts/bad.otio"]);
    expect(otio.code).toBe(2);
    expect(otio.stderr).toMatch(/cuts\/bad\.otio: not valid JSON/);
    const missing = await prov(["sweep", "deliverables", "--timeline", "cuts/nope.edl"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read cuts\/nope\.edl: no such file/);
    const fps = await prov(["sweep", "deliverables", "--fps", "25"]);
    expect(fps.code).toBe(2);
    expect(fps.stderr).toMatch(/--fps goes with --timeline/);
  });
});
