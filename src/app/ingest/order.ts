// Ingest stage "order": outcomes are reported in walk order (names sorted within each
// folder), whatever order the parallel reads finish in, so two scans of one tree list their
// files identically. A slot is reserved when a file is found and filled when it is done.

export class InOrder<T> {
  private reserved = 0;
  private next = 0;
  private readonly ready = new Map<number, T | null>();

  constructor(private readonly report: (o: T) => void) {}

  /** How many finished outcomes wait behind an unfinished one (the walk slows down past a limit). */
  get waiting(): number {
    return this.ready.size;
  }

  reserve(): number {
    return this.reserved++;
  }

  /** Fill a slot (null: nothing to report there). Slot -1 reports at once (a late re-read). */
  fill(slot: number, o: T | null): void {
    if (slot < 0) {
      if (o) this.report(o);
      return;
    }
    this.ready.set(slot, o);
    while (this.ready.has(this.next)) {
      const x = this.ready.get(this.next)!;
      this.ready.delete(this.next);
      this.next++;
      if (x) this.report(x);
    }
  }

  emit(o: T): void {
    this.fill(this.reserve(), o);
  }
}
