// Telling systemd how `prov watch` is doing (a Type=notify unit, contrib/systemd/): READY=1
// once the gate is ready, WATCHDOG=1 at each heartbeat tick, STOPPING=1 at a graceful
// stop. Node cannot send on a unix datagram socket, so the messages go through systemd's
// own `systemd-notify` (the unit sets NotifyAccess=all, since the sender is that helper,
// not prov's pid). Without NOTIFY_SOCKET (not under systemd) nothing is sent.

import { execFile } from "node:child_process";
import { systemdEnv } from "../config.js";
import { log } from "../log.js";
import { errorMessage } from "../domain/errors.js";

export class SystemdNotifier {
  private readonly socket: string | undefined;
  /** How often to feed the watchdog (half its interval), or undefined when there is none. */
  readonly watchdogMs: number | undefined;
  private lastFed = 0;
  private warned = false;
  /** The watchdog is fed from READY=1 on (systemd arms it when the start is complete). */
  private isReady = false;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const s = systemdEnv(env);
    this.socket = s.notifySocket;
    this.watchdogMs = s.watchdogUsec !== undefined && s.notifySocket ? s.watchdogUsec / 2000 : undefined;
  }

  get active(): boolean {
    return this.socket !== undefined;
  }

  ready(status: string): Promise<void> {
    this.isReady = true;
    return this.send(["READY=1", `STATUS=${status}`, `MAINPID=${process.pid}`]);
  }

  stopping(): Promise<void> {
    return this.send(["STOPPING=1", "STATUS=stopping"]);
  }

  /** At each heartbeat tick: the watchdog sees an event loop that still runs. */
  beat(): void {
    if (this.watchdogMs === undefined || !this.isReady) return;
    const now = Date.now();
    if (now - this.lastFed < this.watchdogMs) return;
    this.lastFed = now;
    void this.send(["WATCHDOG=1"]);
  }

  private send(assignments: string[]): Promise<void> {
    if (!this.socket) return Promise.resolve();
    return new Promise((resolve) => {
      execFile("systemd-notify", ["--no-block", ...assignments], { env: { ...process.env, NOTIFY_SOCKET: this.socket }, timeout: 5000 }, (err) => {
        if (err && !this.warned) {
          this.warned = true;
          log.warn(`cannot tell systemd (${assignments[0]}) through systemd-notify: ${errorMessage(err)}; is systemd-notify installed?`);
        }
        resolve();
      });
    });
  }
}
