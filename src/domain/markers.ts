// Pure: byte patterns that GenAI labels leave in a file (a C2PA manifest store, IPTC
// digital source type terms in XMP, generators' text chunks and names). Found while a file
// is hashed (its first and last few MiB, where metadata lives), they only order work: the
// gate reads the labels of a file with markers first, so in a burst of thousands the GenAI
// ones are judged in seconds. They never decide anything; ExifTool's reading does.

const NEEDLES: readonly Buffer[] = [
  "c2pa", // JUMBF manifest store label
  "trainedAlgorithmicMedia", // IPTC / C2PA digital source type terms (also inside compositeWithTrained...)
  "compositeSynthetic",
  "AISystemUsed",
  "AIGC", // TC260:AIGC (GB 45438-2025)
  "parameters\0", // AUTOMATIC1111 / Forge PNG text chunk
  "Steps: ",
  "prompt\0", // ComfyUI PNG text chunks
  "workflow\0",
  "\"class_type\"",
  "invokeai",
  "sd-metadata",
  "fooocus",
  "NovelAI",
  "Midjourney",
  "DALL",
  "Firefly",
  "Stable Diffusion",
  "ComfyUI",
  "urn:air:",
].map((s) => Buffer.from(s, "latin1"));

const LONGEST = Math.max(...NEEDLES.map((n) => n.length));
/** Labels live in a file's header and trailer: only this much of each end is scanned. */
export const MARKER_SPAN = 4 * 1024 * 1024;

/** Counts distinct markers in the parts of a file that stream past (feed every part in order). */
export class MarkerScan {
  private readonly seen = new Set<number>();
  private carry: Buffer = Buffer.alloc(0);
  private carryEnd = -1;

  constructor(private readonly size: number) {}

  /** `part` holds the bytes at `offset`.. of the file. */
  update(part: Buffer, offset: number): void {
    if (this.seen.size === NEEDLES.length) return;
    const end = offset + part.length;
    const inHead = offset < MARKER_SPAN;
    const inTail = end > this.size - MARKER_SPAN;
    if (!inHead && !inTail) {
      this.carry = Buffer.alloc(0);
      return;
    }
    // Keep the last few bytes of the previous part, so a marker split across reads is found.
    const buf = this.carryEnd === offset && this.carry.length > 0 ? Buffer.concat([this.carry, part]) : part;
    for (let i = 0; i < NEEDLES.length; i++) if (!this.seen.has(i) && buf.indexOf(NEEDLES[i]!) >= 0) this.seen.add(i);
    this.carry = Buffer.from(part.subarray(Math.max(0, part.length - LONGEST + 1)));
    this.carryEnd = end;
  }

  /** How many different markers were found: 0 means none (read in arrival order). */
  get found(): number {
    return this.seen.size;
  }
}
