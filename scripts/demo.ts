// The quickstart's main job: a demo workspace built from samples/, run with the real CLI.
//   node dist/scripts/demo.js scan    (npm run quickstart) GenAI detection, label stripping,
//                                     the store at work, prov frame and a pre-delivery sweep, in demo/
//   node dist/scripts/demo.js watch   (npm start) the watcher and the deliverables gate, in
//                                     demo-watch/: a GenAI file copied into deliverables is blocked
//   <workspace>/edit/            copies of samples/ (an edit-suite folder: a working root)
//   <workspace>/deliverables/    the final-deliverables folder (the gate)
//   <workspace>/quarantine/      where blocked files go, each with a JSON receipt
//   <workspace>/edit/AI_TEMP/    an unlabelled shot in the studio's temporary-GenAI folder (folder rule)
//   demo/edit/stripped-concept-art.jpg   a GenAI still after `exiftool -all=` (labels gone)
//   demo/deliverables/reel1/sh030_grade.jpg  a GenAI still re-exported (resized, JPEG): found by its fingerprint
//   demo/sweep-report.html                the pre-delivery sweep's report on demo/deliverables
//
// A workspace is rebuilt from scratch each run, but never at the cost of what a user made
// in it: files added or changed, or decisions recorded (approvals, tags, sweeps) since the
// demo made it. Then the old workspace is kept beside the new one, and the demo says so.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ExifTool } from "exiftool-vendored";
import sharp from "sharp";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const mode = process.argv[2] ?? "scan";
const demo = path.join(root, mode === "watch" ? "demo-watch" : "demo");
const edit = path.join(demo, "edit");
const cli = path.join(root, "dist/src/cli.js");
/** What the demo made: every file with its SHA-256, and the last event it recorded. */
const MANIFEST = ".prov-demo.json";
/**
 * The database's own files change whenever prov runs: compared through its events instead
 * (the watcher's marker of which database keeps the quarantine is one of them).
 */
const DATABASE_FILES = new Set(["prov.db", "prov.db-wal", "prov.db-shm", MANIFEST, "quarantine/.prov-database"]);

interface Manifest {
  files: Record<string, string>;
  lastEventId: number;
}

function filesUnder(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p, base));
    else out.push(path.relative(base, p));
  }
  return out;
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

function lastEventId(): number {
  const r = spawnSync(process.execPath, [cli, "--json", "log", "--limit", "1"], { cwd: demo, encoding: "utf8" });
  if (r.status !== 0) return 0;
  const rows = (JSON.parse(r.stdout) as { items: Array<{ id: number }> }).items;
  return rows.at(-1)?.id ?? 0;
}

/** Record what the demo made, so the next run can tell what the user added. */
function writeManifest(): void {
  const files: Record<string, string> = {};
  for (const f of filesUnder(demo)) if (!DATABASE_FILES.has(f)) files[f] = sha256(path.join(demo, f));
  const m: Manifest = { files, lastEventId: lastEventId() };
  writeFileSync(path.join(demo, MANIFEST), JSON.stringify(m, null, 1) + "\n");
}

/** What in the existing workspace the demo did not make: files added or changed, decisions recorded since. */
function userMade(): string[] {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path.join(demo, MANIFEST), "utf8")) as Manifest;
  } catch {
    return [`${path.basename(demo)}/ was not made by this demo (no ${MANIFEST})`];
  }
  const out: string[] = [];
  for (const f of filesUnder(demo)) {
    if (DATABASE_FILES.has(f)) continue;
    const known = m.files[f];
    if (known === undefined) out.push(`added ${f}`);
    else if (known !== sha256(path.join(demo, f))) out.push(`changed ${f}`);
  }
  for (const f of Object.keys(m.files)) if (!existsSync(path.join(demo, f))) out.push(`removed ${f}`);
  const events = lastEventId() - m.lastEventId;
  if (events > 0) out.push(`${events} event${events === 1 ? "" : "s"} recorded in prov.db since (approvals, tags, scans, sweeps)`);
  return out;
}

/** Clear the way for a fresh workspace, keeping the old one if the user made anything in it. */
function makeRoom(): void {
  if (!existsSync(demo)) return;
  const mine = userMade();
  if (mine.length === 0) {
    rmSync(demo, { recursive: true, force: true });
    process.stdout.write(`rebuilding ${path.relative(root, demo)}/ (it held only what the demo made)\n`);
    return;
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
  const kept = `${demo}.kept-${stamp}`;
  renameSync(demo, kept);
  process.stdout.write(`kept your earlier ${path.relative(root, demo)}/ as ${path.relative(root, kept)}/ (nothing was deleted):\n`);
  for (const line of mine.slice(0, 10)) process.stdout.write(`  ${line}\n`);
  if (mine.length > 10) process.stdout.write(`  ... and ${mine.length - 10} more\n`);
}

function prov(...args: string[]): number {
  process.stdout.write(`\n$ prov ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: demo, stdio: "inherit" });
  return r.status ?? 1;
}

function buildWorkspace(): void {
  makeRoom();
  mkdirSync(path.join(edit, "AI_TEMP"), { recursive: true });
  mkdirSync(path.join(demo, "deliverables"), { recursive: true });
  mkdirSync(path.join(demo, "quarantine"), { recursive: true });
  for (const f of readdirSync(path.join(root, "samples"))) {
    if (f === "README.md") continue;
    // A shot generated into the temporary-GenAI folder carries no label: the folder says it.
    const dest = f === "unlabelled-shot.mov" ? path.join(edit, "AI_TEMP/sh010-gen-v002.mov") : path.join(edit, f);
    copyFileSync(path.join(root, "samples", f), dest);
  }
  process.stdout.write(`demo workspace: ${demo}\n`);
  prov("init", "--working", "edit", "--deliverables", "deliverables", "--quarantine", "quarantine");
}

async function scanDemo(): Promise<void> {
  buildWorkspace();
  prov("scan", "edit");

  // Strip every label from a recorded GenAI still, as a careless re-export would.
  const stripped = path.join(edit, "stripped-concept-art.jpg");
  copyFileSync(path.join(edit, "genai-concept-art.jpg"), stripped);
  const et = new ExifTool({ maxProcs: 1 });
  try {
    await et.write(stripped, {}, ["-all=", "-overwrite_original"]);
  } finally {
    await et.end();
  }
  process.stdout.write(`\n(stripped every metadata tag from ${path.relative(demo, stripped)})\n`);
  prov("scan", "edit");
  prov("show", "edit/stripped-concept-art.jpg");
  prov("ls", "--status", "temporary");

  // A pre-delivery sweep: a delivery with an approved GenAI still, the stripped copy, a plate and room tone.
  prov("approve", "edit/genai-concept-art.jpg", "--by", "Dana Post-Supervisor", "--ref", "STUDIO-GENAI-0042", "--scope", "concept art, reel 1 titles");
  const deliverables = path.join(demo, "deliverables");
  for (const f of ["genai-concept-art.jpg", "stripped-concept-art.jpg", "camera-plate.jpg", "room-tone.wav"]) {
    mkdirSync(path.join(deliverables, "reel1"), { recursive: true });
    copyFileSync(path.join(edit, f), path.join(deliverables, "reel1", f));
  }
  // A re-export of a temporary GenAI still: new bytes, no labels, half the size, recompressed.
  await sharp(path.join(edit, "genai-a1111.png")).resize({ width: 256 }).jpeg({ quality: 70 }).toFile(path.join(deliverables, "reel1", "sh030_grade.jpg"));
  process.stdout.write(`\n(copied 4 files into deliverables/reel1 and re-exported edit/genai-a1111.png as reel1/sh030_grade.jpg, half size, JPEG;\n the watcher is not running, so only a sweep sees them)\n`);
  prov("frame", "deliverables/reel1/sh030_grade.jpg");
  prov("sweep", "deliverables", "--format", "html", "--out", "sweep-report.html", "--mhl");
  prov("sweep", "deliverables", "--quick");
  writeManifest();
  process.stdout.write(`\nThe report a post supervisor sends: ${path.join(demo, "sweep-report.html")} (open it in a browser)\n`);
  process.stdout.write(`\nNext: cd demo && npm run --silent prov -- ls --origin genai   (or npm start: the watcher and the gate, in demo-watch/)\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `prov watch` on the workspace, deliver two files, show the gate's work, keep watching. */
async function watchDemo(once: boolean): Promise<void> {
  buildWorkspace();
  process.stdout.write(`\n$ prov watch     (logs below; Ctrl-C stops it)\n`);
  const watcher = spawn(process.execPath, [cli, "watch"], { cwd: demo, stdio: ["ignore", "inherit", "inherit"] });
  const stop = () => watcher.kill("SIGINT");
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // Wait until the watcher says it is ready.
  for (let i = 0; i < 100; i++) {
    await sleep(200);
    const r = spawnSync(process.execPath, [cli, "status", "--json"], { cwd: demo, encoding: "utf8" });
    if (r.status === 0 && (JSON.parse(r.stdout) as { ready: boolean }).ready) break;
  }
  process.stdout.write(`\n(copying edit/genai-concept-art.jpg and edit/camera-plate.jpg into deliverables/)\n`);
  copyFileSync(path.join(edit, "genai-concept-art.jpg"), path.join(demo, "deliverables/sh010_v003.jpg"));
  copyFileSync(path.join(edit, "camera-plate.jpg"), path.join(demo, "deliverables/sh020_plate.jpg"));
  for (let i = 0; i < 50 && existsSync(path.join(demo, "deliverables/sh010_v003.jpg")); i++) await sleep(100);
  // The camera plate is allowed once its size has been stable for gate.stableSeconds: wait until the gate recorded it.
  for (let i = 0; i < 100; i++) {
    const r = spawnSync(process.execPath, [cli, "--json", "show", "deliverables/sh020_plate.jpg"], { cwd: demo, encoding: "utf8" });
    if (r.status === 0 && (JSON.parse(r.stdout) as { recorded: boolean }).recorded) break;
    await sleep(100);
  }
  prov("quarantine", "ls");
  prov("status");
  process.stdout.write(`\ndeliverables/ now holds: ${readdirSync(path.join(demo, "deliverables")).join(", ")}\n`);
  writeManifest();
  if (once) {
    stop();
  } else {
    process.stdout.write(`\nThe watcher keeps running: copy files into demo/deliverables/ and see. Ctrl-C stops it.\n`);
  }
  await new Promise((r) => watcher.once("exit", r));
}

(mode === "watch" ? watchDemo(process.argv.includes("--once")) : scanDemo()).catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
