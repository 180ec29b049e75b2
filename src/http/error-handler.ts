// One error handler and one not-found handler for the whole app. The wire shape is the API family the
// route's policy names (route-policy.ts): never an HTML page or a stack.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError, paramFromInstancePath, renderError } from '../errors.ts';
import { policyOf } from './route-policy.ts';

interface ValidationDetail {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns fastify's own errors (JSON parsing, body limit, content type, schema) into ProxyErrors. */
export function toProxyError(error: unknown): ProxyError {
  if (error instanceof ProxyError) return error;
  const fastifyError = error as FastifyError & { validation?: ValidationDetail[]; validationContext?: string };
  if (Array.isArray(fastifyError.validation) && fastifyError.validation.length > 0) {
    const first = fastifyError.validation[0];
    const missing = typeof first.params?.missingProperty === 'string' ? first.params.missingProperty : undefined;
    const extra = typeof first.params?.additionalProperty === 'string' ? first.params.additionalProperty : undefined;
    const param = paramFromInstancePath(first.instancePath ?? '', missing ?? extra);
    const where = param ?? (fastifyError.validationContext === 'body' ? 'the request body' : 'the request');
    let detail = first.message ?? 'is invalid';
    if (missing) detail = 'is required';
    else if (extra) detail = 'is not a recognised field';
    else if (first.keyword === 'enum' && Array.isArray(first.params?.allowedValues)) {
      detail = `must be one of ${(first.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (first.keyword === 'type' && first.params?.type !== undefined) {
      detail = `must be of type ${String(first.params.type).split(',').join(' or ')}`;
    } else if (first.keyword === 'minItems' && first.params?.limit === 1) {
      detail = 'must not be empty';
    }
    return new ProxyError('invalid_request', `Invalid request: '${where}' ${detail}`, { param });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ProxyError('request_too_large', 'Request body is larger than the configured limit (BODY_LIMIT_BYTES)');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ProxyError('unsupported_content_type', 'Unsupported content type: send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ProxyError('invalid_json', 'Request body is empty: send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ProxyError('invalid_request', 'Request body length does not match its content-length header');
    default:
      break;
  }
  if (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new ProxyError('invalid_json', `Request body is not valid JSON: ${fastifyError.message}`);
  }
  const status = typeof fastifyError.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    return ProxyError.foreign(status, fastifyError.code ?? 'invalid_request', fastifyError.message || 'Bad request');
  }
  return new ProxyError('internal_error', 'Internal error in the proxy; see its logs for details', { cause: error });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: ProxyError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(renderError(policyOf(request).family, error));
}

export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error, request, reply) => {
      const proxyError = toProxyError(error);
      if (proxyError.statusCode >= 500 && !(error instanceof ProxyError)) {
        request.log.error({ err: error }, 'unexpected error');
      } else if (proxyError.statusCode >= 500) {
        request.log.warn({ code: proxyError.code, detail: proxyError.message }, 'request failed');
      }
      return sendError(request, reply, proxyError);
    });
    app.setNotFoundHandler((request, reply) => {
      const error = new ProxyError('unknown_route', `Unknown route: ${request.method} ${request.url.split('?')[0]}`);
      return sendError(request, reply, error);
    });
  },
  { name: 'error-handler', fastify: '5.x', dependencies: ['route-policy'] },
);
