// Pure: folder rules from the config (e.g. "**/AI_TEMP/**") → evidence for a path.

import picomatch from "picomatch";
import type { Evidence, Signal } from "./types.js";

export interface FolderRule {
  pattern: string;
  origin: Extract<Signal, "genai" | "genai-edited" | "possibly-genai">;
  note?: string;
}

export type FolderMatcher = (absPath: string) => Evidence[];

export function folderMatcher(rules: readonly FolderRule[]): FolderMatcher {
  // Case-insensitive: SMB shares and macOS ignore case, so ai_temp/ is the AI_TEMP/ folder.
  const compiled = rules.map((rule) => ({ rule, test: picomatch(rule.pattern, { dot: true, nocase: true }) }));
  return (absPath) =>
    compiled
      .filter((c) => c.test(absPath))
      .map(({ rule }) => ({
        source: "folder" as const,
        field: `folder rule ${rule.pattern}`,
        value: absPath,
        signal: rule.origin,
        ...(rule.note ? { detail: { note: rule.note } } : {}),
      }));
}
