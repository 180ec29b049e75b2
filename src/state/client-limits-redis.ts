// The client limits shared by replicas (REDIS_URL): each admission is one Lua script, so that reading every
// counter, deciding, and counting the request happen atomically, whichever replica runs it. A script rather
// than rate-limiter-flexible: one request checks five limits of different kinds (two 60 s windows, a set of
// requests in flight, a UTC day and a UTC month) and must take all of them or none, which that library does
// one limiter at a time. The decision itself is the in-process store's (`decide`), run on the counts the
// script reads; the script then counts the request only when the counts have not moved meanwhile (a
// compare-and-set), and the caller tries again when they have.
import type { Redis } from 'ioredis';
import type { Admission, ClientLimits, LimitStore, Reservation } from '../client-keys.ts';
import { counterKeys, decide } from './client-limits-memory.ts';

export const LIMIT_KEY_PREFIX = 'anthropic-proxy:limit:';

// KEYS: requests, tokens, day, month, in flight. ARGV: now, stale-before, the expected five counts, estimate, request id.
const ADMIT = `
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[2])
local counts = {
  tonumber(redis.call('GET', KEYS[1]) or '0'), tonumber(redis.call('GET', KEYS[2]) or '0'),
  tonumber(redis.call('GET', KEYS[3]) or '0'), tonumber(redis.call('GET', KEYS[4]) or '0'),
  redis.call('ZCARD', KEYS[5])
}
if ARGV[3] ~= 'read' then
  for i = 1, 5 do
    if counts[i] ~= tonumber(ARGV[2 + i]) then return counts end
  end
  local estimate = tonumber(ARGV[8])
  redis.call('INCR', KEYS[1]); redis.call('PEXPIRE', KEYS[1], 120000)
  redis.call('INCRBY', KEYS[2], estimate); redis.call('PEXPIRE', KEYS[2], 120000)
  redis.call('INCRBY', KEYS[3], estimate); redis.call('PEXPIRE', KEYS[3], 172800000)
  redis.call('INCRBY', KEYS[4], estimate); redis.call('PEXPIRE', KEYS[4], 2764800000)
  redis.call('ZADD', KEYS[5], ARGV[1], ARGV[9]); redis.call('PEXPIRE', KEYS[5], 86400000)
  return 'ok'
end
return counts
`;

// KEYS: tokens, day, month, in flight. ARGV: token delta, request id. Windows already gone stay gone.
const SETTLE = `
redis.call('ZREM', KEYS[4], ARGV[2])
local delta = tonumber(ARGV[1])
if delta ~= 0 then
  for i = 1, 3 do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], delta) end
  end
end
return 1
`;

export interface RedisLimitStoreOptions {
  client: Redis;
  /** A request in flight longer than this (a replica that died mid-request) no longer counts. */
  staleAfterMs: number;
}

export class RedisLimitStore implements LimitStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;
  private readonly staleAfterMs: number;

  constructor(options: RedisLimitStoreOptions) {
    this.client = options.client;
    this.staleAfterMs = options.staleAfterMs;
    this.client.defineCommand('proxyLimitAdmit', { numberOfKeys: 5, lua: ADMIT });
    this.client.defineCommand('proxyLimitSettle', { numberOfKeys: 4, lua: SETTLE });
  }

  async admit(reservation: Reservation, limits: ClientLimits, now: number): Promise<Admission> {
    const keys = counterKeys(reservation);
    const names = [keys.requests, keys.tokens, keys.day, keys.month, keys.inFlight].map((name) => LIMIT_KEY_PREFIX + name);
    const run = (expected: readonly (number | string)[]) =>
      (this.client as unknown as { proxyLimitAdmit: (...args: (string | number)[]) => Promise<'ok' | number[]> })
        .proxyLimitAdmit(...names, now, now - this.staleAfterMs, ...expected, reservation.estimate, reservation.requestId);
    let counts = (await run(['read', 0, 0, 0, 0])) as number[];
    for (let attempt = 0; attempt < 20; attempt++) {
      const [requests, tokens, day, month, inFlight] = counts as [number, number, number, number, number];
      const verdict = decide(limits, reservation.estimate, now, { requests, tokens, day, month, inFlight });
      if (!verdict.ok) return verdict;
      const answer = await run(counts);
      if (answer === 'ok') return verdict;
      counts = answer;
    }
    // Twenty replicas raced for the same key at once: the request is refused as over its rate.
    return { ...decide({ rpm: 0 }, 0, now, { requests: 0, tokens: 0, day: 0, month: 0, inFlight: 0 }), remainingRequests: 0 } as Admission;
  }

  async settle(reservation: Reservation, _limits: ClientLimits, usedTokens: number): Promise<void> {
    const keys = counterKeys(reservation);
    const names = [keys.tokens, keys.day, keys.month, keys.inFlight].map((name) => LIMIT_KEY_PREFIX + name);
    await (this.client as unknown as { proxyLimitSettle: (...args: (string | number)[]) => Promise<number> })
      .proxyLimitSettle(...names, usedTokens - reservation.estimate, reservation.requestId);
  }

  async health(): Promise<{ kind: 'redis'; status: 'up' | 'down' }> {
    if (this.client.status !== 'ready') return { kind: 'redis', status: 'down' };
    try {
      await this.client.ping();
      return { kind: 'redis', status: 'up' };
    } catch {
      return { kind: 'redis', status: 'down' };
    }
  }

  async close(): Promise<void> {}
}
