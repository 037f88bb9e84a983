// Lets c2pa-rs read a file of any size without loading it.
//
// The WASM reader's `fromBytes` copies the whole asset into WASM memory (a 32-bit address
// space: it fails around 2 GiB, and costs the file size twice in RSS). `fromBlob` instead
// wraps a Blob in a Read+Seek stream: blobs up to 50 MB are read once whole, larger ones are
// read slice by slice through the Web Worker API `FileReaderSync`, which Node lacks.
//
// The binding only duck-types the Blob (`size`, `slice(start, end)`) and calls
// `new FileReaderSync().readAsArrayBuffer(slice)`, so a file-backed object with those
// members plus a FileReaderSync that does `fs.readSync` gives c2pa-rs bounded, synchronous
// random access to the file. (Node's own `fs.openAsBlob` cannot be read synchronously, so
// it cannot back FileReaderSync.) Worker-thread only: the reads block the thread.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** A window of an open file; `slice` makes narrower windows, nothing is read until asked. */
export class FileBlob {
  constructor(
    readonly fd: number,
    readonly start: number,
    readonly end: number,
  ) {}

  get size(): number {
    return this.end - this.start;
  }

  slice(from = 0, to: number = this.size): FileBlob {
    const clamp = (n: number): number => Math.min(Math.max(n < 0 ? this.size + n : n, 0), this.size);
    const s = this.start + clamp(from);
    return new FileBlob(this.fd, s, Math.max(s, this.start + clamp(to)));
  }
}

/**
 * Read-ahead window: c2pa-rs parses box and segment headers with many tiny reads; each one
 * would otherwise be a JS↔WASM crossing plus a syscall.
 */
const WINDOW = 1 << 20;

export class FileReaderSyncShim {
  static stats = { reads: 0, bytes: 0, largest: 0 };
  private static cache: { fd: number; start: number; data: Uint8Array } | undefined;

  readAsArrayBuffer(blob: unknown): ArrayBuffer {
    if (!(blob instanceof FileBlob)) throw new TypeError("FileReaderSync shim reads only FileBlob");
    const n = blob.size;
    const stats = FileReaderSyncShim.stats;
    stats.reads += 1;
    stats.bytes += n;
    stats.largest = Math.max(stats.largest, n);
    const out = new Uint8Array(n);
    const c = FileReaderSyncShim.cache;
    if (c && c.fd === blob.fd && blob.start >= c.start && blob.end <= c.start + c.data.length) {
      out.set(c.data.subarray(blob.start - c.start, blob.end - c.start));
      return out.buffer;
    }
    if (n < WINDOW / 4) {
      const data = readFully(blob.fd, blob.start, WINDOW);
      FileReaderSyncShim.cache = { fd: blob.fd, start: blob.start, data };
      out.set(data.subarray(0, Math.min(n, data.length)));
      return out.buffer;
    }
    out.set(readFully(blob.fd, blob.start, n));
    return out.buffer;
  }

  static forget(fd: number): void {
    if (FileReaderSyncShim.cache?.fd === fd) FileReaderSyncShim.cache = undefined;
  }
}

function readFully(fd: number, position: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let off = 0;
  while (off < length) {
    const got = readSync(fd, buf, off, length - off, position + off);
    if (got === 0) break;
    off += got;
  }
  return off === length ? buf : buf.subarray(0, off);
}

/** Install the shim on this (worker) thread's global object. */
export function installFileReaderSync(): void {
  (globalThis as { FileReaderSync?: unknown }).FileReaderSync = FileReaderSyncShim;
}

export function openFileBlob(path: string): { blob: FileBlob; close: () => void } {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  return {
    blob: new FileBlob(fd, 0, size),
    close: () => {
      FileReaderSyncShim.forget(fd);
      closeSync(fd);
    },
  };
}
