// What a notice says, in one envelope every channel carries (the webhook's body, the command
// hook's standard input, the mail's text): pure, no I/O.

import { JSON_DOCUMENTS } from "../../domain/json-document.js";

export type NoticeKind =
  | "blocked"
  | "held"
  | "stuck"
  | "revoked"
  | "watcher-down"
  | "database-refuses-writes"
  | "database-takes-writes"
  | "unmounted";

export interface Notice {
  event: NoticeKind;
  /** The path concerned (the file, or the root, or the database). */
  path: string | null;
  reason: string;
  /** More about it: quarantine id and path, fault, next try, who revoked. */
  detail?: Record<string, unknown>;
}

/**
 * The version of the notice's layout; a receiver checks it before reading the rest. It is
 * prov's one JSON envelope (src/domain/json-document.ts): `schemaVersion`, then `kind`
 * ("prov.notice"), then the notice. 2: what happened moved from `kind` to `event`.
 */
export const NOTICE_SCHEMA_VERSION = JSON_DOCUMENTS["prov.notice"];

export interface Envelope {
  schemaVersion: typeof NOTICE_SCHEMA_VERSION;
  kind: "prov.notice";
  /** What happened: blocked, held, stuck, revoked, watcher-down, … */
  event: NoticeKind;
  /** One id per notice, the same on every channel and every retry (X-Prov-Delivery): a receiver drops a repeat. */
  id: string;
  at: string;
  host: string;
  path: string | null;
  reason: string;
  detail: Record<string, unknown>;
}

export function envelope(n: Notice, id: string, at: string, host: string): Envelope {
  return { schemaVersion: NOTICE_SCHEMA_VERSION, kind: "prov.notice", event: n.event, id, at, host, path: n.path, reason: n.reason, detail: n.detail ?? {} };
}

const HEADLINE: Record<NoticeKind, string> = {
  blocked: "blocked: GenAI material moved out of deliverables",
  held: "held: a file in deliverables could not be cleared and was moved to quarantine",
  stuck: "stuck: a file that should leave deliverables is still there",
  revoked: "revoked: an approval was withdrawn",
  "watcher-down": "watcher down: the deliverables gate is not running",
  "database-refuses-writes": "database refuses writes: the gate goes on, failing closed",
  "database-takes-writes": "database takes writes again",
  unmounted: "unmounted: a watched root's share is gone",
};

function baseName(p: string): string {
  const cut = p.replace(/\/+$/, "").lastIndexOf("/");
  return cut < 0 ? p : p.slice(cut + 1) || p;
}

/** One line, no control characters (a file name can hold a newline; a mail header must not). */
function oneLine(s: string, max = 200): string {
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The mail: a subject naming the kind and the file, and a plain text a supervisor reads on a phone. */
export function mailText(e: Envelope): { subject: string; text: string } {
  const subject = `[prov] ${e.event}${e.path ? `: ${oneLine(baseName(e.path), 120)}` : ""} (${oneLine(e.host, 60)})`;
  const lines = [
    HEADLINE[e.event],
    "",
    ...(e.path ? [`Path:    ${oneLine(e.path, 1000)}`] : []),
    `Why:     ${oneLine(e.reason, 2000)}`,
    `When:    ${e.at}`,
    `Host:    ${e.host}`,
  ];
  const details = Object.entries(e.detail).filter(([, v]) => v !== null && v !== undefined);
  if (details.length > 0) {
    lines.push("", "Details:");
    for (const [k, v] of details) lines.push(`  ${k}: ${oneLine(typeof v === "string" ? v : JSON.stringify(v), 1000)}`);
  }
  lines.push("", `Notice ${e.id} (schema ${e.schemaVersion}). Run \`prov status\` on ${e.host} for the watcher's state${e.event === "blocked" || e.event === "held" ? ", `prov quarantine ls` for what it holds" : ""}.`);
  return { subject, text: lines.join("\n") + "\n" };
}
