#!/usr/bin/env node
// prov: asset provenance for post-production media. One entry point; one catch maps
// typed errors to exit codes (0 ok, 1 findings, 2 usage/config, 3 database).

import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { approveCommand, revokeCommand, tagCommand, type ApproveOptions, type TagOptions } from "./commands/decisions.js";
import { initCommand, type InitOptions } from "./commands/init.js";
import { quarantineLsCommand, releaseCommand, type ReleaseOptions } from "./commands/quarantine.js";
import { statusCommand } from "./commands/status.js";
import { watchCommand } from "./commands/watch.js";
import { logCommand } from "./commands/log.js";
import { lsCommand } from "./commands/ls.js";
import { scanCommand } from "./commands/scan.js";
import { showCommand } from "./commands/show.js";
import { frameCommand, type FrameOptions } from "./commands/frame.js";
import { sweepCommand, type SweepCommandOptions } from "./commands/sweep.js";
import { Context, type GlobalOptions } from "./context.js";
import { ExitCode, ProvError, errorMessage } from "./errors.js";
import { log } from "./log.js";

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

export async function main(argv: string[]): Promise<number> {
  let ctx: Context | undefined;
  let code: number = ExitCode.ok;
  const run =
    <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<number>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args.at(-1) as Command;
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      log.configure({ level: globals.quiet ? "error" : globals.verbose ? "debug" : "info", format: globals.logFormat ?? "text" });
      ctx = new Context(globals);
      code = await fn(ctx, ...(args.slice(0, -1) as A));
    };

  const program = new Command("prov")
    .description("Asset provenance for post-production media: identify files by content, detect GenAI, keep temporary GenAI out of deliverables.")
    .version(version())
    .option("--db <path>", "SQLite database (default: from prov.config.json; env PROV_DB)")
    .option("--config <path>", "config file (default: ./prov.config.json; env PROV_CONFIG)")
    .option("--json", "print data as JSON")
    .option("-q, --quiet", "print only errors on stderr")
    .option("-v, --verbose", "print more (every file in scans, debug logs)")
    .addOption(new Option("--log-format <format>", "logs on stderr as text or JSON lines").choices(["text", "json"]).default("text"))
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command("init")
    .description("write prov.config.json and create the database")
    .option("--working <dirs...>", "edit-suite folders to watch and record (ingest)")
    .option("--deliverables <dirs...>", "final-deliverables folders to gate")
    .option("--quarantine <dir>", "where the gate moves blocked files")
    .option("--unknown <policy>", "files with no provenance in deliverables: allow or hold", "allow")
    .option("--force", "overwrite an existing prov.config.json")
    .action(run((c, opts: InitOptions) => initCommand(c, opts)));

  program
    .command("scan")
    .description("identify, read metadata, classify and record media files (recursive)")
    .argument("<paths...>", "files or folders")
    .option("--rehash", "re-read files even when size, times and inode are unchanged")
    .option("--all-files", "record every file, not only media types (scan.extensions)")
    .action(run((c, paths: string[], opts: { rehash?: boolean; allFiles?: boolean }) => scanCommand(c, paths, opts)));

  program
    .command("sweep")
    .argument("<dir>", "the deliverables folder to check")
    .description("check a deliverables tree before it is sent: a report, the GenAI disclosure list, and an exit code to gate on")
    .option("--format <format>", "text, json, csv, html or junit (default: text; json with --json)")
    .option("--out <file>", "write the report to this file (atomically) instead of stdout")
    .option("--quick", "trust the stat cache: files unchanged since their last full hash are not read again")
    .option("--fail-on <names>", "also exit 1 on (comma-separated or repeated): genai (any GenAI, approved too), possibly-genai, unknown, unreadable", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option("--mhl", "write an ASC MHL v2 generation for the folder (ascmhl/)")
    .option("--mhl-hash <algorithm>", "hash for --mhl: xxh128 (default), xxh64, xxh3, md5, sha1, c4")
    .addHelpText("after", "\nExit codes: 0 clean; 1 violations (or what --fail-on names); 2 usage error, or some files could not be checked.")
    .action(run((c, dir: string, opts: SweepCommandOptions) => sweepCommand(c, dir, opts, version())));

  program
    .command("show")
    .description("provenance of one file or asset")
    .argument("<file|sha256>", "a file, or a SHA-256 (at least 8 hex digits)")
    .action(run((c, arg: string) => showCommand(c, arg)));

  program
    .command("frame")
    .description("where a picture came from: a still or frame grab, a video's frame at a timecode, or the frame under a cut's record timecode")
    .argument("[file]", "a still image, or a video (with --at, --frame or --seconds)")
    .option("--at <timecode>", "SMPTE timecode HH:MM:SS:FF (HH:MM:SS;FF drop-frame); the video's own start timecode is honoured")
    .option("--frame <n>", "frame number, from 0 at the video's first frame")
    .option("--seconds <s>", "time in seconds from the video's start")
    .option("--fps <rate>", "frame rate of --at: 23.976, 24, 25, 29.97, 29.97DF, 30, 50, 59.94, 59.94DF, 60 (default: the video's own; 24 for a cut)")
    .option("--timeline <cut>", "a CMX 3600 EDL or OpenTimelineIO (.otio) cut; --at is then a record timecode")
    .option("--media-root <dir>", "with --timeline: where to look for source media by file, reel or clip name")
    .option("--track <name>", "with --timeline: ask this video track (default: the topmost with a clip there)")
    .action(run((c, file: string | undefined, opts: FrameOptions) => frameCommand(c, file, opts)));

  program
    .command("ls")
    .description("list recorded assets")
    .addOption(new Option("--origin <origin>", "only this origin").choices(["genai", "genai-edited", "possibly-genai", "not-genai", "unknown"]))
    .addOption(new Option("--status <status>", "only this status").choices(["temporary", "approved"]))
    .action(run((c, opts: { origin?: string; status?: string }) => lsCommand(c, opts)));

  program
    .command("tag")
    .description("record a person's decision that files are (or are not) GenAI")
    .argument("<files...>", "files or SHA-256s")
    .option("--genai", "these files were made with generative AI")
    .option("--not-genai", "these files were not (needs --note)")
    .option("--tool <tool>", "the GenAI tool used")
    .option("--model <model>", "the model used")
    .option("--prompt <prompt>", "the prompt used")
    .option("--note <note>", "why")
    .option("--by <name>", "who decides (default: $USER)")
    .option("--force", "overrule GenAI labels in the file's own metadata")
    .action(run((c, files: string[], opts: TagOptions) => tagCommand(c, files, opts)));

  program
    .command("approve")
    .description("record written approval for a GenAI asset to be used in final deliverables")
    .argument("<file|sha256>")
    .requiredOption("--by <name>", "who approved")
    .requiredOption("--ref <approval-ref>", "reference of the written approval")
    .option("--scope <text>", "what the approval covers")
    .option("--doc <path>", "the approval document (its SHA-256 is recorded)")
    .option("--note <note>", "a note")
    .option("--sequence", "approve every frame of the image sequence this file is a frame of")
    .action(run((c, arg: string, opts: ApproveOptions) => approveCommand(c, arg, opts)));

  program
    .command("revoke")
    .description("revoke an approval; the asset becomes temporary again")
    .argument("<file|sha256>")
    .requiredOption("--by <name>", "who revokes")
    .requiredOption("--note <note>", "why")
    .option("--sequence", "revoke every frame of the image sequence this file is a frame of")
    .action(run((c, arg: string, opts: { by: string; note: string; sequence?: boolean }) => revokeCommand(c, arg, opts)));

  program
    .command("log")
    .description("the append-only event history, of everything or of one asset")
    .argument("[file|sha256]")
    .option("--limit <n>", "most recent N events", "200")
    .action(run((c, arg: string | undefined, opts: { limit?: string }) => logCommand(c, arg, opts)));

  let signals = 0;
  program
    .command("watch")
    .description("run the watcher and the deliverables gate until stopped (SIGINT/SIGTERM)")
    .action(run((c) => watchCommand(c, version())));

  program
    .command("status")
    .description("is the watcher running and ready; roots, modes, queue, counts")
    .action(run((c) => statusCommand(c)));

  program
    .command("quarantine")
    .description("what the gate moved out of deliverables")
    .command("ls")
    .description("list quarantined files (and files blocked but still present)")
    .option("--all", "include released and rolled-back entries")
    .action(run((c, opts: { all?: boolean }) => quarantineLsCommand(c, opts)));

  program
    .command("release")
    .description("put a quarantined file back: when its asset is approved, or with --force and a note")
    .argument("<quarantine-id>")
    .option("--to <path>", "release to this path instead of the original one")
    .requiredOption("--by <name>", "who releases")
    .option("--note <note>", "why (required with --force)")
    .option("--force", "release even though the gate would block or hold it (recorded)")
    .action(run((c, id: string, opts: ReleaseOptions) => releaseCommand(c, id, opts, version())));

  const stop = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1 && ctx?.deliverSignal(signal)) return; // `watch` drains and stops itself
    log.warn(`${signal}: stopping`);
    void (ctx?.close() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof ProvError) {
      log.error(err.message);
      return err.exitCode;
    }
    log.error(`internal error (this is a bug in prov, please report it): ${err instanceof Error ? (err.stack ?? err.message) : errorMessage(err)}`);
    return ExitCode.internal;
  } finally {
    await ctx?.close();
  }
}

// `prov ls | head` closes stdout early: that is not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`prov: internal error: ${errorMessage(err)}\n`);
    process.exitCode = ExitCode.internal;
  },
);
