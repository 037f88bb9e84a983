// Locations are volume + path within the volume, at the store boundary: a Store decorator
// that turns every path a use case hands the store into its stored form ("EDIT-A:/show/x.png"
// for "/mnt/edit-a/show/x.png" on a host that mounts EDIT-A there) and every path the store
// hands back into this host's form. The same file seen from two hosts (two mount points) is
// one location; a path on no configured volume is stored as it is (so a config without
// volumes behaves as before, and older databases keep working); a stored path on a volume
// this host does not mount reads back in its stored form. Prefix queries keep working: the
// stored form of a folder is a prefix of the stored forms of the files in it.
//
// A move between volumes (content gone from one volume and present on another within an
// hour, src/domain/volumes.ts crossVolumeMove) is recorded here, where the volumes of both
// paths are known: a "moved" event with from/to in stored form, in the same transaction as the
// location that completed it. (A move within one filesystem is followed by inode in
// watchers/ingest.ts.)
//
// The paths inside an event's detail and a quarantine row's evidence (JSON written by the
// use cases: a move's from/to, a sweep's root, a derived-from original) are translated too,
// so no host's mount point is kept in the history. A query on a folder above a volume's mount
// ("/mnt" when EDIT-A is mounted at "/mnt/edit-a") covers that volume's files as well.
// What is not translated: the history chain (it hashes the rows as stored).

import { crossVolumeMove, mapStrings, storedVolumeOf, toHost, toStored, volumesBelow, type Volume } from "../domain/volumes.js";
import type {
  ApprovalRepo,
  ApprovalRow,
  AssetFactsRow,
  AssetRepo,
  EventInput,
  EventRepo,
  EventRow,
  EvidenceRepo,
  LocationRepo,
  LocationRow,
  PathFacts,
  QuarantineRepo,
  QuarantineRow,
  Repos,
  SequenceRepo,
  SequenceRow,
  Store,
} from "../ports.js";

/** The store as this host sees it: paths in host form both ways. Without volumes, the store itself. */
export function withVolumes(store: Store, volumes: readonly Volume[]): Store {
  if (volumes.length === 0) return store;
  const paths = new VolumePaths(volumes);
  const repos = (r: Repos): Repos => paths.repos(r);
  const outer = repos(store);
  const view: Store = {
    ...outer,
    get location() {
      return store.location;
    },
    dialect: store.dialect,
    history: store.history,
    transaction: (fn, opts) => store.transaction((tx) => fn(repos(tx)), opts),
    schemaVersion: () => store.schemaVersion(),
    identity: () => store.identity(),
    health: () => store.health(),
    calls: () => store.calls(),
    guardWrites: (guard) => store.guardWrites((tx) => guard(repos(tx))),
    // A dump is the facility's history as stored (volume + path): moved as it is.
    dump: (visit) => store.dump(visit),
    load: (rows) => store.load(rows),
    close: () => store.close(),
  };
  // The wake-up on decisions (PostgreSQL's NOTIFY) carries no paths.
  if (store.onDecision) view.onDecision = (wake) => store.onDecision!(wake);
  return view;
}

class VolumePaths {
  constructor(private readonly volumes: readonly Volume[]) {}

  /** Host → stored. */
  s = (p: string): string => toStored(p, this.volumes);
  /** Stored → host. */
  h = (p: string): string => toHost(p, this.volumes);
  sn = (p: string | null): string | null => (p === null ? null : this.s(p));
  hn = (p: string | null): string | null => (p === null ? null : this.h(p));

  loc = <T extends LocationRow>(r: T): T => ({ ...r, path: this.h(r.path) });
  locs = <T extends LocationRow>(rs: T[]): T[] => rs.map(this.loc);
  locOpt = <T extends LocationRow>(r: T | undefined): T | undefined => (r ? this.loc(r) : r);
  q = (r: QuarantineRow): QuarantineRow => ({ ...r, original_path: this.h(r.original_path), quarantine_path: this.h(r.quarantine_path), released_to: this.hn(r.released_to), evidence: this.jsonOut(r.evidence) });
  qOpt = (r: QuarantineRow | undefined): QuarantineRow | undefined => (r ? this.q(r) : r);
  ap = (r: ApprovalRow): ApprovalRow => ({ ...r, doc_path: this.hn(r.doc_path) });
  ev = (r: EventRow): EventRow => ({ ...r, path: this.hn(r.path), detail: this.jsonOut(r.detail) });
  seq = <T extends SequenceRow>(r: T): T => ({ ...r, dir: this.h(r.dir) });
  facts = (f: AssetFactsRow): AssetFactsRow => ({ ...f, at: this.hn(f.at), approvals: f.approvals.map(this.ap) });
  pathFacts = (f: PathFacts): PathFacts => ({ here: this.locOpt(f.here), sameInode: this.locs(f.sameInode), stuck: this.qOpt(f.stuck) });
  keys = (m: Map<string, string>): Map<string, string> => new Map([...m].map(([k, v]) => [this.h(k), v]));
  /** The paths in a detail written by a use case, in stored form. */
  detailIn = <T>(d: T): T => mapStrings(d, this.s);
  /** An event written with a row (a location's, a quarantine row's): its detail's paths in stored form. */
  evIn = (e: EventInput): EventInput => (e.detail === undefined ? e : { ...e, detail: this.detailIn(e.detail) });
  evInOpt = (e: EventInput | null | undefined): EventInput | null | undefined => (e ? this.evIn(e) : e);
  /** A stored JSON document (a quarantine row's evidence) with its paths in stored form. */
  jsonIn = (json: string | null): string | null => jsonMap(json, '"/', this.s);
  /** A stored JSON document (an event's detail, a quarantine row's evidence) with its paths in host form. */
  jsonOut = (json: string | null): string | null => jsonMap(json, ":/", this.h);

  /**
   * The stored prefixes a query on a host folder covers, each with its host form: the
   * folder's own stored form, and the root of every volume mounted below it.
   */
  scopes = (dir: string): Array<{ stored: string; host: string }> => [
    { stored: this.s(dir), host: dir },
    ...volumesBelow(dir, this.volumes).map((v) => ({ stored: `${v.name}:/`, host: v.mount })),
  ];
  /** A query on a folder, over each of its scopes, rows told apart by id (an asset present on two volumes comes back once). */
  async under<T extends { id: number }>(dir: string, query: (stored: string) => Promise<T[]>): Promise<T[]> {
    const sc = this.scopes(dir);
    if (sc.length === 1) return query(sc[0]!.stored);
    const byId = new Map<number, T>();
    for (const { stored } of sc) for (const row of await query(stored)) byId.set(row.id, row);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  /**
   * Present paths under a folder in host path order after `after` (host form), a page at a
   * time, over every scope: each scope is read from its own point in the order, and the
   * pages are merged.
   */
  async presentPathsUnder(l: LocationRepo, dir: string, after: string | null, limit: number): Promise<string[]> {
    const sc = this.scopes(dir);
    if (sc.length === 1) return (await l.presentPathsUnder(sc[0]!.stored, after === null ? null : this.s(after), limit)).map(this.h);
    const pages: string[] = [];
    for (const [i, { stored, host }] of sc.entries()) {
      let from: string | null;
      if (i === 0) from = after; // the folder's own paths are stored in host form (those on a volume are not in this scope)
      else if (after === null || after < host + "/") from = null;
      else if (after.startsWith(host + "/")) from = this.s(after);
      else continue; // the whole volume sorts before `after`
      for (const p of await l.presentPathsUnder(stored, from, limit)) pages.push(this.h(p));
    }
    return [...new Set(pages)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit);
  }

  repos(r: Repos): Repos {
    const { s, h, sn } = this;
    const a = r.assets;
    const assets: AssetRepo = {
      ...bind(a),
      facts: async (id, at) => {
        const f = await a.facts(id, at === undefined || at === null ? at : s(at));
        return f ? this.facts(f) : f;
      },
    };
    const e = r.evidence;
    const evidence: EvidenceRepo = { ...bind(e), under: (dir) => this.under(dir, (d) => e.under(d)) };
    const ap = r.approvals;
    const approvals: ApprovalRepo = {
      of: async (id) => (await ap.of(id)).map(this.ap),
      last: async (id) => {
        const x = await ap.last(id);
        return x ? this.ap(x) : x;
      },
      under: async (dir) => (await this.under(dir, (d) => ap.under(d))).map(this.ap),
      add: (x) => ap.add({ ...x, doc_path: sn(x.doc_path) }),
    };
    const l = r.locations;
    // Rows read through this view (stored form), so a markMissing(id) can find its content.
    const seen = new Map<number, LocationRow>();
    const saw = <T extends LocationRow | undefined>(row: T): T => {
      if (row) {
        if (seen.size > 4096) seen.clear();
        seen.set(row.id, row);
      }
      return row;
    };
    /** A move between volumes: content that went missing on one volume and appeared on another. */
    const moved = async (changed: LocationRow, now: string): Promise<void> => {
      if (changed.asset_id === null) return;
      const m = crossVolumeMove(changed, await l.ofAsset(changed.asset_id), Date.parse(now));
      if (!m) return;
      await r.events.add("moved", now, {
        assetId: changed.asset_id,
        locationId: m.to.id,
        path: m.to.path,
        detail: { from: m.from.path, to: m.to.path, fromVolume: storedVolumeOf(m.from.path), toVolume: storedVolumeOf(m.to.path), acrossVolumes: true },
      });
    };
    const locations: LocationRepo = {
      byPath: async (p) => this.locOpt(saw(await l.byPath(s(p)))),
      lookAt: async (p, dev, ino) => this.pathFacts(await l.lookAt(s(p), dev, ino)),
      ofAsset: async (id) => this.locs(await l.ofAsset(id)),
      byInode: async (dev, ino) => this.locs((await l.byInode(dev, ino)).map(saw)),
      presentUnder: async (dir) => this.locs(await this.under(dir, (d) => l.presentUnder(d))),
      statCacheUnder: async (dir) => {
        const out = new Map<string, string>();
        for (const { stored } of this.scopes(dir)) for (const [k, v] of this.keys(await l.statCacheUnder(stored))) out.set(k, v);
        return out;
      },
      statCacheIn: async (dir) => this.keys(await l.statCacheIn(s(dir))),
      presentPathsUnder: (dir, after, limit) => this.presentPathsUnder(l, dir, after, limit),
      countPresentUnder: async (dir) => {
        let n = 0;
        for (const { stored } of this.scopes(dir)) n += await l.countPresentUnder(stored);
        return n;
      },
      presentNamed: async (name) => this.locs(await l.presentNamed(name)),
      upsert: async (p, assetId, stat, state, error, now, event) => {
        const out = await l.upsert(s(p), assetId, stat, state, error, now, event && ((previous, sha) => this.evInOpt(event(this.locOpt(previous), sha)) ?? null));
        if (state === "present" && assetId !== null && out.previous?.asset_id !== assetId) {
          await moved({ id: out.id, path: s(p), asset_id: assetId, state, first_seen: now, last_seen: now } as LocationRow, now);
        }
        return { id: out.id, previous: this.locOpt(out.previous) };
      },
      touch: (ids, now) => l.touch(ids, now),
      markMissing: async (id, now) => {
        await l.markMissing(id, now);
        const row = seen.get(id);
        if (row && row.state !== "missing") await moved({ ...row, state: "missing", last_seen: now }, now);
      },
      markMissingAt: async (p, now) => {
        const row = await l.byPath(s(p));
        await l.markMissingAt(s(p), now);
        if (row && row.state !== "missing") await moved({ ...row, state: "missing", last_seen: now }, now);
      },
      relocate: (id, p, stat, now) => l.relocate(id, s(p), stat, now),
    };
    const ev = r.events;
    const events: EventRepo = {
      add: (kind, at, refs) => ev.add(kind, at, { ...refs, ...(refs.path === undefined ? {} : { path: sn(refs.path) }), ...(refs.detail === undefined ? {} : { detail: this.detailIn(refs.detail) }) }),
      list: async (f) => (await ev.list(f.path === undefined ? f : { ...f, path: s(f.path) })).map(this.ev),
      lastId: () => ev.lastId(),
      decisionsAfter: (id) => ev.decisionsAfter(id),
    };
    const sq = r.sequences;
    const sequences: SequenceRepo = {
      put: (x, frames, now) => sq.put({ ...x, dir: s(x.dir) }, frames, now),
      hasIn: (dir) => sq.hasIn(s(dir)),
      byKey: async (dir, key) => {
        const x = await sq.byKey(s(dir), key);
        return x ? this.seq(x) : x;
      },
      ofAsset: async (id) => (await sq.ofAsset(id)).map((x) => ({ ...this.seq(x), path: h(x.path) })),
      hasGenAI: (id) => sq.hasGenAI(id),
      assets: (id) => sq.assets(id),
    };
    const qr = r.quarantine;
    const quarantine: QuarantineRepo = {
      byId: async (id) => this.qOpt(await qr.byId(id)),
      rows: async (states) => (await qr.rows(states)).map(this.q),
      stuckAt: async (p) => this.qOpt(await qr.stuckAt(s(p))),
      forcedRelease: async (p, sha) => this.qOpt(await qr.forcedRelease(s(p), sha)),
      counts: () => qr.counts(),
      unsettled: async () => (await qr.unsettled()).map(this.q),
      faulted: async () => (await qr.faulted()).map(this.q),
      plan: async (x, pathFor, event) => this.q(await qr.plan({ ...x, original_path: s(x.original_path), evidence: this.jsonIn(x.evidence) }, (id) => s(pathFor(id)), this.evIn(event))),
      setState: async (id, state, fields, event) => this.q(await qr.setState(id, state, fields?.left === undefined ? fields : { ...fields, left: s(fields.left) }, this.evInOpt(event) ?? undefined)),
      settle: (id, f) => qr.settle(id, { ...f, evidence: this.jsonIn(f.evidence) }),
      setHeldMode: (id, mode) => qr.setHeldMode(id, mode),
      markReleased: (id, f) => qr.markReleased(id, { ...f, to: s(f.to) }),
    };
    return { assets, evidence, approvals, locations, events, sequences, fingerprints: r.fingerprints, quarantine, watcher: r.watcher, c2pa: r.c2pa };
  }
}

/** A JSON document with its strings passed through `fn`; as it is when `hint` (what any string to change holds) is absent, or it does not parse. */
function jsonMap(json: string | null, hint: string, fn: (s: string) => string): string | null {
  if (json === null || !json.includes(hint)) return json;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return json;
  }
  const mapped = mapStrings(parsed, fn);
  return mapped === parsed ? json : JSON.stringify(mapped);
}

/** A repository's methods bound to it, to spread into a decorated copy. */
function bind<T extends object>(repo: T): T {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(repo)) out[k] = typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(repo) : v;
  return out as T;
}
