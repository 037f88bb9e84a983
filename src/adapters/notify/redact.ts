// Where a notice goes, as logs and `prov status` may show it: never a secret. A webhook URL
// can carry one in its user info (https://user:pass@…), its query (?token=…) or its path
// (Slack and Teams put the key in the path: /services/T0/B0/XXXXXXXX). Pure.

/** A path segment that looks like a key rather than a name: long, and letters mixed with digits. */
function tokenLike(segment: string): boolean {
  return segment.length >= 16 && /[0-9]/.test(segment) && /[A-Za-z]/.test(segment);
}

function decoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The URL with user info, query values, fragment and key-like path segments replaced by "***". */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return "(a URL that cannot be parsed)";
  }
  const userinfo = u.username || u.password ? "***@" : "";
  const pathPart = u.pathname
    .split("/")
    .map((s) => (tokenLike(decoded(s)) ? "***" : s))
    .join("/");
  const query = [...u.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=***`).join("&");
  return `${u.protocol}//${userinfo}${u.host}${pathPart}${query ? `?${query}` : ""}${u.hash ? "#***" : ""}`;
}

/** A message with every occurrence of the secret strings (the URL, its parts) replaced by the redacted form. */
export function redactIn(message: string, url: string): string {
  let out = message;
  let u: URL | null = null;
  try {
    u = new URL(url);
  } catch {
    return out.split(url).join(redactUrl(url));
  }
  out = out.split(url).join(redactUrl(url));
  const keyLike = u.pathname.split("/").filter((s) => tokenLike(decoded(s)));
  for (const secret of [u.password, u.username, ...u.searchParams.values(), u.search, u.hash.slice(1), ...keyLike]) {
    if (secret && secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}
