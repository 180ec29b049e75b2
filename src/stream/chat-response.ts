// Streams a translated chat completion to the client: Anthropic SSE from the upstream -> OpenAI chunks.
// Contract between the chat-completions route (which validates, translates, calls the upstream and handles
// any non-2xx answer as a normal HTTP error) and the streaming layers in this folder.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UpstreamResponse } from '../upstream/client.ts';

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
}

/** Writes the whole OpenAI SSE response (headers, chunks, `[DONE]` or a final error event). */
export async function streamChatCompletion(context: ChatStreamContext): Promise<void> {
  context.upstream.body.destroy();
  throw new Error('streaming chat completions are not implemented yet');
}
