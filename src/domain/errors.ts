// Typed errors, by kind, shared by every layer. None of them knows about exit codes or
// HTTP statuses: each front end maps kinds once (the CLI in src/cli/exit.ts, the desk in
// its own module).

export type ErrorKind =
  /** Bad input from whoever asked: an argument, a timecode, a cut, a file that is not there. */
  | "input"
  /** The thing asked about does not exist (an asset, a quarantine entry). */
  | "not-found"
  /** Asked for something a rule refuses (a release the gate would block again). */
  | "refused"
  /** prov.config.json missing, unreadable or invalid. */
  | "config"
  /** The store cannot be opened or used (missing, too new, on a network filesystem, a statement failed). */
  | "store"
  /** The watcher lease of a database is held by another `prov watch`, or this watcher lost it. */
  | "lease"
  /** Something that must not happen did: a bug. */
  | "internal";

export abstract class ProvError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InputError extends ProvError {
  readonly kind = "input" as const;
}

export class NotFoundError extends ProvError {
  readonly kind = "not-found" as const;
}

export class RefusedError extends ProvError {
  readonly kind = "refused" as const;
}

export class ConfigError extends ProvError {
  readonly kind = "config" as const;
}

export class StoreError extends ProvError {
  readonly kind = "store" as const;
}

/** Another `prov watch` holds the database's watcher lease (or took it from this one). */
export class LeaseError extends ProvError {
  readonly kind = "lease" as const;
}

export class InternalError extends ProvError {
  readonly kind = "internal" as const;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
