// `prov sweep --redact`: reports that can leave the facility. Every format gets the same
// rows and summary with nothing internal in them: paths relative to the swept folder (the
// folder itself by its name), other folders of the facility by their last name, no
// database path, no host names, no operating-system account names. File names inside the
// delivery are the delivery's own and stay as they are.
//
// Applied once, to the rows and the summary every writer gets (redacting() below), so no
// format can forget it.

import path from "node:path";
import type { ReportWriter, SweepRow, SweepSummary } from "../../domain/sweep-types.js";

export const REDACTED_DATABASE = "(redacted)";
export const REDACTED_HOST = "[host]";
export const REDACTED_ACCOUNT = "[account]";

export interface RedactOptions {
  /** The swept folder, absolute (its real path and the path given both work). */
  root: string;
  /** The database file (never shown). */
  database?: string | null | undefined;
  /** Other folders of the facility (working roots, quarantine, the config's folder): shown by their last name, or as given. */
  places?: ReadonlyArray<string | { path: string; shown: string }>;
  hosts: readonly string[];
  accounts: readonly string[];
}

/**
 * Words prov's own sentences use: an account named like one ("root", "admin") is replaced
 * only where it reads as an account ("by root", "root@host"), not in "working root".
 */
const COMMON_WORDS = new Set([
  "root", "admin", "administrator", "user", "users", "post", "edit", "editor", "ok", "file", "files", "folder", "working", "approved",
  "review", "unknown", "error", "warning", "temporary", "genai", "media", "data", "vfx", "sound", "picture", "sweep", "report", "test",
  "prov", "system", "daemon", "nobody", "www", "render", "office",
]);

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * An absolute POSIX path in free text: starts at a "/" that follows the start, a space or
 * an opening quote or bracket (not "https://"), and runs to whitespace or punctuation that
 * ends a path in a sentence.
 */
const ABSOLUTE = /(?<![\w:/.~\\-])\/(?:[^\s/'"`;,()<>[\]{}]+\/?)+/g;

export class Redactor {
  private readonly places: Array<{ prefix: string; shown: string }> = [];
  private readonly hosts = new Set<string>();
  private readonly accounts = new Set<string>();
  readonly rootName: string;

  constructor(opts: RedactOptions) {
    const root = path.resolve(opts.root);
    this.rootName = path.basename(root) || "(root)";
    if (opts.database) this.places.push({ prefix: path.resolve(opts.database), shown: "[database]" });
    this.places.push({ prefix: root, shown: "" });
    for (const p of opts.places ?? []) {
      const given = typeof p === "string" ? p : p.path;
      const abs = given ? path.resolve(given) : "";
      // "/" is no place to name (every absolute path is in it): the generic rule below handles those.
      if (abs && path.basename(abs)) this.places.push({ prefix: abs, shown: typeof p === "string" ? path.basename(abs) : p.shown });
    }
    // Longest first: a folder inside another is replaced as itself.
    this.places.sort((a, b) => b.prefix.length - a.prefix.length);
    for (const h of opts.hosts) this.addHost(h);
    for (const a of opts.accounts) this.addAccount(a);
  }

  private addHost(h: string | null | undefined): void {
    if (!h || h === "?") return;
    this.hosts.add(h);
    const short = h.split(".")[0];
    if (short) this.hosts.add(short);
  }

  private addAccount(a: string | null | undefined): void {
    if (a && a !== "unknown") this.accounts.add(a);
  }

  /** Free text (a reason, a label's evidence) with nothing internal in it. */
  text(s: string): string {
    let out = s;
    for (const { prefix, shown } of this.places) {
      if (!out.includes(prefix)) continue;
      // The folder itself, or something inside it.
      out = out.replace(new RegExp(`${escapeRe(prefix)}(?=$|[/\\s'"\`;,()<>\\]])(/?)`, "g"), (_m, slash: string) => {
        if (shown === "[database]") return shown;
        if (shown === "") return slash ? "" : this.rootName;
        return slash ? `${shown}/` : shown;
      });
    }
    out = out.replace(ABSOLUTE, (p) => {
      const base = path.posix.basename(p);
      return base ? `…/${base}` : "…";
    });
    for (const h of this.hosts) out = out.replace(new RegExp(`(?<![\\w-])${escapeRe(h)}(?![\\w-])`, "gi"), REDACTED_HOST);
    for (const a of this.accounts) {
      const name = escapeRe(a);
      out = out.replace(new RegExp(`(?<![\\w.-])${name}@`, "g"), `${REDACTED_ACCOUNT}@`);
      out = out.replace(new RegExp(`\\b(by|account|user) ${name}(?![\\w-])`, "gi"), (_m, word: string) => `${word} ${REDACTED_ACCOUNT}`);
      if (!COMMON_WORDS.has(a.toLowerCase())) out = out.replace(new RegExp(`(?<![\\w-])${name}(?![\\w-])`, "g"), REDACTED_ACCOUNT);
    }
    return out;
  }

  private maybe(s: string | null | undefined): string | null {
    return s === null || s === undefined ? null : this.text(s);
  }

  row(r: SweepRow): SweepRow {
    const d = r.disclosure;
    if (d?.approvedAccount) {
      // "account@host": both are learnt, so the same names elsewhere go too.
      const at = d.approvedAccount.lastIndexOf("@");
      this.addAccount(at > 0 ? d.approvedAccount.slice(0, at) : d.approvedAccount);
      if (at > 0) this.addHost(d.approvedAccount.slice(at + 1));
    }
    const out: SweepRow = {
      ...r,
      reasons: r.reasons.map((x) => this.text(x)),
      labelEvidence: r.labelEvidence.map((x) => this.text(x)),
      disclosure: d
        ? {
            ...d,
            approvedBy: this.text(d.approvedBy),
            approvedAccount: null,
            tool: this.maybe(d.tool),
            model: this.maybe(d.model),
            approvalRef: this.maybe(d.approvalRef),
            scope: this.maybe(d.scope),
            consents: d.consents.map((c) => ({ ...c, performer: this.text(c.performer), ref: this.text(c.ref), project: this.maybe(c.project), uses: this.maybe(c.uses) })),
            ...(d.timecodes ? { timecodes: d.timecodes.map((u) => ({ ...u, cut: this.text(u.cut), clip: this.maybe(u.clip) })) } : {}),
          }
        : null,
    };
    if (r.c2pa) out.c2pa = r.c2pa.map((m) => ({ label: this.text(m.label), status: this.text(m.status) }));
    return out;
  }

  summary(s: SweepSummary): SweepSummary {
    const m = s.mhl;
    return {
      ...s,
      root: this.rootName,
      database: REDACTED_DATABASE,
      verdict: this.text(s.verdict),
      ...(s.title ? { title: this.text(s.title) } : {}),
      mhl: m === null ? null : "error" in m ? { error: this.text(m.error) } : { ...m, file: this.text(m.file), chain: this.text(m.chain), failed: m.failed.map((x) => this.text(x)), missing: m.missing.map((x) => this.text(x)) },
    };
  }
}

/** A writer that gets redacted rows and summary. */
export function redacting(w: ReportWriter, r: Redactor): ReportWriter {
  return {
    row: (row) => w.row(r.row(row)),
    end: (s) => w.end(r.summary(s)),
    ...(w.abort ? { abort: () => w.abort!() } : {}),
  };
}
