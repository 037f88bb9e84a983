// Pure: is this Node.js line still maintained? A storage service must not run on a
// runtime that gets no security fixes; `prov watch` says so at start.

/** End of life of each Node.js line (nodejs.org/about/previous-releases; odd lines live about 8 months). */
const END_OF_LIFE: Readonly<Record<number, string>> = {
  18: "2025-04-30",
  19: "2023-06-01",
  20: "2026-04-30",
  21: "2024-06-01",
  22: "2027-04-30",
  23: "2025-06-01",
  24: "2028-04-30",
  25: "2026-06-01",
  26: "2029-04-30",
  27: "2027-06-01",
  28: "2030-04-30",
};

/** The lines prov is tested on (CI runs the whole suite on each), and the one to recommend. */
export const TESTED_NODE_LINES = [20, 22, 26] as const;
export const RECOMMENDED_NODE_LINE = 26;

export interface NodeSupport {
  major: number;
  /** The day this line stopped (or stops) getting fixes, when known. */
  endOfLife: string | null;
  endedOn: string | null;
  /** A sentence for the log, or null when this line is maintained. */
  warning: string | null;
}

export function nodeSupport(version: string, today: Date): NodeSupport {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN);
  const eol = Number.isFinite(major) ? (END_OF_LIFE[major] ?? null) : null;
  const day = today.toISOString().slice(0, 10);
  const ended = eol !== null && day > eol;
  return {
    major,
    endOfLife: eol,
    endedOn: ended ? eol : null,
    warning: ended
      ? `Node.js ${version} reached end of life on ${eol} and gets no security fixes; run prov on Node.js ${RECOMMENDED_NODE_LINE} (the current LTS) or ${TESTED_NODE_LINES.filter((l) => l !== RECOMMENDED_NODE_LINE && (END_OF_LIFE[l] ?? "") > day).join(", ")}`
      : null,
  };
}
