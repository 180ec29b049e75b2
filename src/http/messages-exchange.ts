// The exchange every translated OpenAI route has with the upstream Messages API, written once: send the
// translated request with the key and header rules, note it for the access line, turn an error answer into
// the OpenAI error the client gets, hand over the headers the client may see, and read a whole answer.
// What a route adds is its own translation before and after (and its stream transform).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientGoneError, ProxyError } from '../errors.ts';
import { adaptRequest, type AdaptOptions } from '../profiles/adapt.ts';
import { profileFor, providerFromBaseUrl } from '../profiles/profile.ts';
import { openAIResponseHeaders } from '../translate/response-headers.ts';
import { errorInBodyToOpenAI, upstreamErrorToOpenAI } from '../translate/upstream-error.ts';
import type { UpstreamResponse } from '../upstream/client.ts';
import { upstreamHeadersFor } from '../upstream/request-headers.ts';
import { relayedResponseHeaders } from '../upstream/response-headers.ts';
import type { AnthropicRequest, AnthropicResponse } from '../wire/anthropic.ts';
import { MAX_JSON_DEPTH, tooDeepPath } from './json-limits.ts';
import { upstreamWaitFor, type UpstreamWait } from './lifecycle.ts';
import { accessLogFields } from './request-context.ts';

export interface MessagesExchange {
  /** A 2xx answer: its body is Anthropic SSE for a streaming request, else one message. */
  upstream: UpstreamResponse;
  /** For streamReply: aborts when the client goes. */
  wait: UpstreamWait;
  /** Reads the whole (non-streaming) answer as a message and records its usage. */
  message(): Promise<AnthropicResponse>;
}

/** Response header naming the OpenAI fields the upstream model could not take (comma-separated). */
export const DROPPED_PARAMS_HEADER = 'x-proxy-dropped-params';

/**
 * Sends `body` to the upstream's /v1/messages, fitted first to the upstream model's profile (`openai` says
 * what the client asked for in OpenAI's terms). An answer with an error status is thrown as the OpenAI error
 * for it (also for a streaming request: nothing was sent yet); the relayed upstream headers, with OpenAI's
 * rate-limit names, are set on the reply. Throws ClientGoneError when the client left (see whileClientWaits).
 */
export async function messagesExchange(request: FastifyRequest, reply: FastifyReply, translated: AnthropicRequest, openai: AdaptOptions = {}): Promise<MessagesExchange> {
  const app = request.server;
  const log = accessLogFields(request, { model: translated.model, stream: translated.stream === true });
  // PROFILE SEAM (issue 24): the one place a translated body is fitted to the upstream model's capability
  // profile. The provider comes from UPSTREAM_PROFILE, else UPSTREAM_BASE's host; with several upstreams
  // (issue 23) this call moves into the upstream-call module, with the profile of the chosen route.
  const profile = profileFor(app.config.upstreamProfile ?? providerFromBaseUrl(app.config.upstreamBase), translated.model);
  const { body, dropped } = adaptRequest(translated, profile, openai);
  if (dropped.length > 0) {
    log.dropped = dropped;
    reply.header(DROPPED_PARAMS_HEADER, dropped.join(','));
  }
  const wait = upstreamWaitFor(app.lifecycle, reply.raw);
  const upstream = await app.upstream.request({
    path: '/v1/messages',
    headers: upstreamHeadersFor(request.headers, app.config, { requestId: request.id }),
    body: JSON.stringify(body),
    signal: wait.signal,
    whole: body.stream !== true,
  });
  log.upstreamStatus = upstream.statusCode;
  const relayed = relayedResponseHeaders(upstream.headers);
  /** Reads the body to the end, mapping failures (idle or total timeout, client gone) like the request's. */
  const readText = async (): Promise<string> => {
    try {
      return await upstream.body.text();
    } catch (error) {
      throw app.upstream.failureOf(error, wait.signal, 'response');
    }
  };
  if (upstream.statusCode < 200 || upstream.statusCode >= 300) {
    throw upstreamErrorToOpenAI(upstream.statusCode, await readText(), relayed);
  }
  reply.headers(openAIResponseHeaders(relayed));
  const message = async (): Promise<AnthropicResponse> => {
    const text = await readText();
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new ProxyError('upstream_invalid_response', `The upstream ${app.upstream.host} answered with a body that is not JSON`);
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      throw new ProxyError('upstream_invalid_response', `The upstream ${app.upstream.host} answered with JSON that is not a message`);
    }
    // Translating re-serializes tool inputs: an answer nested deeper than any request may be is not one to translate.
    if (text.length >= 2 * MAX_JSON_DEPTH && tooDeepPath(answer) !== null) {
      throw new ProxyError('upstream_invalid_response', `The upstream ${app.upstream.host} answered with JSON nested more than ${MAX_JSON_DEPTH} levels deep`);
    }
    // Some compatible upstreams report an error in a 200 body: it is an error for the client too.
    if ((answer as { type?: unknown }).type === 'error') throw errorInBodyToOpenAI(text, relayed);
    app.metrics.recordUsage(body.model, (answer as AnthropicResponse).usage);
    return answer as AnthropicResponse;
  };
  return { upstream, wait, message };
}

/**
 * Runs a route's work; when the client has gone meanwhile (the upstream request was aborted with the
 * connection) there is no one left to answer, and that is logged, not an error.
 */
export async function whileClientWaits(request: FastifyRequest, reply: FastifyReply, model: string, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ClientGoneError)) throw error;
    request.log.info({ model }, 'client closed the connection before the answer');
    return reply.hijack();
  }
}
