// The quick scan's packed stat cache: a hit only when the stat key is exactly the file's.

import { describe, expect, it } from "vitest";
import { unpackCached } from "../../src/app/ingest/stat-cache.js";
import { statKeyString } from "../../src/domain/identity.js";

const S = "\x1f";
const key = statKeyString({ dev: "2049", ino: "131", size: 100, mtimeNs: "1764199000123456789", ctimeNs: "1764199000123456789" });
const sha = "c".repeat(64);

describe("unpackCached()", () => {
  it("unpacks the location and asset when the stat key matches", () => {
    const packed = [key, "7", "42", sha, "100", "genai", "temporary", "2026-11-26T10:00:00.000Z", "m".repeat(64), ""].join(S);
    expect(unpackCached(packed, key)).toEqual({
      locationId: 7,
      asset: { id: 42, sha256: sha, size: 100, origin: "genai", status: "temporary", first_seen: "2026-11-26T10:00:00.000Z", media_hash: "m".repeat(64), metadata_error: null },
    });
  });

  it("misses when any stat field differs, including a key that is a prefix of the cached one", () => {
    const packed = [key, "7", "42", sha, "100", "unknown", "", "2026-11-26T10:00:00.000Z", "", ""].join(S);
    expect(unpackCached(packed, key.replace(/9$/, "8"))).toBeUndefined();
    expect(unpackCached(packed, key.slice(0, -1))).toBeUndefined();
    expect(unpackCached(undefined, key)).toBeUndefined();
  });

  it("keeps an error text that holds the separator whole", () => {
    const packed = [key, "1", "2", sha, "0", "unknown", "", "2026-11-26T10:00:00.000Z", "", `bad${S}header`].join(S);
    expect(unpackCached(packed, key)?.asset).toMatchObject({ status: null, media_hash: null, metadata_error: `bad${S}header` });
  });
});
