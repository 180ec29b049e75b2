// GET /metrics in Prometheus text format, from a registry owned by this app (no global state): requests by
// route and status, durations, upstream latency, errors and retries, open streams, tokens by model (cache
// reads and writes among them) and the share of input tokens read from the prompt cache, both also by upstream.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LogHealth } from './log-health.ts';
import type { UpstreamObserver } from '../upstream/client.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';
import { METRICS, routeUrlOf } from './route-policy.ts';

interface InputTotals {
  input: number;
  read: number;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'proxy_http_requests_total', help: 'HTTP requests answered, by route, method and status', labelNames: ['route', 'method', 'status'], registers: [this.registry] });
  private readonly duration = new Histogram({ name: 'proxy_http_request_duration_seconds', help: 'Time to answer a request in full (streams included)', labelNames: ['route', 'method'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly upstreamDuration = new Histogram({ name: 'proxy_upstream_request_duration_seconds', help: 'Time from sending an upstream request to its response headers', labelNames: ['status'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly upstreamErrors = new Counter({ name: 'proxy_upstream_errors_total', help: 'Upstream requests that failed, before or during the answer, by error type', labelNames: ['type'], registers: [this.registry] });
  private readonly retries = new Counter({ name: 'proxy_upstream_retries_total', help: 'Upstream retries, by reason', labelNames: ['reason'], registers: [this.registry] });
  private readonly connectionsDropped = new Counter({ name: 'proxy_connections_dropped_total', help: 'Client connections closed on arrival because MAX_CONNECTIONS were open', registers: [this.registry] });
  private readonly storeErrors = new Counter({ name: 'proxy_responses_store_errors_total', help: 'Responses store operations that failed (the store unreachable or too slow), by operation', labelNames: ['operation'], registers: [this.registry] });
  private readonly attempts = new Counter({ name: 'proxy_upstream_attempts_total', help: 'Upstream attempts, by upstream, key name and outcome (the status, or the error type)', labelNames: ['upstream', 'key', 'outcome'], registers: [this.registry] });
  private readonly fallbacks = new Counter({ name: 'proxy_upstream_fallbacks_total', help: 'Attempts that failed before the answer and moved the request on to the next key or upstream, by upstream and reason', labelNames: ['upstream', 'reason'], registers: [this.registry] });
  private readonly firstByte = new Histogram({ name: 'proxy_time_to_first_byte_seconds', help: 'Time from the request to the first content (text, thinking or tool input) of a streamed answer reaching the client, by upstream', labelNames: ['upstream'], buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly queueWait = new Histogram({ name: 'proxy_upstream_queue_wait_seconds', help: 'Time requests waited for an upstream key', buckets: DURATION_BUCKETS, registers: [this.registry] });
  private readonly tokens = new Counter({ name: 'proxy_tokens_total', help: 'Tokens reported by the upstream, by model and kind (input, output, cache_read, cache_write)', labelNames: ['model', 'kind'], registers: [this.registry] });
  private readonly upstreamInput = new Counter({
    name: 'proxy_upstream_input_tokens_total',
    help: 'Input tokens reported by each upstream, by model, upstream and kind (uncached, cache_read, cache_write; their sum is all the input)',
    labelNames: ['model', 'upstream', 'kind'],
    registers: [this.registry],
  });

  private readonly clientRequests = new Counter({ name: 'proxy_client_key_requests_total', help: 'Requests answered, by client key name and status', labelNames: ['key', 'status'], registers: [this.registry] });
  private readonly clientTokens = new Counter({ name: 'proxy_client_key_tokens_total', help: 'Tokens used, by client key name and kind (input, output, cache_read, cache_write, reasoning)', labelNames: ['key', 'kind'], registers: [this.registry] });
  private readonly clientRefusals = new Counter({ name: 'proxy_client_key_limited_total', help: 'Requests refused with 429, by client key name and the limit reached', labelNames: ['key', 'limit'], registers: [this.registry] });
  private readonly limitsStoreErrors = new Counter({ name: 'proxy_client_limits_store_errors_total', help: 'Client limit checks or settlements that failed (their store unreachable)', registers: [this.registry] });
  private readonly usageStoreErrors = new Counter({ name: 'proxy_usage_store_errors_total', help: 'Usage records the usage store failed to take', registers: [this.registry] });
  private limitsStoreDown = false;

  /** Input tokens since start, for the hit ratios: all input (reads and writes included) and cache reads. */
  private readonly inputTotals = new Map<string, InputTotals>();
  private readonly upstreamInputTotals = new Map<string, InputTotals & { model: string; upstream: string }>();

  constructor(openStreams: () => number, inFlight: () => number, logHealth: LogHealth | null = null) {
    const { inputTotals, upstreamInputTotals } = this;
    new Gauge({
      name: 'proxy_prompt_cache_hit_ratio',
      help: 'Share of input tokens read from the prompt cache since start (cache reads / input tokens, reads and writes included), by model',
      labelNames: ['model'],
      registers: [this.registry],
      collect() {
        for (const [model, { input, read }] of inputTotals) if (input > 0) this.set({ model }, read / input);
      },
    });
    new Gauge({
      name: 'proxy_upstream_prompt_cache_hit_ratio',
      help: 'Share of input tokens read from the prompt cache since start, by model and upstream',
      labelNames: ['model', 'upstream'],
      registers: [this.registry],
      collect() {
        for (const { model, upstream, input, read } of upstreamInputTotals.values()) if (input > 0) this.set({ model, upstream }, read / input);
      },
    });
    new Gauge({ name: 'proxy_open_streams', help: 'Streaming responses in progress', registers: [this.registry], collect() { this.set(openStreams()); } });
    new Gauge({ name: 'proxy_requests_in_flight', help: 'API requests not yet answered in full', registers: [this.registry], collect() { this.set(inFlight()); } });
    if (logHealth) {
      const sinks = logHealth.sinks;
      const counted = new Map<string, number>();
      new Counter({
        name: 'proxy_log_lines_dropped_total',
        help: 'Log lines a destination did not take (it failed, or its reader stalled), by destination',
        labelNames: ['sink'],
        registers: [this.registry],
        collect() {
          for (const sink of sinks) {
            const delta = sink.droppedLines - (counted.get(sink.name) ?? 0);
            counted.set(sink.name, sink.droppedLines);
            this.inc({ sink: sink.name }, delta);
          }
        },
      });
      new Gauge({
        name: 'proxy_log_sink_failed',
        help: '1 while a log destination has failed and drops its lines, by destination',
        labelNames: ['sink'],
        registers: [this.registry],
        collect() {
          for (const sink of sinks) this.set({ sink: sink.name }, sink.failure === null ? 0 : 1);
        },
      });
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'proxy_' });
  }

  readonly upstreamObserver: UpstreamObserver = {
    attemptDone: ({ statusCode, errorType, durationMs }) => {
      if (statusCode !== null) this.upstreamDuration.observe({ status: String(statusCode) }, durationMs / 1000);
      if (errorType !== null) this.upstreamErrors.inc({ type: errorType });
    },
    retry: ({ reason }) => this.retries.inc({ reason }),
    responseFailed: ({ errorType }) => this.upstreamErrors.inc({ type: errorType }),
  };

  /** For the Responses store: its failures, and whether it is up (asked at each scrape, bounded by the store). */
  readonly storeObserver = { failed: (operation: string) => this.storeErrors.inc({ operation }) };

  watchStore(health: () => Promise<{ status: 'up' | 'down' }>): void {
    new Gauge({ name: 'proxy_responses_store_up', help: 'Whether the Responses store answers (1) or not (0)', registers: [this.registry], async collect() { this.set((await health()).status === 'up' ? 1 : 0); } });
  }

  /** The client limits store's state, asked at each scrape; 1 up, 0 down. */
  watchLimitsStore(health: () => Promise<{ status: 'up' | 'down' }>, failMode: 'open' | 'closed'): void {
    const self = this;
    new Gauge({ name: 'proxy_client_limits_store_up', help: 'Whether the client limits store answers (1) or not (0)', registers: [this.registry], async collect() { this.set((await health()).status === 'up' && !self.limitsStoreDown ? 1 : 0); } });
    new Gauge({ name: 'proxy_client_limits_fail_open', help: 'REDIS_FAIL_MODE: 1 when requests pass without their limits while the store is down (open), 0 when refused (closed)', registers: [this.registry], collect() { this.set(failMode === 'open' ? 1 : 0); } });
  }

  limitsStoreFailed(failed: boolean): void {
    this.limitsStoreDown = failed;
    if (failed) this.limitsStoreErrors.inc();
  }

  usageStoreFailed(): void {
    this.usageStoreErrors.inc();
  }

  clientKeyRequest(key: string, status: number): void {
    this.clientRequests.inc({ key, status: String(status) });
  }

  clientKeyRefused(key: string, limit: string): void {
    this.clientRefusals.inc({ key, limit });
  }

  clientKeyUsage(key: string, usage: { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; reasoning_tokens: number }): void {
    const add = (kind: string, value: number) => {
      if (value > 0) this.clientTokens.inc({ key, kind }, value);
    };
    add('input', usage.input_tokens);
    add('output', usage.output_tokens);
    add('cache_read', usage.cache_read_tokens);
    add('cache_write', usage.cache_write_tokens);
    add('reasoning', usage.reasoning_tokens);
  }

  requestDone(route: string, method: string, status: number, seconds: number): void {
    this.requests.inc({ route, method, status: String(status) });
    this.duration.observe({ route, method }, seconds);
  }

  upstreamAttempt(upstream: string, key: string | null, outcome: string): void {
    this.attempts.inc({ upstream, key: key ?? '', outcome });
  }

  fallback(upstream: string, reason: string): void {
    this.fallbacks.inc({ upstream, reason });
  }

  /** The upstream keys' state and the wait queue, read at each scrape. */
  watchUpstreams(directory: { slots: ReadonlyMap<string, readonly { name: string | null; inFlight: number; coolingAt(now: number): boolean }[]>; waiting: number }): void {
    new Gauge({
      name: 'proxy_upstream_key_in_flight',
      help: 'Requests in flight on each upstream key',
      labelNames: ['upstream', 'key'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [upstream, slots] of directory.slots) for (const slot of slots) this.set({ upstream, key: slot.name ?? '' }, slot.inFlight);
      },
    });
    new Gauge({
      name: 'proxy_upstream_key_cooling',
      help: '1 while an upstream key cools down after a failure',
      labelNames: ['upstream', 'key'],
      registers: [this.registry],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [upstream, slots] of directory.slots) for (const slot of slots) this.set({ upstream, key: slot.name ?? '' }, slot.coolingAt(now) ? 1 : 0);
      },
    });
    new Gauge({ name: 'proxy_upstream_queue_depth', help: 'Requests waiting for an upstream key (every key of their model at its maximum in flight)', registers: [this.registry], collect() { this.set(directory.waiting); } });
  }

  /** A stream's first content left for the client, `seconds` after the request came. */
  firstByteSent(upstream: string, seconds: number): void {
    this.firstByte.observe({ upstream }, seconds);
  }

  queueWaited(seconds: number): void {
    this.queueWait.observe(seconds);
  }

  connectionDropped(): void {
    this.connectionsDropped.inc();
  }

  /** The usage of one answer; `upstream` is the target that gave it (null: none, counted under ""). */
  recordUsage(model: string, upstream: string | null, usage: AnthropicUsage | null | undefined): void {
    if (!usage) return;
    const add = (kind: string, value: unknown) => {
      if (typeof value === 'number' && value > 0) this.tokens.inc({ model, kind }, value);
    };
    add('input', usage.input_tokens);
    add('output', usage.output_tokens);
    add('cache_read', usage.cache_read_input_tokens);
    add('cache_write', usage.cache_creation_input_tokens);
    const count = (value: unknown) => (typeof value === 'number' && value > 0 ? value : 0);
    const [uncached, read, written] = [count(usage.input_tokens), count(usage.cache_read_input_tokens), count(usage.cache_creation_input_tokens)];
    const labels = { model, upstream: upstream ?? '' };
    for (const [kind, value] of [['uncached', uncached], ['cache_read', read], ['cache_write', written]] as const) {
      if (value > 0) this.upstreamInput.inc({ ...labels, kind }, value);
    }
    const input = uncached + read + written;
    const totals = this.inputTotals.get(model) ?? { input: 0, read: 0 };
    this.inputTotals.set(model, { input: totals.input + input, read: totals.read + read });
    const key = JSON.stringify([labels.model, labels.upstream]);
    const perUpstream = this.upstreamInputTotals.get(key) ?? { ...labels, input: 0, read: 0 };
    this.upstreamInputTotals.set(key, { ...perUpstream, input: perUpstream.input + input, read: perUpstream.read + read });
  }
}

/** Combines observers so tests and metrics can both watch the upstream client. */
export function combineObservers(...observers: Array<UpstreamObserver | undefined>): UpstreamObserver {
  const present = observers.filter((o): o is UpstreamObserver => o !== undefined);
  return {
    attemptDone: (info) => present.forEach((o) => o.attemptDone?.(info)),
    retry: (info) => present.forEach((o) => o.retry?.(info)),
    responseFailed: (info) => present.forEach((o) => o.responseFailed?.(info)),
  };
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, { metrics }: { metrics: Metrics }) => {
    app.decorate('metrics', metrics);
    app.addHook('onResponse', (request, reply, done) => {
      metrics.requestDone(routeUrlOf(request) ?? 'unknown', request.method, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', {
      config: { policy: METRICS },
      schema: { tags: ['operations'], summary: 'Prometheus metrics (text format)', produces: ['text/plain'] },
    }, async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  },
  { name: 'metrics', fastify: '5.x', dependencies: ['route-policy'] },
);
