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
  },
  required: ['status'],
} as const;

interface HealthOptions {
  version: string;
  now?: () => number;
  /** The Responses store's state, reported by /readyz (bounded by the store itself). */
  storeHealth?: () => Promise<StoreHealth>;
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
      summary: 'Readiness probe: 503 from the moment draining starts; reports the Responses store',
      response: { 200: readySchema, 503: readySchema },
    },
  }, async (_request, reply) => {
    if (app.lifecycle.draining) return reply.code(503).send({ status: 'draining' });
    // A shared store that is down does not make the replica unready: every replica shares it, so taking
    // them all out of the Service would stop the requests that need no stored state too.
    const store = options.storeHealth ? await options.storeHealth() : undefined;
    return store ? { status: 'ready', responses_store: store } : { status: 'ready' };
  });
}

export const healthRoutes = fp(routes, { name: 'health-routes', fastify: '5.x', encapsulate: true, dependencies: ['lifecycle'] });
