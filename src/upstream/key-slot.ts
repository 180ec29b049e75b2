// One key of one upstream target as the router sees it: how many requests it has in flight against its
// maximum, and whether it cools down after a failure. A target without keys (the client's key is forwarded)
// has one slot with no key, so the target itself cools down.
import type { UpstreamKey, UpstreamTarget } from '../routing.ts';

const FIRST_COOL_DOWN_MS = 1000;
/** Longest cool-down, and the longest retry-after honoured. */
export const MAX_COOL_DOWN_MS = 60_000;
/** A concurrency answer (z.ai's 1302) makes the key busy this long when it names no retry-after. */
const BUSY_MS = 1000;

export class KeySlot {
  readonly target: UpstreamTarget;
  readonly key: UpstreamKey | null;
  inFlight = 0;
  /** Unix ms until which the slot cools down (0 = healthy). */
  coolUntil = 0;
  /** Failures in a row: each doubles the next cool-down. */
  private failures = 0;

  constructor(target: UpstreamTarget, key: UpstreamKey | null) {
    this.target = target;
    this.key = key;
  }

  get name(): string | null {
    return this.key?.name ?? null;
  }

  /** It may take one more request now. */
  get free(): boolean {
    return this.key?.maxInFlight === undefined || this.inFlight < this.key.maxInFlight;
  }

  coolingAt(now: number): boolean {
    return this.coolUntil > now;
  }

  /** A failure (connection, timeout, 429, 5xx): cools down 1 s, doubling per failure in a row up to 60 s, or as retry-after asks (up to 60 s). */
  failed(now: number, retryAfterMs: number | null): number {
    this.failures++;
    const backoff = Math.min(MAX_COOL_DOWN_MS, FIRST_COOL_DOWN_MS * 2 ** (this.failures - 1));
    const coolMs = retryAfterMs === null ? backoff : Math.min(MAX_COOL_DOWN_MS, retryAfterMs);
    this.coolUntil = Math.max(this.coolUntil, now + coolMs);
    return coolMs;
  }

  /** The upstream said the key has too many requests in flight: busy for a moment, not failed. */
  busy(now: number, retryAfterMs: number | null): number {
    const coolMs = Math.min(MAX_COOL_DOWN_MS, retryAfterMs ?? BUSY_MS);
    this.coolUntil = Math.max(this.coolUntil, now + coolMs);
    return coolMs;
  }

  succeeded(): void {
    this.failures = 0;
    this.coolUntil = 0;
  }
}
