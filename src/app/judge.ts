// Judge: the facts about one file in deliverables → the gate's decision, through the one
// rule function (src/domain/gate-policy.ts). The gate, `prov release`, and the desk ask
// here; the sweep's findings start from the same facts.

import { classify } from "../domain/classify.js";
import { decide, type GateDecision, type GateFacts } from "../domain/gate-policy.js";
import { derivations, probesOf, type Derivation, type Matching } from "../domain/likeness.js";
import { evidenceOf, lookalikeDirection, toEvidence, twinEvidence, type Direction, type LookalikeSide } from "../domain/lineage.js";
import type { Evidence } from "../domain/types.js";
import { isGenAI } from "../domain/types.js";
import { evidenceFromTags } from "../domain/evidence.js";
import type { AssetFactsRow, AssetRow, MetadataReader, MetadataResult, Repos } from "../ports.js";
import { contentTypeOf, inspectContainer } from "./containers.js";
import { describeDerivationIn, lookalikesIn } from "./perceptual.js";

export interface JudgePolicy {
  unknownPolicy: "allow" | "hold";
  /** How perceptual look-alikes are judged; absent: content and labels only. */
  matching?: Matching | undefined;
}

const NOTHING: Omit<GateFacts, "unknownPolicy"> = {
  entry: "file",
  empty: false,
  known: null,
  own: null,
  readError: null,
  stable: true,
  forcedRelease: false,
};

/** A path that is not a regular file, or could not be looked at: decided without content. */
export function judgeEntry(entry: "symlink" | "other" | "unreadable", policy: JudgePolicy, readError: string | null = null): GateDecision {
  return decide({ ...NOTHING, entry, readError, unknownPolicy: policy.unknownPolicy });
}

/** A regular file of 0 bytes (young ones wait: they are usually about to be written). */
export function judgeEmpty(stable: boolean, policy: JudgePolicy): GateDecision {
  return decide({ ...NOTHING, empty: true, stable, unknownPolicy: policy.unknownPolicy });
}

/**
 * Content known by its SHA-256 (or reached by inode: a hard link or rename), judged before
 * anything else is read: temporary GenAI is blocked, complete or not, unless a person
 * released this content to this path with --force.
 */
export async function judgeKnown(store: Pick<Repos, "quarantine">, asset: AssetRow, at: string, via: "content" | "inode", policy: JudgePolicy): Promise<GateDecision> {
  const forced = (await store.quarantine.forcedRelease(at, asset.sha256)) !== undefined;
  return decide({ ...NOTHING, known: { origin: asset.origin, status: asset.status, sha256: asset.sha256, via }, forcedRelease: forced, stable: false, unknownPolicy: policy.unknownPolicy });
}

/**
 * Content not recorded (yet): what its own metadata, the folder rules and its media-data
 * twins say, and what the store knows of its SHA-256 when it was hashed. Temporary GenAI is
 * blocked whether or not the file is complete; anything else waits to be recorded.
 */
export async function judgeUnrecorded(
  store: Pick<Repos, "evidence">,
  f: { sha256: string | null; known: AssetRow | undefined; metadata: MetadataResult | undefined; folderEvidence: readonly Evidence[]; stable: boolean; unnamed?: boolean },
  policy: JudgePolicy,
): Promise<{ decision: GateDecision; evidence: Evidence[] }> {
  const md = f.metadata?.ok ? f.metadata.metadata : null;
  const labels = md ? evidenceFromTags(md.tags) : [];
  const evidence = [...labels, ...f.folderEvidence];
  if (md?.mediaHash) evidence.push(...twinEvidence(await store.evidence.genaiByMediaHash(md.mediaHash, f.known?.id ?? null, 50), labels));
  const known = f.known && f.sha256 ? { origin: f.known.origin, status: f.known.status, sha256: f.sha256, via: "content" as const } : null;
  const decision = decide({
    ...NOTHING,
    known,
    own: { origin: classify(evidence).origin, evidence },
    stable: false, // recorded content is judged by judgeRecorded; this is the early look
    unnamed: f.unnamed ?? false,
    unknownPolicy: policy.unknownPolicy,
  });
  return { decision, evidence };
}

/**
 * The store cannot be used (a read-only, full or failing database): the gate fails closed
 * on what the file says of itself. Its own labels and the folder rules decide; what the
 * store knows (its content, approvals, look-alikes) is not available, so a GenAI label
 * blocks even content approved in writing (release it once the store is back), and a
 * complete file whose labels could not be read is held.
 */
export function judgeWithoutStore(
  f: { metadata: MetadataResult | undefined; folderEvidence: readonly Evidence[]; stable: boolean; unnamed: boolean },
  policy: JudgePolicy,
): { decision: GateDecision; evidence: Evidence[] } {
  const md = f.metadata?.ok ? f.metadata.metadata : null;
  const evidence = [...(md ? evidenceFromTags(md.tags) : []), ...f.folderEvidence];
  const readError = md ? null : f.metadata && !f.metadata.ok ? f.metadata.reason : "its labels could not be read";
  const decision = decide({ ...NOTHING, own: { origin: classify(evidence).origin, evidence }, readError, stable: f.stable, unnamed: f.unnamed, unknownPolicy: policy.unknownPolicy });
  return { decision, evidence };
}

/** What judging needs besides the store: ExifTool, to read the labels of a container's members. */
export interface JudgeDeps {
  store: Pick<Repos, "quarantine" | "fingerprints" | "locations" | "assets" | "evidence">;
  reader?: MetadataReader | undefined;
}

/**
 * Recorded content at a path: the full decision. Its expensive facts (the perceptual
 * look-alike, and what a container holds) are asked when their answer could change it (a
 * file about to be allowed); with `expensive: false` they are left out, and `needsExpensive`
 * says whether the gate should ask again once it can afford them (cheap facts first).
 */
export async function judgeRecorded(
  deps: JudgeDeps,
  facts: AssetFactsRow,
  at: { path: string | null; stable: boolean; readError?: string | null; unnamed?: boolean; expensive?: boolean },
  policy: JudgePolicy,
): Promise<{ decision: GateDecision; evidence: Evidence[]; needsExpensive: boolean }> {
  const { store } = deps;
  const { asset } = facts;
  const evidence = evidenceOf(facts);
  // The facts may have been read for this path already (the gate's record does): no second ask.
  const forced = at.path === null ? false : facts.at === at.path ? facts.forcedRelease : (await store.quarantine.forcedRelease(at.path, asset.sha256)) !== undefined;
  const base: GateFacts = {
    ...NOTHING,
    empty: asset.size === 0,
    known: { origin: asset.origin, status: asset.status, sha256: asset.sha256, via: "content" },
    own: { origin: asset.origin, evidence },
    stable: at.stable,
    // An empty or unparseable file has no provenance to read; that is a hold only if nothing else is known.
    readError: at.readError && asset.origin === "unknown" ? at.readError : null,
    forcedRelease: forced,
    unnamed: at.unnamed ?? false,
    unknownPolicy: policy.unknownPolicy,
  };
  const first = decide(base);
  const comparable = likenessApplies(facts, evidence, policy);
  const container = at.path !== null && deps.reader !== undefined && !at.unnamed && asset.size > 0;
  if (first.action !== "allow" || (!comparable && !container)) return { decision: first, evidence, needsExpensive: false };
  if (at.expensive === false) return { decision: first, evidence, needsExpensive: true };
  const more: Partial<GateFacts> = {};
  if (container) {
    const type = await contentTypeOf(at.path!).catch(() => null);
    const report = type ? await inspectContainer(at.path!, type, { store, reader: deps.reader! }) : null;
    if (report?.temporary) more.container = { member: report.temporary.name, reason: report.temporary.reason };
    else if (report && report.problems.length > 0) more.uninspectable = report.problems.slice(0, 3).join("; ") + (report.problems.length > 3 ? `; and ${report.problems.length - 3} more` : "");
  }
  if (comparable) more.derived = (await derivedOf(store, facts, policy.matching!)) ?? null;
  return { decision: decide({ ...base, ...more }), evidence, needsExpensive: false };
}

/**
 * Whether the perceptual look-alike can change this content's judgment: not for GenAI
 * content (decided already), nor content a person tagged (their decision wins), nor
 * without fingerprints to compare.
 */
export function likenessApplies(facts: AssetFactsRow, evidence: readonly Evidence[], policy: JudgePolicy): boolean {
  if (!policy.matching || isGenAI(facts.asset.origin) || facts.asset.size === 0) return false;
  return classify(evidence).decidedBy[0]?.source !== "manual";
}

/** The temporary GenAI asset a recorded content is derived from, by its fingerprints in the store's index (look-alikes it is the source of are not). */
export async function derivedOf(store: Pick<Repos, "fingerprints" | "locations" | "assets" | "evidence">, facts: AssetFactsRow, matching: Matching): Promise<GateFacts["derived"]> {
  const probes = probesOf(facts.prints);
  if (probes.length === 0) return null;
  const matches = await lookalikesIn(store, probes, matching.limits, facts.asset.id);
  if (matches.length === 0) return null;
  const assets = new Map<number, AssetRow>();
  for (const m of matches) {
    const a = await store.assets.byId(m.assetId);
    if (a) assets.set(m.assetId, a);
  }
  const file: LookalikeSide = { sha256: facts.asset.sha256, origin: facts.asset.origin, firstSeen: facts.asset.first_seen, mediaHash: facts.asset.media_hash, evidence: evidenceOf(facts) };
  for (const d of derivations(matches, (id) => assets.get(id), matching.gap)) {
    const way = await directionIn(store, file, d, assets.get(d.assetId)!);
    if (way.way === "derived") return { verdict: d.verdict, what: `${await describeDerivationIn(store, d, facts.asset.id)} (${way.why})` };
  }
  return null;
}

/** Which way a look-alike goes (src/domain/lineage.ts lookalikeDirection), with the GenAI asset's evidence from the store. */
export async function directionIn(store: Pick<Repos, "evidence">, file: LookalikeSide, d: Derivation, genai: Pick<AssetRow, "first_seen" | "media_hash"> | undefined): Promise<Direction> {
  // A fully generated asset needs none of its evidence to decide.
  const evidence = d.origin === "genai" ? [] : (await store.evidence.of(d.assetId)).map(toEvidence);
  return lookalikeDirection(file, { sha256: d.sha256, origin: d.origin, firstSeen: genai?.first_seen ?? file.firstSeen, mediaHash: genai?.media_hash ?? null, evidence });
}
