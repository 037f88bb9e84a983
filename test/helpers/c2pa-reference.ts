// Compares one outcome of prov's C2PA adapter with the reference row (what c2pa-rs said of
// the fixture in ../shared/fixtures/c2pa-validation.jsonl). Ported from the staged adapter's tests.

import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { C2paOutcome } from "../../src/adapters/c2pa/index.js";
import { fixturesDir } from "./index.js";

export interface ReferenceRow {
  file: string;
  validation_state?: "Invalid" | "Valid" | "Trusted";
  active?: string;
  status_codes?: string[];
  active_failures?: string[];
  ingredient_failures?: string[];
  claim_generator?: string;
  actions?: string[];
  n_manifests?: number;
  result?: "no manifest";
  error?: string;
}

export const REFERENCE_JSONL = path.join(fixturesDir, "c2pa-validation.jsonl");

export function referenceRows(): ReferenceRow[] {
  return fs.readFileSync(REFERENCE_JSONL, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as ReferenceRow);
}

/** "assertion.dataHash.mismatch" → "assertion.dataHash"; "claimSignature.mismatch" → "claimSignature". */
export const family = (code: string): string => code.split(".").slice(0, -1).join(".") || code;

/**
 * The reference was produced without trust verification (no `signingCredential.untrusted`
 * anywhere in it); we always verify trust, and with no anchors configured every signer is
 * untrusted. That one code is therefore left out of the comparison, nothing else.
 */
export const NOT_COMPARED = new Set(["signingCredential.untrusted"]);

export interface Comparison {
  file: string;
  reference: string;
  ours: string;
  agree: boolean;
  detail: string;
}

const summary = (o: C2paOutcome): string => {
  switch (o.kind) {
    case "validated": {
      const active = o.manifests.find((m) => m.isActive);
      const fails = (active?.codes.failure ?? []).map((f) => f.code).filter((c) => !NOT_COMPARED.has(c));
      return `${o.validationState}${fails.length ? ` [${fails.join(", ")}]` : ""}`;
    }
    case "no-manifest": return "no manifest";
    case "remote-manifest": return `remote manifest (not fetched)`;
    case "unreadable": return `unreadable: ${o.reason}`;
    case "not-checked": return `not checked: ${o.reason}`;
  }
};

/** Renders an action the way the reference does: "c2pa.created [term] <agent>". */
export const renderAction = (a: { action: string; digitalSourceType?: string; softwareAgent?: string }): string =>
  `${a.action}${a.digitalSourceType ? ` [${a.digitalSourceType}]` : ""}${a.softwareAgent ? ` <${a.softwareAgent}>` : ""}`;

export function compare(ref: ReferenceRow, o: C2paOutcome): Comparison {
  const reference = ref.validation_state
    ? `${ref.validation_state}${ref.active_failures?.length ? ` [${ref.active_failures.join(", ")}]` : ""}`
    : ref.result ?? `error: ${ref.error ?? "?"}`;
  const ours = summary(o);
  const problems: string[] = [];
  if (ref.validation_state) {
    if (o.kind !== "validated") {
      problems.push(`expected a manifest store, got ${o.kind}`);
    } else {
      if (o.validationState !== ref.validation_state) problems.push(`state ${o.validationState} ≠ ${ref.validation_state}`);
      if (o.activeManifest !== ref.active) problems.push(`active ${o.activeManifest} ≠ ${ref.active}`);
      if (o.manifests.length !== ref.n_manifests) problems.push(`${o.manifests.length} manifests ≠ ${ref.n_manifests}`);
      const active = o.manifests.find((m) => m.isActive);
      const ourFails = new Set((active?.codes.failure ?? []).map((f) => f.code).filter((c) => !NOT_COMPARED.has(c)));
      const refFails = new Set(ref.active_failures ?? []);
      const missing = [...refFails].filter((c) => !ourFails.has(c));
      const extra = [...ourFails].filter((c) => !refFails.has(c));
      if (missing.length) problems.push(`missing ${missing.join(", ")}`);
      if (extra.length) problems.push(`extra ${extra.join(", ")}`);
      if (active?.claimGenerator !== ref.claim_generator) problems.push(`generator "${active?.claimGenerator}" ≠ "${ref.claim_generator}"`);
      const acts = (active?.actions ?? []).map(renderAction);
      if (JSON.stringify(acts) !== JSON.stringify(ref.actions ?? [])) problems.push(`actions ${JSON.stringify(acts)} ≠ ${JSON.stringify(ref.actions)}`);
    }
  } else if (ref.result === "no manifest") {
    if (o.kind !== "no-manifest") problems.push(`expected no manifest, got ${o.kind}`);
  } else if (ref.error) {
    const e = ref.error;
    const ok =
      (/type is unsupported/.test(e) && o.kind === "unreadable" && o.reason === "unsupported-type") ||
      (/asset could not be parsed: (.*)/.test(e) && o.kind === "unreadable" && o.reason === "unparsable" &&
        o.detail.includes((/asset could not be parsed: (.*)/.exec(e)?.[1] ?? "").slice(0, 30))) ||
      (/must fetch remote manifests from url (\S+)/.test(e) && o.kind === "remote-manifest" && o.url === /from url (\S+)/.exec(e)?.[1]) ||
      (/failed to fill whole buffer/.test(e) && o.kind === "unreadable" && o.reason === "truncated");
    if (!ok) problems.push(`reference error "${e}" vs ${o.kind}`);
  }
  return { file: ref.file, reference, ours, agree: problems.length === 0, detail: problems.join("; ") };
}

/**
 * Where c2pa-rs 0.92 inside @contentauth/c2pa-wasm 0.15 and the reference run differ. Each
 * entry pins what WE say, so a change in either direction shows up as a test failure.
 */
export const KNOWN_DIVERGENCES: Record<string, { ours: string; why: string }> = {
  "bing_creator_cloud_surfing_puppy.jpg": {
    ours: "Valid",
    why: "reference flags the signer certificate signingCredential.invalid; c2pa-rs 0.92 (this build) accepts its profile",
  },
  "cards_trusted.avif": {
    ours: "Valid",
    why: "same: reference signingCredential.invalid for the 'C2PA Extension Validator' test signer; 0.92 accepts it (and it reaches Trusted with that test root as anchor)",
  },
  "cicadas_trusted.mp3": {
    ours: "Valid",
    why: "same signer as cards_trusted.avif",
  },
  "QuickTime.mov": {
    ours: "no manifest",
    why: "reference rejects the BMFF structure (moov before ftyp); 0.92 parses it and finds no manifest",
  },
};

/**
 * The self-signed CA certificates embedded in the given files (COSE x5chain and time-stamp
 * tokens carry DER certificates), as one PEM bundle: test anchors made from the fixtures
 * themselves instead of shipping any. Test-only.
 */
export function writeRootsPem(files: readonly string[], out: string): number {
  const roots = new Map<string, X509Certificate>();
  for (const f of files) {
    const buf = fs.readFileSync(f);
    for (let i = 0; i + 4 < buf.length; i++) {
      if (buf[i] !== 0x30 || buf[i + 1] !== 0x82) continue;
      const len = buf.readUInt16BE(i + 2);
      if (len < 200 || i + 4 + len > buf.length) continue;
      try {
        const c = new X509Certificate(buf.subarray(i, i + 4 + len));
        if (c.ca && c.subject === c.issuer && c.checkIssued(c)) roots.set(c.fingerprint256, c);
      } catch {
        // not a certificate at this offset
      }
    }
  }
  fs.writeFileSync(out, [...roots.values()].map((c) => c.toString()).join(""));
  return roots.size;
}
