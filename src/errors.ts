// What the operating system said, in words: errno codes of failed file operations turned
// into short reasons. The error classes themselves are in src/domain/errors.ts.

import { errorMessage } from "./domain/errors.js";

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
      return "no such file or folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    case "ELOOP":
      return "too many levels of symbolic links";
    case "EIO":
      return "input/output error (failing disk or dropped network share)";
    case "ENAMETOOLONG":
      return "file name too long";
    case "EBUSY":
      return "file is busy";
    case "EROFS":
      return "the filesystem is read-only";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "EEXIST":
      return "it already exists";
    case "EINVAL":
      return "the filesystem does not allow this here (invalid argument)";
    case "ENXIO":
    case "ENODEV":
      return "no such device (a device or special file, not a regular file or folder)";
    case "EMFILE":
    case "ENFILE":
      return "too many open files (raise the file descriptor limit)";
    case "ETXTBSY":
      return "file is in use";
    case "ESTALE":
      return "stale file handle (the network share was remounted)";
    case "ENOTCONN":
      return "transport endpoint is not connected (the share is gone)";
    default:
      return errorMessage(err);
  }
}

/** A file that was listed and then could not be found: it vanished, it did not never exist. */
export function describeVanished(err: unknown): string {
  return errnoCode(err) === "ENOENT" ? "file vanished (listed, then gone)" : describeFsError(err);
}

/**
 * The operating system's error (errno, syscall, path) in one sentence, for the CLI's last
 * catch: an error the environment raised is the user's to fix, never "a bug in prov".
 * Null for anything that is not a system error.
 */
export function systemErrorMessage(err: unknown): string | null {
  const code = errnoCode(err);
  if (!code || !/^E[A-Z0-9]+$/.test(code) || !(err instanceof Error)) return null;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  const what = e.syscall ? `${e.syscall}${e.path ? ` ${e.path}` : ""}${e.dest ? ` → ${e.dest}` : ""}` : (e.path ?? "");
  return `${what ? `${what}: ` : ""}${describeFsError(err)} (${code})`;
}
