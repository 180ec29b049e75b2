// Streams a translated response to the client: Anthropic SSE from the upstream -> Responses events. The same
// I/O rules as chat streams (hijack, headers, drain registration, backpressure, the client going away, the
// final event on a failure, usage metrics). Issue 12's shared streaming writer replaces this file: the
// ResponsesSseTranslator is the byte transform it takes.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError } from '../errors.ts';
import type { ResponsesSseTranslator } from '../translate/openai-responses/pipeline.ts';
import { ClientGoneError, type UpstreamResponse } from '../upstream/client.ts';
import type { OpenStream } from './lifecycle.ts';
import { drained, streamHeaders } from './stream-writer.ts';

export interface ResponsesStreamContext {
  request: FastifyRequest;
  reply: FastifyReply;
  /** A 2xx upstream answer whose body is Anthropic SSE. */
  upstream: UpstreamResponse;
  /** Fires when the client went away; the upstream body must then be destroyed at once. */
  signal: AbortSignal;
  translator: ResponsesSseTranslator;
  /** The upstream model, for the token metrics. */
  model: string;
}

/**
 * Writes the whole SSE response. Reads the upstream only as fast as the client takes the output, so memory
 * does not grow with the stream. Resolves when the stream is over, however it ended.
 */
export async function streamResponse(context: ResponsesStreamContext): Promise<void> {
  const { request, reply, upstream, signal, translator } = context;
  const { body } = upstream;
  const app = request.server;
  const raw = reply.raw;
  reply.hijack();
  if (signal.aborted || raw.destroyed) {
    body.destroy();
    raw.destroy();
    return;
  }
  let ended = false;
  const finish = (text: string): void => {
    if (ended) return;
    ended = true;
    app.lifecycle.openStreams.delete(open);
    if (!raw.destroyed) raw.end(text);
  };
  const open: OpenStream = {
    cut(reason) {
      finish(translator.fail(new ProxyError(503, reason, { code: 'shutting_down' })));
      body.destroy();
    },
  };
  const onClientGone = (): void => {
    body.destroy();
  };

  raw.writeHead(200, streamHeaders(reply, upstream, 'text/event-stream; charset=utf-8'));
  raw.flushHeaders();
  signal.addEventListener('abort', onClientGone, { once: true });
  app.lifecycle.openStreams.add(open);
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        if (ended) return;
        const failure = app.upstream.failureOf(error, signal, 'response');
        if (failure instanceof ClientGoneError) {
          ended = true;
          raw.destroy();
          return;
        }
        finish(translator.fail(failure));
        return;
      }
      if (next.done) {
        finish(translator.end());
        return;
      }
      // After the end the rest of the body is read and dropped, so the upstream connection can be reused.
      if (ended) continue;
      const text = translator.push(next.value);
      if (translator.finished) {
        finish(text);
        if (translator.status === 'failed') body.destroy();
      } else if (text !== '' && !raw.write(text)) {
        await drained(raw);
      }
    }
  } catch (error) {
    request.log.error({ err: error }, 'streaming a response failed');
    finish(translator.fail(new ProxyError(500, 'Internal error in the proxy while streaming; see its logs for details', { code: 'internal_error' })));
    body.destroy();
  } finally {
    signal.removeEventListener('abort', onClientGone);
    app.lifecycle.openStreams.delete(open);
    const usage = translator.machine.usage;
    if (usage) app.metrics.recordUsage(context.model, usage);
    const failure = translator.machine.failure;
    if (failure) request.log.warn({ code: failure.code, detail: failure.message }, 'response stream ended with response.failed');
  }
}
