// An upstream error answer -> an OpenAI error (a ProxyError rendered as {error:{message,type,param,code}}).
// The HTTP status is kept so the openai SDKs pick the right error class and retry rule; 529 (overloaded,
// unknown to OpenAI clients and HTTP middleboxes) becomes 503 with a retry-after. Accepts Anthropic's
// envelope, z.ai's numeric error.type codes and z.ai's native {error:{code,message}} bodies.
import { ProxyError, openAITypeFor } from '../errors.ts';
import { openAIResponseHeaders } from './response-headers.ts';

/** Seconds a client should wait after an overloaded upstream that said nothing itself. */
export const OVERLOADED_RETRY_AFTER_S = '2';

/** OpenAI error codes for Anthropic error types where OpenAI has a well-known one. */
const CODE_BY_ANTHROPIC_TYPE: Readonly<Record<string, string>> = {
  authentication_error: 'invalid_api_key',
  rate_limit_error: 'rate_limit_exceeded',
  request_too_large: 'request_too_large',
  overloaded_error: 'overloaded',
};

interface ParsedError {
  message: string | null;
  type: string | null;
  code: string | null;
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function parseErrorBody(text: string): ParsedError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return { message: trimmed === '' ? null : trimmed.slice(0, 1000), type: null, code: null };
  }
  const envelope = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const error = (envelope.error && typeof envelope.error === 'object' ? envelope.error : envelope) as Record<string, unknown>;
  const type = textOf(error.type);
  const code = textOf(error.code);
  const message = textOf(error.message) ?? (typeof envelope.error === 'string' ? envelope.error : null);
  // z.ai puts numeric codes ("1113") where Anthropic puts a type name: those are codes, not types.
  if (type !== null && /^\d+$/.test(type)) return { message, type: null, code: code ?? type };
  return { message, type, code };
}

/** The HTTP status an Anthropic error type stands for (overloaded is Anthropic's 529). */
const STATUS_BY_ANTHROPIC_TYPE: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 502,
  overloaded_error: 529,
};

/**
 * The status for an error envelope that came with a 200 (some compatible upstreams do this): the one its
 * type stands for, else 502.
 */
export function statusOfErrorInBody(bodyText: string): number {
  const { type } = parseErrorBody(bodyText);
  return (type !== null && Object.hasOwn(STATUS_BY_ANTHROPIC_TYPE, type) ? STATUS_BY_ANTHROPIC_TYPE[type] : undefined) ?? 502;
}

function statusFor(upstreamStatus: number): number {
  if (upstreamStatus === 529) return 503;
  if (upstreamStatus >= 400 && upstreamStatus <= 599) return upstreamStatus;
  // A redirect or an informational status is not an answer the client can use.
  return 502;
}

export function upstreamErrorToOpenAI(upstreamStatus: number, bodyText: string, upstreamHeaders: Record<string, string | string[] | undefined>): ProxyError {
  const parsed = parseErrorBody(bodyText);
  const status = statusFor(upstreamStatus);
  const headers = openAIResponseHeaders(upstreamHeaders);
  if (upstreamStatus === 529 && headers['retry-after'] === undefined) headers['retry-after'] = OVERLOADED_RETRY_AFTER_S;
  const code = parsed.code ?? (parsed.type !== null ? CODE_BY_ANTHROPIC_TYPE[parsed.type] ?? parsed.type : null) ?? `upstream_${upstreamStatus}`;
  const message = parsed.message ?? `The upstream answered HTTP ${upstreamStatus}`;
  return new ProxyError(status, message, { type: openAITypeFor(status), code, headers });
}
