// Readiness and drain. main.ts flips `draining` on SIGTERM: from then on /readyz answers 503 and new API
// requests are refused with 503 (the listener stays open so probes still get an answer), while requests in
// flight, streams included, may finish. Streaming routes register themselves in `openStreams` so that a
// drain that runs out of time can end them with a final error event.
import type { FastifyInstance } from 'fastify';
import { ProxyError } from '../errors.ts';
import { sendError } from './error-handlers.ts';
import { routePathOf } from './request-context.ts';

export interface OpenStream {
  /** Ends the stream at once with an error event in the route's own format. */
  cut(reason: string): void;
}

export interface Lifecycle {
  draining: boolean;
  readonly startedAt: number;
  readonly openStreams: Set<OpenStream>;
  /** API requests not yet answered in full. */
  inFlight: number;
}

export function createLifecycle(now: number = Date.now()): Lifecycle {
  return { draining: false, startedAt: now, openStreams: new Set(), inFlight: 0 };
}

/** Cuts every open stream; returns how many were cut. */
export function cutOpenStreams(lifecycle: Lifecycle, reason: string): number {
  const streams = [...lifecycle.openStreams];
  for (const stream of streams) stream.cut(reason);
  lifecycle.openStreams.clear();
  return streams.length;
}

/** Resolves once no API request is in flight, or after `timeoutMs`; true when everything finished. */
export async function waitForIdle(lifecycle: Lifecycle, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (lifecycle.inFlight > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
  return lifecycle.inFlight === 0;
}

// Probes and metrics keep answering during a drain; everything else is an API request.
const ALWAYS_SERVED = new Set(['/', '/healthz', '/readyz', '/metrics']);

export function installLifecycle(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.decorate('lifecycle', lifecycle);
  app.addHook('onRequest', async (request, reply) => {
    if (ALWAYS_SERVED.has(routePathOf(request))) return;
    if (lifecycle.draining) {
      reply.header('connection', 'close');
      return sendError(request, reply, new ProxyError(503, 'The proxy is shutting down; retry on another instance', {
        code: 'shutting_down',
        headers: { 'retry-after': '1' },
      }));
    }
    lifecycle.inFlight++;
    reply.raw.once('close', () => lifecycle.inFlight--);
  });
}
