// A database named by a URL (postgres:// or postgresql://) rather than a file path, and the
// one rule for showing it: never with its password. Pure.

const SCHEMES = ["postgres:", "postgresql:"];

/** Whether the configured database is a PostgreSQL URL (else it is a SQLite file path). */
export function isDatabaseUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** Query parameters that carry a secret (libpq's names). */
const SECRET_PARAMS = ["password", "sslpassword"];

/** Whether the URL itself carries a password (in its user part or as a query parameter). */
export function urlHasPassword(s: string): boolean {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    // Unparsable: look for "user:password@" by hand so a typo is no way around the rule.
    return /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(s);
  }
  return u.password !== "" || SECRET_PARAMS.some((p) => u.searchParams.has(p));
}

/** The URL as prov shows it everywhere (status, errors, logs, init): without any password. */
export function redactDatabaseUrl(s: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return s.replace(/^([a-z]+:\/\/[^/@:]*):[^/@]*@/i, "$1@");
  }
  if (!SCHEMES.includes(u.protocol.toLowerCase())) return s;
  u.password = "";
  for (const p of SECRET_PARAMS) u.searchParams.delete(p);
  return u.toString();
}
