// What `prov status` and the desk say about notices: per channel (command hook, webhook, mail) what the
// running watcher's last heartbeat says was sent, failed after every try, is pending and was
// dropped, and the last failure with its time. Targets come redacted from the watcher.

interface ChannelStatus {
  target: string;
  sent: number;
  failed: number;
  pending?: number;
  dropped: number;
  lastFailure: { at: string; kind?: string; event?: string; error: string } | null;
}

const CHANNELS = ["command", "webhook", "smtp"] as const;

export function notifyStatusLines(notify: unknown): string[] {
  if (!notify || typeof notify !== "object") return [];
  const n = notify as Partial<Record<(typeof CHANNELS)[number], ChannelStatus | null>>;
  const lines: string[] = [];
  for (const name of CHANNELS) {
    const c = n[name];
    if (!c) continue;
    const counts = [`${c.sent} sent`, `${c.failed} failed`, c.pending ? `${c.pending} pending` : null, c.dropped ? `${c.dropped} dropped (queue full)` : null].filter(Boolean).join(", ");
    const last = c.lastFailure ? `; last failure ${c.lastFailure.at} (${c.lastFailure.kind ?? c.lastFailure.event}): ${c.lastFailure.error}` : "";
    lines.push(`notify ${c.target}: ${counts}${last}`);
  }
  return lines;
}
