#!/usr/bin/env node
// prov: asset provenance for post-production media. One entry point; one catch maps
// typed errors to exit codes (0 ok, 1 findings, 2 usage/config, 3 database). Command
// modules are loaded when their command runs, so `prov --help` or `prov status` does not
// pay for ExifTool, sharp or the sweep's report writers.

import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import type { Context, GlobalOptions } from "./cli/context.js";
import { ProvError, errorMessage } from "./domain/errors.js";
import { ExitCode, exitCodeOf } from "./cli/exit.js";
import { systemErrorMessage } from "./errors.js";
import { log } from "./log.js";

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    return pkg.version;
  } catch {
    return "unknown";
  }
}

/**
 * Examples shown under each command's --help. test/cli/help.test.ts runs every one of
 * them in a demo-like workspace (edit/ with the samples, deliverables/, quarantine/), so
 * they must stay true.
 */
const EXAMPLES: Record<string, readonly string[]> = {
  init: ["prov init --working edit --deliverables deliverables --quarantine quarantine"],
  migrate: ["prov migrate", "prov migrate --check"],
  scan: ["prov scan edit", "prov scan --rehash edit/genai-a1111.png"],
  show: ["prov show edit/genai-concept-art.jpg", "prov --json show edit/genai-shot.mov"],
  ls: ["prov ls --origin genai", "prov ls --status temporary --json"],
  tag: [
    'prov tag edit/unlabelled-still.png --genai --tool "Midjourney" --model "v7"',
    'prov tag edit/procedural-noise.png --not-genai --note "procedural noise rendered in Nuke"',
  ],
  approve: ['prov approve edit/genai-concept-art.jpg --by "Dana Post" --ref STUDIO-GENAI-0042 --scope "reel 1 titles"'],
  revoke: ['prov revoke edit/genai-concept-art.jpg --by "Dana Post" --note "the studio withdrew the approval"'],
  log: ["prov log --limit 20", "prov log edit/genai-concept-art.jpg"],
  sweep: ["prov sweep deliverables", "prov sweep deliverables --format html --out sweep-report.html --mhl", "prov sweep deliverables --quick --fail-on unknown"],
  frame: ["prov frame edit/genai-a1111.png", "prov frame edit/genai-shot.mov --at 00:00:00:06"],
  watch: ["prov --log-format json watch"],
  "volume init": ["prov volume init EDIT-A edit"],
  "volume ls": ["prov volume ls", "prov --json volume ls"],
  status: ["prov status", "prov status --json"],
  "quarantine ls": ["prov quarantine ls", "prov quarantine ls --all --json"],
  release: ['prov release 1 --by "Dana Post" --to deliverables/approved/sh010_v003.jpg'],
  "mhl verify": ["prov mhl verify deliverables", "prov --json mhl verify deliverables"],
  "mhl diff": ["prov mhl diff deliverables"],
  "mhl info": ["prov mhl info deliverables", "prov -v mhl info deliverables"],
  verify: ["prov verify", "prov verify --export history.jsonl"],
  "export-history": ["prov export-history --out history.jsonl"],
  "db export": ["prov db export host-a.prov-export.jsonl"],
  desk: ["prov desk", "prov desk --listen 127.0.0.1:7421"],
  "desk user add": ["prov desk user add dana --role approver < password.txt"],
  "db import": ["PROV_DATABASE_URL=postgres://prov@db-host/prov prov db import host-a.prov-export.jsonl"],
};

function examples(name: string): string {
  const list = EXAMPLES[name] ?? [];
  return list.length === 0 ? "" : `\nExamples:\n${list.map((e) => `  ${e}`).join("\n")}\n`;
}

/** The full name of a command ("quarantine ls"), for help hints and the examples table. */
function fullName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

export async function main(argv: string[]): Promise<number> {
  let ctx: Context | undefined;
  let code: number = ExitCode.ok;
  /** The command being parsed or run, for the "see prov CMD --help" hint. */
  let current = "";
  const run =
    <A extends unknown[]>(load: () => Promise<(ctx: Context, ...args: A) => Promise<number>>) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args.at(-1) as Command;
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      log.configure({ level: globals.quiet ? "error" : globals.verbose ? "debug" : "info", format: globals.logFormat ?? "text" });
      const { Context } = await import("./cli/context.js");
      ctx = new Context(globals);
      const fn = await load();
      code = await fn(ctx, ...(args.slice(0, -1) as A));
    };

  const program = new Command("prov")
    .description("Asset provenance for post-production media: identify files by content, detect GenAI, keep temporary GenAI out of deliverables.")
    .version(version())
    .option("--db <path>", "SQLite database file, or a postgres:// URL without a password (default: from prov.config.json; env PROV_DB, PROV_DATABASE_URL)")
    .option("--config <path>", "config file (default: ./prov.config.json; env PROV_CONFIG)")
    .option("--json", "print data as JSON")
    .option("-q, --quiet", "print only errors on stderr")
    .option("-v, --verbose", "print more (every file in scans, debug logs)")
    .addOption(new Option("--log-format <format>", "logs on stderr as text or JSON lines").choices(["text", "json"]).default("text"))
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // One line that says what is wrong, then where to read more: never the whole help.
      outputError: (s, write) => {
        const msg = s.trim().replace(/^error: /, "");
        write(`prov: error: ${msg}\n`);
        write(`see \`prov${current ? ` ${current}` : ""} --help\`\n`);
      },
    })
    .hook("preSubcommand", (_p, sub) => {
      current = fullName(sub);
    })
    .addHelpText("after", "\nEvery command has its own help with examples: prov COMMAND --help\n");

  // Every command inherits the error output and shows examples.
  const command = (name: string, parent: Command = program): Command => {
    const c = parent.command(name);
    c.hook("preAction", () => {
      current = fullName(c);
    });
    c.hook("preSubcommand", (_p, sub) => {
      current = fullName(sub);
    });
    return c;
  };
  const withExamples = (c: Command): Command => c.addHelpText("after", examples(fullName(c)));

  withExamples(
    command("init")
      .description("write prov.config.json and create the database")
      .option("--working <dirs...>", "edit-suite folders to watch and record (ingest)")
      .option("--deliverables <dirs...>", "final-deliverables folders to gate")
      .option("--quarantine <dir>", "where the gate moves blocked files (needed with --deliverables)")
      .option("--unknown <policy>", "files with no provenance in deliverables: allow or hold", "allow")
      .option("--force", "overwrite an existing prov.config.json")
      .option("--database <url>", "a PostgreSQL database for a facility: postgres://USER@HOST:PORT/DB (password from PGPASSWORD, PGPASSFILE or PROV_DATABASE_PASSWORD_FILE, never here)")
      .action(run(async () => (await import("./cli/commands/init.js")).initCommand)),
  );

  withExamples(
    command("migrate")
      .description("bring the database (SQLite or PostgreSQL) to the schema this prov needs; prints from → to")
      .option("--check", "change nothing: exit 1 when the database is behind, 0 when current")
      .addHelpText("after", "\nExit codes: 0 current (or brought current); 1 with --check when behind; 3 when the database is newer than this prov or cannot be reached.")
      .action(run(async () => (await import("./cli/commands/migrate.js")).migrateCommand)),
  );

  withExamples(
    command("scan")
      .description("identify, read metadata, classify and record media files (recursive)")
      .argument("<paths...>", "files or folders")
      .option("--rehash", "re-read files even when size, times and inode are unchanged")
      .option("--all-files", "record every file, not only media types (scan.extensions)")
      .addHelpText("after", "\nExit codes: 0 every file recorded; 1 some could not be read, or a path does not exist (each is listed, the rest is scanned).")
      .action(run(async () => (await import("./cli/commands/scan.js")).scanCommand)),
  );

  withExamples(
    command("sweep")
      .argument("<dir>", "the deliverables folder to check")
      .description("check a deliverables tree before it is sent: a report, the GenAI disclosure list, and an exit code to gate on")
      .option("--format <format>", "text, json, csv, html, junit or pdf (default: text; json with --json; pdf when --out ends in .pdf)")
      .option("--out <file>", "write the report to this file (atomically) instead of stdout")
      .option("--paper <size>", "html and pdf: print on a4 or letter (default: report.paper in the config, else a4)")
      .option("--redact", "no internal paths (paths relative to the swept folder), database path, host or account names, in every report")
      .option("--csv-bom", "csv reports (and a .csv --disclosure) start with a UTF-8 BOM, so Excel reads them right (default: report.csvBom)")
      .option("--quick", "trust the stat cache: files unchanged since their last full hash are not read again")
      .option("--fail-on <names>", "also exit 1 on (comma-separated or repeated): genai (any GenAI, approved too), possibly-genai, unknown, unreadable", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .option("--disclosure <file>", "also write the GenAI disclosure list for the studio: .json or .csv (title, episode, reel, shot, class, tool, model, evidence, approval and consent references, deepfake)")
      .option("--title <title>", "the production's title, for the report and the disclosure list")
      .option("--timeline <cut>", "a cut (EDL or OTIO; repeatable): the disclosure list gives each file's record and source timecodes in it", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .option("--fps <rate>", "the EDLs' frame rate for --timeline (default 24; an OTIO carries its own)")
      .option("--mhl", "write an ASC MHL v2 generation for the folder (ascmhl/)")
      .option("--mhl-hash <algorithm>", "hash for --mhl: xxh128 (default), xxh64, xxh3, md5, sha1, c4")
      .addHelpText("after", "\nExit codes: 0 clean; 1 violations (or what --fail-on names); 2 usage error, or some files could not be checked.")
      .action(run(async () => {
        const { sweepCommand } = await import("./cli/commands/sweep.js");
        return (c: Context, dir: string, opts: import("./cli/commands/sweep.js").SweepCommandOptions) => sweepCommand(c, dir, opts, version());
      })),
  );

  withExamples(
    command("show")
      .description("provenance of one file or asset")
      .argument("<file|sha256>", "a file, or a SHA-256 (at least 8 hex digits)")
      .action(run(async () => (await import("./cli/commands/show.js")).showCommand)),
  );

  withExamples(
    command("frame")
      .description("where a picture came from: a still or frame grab, a video's frame at a timecode, or the frame under a cut's record timecode")
      .argument("[file]", "a still image, or a video (with --at, --frame or --seconds)")
      .option("--at <timecode>", "SMPTE timecode HH:MM:SS:FF (HH:MM:SS;FF drop-frame); the video's own start timecode is honoured")
      .option("--frame <n>", "frame number, from 0 at the video's first frame")
      .option("--seconds <s>", "time in seconds from the video's start")
      .option("--fps <rate>", "frame rate of --at: 23.976, 24, 25, 29.97, 29.97DF, 30, 50, 59.94, 59.94DF, 60 (default: the video's own; 24 for a cut)")
      .option("--timeline <cut>", "a CMX 3600 EDL or OpenTimelineIO (.otio) cut; --at is then a record timecode")
      .option("--media-root <dir>", "with --timeline: where to look for source media by file, reel or clip name")
      .option("--track <name>", "with --timeline: ask this video track (default: the topmost with a clip there)")
      .option("--format <format>", "with --timeline and no --at, the whole cut's report: text, json or csv")
      .addHelpText("after", "\n--timeline CUT without --at reports every event of the cut with its media's provenance, flagged events first.\nA cut's media is opened only under the configured roots and --media-root (without any, the cut's folder): a source elsewhere is \"outside the roots\" and never read.\nExit codes: 0 with an answer, whatever it is; 2 when the file, timecode or cut cannot be read.")
      .action(run(async () => (await import("./cli/commands/frame.js")).frameCommand)),
  );

  withExamples(
    command("ls")
      .description("list recorded assets")
      .addOption(new Option("--origin <origin>", "only this origin").choices(["genai", "genai-edited", "possibly-genai", "not-genai", "unknown"]))
      .addOption(new Option("--status <status>", "only this status").choices(["temporary", "approved"]))
      .action(run(async () => (await import("./cli/commands/ls.js")).lsCommand)),
  );

  withExamples(
    command("tag")
      .description("record a person's decision that files are (or are not) GenAI")
      .argument("<files...>", "files or SHA-256s")
      .option("--genai", "these files were made with generative AI (this or --not-genai is required)")
      .option("--not-genai", "these files were not (needs --note)")
      .option("--tool <tool>", "the GenAI tool used")
      .option("--model <model>", "the model used")
      .option("--prompt <prompt>", "the prompt used")
      .option("--note <note>", "why (required with --not-genai)")
      .option("--by <name>", "who decides (default: $USER)")
      .option("--force", "overrule GenAI labels in the file's own metadata")
      .action(run(async () => (await import("./cli/commands/decisions.js")).tagCommand)),
  );

  withExamples(
    command("approve")
      .description("record written approval for a GenAI asset to be used in final deliverables")
      .argument("<file|sha256>")
      .requiredOption("--by <name>", "who approved (required)")
      .requiredOption("--ref <approval-ref>", "reference of the written approval (required)")
      .option("--scope <text>", "what the approval covers")
      .option("--doc <path>", "the approval document (its SHA-256 is recorded)")
      .option("--note <note>", "a note")
      .option("--sequence", "approve every frame of the image sequence this file is a frame of")
      .option("--escalate <categories>", "escalation categories the studio rules name (comma-separated or repeated): talent, key-element, third-party-ip, personal-data", (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .option("--consent <terms>", 'a performer\'s informed consent (needed with --escalate talent), repeated per performer: "performer=NAME,ref=REF,project=P,uses=U,expires=YYYY-MM-DD"', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
      .option("--expires <date>", "the last day the approval holds (YYYY-MM-DD); after it the sweep reports a violation")
      .option("--deepfake", "the use is a deepfake in the EU AI Act Article 50 sense (disclosed as such)")
      .action(run(async () => (await import("./cli/commands/decisions.js")).approveCommand)),
  );

  withExamples(
    command("revoke")
      .description("revoke an approval; the asset becomes temporary again")
      .argument("<file|sha256>")
      .requiredOption("--by <name>", "who revokes (required)")
      .requiredOption("--note <note>", "why (required)")
      .option("--sequence", "revoke every frame of the image sequence this file is a frame of")
      .action(run(async () => (await import("./cli/commands/decisions.js")).revokeCommand)),
  );

  withExamples(
    command("log")
      .description("the append-only event history, of everything or of one asset")
      .argument("[file|sha256]")
      .option("--limit <n>", "most recent N events", "200")
      .action(run(async () => (await import("./cli/commands/log.js")).logCommand)),
  );

  withExamples(
    command("verify")
      .description("check the history chain (events and approvals): exit 0 intact, 1 broken, with the row and what changed")
      .option("--export <file>", "verify a file written by `prov export-history` instead of the database")
      .option("--head <sha256>", "a head hash recorded earlier (a sweep report's): it must still be in the chain")
      .action(run(async () => (await import("./cli/commands/verify.js")).verifyCommand)),
  );

  withExamples(
    command("export-history")
      .description("write the history chain as JSON lines with its head hash, for an auditor")
      .option("--out <file>", "write to this file (whole or not at all) instead of stdout")
      .action(run(async () => (await import("./cli/commands/export-history.js")).exportHistoryCommand)),
  );

  const db = command("db").description("move a store's whole history between databases (a host's SQLite file into the facility's PostgreSQL)");
  withExamples(
    command("export", db)
      .description("write every row of the configured database's history to FILE (JSON lines, checksummed; never replaces a file)")
      .argument("<file>")
      .action(run(async () => {
        const { dbExportCommand } = await import("./cli/commands/db.js");
        return (c: Context, file: string) => dbExportCommand(c, file, version());
      })),
  );
  withExamples(
    command("import", db)
      .description("load an export into the configured database, which must hold no history yet; all or nothing, then the chain is verified")
      .argument("<file>")
      .action(run(async () => (await import("./cli/commands/db.js")).dbImportCommand)),
  );

  let signals = 0;
  withExamples(
    command("watch")
      .description("run the watcher and the deliverables gate until stopped (SIGINT/SIGTERM)")
      .option("--new-database", "start on a new, empty database although the quarantine was kept by another (deleted or lost); its records are not carried over")
      .option("--volume <name>", "watch only the roots on this configured volume, holding its lease (one watcher per volume, any number of volumes at once)")
      .action(run(async () => {
        const { watchCommand } = await import("./cli/commands/watch.js");
        return (c: Context, opts: { newDatabase?: boolean; volume?: string }) => watchCommand(c, version(), opts);
      })),
  );

  // Storage volumes (config `volumes`): src/cli/commands/volume.ts.
  const volume = command("volume").description("storage volumes: mark a volume's root, list the configured volumes");
  withExamples(
    command("init", volume)
      .description("mark PATH as the root of volume NAME (writes .prov-volume.json: its name and a random uuid)")
      .argument("<name>")
      .argument("<path>")
      .action(run(async () => (await import("./cli/commands/volume.js")).volumeInitCommand)),
  );
  withExamples(
    command("ls", volume)
      .description("the configured volumes: mounted, marker ok, filesystem type, roots on each")
      .action(run(async () => (await import("./cli/commands/volume.js")).volumeLsCommand)),
  );

  withExamples(
    command("status")
      .description("is the watcher running and ready; roots, modes, queue, counts")
      .action(run(async () => (await import("./cli/commands/status.js")).statusCommand)),
  );

  const quarantine = command("quarantine").description("what the gate moved out of deliverables");
  withExamples(
    command("ls", quarantine)
      .description("list quarantined files (and files blocked but still present)")
      .option("--all", "include released and rolled-back entries")
      .action(run(async () => (await import("./cli/commands/quarantine.js")).quarantineLsCommand)),
  );

  withExamples(
    command("release")
      .description("put a quarantined file back: when its asset is approved, or with --force and a note")
      .argument("<quarantine-id>")
      .option("--to <path>", "release to this path instead of the original one")
      .option("--parents", "with --to: create missing folders above the last one too")
      .requiredOption("--by <name>", "who releases (required)")
      .option("--note <note>", "why (required with --force)")
      .option("--force", "release even though the gate would block or hold it (recorded)")
      .action(run(async () => {
        const { releaseCommand } = await import("./cli/commands/quarantine.js");
        return (c: Context, id: string, opts: import("./cli/commands/quarantine.js").ReleaseOptions) => releaseCommand(c, id, opts, version());
      })),
  );

  // The review desk (src/cli/commands/desk.ts, src/desk/).
  const desk = withExamples(
    command("desk")
      .description("the review desk: a web page for supervisors (Now, Quarantine, Ask, Sweeps); prints a one-time sign-in link")
      .option("--listen <host:port>", "where to listen (default: desk.listen, 127.0.0.1:7420)")
      .action(run(async () => {
        const { deskCommand } = await import("./cli/commands/desk.js");
        return (c: Context, opts: { listen?: string }) => deskCommand(c, opts, version());
      })),
  );
  const deskUser = command("user", desk).description("the desk's local accounts");
  withExamples(
    command("add", deskUser)
      .description("add (or replace) a desk account; its password is read from standard input")
      .argument("<name>")
      .addOption(new Option("--role <role>", "what it may do").choices(["viewer", "approver", "admin"]).makeOptionMandatory())
      .action(run(async () => (await import("./cli/commands/desk.js")).deskUserAddCommand)),
  );

  // ASC MHL histories (src/cli/commands/mhl.ts); exit codes are ascmhl's (11-16).
  const mhl = command("mhl").description("check a folder against its ASC MHL history (`prov sweep --mhl` writes one)");
  const mhlCmd = (name: "verify" | "diff" | "info", description: string, fn: "mhlVerifyCommand" | "mhlDiffCommand" | "mhlInfoCommand"): Command => {
    const c = command(name, mhl).description(description).argument("<dir>");
    if (name !== "info") c.option("--ignore <patterns...>", "also ignore these patterns (gitignore style)");
    return withExamples(c.action(run(async () => (await import("./cli/commands/mhl.js"))[fn])));
  };
  mhlCmd("verify", "hash every file and compare with the history: changed 12, new 13, missing 15, history modified 16", "mhlVerifyCommand");
  mhlCmd("diff", "new and missing files (and size changes) since the history, without hashing or writing", "mhlDiffCommand");
  mhlCmd("info", "generations, creator info, hash formats and counts (-v: every file)", "mhlInfoCommand");

  const stop = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 1 && ctx?.deliverSignal(signal)) return; // `watch` drains and stops itself
    log.warn(`${signal}: stopping`);
    void (ctx?.close() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return ExitCode.usage;
    }
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; the message of a usage error was already printed.
      return err.exitCode === 0 || err.code === "commander.helpDisplayed" || err.code === "commander.version" ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof ProvError) {
      log.error(err.message);
      return exitCodeOf(err);
    }
    // A failing disk, a permission or a path that cannot be written is the user's to fix,
    // not a bug: the operating system's error, in words, and exit 2.
    const system = systemErrorMessage(err);
    if (system) {
      log.error(system);
      return ExitCode.usage;
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
