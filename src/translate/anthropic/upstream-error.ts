// What an upstream said about an error -> the ProxyError an OpenAI client gets. Reads Anthropic's envelope,
// z.ai's dialect (numeric codes in error.type, its native {error:{code,message}} bodies, its business codes)
// from an error answer, an error envelope in a 200, or a stream's `error` event; the catalogue the result
// belongs to is src/errors.ts.
import { ProxyError } from '../../errors.ts';
import { ANTHROPIC_ERROR_STATUS } from '../../wire/anthropic.ts';
import { openAIResponseHeaders } from './response-headers.ts';

/**
 * The OpenAI code an OpenAI client gets for an Anthropic error type where OpenAI has its own (otherwise the
 * Anthropic type is the code). 529 is answered as 503: OpenAI clients and HTTP middleboxes do not know it.
 */
const OPENAI_CODE_BY_TYPE: Readonly<Record<string, string>> = {
  authentication_error: 'invalid_api_key',
  billing_error: 'insufficient_quota',
  rate_limit_error: 'rate_limit_exceeded',
  overloaded_error: 'overloaded',
};

/** OpenAI's code for a request over the model's context window, which clients and agent frameworks act on (they trim the history). */
const CONTEXT_LENGTH_EXCEEDED = 'context_length_exceeded';
// Anthropic: "prompt is too long: N tokens > M maximum", "input length and `max_tokens` exceed context limit";
// z.ai: business code 1261 ("Prompt 超长"), and English messages of the same kind.
const CONTEXT_WINDOW_MESSAGE = /prompt is too long|context (?:window|length|limit)|maximum context/i;
const ZAI_PROMPT_TOO_LONG = '1261';

/** Seconds a client should wait after an overloaded upstream that said nothing itself. */
const OVERLOADED_RETRY_AFTER_S = '2';

/** What an upstream said about an error: in an HTTP error answer, an error envelope in a 200, or an `error` event. */
export interface UpstreamErrorReport {
  /** The HTTP status it came with; null for an envelope in a 200 or a stream event (its type decides). */
  status: number | null;
  /** The Anthropic error type; null when it named none or a number (z.ai puts its codes there). */
  type: string | null;
  /** A code of the upstream's own (z.ai's business codes). */
  code: string | null;
  message: string;
  headers?: Record<string, string>;
}

/** The status the client gets: the upstream's (529 as 503), or the one its error type stands for, else 502. */
function clientStatusFor(report: UpstreamErrorReport): number {
  const status = report.status ?? (report.type !== null && Object.hasOwn(ANTHROPIC_ERROR_STATUS, report.type) ? ANTHROPIC_ERROR_STATUS[report.type] : 502);
  if (status === 529) return 503;
  // A redirect or an informational status is not an answer the client can use.
  return status >= 400 && status <= 599 ? status : 502;
}

function isContextWindowError(report: UpstreamErrorReport, status: number): boolean {
  if (report.code === ZAI_PROMPT_TOO_LONG) return true;
  return (status === 400 || report.type === 'invalid_request_error') && CONTEXT_WINDOW_MESSAGE.test(report.message);
}

/**
 * An upstream error as an OpenAI client sees it, on every translated route, streamed or not: the status
 * kept (529 -> 503 with a retry-after), the message kept, the code OpenAI would send where it has one
 * (`context_length_exceeded`, `rate_limit_exceeded`, `invalid_api_key`, ...), else the upstream's own code,
 * else the Anthropic type, else `upstream_<status>`.
 */
export function upstreamApiError(report: UpstreamErrorReport): ProxyError {
  const status = clientStatusFor(report);
  const openaiCode = report.type !== null && Object.hasOwn(OPENAI_CODE_BY_TYPE, report.type) ? OPENAI_CODE_BY_TYPE[report.type] : undefined;
  let code: string | null;
  if (isContextWindowError(report, status)) code = CONTEXT_LENGTH_EXCEEDED;
  else code = report.code ?? openaiCode ?? report.type ?? (report.status !== null ? `upstream_${report.status}` : null);
  const headers = { ...report.headers };
  if (status === 503 && (report.status === 529 || report.type === 'overloaded_error') && headers['retry-after'] === undefined) {
    headers['retry-after'] = OVERLOADED_RETRY_AFTER_S;
  }
  return ProxyError.foreign(status, code, report.message, { headers });
}

function textOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

type Parsed = Omit<UpstreamErrorReport, 'status' | 'message' | 'headers'> & { message: string | null };

/** The error object of an envelope (`{type:'error', error:{...}}`, `{error:{...}}`) or the object itself. */
function parseErrorObject(value: unknown): Parsed {
  const envelope = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const error = (envelope.error && typeof envelope.error === 'object' ? envelope.error : envelope) as Record<string, unknown>;
  const type = textOf(error.type);
  const code = textOf(error.code);
  const message = textOf(error.message) ?? (typeof envelope.error === 'string' ? envelope.error : null);
  // z.ai puts numeric codes ("1113") where Anthropic puts a type name: those are codes, not types.
  if (type !== null && /^\d+$/.test(type)) return { message, type: null, code: code ?? type };
  return { message, type, code };
}

function parseErrorBody(text: string): Parsed {
  try {
    return parseErrorObject(JSON.parse(text));
  } catch {
    const trimmed = text.trim();
    return { message: trimmed === '' ? null : trimmed.slice(0, 1000), type: null, code: null };
  }
}

/** An upstream answer with an error status; `relayedHeaders` are the ones the client may see. */
export function upstreamErrorToOpenAI(upstreamStatus: number, bodyText: string, relayedHeaders: Record<string, string>): ProxyError {
  const parsed = parseErrorBody(bodyText);
  const message = parsed.message ?? `The upstream answered HTTP ${upstreamStatus}`;
  return upstreamApiError({ ...parsed, status: upstreamStatus, message, headers: openAIResponseHeaders(relayedHeaders) });
}

/** An error envelope in a 200 answer (some compatible upstreams do this): the status its type stands for, else 502. */
export function errorInBodyToOpenAI(bodyText: string, relayedHeaders: Record<string, string>): ProxyError {
  const parsed = parseErrorBody(bodyText);
  const message = parsed.message ?? 'The upstream answered with an error';
  return upstreamApiError({ ...parsed, status: null, message, headers: openAIResponseHeaders(relayedHeaders) });
}

/** The `error` of a stream's error event. */
export function upstreamErrorFromEvent(error: unknown): ProxyError {
  const parsed = parseErrorObject(error ?? {});
  return upstreamApiError({ ...parsed, status: null, message: parsed.message ?? 'The upstream reported an error in the middle of the stream' });
}
