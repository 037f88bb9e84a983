// The hash formats of ASC MHL v2, as incremental hashers, so a caller can feed the same
// chunks it already reads for SHA-256 and pay for one read pass only. Digests are written
// the way the reference tool (ascmitc/mhl) writes them: lowercase hex, except c4 (a C4 ID).
//
// xxHash comes from hash-wasm (WASM, no native build). Creating a WASM hasher costs about
// 0.1 ms, which adds up over 100k files, so finished hashers go back to a small pool.

import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createXXHash128, createXXHash3, createXXHash64, type IHasher } from "hash-wasm";
import { c4FromSha512, c4ToBytes, isC4Id } from "./c4.js";

/** In the ASC MHL schema's element order (the order entries must appear in a <hash>). */
export const MHL_ALGORITHMS = ["c4", "md5", "sha1", "xxh128", "xxh3", "xxh64"] as const;
export type MhlAlgorithm = (typeof MHL_ALGORITHMS)[number];
/** The reference tool's default. */
export const DEFAULT_MHL_ALGORITHM: MhlAlgorithm = "xxh128";

export function isMhlAlgorithm(s: string): s is MhlAlgorithm {
  return (MHL_ALGORITHMS as readonly string[]).includes(s);
}

export interface MhlHasher {
  update(buf: Uint8Array): void;
  /** The digest as MHL writes it. The hasher is finished (and recycled) after this. */
  digest(): string;
}

/** One reusable engine: init() starts a new hash, final() ends it. */
interface Engine {
  init(): void;
  update(buf: Uint8Array): void;
  final(): string;
}

class WasmEngine implements Engine {
  constructor(private readonly h: IHasher) {}
  init(): void {
    this.h.init();
  }
  update(buf: Uint8Array): void {
    this.h.update(buf);
  }
  final(): string {
    return this.h.digest("hex");
  }
}

class NodeEngine implements Engine {
  private h: Hash | null = null;
  constructor(
    private readonly nodeAlg: string,
    private readonly c4: boolean,
  ) {}
  init(): void {
    this.h = createHash(this.nodeAlg);
  }
  update(buf: Uint8Array): void {
    this.h!.update(buf);
  }
  final(): string {
    const d = this.h!.digest();
    this.h = null;
    return this.c4 ? c4FromSha512(d) : d.toString("hex");
  }
}

async function newEngine(alg: MhlAlgorithm): Promise<Engine> {
  switch (alg) {
    case "xxh128":
      return new WasmEngine(await createXXHash128());
    case "xxh3":
      return new WasmEngine(await createXXHash3());
    case "xxh64":
      return new WasmEngine(await createXXHash64());
    case "md5":
      return new NodeEngine("md5", false);
    case "sha1":
      return new NodeEngine("sha1", false);
    case "c4":
      return new NodeEngine("sha512", true);
  }
}

const POOL_MAX = 32;
const pool = new Map<MhlAlgorithm, Engine[]>();

async function acquire(alg: MhlAlgorithm): Promise<Engine> {
  if (!isMhlAlgorithm(alg)) throw new Error(`mhl: unsupported hash format ${JSON.stringify(alg)} (supported: ${MHL_ALGORITHMS.join(", ")})`);
  const e = pool.get(alg)?.pop() ?? (await newEngine(alg));
  e.init();
  return e;
}

function release(alg: MhlAlgorithm, e: Engine): void {
  let list = pool.get(alg);
  if (!list) pool.set(alg, (list = []));
  if (list.length < POOL_MAX) list.push(e);
}

export async function createMhlHasher(alg: MhlAlgorithm): Promise<MhlHasher> {
  const engine = await acquire(alg);
  let done = false;
  return {
    update(buf) {
      if (done) throw new Error("mhl: hasher used after digest()");
      engine.update(buf);
    },
    digest() {
      if (done) throw new Error("mhl: digest() called twice");
      done = true;
      const d = engine.final();
      release(alg, engine);
      return d;
    },
  };
}

/** Hash a whole file in one streaming pass. */
export async function hashFileMhl(path: string, alg: MhlAlgorithm): Promise<string> {
  const h = await createMhlHasher(alg);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  } catch (e) {
    h.digest(); // give the engine back; the error is what matters
    throw e;
  }
  return h.digest();
}

/**
 * A synchronous one-shot hasher for the many tiny hashes of directory hashing (one per
 * child). release() when done.
 */
export interface OneShot {
  hash(parts: readonly Uint8Array[]): string;
  release(): void;
}

export async function createOneShot(alg: MhlAlgorithm): Promise<OneShot> {
  const engine = await acquire(alg);
  let released = false;
  return {
    hash(parts) {
      if (released) throw new Error("mhl: one-shot hasher used after release()");
      engine.init();
      for (const p of parts) engine.update(p);
      return engine.final();
    },
    release() {
      if (released) return;
      released = true;
      release(alg, engine);
    },
  };
}

const HEX_LENGTH: Record<Exclude<MhlAlgorithm, "c4">, number> = { md5: 32, sha1: 40, xxh128: 32, xxh3: 16, xxh64: 16 };

/**
 * Check a digest string is what `alg` produces and return it as MHL writes it (lowercase
 * hex); throws otherwise, so a SHA-256 passed by mistake is not written as an xxh128.
 */
export function normalizeDigest(alg: MhlAlgorithm, digest: string): string {
  if (alg === "c4") {
    if (!isC4Id(digest)) throw new Error(`mhl: not a C4 ID: ${JSON.stringify(digest)}`);
    return digest;
  }
  const d = digest.toLowerCase();
  if (d.length !== HEX_LENGTH[alg] || !/^[0-9a-f]+$/.test(d)) {
    throw new Error(`mhl: not an ${alg} digest (${HEX_LENGTH[alg]} hex digits): ${JSON.stringify(digest)}`);
  }
  return d;
}

/** The bytes a digest string stands for: what directory hashes are computed over. */
export function digestBytes(alg: MhlAlgorithm, digest: string): Buffer {
  return alg === "c4" ? c4ToBytes(digest) : Buffer.from(digest, "hex");
}
