// The error catalogue. Every error the service answers with is a ProxyError: one of the codes below, each
// written once with its HTTP status and its `type` in both wire shapes, or an error whose status and code
// another party chose (the upstream's answer, the framework's own 4xx), typed by its status. The same
// object is rendered as an HTTP error or as the final event of a stream, in the shape of the route's API.
import { ANTHROPIC_ERROR_STATUS, type AnthropicErrorBody } from './wire/anthropic.ts';
import type { OpenAIErrorBody } from './wire/openai-chat.ts';

export type ApiFamily = 'openai' | 'anthropic';

interface ErrorSpec {
  readonly status: number;
  /** OpenAI `error.type`. */
  readonly openai: string;
  /** Anthropic `error.type` (its documented names; 503 answers are `overloaded_error`). */
  readonly anthropic: string;
}

const badRequest = { status: 400, openai: 'invalid_request_error', anthropic: 'invalid_request_error' } as const;
const badGateway = { status: 502, openai: 'server_error', anthropic: 'api_error' } as const;
const gatewayTimeout = { status: 504, openai: 'server_error', anthropic: 'api_error' } as const;
const unavailable = { status: 503, openai: 'server_error', anthropic: 'overloaded_error' } as const;

export const ERROR_CATALOGUE = {
  // The request itself (400 unless said otherwise).
  invalid_request: badRequest,
  // WebSocket mode (OpenAI's WebSocket-mode guide names these): a connection past its time limit, an event
  // that is not response.create.
  websocket_connection_limit_reached: badRequest,
  unknown_event_type: badRequest,
  invalid_json: badRequest,
  invalid_url: badRequest,
  invalid_image_url: badRequest,
  invalid_file: badRequest,
  invalid_tool_name: badRequest,
  json_too_deep: badRequest,
  json_too_complex: badRequest,
  invalid_http: badRequest,
  request_timeout: { status: 408, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  unsupported_media_type: badRequest,
  unsupported_file_id: badRequest,
  unsupported_content: badRequest,
  unsupported_n: badRequest,
  // The Responses API: features this service does not offer, and state it does not (or no longer) hold.
  unsupported_background: badRequest,
  unsupported_conversation: badRequest,
  unsupported_prompt: badRequest,
  response_not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  previous_response_not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  item_not_found: { status: 404, openai: 'invalid_request_error', anthropic: 'not_found_error' },
  invalid_api_key: { status: 401, openai: 'authentication_error', anthropic: 'authentication_error' },
  // A client key asked for a model outside its `models`; an API key on the administration routes.
  model_not_allowed: { status: 403, openai: 'permission_error', anthropic: 'permission_error' },
  admin_key_required: { status: 403, openai: 'permission_error', anthropic: 'permission_error' },
  // A client key's limit or budget (rpm, tpm, in_flight, tokens_per_day, tokens_per_month) is spent.
  client_rate_limited: { status: 429, openai: 'rate_limit_error', anthropic: 'rate_limit_error' },
  unknown_route: { status: 404, openai: 'not_found_error', anthropic: 'not_found_error' },
  model_not_found: { status: 404, openai: 'not_found_error', anthropic: 'not_found_error' },
  request_too_large: { status: 413, openai: 'invalid_request_error', anthropic: 'request_too_large' },
  headers_too_large: { status: 431, openai: 'invalid_request_error', anthropic: 'request_too_large' },
  unsupported_content_type: { status: 415, openai: 'invalid_request_error', anthropic: 'invalid_request_error' },
  // The service.
  internal_error: { status: 500, openai: 'server_error', anthropic: 'api_error' },
  shutting_down: unavailable,
  proxy_overloaded: unavailable,
  // Every key that serves the model is at its maximum in flight, and the wait queue is full or took too long.
  upstream_busy: unavailable,
  // The shared Responses store (Redis) cannot be reached or did not answer in time.
  responses_store_unavailable: unavailable,
  // The Redis of the client limits cannot be reached and REDIS_FAIL_MODE is closed.
  limits_unavailable: unavailable,
  // The upstream failed: unreachable, broken off, unusable, too slow.
  upstream_unreachable: badGateway,
  upstream_broken: badGateway,
  upstream_invalid_response: badGateway,
  upstream_protocol_error: badGateway,
  upstream_stream_truncated: badGateway,
  sse_event_too_large: badGateway,
  upstream_timeout: gatewayTimeout,
  upstream_connect_timeout: gatewayTimeout,
  upstream_headers_timeout: gatewayTimeout,
  upstream_idle_timeout: gatewayTimeout,
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
/** The codes of 400 answers, for translators that name the field at fault. */
type BadRequestCode = { [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['status'] extends 400 ? C : never }[ErrorCode];

/** OpenAI error `type` by HTTP status, for errors the service did not raise itself. */
const OPENAI_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

function openAITypeFor(status: number): string {
  return OPENAI_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
}

function anthropicTypeFor(status: number): string {
  for (const [type, typeStatus] of Object.entries(ANTHROPIC_ERROR_STATUS)) if (typeStatus === status) return type;
  if (status === 503) return 'overloaded_error';
  return status >= 500 ? 'api_error' : 'invalid_request_error';
}

interface ProxyErrorOptions {
  /** The offending request field in OpenAI's dotted form, e.g. `messages[2].content[0].image_url`. */
  param?: string | null;
  /** Extra response headers (retry-after, ...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A status and code another party chose. */
interface ForeignCode {
  status: number;
  code: string | null;
}

export class ProxyError extends Error {
  override name = 'ProxyError';
  readonly statusCode: number;
  /** Stable and machine-readable; null only for an upstream error that named none. */
  readonly code: string | null;
  readonly param: string | null;
  readonly openaiType: string;
  readonly anthropicType: string;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode | ForeignCode, message: string, options: ProxyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (typeof code === 'string') {
      const spec: ErrorSpec = ERROR_CATALOGUE[code];
      this.statusCode = spec.status;
      this.openaiType = spec.openai;
      this.anthropicType = spec.anthropic;
    } else {
      this.statusCode = code.status;
      this.openaiType = openAITypeFor(code.status);
      this.anthropicType = anthropicTypeFor(code.status);
    }
    this.code = typeof code === 'string' ? code : code.code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  /** An error whose status and code come from elsewhere (the upstream, the framework); typed by its status. */
  static foreign(status: number, code: string | null, message: string, options?: ProxyErrorOptions): ProxyError {
    return new ProxyError({ status, code }, message, options);
  }
}

/** Thrown when the client went away: there is no one left to answer. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  constructor() {
    super('the client closed the connection');
  }
}

/** A 400 naming the field at fault. */
export function invalidRequest(message: string, param: string | null = null, code: BadRequestCode = 'invalid_request'): ProxyError {
  return new ProxyError(code, message, { param });
}

/** A stream that breaks the documented event order or shape. */
export function upstreamProtocolError(detail: string): ProxyError {
  return new ProxyError('upstream_protocol_error', `The upstream stream is malformed: ${detail}`);
}

/** A stream that ended without message_stop. */
export function upstreamTruncatedError(): ProxyError {
  return new ProxyError('upstream_stream_truncated', 'The upstream closed the stream before message_stop: the answer is incomplete');
}

export function toOpenAIError(error: ProxyError): OpenAIErrorBody {
  return { error: { message: error.message, type: error.openaiType, param: error.param, code: error.code } };
}

export function toAnthropicError(error: ProxyError): AnthropicErrorBody {
  return { type: 'error', error: { type: error.anthropicType, message: error.message } };
}

export function renderError(family: ApiFamily, error: ProxyError): OpenAIErrorBody | AnthropicErrorBody {
  return family === 'anthropic' ? toAnthropicError(error) : toOpenAIError(error);
}

/** Turns an Ajv instance path (`/messages/0/role`) into OpenAI's param form (`messages[0].role`). */
export function paramFromInstancePath(path: string, missingProperty?: string): string | null {
  const parts = path.split('/').filter((part) => part !== '');
  if (missingProperty) parts.push(missingProperty);
  if (parts.length === 0) return null;
  return parts.reduce((out, part) => (/^\d+$/.test(part) ? `${out}[${part}]` : out === '' ? part : `${out}.${part}`), '');
}
