// The CLI's exit codes, and the one place an error becomes one. Commands return
// ok/findings themselves; errors are mapped by kind.

import { ProvError } from "../domain/errors.js";

export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  database: 3,
  /** EX_TEMPFAIL: another `prov watch` holds the database's watcher lease, or took it from this one; try again later. */
  lease: 75,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeOf(err: ProvError): ExitCode {
  switch (err.kind) {
    case "input":
    case "not-found":
    case "refused":
    case "config":
      return ExitCode.usage;
    case "store":
      return ExitCode.database;
    case "lease":
      return ExitCode.lease;
    case "internal":
      return ExitCode.internal;
  }
}
