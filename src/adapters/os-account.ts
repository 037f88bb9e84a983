// Who is running prov at the operating system: the account, its groups, the host. Recorded
// with every decision beside the name a person types, which anyone could type.

import { readFileSync } from "node:fs";
import { hostname, userInfo } from "node:os";
import type { Actor } from "../domain/approval-terms.js";

/** Group names of the current process: its gids looked up in /etc/group (ids as text where a name is unknown). */
function groupNames(account: string): string[] {
  const gids = new Set<number>([...(process.getgroups?.() ?? []), ...(process.getgid ? [process.getgid()] : [])]);
  const names = new Set<string>();
  let table = "";
  try {
    table = readFileSync("/etc/group", "utf8");
  } catch {
    // not a Unix group file: ids only
  }
  const known = new Set<number>();
  for (const line of table.split("\n")) {
    const [name, , gid, members] = line.split(":");
    if (!name || gid === undefined) continue;
    const id = Number(gid);
    if (gids.has(id) || (members ?? "").split(",").includes(account)) {
      names.add(name);
      known.add(id);
    }
  }
  for (const id of gids) if (!known.has(id)) names.add(String(id));
  return [...names];
}

export function currentActor(): Actor {
  let account: string;
  try {
    account = userInfo().username;
  } catch {
    account = process.getuid ? `uid ${process.getuid()}` : "unknown";
  }
  return { account, host: hostname(), groups: groupNames(account) };
}
