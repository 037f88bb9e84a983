// Data goes to stdout (JSON with --json, text otherwise); logs and progress to stderr.

import { jsonDocument, jsonList, type JsonKind, type JsonPayload } from "../domain/json-document.js";

/**
 * A command's answer as one JSON document (src/domain/json-document.ts): `schemaVersion`,
 * `kind`, then the object's fields; a list goes under `items`. The only way a command
 * prints JSON, so every document carries the envelope.
 */
export function printJson<P extends JsonPayload>(kind: JsonKind, value: readonly unknown[] | P): void {
  const doc = isList(value) ? jsonList(kind, value) : jsonDocument(kind, value);
  process.stdout.write(JSON.stringify(doc, null, 2) + "\n");
}

const isList = <P>(v: readonly unknown[] | P): v is readonly unknown[] => Array.isArray(v);

export function println(line = ""): void {
  process.stdout.write(line + "\n");
}

/** Paths may hold newlines or control characters: show them escaped, never raw, in text output. */
export function showPath(p: string): string {
  return /[\x00-\x1f\x7f]/.test(p) ? JSON.stringify(p) : p;
}

export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")).join("\n");
}

export function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} ${units[u]}` : `${v.toFixed(1)} ${units[u]}`;
}

/** A one-line progress display on a terminal's stderr; silent when not a TTY. */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;
  constructor(enabled: boolean) {
    this.enabled = enabled && process.stderr.isTTY === true;
  }
  /** Whether anything is shown: callers skip building the text when not. */
  get active(): boolean {
    return this.enabled;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const width = termWidth();
    process.stderr.write("\r" + text.slice(0, width).padEnd(width));
  }
  done(): void {
    if (this.enabled && this.last > 0) process.stderr.write("\r" + " ".repeat(termWidth()) + "\r");
  }
}

/** Usable width of the terminal on stderr; some report 0 columns (script, serial consoles). */
function termWidth(): number {
  return Math.max((process.stderr.columns || 80) - 1, 10);
}

/** "1,234/5,000 files, 12/s, about 5 min left" (total unknown yet: "1,234 files, 12/s"). */
export function progressCount(done: number, total: number | null, startedMs: number, nowMs = Date.now()): string {
  const seconds = Math.max((nowMs - startedMs) / 1000, 0.001);
  const rate = done / seconds;
  if (total === null || total < done) return `${done.toLocaleString("en-US")} files, ${rate.toFixed(0)}/s`;
  const left = rate > 0 ? (total - done) / rate : Infinity;
  return `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} files, ${rate.toFixed(0)}/s, ${remaining(left)}`;
}

function remaining(seconds: number): string {
  if (!Number.isFinite(seconds)) return "time left unknown";
  if (seconds < 1) return "almost done";
  if (seconds < 60) return `about ${Math.ceil(seconds)} s left`;
  const min = Math.floor(seconds / 60);
  if (min < 60) return `about ${min} min ${Math.round(seconds - min * 60)} s left`;
  return `about ${Math.floor(min / 60)} h ${min % 60} min left`;
}
