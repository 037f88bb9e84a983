// The revoked-approval notices: among the decisions the watcher saw since its last look (any
// process may have made them: the CLI, the desk), the revocations, one notice per revocation
// (a sequence revoked as a whole is one), named by a path where the asset is.

import type { Store } from "../../ports.js";
import type { Notice } from "./notice.js";

/** Notices for the `revoked` events of these assets with an id in (after, upTo]. */
export async function revokedNotices(store: Store, assets: Iterable<number>, after: number, upTo: number): Promise<Notice[]> {
  const groups = new Map<string, { by: unknown; note: unknown; account: unknown; at: string; sha256: string | null; assetId: number; count: number }>();
  for (const assetId of assets) {
    for (const e of await store.events.list({ assetId, limit: 50 })) {
      if (e.kind !== "revoked" || e.id <= after || e.id > upTo) continue;
      let d: Record<string, unknown> = {};
      try {
        d = e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : {};
      } catch {
        // A detail that is not JSON: the notice goes out without who and why.
      }
      const key = `${e.at}\0${String(d["by"])}\0${String(d["note"])}`;
      const g = groups.get(key);
      if (g) g.count++;
      else groups.set(key, { by: d["by"] ?? null, note: d["note"] ?? null, account: d["account"] ?? null, at: e.at, sha256: e.sha256 ?? null, assetId, count: 1 });
    }
  }
  const out: Notice[] = [];
  for (const g of groups.values()) {
    const locs = await store.locations.ofAsset(g.assetId);
    const where = locs.find((l) => l.state === "present") ?? locs[0];
    out.push({
      event: "revoked",
      path: where?.path ?? null,
      reason: `approval revoked by ${String(g.by ?? "(not recorded)")}${g.note ? `: ${String(g.note)}` : ""}${g.count > 1 ? ` (${g.count} assets)` : ""}; a copy in deliverables is judged again`,
      detail: { sha256: g.sha256, by: g.by, note: g.note, account: g.account, revokedAt: g.at, assets: g.count },
    });
  }
  return out;
}
