// The command hook: a facility's own program gets each notice as one JSON object on its
// standard input (and PROV_EVENT in its environment). One run at a time, with a time limit;
// a command that fails is logged and counted, never retried in a loop (the next notice is
// the next try): the program is the facility's, and it may have done half its work.

import { spawn } from "node:child_process";
import type { Envelope } from "./notice.js";
import { DeliveryError, type Transport } from "./channel.js";

const TIMEOUT_MS = 30_000;

export class CommandTransport implements Transport {
  readonly channel = "command";
  readonly label: string;

  /** `argv`: the program and its arguments (no shell). */
  constructor(private readonly argv: readonly string[]) {
    this.label = `command ${argv[0]}`;
  }

  deliver(e: Envelope, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.argv[0]!, this.argv.slice(1), { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, PROV_EVENT: e.event } });
      let stderr = "";
      const kill = (): void => void child.kill("SIGKILL");
      const timer = setTimeout(kill, TIMEOUT_MS);
      signal.addEventListener("abort", kill, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", kill);
      };
      child.stderr!.on("data", (d: Buffer) => void (stderr.length < 2000 && (stderr += d.toString())));
      child.on("error", (err) => {
        done();
        reject(err);
      });
      child.on("close", (code, sig) => {
        done();
        if (code === 0) return resolve();
        const why = sig ? `killed by ${sig}${sig === "SIGKILL" && !signal.aborted ? ` (over ${TIMEOUT_MS / 1000} s)` : ""}` : `exit ${code}${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}`;
        reject(new DeliveryError(why, false));
      });
      // A command that does not read its input must not fail the notice with EPIPE.
      child.stdin!.on("error", () => undefined);
      // `notice` and `event` are the hook's first fields, kept for the programs written for them.
      child.stdin!.end(JSON.stringify(e) + "\n");
    });
  }
}

// The gate imports the notice's type from here (the hook came first).
export type { Notice, NoticeKind } from "./notice.js";
