// Byte sources for archive.ts: random access (a file, a slice of one, bytes in memory)
// and sequential readers over either random access or a stream (a gunzip output). Every
// read is bounded: callers ask for a size, never "the rest".

import type { FileHandle } from "node:fs/promises";

export const CHUNK = 64 * 1024;

/** Bytes that can be read at any offset. `read` returns fewer bytes only at the end. */
export interface RandomAccess {
  readonly size: number;
  read(at: number, len: number): Promise<Uint8Array>;
}

export class FileSource implements RandomAccess {
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async read(at: number, len: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(len, this.size - at));
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.fh.read(buf, got, n - got, at + got);
      if (bytesRead === 0) break; // the file shrank under us: short read, caller reports it
      got += bytesRead;
    }
    return got === n ? buf : buf.subarray(0, got);
  }
}

/** A window onto another source: a stored zip member, or a member of an uncompressed tar. */
export class SliceSource implements RandomAccess {
  constructor(
    private readonly parent: RandomAccess,
    private readonly offset: number,
    readonly size: number,
  ) {}

  read(at: number, len: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(len, this.size - at));
    return this.parent.read(this.offset + at, n);
  }
}

export class MemorySource implements RandomAccess {
  constructor(private readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  read(at: number, len: number): Promise<Uint8Array> {
    return Promise.resolve(this.bytes.subarray(Math.min(at, this.bytes.length), Math.min(at + len, this.bytes.length)));
  }
}

/** Stream [at, at + len) of a source in chunks of at most CHUNK bytes. */
export async function* streamRange(src: RandomAccess, at: number, len: number): AsyncGenerator<Uint8Array> {
  let pos = at;
  const end = at + len;
  while (pos < end) {
    const chunk = await src.read(pos, Math.min(CHUNK, end - pos));
    if (chunk.length === 0) throw new RangeError(`the data ends at byte ${pos}, before byte ${end}`);
    pos += chunk.length;
    yield chunk;
  }
}

/** A forward-only reader. `read(n)` returns fewer than n bytes only at the end of the data. */
export interface SeqReader {
  /** Bytes consumed so far. */
  readonly pos: number;
  read(n: number): Promise<Uint8Array>;
  /** Discard up to n bytes; returns how many there were. */
  skip(n: number): Promise<number>;
  /** The source underneath, when the reader is over random access (so a member can be sliced). */
  readonly random: RandomAccess | null;
}

/** Sequential reading of a random-access source: skipping is free. */
export class RandomReader implements SeqReader {
  constructor(
    readonly random: RandomAccess,
    public pos = 0,
  ) {}

  async read(n: number): Promise<Uint8Array> {
    const b = await this.random.read(this.pos, n);
    this.pos += b.length;
    return b;
  }

  skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.random.size - this.pos));
    this.pos += k;
    return Promise.resolve(k);
  }
}

/** Sequential reading of a stream of chunks, holding at most one chunk beyond what was asked. */
export class StreamReader implements SeqReader {
  readonly random = null;
  pos = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private done = false;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.it.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.pending = next.value;
    return true;
  }

  async read(n: number): Promise<Uint8Array> {
    if (this.pending.length >= n) {
      const out = this.pending.subarray(0, n);
      this.pending = this.pending.subarray(n);
      this.pos += n;
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (this.pending.length === 0 && !(await this.fill())) break;
      const k = Math.min(n - got, this.pending.length);
      out.set(this.pending.subarray(0, k), got);
      this.pending = this.pending.subarray(k);
      got += k;
    }
    this.pos += got;
    return got === n ? out : out.subarray(0, got);
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0 && !(await this.fill())) break;
      const k = Math.min(left, this.pending.length);
      this.pending = this.pending.subarray(k);
      left -= k;
    }
    this.pos += n - left;
    return n - left;
  }

  /** Put bytes back in front (after peeking at them). */
  unshift(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const merged = new Uint8Array(bytes.length + this.pending.length);
    merged.set(bytes, 0);
    merged.set(this.pending, bytes.length);
    this.pending = merged;
    this.pos -= bytes.length;
  }

  /** Stop the stream underneath (a gunzip), e.g. when the listing ends early. */
  async close(): Promise<void> {
    this.done = true;
    await this.it.return?.();
  }
}
