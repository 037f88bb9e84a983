// Builds the c2pa-rs settings document (the JSON given to `Context::with_settings` through the
// WASM reader's `context_json`) from prov's trust configuration. Runs on the caller's side:
// the trust files are read and hashed once, and the worker receives only the finished JSON.

import { createHash, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { TrustBundleInfo, TrustConfig, TrustRole } from "./types.js";

export interface PreparedSettings {
  /** The JSON string handed to c2pa-rs. */
  json: string;
  trust: TrustBundleInfo;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Certificates in a PEM bundle, each re-encoded canonically; unparsable blocks are an error. */
export function parsePemBundle(text: string, path: string): string[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  return blocks.map((block, i) => {
    try {
      // Re-encode: comments, CRLFs and stray whitespace must not change what c2pa-rs sees
      // (nor the bundle hash) when two files hold the same certificates.
      return new X509Certificate(block).toString().trim();
    } catch (err) {
      throw new Error(`trust bundle ${path}: certificate #${i + 1} is not a valid X.509 PEM`, { cause: err });
    }
  });
}

const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

/**
 * Offline, always. Each switch is here because its default would reach the network:
 * - verify.remote_manifest_fetch: default true; c2pa-rs would GET the URL in XMP
 *   dcterms:provenance. We keep it true only when the caller gave downloaded stores for
 *   specific URLs, which the worker serves from disk (its fetch answers nothing else).
 * - verify.ocsp_fetch: default false; pinned false so a future default cannot change it.
 * - core.allowed_network_hosts: [] = no host may be contacted (CAWG DID resolution, OCSP,
 *   remote manifests); c2pa-rs checks it before any request it makes itself (checked: with
 *   [] a remote manifest fails "not permitted by the allowed list" before fetch is called).
 * The worker also replaces globalThis.fetch, so a request that slipped past all of this fails
 * instead of leaving the machine.
 */
export async function prepareSettings(trust: TrustConfig | undefined, remoteUrls: readonly string[] = []): Promise<PreparedSettings> {
  const anchors: string[] = [];
  const allowed: string[] = [];
  const sources: TrustBundleInfo["sources"] = [];
  // Sorted by role then path, so the same configuration always hashes the same.
  const ordered = [...(trust?.sources ?? [])].sort((a, b) =>
    a.role === b.role ? a.path.localeCompare(b.path) : a.role.localeCompare(b.role),
  );
  for (const source of ordered) {
    const raw = await readFile(source.path);
    const certs = parsePemBundle(raw.toString("utf8"), source.path);
    if (certs.length === 0) throw new Error(`trust bundle ${source.path} (${source.role}) holds no certificate`);
    sources.push({ role: source.role, path: source.path, sha256: sha256(raw), certificates: certs.length });
    (source.role === "allowed-list" ? allowed : anchors).push(...certs);
  }
  const ekuConfig = trust?.ekuConfigPath ? (await readFile(trust.ekuConfigPath, "utf8")).trim() : undefined;

  // c2pa-rs 0.92 has one anchor store for claim signers and time-stamp authorities (the TSA
  // chain is checked against the same anchors with the time-stamping EKU), so every anchor
  // role goes into `user_anchors`; `trust_anchors` is left empty so no c2pa-rs build can
  // substitute a default list for it.
  const trustSection: Record<string, string | null> = {
    user_anchors: anchors.length > 0 ? dedupe(anchors).join("\n") + "\n" : null,
    trust_anchors: null,
    allowed_list: allowed.length > 0 ? dedupe(allowed).join("\n") + "\n" : null,
    trust_config: ekuConfig ?? null,
  };
  const settings = {
    version: 1,
    trust: trustSection,
    // CAWG identity X.509 credentials: same anchors (a facility may sign identity too).
    cawg_trust: { ...trustSection, verify_trust_list: true },
    // Only the hosts of URLs whose downloaded store the caller supplied; the worker's fetch
    // answers those URLs from disk and refuses everything else.
    core: { allowed_network_hosts: [...new Set(remoteUrls.map((u) => new URL(u).host))], decode_identity_assertions: true },
    verify: {
      verify_after_reading: true,
      verify_trust: true,
      verify_timestamp_trust: true,
      check_ingredient_trust: true,
      ocsp_fetch: false,
      remote_manifest_fetch: remoteUrls.length > 0,
    },
  };
  const trustJson = JSON.stringify(trustSection);
  return {
    json: JSON.stringify(settings),
    trust: { sha256: sha256(trustJson), certificates: anchors.length + allowed.length, sources },
  };
}

function dedupe(pems: string[]): string[] {
  return [...new Set(pems)];
}

export const TRUST_ROLES: readonly TrustRole[] = ["c2pa-trust-list", "tsa", "cai-interim", "facility", "allowed-list"];
