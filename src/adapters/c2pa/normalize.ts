// Turns what c2pa-rs returns (the Reader's manifest store object and its crJSON) into prov's
// report. Pure: no I/O, so every branch is unit-testable. c2pa-rs output is untyped JSON, so
// everything is read defensively through small accessors instead of casts.

import type {
  C2paAction, C2paCodes, C2paIngredient, C2paIngredientDelta, C2paManifestReport, C2paRsValidationState,
  C2paSigner, C2paState, C2paStatus,
} from "./types.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** Copies only defined values, so results satisfy `exactOptionalPropertyTypes` and stay small. */
function defined<T extends object>(o: { [K in keyof T]: T[K] | undefined }): T {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o) as [keyof T, T[keyof T] | undefined][]) if (v !== undefined) out[k] = v;
  return out as T;
}

function statuses(v: unknown): C2paStatus[] {
  return arr(v).flatMap((s) => {
    const code = str(obj(s).code);
    return code ? [defined<C2paStatus>({ code, url: str(obj(s).url), explanation: str(obj(s).explanation) })] : [];
  });
}

export function codesOf(v: unknown): C2paCodes {
  const o = obj(v);
  return { success: statuses(o.success), informational: statuses(o.informational), failure: statuses(o.failure) };
}

/**
 * Failure codes that do not make a manifest invalid in c2pa-rs 0.92: an untrusted signer
 * (the manifest is still "valid", just not "trusted"), and CAWG identity-assertion codes
 * (reported beside the C2PA verdict, not part of it: C_with_CAWG_data.jpg is "Valid" with
 * cawg.x509.credential.untrusted).
 */
export function countsAgainstValidity(code: string): boolean {
  return code !== "signingCredential.untrusted" && !code.startsWith("cawg.");
}

/** Codes that say the manifest is not even well-formed (C2PA 2.x "well-formed manifest"). */
export function isStructuralFailure(code: string): boolean {
  return /\.malformed$|^claim\.(missing|multiple|cbor\.invalid)|^manifest\.|^assertion\.(missing|multiple|notRedacted|cbor\.invalid|json\.invalid)|^hashedURI\.missing|^algorithm\.unsupported|^claimSignature\.missing/.test(code);
}

export function deriveState(codes: C2paCodes): C2paState {
  if (codes.failure.some((f) => countsAgainstValidity(f.code))) return "invalid";
  return codes.success.some((s) => s.code === "signingCredential.trusted") ? "trusted" : "valid";
}

export function mapValidationState(v: unknown): C2paRsValidationState {
  if (v === "Trusted" || v === "Valid" || v === "Invalid") return v;
  // A missing state means c2pa-rs did not validate (verify_after_reading off): never "valid".
  return "Invalid";
}

export const stateOf = (s: C2paRsValidationState): C2paState => (s === "Trusted" ? "trusted" : s === "Valid" ? "valid" : "invalid");

const SOURCE_TYPE_PREFIXES = [
  "http://cv.iptc.org/newscodes/digitalsourcetype/",
  "https://cv.iptc.org/newscodes/digitalsourcetype/",
  "http://c2pa.org/digitalsourcetype/",
  "https://c2pa.org/digitalsourcetype/",
];

export function sourceTypeTerm(uri: string): string {
  for (const p of SOURCE_TYPE_PREFIXES) if (uri.startsWith(p)) return uri.slice(p.length).replace(/\/+$/, "");
  return uri;
}

function agentName(v: unknown): string | undefined {
  return str(v) ?? str(obj(v).name);
}

export function actionsOf(assertions: unknown): C2paAction[] {
  const out: C2paAction[] = [];
  for (const a of arr(assertions)) {
    const label = str(obj(a).label) ?? "";
    // c2pa.actions, c2pa.actions.v2 (and their __N instance suffixes)
    if (!/^c2pa\.actions(\.v2)?(__\d+)?$/.test(label)) continue;
    const data = obj(obj(a).data);
    for (const act of arr(data.actions)) {
      const o = obj(act);
      const action = str(o.action);
      if (!action) continue;
      // Trimmed: real files carry stray whitespace (C_with_CAWG_data.jpg: " http://cv.iptc.org/...").
      const dst = str(o.digitalSourceType)?.trim();
      const params = obj(o.parameters);
      out.push(defined<C2paAction>({
        action,
        digitalSourceType: dst ? sourceTypeTerm(dst) : undefined,
        digitalSourceTypeUri: dst,
        softwareAgent: agentName(o.softwareAgent) ?? agentName(params.softwareAgent),
        description: str(o.description) ?? str(params.description),
        when: str(o.when),
      }));
    }
  }
  return out;
}

export function ingredientsOf(ingredients: unknown): C2paIngredient[] {
  return arr(ingredients).map((i) => {
    const o = obj(i);
    return defined<C2paIngredient>({
      title: str(o.title),
      format: str(o.format),
      relationship: str(o.relationship),
      manifestLabel: str(o.active_manifest),
      instanceId: str(o.instance_id),
    });
  });
}

function claimGeneratorInfo(v: unknown): { name: string; version?: string }[] {
  return arr(v).flatMap((g) => {
    const name = str(obj(g).name);
    return name ? [defined<{ name: string; version?: string }>({ name, version: str(obj(g).version) })] : [];
  });
}

export interface NormalizedStore {
  validationState: C2paRsValidationState;
  activeManifest: string;
  manifests: C2paManifestReport[];
  ingredientDeltas: C2paIngredientDelta[];
  /** c2pa-rs version from crJSON's `jsonGenerator`, when present. */
  generatorVersion?: string;
}

/** `store` is WasmReader.manifestStore(); `crJson` is WasmReader.crJson() parsed. */
export function normalizeStore(store: unknown, crJson: unknown): NormalizedStore {
  const s = obj(store);
  const validationState = mapValidationState(s.validation_state);
  const activeManifest = str(s.active_manifest) ?? "";
  const cr = obj(crJson);
  const crByLabel = new Map<string, Obj>();
  for (const m of arr(cr.manifests)) {
    const label = str(obj(m).label);
    if (label) crByLabel.set(label, obj(m));
  }

  const manifests: C2paManifestReport[] = Object.entries(obj(s.manifests)).map(([label, raw]) => {
    const m = obj(raw);
    const crm = crByLabel.get(label) ?? {};
    const codes = codesOf(crm.validationResults);
    const isActive = label === activeManifest;
    const sig = obj(m.signature_info);
    const crSig = obj(crm.signature);
    const validity = obj(obj(crSig.certificateInfo).validity);
    const tsa = obj(obj(obj(crSig.timeStampInfo).certificateInfo).subject);
    const info = claimGeneratorInfo(m.claim_generator_info);
    const generator = str(m.claim_generator) ??
      // Rendered "name version" as c2patool's summary does, so the two can be compared.
      (info.length > 0 ? info.map((g) => (g.version ? `${g.name} ${g.version}` : g.name)).join(", ") : undefined);
    const signer = defined<C2paSigner>({
      alg: str(sig.alg),
      issuer: str(sig.issuer),
      commonName: str(sig.common_name),
      time: str(sig.time) ?? str(obj(crSig.timeStampInfo).timestamp),
      certSerialNumber: str(sig.cert_serial_number),
      notBefore: str(validity.notBefore),
      notAfter: str(validity.notAfter),
      timeStampAuthority: str(tsa.CN),
    });
    // For the active manifest c2pa-rs's own store verdict is authoritative (it also weighs
    // the ingredient chain); other manifests are judged from their own codes.
    const state = isActive ? stateOf(validationState) : deriveState(codes);
    return defined<C2paManifestReport>({
      label,
      isActive,
      state,
      wellFormed: !codes.failure.some((f) => isStructuralFailure(f.code)),
      codes,
      claimVersion: num(m.claim_version),
      claimGenerator: generator,
      claimGeneratorInfo: info,
      title: str(m.title),
      format: str(m.format),
      signer,
      actions: actionsOf(m.assertions),
      ingredients: ingredientsOf(m.ingredients),
      assertionLabels: arr(m.assertions).flatMap((a) => (str(obj(a).label) ? [str(obj(a).label) as string] : [])),
    });
  });
  // Active manifest last, as in the store (the active manifest is the newest).
  manifests.sort((a, b) => Number(a.isActive) - Number(b.isActive));

  const ingredientDeltas: C2paIngredientDelta[] = arr(obj(s.validation_results).ingredientDeltas).map((d) => ({
    ingredientUri: str(obj(d).ingredientAssertionURI) ?? "",
    codes: codesOf(obj(d).validationDeltas),
  }));

  return defined<NormalizedStore>({
    validationState,
    activeManifest,
    manifests,
    ingredientDeltas,
    generatorVersion: str(obj(cr.jsonGenerator).version),
  });
}

export type ReadErrorKind =
  | { kind: "no-manifest" }
  | { kind: "remote-manifest"; url: string }
  | { kind: "unreadable"; reason: "unsupported-type" | "unparsable" | "truncated" | "io"; detail: string };

/**
 * c2pa-rs errors reach JS as strings like `C2pa(JumbfNotFound)`. The mapping keeps the
 * words c2pa-rs uses so a person can match them against c2patool's output.
 */
export function classifyReadError(message: string): ReadErrorKind {
  if (/JumbfNotFound|ProvenanceMissing/.test(message)) return { kind: "no-manifest" };
  const remote = /RemoteManifestUrl\("([^"]+)"\)/.exec(message) ??
    // Remote fetching was on for other URLs (stores the caller downloaded), not this one.
    /remote URI \\"([^"\\]+)\\" is not permitted by the allowed list/.exec(message);
  if (remote?.[1]) return { kind: "remote-manifest", url: remote[1] };
  if (/UnsupportedType/.test(message)) return { kind: "unreadable", reason: "unsupported-type", detail: message };
  if (/UnexpectedEof|failed to fill whole buffer/.test(message)) return { kind: "unreadable", reason: "truncated", detail: message };
  if (/RemoteManifestFetch|IoError/.test(message)) return { kind: "unreadable", reason: "io", detail: message };
  return { kind: "unreadable", reason: "unparsable", detail: message };
}
