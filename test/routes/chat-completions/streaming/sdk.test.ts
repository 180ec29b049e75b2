// stream: true through the real /v1/chat/completions route over real sockets, with the openai SDK's own
// stream helpers as the client: what a client sees.
import t from 'tap';
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { chatSetup } from '../../../helpers/chat.ts';
import { chatStreamFixtures, eventChunks, withoutUsage } from '../../../helpers/stream-fixtures.ts';

const fixtures = new Map(chatStreamFixtures().map((fixture) => [fixture.name, fixture]));
const fixture = (name: string) => {
  const found = fixtures.get(name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
};
const messages = [{ role: 'user' as const, content: 'hi' }];

t.test('stream() + finalChatCompletion() for a text answer, with usage', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('text').upstream) });
  const stream = client.chat.completions.stream({ model: 'claude-sonnet-4-5', messages, stream_options: { include_usage: true } });
  const deltas: string[] = [];
  stream.on('content.delta', ({ delta }) => deltas.push(delta));
  const final = await stream.finalChatCompletion();
  t.strictSame(deltas, ['Hello', '!']);
  t.match(final, {
    id: 'chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY',
    object: 'chat.completion',
    created: 1700000000,
    model: 'claude-sonnet-4-5-20250929',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello!' } }],
    usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 },
  });
  t.equal(mock.lastRequest.body.stream, true);
});

t.test('parallel tool calls are reassembled with parsed arguments, in order', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('parallel-tools').upstream) });
  const stream = client.chat.completions.stream({
    model: 'claude-sonnet-4-5',
    messages,
    tools: [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_utc_time', parameters: { type: 'object', properties: {} } } },
    ],
  });
  const done: Array<{ index: number; name: string; parsed: unknown }> = [];
  stream.on('tool_calls.function.arguments.done', (event) => done.push({ index: event.index, name: event.name, parsed: event.parsed_arguments }));
  const final = await stream.finalChatCompletion();
  const message = final.choices[0].message;
  t.equal(final.choices[0].finish_reason, 'tool_calls');
  t.equal(message.content, 'Checking both cities at once 🌤️');
  t.strictSame(
    message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.name, JSON.parse(call.function.arguments)] : null)),
    [
      ['toolu_01ParisWeather7Qx', 'get_weather', { city: 'Paris', unit: 'celsius' }],
      ['toolu_01TokyoWeather3Lm', 'get_weather', { city: 'Tōkyō', unit: 'celsius' }],
      ['toolu_01UtcClock9Zp', 'get_utc_time', {}],
    ],
  );
  t.strictSame(done.map((event) => [event.index, event.name]), [[0, 'get_weather'], [1, 'get_weather'], [2, 'get_utc_time']]);
});

t.test('for await over create({stream:true}) yields exactly the expected chunks, with and without include_usage', async (t) => {
  const { mock, client } = await chatSetup(t);
  for (const includeUsage of [true, false]) {
    mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('tool').upstream) });
    const stream = await client.chat.completions.create({ model: 'claude-sonnet-4-5', messages, stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}) });
    const chunks: ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const expected = fixture('tool').chunks;
    t.strictSame(chunks, includeUsage ? expected : withoutUsage(expected), `include_usage ${includeUsage}`);
    if (!includeUsage) continue;
    t.ok(chunks.slice(0, -1).every((chunk) => chunk.usage === null), 'usage is null on every other chunk');
    t.strictSame(chunks.at(-1)?.choices, [], 'include_usage puts usage on a last empty-choices chunk');
    t.match(chunks.at(-1)?.usage, { prompt_tokens: 472, completion_tokens: 89, total_tokens: 561 });
  }
});

t.test('without include_usage no chunk carries a usage field', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('text').upstream) });
  const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  t.equal(chunks.length, 4);
  t.ok(chunks.every((chunk) => !('usage' in chunk) && chunk.choices.length === 1));
});

t.test('thinking: reasoning_content deltas and one replayable thinking_blocks delta', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('thinking').upstream) });
  const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
  let reasoning = '';
  const blocks: unknown[] = [];
  let content = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { reasoning_content?: string; thinking_blocks?: unknown[]; content?: string } | undefined;
    reasoning += delta?.reasoning_content ?? '';
    if (delta?.thinking_blocks) blocks.push(...delta.thinking_blocks);
    content += delta?.content ?? '';
  }
  t.match(reasoning, /^221 is odd.*So 221 is composite\.$/);
  t.match(blocks, [{ type: 'thinking', thinking: reasoning, signature: /^ErcBCkgI/ }]);
  t.equal(blocks.length, 1);
  t.equal(content, 'No: 221 = 13 × 17.');
});

t.test('an error event mid-stream makes the SDK throw, after the text so far', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('error').upstream) });
  const stream = client.chat.completions.stream({ model: 'm', messages });
  let seen = '';
  stream.on('content.delta', ({ delta }) => (seen += delta));
  const error = await stream.finalChatCompletion().then(
    () => null,
    (caught: unknown) => caught,
  );
  t.type(error, APIError);
  // The same code an HTTP 529 answer gets (the error catalogue's mapping of Anthropic's overloaded_error).
  t.match(error, { message: /Overloaded/, type: 'server_error', code: 'overloaded' });
  t.equal(seen, 'Here is the first part of');
});

t.test('a truncated upstream stream makes the SDK throw instead of returning a partial answer', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('truncated').upstream) });
  const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
  const error = await (async () => {
    for await (const _chunk of stream);
  })().then(
    () => null,
    (caught: unknown) => caught,
  );
  t.type(error, APIError);
  t.match(error, { code: 'upstream_stream_truncated', message: /before message_stop/ });
});

t.test('the forced response_format tool arrives as content; finish reason stop', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: eventChunks(fixture('json-format').upstream) });
  const stream = client.chat.completions.stream({ model: 'm', messages, response_format: { type: 'json_object' } });
  const final = await stream.finalChatCompletion();
  t.equal(final.choices[0].finish_reason, 'stop');
  t.strictSame(JSON.parse(final.choices[0].message.content ?? ''), { city: 'Paris', population_millions: 2.1 });
  t.notOk(final.choices[0].message.tool_calls?.length);
});

t.test('an upstream error status before the stream is a normal HTTP error, not a 200 stream', async (t) => {
  const { mock, client } = await chatSetup(t);
  mock.enqueue({ kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: too large' } } });
  const error = await client.chat.completions.create({ model: 'm', messages, stream: true }).then(
    () => null,
    (caught: unknown) => caught,
  );
  t.type(error, OpenAI.BadRequestError);
  t.equal((error as APIError).status, 400);
  t.match(error, { message: /max_tokens: too large/ });
});

t.test('a client that leaves mid-stream aborts the upstream at once', async (t) => {
  const { app, client, mock } = await chatSetup(t);
  const head = fixture('text').upstream.toString('utf8').split('event: content_block_stop')[0];
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
