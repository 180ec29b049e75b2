// Request ids (honour a sane incoming x-request-id, echo it back) and the one access line per request.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Used as fastify's genReqId: the client's id when it is safe to echo and log, else a fresh one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

/**
 * The path a request is routed by, for every decision made on it (auth, drain, load shedding, error shape):
 * the matched route's pattern, else the percent-decoded path. Never the raw URL: the router decodes
 * `/%761/models` to `/v1/models`, so a check on the raw text could be walked around.
 */
export function routePathOf(request: FastifyRequest): string {
  const route = request.routeOptions.url;
  if (route !== undefined) return route;
  const raw = request.url.split('?', 1)[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function installRequestContext(app: FastifyInstance): void {
  app.decorateRequest('proxyLog', null);
  app.decorateRequest('rawBody', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const line: Record<string, unknown> = {
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: request.url,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (request.proxyLog) {
      line.model = request.proxyLog.model;
      line.upstream_status = request.proxyLog.upstreamStatus;
      if (request.proxyLog.stream) line.stream = true;
    }
    // 503 is an expected state (draining, shedding load); other 5xx answers are errors worth a look.
    const level = reply.statusCode >= 500 && reply.statusCode !== 503 ? 'error' : reply.statusCode === 503 ? 'warn' : 'info';
    request.log[level](line, 'request completed');
  });
}
