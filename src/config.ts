// prov.config.json: read once, validated with messages that name the file and the key,
// normalised into a complete internal object. Environment overrides are read here only.

import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import path from "node:path";
import type { FolderRule } from "./domain/folders.js";
import { ConfigError, errorMessage } from "./domain/errors.js";
import { isDatabaseUrl, redactDatabaseUrl, urlHasPassword } from "./domain/database-url.js";
import { MATCH_MAX, POSSIBLE_MAX } from "./domain/phash.js";
import { volumeNameProblem, type Volume } from "./domain/volumes.js";

export const CONFIG_FILE = "prov.config.json";

/** Media the scanner records by default: stills, raw, VFX plates, video, audio, sidecars. */
export const DEFAULT_EXTENSIONS = [
  // stills and raw
  "jpg", "jpeg", "jpe", "png", "tif", "tiff", "webp", "heic", "heif", "avif", "gif", "bmp", "jxl", "jp2", "j2k", "psd", "psb",
  "svg", "tga", "exr", "dpx", "cin", "hdr", "dng", "cr2", "cr3", "nef", "arw", "raf", "orf", "rw2", "pef", "srw", "x3f", "iiq",
  // video
  "mov", "mp4", "m4v", "mxf", "mkv", "webm", "avi", "mts", "m2ts", "mpg", "mpeg", "r3d", "braw", "ari", "3gp",
  // audio
  "wav", "bwf", "aif", "aiff", "aifc", "mp3", "m4a", "aac", "flac", "ogg", "opus", "caf", "wma",
  // metadata sidecars
  "xmp",
  // documents post delivers: storyboards, concept art, look books (C2PA signs PDFs)
  "pdf",
];

/** System and NAS litter, never media. */
export const DEFAULT_IGNORE = [
  "**/.DS_Store", "**/._*", "**/Thumbs.db", "**/desktop.ini", "**/.git/**", "**/.Trash*/**", "**/.Spotlight-V100/**",
  "**/.fseventsd/**", "**/@eaDir/**", "**/#recycle/**", "**/.AppleDouble/**", "**/.prov-*",
];

export const DEFAULT_FOLDER_RULES: FolderRule[] = [
  { pattern: "**/AI_TEMP/**", origin: "genai", note: "temporary GenAI working folder (studio convention)" },
];

export interface Config {
  /** Absolute path of the file read, or null when running on defaults. */
  file: string | null;
  /** A SQLite file (absolute path) or a PostgreSQL URL (postgres://USER@HOST:PORT/DB, never with a password). */
  database: string | null;
  /**
   * PostgreSQL: a file holding the password (readable only by its owner; config
   * databasePasswordFile or env PROV_DATABASE_PASSWORD_FILE), and TLS files (databaseTls).
   * Without a file, libpq's PGPASSWORD and PGPASSFILE (~/.pgpass) apply.
   */
  databasePasswordFile: string | null;
  databaseTls: { ca: string | null; cert: string | null; key: string | null } | null;
  folderRules: FolderRule[];
  scan: { extensions: string[] | "all"; ignore: string[] };
  exiftool: { maxProcs: number; mediaHashMaxBytes: number };
  /**
   * What one file may cost. metadataSeconds: ExifTool reading its metadata; decodeSeconds:
   * decoding it for a fingerprint (sharp, ffmpeg); maxTagBytes: the longest tag value
   * considered (characters; longer ones are cut). A file over a budget is recorded with
   * the reason ("over budget: …"), the gate holds it, and no other file waits for it.
   */
  budgets: { metadataSeconds: number; decodeSeconds: number; maxTagBytes: number };
  roots: { working: string[]; deliverables: string[]; quarantine: string | null };
  gate: { unknown: "allow" | "hold"; stableSeconds: number };
  watch: { polling: "auto" | "always" | "never"; pollIntervalSeconds: number; reconcileIntervalSeconds: number };
  /**
   * Perceptual fingerprints: made for new stills and videos at ingest; a deliverable within
   * matchDistance (bits of 64) of a temporary GenAI asset is blocked, within possibleDistance
   * it is reported for review.
   */
  fingerprint: { enabled: boolean; video: boolean; everySeconds: number; matchDistance: number; possibleDistance: number };
  /**
   * GenAI marks in the pixels of lossless stills (src/app/pixel-evidence.ts), read by scan
   * and sweep, never by the gate: stealth pnginfo and NovelAI's signed block (cheap), and
   * with watermark the imwatermark dwtDct pass (tens of ms an image).
   */
  pixelSignals: { enabled: boolean; watermark: boolean };
  /**
   * Who may make decisions (tag, approve, revoke, release): operating-system accounts and
   * groups. null (the default): any account that can write the database.
   */
  approvers: { accounts: string[]; groups: string[] } | null;
  /**
   * Notices from `prov watch` (a file blocked or held, a move stuck, an approval revoked, the
   * watcher down, the database refusing writes, a root unmounted), by up to three channels
   * (src/adapters/notify/). null: none configured.
   */
  notify: NotifyConfig | null;
  /**
   * C2PA manifests validated with c2pa-rs (src/adapters/c2pa/) by scan and sweep, never by the
   * gate. trust.anchors: PEM bundles (C2PA trust list, TSA list, interim CAI list, the
   * facility's own); none are built in, so with none every signer is "valid", never "trusted".
   */
  c2pa: { validate: boolean; trust: { anchors: string[] } };
  /**
   * What the sweep's reports say of the production and how they print (src/adapters/report/):
   * project, episode and reel on the HTML/PDF report; the lines a person signs; the paper
   * the HTML prints on and the PDF is made for; a UTF-8 BOM on CSV (Excel).
   */
  report: { project: string | null; episode: string | null; reel: string | null; signoff: string[]; paper: "a4" | "letter"; csvBom: boolean };
  /**
   * Storage volumes and where this host mounts them (`{ "EDIT-A": { "mount": "/mnt/edit-a" } }`):
   * locations on a volume are stored as volume + path within it (src/app/volume-paths.ts), and
   * `prov watch --volume NAME` watches only the roots on it. Empty: paths are stored as they are.
   */
  volumes: Volume[];
  /**
   * The review desk (prov desk): where it listens, its accounts file (scrypt hashes), its
   * data folder (uploaded approval documents by SHA-256), and a trusted reverse proxy's
   * user header with the proxy addresses it is believed from. null paths: beside the config.
   */
  desk: { listen: string; accounts: string | null; data: string | null; trustedHeader: string | null; trustedProxies: string[] };
}

export interface NotifyConfig {
  /** The command hook: a program and its arguments (no shell), one JSON notice on its standard input. */
  command: string[] | null;
  /** POST of the JSON envelope, HMAC-signed with the key in secretFile (read by `prov watch`, owner-only). */
  webhook: { url: string; secretFile: string; headers: Record<string, string>; timeoutSeconds: number } | null;
  /** Plain-text mail; the password (if any) in passwordFile (owner-only). */
  /** `ca`: a PEM file of the CA(s) the relay's certificate must chain to (a facility's own CA); null: the system's. */
  smtp: { host: string; port: number; secure: boolean; starttls: boolean; from: string; to: string[]; user: string | null; passwordFile: string | null; ca: string | null; timeoutSeconds: number } | null;
  /** For the webhook and mail (the command hook is never retried): tries in all, the first wait, the longest wait. */
  retry: { attempts: number; firstDelaySeconds: number; maxDelaySeconds: number };
  /** Notices waiting per channel beyond this are dropped, oldest first, and counted. */
  queueSize: number;
}

/** Headers the webhook sets itself (or HTTP does): a configured one of these is refused. */
const RESERVED_HEADERS = ["host", "content-type", "content-length", "transfer-encoding", "connection", "x-prov-signature", "x-prov-delivery", "x-prov-event"];

export function defaultConfig(): Config {
  return {
    file: null,
    database: null,
    databasePasswordFile: null,
    databaseTls: null,
    folderRules: DEFAULT_FOLDER_RULES.map((r) => ({ ...r })),
    scan: { extensions: [...DEFAULT_EXTENSIONS], ignore: [...DEFAULT_IGNORE] },
    exiftool: { maxProcs: 2, mediaHashMaxBytes: 0.25 * 1024 ** 3 },
    budgets: { metadataSeconds: 60, decodeSeconds: 60, maxTagBytes: 4 * 1024 ** 2 },
    roots: { working: [], deliverables: [], quarantine: null },
    gate: { unknown: "allow", stableSeconds: 2 },
    watch: { polling: "auto", pollIntervalSeconds: 5, reconcileIntervalSeconds: 900 },
    fingerprint: { enabled: true, video: true, everySeconds: 2, matchDistance: MATCH_MAX, possibleDistance: POSSIBLE_MAX },
    pixelSignals: { enabled: true, watermark: true },
    approvers: null,
    notify: null,
    c2pa: { validate: true, trust: { anchors: [] } },
    report: { project: null, episode: null, reel: null, signoff: [], paper: "a4", csvBom: false },
    volumes: [],
    desk: { listen: "127.0.0.1:7420", accounts: null, data: null, trustedHeader: null, trustedProxies: [] },
  };
}

/** What `prov init` writes: the defaults, spelled out so a facility can edit them. */
export function initialConfigJson(database: string, roots?: Config["roots"]): Record<string, unknown> {
  const d = defaultConfig();
  return {
    database,
    roots: roots ?? d.roots,
    gate: d.gate,
    watch: d.watch,
    fingerprint: d.fingerprint,
    pixelSignals: d.pixelSignals,
    folderRules: d.folderRules,
    scan: { extensions: d.scan.extensions, ignore: d.scan.ignore },
    exiftool: { maxProcs: d.exiftool.maxProcs, mediaHashMaxGiB: d.exiftool.mediaHashMaxBytes / 1024 ** 3 },
    budgets: d.budgets,
  };
}

type Json = Record<string, unknown>;

class Checker {
  constructor(private readonly file: string) {}
  fail(key: string, msg: string): never {
    throw new ConfigError(`${this.file}: ${key}: ${msg}`);
  }
  object(v: unknown, key: string): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(key, "must be an object");
    return v as Json;
  }
  keys(o: Json, key: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.fail(key ? `${key}.${k}` : k, `unknown key (allowed: ${allowed.join(", ")})`);
    }
  }
  string(v: unknown, key: string): string {
    if (typeof v !== "string" || v.length === 0) this.fail(key, "must be a non-empty string");
    return v;
  }
  number(v: unknown, key: string, min: number, max: number): number {
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) this.fail(key, `must be a number from ${min} to ${max}`);
    return v;
  }
  strings(v: unknown, key: string): string[] {
    if (!Array.isArray(v)) this.fail(key, "must be an array of strings");
    return v.map((x, i) => this.string(x, `${key}[${i}]`));
  }
}

export interface LoadOptions {
  /** --config */
  configPath?: string | undefined;
  /** --db */
  dbPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Find and read the config (--config, PROV_CONFIG, ./prov.config.json), then apply --db / PROV_DB. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.configPath ?? env["PROV_CONFIG"];
  const file = explicit ? path.resolve(cwd, explicit) : path.join(cwd, CONFIG_FILE);
  let config = defaultConfig();
  if (existsSync(file)) config = parseConfig(file, readText(file));
  else if (explicit) throw new ConfigError(`config file ${file} does not exist (run \`prov init\` to write one)`);

  if (opts.dbPath !== undefined) refusePasswordOnCommandLine(opts.dbPath);
  const db = opts.dbPath ?? env["PROV_DATABASE_URL"] ?? env["PROV_DB"];
  if (db) config.database = isDatabaseUrl(db) ? db : path.resolve(cwd, db);
  config.databasePasswordFile = envPasswordFile(env, cwd) ?? config.databasePasswordFile;
  return config;
}

/** PROV_DATABASE_PASSWORD_FILE, resolved (it wins over the config's databasePasswordFile). */
export function envPasswordFile(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const f = env["PROV_DATABASE_PASSWORD_FILE"];
  return f ? path.resolve(cwd, f) : null;
}

/** A password typed on the command line is in the shell's history and every `ps`: refused. */
export function refusePasswordOnCommandLine(db: string): void {
  if (isDatabaseUrl(db) && urlHasPassword(db)) {
    throw new ConfigError(
      `refusing --db ${redactDatabaseUrl(db)}: a database password on the command line is visible to every user (ps, shell history). ` +
        `Give it in PGPASSWORD or a PGPASSFILE (~/.pgpass), or in a file readable only by you named by PROV_DATABASE_PASSWORD_FILE or the config's databasePasswordFile`,
    );
  }
}

/** The database as prov shows it: a path as it is, a URL without its password. */
export function databaseShown(database: string): string {
  return isDatabaseUrl(database) ? redactDatabaseUrl(database) : database;
}

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Where `prov init` writes: --config, PROV_CONFIG or ./prov.config.json; the database from --db or PROV_DB, if given. */
export function initTargets(opts: LoadOptions = {}): { configFile: string; database: string | undefined } {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  if (opts.dbPath !== undefined) refusePasswordOnCommandLine(opts.dbPath);
  return { configFile: path.resolve(cwd, opts.configPath ?? env["PROV_CONFIG"] ?? CONFIG_FILE), database: opts.dbPath ?? env["PROV_DATABASE_URL"] ?? env["PROV_DB"] };
}

/**
 * What `prov watch` needs of the roots, checked before anything starts: they exist, the
 * quarantine is outside every watched root (or the gate would judge its own moves), and
 * the database is not inside a root.
 */
export function validateRoots(config: Config): void {
  const where = config.file ?? "the configuration";
  const { working, deliverables, quarantine } = config.roots;
  if (deliverables.length === 0 && working.length === 0) throw new ConfigError(`${where}: roots: name at least one working or deliverables folder (prov init --working DIR --deliverables DIR --quarantine DIR)`);
  if (deliverables.length > 0 && !quarantine) throw new ConfigError(`${where}: roots.quarantine: a deliverables root needs a quarantine folder`);
  for (const [key, list] of [["roots.working", working], ["roots.deliverables", deliverables], ["roots.quarantine", quarantine ? [quarantine] : []]] as const) {
    for (const dir of list) {
      let ok = false;
      try {
        ok = statSync(dir).isDirectory();
      } catch {
        ok = false;
      }
      if (!ok) throw new ConfigError(`${where}: ${key}: ${dir} is not an existing folder (is the share mounted?)`);
    }
  }
  // Overlaps are checked on real paths too: a quarantine that is a symbolic link into a
  // deliverables root (or a root reached through a link) passes a lexical check and would
  // make the gate quarantine its own quarantine.
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      // The database file may not exist yet: its folder's real path, then its name.
      try {
        return path.join(realpathSync(path.dirname(p)), path.basename(p));
      } catch {
        return p;
      }
    }
  };
  const shown = (p: string): string => {
    const r = real(p);
    return r === p ? p : `${p} (really ${r})`;
  };
  const overlaps = (child: string, parent: string): boolean => inside(child, parent) || inside(real(child), real(parent));
  if (quarantine) {
    for (const root of [...working, ...deliverables]) {
      if (overlaps(quarantine, root)) throw new ConfigError(`${where}: roots.quarantine ${shown(quarantine)} is inside the watched root ${shown(root)}; put it outside every watched root`);
      if (overlaps(root, quarantine)) throw new ConfigError(`${where}: the watched root ${shown(root)} is inside the quarantine ${shown(quarantine)}`);
    }
  }
  for (const d of deliverables) {
    for (const other of deliverables) {
      if (d !== other && overlaps(d, other)) throw new ConfigError(`${where}: deliverables roots overlap: ${shown(d)} is inside ${shown(other)}`);
    }
  }
  if (config.database && !isDatabaseUrl(config.database)) {
    for (const root of [...working, ...deliverables]) {
      if (overlaps(config.database, root)) throw new ConfigError(`${where}: the database ${shown(config.database)} is inside the watched root ${shown(root)}; keep it outside`);
    }
  }
}

function parseNotify(c: Checker, file: string, dir: string, raw: unknown): NotifyConfig | null {
  const n = c.object(raw, "notify");
  c.keys(n, "notify", ["command", "webhook", "smtp", "retry", "queueSize"]);
  const out: NotifyConfig = { command: null, webhook: null, smtp: null, retry: { attempts: 8, firstDelaySeconds: 1, maxDelaySeconds: 300 }, queueSize: 1000 };
  const bool = (v: unknown, key: string): boolean => (typeof v === "boolean" ? v : c.fail(key, "must be true or false"));
  const address = (v: unknown, key: string): string => {
    const a = c.string(v, key);
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(a) && !/^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(a)) c.fail(key, `${JSON.stringify(a)} is not a mail address (name@example.com, or "Name <name@example.com>")`);
    return a;
  };
  if (n["command"] !== undefined) {
    const cmd = n["command"];
    const argv = typeof cmd === "string" ? [cmd] : c.strings(cmd, "notify.command");
    if (argv.length === 0 || argv[0] === "") c.fail("notify.command", "name the program to run (a path, or [program, arguments...])");
    // A program named by a relative path is found from the configuration's folder.
    const program = argv[0]!.includes("/") ? path.resolve(dir, argv[0]!) : argv[0]!;
    out.command = [program, ...argv.slice(1)];
  }
  if (n["webhook"] !== undefined) {
    const w = c.object(n["webhook"], "notify.webhook");
    c.keys(w, "notify.webhook", ["url", "secretFile", "headers", "timeoutSeconds"]);
    const url = c.string(w["url"], "notify.webhook.url");
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return c.fail("notify.webhook.url", "is not a URL (https://host/path)");
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") c.fail("notify.webhook.url", `must be an http or https URL, not ${u.protocol}`);
    if (w["secretFile"] === undefined) c.fail("notify.webhook.secretFile", "name the file holding the HMAC key the notices are signed with (readable only by its owner)");
    const secretFile = path.resolve(dir, c.string(w["secretFile"], "notify.webhook.secretFile"));
    const headers: Record<string, string> = {};
    if (w["headers"] !== undefined) {
      const h = c.object(w["headers"], "notify.webhook.headers");
      for (const [k, v] of Object.entries(h)) {
        const key = `notify.webhook.headers.${k}`;
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) c.fail(key, "is not a header name");
        if (RESERVED_HEADERS.includes(k.toLowerCase())) c.fail(key, "is set by prov itself");
        const value = c.string(v, key);
        if (/[\r\n\0]/.test(value)) c.fail(key, "must be one line");
        headers[k] = value;
      }
    }
    const timeoutSeconds = w["timeoutSeconds"] !== undefined ? c.number(w["timeoutSeconds"], "notify.webhook.timeoutSeconds", 0.1, 600) : 10;
    out.webhook = { url, secretFile, headers, timeoutSeconds };
  }
  if (n["smtp"] !== undefined) {
    const m = c.object(n["smtp"], "notify.smtp");
    c.keys(m, "notify.smtp", ["host", "port", "secure", "starttls", "from", "to", "user", "passwordFile", "ca", "timeoutSeconds"]);
    const host = c.string(m["host"], "notify.smtp.host");
    const port0 = m["port"] !== undefined ? c.number(m["port"], "notify.smtp.port", 1, 65535) : null;
    if (port0 !== null && !Number.isInteger(port0)) c.fail("notify.smtp.port", "must be a whole number");
    const secure = m["secure"] !== undefined ? bool(m["secure"], "notify.smtp.secure") : port0 === 465;
    const port = port0 ?? (secure ? 465 : 587);
    const starttls = m["starttls"] !== undefined ? bool(m["starttls"], "notify.smtp.starttls") : true;
    if (m["from"] === undefined) c.fail("notify.smtp.from", "name the sender (prov@example.com)");
    const from = address(m["from"], "notify.smtp.from");
    if (m["to"] === undefined) c.fail("notify.smtp.to", "name at least one recipient");
    const to = typeof m["to"] === "string" ? [address(m["to"], "notify.smtp.to")] : c.strings(m["to"], "notify.smtp.to").map((a, i) => address(a, `notify.smtp.to[${i}]`));
    if (to.length === 0) c.fail("notify.smtp.to", "name at least one recipient");
    const user = m["user"] !== undefined ? c.string(m["user"], "notify.smtp.user") : null;
    const passwordFile = m["passwordFile"] !== undefined ? path.resolve(dir, c.string(m["passwordFile"], "notify.smtp.passwordFile")) : null;
    if (user !== null && passwordFile === null) c.fail("notify.smtp.passwordFile", "name the file holding the password of notify.smtp.user (readable only by its owner)");
    if (user === null && passwordFile !== null) c.fail("notify.smtp.user", "name the account the password in notify.smtp.passwordFile is for");
    const timeoutSeconds = m["timeoutSeconds"] !== undefined ? c.number(m["timeoutSeconds"], "notify.smtp.timeoutSeconds", 1, 600) : 30;
    const ca = m["ca"] !== undefined ? path.resolve(dir, c.string(m["ca"], "notify.smtp.ca")) : null;
    if (ca !== null && !secure && !starttls) c.fail("notify.smtp.ca", "is only used over TLS: set notify.smtp.starttls (or secure) to true, or remove ca");
    out.smtp = { host, port, secure, starttls, from, to, user, passwordFile, ca, timeoutSeconds };
  }
  if (n["retry"] !== undefined) {
    const r = c.object(n["retry"], "notify.retry");
    c.keys(r, "notify.retry", ["attempts", "firstDelaySeconds", "maxDelaySeconds"]);
    if (r["attempts"] !== undefined) out.retry.attempts = Math.round(c.number(r["attempts"], "notify.retry.attempts", 1, 30));
    if (r["firstDelaySeconds"] !== undefined) out.retry.firstDelaySeconds = c.number(r["firstDelaySeconds"], "notify.retry.firstDelaySeconds", 0.05, 3600);
    if (r["maxDelaySeconds"] !== undefined) out.retry.maxDelaySeconds = c.number(r["maxDelaySeconds"], "notify.retry.maxDelaySeconds", 0.05, 86400);
    if (out.retry.maxDelaySeconds < out.retry.firstDelaySeconds) c.fail("notify.retry.maxDelaySeconds", `must not be less than notify.retry.firstDelaySeconds (${out.retry.firstDelaySeconds})`);
  }
  if (n["queueSize"] !== undefined) out.queueSize = Math.round(c.number(n["queueSize"], "notify.queueSize", 1, 100_000));
  return out.command || out.webhook || out.smtp ? out : null;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${errorMessage(err)}`);
  }
}

export function parseConfig(file: string, text: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON: ${errorMessage(err)}`);
  }
  const c = new Checker(file);
  const o = c.object(raw, "(top level)");
  c.keys(o, "", ["$schema", "database", "databasePasswordFile", "databaseTls", "folderRules", "scan", "exiftool", "budgets", "roots", "gate", "watch", "fingerprint", "pixelSignals", "approvers", "c2pa", "notify", "report", "volumes", "desk"]);
  const config = defaultConfig();
  config.file = file;
  const dir = path.dirname(file);

  if (o["database"] !== undefined) {
    const db = c.string(o["database"], "database");
    if (isDatabaseUrl(db)) {
      // A config file is read by many: the password goes in a file of its own, or the environment.
      if (urlHasPassword(db)) c.fail("database", `${redactDatabaseUrl(db)} carries a password; keep it out of the config: name a file readable only by its owner in databasePasswordFile (or PROV_DATABASE_PASSWORD_FILE), or use PGPASSWORD / PGPASSFILE`);
      config.database = db;
    } else config.database = path.resolve(dir, db);
  }
  if (o["databasePasswordFile"] !== undefined) config.databasePasswordFile = path.resolve(dir, c.string(o["databasePasswordFile"], "databasePasswordFile"));
  if (o["databaseTls"] !== undefined) {
    const t = c.object(o["databaseTls"], "databaseTls");
    c.keys(t, "databaseTls", ["ca", "cert", "key"]);
    const file = (k: "ca" | "cert" | "key"): string | null => (t[k] === undefined ? null : path.resolve(dir, c.string(t[k], `databaseTls.${k}`)));
    config.databaseTls = { ca: file("ca"), cert: file("cert"), key: file("key") };
    if ((config.databaseTls.cert === null) !== (config.databaseTls.key === null)) c.fail("databaseTls", "a client certificate (cert) needs its key (key), and a key its certificate");
  }
  if (o["folderRules"] !== undefined) {
    if (!Array.isArray(o["folderRules"])) c.fail("folderRules", "must be an array of {pattern, origin, note}");
    config.folderRules = (o["folderRules"] as unknown[]).map((r, i) => {
      const key = `folderRules[${i}]`;
      const rule = c.object(r, key);
      c.keys(rule, key, ["pattern", "origin", "note"]);
      const origin = rule["origin"] === undefined ? "genai" : c.string(rule["origin"], `${key}.origin`);
      if (origin !== "genai" && origin !== "genai-edited" && origin !== "possibly-genai") {
        return c.fail(`${key}.origin`, "must be genai, genai-edited or possibly-genai");
      }
      const out: FolderRule = { pattern: c.string(rule["pattern"], `${key}.pattern`), origin };
      if (rule["note"] !== undefined) out.note = c.string(rule["note"], `${key}.note`);
      return out;
    });
  }
  if (o["scan"] !== undefined) {
    const s = c.object(o["scan"], "scan");
    c.keys(s, "scan", ["extensions", "ignore"]);
    if (s["extensions"] !== undefined) {
      config.scan.extensions =
        s["extensions"] === "all" ? "all" : c.strings(s["extensions"], "scan.extensions").map((e) => e.replace(/^\./, "").toLowerCase());
    }
    if (s["ignore"] !== undefined) config.scan.ignore = c.strings(s["ignore"], "scan.ignore");
  }
  if (o["exiftool"] !== undefined) {
    const e = c.object(o["exiftool"], "exiftool");
    c.keys(e, "exiftool", ["timeoutSeconds", "maxProcs", "mediaHashMaxGiB"]);
    // The older name of budgets.metadataSeconds (which wins when both are given).
    if (e["timeoutSeconds"] !== undefined) config.budgets.metadataSeconds = c.number(e["timeoutSeconds"], "exiftool.timeoutSeconds", 1, 3600);
    if (e["maxProcs"] !== undefined) config.exiftool.maxProcs = Math.round(c.number(e["maxProcs"], "exiftool.maxProcs", 1, 64));
    if (e["mediaHashMaxGiB"] !== undefined) {
      config.exiftool.mediaHashMaxBytes = c.number(e["mediaHashMaxGiB"], "exiftool.mediaHashMaxGiB", 0, 1024) * 1024 ** 3;
    }
  }
  if (o["c2pa"] !== undefined) {
    const v = c.object(o["c2pa"], "c2pa");
    c.keys(v, "c2pa", ["validate", "trust"]);
    const validate = v["validate"];
    if (validate !== undefined) {
      if (typeof validate === "boolean") config.c2pa.validate = validate;
      else c.fail("c2pa.validate", "must be true or false");
    }
    if (v["trust"] !== undefined) {
      const t = c.object(v["trust"], "c2pa.trust");
      c.keys(t, "c2pa.trust", ["anchors"]);
      if (t["anchors"] !== undefined) config.c2pa.trust.anchors = c.strings(t["anchors"], "c2pa.trust.anchors").map((p) => path.resolve(dir, p));
    }
  }
  if (o["notify"] !== undefined) config.notify = parseNotify(c, file, dir, o["notify"]);
  if (o["report"] !== undefined) {
    const r = c.object(o["report"], "report");
    c.keys(r, "report", ["project", "episode", "reel", "signoff", "paper", "csvBom"]);
    for (const k of ["project", "episode", "reel"] as const) if (r[k] !== undefined && r[k] !== null) config.report[k] = c.string(r[k], `report.${k}`);
    if (r["signoff"] !== undefined) config.report.signoff = c.strings(r["signoff"], "report.signoff");
    if (r["paper"] !== undefined) {
      const p = c.string(r["paper"], "report.paper").toLowerCase();
      if (p !== "a4" && p !== "letter") return c.fail("report.paper", 'must be "a4" or "letter"');
      config.report.paper = p;
    }
    if (r["csvBom"] !== undefined) {
      if (typeof r["csvBom"] !== "boolean") return c.fail("report.csvBom", "must be true or false");
      config.report.csvBom = r["csvBom"];
    }
  }
  if (o["desk"] !== undefined) {
    const k = c.object(o["desk"], "desk");
    c.keys(k, "desk", ["listen", "accounts", "data", "trustedHeader", "trustedProxies"]);
    if (k["listen"] !== undefined) config.desk.listen = c.string(k["listen"], "desk.listen");
    if (k["accounts"] !== undefined) config.desk.accounts = path.resolve(dir, c.string(k["accounts"], "desk.accounts"));
    if (k["data"] !== undefined) config.desk.data = path.resolve(dir, c.string(k["data"], "desk.data"));
    if (k["trustedHeader"] !== undefined) config.desk.trustedHeader = c.string(k["trustedHeader"], "desk.trustedHeader").toLowerCase();
    if (k["trustedProxies"] !== undefined) config.desk.trustedProxies = c.strings(k["trustedProxies"], "desk.trustedProxies");
    if (config.desk.trustedHeader && config.desk.trustedProxies.length === 0) c.fail("desk.trustedProxies", "desk.trustedHeader needs the proxy addresses it is believed from");
  }
  if (o["approvers"] !== undefined) {
    const a = c.object(o["approvers"], "approvers");
    c.keys(a, "approvers", ["accounts", "groups"]);
    const accounts = a["accounts"] !== undefined ? c.strings(a["accounts"], "approvers.accounts") : [];
    const groups = a["groups"] !== undefined ? c.strings(a["groups"], "approvers.groups") : [];
    config.approvers = { accounts, groups };
  }
  if (o["budgets"] !== undefined) {
    const b = c.object(o["budgets"], "budgets");
    c.keys(b, "budgets", ["metadataSeconds", "decodeSeconds", "maxTagBytes"]);
    if (b["metadataSeconds"] !== undefined) config.budgets.metadataSeconds = c.number(b["metadataSeconds"], "budgets.metadataSeconds", 0.5, 3600);
    if (b["decodeSeconds"] !== undefined) config.budgets.decodeSeconds = c.number(b["decodeSeconds"], "budgets.decodeSeconds", 0.5, 3600);
    if (b["maxTagBytes"] !== undefined) config.budgets.maxTagBytes = Math.round(c.number(b["maxTagBytes"], "budgets.maxTagBytes", 1024, 256 * 1024 ** 2));
  }
  if (o["roots"] !== undefined) {
    const r = c.object(o["roots"], "roots");
    c.keys(r, "roots", ["working", "deliverables", "quarantine"]);
    if (r["working"] !== undefined) config.roots.working = c.strings(r["working"], "roots.working").map((p) => path.resolve(dir, p));
    if (r["deliverables"] !== undefined) config.roots.deliverables = c.strings(r["deliverables"], "roots.deliverables").map((p) => path.resolve(dir, p));
    if (r["quarantine"] !== undefined && r["quarantine"] !== null) config.roots.quarantine = path.resolve(dir, c.string(r["quarantine"], "roots.quarantine"));
  }
  if (o["gate"] !== undefined) {
    const g = c.object(o["gate"], "gate");
    c.keys(g, "gate", ["unknown", "stableSeconds"]);
    if (g["unknown"] !== undefined) {
      const u = c.string(g["unknown"], "gate.unknown");
      if (u !== "allow" && u !== "hold") return c.fail("gate.unknown", 'must be "allow" or "hold"');
      config.gate.unknown = u;
    }
    if (g["stableSeconds"] !== undefined) config.gate.stableSeconds = c.number(g["stableSeconds"], "gate.stableSeconds", 0, 600);
  }
  if (o["watch"] !== undefined) {
    const w = c.object(o["watch"], "watch");
    c.keys(w, "watch", ["polling", "pollIntervalSeconds", "reconcileIntervalSeconds"]);
    if (w["polling"] !== undefined) {
      const p = c.string(w["polling"], "watch.polling");
      if (p !== "auto" && p !== "always" && p !== "never") return c.fail("watch.polling", 'must be "auto", "always" or "never"');
      config.watch.polling = p;
    }
    if (w["pollIntervalSeconds"] !== undefined) config.watch.pollIntervalSeconds = c.number(w["pollIntervalSeconds"], "watch.pollIntervalSeconds", 0.05, 3600);
    if (w["reconcileIntervalSeconds"] !== undefined) {
      config.watch.reconcileIntervalSeconds = c.number(w["reconcileIntervalSeconds"], "watch.reconcileIntervalSeconds", 1, 7 * 86400);
    }
  }
  if (o["fingerprint"] !== undefined) {
    const f = c.object(o["fingerprint"], "fingerprint");
    c.keys(f, "fingerprint", ["enabled", "video", "everySeconds", "matchDistance", "possibleDistance"]);
    for (const k of ["enabled", "video"] as const) {
      if (f[k] === undefined) continue;
      const v = f[k];
      if (typeof v !== "boolean") return c.fail(`fingerprint.${k}`, "must be true or false");
      config.fingerprint[k] = v;
    }
    if (f["everySeconds"] !== undefined) config.fingerprint.everySeconds = c.number(f["everySeconds"], "fingerprint.everySeconds", 0.1, 3600);
    if (f["matchDistance"] !== undefined) config.fingerprint.matchDistance = Math.round(c.number(f["matchDistance"], "fingerprint.matchDistance", 0, 24));
    if (f["possibleDistance"] !== undefined) config.fingerprint.possibleDistance = Math.round(c.number(f["possibleDistance"], "fingerprint.possibleDistance", 0, 24));
    if (config.fingerprint.possibleDistance < config.fingerprint.matchDistance) {
      c.fail("fingerprint.possibleDistance", `must be at least fingerprint.matchDistance (${config.fingerprint.matchDistance})`);
    }
  }
  if (o["volumes"] !== undefined) config.volumes = parseVolumes(c, c.object(o["volumes"], "volumes"), dir);
  if (o["pixelSignals"] !== undefined) {
    const ps = c.object(o["pixelSignals"], "pixelSignals");
    c.keys(ps, "pixelSignals", ["enabled", "watermark"]);
    for (const k of ["enabled", "watermark"] as const) {
      if (ps[k] === undefined) continue;
      const v = ps[k];
      if (typeof v !== "boolean") return c.fail(`pixelSignals.${k}`, "must be true or false");
      config.pixelSignals[k] = v;
    }
  }
  return config;
}

function parseVolumes(c: Checker, v: Json, dir: string): Volume[] {
  const out: Volume[] = [];
  for (const [name, spec] of Object.entries(v)) {
    const key = `volumes.${name}`;
    const problem = volumeNameProblem(name);
    if (problem) c.fail(key, problem);
    const o = c.object(spec, key);
    c.keys(o, key, ["mount"]);
    const mount = path.resolve(dir, c.string(o["mount"], `${key}.mount`));
    if (mount === "/") c.fail(`${key}.mount`, "a volume cannot be mounted at /");
    const other = out.find((x) => x.mount === mount || inside(mount, x.mount) || inside(x.mount, mount));
    if (other) c.fail(`${key}.mount`, `${mount} overlaps volume ${other.name} (${other.mount}); each volume has its own mount point`);
    out.push({ name, mount });
  }
  return out;
}

/** The operating-system account running prov (the default `--by` of a tag): $USER, else the account name. */
export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return env["USER"] ?? userInfo().username;
  } catch {
    return "unknown";
  }
}

// ------------------------------------------------------------------ the environment
// Every environment variable prov reads is read here (prov.config.json and the flags
// above, and these): nowhere else.

/** Where helper programs are looked for, and the overrides for ffmpeg and ffprobe. */
export interface ToolEnv {
  PATH?: string | undefined;
  PATHEXT?: string | undefined;
  PROV_FFMPEG?: string | undefined;
  PROV_FFPROBE?: string | undefined;
  /** The Chromium that prints `prov sweep --format pdf` (default /usr/bin/chromium, else chromium on PATH). */
  PROV_CHROMIUM?: string | undefined;
}

export function toolEnv(env: NodeJS.ProcessEnv = process.env): ToolEnv {
  return { PATH: env["PATH"], PATHEXT: env["PATHEXT"], PROV_FFMPEG: env["PROV_FFMPEG"], PROV_FFPROBE: env["PROV_FFPROBE"], PROV_CHROMIUM: env["PROV_CHROMIUM"] };
}

/** Test hook (the crash tests): the step of a quarantine move at which the process kills itself. */
export function failpointName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env["PROV_FAILPOINT"];
}

/** systemd's notify socket and watchdog interval (Type=notify units), when prov runs under systemd. */
export function systemdEnv(env: NodeJS.ProcessEnv = process.env): { notifySocket: string | undefined; watchdogUsec: number | undefined } {
  const usec = env["WATCHDOG_USEC"] ? Number(env["WATCHDOG_USEC"]) : NaN;
  const pid = env["WATCHDOG_PID"] ? Number(env["WATCHDOG_PID"]) : NaN;
  // WATCHDOG_PID names the process the watchdog is meant for; another's is not ours to feed.
  const ours = Number.isNaN(pid) || pid === process.pid;
  return { notifySocket: env["NOTIFY_SOCKET"] || undefined, watchdogUsec: Number.isFinite(usec) && usec > 0 && ours ? usec : undefined };
}
