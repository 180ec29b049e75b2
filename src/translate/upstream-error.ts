// What an upstream said about an error -> the ProxyError an OpenAI client gets (the mapping itself is the
// catalogue's, src/errors.ts). Reads Anthropic's envelope, z.ai's numeric error.type codes and z.ai's
// native {error:{code,message}} bodies, from an error answer, an error envelope in a 200, or a stream's
// `error` event.
import { upstreamApiError, type ProxyError, type UpstreamErrorReport } from '../errors.ts';
import { openAIResponseHeaders } from './response-headers.ts';

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
