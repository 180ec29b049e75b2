// Health endpoints: cheap, and never call the upstream.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { OPEN } from '../http/route-policy.ts';

const statusSchema = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    service: { type: 'string' },
    version: { type: 'string' },
    uptime_s: { type: 'number' },
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
      summary: 'Readiness probe: 503 from the moment draining starts; names failed log destinations',
      response: { 200: statusSchema, 503: statusSchema },
    },
  }, async (_request, reply) => {
    if (app.lifecycle.draining) return reply.code(503).send({ status: 'draining' });
    // A failed log destination does not make the service unready (it serves on), but the probe says so.
    const logFailures = app.logHealth?.failures() ?? [];
    return logFailures.length === 0 ? { status: 'ready' } : { status: 'ready', log_failures: logFailures };
  });
}

export const healthRoutes = fp(routes, { name: 'health-routes', fastify: '5.x', encapsulate: true, dependencies: ['lifecycle'] });
