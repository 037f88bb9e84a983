// Public shapes of the C2PA adapter. Everything here is plain data (structured-clone safe),
// because results cross a worker_threads boundary and are later stored by prov.

/** One validation status entry as c2pa-rs reports it (C2PA 2.x "validation status"). */
export interface C2paStatus {
  /** e.g. "claimSignature.validated", "assertion.dataHash.mismatch". */
  code: string;
  /** JUMBF URI of the thing the code is about, when c2pa-rs gives one. */
  url?: string;
  explanation?: string;
}

/** C2PA 2.x validation results split the way the spec and c2pa-rs split them. */
export interface C2paCodes {
  success: C2paStatus[];
  informational: C2paStatus[];
  failure: C2paStatus[];
}

/**
 * The state of one manifest, in c2pa-rs's terms (lowercased):
 * - "invalid": a failure other than an untrusted signer (tampered bytes, bad signature,
 *   expired or malformed credential, malformed claim...). `wellFormed` says whether it at
 *   least parsed (C2PA 2.x "well-formed" but not "valid").
 * - "valid": well-formed, signature and hard bindings check out; the signer does NOT chain
 *   to any configured anchor (C2PA 2.x "valid manifest").
 * - "trusted": valid and the signer chains to a configured anchor (C2PA 2.x "trusted manifest").
 * Even "trusted" says who signed and that bytes are unchanged, never that the claims are true.
 */
export type C2paState = "invalid" | "valid" | "trusted";

/** c2pa-rs's own `validation_state` for the whole store (the active manifest and its chain). */
export type C2paRsValidationState = "Invalid" | "Valid" | "Trusted";

export interface C2paAction {
  action: string;
  /** Normalised to the term only when it is an IPTC/C2PA URI ("trainedAlgorithmicMedia"); raw kept too. */
  digitalSourceType?: string;
  digitalSourceTypeUri?: string;
  softwareAgent?: string;
  description?: string;
  when?: string;
}

export interface C2paIngredient {
  title?: string;
  format?: string;
  /** "parentOf" | "componentOf" | "inputTo" (free string: older manifests vary). */
  relationship?: string;
  /** Label of the ingredient's own manifest in this store, when it has one. */
  manifestLabel?: string;
  instanceId?: string;
}

export interface C2paSigner {
  alg?: string;
  issuer?: string;
  commonName?: string;
  /** Signing time from the time-stamp (or claim), ISO 8601. */
  time?: string;
  certSerialNumber?: string;
  notBefore?: string;
  notAfter?: string;
  timeStampAuthority?: string;
}

export interface C2paManifestReport {
  label: string;
  isActive: boolean;
  state: C2paState;
  /** False when a failure says the manifest itself is malformed (not merely tampered or untrusted). */
  wellFormed: boolean;
  codes: C2paCodes;
  claimVersion?: number;
  /** v1 `claim_generator` string, else the v2 `claim_generator_info` rendered "name version". */
  claimGenerator?: string;
  claimGeneratorInfo: { name: string; version?: string }[];
  title?: string;
  format?: string;
  signer: C2paSigner;
  actions: C2paAction[];
  ingredients: C2paIngredient[];
  /** Assertion labels present (e.g. "c2pa.actions.v2", "cawg.identity"); content not copied. */
  assertionLabels: string[];
}

/** Failures the active manifest saw when it re-validated an ingredient's manifest. */
export interface C2paIngredientDelta {
  ingredientUri: string;
  codes: C2paCodes;
}

export interface C2paValidatorInfo {
  /** "c2pa-rs" as reported by the WASM at run time. */
  name: string;
  /** c2pa-rs version reported by the WASM at run time (e.g. "0.92.0"). */
  version: string;
  /** The npm binding that carries it, e.g. "@contentauth/c2pa-wasm@0.15.0". */
  binding: string;
}

export interface TrustBundleInfo {
  /** SHA-256 (hex) of the exact trust settings handed to c2pa-rs; "none" anchors hash too. */
  sha256: string;
  /** Number of certificates across all anchor/allowed PEMs. */
  certificates: number;
  /** Each configured PEM source, its role and its own SHA-256, for the audit trail. */
  sources: { role: TrustRole; path: string; sha256: string; certificates: number }[];
}

interface OutcomeBase {
  file: string;
  size: number;
  format?: string;
  validator: C2paValidatorInfo;
  trust: TrustBundleInfo;
  /** Wall time spent inside the worker, milliseconds. */
  elapsedMs: number;
}

export interface C2paValidated extends OutcomeBase {
  kind: "validated";
  /** c2pa-rs's verdict for the store, verbatim. */
  validationState: C2paRsValidationState;
  /** The same verdict mapped to `C2paState`. */
  state: C2paState;
  activeManifest: string;
  manifests: C2paManifestReport[];
  ingredientDeltas: C2paIngredientDelta[];
  /** Where the manifest store came from. */
  source: "embedded" | "sidecar" | "remote-local";
}

/** A file with no C2PA manifest store (c2pa-rs: JumbfNotFound). */
export interface C2paNoManifest extends OutcomeBase {
  kind: "no-manifest";
}

/**
 * The asset only points at a remote manifest (XMP dcterms:provenance). We never fetch: the
 * caller can supply the downloaded store via `remoteManifests` and validate again.
 */
export interface C2paRemoteOnly extends OutcomeBase {
  kind: "remote-manifest";
  url: string;
}

/** c2pa-rs could not handle the file: unsupported type, unparsable or truncated asset. */
export interface C2paUnreadable extends OutcomeBase {
  kind: "unreadable";
  reason: "unsupported-type" | "unparsable" | "truncated" | "io";
  detail: string;
}

/** Validation was not carried out: the file is a fact to record, and hold. */
export interface C2paNotChecked extends OutcomeBase {
  kind: "not-checked";
  reason: "too-large" | "timeout" | "worker-crashed";
  detail: string;
}

export type C2paOutcome = C2paValidated | C2paNoManifest | C2paRemoteOnly | C2paUnreadable | C2paNotChecked;

export type TrustRole =
  /** The C2PA trust list (conformance program anchors). */
  | "c2pa-trust-list"
  /** Time-stamping authority anchors. */
  | "tsa"
  /** The frozen interim CAI trust list. */
  | "cai-interim"
  /** The facility's own anchors. */
  | "facility"
  /** End-entity certificates explicitly allowed (c2pa-rs `allowed_list`). */
  | "allowed-list";

export interface TrustSource {
  role: TrustRole;
  /** Path to a PEM bundle. Nothing is built in: no anchors means nothing can be "trusted". */
  path: string;
}

export interface TrustConfig {
  sources: TrustSource[];
  /** Optional EKU OID list (one per line) for c2pa-rs `trust.trust_config`. */
  ekuConfigPath?: string;
}

export interface ValidateOptions {
  trust?: TrustConfig;
  /** Format (MIME type) to use instead of sniffing. */
  format?: string;
  /** A `.c2pa` manifest store to validate against the asset instead of an embedded one. */
  sidecar?: string;
  /**
   * Remote manifests the user downloaded: URL → path of the `.c2pa` file. Served to c2pa-rs
   * from disk when the asset points at that URL; nothing else is ever fetched.
   */
  remoteManifests?: Record<string, string>;
  /** Per-file timeout in milliseconds (default 120 s + 30 s per GiB). */
  timeoutMs?: number;
  /** Files larger than this are not validated (default: no limit; streaming is bounded). */
  maxBytes?: number;
  /** Test-only fault injection; ignored unless the pool was created with `testHooks: true`. */
  faultInjection?: "crash" | "hang" | "throw";
}
