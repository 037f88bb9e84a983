// The command hook: what needs a person's attention (a file blocked or held, a move stuck,
// the database refusing writes, a root unmounted) is handed to a facility's own program as
// one JSON object on its standard input. It never blocks the gate: notices wait in a
// bounded queue and the command runs one at a time, with a time limit; a command that
// fails is logged and counted (`prov status` shows the last failure), never retried in a
// loop (the next notice is the next try).

import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { errorMessage } from "../../domain/errors.js";
import { log } from "../../log.js";

export type NoticeKind = "blocked" | "held" | "stuck" | "database-refuses-writes" | "database-takes-writes" | "unmounted";

export interface Notice {
  event: NoticeKind;
  /** The path concerned (the file, or the root). */
  path: string | null;
  reason: string;
  /** More about it: quarantine id and path, fault, next try. */
  detail?: Record<string, unknown>;
}

export interface NotifyStatus {
  sent: number;
  failed: number;
  dropped: number;
  lastFailure: { at: string; event: NoticeKind; error: string } | null;
}

/** Notices waiting beyond this are dropped (oldest first) and counted: a burst of 5,000 blocks must not pile up. */
const QUEUE_MAX = 1000;
const TIMEOUT_MS = 30_000;

export class CommandNotifier {
  private readonly queue: Array<Notice & { at: string; host: string }> = [];
  private running = false;
  private readonly state: NotifyStatus = { sent: 0, failed: 0, dropped: 0, lastFailure: null };
  private idleWaiters: Array<() => void> = [];

  /** `argv`: the program and its arguments (no shell). */
  constructor(private readonly argv: readonly string[]) {}

  notify(n: Notice): void {
    if (this.queue.length >= QUEUE_MAX) {
      this.queue.shift();
      this.state.dropped++;
    }
    this.queue.push({ ...n, at: new Date().toISOString(), host: hostname() });
    if (!this.running) void this.drain();
  }

  status(): NotifyStatus {
    return { ...this.state };
  }

  /** Resolves when every queued notice has been handed over (for a graceful stop). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let n = this.queue.shift(); n; n = this.queue.shift()) {
        try {
          await this.run(n);
          this.state.sent++;
        } catch (err) {
          this.state.failed++;
          this.state.lastFailure = { at: new Date().toISOString(), event: n.event, error: errorMessage(err) };
          log.warn(`notify command ${this.argv[0]} failed for a ${n.event} notice: ${errorMessage(err)}`);
        }
      }
    } finally {
      this.running = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((f) => f());
    }
  }

  private run(n: Notice & { at: string; host: string }): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.argv[0]!, this.argv.slice(1), { stdio: ["pipe", "ignore", "pipe"], env: { ...process.env, PROV_EVENT: n.event } });
      let stderr = "";
      const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
      child.stderr!.on("data", (d: Buffer) => void (stderr.length < 2000 && (stderr += d.toString())));
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(signal ? `killed by ${signal}${signal === "SIGKILL" ? ` (over ${TIMEOUT_MS / 1000} s)` : ""}` : `exit ${code}${stderr.trim() ? `: ${stderr.trim().split("\n")[0]}` : ""}`));
      });
      // A command that does not read its input must not fail the notice with EPIPE.
      child.stdin!.on("error", () => undefined);
      child.stdin!.end(JSON.stringify({ notice: "prov", ...n }) + "\n");
    });
  }
}
