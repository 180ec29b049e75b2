// Client keys at the upstream-call seam: the models a key may use, its limits and budgets before the call,
// and after it the settlement with the real usage and the usage record. A request refused here never
// reaches the upstream. Every answer of a request whose key has limits carries OpenAI's x-ratelimit-*
// headers (the 60 s windows of rpm and tpm).
//
// Tokens, for limits and budgets, are input + cache writes + output: cache reads are recorded but not
// counted, as Anthropic's own rate limits count them. Before the call a request reserves its local input
// estimate; when it is over the reservation is replaced by what the upstream reported (a stream cut short
// counts what was used).
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasLimits, windowsAt, type Admission, type LimitStore, type Reservation, type UsageStore } from '../client-keys.ts';
import { ProxyError } from '../errors.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';
import type { CallRecord } from './upstream-call.ts';

export interface ClientStores {
  limits: LimitStore;
  usage: UsageStore;
}

/** A request's part in the client limits and the usage, from its admission to its end. */
export interface ClientCall {
  reservation: Reservation | null;
  /** The x-ratelimit-* headers of its answer. */
  headers: Record<string, string>;
  /** The call counts in the usage records (message calls; not the token counts). */
  accounted: boolean;
  finished: boolean;
}

const LIMIT_HEADER_NAMES = ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests', 'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens'];

const count = (value: unknown) => (typeof value === 'number' && value > 0 ? value : 0);

/** The tokens a call counts against limits and budgets: input + cache writes + output. */
export function limitTokensOf(usage: AnthropicUsage | null): number {
  if (!usage) return 0;
  return count(usage.input_tokens) + count(usage.cache_creation_input_tokens) + count(usage.output_tokens);
}

/** OpenAI's duration form for the reset headers: `1s`, `6m0s`, `250ms`. */
export function resetDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(1, Math.round(ms))}ms`;
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m${seconds % 60}s`;
}

function headersOf(admission: Admission, limits: { rpm?: number; tpm?: number }): Record<string, string> {
  const headers: Record<string, string> = {};
  const reset = resetDuration(admission.resetMs);
  if (limits.rpm !== undefined) {
    headers['x-ratelimit-limit-requests'] = String(limits.rpm);
    headers['x-ratelimit-remaining-requests'] = String(admission.remainingRequests ?? 0);
    headers['x-ratelimit-reset-requests'] = reset;
  }
  if (limits.tpm !== undefined) {
    headers['x-ratelimit-limit-tokens'] = String(limits.tpm);
    headers['x-ratelimit-remaining-tokens'] = String(admission.remainingTokens ?? 0);
    headers['x-ratelimit-reset-tokens'] = reset;
  }
  return headers;
}

const LIMIT_WORDS: Record<string, string> = {
  rpm: 'requests per minute',
  tpm: 'tokens per minute',
  in_flight: 'requests in flight',
  tokens_per_day: 'tokens per UTC day',
  tokens_per_month: 'tokens per UTC month',
};

/**
 * Before the upstream call: the key's models, then its limits (message calls only: `estimate` given). Throws
 * the ProxyError to answer (403 model_not_allowed, 429 client_rate_limited, 503 limits_unavailable).
 */
export async function admitClient(request: FastifyRequest, record: CallRecord, estimate: (() => number) | undefined): Promise<void> {
  const key = request.clientKey;
  if (estimate === undefined && key === null) return;
  if (key !== null && key.models !== null && !key.models.includes(record.model) && !(record.modelAsked !== null && key.models.includes(record.modelAsked))) {
    throw new ProxyError('model_not_allowed', `The API key "${key.name}" may not use the model ${JSON.stringify(record.modelAsked ?? record.model)} (it may use: ${key.models.join(', ')})`, { param: 'model' });
  }
  if (estimate === undefined) return;
  const call: ClientCall = { reservation: null, headers: {}, accounted: true, finished: false };
  request.clientCall = call;
  if (key === null || !hasLimits(key.limits)) return;
  const app = request.server;
  const now = Date.now();
  const windows = windowsAt(now);
  const reservation: Reservation = { key: key.name, requestId: request.id, estimate: estimate(), minute: windows.minute, day: windows.day, month: windows.month };
  let admission: Admission;
  try {
    admission = await app.clientStores.limits.admit(reservation, key.limits, now);
    app.metrics.limitsStoreFailed(false);
  } catch (error) {
    app.metrics.limitsStoreFailed(true);
    request.log.warn({ client_key: key.name, reason: (error as Error).message, fail_mode: app.config.redisFailMode }, 'client limits cannot be checked');
    if (app.config.redisFailMode === 'open') return;
    throw new ProxyError('limits_unavailable', 'The client limits cannot be checked right now (their store is unreachable). Retry shortly.', { headers: { 'retry-after': '1' }, cause: error });
  }
  call.headers = headersOf(admission, key.limits);
  if (!admission.ok) {
    app.metrics.clientKeyRefused(key.name, admission.limit);
    const seconds = Math.max(1, Math.ceil(admission.retryAfterMs / 1000));
    throw new ProxyError('client_rate_limited', `The API key "${key.name}" is over its limit of ${LIMIT_WORDS[admission.limit]}: retry in ${seconds} s`, {
      headers: { ...call.headers, 'retry-after': String(seconds) },
    });
  }
  call.reservation = reservation;
}

/** The x-ratelimit-* headers of the request's answer, over any the upstream sent (a stream sets them here). */
export function applyLimitHeaders(request: FastifyRequest, reply: FastifyReply): void {
  const headers = request.clientCall?.headers;
  if (!headers || Object.keys(headers).length === 0) return;
  for (const name of LIMIT_HEADER_NAMES) if (!(name in headers)) reply.removeHeader(name);
  reply.headers(headers);
}

/**
 * The request's call is over (settled, failed, or its answer sent): its reservation is settled with the
 * real usage, and the usage is recorded. Once per request; never throws.
 */
export function finishClientCall(request: FastifyRequest): void {
  const call = request.clientCall;
  if (!call || call.finished) return;
  call.finished = true;
  const app = request.server;
  const record = request.callRecord;
  const usage = record?.usage ?? null;
  const key = request.clientKey;
  const keyName = key?.name ?? '-';
  if (call.reservation !== null && key !== null) {
    app.clientStores.limits.settle(call.reservation, key.limits, limitTokensOf(usage)).catch((error: unknown) => {
      app.metrics.limitsStoreFailed(true);
      request.log.warn({ client_key: keyName, reason: (error as Error).message }, 'client limits: settling the request failed');
    });
  }
  if (!record || record.upstream === null || !call.accounted) return;
  const row = {
    key: keyName,
    model: record.model,
    upstream: record.upstream,
    day: new Date(record.startedAt).toISOString().slice(0, 10),
    requests: 1,
    input_tokens: count(usage?.input_tokens),
    output_tokens: count(usage?.output_tokens),
    cache_read_tokens: count(usage?.cache_read_input_tokens),
    cache_write_tokens: count(usage?.cache_creation_input_tokens),
    reasoning_tokens: count(usage?.output_tokens_details?.thinking_tokens),
  };
  if (key !== null) app.metrics.clientKeyUsage(key.name, row);
  app.clientStores.usage.add(row).catch((error: unknown) => {
    app.metrics.usageStoreFailed();
    request.log.error({ client_key: keyName, model: row.model, reason: (error as Error).message, usage: row }, 'usage record lost: the usage store failed');
  });
}

export const clientLimitsPlugin = fp(
  async (app: FastifyInstance, { stores }: { stores: ClientStores }) => {
    app.decorate('clientStores', stores);
    app.decorateRequest('clientCall', null);
    app.addHook('onSend', (request, reply, payload, done) => {
      applyLimitHeaders(request, reply);
      done(null, payload);
    });
    app.addHook('onResponse', (request, reply, done) => {
      if (request.clientKey !== null) app.metrics.clientKeyRequest(request.clientKey.name, reply.statusCode);
      // A stream settles its call as its last step; this catches every other way a call ends.
      if (request.clientCall !== null) setImmediate(() => finishClientCall(request));
      done();
    });
  },
  { name: 'client-limits', fastify: '5.x', dependencies: ['metrics'], decorators: { fastify: ['config', 'metrics'] } },
);
