// When to try a delivery again, and whether to: pure rules the channels share and the unit
// tests pin. Exponential backoff with jitter (so a receiver back from an outage is not hit by
// every watcher at the same instant), a server's Retry-After honoured, and only failures
// that may clear retried: network errors, timeouts, 5xx, 408 and 429. Any other 4xx is the
// request's own fault (a wrong URL, a refused signature) and would fail the same way again.

export interface RetryPolicy {
  /** Tries in all, the first included (1: never retried). */
  attempts: number;
  /** The wait before the second try; doubled before each next one. */
  firstDelayMs: number;
  /** No wait computed from the schedule is longer than this. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, firstDelayMs: 1000, maxDelayMs: 5 * 60_000 };

/** A Retry-After longer than this is not waited for: the notice fails rather than sit in the queue for hours. */
export const RETRY_AFTER_MAX_MS = 60 * 60_000;

/**
 * The wait after try number `attempt` (1-based) failed: the schedule's delay
 * (firstDelayMs × 2^(attempt−1), at most maxDelayMs) with "equal jitter" (a random point
 * in its upper half, so waits still grow), or the server's Retry-After when that is
 * longer. `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: number, retryAfterMs: number | null = null): number {
  const base = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(base / 2 + (base / 2) * Math.min(Math.max(random, 0), 1));
  return retryAfterMs !== null ? Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_MAX_MS)) : jittered;
}

/** The schedule's bounds: each wait is in [min, max] (before any Retry-After). */
export function retrySchedule(policy: RetryPolicy): Array<{ afterAttempt: number; minMs: number; maxMs: number }> {
  const out = [];
  for (let a = 1; a < policy.attempts; a++) out.push({ afterAttempt: a, minMs: retryDelayMs(a, policy, 0), maxMs: retryDelayMs(a, policy, 1) });
  return out;
}

/** Is an HTTP answer worth another try? 2xx never reaches here. */
export function httpRetryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/**
 * A Retry-After header (RFC 9110: seconds, or an HTTP date) as milliseconds from `nowMs`;
 * null when absent or unreadable; 0 for a date in the past.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
