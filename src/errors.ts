// Typed errors. The CLI maps each class to one exit code in one place (cli.ts);
// nothing else decides exit codes.

export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  database: 3,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class ProvError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad arguments, a missing file named on the command line, an unknown asset. */
export class UsageError extends ProvError {
  readonly exitCode = ExitCode.usage;
}

/** prov.config.json missing, unreadable or invalid. */
export class ConfigError extends ProvError {
  readonly exitCode = ExitCode.usage;
}

/** The database cannot be opened, is too new, is on a network filesystem, or a statement failed. */
export class DatabaseError extends ProvError {
  readonly exitCode = ExitCode.database;
}

/** Raised inside the product when something that must not happen did: a bug. */
export class InternalError extends ProvError {
  readonly exitCode = ExitCode.internal;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The errno code of a Node system error, if any ("ENOENT", "EACCES", ...). */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === "object" && err !== null && "code" in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** A short human reason for a filesystem error, by errno code, never by message text. */
export function describeFsError(err: unknown): string {
  switch (errnoCode(err)) {
    case "ENOENT":
      return "file vanished (no such file)";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "EIO":
      return "input/output error (failing disk or dropped network share)";
    case "ENAMETOOLONG":
      return "file name too long";
    case "EBUSY":
      return "file is busy";
    default:
      return errorMessage(err);
  }
}
