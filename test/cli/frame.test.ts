// `prov frame`, the gate-facing sweep rule "derived from GenAI asset X", and image
// sequences, end to end: real images made with sharp, a real H.264 video made with ffmpeg,
// a real EDL, the real CLI and database.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { bundledExiftool, cliPath, copySample, json, openStore, runCli, sha256Of, tempDir, type CliResult } from "../helpers/index.js";

const IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/";
let dir: string;
let edit: string;
let deliver: string;
let conceptSha: string;
const prov = (args: string[], env?: Record<string, string | undefined>): Promise<CliResult> => runCli(args, { cwd: dir, timeoutMs: 90_000, ...(env ? { env } : {}) });

/** A reel: 2 s of navy, 3 s of the GenAI still, 2 s of a test pattern; 25 fps from 01:00:00:00. */
function makeReel(still: string, out: string): void {
  execFileSync("ffmpeg", [
    "-loglevel", "error", "-y",
    "-f", "lavfi", "-i", "color=c=navy:s=640x360:d=2:r=25",
    "-loop", "1", "-t", "3", "-i", still,
    "-f", "lavfi", "-i", "testsrc2=s=640x360:d=2:r=25",
    "-filter_complex", "[1:v]scale=640:360,setsar=1,fps=25[g];[0:v][g][2:v]concat=n=3:v=1[v]",
    "-map", "[v]", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-timecode", "01:00:00:00", out,
  ]);
}

beforeAll(async () => {
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm run build\` first`);
  try {
    execFileSync("ffmpeg", ["-version"], { stdio: "ignore" });
  } catch {
    throw new Error("these tests make and read videos with ffmpeg, which is not on PATH: apt-get install ffmpeg (.ci/run does)");
  }
  dir = tempDir();
  expect((await prov(["init"])).code).toBe(0);
  edit = path.join(dir, "edit");
  const concept = copySample("genai-concept-art.jpg", edit);
  copySample("camera-plate.jpg", edit);
  conceptSha = sha256Of(concept);
  expect((await prov(["scan", "edit"])).code).toBe(0);

  deliver = path.join(dir, "deliver");
  fs.mkdirSync(deliver);
  const meta = await sharp(concept).metadata();
  const w = meta.width!;
  const h = meta.height!;
  await sharp(concept).resize({ width: Math.round(w / 2) }).jpeg({ quality: 50 }).toFile(path.join(deliver, "half-q50.jpg"));
  await sharp(concept).extract({ left: Math.round(w * 0.05), top: Math.round(h * 0.05), width: Math.round(w * 0.9), height: Math.round(h * 0.9) }).png().toFile(path.join(deliver, "crop.png"));
  await sharp(concept).modulate({ brightness: 1.15 }).webp().toFile(path.join(deliver, "brighter.webp"));
  copySample("unlabelled-still.png", deliver, "unrelated.png");
  makeReel(concept, path.join(deliver, "reel1.mov"));
}, 120_000);

describe("prov frame FILE", () => {
  it("finds the GenAI still a resized, recompressed copy came from, with its provenance", async () => {
    const r = await prov(["--json", "frame", "deliver/half-q50.jpg"]);
    expect(r.code, r.stderr).toBe(0);
    const a = json(r);
    expect(a.file.recorded).toBe(false);
    expect(a.matches[0]).toMatchObject({ sha256: conceptSha, verdict: "match", origin: "genai", status: "temporary" });
    expect(a.matches[0].paths[0]).toBe(path.join(edit, "genai-concept-art.jpg"));
    expect(a.summary).toMatch(/looks like temporary GenAI asset/);
    const text = await prov(["frame", "deliver/half-q50.jpg"]);
    expect(text.stdout).toMatch(/match\s+distance\s+\d+\s+[0-9a-f]{12}\s+genai \(temporary\)/);
  });

  it("finds it after a 5% crop and a brightness shift too, and nothing for an unrelated picture", async () => {
    for (const f of ["crop.png", "brighter.webp"]) {
      const a = json(await prov(["--json", "frame", `deliver/${f}`]));
      expect(a.matches.map((m: { sha256: string }) => m.sha256), f).toContain(conceptSha);
    }
    const u = json(await prov(["--json", "frame", "deliver/unrelated.png"]));
    expect(u.matches.filter((m: { sha256: string }) => m.sha256 === conceptSha)).toEqual([]);
  });

  it("an EXR or DPX frame of it is found too (decoded by ffmpeg; sharp has no decoder for them)", async () => {
    for (const [ext, codec] of [["exr", "exr"], ["dpx", "dpx"]] as const) {
      const out = path.join(dir, `render.${ext}`);
      execFileSync("ffmpeg", ["-loglevel", "error", "-y", "-i", path.join(edit, "genai-concept-art.jpg"), ...(ext === "exr" ? ["-pix_fmt", "gbrpf32le"] : []), "-c:v", codec, out]);
      const a = json(await prov(["--json", "frame", `render.${ext}`]));
      expect(a.matches[0], ext).toMatchObject({ sha256: conceptSha, verdict: "match" });
    }
  });

  it("answers from the record for the exact content", async () => {
    const a = json(await prov(["--json", "frame", "edit/camera-plate.jpg"]));
    expect(a.file.recorded).toBe(true);
    expect(a.provenance.origin).toBe("not-genai");
    expect(a.matches).toEqual([]);
  });

  it("a file that is not a picture, a truncated image, and a missing file are clear errors (exit 2)", async () => {
    fs.writeFileSync(path.join(dir, "notes.png"), "this is text, not a PNG\n");
    const jpg = fs.readFileSync(path.join(deliver, "half-q50.jpg"));
    fs.writeFileSync(path.join(dir, "cut-off.jpg"), jpg.subarray(0, Math.floor(jpg.length / 3)));
    for (const [f, why] of [["notes.png", /notes\.png: cannot fingerprint/], ["cut-off.jpg", /cut-off\.jpg: cannot fingerprint/], ["nope.jpg", /nope\.jpg: no such file/]] as const) {
      const r = await prov(["frame", f]);
      expect(r.code, f).toBe(2);
      expect(r.stderr, f).toMatch(why);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    }
  });
});

describe("prov frame VIDEO", () => {
  it("--at honours the video's own start timecode, and finds the GenAI still inside it", async () => {
    const r = await prov(["--json", "frame", "deliver/reel1.mov", "--at", "01:00:03:00"]);
    expect(r.code, r.stderr).toBe(0);
    const a = json(r);
    expect(a.frame).toMatchObject({ frame: 75, timecode: "01:00:03:00", start: "01:00:00:00", rate: "25" });
    expect(a.matches[0]).toMatchObject({ sha256: conceptSha, verdict: "match" });
  });

  it("--frame and --seconds name the same frame", async () => {
    const f = json(await prov(["--json", "frame", "deliver/reel1.mov", "--frame", "75"]));
    const s = json(await prov(["--json", "frame", "deliver/reel1.mov", "--seconds", "3"]));
    expect(f.frame.timecode).toBe("01:00:03:00");
    expect(s.frame.frame).toBe(75);
  });

  it("a flat frame is not compared, and says so", async () => {
    const a = json(await prov(["--json", "frame", "deliver/reel1.mov", "--at", "01:00:01:00"]));
    expect(a.fingerprint.lowDetail).toBe(true);
    expect(a.matches).toEqual([]);
    expect(a.summary).toMatch(/flat frame/);
  });

  it("a text file named .mov and an audio-only .mp4 are usage errors naming the file, not crashes", async () => {
    fs.writeFileSync(path.join(dir, "notes.mov"), "this is text, not a video\n");
    execFileSync("ffmpeg", ["-loglevel", "error", "-y", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac", path.join(dir, "voice.mp4")]);
    for (const [f, why] of [["notes.mov", /notes\.mov: cannot fingerprint: not a readable video/], ["voice.mp4", /voice\.mp4: cannot fingerprint: no video stream/]] as const) {
      const r = await prov(["frame", f, "--frame", "0"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    }
  });

  it("a timecode outside the video, a bad timecode, and no frame given are usage errors", async () => {
    const out = await prov(["frame", "deliver/reel1.mov", "--at", "01:00:09:00"]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/01:00:09:00 is outside the video \(it runs 01:00:00:00–01:00:06:24/);
    const bad = await prov(["frame", "deliver/reel1.mov", "--at", "01:00:03:99"]);
    expect(bad.code).toBe(2);
    const none = await prov(["frame", "deliver/reel1.mov"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/is a video: say which frame/);
  });

  it("without ffmpeg: a clear error saying what to install; a scan records why the video was not fingerprinted", async () => {
    const env = { PROV_FFMPEG: "/nonexistent/ffmpeg" };
    const r = await prov(["frame", "deliver/reel1.mov", "--at", "01:00:03:00"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/apt-get install ffmpeg/);
    const other = path.join(dir, "other");
    fs.mkdirSync(other);
    makeReel(path.join(edit, "camera-plate.jpg"), path.join(other, "plate-reel.mov"));
    const s = await prov(["scan", "other"], env);
    expect(s.code, s.stderr).toBe(0);
    const store = await openStore(path.join(dir, "prov.db"), { create: false });
    const asset = (await store.assets.bySha(sha256Of(path.join(other, "plate-reel.mov"))))!;
    expect((await store.fingerprints.state(asset.id))).toMatchObject({ state: "skipped", kind: "video" });
    expect((await store.fingerprints.state(asset.id))!.reason).toMatch(/apt-get install ffmpeg/);
    await store.close();
  });
});

describe("prov frame --timeline", () => {
  it("resolves a record timecode of an EDL to the event, the source and the source frame", async () => {
    fs.writeFileSync(
      path.join(dir, "cut.edl"),
      [
        "TITLE: FRAME TEST",
        "FCM: NON-DROP FRAME",
        "",
        "001  PLATE    V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00",
        "* FROM CLIP NAME: camera-plate.jpg",
        "002  REEL1    V     C        01:00:02:10 01:00:05:00 01:00:02:00 01:00:04:15",
        "* FROM CLIP NAME: reel1.mov",
        "",
      ].join("\n"),
    );
    const r = await prov(["--json", "frame", "--timeline", "cut.edl", "--at", "01:00:03:00", "--fps", "25", "--media-root", "deliver"]);
    expect(r.code, r.stderr).toBe(0);
    const a = json(r);
    expect(a.timeline).toMatchObject({ track: "V1", event: 2, reel: "REEL1", clipName: "reel1.mov", sourceTimecode: "01:00:03:10" });
    expect(a.source.path).toBe(path.join(deliver, "reel1.mov"));
    expect(a.frame.timecode).toBe("01:00:03:10");
    expect(a.matches[0]).toMatchObject({ sha256: conceptSha, verdict: "match" });

    // Event 1's source is found among recorded files by its name.
    const still = json(await prov(["--json", "frame", "--timeline", "cut.edl", "--at", "01:00:01:00", "--fps", "25"]));
    expect(still.source.path).toBe(path.join(edit, "camera-plate.jpg"));
    expect(still.provenance.origin).toBe("not-genai");
  });

  it("without --at, reports every event of the cut with its media's provenance, flagged first, in text, JSON and CSV", async () => {
    fs.writeFileSync(
      path.join(dir, "whole.edl"),
      [
        "TITLE: WHOLE CUT",
        "FCM: NON-DROP FRAME",
        "",
        "001  PLATE    V     C        00:00:00:00 00:00:02:00 01:00:00:00 01:00:02:00",
        "* FROM CLIP NAME: camera-plate.jpg",
        "002  CONCEPT  V     C        00:00:00:00 00:00:01:00 01:00:02:00 01:00:03:00",
        "* FROM CLIP NAME: genai-concept-art.jpg",
        "003  HALF     V     C        00:00:00:00 00:00:01:00 01:00:03:00 01:00:04:00",
        "* FROM CLIP NAME: half-q50.jpg",
        "* SOURCE FILE: deliver/half-q50.jpg",
        "004  GONE     V     C        00:00:00:00 00:00:01:00 01:00:04:00 01:00:05:00",
        "* FROM CLIP NAME: never-shot.mov",
        "",
      ].join("\n"),
    );
    const j = await prov(["frame", "--timeline", "whole.edl", "--fps", "25", "--format", "json"]);
    expect(j.code, j.stderr).toBe(0);
    const r = json(j);
    expect(r).toMatchObject({ schemaVersion: 1, kind: "prov.frame.timeline", title: "WHOLE CUT", rate: "25", summary: { events: 4 } });
    const byEvent = new Map<number, { flags: string[]; media: { path: string | null }; origin: string | null; status: string | null; derivedFrom: Array<{ sha256: string }> }>(
      r.events.map((e: { event: number }) => [e.event, e]),
    );
    expect(byEvent.get(2)).toMatchObject({ flags: ["temporary-genai"], origin: "genai", status: "temporary", media: { path: path.join(edit, "genai-concept-art.jpg") } });
    expect(byEvent.get(1)).toMatchObject({ flags: [], origin: "not-genai" });
    // Not recorded itself (deliver/ was never scanned), but its picture is the GenAI still's.
    expect(byEvent.get(3)!.flags).toEqual(["derived-from-genai", "not-recorded"]);
    expect(byEvent.get(3)!.derivedFrom[0]!.sha256).toBe(conceptSha);
    expect(byEvent.get(4)!.flags).toEqual(["not-found"]);
    // Flagged events first, the worst first; the clean one last.
    expect(r.events.map((e: { event: number }) => e.event)).toEqual([2, 3, 4, 1]);
    expect(r.summary.flagged).toBe(3);

    const t = await prov(["frame", "--timeline", "whole.edl", "--fps", "25"]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/4 events, 3 flagged/);
    expect(t.stdout.split("\n").find((l) => l.startsWith("temporary-genai"))).toMatch(/V1\s+2\s+01:00:02:00-01:00:03:00\s+genai-concept-art\.jpg/);
    const c = await prov(["frame", "--timeline", "whole.edl", "--fps", "25", "--format", "csv"]);
    expect(c.code, c.stderr).toBe(0);
    const lines = c.stdout.trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/^flags,track,event,record_in,record_out/);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^temporary-genai,V1,2,01:00:02:00,01:00:03:00/);
  });

  it("a cut that names media outside the roots (/etc/shadow, ../../) gets \"outside the roots\", and nothing there is read", async () => {
    const outsideDir = tempDir();
    const secret = path.join(outsideDir, "secret.png");
    fs.copyFileSync(path.join(edit, "genai-concept-art.jpg"), secret);
    const rel = path.relative(dir, secret);
    fs.writeFileSync(
      path.join(dir, "hostile.edl"),
      [
        "TITLE: HOSTILE",
        "FCM: NON-DROP FRAME",
        "",
        "001  AX       V     C        00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00",
        "* SOURCE FILE: /etc/shadow",
        `002  AX       V     C        00:00:00:00 00:00:01:00 01:00:01:00 01:00:02:00`,
        `* SOURCE FILE: ${rel}`,
        "",
      ].join("\n"),
    );
    // The file outside is readable to this user: only the roots keep prov from opening it
    // (had it been read, its hash and the GenAI still it is would be in the answer).
    const one = await prov(["--json", "frame", "--timeline", "hostile.edl", "--at", "01:00:01:10", "--fps", "25"]);
    expect(one.code, one.stderr).toBe(0);
    const a = json(one);
    expect(a.source).toMatchObject({ path: null, how: "outside the roots" });
    expect(a.fingerprint.error).toMatch(/outside the roots/);
    expect(a.file).toBeNull();
    const whole = json(await prov(["frame", "--timeline", "hostile.edl", "--fps", "25", "--format", "json"]));
    expect(whole.events.map((e: { flags: string[] }) => e.flags)).toEqual([["outside-roots"], ["outside-roots"]]);
    expect(whole.events.every((e: { sha256: string | null; derivedFrom: unknown[] }) => e.sha256 === null && e.derivedFrom.length === 0)).toBe(true);
    // Named as a media root, the same file is fair game.
    const ok = json(await prov(["--json", "frame", "--timeline", "hostile.edl", "--at", "01:00:01:10", "--fps", "25", "--media-root", outsideDir]));
    expect(ok.source.path).toBe(secret);
  });

  it("a malformed EDL names its line; a record timecode past the cut says where the cut runs", async () => {
    fs.writeFileSync(path.join(dir, "bad.edl"), "TITLE: X\n\n001  R V C 00:00:00:00 00:00:01:00 01:00:00:00\n");
    const bad = await prov(["frame", "--timeline", "bad.edl", "--at", "01:00:00:05"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.edl line 3/);
    const past = await prov(["frame", "--timeline", "cut.edl", "--at", "02:00:00:00", "--fps", "25"]);
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/nothing on any video track/);
  });
});

describe("sweep and perceptual matches", () => {
  it("derivatives of a temporary GenAI still are violations, the video with the timecodes that match", async () => {
    const r = await prov(["--json", "sweep", "deliver"]);
    expect(r.code, r.stderr).toBe(1);
    const rows = new Map<string, { finding: string; reasons: string[] }>(json(r).files.map((x: { path: string; finding: string; reasons: string[] }) => [x.path, x]));
    for (const f of ["half-q50.jpg", "crop.png", "brighter.webp"]) {
      expect(rows.get(f)?.finding, f).toBe("violation");
      expect(rows.get(f)?.reasons[0], f).toMatch(new RegExp(`^derived from temporary GenAI asset ${conceptSha.slice(0, 12)}`));
    }
    expect(rows.get("reel1.mov")?.finding).toBe("violation");
    expect(rows.get("reel1.mov")?.reasons[0]).toMatch(/matching at 01:00:0[23]:\d\d–01:00:0[45]:\d\d/);
    expect(rows.get("unrelated.png")?.finding).toBe("unknown");
  });

  it("once the still is approved, its derivatives may be delivered", async () => {
    const dir2 = tempDir();
    const run = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir2, timeoutMs: 90_000 });
    expect((await run(["init"])).code).toBe(0);
    const still = copySample("genai-concept-art.jpg", path.join(dir2, "edit"));
    await sharp(still).resize({ width: 400 }).jpeg({ quality: 60 }).toFile(path.join(dir2, "grade.jpg"));
    fs.mkdirSync(path.join(dir2, "deliver"));
    fs.renameSync(path.join(dir2, "grade.jpg"), path.join(dir2, "deliver/grade.jpg"));
    expect((await run(["scan", "edit"])).code).toBe(0);
    expect((await run(["sweep", "deliver"])).code).toBe(1);
    expect((await run(["approve", "edit/genai-concept-art.jpg", "--by", "Jo Supervisor", "--ref", "APP-9"])).code).toBe(0);
    const after = await run(["--json", "sweep", "deliver"]);
    expect(after.code, after.stdout).toBe(0);
  });
});

describe("recorded before fingerprints", () => {
  it("a scan fingerprints unchanged pictures that have none, and a quick sweep then compares them", async () => {
    const d = tempDir();
    const run = (args: string[]): Promise<CliResult> => runCli(args, { cwd: d, timeoutMs: 90_000 });
    expect((await run(["init"])).code).toBe(0);
    const cfgFile = path.join(d, "prov.config.json");
    const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
    fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, fingerprint: { ...cfg.fingerprint, enabled: false } }));
    const still = copySample("genai-concept-art.jpg", path.join(d, "edit"));
    fs.mkdirSync(path.join(d, "deliver"));
    await sharp(still).resize({ width: 300 }).jpeg({ quality: 60 }).toFile(path.join(d, "deliver/grade.jpg"));
    expect((await run(["scan", "edit"])).code).toBe(0);
    expect((await run(["sweep", "deliver"])).code).toBe(0); // nothing to compare: not flagged
    const store = await openStore(path.join(d, "prov.db"), { create: false });
    const conceptId = (await store.assets.bySha(sha256Of(still)))!.id;
    expect((await store.fingerprints.state(conceptId))).toBeUndefined();
    await store.close();

    fs.writeFileSync(cfgFile, JSON.stringify(cfg)); // fingerprints on (the default)
    expect((await run(["scan", "edit"])).code).toBe(0); // unchanged: not re-read, but fingerprinted
    const again = await openStore(path.join(d, "prov.db"), { create: false });
    expect(await again.fingerprints.state(conceptId)).toMatchObject({ state: "done", kind: "image" });
    await again.close();
    const q = await run(["--json", "sweep", "deliver", "--quick"]);
    expect(q.code, q.stdout).toBe(1);
    expect(json(q).files[0].reasons[0]).toMatch(/^derived from temporary GenAI asset/);
  });
});

describe("image sequences", () => {
  it("groups numbered frames, reads every frame's labels, and never spreads one frame's label to the shot", async () => {
    const shot = path.join(dir, "shot010");
    fs.mkdirSync(shot);
    for (let f = 1001; f <= 1012; f++) {
      if (f === 1006) continue; // a gap
      const px = Buffer.alloc(64 * 64 * 3);
      for (let i = 0; i < px.length; i++) px[i] = Math.round((Math.sin(i * 0.01 * f) + 1) * 120);
      await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(path.join(shot, `shot010_plate.${f}.png`));
    }
    fs.copyFileSync(path.join(shot, "shot010_plate.1003.png"), path.join(shot, "shot010_plate.01003.png")); // a duplicate
    // A GenAI frame in the middle of the shot, outside the five frames read with their media hash.
    const label = (f: string) => execFileSync(bundledExiftool, ["-q", "-overwrite_original", `-XMP-iptcExt:DigitalSourceType=${IPTC}trainedAlgorithmicMedia`, path.join(shot, f)]);
    label("shot010_plate.1004.png");
    expect((await prov(["scan", "shot010"])).code).toBe(0);

    let store = await openStore(path.join(dir, "prov.db"), { create: false });
    for (const f of fs.readdirSync(shot)) {
      const a = (await store.assets.bySha(sha256Of(path.join(shot, f))))!;
      expect(a.exiftool_version, f).not.toBeNull(); // every frame's labels were read
      expect(a.origin, f).toBe(f === "shot010_plate.1004.png" ? "genai" : "unknown"); // and only the labelled one is GenAI
    }
    await store.close();
    const other = await prov(["show", "shot010/shot010_plate.1008.png"]);
    expect(other.stdout).toMatch(/info +lineage +frame 1004 of the same sequence \(shot010_plate\.%04d\.png\): .*not spread: this frame's own labels were read/);

    // The whole shot labelled GenAI: every frame is, by its own labels.
    for (const f of fs.readdirSync(shot)) if (f !== "shot010_plate.1004.png") label(f);
    expect((await prov(["scan", "shot010"])).code).toBe(0);
    store = await openStore(path.join(dir, "prov.db"), { create: false });
    for (const f of fs.readdirSync(shot)) expect((await store.assets.bySha(sha256Of(path.join(shot, f))))!.origin, f).toBe("genai");
    await store.close();

    const a = json(await prov(["--json", "frame", "shot010/shot010_plate.1008.png"]));
    expect(a.sequences[0]).toMatchObject({ pattern: "shot010_plate.%04d.png", frame: 1008, first: 1001, last: 1012, range: "1001-1005, 1007-1012", gaps: [{ from: 1006, to: 1006 }] });
    expect(a.sequences[0].duplicates).toEqual([{ frame: 1003, names: ["shot010_plate.01003.png", "shot010_plate.1003.png"] }]);
    expect(a.provenance.origin).toBe("genai");

    // One frame of the shot, renamed into a delivery, is temporary GenAI.
    const d2 = path.join(dir, "deliver-seq");
    fs.mkdirSync(d2);
    fs.copyFileSync(path.join(shot, "shot010_plate.1008.png"), path.join(d2, "final_0001.png"));
    const s = await prov(["--json", "sweep", "deliver-seq"]);
    expect(s.code).toBe(1);
    expect(json(s).files[0].reasons[0]).toMatch(/^temporary GenAI, not approved: its own metadata says genai/);

    // A shot is approved, and revoked, as a whole.
    const ap = await prov(["--json", "approve", "shot010/shot010_plate.1002.png", "--sequence", "--by", "Jo Supervisor", "--ref", "APP-77"]);
    expect(ap.code, ap.stderr).toBe(0);
    expect(json(ap)).toMatchObject({ status: "approved", assets: 11 });
    const ok = await prov(["--json", "sweep", "deliver-seq"]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(json(ok).files[0].finding).toBe("disclosed");
    const rv = await prov(["revoke", "shot010/shot010_plate.1002.png", "--sequence", "--by", "Jo Supervisor", "--note", "studio said no"]);
    expect(rv.code, rv.stderr).toBe(0);
    expect((await prov(["sweep", "deliver-seq"])).code).toBe(1);
    const notFrame = await prov(["approve", "edit/camera-plate.jpg", "--sequence", "--by", "Jo", "--ref", "X"]);
    expect(notFrame.code).toBe(2);
    expect(notFrame.stderr).toMatch(/not a frame of a recorded image sequence/);

    // The sweep of the shot reports its gap and duplicate once, on the first frame.
    const rows = json(await prov(["--json", "sweep", "shot010"])).files as Array<{ path: string; reasons: string[] }>;
    const notes = rows.flatMap((r) => r.reasons.filter((x) => x.startsWith("image sequence")).map((x) => [r.path, x]));
    expect(notes).toEqual([["shot010_plate.1001.png", "image sequence shot010_plate.%04d.png (frames 1001-1005, 1007-1012): missing frames 1006; frame 1003 written twice (shot010_plate.01003.png, shot010_plate.1003.png)"]]);
  });
});
