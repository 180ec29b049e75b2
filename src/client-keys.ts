// Client keys (the configuration file's `client_keys`): who may call, which models, until when, and how much.
// Also the two stores they need, as interfaces: the limits (rate windows, in flight, budgets) and the usage
// records. The stores live in state/ (in the process, in DATA_DIR, or in Redis); the HTTP layer sees only these.

export interface ClientLimits {
  /** Requests per 60 s window. */
  readonly rpm?: number;
  /** Tokens (input + cache writes + output) per 60 s window. */
  readonly tpm?: number;
  readonly inFlight?: number;
  /** Tokens per UTC day and per UTC month. */
  readonly tokensPerDay?: number;
  readonly tokensPerMonth?: number;
}

export interface ClientKey {
  /** Shown in logs, metrics and usage; the key never is. */
  readonly name: string;
  /** SHA-256 of the key, hex. */
  readonly sha256: string;
  /** Public model names it may use; null = every model. */
  readonly models: readonly string[] | null;
  /** Unix ms from which the key is refused; null = never. */
  readonly expiresAt: number | null;
  readonly limits: ClientLimits;
}

/** Per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

export interface ClientAccess {
  readonly clientKeys: readonly ClientKey[];
  readonly adminKey: string | null;
  /** Public model name -> price. */
  readonly prices: Readonly<Record<string, ModelPrice>>;
}

export const NO_CLIENT_ACCESS: ClientAccess = Object.freeze({ clientKeys: [], adminKey: null, prices: {} });

export const hasLimits = (limits: ClientLimits): boolean => Object.values(limits).some((value) => value !== undefined);

// ---- limits ----

/** Which limit refused a request. */
export type LimitName = 'rpm' | 'tpm' | 'in_flight' | 'tokens_per_day' | 'tokens_per_month';

/** The state of the 60 s windows after an admission, for the x-ratelimit-* headers. */
export interface WindowState {
  remainingRequests: number | null;
  remainingTokens: number | null;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

export type Admission =
  | ({ ok: true } & WindowState)
  | ({ ok: false; limit: LimitName; retryAfterMs: number } & WindowState);

/** Where a request's reservation was made: the windows it is settled in. */
export interface Reservation {
  readonly key: string;
  readonly requestId: string;
  readonly estimate: number;
  /** The minute (epoch minute), UTC day (YYYY-MM-DD) and UTC month (YYYY-MM) of the admission. */
  readonly minute: number;
  readonly day: string;
  readonly month: string;
}

export interface LimitStore {
  readonly kind: 'memory' | 'redis';
  /**
   * Checks every limit of the key and, when all pass, counts the request (rpm, in flight) and reserves
   * `estimate` tokens (tpm, day, month), atomically.
   */
  admit(reservation: Reservation, limits: ClientLimits, now: number): Promise<Admission>;
  /** The request is over: out of flight, and its reservation replaced by the tokens it really used. */
  settle(reservation: Reservation, limits: ClientLimits, usedTokens: number): Promise<void>;
  health(): Promise<{ kind: 'memory' | 'redis'; status: 'up' | 'down' }>;
  close(): Promise<void>;
}

/** The windows of an instant. */
export function windowsAt(now: number): { minute: number; day: string; month: string; resetMs: number } {
  const iso = new Date(now).toISOString();
  return { minute: Math.floor(now / 60_000), day: iso.slice(0, 10), month: iso.slice(0, 7), resetMs: 60_000 - (now % 60_000) };
}

/** Milliseconds from `now` to the next UTC midnight, and to the first of the next UTC month. */
export function untilNextDay(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1) - now;
}
export function untilNextMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - now;
}

// ---- usage ----

export interface UsageCounts {
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
}

export const USAGE_FIELDS = ['requests', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'] as const;

/** One row of usage: a key, model, upstream and UTC day. */
export interface UsageRow extends UsageCounts {
  key: string;
  model: string;
  upstream: string;
  day: string;
}

export interface UsageQuery {
  key?: string;
  model?: string;
  /** Inclusive YYYY-MM-DD bounds. */
  from: string;
  to: string;
}

export interface UsageStore {
  readonly kind: 'sqlite' | 'redis' | 'memory';
  add(row: UsageRow): Promise<void>;
  query(query: UsageQuery): Promise<UsageRow[]>;
  close(): Promise<void>;
}

/** The days from `from` to `to`, inclusive (YYYY-MM-DD, UTC). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let at = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); at <= end && days.length < 3700; at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}
