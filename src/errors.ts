// One home for errors: a ProxyError carries a status, a stable code and the field at fault; the two
// renderers turn it into the wire shape of the API family the client speaks.

export type ApiFamily = 'openai' | 'anthropic';

/** Anthropic's documented error types, by HTTP status. */
export const ANTHROPIC_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'api_error',
  503: 'overloaded_error',
  504: 'api_error',
  529: 'overloaded_error',
};

/** OpenAI error `type` by HTTP status (the names the openai SDKs and docs use). */
export const OPENAI_TYPE_BY_STATUS: Readonly<Record<number, string>> = {
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

export interface ProxyErrorOptions {
  /** Stable machine-readable code, e.g. `invalid_json`, `upstream_timeout`. */
  code?: string;
  /** The offending request field in OpenAI's dotted form, e.g. `messages[2].content[0].image_url`. */
  param?: string | null;
  /** Overrides the type derived from the status. */
  type?: string;
  /** Extra response headers (retry-after, ...). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class ProxyError extends Error {
  override name = 'ProxyError';
  readonly statusCode: number;
  readonly code: string;
  readonly param: string | null;
  readonly type: string | undefined;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, options: ProxyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.code = options.code ?? defaultCode(statusCode);
    this.param = options.param ?? null;
    this.type = options.type;
    this.headers = options.headers ?? {};
  }
}

/** A 400 naming the field at fault. */
export function invalidRequest(message: string, param: string | null = null, code = 'invalid_request'): ProxyError {
  return new ProxyError(400, message, { param, code });
}

function defaultCode(status: number): string {
  if (status === 400) return 'invalid_request';
  if (status === 401) return 'invalid_api_key';
  if (status === 404) return 'not_found';
  if (status === 413) return 'request_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 429) return 'rate_limit_exceeded';
  if (status === 502) return 'upstream_unreachable';
  if (status === 503) return 'service_unavailable';
  if (status === 504) return 'upstream_timeout';
  return 'internal_error';
}

export function openAITypeFor(status: number): string {
  return OPENAI_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
}

export function anthropicTypeFor(status: number): string {
  return ANTHROPIC_TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

export function toOpenAIError(error: ProxyError): OpenAIErrorBody {
  return {
    error: {
      message: error.message,
      type: error.type ?? openAITypeFor(error.statusCode),
      param: error.param,
      code: error.code,
    },
  };
}

export function toAnthropicError(error: ProxyError): AnthropicErrorBody {
  return { type: 'error', error: { type: error.type ?? anthropicTypeFor(error.statusCode), message: error.message } };
}

/** Anthropic-native routes answer in Anthropic's error shape; every other route in OpenAI's. */
export function apiFamilyOf(url: string): ApiFamily {
  return url.startsWith('/v1/messages') ? 'anthropic' : 'openai';
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
