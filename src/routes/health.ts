// Health endpoints: cheap, and never call the upstream.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { OPEN } from '../http/route-policy.ts';
import type { StoreHealth } from '../state/responses-store.ts';

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    service: { type: 'string' },
    version: { type: 'string' },
    uptime_s: { type: 'number' },
  },
  required: ['status'],
} as const;

const readySchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    responses_store: {
      type: 'object',
      properties: { kind: { type: 'string' }, status: { type: 'string', enum: ['up', 'down'] }, reason: { type: 'string' } },
      required: ['kind', 'status'],
    },
    upstreams: {
      type: 'array',
      description: 'Each upstream and its keys (by name): requests in flight, and whether the key cools down after a failure',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          profile: { type: 'string' },
          state: { type: 'string', enum: ['up', 'degraded', 'cooling'] },
          keys: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: ['string', 'null'] },
                state: { type: 'string', enum: ['up', 'cooling'] },
                in_flight: { type: 'integer' },
                max_in_flight: { type: ['integer', 'null'] },
                cooling_ms: { type: 'integer' },
              },
            },
          },
        },
      },
    },
    upstream_queue: { type: 'integer', description: 'Requests waiting for an upstream key' },
    client_limits: {
      type: 'object',
      description: 'The store of the client limits (memory or redis), and what happens while it is down (REDIS_FAIL_MODE)',
      properties: { kind: { type: 'string' }, status: { type: 'string', enum: ['up', 'down'] }, fail_mode: { type: 'string', enum: ['open', 'closed'] } },
      required: ['kind', 'status'],
    },
    log_failures: {
      type: 'array',
      description: 'Log destinations that failed and drop their lines (the service keeps serving)',
      items: {
        type: 'object',
        properties: { sink: { type: 'string' }, error: { type: 'string' }, dropped_lines: { type: 'integer' } },
      },
    },
  },
  required: ['status'],
} as const;

interface HealthOptions {
  version: string;
  now?: () => number;
  /** The Responses store's state, reported by /readyz (bounded by the store itself). */
  storeHealth?: () => Promise<StoreHealth>;
  /** The client limits store's state (memory, or the Redis of REDIS_URL) and REDIS_FAIL_MODE. */
  limitsHealth?: () => Promise<{ kind: string; status: 'up' | 'down'; fail_mode: 'open' | 'closed' }>;
}

/**
 * Each upstream's state for /readyz: `cooling` when every key cools down after failures, `degraded` when some
 * do. A cooling upstream leaves the replica ready: every replica shares the upstream, and fallback or the
 * cool-down's end serves the requests.
 */
function upstreamStates(app: FastifyInstance, now: number): unknown[] {
  return [...app.upstreams.slots].map(([name, slots]) => {
    const keys = slots.map((slot) => ({
      name: slot.name,
      state: slot.coolingAt(now) ? 'cooling' : 'up',
      in_flight: slot.inFlight,
      max_in_flight: slot.key?.maxInFlight ?? null,
      cooling_ms: Math.max(0, slot.coolUntil - now),
    }));
    const cooling = keys.filter((key) => key.state === 'cooling').length;
    return { name, profile: slots[0]!.target.profile, state: cooling === 0 ? 'up' : cooling === keys.length ? 'cooling' : 'degraded', keys };
  });
}

async function routes(app: FastifyInstance, options: HealthOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const uptime = () => Math.round((now() - app.lifecycle.startedAt) / 100) / 10;

  app.get('/', {
    config: { policy: OPEN },
    schema: { tags: ['health'], summary: 'Service information and health', response: { 200: statusSchema } },
  }, async () => ({ status: 'ok', service: 'anthropic-proxy', version: options.version, uptime_s: uptime() }));

  app.get('/healthz', {
    config: { policy: OPEN },
    schema: { tags: ['health'], summary: 'Liveness probe: the process answers', response: { 200: statusSchema } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { policy: OPEN },
    schema: {
      tags: ['health'],
      summary: 'Readiness probe: 503 from the moment draining starts; reports each upstream and its keys, the Responses store and failed log destinations',
      response: { 200: readySchema, 503: readySchema },
    },
  }, async (_request, reply) => {
    if (app.lifecycle.draining) return reply.code(503).send({ status: 'draining' });
    // Neither a shared store that is down nor a failed log destination makes the replica unready: every
    // replica shares the store, so taking them all out of the Service would stop the requests that need no
    // stored state too, and a replica whose logs fail still serves. The probe says so instead.
    const store = options.storeHealth ? await options.storeHealth() : undefined;
    const limits = options.limitsHealth ? await options.limitsHealth() : undefined;
    const logFailures = app.logHealth?.failures() ?? [];
    return {
      status: 'ready',
      upstreams: upstreamStates(app, now()),
      upstream_queue: app.upstreams.waiting,
      ...(store ? { responses_store: store } : {}),
      ...(limits && limits.kind !== 'memory' ? { client_limits: limits } : {}),
      ...(logFailures.length > 0 ? { log_failures: logFailures } : {}),
    };
  });
}

export const healthRoutes = fp(routes, { name: 'health-routes', fastify: '5.x', encapsulate: true, dependencies: ['lifecycle'], decorators: { fastify: ['upstreams'] } });
