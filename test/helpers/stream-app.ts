// An app with a small test-only streaming route in front of a MockUpstream: it calls the upstream the way
// the chat-completions route does and hands the answer to streamChatCompletion. Lets the streaming layer be
// tested end to end (real ports, the openai SDK) without the real route.
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import { ProxyError } from '../../src/errors.ts';
import { streamChatCompletion } from '../../src/http/chat-stream-writer.ts';
import { upstreamWaitFor } from '../../src/http/lifecycle.ts';
import { upstreamHeadersFor } from '../../src/upstream/headers.ts';
import { buildTestApp, listen, type TestApp } from './app.ts';
import { MockUpstream } from './mock-upstream.ts';

export const TEST_ROUTE_BASE = '/stream-test/v1';
export const TEST_CREATED = 1700000000;
export const RESPONSE_FORMAT_TOOL = 'json_tool_call';

export interface StreamTestApp extends TestApp {
  mock: MockUpstream;
  base: string;
  client: OpenAI;
  /** The server side of every response the test route wrote, in order (to watch its buffer). */
  serverResponses: ServerResponse[];
}

export async function streamTestApp(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<StreamTestApp> {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const built = await buildTestApp(t, { UPSTREAM_BASE: mock.url, SERVER_API_KEY: 'sk-upstream', ...env });
  const { app, config } = built;
  const serverResponses: ServerResponse[] = [];
  app.post(`${TEST_ROUTE_BASE}/chat/completions`, async (request, reply) => {
    const body = request.body as { model: string; stream_options?: { include_usage?: boolean }; response_format?: unknown; messages: unknown };
    serverResponses.push(reply.raw);
    const wait = upstreamWaitFor(app.lifecycle, reply.raw);
    const { signal } = wait;
    const upstream = await app.upstream.request({
      path: '/v1/messages',
      headers: upstreamHeadersFor(request.headers, config, { requestId: request.id }),
      body: JSON.stringify({ model: body.model, max_tokens: 256, stream: true, messages: body.messages }),
      signal,
    });
    if (upstream.statusCode >= 300) {
      await upstream.body.dump();
      throw new ProxyError(upstream.statusCode, 'the upstream refused the request', { code: 'upstream_error' });
    }
    wait.streaming();
    await streamChatCompletion({
      request,
      reply,
      upstream,
      signal,
      created: TEST_CREATED,
      includeUsage: body.stream_options?.include_usage === true,
      responseFormatTool: body.response_format ? RESPONSE_FORMAT_TOOL : null,
      model: body.model,
    });
  });
  const base = await listen(app);
  const client = new OpenAI({ baseURL: `${base}${TEST_ROUTE_BASE}`, apiKey: 'sk-client', maxRetries: 0, timeout: 10_000 });
  return { ...built, mock, base, client, serverResponses };
}

/** Splits SSE bytes at event boundaries, the way an upstream writes them. */
export function eventChunks(bytes: Buffer): Buffer[] {
  const text = bytes.toString('utf8');
  return text.split(/(?<=\n\n)/).map((piece) => Buffer.from(piece, 'utf8'));
}
