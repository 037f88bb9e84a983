// `npm run bench` (sweep part): a full `prov sweep` (hash and read every file) next to
// `exiftool -json -r` on the same tree in the same run, and `prov sweep --quick` on
// 100,000 unchanged files next to `find DIR -type f -printf '%s %T@\n'`, with peak RSS.
// Prints figures, never asserts them: timings depend on the machine.

import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { crc32, deflateSync } from "node:zlib";
import { run, stopCurrent, type RunResult } from "./proc.js";
import { bigBytesFor, prepareTree } from "./tree.js";

const FULL_GOAL = 1.5; // prov files/s ÷ exiftool files/s, at least
const QUICK_GOAL = 3; // prov --quick seconds ÷ find seconds, at most
const RSS_GOAL_MB = 250;

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = path.join(repo, "dist", "src", "cli.js");
const exiftool = path.join(repo, "node_modules", "exiftool-vendored.pl", "bin", "exiftool");

const USAGE = `usage: node dist/bench/sweep.js [options]
  --dir DIR          where the trees live (default: $TMPDIR/prov-bench-sweep-<uid>); reused when they match
  --files N          images in the full-sweep tree (default 5000)
  --quick-files N    files in the --quick tree (default 100000)
  --runs N           runs of each timed figure, the median is shown (default 3)
  --skip-quick       only the full-sweep figures
  --json             print the figures as JSON instead of a table`;

const progress = (msg: string): void => void process.stderr.write(`[bench sweep] ${msg}\n`);

interface Figure {
  seconds: number;
  filesPerSecond: number;
  peakRssMB: number | null;
  peakTreeRssMB: number | null;
}

function figure(r: RunResult, files: number, label: string): Figure {
  if (r.code !== 0 && r.code !== 1) throw new Error(`${label} failed (exit ${r.code}): ${r.stderr.slice(0, 2000)}`);
  return {
    seconds: r.seconds,
    filesPerSecond: files / r.seconds,
    peakRssMB: r.peakRssKiB === null ? null : r.peakRssKiB / 1024,
    peakTreeRssMB: r.peakTreeRssKiB === null ? null : r.peakTreeRssKiB / 1024,
  };
}

function median(figs: Figure[]): Figure {
  const sorted = [...figs].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function countFiles(dir: string): Promise<number> {
  let n = 0;
  for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) if (d.isFile()) n++;
  return n;
}

/** A valid 1x1 PNG made unique by a tEXt chunk: 100,000 distinct contents in seconds. */
function tinyPng(i: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("tEXt", Buffer.from(`Comment\0bench frame ${i}`, "latin1")),
    chunk("IDAT", deflateSync(Buffer.from([0, i & 0xff]))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** 100 files a folder; generated under a temporary name and renamed, reused when complete. */
async function quickTree(dir: string, files: number): Promise<string> {
  const root = path.join(dir, `quick-${files}`);
  const marker = `${root}.complete`; // beside the tree, not in it
  if (existsSync(marker)) return root;
  await rm(root, { recursive: true, force: true });
  const partial = `${root}.partial-${process.pid}`;
  progress(`generating ${files} small PNGs`);
  for (let i = 0; i < files; i++) {
    const folder = path.join(partial, `shot_${String(Math.floor(i / 100)).padStart(4, "0")}`);
    if (i % 100 === 0) await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, `frame_${String(i).padStart(6, "0")}.png`), tinyPng(i));
  }
  await rename(partial, root);
  await writeFile(marker, "");
  return root;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: "string" },
      files: { type: "string", default: "5000" },
      "quick-files": { type: "string", default: "100000" },
      runs: { type: "string", default: "3" },
      "skip-quick": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + "\n");
    return;
  }
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run bench does)`);
  const uid = typeof process.getuid === "function" ? process.getuid() : 0;
  const dir = values.dir ?? path.join(tmpdir(), `prov-bench-sweep-${uid}`);
  const files = Number(values.files);
  const quickFiles = Number(values["quick-files"]);
  const runs = Math.max(1, Number(values.runs));
  const tmp = await mkdtemp(path.join(tmpdir(), "prov-bench-sweep-run-"));
  const env = { ...process.env };
  delete env["PROV_DB"];
  delete env["PROV_CONFIG"];
  const samplesDir = path.join(repo, "samples");

  try {
    // ---------------------------------------------------------------- full sweep
    const tree = await prepareTree(path.join(dir, "full"), { files, bigBytes: bigBytesFor(1 / 1024), samplesDir: existsSync(samplesDir) ? samplesDir : null }, progress);
    // The tree's marker file sits beside the tree, not in it.
    const count = await countFiles(tree.root);
    progress(`full-sweep tree: ${count} files (${tree.reused ? "reused" : `generated in ${tree.generateSeconds.toFixed(0)} s`})`);
    await run("sh", ["-c", `find "${tree.root}" -type f -exec cat {} + > /dev/null`], { stdout: "ignore" }); // warm the page cache

    const exif: Figure[] = [];
    const sweepNew: Figure[] = [];
    const sweepKnown: Figure[] = [];
    const sweepPrints: Figure[] = [];
    for (let i = 0; i < runs; i++) {
      progress(`run ${i + 1}/${runs}: exiftool -json -r`);
      exif.push(figure(await run("perl", [exiftool, "-json", "-r", tree.root], { stdout: { file: path.join(tmp, "exif.json") } }), count, "exiftool"));
      const db = path.join(tmp, `full-${i}.db`);
      progress(`run ${i + 1}/${runs}: prov sweep (new database: every file is also recorded)`);
      sweepNew.push(figure(await run(process.execPath, [cli, "--db", db, "-q", "sweep", tree.root, "--format", "json", "--out", path.join(tmp, "full.json")], { env, cwd: tmp, stdout: "ignore" }), count, "prov sweep"));
      progress(`run ${i + 1}/${runs}: prov sweep again (content known, every file still hashed and read)`);
      sweepKnown.push(figure(await run(process.execPath, [cli, "--db", db, "-q", "sweep", tree.root, "--format", "json", "--out", path.join(tmp, "full.json")], { env, cwd: tmp, stdout: "ignore" }), count, "prov sweep"));
      await rm(db, { force: true });
      // What a facility sees: GenAI pictures already recorded, so every new picture is
      // fingerprinted and compared with them (a sweep skips that when there are none).
      const dbg = path.join(tmp, `full-genai-${i}.db`);
      const genai = path.join(samplesDir, "genai-a1111.png");
      if (existsSync(genai)) {
        await run(process.execPath, [cli, "--db", dbg, "-q", "scan", genai], { env, cwd: tmp, stdout: "ignore" });
        progress(`run ${i + 1}/${runs}: prov sweep (new database holding one GenAI still: every picture fingerprinted and compared)`);
        sweepPrints.push(figure(await run(process.execPath, [cli, "--db", dbg, "-q", "sweep", tree.root, "--format", "json", "--out", path.join(tmp, "full.json")], { env, cwd: tmp, stdout: "ignore" }), count, "prov sweep"));
      }
      await rm(dbg, { force: true });
    }
    const checked = JSON.parse(readFileSync(path.join(tmp, "full.json"), "utf8")) as { summary: { files: number } };
    if (checked.summary.files !== count) throw new Error(`prov sweep accounted for ${checked.summary.files} files, the tree has ${count}`);

    // ---------------------------------------------------------------- --quick at scale
    let quick: null | { files: number; find: Figure; first: Figure; quick: Figure } = null;
    if (!values["skip-quick"]) {
      const qroot = await quickTree(dir, quickFiles);
      const db = path.join(tmp, "quick.db");
      const args = (mode: string[]) => [cli, "--db", db, "-q", "sweep", qroot, "--format", "json", "--out", path.join(tmp, "quick.json"), ...mode];
      progress(`prov sweep (full, first) of ${quickFiles} files: fills the stat cache`);
      const first = figure(await run(process.execPath, args([]), { env, cwd: tmp, stdout: "ignore" }), quickFiles, "prov sweep");
      const finds: Figure[] = [];
      const quicks: Figure[] = [];
      for (let i = 0; i < runs; i++) {
        progress(`run ${i + 1}/${runs}: find -printf, prov sweep --quick`);
        finds.push(figure(await run("find", [qroot, "-type", "f", "-printf", "%s %T@\\n"], { stdout: { file: path.join(tmp, "find.txt") } }), quickFiles, "find"));
        quicks.push(figure(await run(process.execPath, args(["--quick"]), { env, cwd: tmp, stdout: "ignore" }), quickFiles, "prov sweep --quick"));
      }
      quick = { files: quickFiles, find: median(finds), first, quick: median(quicks) };
    }

    const result = { full: { files: count, exiftool: median(exif), sweepNew: median(sweepNew), sweepKnown: median(sweepKnown), sweepPrints: sweepPrints.length > 0 ? median(sweepPrints) : null }, quick };
    if (values.json) {
      process.stdout.write(JSON.stringify(result, null, 2) + "\n");
      return;
    }
    const mb = (f: Figure) => (f.peakRssMB === null ? "n/a" : `${f.peakRssMB.toFixed(0)} MB`);
    const lines = [
      `Full sweep: ${count} files (${files} images, samples/, a 1 MiB WAV), warm cache, median of ${runs}`,
      `  exiftool -json -r               ${result.full.exiftool.seconds.toFixed(2)} s   ${result.full.exiftool.filesPerSecond.toFixed(0)} files/s`,
      `  prov sweep (new database)       ${result.full.sweepNew.seconds.toFixed(2)} s   ${result.full.sweepNew.filesPerSecond.toFixed(0)} files/s   ${(result.full.sweepNew.filesPerSecond / result.full.exiftool.filesPerSecond).toFixed(2)}x exiftool (goal ≥ ${FULL_GOAL}x)   peak RSS ${mb(result.full.sweepNew)}`,
      `  prov sweep (content known)      ${result.full.sweepKnown.seconds.toFixed(2)} s   ${result.full.sweepKnown.filesPerSecond.toFixed(0)} files/s   ${(result.full.sweepKnown.filesPerSecond / result.full.exiftool.filesPerSecond).toFixed(2)}x exiftool (goal ≥ ${FULL_GOAL}x)   peak RSS ${mb(result.full.sweepKnown)}`,
      ...(result.full.sweepPrints
        ? [`  prov sweep (GenAI recorded)     ${result.full.sweepPrints.seconds.toFixed(2)} s   ${result.full.sweepPrints.filesPerSecond.toFixed(0)} files/s   ${(result.full.sweepPrints.filesPerSecond / result.full.exiftool.filesPerSecond).toFixed(2)}x exiftool (goal ≥ ${FULL_GOAL}x)   peak RSS ${mb(result.full.sweepPrints)}   (every picture fingerprinted)`]
        : []),
    ];
    if (quick) {
      lines.push(
        "",
        `--quick: ${quick.files} unchanged files, warm cache, median of ${runs}`,
        `  find -type f -printf '%s %T@\\n'  ${quick.find.seconds.toFixed(2)} s`,
        `  prov sweep --quick              ${quick.quick.seconds.toFixed(2)} s   ${(quick.quick.seconds / quick.find.seconds).toFixed(2)}x find (goal ≤ ${QUICK_GOAL}x)   peak RSS ${mb(quick.quick)} (goal < ${RSS_GOAL_MB} MB)`,
        `  prov sweep (first, full)        ${quick.first.seconds.toFixed(2)} s   ${quick.first.filesPerSecond.toFixed(0)} files/s   peak RSS ${mb(quick.first)} (goal < ${RSS_GOAL_MB} MB); with ExifTool ${quick.first.peakTreeRssMB?.toFixed(0) ?? "n/a"} MB`,
      );
    }
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    await stopCurrent();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sweep: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
