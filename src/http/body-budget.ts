// Memory bounded by configuration: the request bodies the service holds at once (as bytes, in their parsed
// form, and as what is sent upstream) are bounded by MAX_BODY_BYTES_IN_FLIGHT. A request whose
// content-length would take the total over it gets a 503 with retry-after before a byte of its body is
// read; a chunked one as soon as the bytes it has sent take the total over. The bytes count until its
// answer is over, since the body is held until then. A body dense with objects, arrays and values counts
// for what they cost the heap when that is more than its bytes (json-limits.ts charges the difference).
import { Transform, type TransformCallback } from 'node:stream';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { ProxyError } from '../errors.ts';

const RETRY_AFTER_S = '1';

interface Holding {
  held: number;
  /** Adds bytes to what the request holds: null when they fit, else the 503 to answer. */
  charge(bytes: number): ProxyError | null;
}

/** What each request holds, for the parser's charge (per request, so several apps in a process stay apart). */
const holdings = new WeakMap<FastifyRequest, Holding>();

/**
 * Charges the request `bytes` more (memory its parsed body takes beyond its text): null when they fit, else
 * the 503 to answer. Without the plugin (or for a request it does not track) nothing is charged.
 */
export function chargeParsedBody(request: FastifyRequest, bytes: number): ProxyError | null {
  return bytes > 0 ? holdings.get(request)?.charge(bytes) ?? null : null;
}

export interface BodyBudget {
  /** Request body bytes held now. */
  readonly inFlightBytes: number;
  readonly limitBytes: number;
}

function overBudget(limitBytes: number): ProxyError {
  return new ProxyError('proxy_overloaded', `The proxy holds as many request bodies as MAX_BODY_BYTES_IN_FLIGHT (${limitBytes} bytes) allows; retry shortly`, {
    headers: { 'retry-after': RETRY_AFTER_S },
  });
}

async function bodyBudget(app: FastifyInstance): Promise<void> {
  const limitBytes = app.config.maxBodyBytesInFlight;
  const state = { inFlightBytes: 0, limitBytes };
  app.decorate('bodyBudget', state as BodyBudget);
  const registers = [app.metrics.registry];
  new Gauge({ name: 'proxy_request_body_bytes_in_flight', help: 'Request body bytes held now (MAX_BODY_BYTES_IN_FLIGHT bounds them)', registers, collect() { this.set(state.inFlightBytes); } });
  const refused = new Counter({ name: 'proxy_body_budget_refused_total', help: 'Requests refused with 503 because their body would take the bytes held over MAX_BODY_BYTES_IN_FLIGHT', registers });
  const refuse = (): ProxyError => {
    refused.inc();
    return overBudget(limitBytes);
  };

  app.addHook('preParsing', (request, reply, payload, done) => {
    const declared = Number(request.headers['content-length']);
    const chunked = request.headers['transfer-encoding'] !== undefined;
    // A body larger than BODY_LIMIT_BYTES is refused (413) before it is read: it never counts.
    if (!chunked && (!(declared > 0) || declared > app.config.bodyLimitBytes)) {
      done(null, payload);
      return;
    }
    const holding: Holding = {
      held: 0,
      charge(bytes) {
        if (state.inFlightBytes + bytes > limitBytes) {
          request.log.warn({ parsed_extra_bytes: bytes, in_flight_bytes: state.inFlightBytes, limit_bytes: limitBytes }, 'body budget full: request refused once its body was parsed');
          return refuse();
        }
        holding.held += bytes;
        state.inFlightBytes += bytes;
        return null;
      },
    };
    holdings.set(request, holding);
    reply.raw.once('close', () => {
      state.inFlightBytes -= holding.held;
      holding.held = 0;
    });
    if (!chunked) {
      if (state.inFlightBytes + declared > limitBytes) {
        request.log.warn({ content_length: declared, in_flight_bytes: state.inFlightBytes, limit_bytes: limitBytes }, 'body budget full: request refused before its body was read');
        done(refuse());
        return;
      }
      holding.held = declared;
      state.inFlightBytes += declared;
      done(null, payload);
      return;
    }
    // Chunked: counted as it arrives; the request fails as soon as it would take the total over.
    done(null, payload.pipe(new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        if (state.inFlightBytes + chunk.length > limitBytes) {
          request.log.warn({ received_bytes: holding.held, in_flight_bytes: state.inFlightBytes, limit_bytes: limitBytes }, 'body budget full: chunked request refused while its body arrived');
          callback(refuse());
          return;
        }
        holding.held += chunk.length;
        state.inFlightBytes += chunk.length;
        callback(null, chunk);
      },
    })));
  });
}

export const bodyBudgetPlugin = fp(bodyBudget, { name: 'body-budget', fastify: '5.x', dependencies: ['error-handler', 'metrics'], decorators: { fastify: ['config'] } });
