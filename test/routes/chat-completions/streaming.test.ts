// stream: true through the real /v1/chat/completions route and a real port, with the openai SDK's own
// stream helpers as the client.
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import t from 'tap';
import { chatSetup } from '../../helpers/chat.ts';
import { chatStreamFixtures, withoutUsage } from '../../helpers/stream-fixtures.ts';
import { eventChunks } from '../../helpers/stream-app.ts';

const fixtures = new Map(chatStreamFixtures().map((fixture) => [fixture.name, fixture]));
const upstream = (name: string) => ({ kind: 'sse' as const, chunks: eventChunks(fixtures.get(name)!.upstream) });
const messages = [{ role: 'user' as const, content: 'hi' }];

t.test('stream() + finalChatCompletion(): text, finish reason and usage; the upstream is asked to stream', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue(upstream('text'));
  const stream = client.chat.completions.stream({ model: 'glm-4.5', messages, stream_options: { include_usage: true } });
  const final = await stream.finalChatCompletion();
  t.match(final, {
    id: 'chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
    created: 1700000000,
    model: 'claude-sonnet-4-5-20250929',
    choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: 'Hello!' } }],
    usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 },
  });
  t.equal(mock.lastRequest.body.stream, true);
});

t.test('for await over the chunks: exactly the expected sequence, with and without include_usage', async (t) => {
  const { client, mock } = await chatSetup(t);
  for (const includeUsage of [true, false]) {
    mock.enqueue(upstream('tool'));
    const stream = await client.chat.completions.create({ model: 'glm-4.5', messages, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const expected = fixtures.get('tool')!.chunks;
    t.strictSame(chunks, includeUsage ? expected : withoutUsage(expected), `include_usage ${includeUsage}`);
  }
});

t.test('parallel tool calls are reassembled, with parsed arguments', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue(upstream('parallel-tools'));
  const stream = client.chat.completions.stream({
    model: 'glm-4.5',
    messages,
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_utc_time', parameters: { type: 'object', properties: {} } } },
    ],
  });
  const final = await stream.finalChatCompletion();
  t.equal(final.choices[0].finish_reason, 'tool_calls');
  t.strictSame(
    final.choices[0].message.tool_calls?.map((call) => (call.type === 'function' ? [call.function.name, JSON.parse(call.function.arguments)] : null)),
    [
      ['get_weather', { city: 'Paris', unit: 'celsius' }],
      ['get_weather', { city: 'Tōkyō', unit: 'celsius' }],
      ['get_utc_time', {}],
    ],
  );
});

t.test('an error event mid-stream makes the SDK throw', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue(upstream('error'));
  const error = await client.chat.completions
    .stream({ model: 'glm-4.5', messages })
    .finalChatCompletion()
    .then(
      () => null,
      (caught: unknown) => caught,
    );
  t.type(error, APIError);
  t.match(error, { message: /Overloaded/, code: 'overloaded_error' });
});

t.test('an upstream error status before the stream is an HTTP error, not a 200 stream', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } } });
  const error = await client.chat.completions.create({ model: 'glm-4.5', messages, stream: true }).then(
    () => null,
    (caught: unknown) => caught,
  );
  t.type(error, OpenAI.BadRequestError);
  t.match(error, { message: /max_tokens: too large/ });
});

t.test('a client that leaves mid-stream aborts the upstream at once', async (t) => {
  const { app, client, mock } = await chatSetup(t);
  const head = fixtures.get('text')!.upstream.toString('utf8').split('event: content_block_stop')[0];
  mock.enqueue({ kind: 'sse', chunks: [head], after: 'hang' });
  const controller = new AbortController();
  const stream = await client.chat.completions.create({ model: 'glm-4.5', messages, stream: true }, { signal: controller.signal });
  let seen = '';
  const reading = (async () => {
    for await (const chunk of stream) {
      seen += chunk.choices[0]?.delta.content ?? '';
      if (seen === 'Hello!') controller.abort();
    }
  })().catch((error: unknown) => error);
  await reading;
  t.equal(seen, 'Hello!');
  await mock.lastRequest.done;
  t.equal(mock.lastRequest.aborted, true, 'the upstream saw the connection close');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.lifecycle.openStreams.size, 0);
});

t.test('SSE headers through the real route, and the access line marks the stream', async (t) => {
  const { base, mock, logs } = await chatSetup(t);
  mock.enqueue(upstream('text'));
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' },
    body: JSON.stringify({ model: 'glm-4.5', messages, stream: true }),
  });
  t.equal(response.status, 200);
  t.equal(response.headers.get('content-type'), 'text/event-stream');
  t.equal(response.headers.get('cache-control'), 'no-cache');
  t.equal(response.headers.get('x-accel-buffering'), 'no');
  t.ok(response.headers.get('x-request-id'));
  const text = await response.text();
  t.ok(text.endsWith('data: [DONE]\n\n'));
  t.notMatch(text, /^event:/m);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const access = logs.map((line) => JSON.parse(line)).find((line) => line.msg === 'request completed' && line.url === '/v1/chat/completions');
  t.match(access, { status: 200, model: 'glm-4.5', upstream_status: 200, stream: true });
});
