// What every translated OpenAI route does around its upstream call (upstream-call.ts), written once: send the
// translated Messages request, turn an error answer into the OpenAI error the client gets, hand over the
// headers the client may see, and read a whole answer as a message. What a route adds is its own translation
// before and after (and its stream transform).
import { estimateInputTokens, quickCount } from '../count/token-estimate.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError } from '../errors.ts';
import { adaptRequest, type AdaptOptions } from '../profiles/adapt.ts';
import { profileFor } from '../profiles/profile.ts';
import { openAIResponseHeaders } from '../translate/anthropic/response-headers.ts';
import { errorInBodyToOpenAI, upstreamErrorToOpenAI } from '../translate/anthropic/upstream-error.ts';
import type { AnthropicRequest, AnthropicResponse } from '../wire/anthropic.ts';
import { withoutThinkingHistory } from '../translate/anthropic/thinking-history.ts';
import { affinityKeyOf } from './affinity.ts';
import { withPromptCache } from './prompt-cache.ts';
import { MAX_JSON_DEPTH, tooDeepPath } from './json-limits.ts';
import { callUpstream, startCallRecord, type UpstreamCall } from './upstream-call.ts';

export interface MessagesExchange {
  /** A 2xx answer: its body is Anthropic SSE for a streaming request, else one message. */
  call: UpstreamCall;
  /** Reads the whole (non-streaming) answer as a message; its usage completes the call record. */
  message(): Promise<AnthropicResponse>;
}

/** Response header naming the OpenAI fields the upstream model could not take (comma-separated). */
export const DROPPED_PARAMS_HEADER = 'x-proxy-dropped-params';

/**
 * Sends `body` to the upstream's /v1/messages (the model the client asked for is read from its request). Each
 * attempt's body is the translation fitted to where it goes: the route's model id, no foreign thinking away
 * from the conversation's home, the target model's capability profile (`openai` says what the client asked for
 * in OpenAI's terms; what the model cannot take is named in x-proxy-dropped-params), and prompt-cache
 * breakpoints. An answer with an error status is thrown as the OpenAI error for it (also for a streaming
 * request: nothing was sent yet); the relayed upstream headers, with OpenAI's rate-limit names, are set on the reply.
 */
export async function messagesExchange(request: FastifyRequest, reply: FastifyReply, body: AnthropicRequest, openai: AdaptOptions = {}): Promise<MessagesExchange> {
  const openAIRequest = (request.body ?? {}) as { model?: unknown; prompt_cache_key?: unknown };
  const record = startCallRecord(request, { asked: openAIRequest.model, sent: body.model, stream: body.stream === true });
  const call = await callUpstream(request, reply, {
    path: '/v1/messages',
    body: ({ model, home, target, capabilities, promptCache: routeCache }) => {
      const routed = { ...body, model };
      const profile = profileFor(target.profile, model, capabilities);
      const fitted = adaptRequest(home ? routed : withoutThinkingHistory(routed), profile, openai);
      record.dropped = fitted.dropped;
      if (fitted.dropped.length > 0) reply.header(DROPPED_PARAMS_HEADER, fitted.dropped.join(','));
      else reply.removeHeader(DROPPED_PARAMS_HEADER);
      // The route's prompt_cache over the upstream's over PROMPT_CACHE / PROMPT_CACHE_TTL.
      const { promptCache, promptCacheTtl } = request.server.config;
      const setting = { mode: promptCache, ttl: promptCacheTtl, ...target.promptCache, ...routeCache };
      return JSON.stringify(withPromptCache(fitted.body, setting, target.profile, profile));
    },
    stream: body.stream === true,
    affinity: affinityKeyOf(request.headers, openAIRequest.prompt_cache_key, body),
    estimate: () => estimateInputTokens(body as unknown as Record<string, unknown>, quickCount),
  });
  const relayed = call.relayedHeaders();
  if (!call.ok) throw await openAIErrorOf(call);
  reply.headers(openAIResponseHeaders(relayed));
  const message = async (): Promise<AnthropicResponse> => {
    const text = await call.text();
    const answer = messageIn(text, call.host, relayed);
    call.settle(answer.usage, answer.stop_reason, answer);
    return answer;
  };
  return { call, message };
}

/** An upstream error answer as the OpenAI error the client gets (its body read whole). */
export async function openAIErrorOf(call: UpstreamCall): Promise<ProxyError> {
  const text = await call.text();
  call.settle(null, null);
  return upstreamErrorToOpenAI(call.status, text, call.relayedHeaders());
}

/** A whole answer's body as a message, or the error it is. */
function messageIn(text: string, host: string, relayed: Record<string, string>): AnthropicResponse {
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new ProxyError('upstream_invalid_response', `The upstream ${host} answered with a body that is not JSON`);
  }
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
    throw new ProxyError('upstream_invalid_response', `The upstream ${host} answered with JSON that is not a message`);
  }
  // Translating re-serializes tool inputs: an answer nested deeper than any request may be is not one to translate.
  if (text.length >= 2 * MAX_JSON_DEPTH && tooDeepPath(answer) !== null) {
    throw new ProxyError('upstream_invalid_response', `The upstream ${host} answered with JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  // Some compatible upstreams report an error in a 200 body: it is an error for the client too.
  if ((answer as { type?: unknown }).type === 'error') throw errorInBodyToOpenAI(text, relayed);
  return answer as AnthropicResponse;
}
