// The client limits of one process (no REDIS_URL): the same fixed 60 s windows, in-flight sets and UTC day
// and month budgets as the Redis store, in maps. Counters of past windows are dropped as new ones open.
import { untilNextDay, untilNextMonth, type Admission, type ClientLimits, type LimitStore, type Reservation } from '../client-keys.ts';

export class MemoryLimitStore implements LimitStore {
  readonly kind = 'memory' as const;
  private readonly counters = new Map<string, number>();
  private readonly inFlight = new Map<string, Set<string>>();
  private lastMinute = 0;

  async admit(reservation: Reservation, limits: ClientLimits, now: number): Promise<Admission> {
    this.forgetOldWindows(reservation.minute);
    const keys = counterKeys(reservation);
    const count = (name: string) => this.counters.get(name) ?? 0;
    const flying = this.inFlight.get(reservation.key) ?? new Set<string>();
    const verdict = decide(limits, reservation.estimate, now, {
      requests: count(keys.requests),
      tokens: count(keys.tokens),
      inFlight: flying.size,
      day: count(keys.day),
      month: count(keys.month),
    });
    if (!verdict.ok) return verdict;
    this.counters.set(keys.requests, count(keys.requests) + 1);
    for (const name of [keys.tokens, keys.day, keys.month]) this.counters.set(name, count(name) + reservation.estimate);
    flying.add(reservation.requestId);
    this.inFlight.set(reservation.key, flying);
    return verdict;
  }

  async settle(reservation: Reservation, _limits: ClientLimits, usedTokens: number): Promise<void> {
    this.inFlight.get(reservation.key)?.delete(reservation.requestId);
    const delta = usedTokens - reservation.estimate;
    const keys = counterKeys(reservation);
    for (const name of [keys.tokens, keys.day, keys.month]) {
      const value = this.counters.get(name);
      if (value !== undefined) this.counters.set(name, Math.max(0, value + delta));
    }
  }

  async health(): Promise<{ kind: 'memory'; status: 'up' }> {
    return { kind: 'memory', status: 'up' };
  }

  async close(): Promise<void> {}

  private forgetOldWindows(minute: number): void {
    if (minute === this.lastMinute) return;
    this.lastMinute = minute;
    for (const name of this.counters.keys()) {
      const match = /:(?:rpm|tpm):(\d+)$/.exec(name);
      if (match && Number(match[1]) < minute - 1) this.counters.delete(name);
    }
  }
}

/**
 * The counters a reservation touches (the Redis store's keys, without their prefix). The key name is a hash
 * tag (`{name}`), so that a Redis Cluster keeps one key's counters on one node, as one script needs.
 */
export function counterKeys(reservation: Reservation): { requests: string; tokens: string; day: string; month: string; inFlight: string } {
  const base = `{${reservation.key}}`;
  return {
    requests: `${base}:rpm:${reservation.minute}`,
    tokens: `${base}:tpm:${reservation.minute}`,
    day: `${base}:day:${reservation.day}`,
    month: `${base}:month:${reservation.month}`,
    inFlight: `${base}:inflight`,
  };
}

interface Counts {
  requests: number;
  tokens: number;
  inFlight: number;
  day: number;
  month: number;
}

/** The verdict on counts read before the request: the first limit it would pass, or ok with what is left. */
export function decide(limits: ClientLimits, estimate: number, now: number, counts: Counts): Admission {
  const resetMs = 60_000 - (now % 60_000);
  const window = {
    remainingRequests: limits.rpm === undefined ? null : Math.max(0, limits.rpm - counts.requests - 1),
    remainingTokens: limits.tpm === undefined ? null : Math.max(0, limits.tpm - counts.tokens - estimate),
    resetMs,
  };
  const refuse = (limit: Exclude<Admission, { ok: true }>['limit'], retryAfterMs: number): Admission => ({
    ok: false,
    limit,
    retryAfterMs,
    ...window,
    remainingRequests: window.remainingRequests === null ? null : Math.max(0, limits.rpm! - counts.requests),
    remainingTokens: window.remainingTokens === null ? null : Math.max(0, limits.tpm! - counts.tokens),
  });
  if (limits.rpm !== undefined && counts.requests + 1 > limits.rpm) return refuse('rpm', resetMs);
  if (limits.tpm !== undefined && counts.tokens + estimate > limits.tpm) return refuse('tpm', resetMs);
  if (limits.inFlight !== undefined && counts.inFlight + 1 > limits.inFlight) return refuse('in_flight', 1000);
  if (limits.tokensPerDay !== undefined && counts.day + estimate > limits.tokensPerDay) return refuse('tokens_per_day', untilNextDay(now));
  if (limits.tokensPerMonth !== undefined && counts.month + estimate > limits.tokensPerMonth) return refuse('tokens_per_month', untilNextMonth(now));
  return { ok: true, ...window };
}
