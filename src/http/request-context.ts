// Request ids (honour a sane incoming x-request-id, echo it back) and the one access line per request.
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { routeUrlOf } from './route-policy.ts';
import { withoutKeyParams } from './secrets.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';

/** Log levels at which the access line carries the debug fields. */
const DEBUG_LEVELS: ReadonlySet<string> = new Set(['debug', 'trace']);

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Used as fastify's genReqId: the client's id when it is safe to echo and log, else a fresh one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming)) return incoming;
  return randomUUID();
}

export const requestContextPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('callRecord', null);
    app.decorateRequest('rawBody', null);
    app.decorateRequest('requestTrace', null);
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
      // The client key's name, never the key.
      if (request.clientKey) line.client_key = request.clientKey.name;
      const call = request.callRecord;
      if (call) {
        line.model = call.model;
        line.upstream_status = call.status ?? undefined;
        if (call.stream) line.stream = true;
        if (call.upstream !== null) line.upstream = call.upstream;
        if (call.keyName !== null) line.key_name = call.keyName;
        if (call.attempts > 1) line.attempts = call.attempts;
        if (call.usage) {
          line.input_tokens = call.usage.input_tokens;
          line.output_tokens = call.usage.output_tokens;
          line.cache_read_tokens = call.usage.cache_read_input_tokens ?? 0;
          line.cache_write_tokens = call.usage.cache_creation_input_tokens ?? 0;
        }
        if (call.stopReason !== null) line.stop_reason = call.stopReason;
        if (call.error !== null) line.upstream_error = call.error;
        if (call.dropped.length > 0 && DEBUG_LEVELS.has(request.log.level)) line.dropped = call.dropped;
      }
      // 503 is an expected state (draining, shedding load); other 5xx answers are errors worth a look.
      const level = reply.statusCode >= 500 && reply.statusCode !== 503 ? 'error' : reply.statusCode === 503 ? 'warn' : 'info';
      request.log[level](line, 'request completed');
      done();
    });
  },
  { name: 'request-context', fastify: '5.x', dependencies: ['route-policy'] },
);
