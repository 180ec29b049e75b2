// The upstream token count both count routes ask for (/v1/messages/count_tokens and the Responses API's
// input_tokens), with the one rule for when the local estimate answers instead.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, type ProxyError } from '../errors.ts';
import { callUpstream, type CallSpec, type UpstreamCall } from './upstream-call.ts';

export type TokenCount =
  /** Counted upstream: the upstream's answer as an object, and the headers to relay. */
  | { kind: 'counted'; inputTokens: number; answer: Record<string, unknown>; headers: Record<string, string> }
  /** The upstream answered about the request itself (400, 401, 429, ...): the client's to see, in the route's shape. */
  | { kind: 'refused'; call: UpstreamCall }
  /** No usable upstream count: the route answers with its local estimate (and says so). */
  | { kind: 'estimate' };

// Anthropic-compatible upstreams do not all have the count endpoint: a missing one or a failing one is
// answered locally.
const NO_COUNT_STATUS = new Set([404, 405, 501]);

/** Asks the upstream's /v1/messages/count_tokens (`path` keeps the client's query, on the passthrough). */
export async function upstreamTokenCount(request: FastifyRequest, reply: FastifyReply, body: CallSpec['body'], path = '/v1/messages/count_tokens'): Promise<TokenCount> {
  if (!request.server.config.forwardCountToUpstream) return { kind: 'estimate' };
  let call: UpstreamCall;
  try {
    call = await callUpstream(request, reply, { path, body, stream: false });
  } catch (error) {
    if (error instanceof ClientGoneError) throw error;
    request.log.warn({ code: (error as ProxyError).code }, 'count_tokens upstream failed; answering with a local estimate');
    return { kind: 'estimate' };
  }
  if (NO_COUNT_STATUS.has(call.status) || call.status >= 500) {
    await call.discard();
    return { kind: 'estimate' };
  }
  if (!call.ok) return { kind: 'refused', call };
  const text = await call.text();
  call.settle(null, null);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = null;
  }
  const inputTokens = (answer as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof inputTokens !== 'number') {
    request.log.warn('count_tokens upstream answered without input_tokens; answering with a local estimate');
    return { kind: 'estimate' };
  }
  return { kind: 'counted', inputTokens, answer: answer as Record<string, unknown>, headers: call.relayedHeaders() };
}
