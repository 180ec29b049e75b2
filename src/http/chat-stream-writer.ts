// Streams a translated chat completion to the client: Anthropic SSE from the upstream -> OpenAI chunks.
// Contract between the chat-completions route (which validates, translates, calls the upstream and handles
// any non-2xx answer as a normal HTTP error) and the streaming layers in this folder.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxyError } from '../errors.ts';
import type { OpenStream } from './lifecycle.ts';
import { ClientGoneError, type UpstreamResponse } from '../upstream/client.ts';
import { ChatSseTranslator } from '../translate/openai-chat/stream-translator.ts';
import { drained, streamHeaders } from './stream-writer.ts';

export interface ChatStreamContext {
  request: FastifyRequest;
  reply: FastifyReply;
  /** A 2xx upstream answer whose body is Anthropic SSE. */
  upstream: UpstreamResponse;
  /** Fires when the client went away; the upstream body must then be destroyed at once. */
  signal: AbortSignal;
  /** Unix seconds for every chunk's `created`. */
  created: number;
  /** `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Name of the forced tool that carries a response_format schema: its input becomes `content`. */
  responseFormatTool: string | null;
  /** The client sent legacy `functions`: a tool call streams as `function_call`. */
  legacyFunctions?: boolean;
  /** The upstream model asked for: the chunks' model until message_start names one, and the log's. */
  model?: string;
}

/**
 * Writes the whole OpenAI SSE response (headers, chunks, `[DONE]` or a final error event). Reads the
 * upstream only as fast as the client takes the output, so memory does not grow with the stream.
 */
export async function streamChatCompletion(context: ChatStreamContext): Promise<void> {
  const { request, reply, upstream, signal } = context;
  const { body } = upstream;
  const app = request.server;
  const raw = reply.raw;
  request.proxyLog = { ...request.proxyLog, model: context.model ?? request.proxyLog?.model, upstreamStatus: upstream.statusCode, stream: true };
  reply.hijack();
  if (signal.aborted || raw.destroyed) {
    body.destroy();
    raw.destroy();
    return;
  }

  const translator = new ChatSseTranslator({
    created: context.created,
    includeUsage: context.includeUsage,
    responseFormatTool: context.responseFormatTool,
    legacyFunctions: context.legacyFunctions,
    fallbackId: `chatcmpl-${request.id}`,
    fallbackModel: context.model ?? request.proxyLog?.model,
  });
  let ended = false;
  const open: OpenStream = {
    cut(reason) {
      finish(translator.fail(new ProxyError(503, reason, { code: 'shutting_down' })));
      body.destroy();
    },
  };
  const finish = (text: string): void => {
    if (ended) return;
    ended = true;
    app.lifecycle.openStreams.delete(open);
    if (!raw.destroyed) raw.end(text);
  };
  const onClientGone = (): void => {
    body.destroy();
  };

  raw.writeHead(200, streamHeaders(reply, upstream, 'text/event-stream'));
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
        // The answer had begun: a failure now is the upstream breaking off, not one to reach it.
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
      // After [DONE] the rest of the body is read and dropped, so the upstream connection can be reused.
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
    request.log.error({ err: error }, 'streaming a chat completion failed');
    finish(translator.fail(new ProxyError(500, 'Internal error in the proxy while streaming; see its logs for details', { code: 'internal_error' })));
    body.destroy();
  } finally {
    signal.removeEventListener('abort', onClientGone);
    app.lifecycle.openStreams.delete(open);
    const usage = translator.machine.usage;
    if (usage) app.metrics.recordUsage(request.proxyLog?.model ?? 'unknown', usage);
    const failure = translator.machine.failure;
    if (failure) request.log.warn({ code: failure.code, detail: failure.message }, 'chat stream ended with an error event');
  }
}
