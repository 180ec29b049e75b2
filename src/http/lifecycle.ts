// Readiness and drain. main.ts flips `draining` on SIGTERM: from then on /readyz answers 503 and new API
// requests (routes whose policy says `drain`) are refused with 503 (the listener stays open so probes still
// get an answer), while requests in flight, streams included, may finish. Streams register themselves in
// `openStreams` (the streaming writer), and requests still waiting on the upstream are in `awaitingUpstream`
// (upstreamWaitFor), so that a drain that runs out of time can end each in its route's own format: a final
// error event, or a 503.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ClientGoneError, ProxyError } from '../errors.ts';
import { sendError } from './error-handler.ts';
import { policyOf } from './route-policy.ts';

export interface OpenStream {
  /** Ends the stream at once with an error event in the route's own format. */
  cut(reason: string): void;
}

export interface Lifecycle {
  draining: boolean;
  readonly startedAt: number;
  readonly openStreams: Set<OpenStream>;
  /** API requests still waiting on the upstream's answer (not yet streaming): a drain out of time ends them with 503. */
  readonly awaitingUpstream: Set<OpenStream>;
  /** API requests not yet answered in full. */
  inFlight: number;
  /** Told when a drain starts: long-lived connections (WebSocket mode) close once their work is done. */
  readonly drainListeners: Set<() => void>;
}

export function createLifecycle(now: number = Date.now()): Lifecycle {
  return { draining: false, startedAt: now, openStreams: new Set(), awaitingUpstream: new Set(), inFlight: 0, drainListeners: new Set() };
}

/** Starts the drain: new API requests are refused from here on, and long-lived connections are told. */
export function startDrain(lifecycle: Lifecycle): void {
  lifecycle.draining = true;
  for (const listener of [...lifecycle.drainListeners]) listener();
}

/** Cuts every open stream and every request still waiting on the upstream; returns how many were cut. */
export function cutOpenStreams(lifecycle: Lifecycle, reason: string): number {
  const cut = [...lifecycle.openStreams, ...lifecycle.awaitingUpstream];
  for (const entry of cut) entry.cut(reason);
  lifecycle.openStreams.clear();
  lifecycle.awaitingUpstream.clear();
  return cut.length;
}

export interface UpstreamWait {
  /** For the upstream client: aborts when the client goes away, or when a drain runs out of time. */
  signal: AbortSignal;
  /** The answer has started streaming: from here its own OpenStream entry handles a drain. */
  streaming(): void;
}

/**
 * What an API request hands the upstream client. The signal aborts with ClientGoneError when the client
 * closes the connection (no one is left to answer), and with a 503 shutting_down when a drain runs out of
 * time while the request still waits on the upstream, so that it gets an answer instead of a dropped socket.
 */
export function upstreamWaitFor(lifecycle: Lifecycle, response: ServerResponse): UpstreamWait {
  const controller = new AbortController();
  const waiting: OpenStream = {
    cut(reason) {
      controller.abort(new ProxyError('shutting_down', reason, { headers: { 'retry-after': '1' } }));
    },
  };
  lifecycle.awaitingUpstream.add(waiting);
  response.once('close', () => {
    lifecycle.awaitingUpstream.delete(waiting);
    if (!response.writableFinished) controller.abort(new ClientGoneError());
  });
  return { signal: controller.signal, streaming: () => lifecycle.awaitingUpstream.delete(waiting) };
}

/** Resolves once no API request is in flight, or after `timeoutMs`; true when everything finished. */
export async function waitForIdle(lifecycle: Lifecycle, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (lifecycle.inFlight > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
  return lifecycle.inFlight === 0;
}

export const lifecyclePlugin = fp(
  async (app: FastifyInstance, { lifecycle }: { lifecycle: Lifecycle }) => {
    app.decorate('lifecycle', lifecycle);
    app.addHook('onRequest', (request, reply, done) => {
      // Once a drain starts no connection is kept alive: each one closes after its answer, probes' too.
      if (lifecycle.draining) reply.header('connection', 'close');
      if (policyOf(request).drain) {
        if (lifecycle.draining) {
          sendError(request, reply, new ProxyError('shutting_down', 'The proxy is shutting down; retry on another instance', { headers: { 'retry-after': '1' } }));
          return;
        }
        lifecycle.inFlight++;
        reply.raw.once('close', () => lifecycle.inFlight--);
      }
      done();
    });
  },
  { name: 'lifecycle', fastify: '5.x', dependencies: ['route-policy', 'error-handler'] },
);
