// Request ids (honour a sane incoming x-request-id, echo it back) and the one access line per request.
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { ProxyLogInfo } from './decorations.ts';
import { routeUrlOf } from './route-policy.ts';
import { withoutKeyParams } from './secrets.ts';

/** Log levels at which the access line carries the debug fields. */
const DEBUG_LEVELS: ReadonlySet<string> = new Set(['debug', 'trace']);

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Used as fastify's genReqId: the client's id when it is safe to echo and log, else a fresh one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

/**
 * What a route adds to its request's access line (model, stream): returned for the route to complete with
 * the upstream status. Only that line reads it; a route keeps its own facts in its own variables.
 */
export function accessLogFields(request: FastifyRequest, fields: ProxyLogInfo): ProxyLogInfo {
  request.proxyLog = fields;
  return fields;
}

export const requestContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('proxyLog', null);
    app.decorateRequest('rawBody', null);
    // Synchronous hooks (`done` instead of async) throughout http/: an async hook costs a promise and a
    // microtask turn per request, for work that never waits.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      const line: Record<string, unknown> = {
        method: request.method,
        route: routeUrlOf(request),
        // Without key-like query parameters (`?key=`, `?api_key=`): a key is never logged.
        url: request.url.includes('?') ? withoutKeyParams(request.url).url : request.url,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      };
      if (request.proxyLog) {
        line.model = request.proxyLog.model;
        line.upstream_status = request.proxyLog.upstreamStatus;
        if (request.proxyLog.stream) line.stream = true;
        if (request.proxyLog.dropped && DEBUG_LEVELS.has(request.log.level)) line.dropped = request.proxyLog.dropped;
      }
      // 503 is an expected state (draining, shedding load); other 5xx answers are errors worth a look.
      const level = reply.statusCode >= 500 && reply.statusCode !== 503 ? 'error' : reply.statusCode === 503 ? 'warn' : 'info';
      request.log[level](line, 'request completed');
      done();
    });
  },
  { name: 'request-context', fastify: '5.x', dependencies: ['route-policy'] },
);
