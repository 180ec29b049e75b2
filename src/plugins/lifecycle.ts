// Readiness and drain state. main.ts flips `draining` on SIGTERM; streaming routes register themselves in
// `openStreams` so that a drain that runs out of time can end them with a final error event.
import type { FastifyInstance } from 'fastify';

export interface OpenStream {
  /** Ends the stream at once with an error event in the route's own format. */
  cut(reason: string): void;
}

export interface Lifecycle {
  draining: boolean;
  readonly startedAt: number;
  readonly openStreams: Set<OpenStream>;
}

export function createLifecycle(now: number = Date.now()): Lifecycle {
  return { draining: false, startedAt: now, openStreams: new Set() };
}

/** Cuts every open stream; returns how many were cut. */
export function cutOpenStreams(lifecycle: Lifecycle, reason: string): number {
  const streams = [...lifecycle.openStreams];
  for (const stream of streams) stream.cut(reason);
  lifecycle.openStreams.clear();
  return streams.length;
}

export function installLifecycle(app: FastifyInstance, lifecycle: Lifecycle): void {
  app.decorate('lifecycle', lifecycle);
}
