// Logs go to stderr, data to stdout. Text for people, JSON lines for log collectors.

export type LogLevel = "error" | "warn" | "info" | "debug";
const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface LoggerOptions {
  level: LogLevel;
  format: "text" | "json";
  stream?: NodeJS.WritableStream;
}

export class Logger {
  private level: LogLevel;
  private format: "text" | "json";
  private stream: NodeJS.WritableStream;

  constructor(opts: LoggerOptions) {
    this.level = opts.level;
    this.format = opts.format;
    this.stream = opts.stream ?? process.stderr;
  }

  configure(opts: Partial<LoggerOptions>): void {
    if (opts.level) this.level = opts.level;
    if (opts.format) this.format = opts.format;
    if (opts.stream) this.stream = opts.stream;
  }

  enabled(level: LogLevel): boolean {
    return rank[level] <= rank[this.level];
  }

  error(msg: string, fields?: Record<string, unknown>): void {
    this.write("error", msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.write("warn", msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.write("info", msg, fields);
  }
  debug(msg: string, fields?: Record<string, unknown>): void {
    this.write("debug", msg, fields);
  }

  private write(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level)) return;
    if (this.format === "json") {
      this.stream.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
      return;
    }
    const prefix = level === "info" ? "" : `${level}: `;
    const extra = fields && Object.keys(fields).length > 0 ? " " + formatFields(fields) : "";
    // One event, one line: a file name with a newline must not forge a second log line.
    this.stream.write(`prov: ${prefix}${escapeControls(msg)}${extra}\n`);
  }
}

/** Control characters shown as escapes (\\n, \\x1b), so text logs stay one line per event and free of terminal codes. */
export function escapeControls(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v)}`)
    .join(" ");
}

/** The process-wide logger; the CLI configures it from -q/-v/--log-format. */
export const log = new Logger({ level: "info", format: "text" });
