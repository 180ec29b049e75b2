// An overloaded process sheds requests (routes whose policy says `shed`) with 503 + retry-after instead of
// falling over, using @fastify/under-pressure's event-loop delay; probes and metrics still answer, so that an
// orchestrator sees a live, busy process.
import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ProxyError } from '../errors.ts';
import { sendError } from './error-handler.ts';
import { policyOf } from './route-policy.ts';

const RETRY_AFTER_S = 5;

async function loadShedding(app: FastifyInstance, { maxEventLoopDelayMs }: { maxEventLoopDelayMs: number }): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    retryAfter: RETRY_AFTER_S,
    pressureHandler: (request, reply, type, value) => {
      if (!policyOf(request).shed) return;
      request.log.warn({ type, value }, 'under pressure: request shed');
      reply.header('retry-after', String(RETRY_AFTER_S));
      sendError(request, reply, new ProxyError('proxy_overloaded', 'The proxy is overloaded; retry shortly'));
    },
  });
}

export const loadSheddingPlugin = fp(loadShedding, { name: 'load-shedding', fastify: '5.x', dependencies: ['route-policy', 'error-handler'] });
