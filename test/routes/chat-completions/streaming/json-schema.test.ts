// response_format json_schema with stream: true through the real route and the openai SDK's stream helper:
// the upstream streams the forced response-format tool (input_json_delta pieces), the client gets that JSON
// as message.content (parsed by the SDK), never as a tool call. With reasoning_effort (thinking on) the tool
// is only offered (tool_choice auto, docs/chat-completions.md "response_format"): an upstream answering in
// plain text then gives that text as content with finish_reason stop, streamed or not.
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import t from 'tap';
import { anthropicMessage, type SseEvent } from '../../../helpers/mock-upstream.ts';
import { chatSetup } from '../../../helpers/chat.ts';
import { RESPONSE_FORMAT_TOOL } from '../../../../src/translate/anthropic/format-tool.ts';

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, temp_c: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['city', 'temp_c', 'tags'],
  additionalProperties: false,
};
const responseFormat = { type: 'json_schema' as const, json_schema: { name: 'weather', schema, strict: true } };
const messages = [{ role: 'user' as const, content: 'Weather in Zürich as JSON' }];
const answer = { city: 'Zürich', temp_c: -2.5, tags: ['snow', 'wind "gusty"'] };
const answerJson = JSON.stringify(answer);

/** Splits `text` in `n` pieces of about the same size (cutting inside strings and escapes on purpose). */
function pieces(text: string, n: number): string[] {
  const size = Math.ceil(text.length / n);
  return Array.from({ length: n }, (_, i) => text.slice(i * size, (i + 1) * size)).filter((piece) => piece !== '');
}

const messageStart = (id: string): SseEvent => ({
  data: { type: 'message_start', message: { ...anthropicMessage({ id, content: [], stop_reason: null }), usage: { input_tokens: 20, output_tokens: 1 } } },
});
const blockStop = (index: number): SseEvent => ({ data: { type: 'content_block_stop', index } });
const end = (stopReason: string): SseEvent[] => [
  { data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 30 } } },
  { data: { type: 'message_stop' } },
];
function textBlock(index: number, text: string): SseEvent[] {
  return [
    { data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } },
    ...pieces(text, 3).map((piece) => ({ data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } } })),
    blockStop(index),
  ];
}
function thinkingBlock(index: number, thinking: string, signature: string): SseEvent[] {
  return [
    { data: { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } } },
    ...pieces(thinking, 2).map((piece) => ({ data: { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } } })),
    { data: { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } } },
    blockStop(index),
  ];
}
function jsonToolBlock(index: number, json: string, n = 6): SseEvent[] {
  return [
    { data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: 'toolu_json', name: RESPONSE_FORMAT_TOOL, input: {} } } },
    { data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: '' } } },
    ...pieces(json, n).map((partial_json) => ({ data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } } })),
    blockStop(index),
  ];
}

t.test('stream(): the forced JSON tool streamed as input_json_delta pieces is the content, parsed by the SDK', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', events: [messageStart('msg_js_1'), ...jsonToolBlock(0, answerJson), ...end('tool_use')] });
  const stream = client.chat.completions.stream({ model: 'glm-4.5', messages, response_format: responseFormat, stream_options: { include_usage: true } });
  const done: Array<{ content: string; parsed: unknown }> = [];
  stream.on('content.done', (event) => done.push({ content: event.content, parsed: event.parsed }));
  const final = await stream.finalChatCompletion();

  t.strictSame(mock.lastRequest.body.tools, [{ name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as JSON matching the schema named "weather".', input_schema: schema }]);
  t.strictSame(mock.lastRequest.body.tool_choice, { type: 'tool', name: RESPONSE_FORMAT_TOOL, disable_parallel_tool_use: true });
  t.equal(mock.lastRequest.body.stream, true);

  const choice = final.choices[0];
  t.equal(choice.finish_reason, 'stop', 'the forced tool is the answer, not a tool call');
  t.equal(choice.message.content, answerJson, 'content is the JSON text exactly as streamed');
  t.strictSame(choice.message.parsed, answer, 'the SDK parsed it');
  t.notOk(choice.message.tool_calls?.length, 'no tool_calls');
  t.strictSame(done, [{ content: answerJson, parsed: answer }], 'content.done fired once with the parsed object');
  t.match(final.usage, { prompt_tokens: 20, completion_tokens: 30, total_tokens: 50 });
});

t.test('stream(): text around the JSON tool is dropped, so content still parses', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', events: [messageStart('msg_js_2'), ...textBlock(0, 'Here is the JSON you asked for:'), ...jsonToolBlock(1, answerJson), ...textBlock(2, 'Anything else?'), ...end('tool_use')] });
  const stream = await client.chat.completions.create({ model: 'glm-4.5', messages, response_format: responseFormat, stream: true });
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const content = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
  t.equal(content, answerJson);
  t.equal(chunks.at(-1)?.choices[0].finish_reason, 'stop');
  t.ok(chunks.every((chunk) => !chunk.choices[0]?.delta.tool_calls), 'no tool_calls delta');
});

t.test('the same answer as JSON through parse() and as a stream through stream() gives the same parsed object', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ id: 'msg_js_3', content: [{ type: 'tool_use', id: 'toolu_json', name: RESPONSE_FORMAT_TOOL, input: answer }], stop_reason: 'tool_use' }) });
  const parsed = await client.chat.completions.parse({ model: 'glm-4.5', messages, response_format: responseFormat });
  mock.enqueue({ kind: 'sse', events: [messageStart('msg_js_3'), ...jsonToolBlock(0, answerJson), ...end('tool_use')] });
  const streamed = await client.chat.completions.stream({ model: 'glm-4.5', messages, response_format: responseFormat }).finalChatCompletion();
  t.strictSame(parsed.choices[0].message.parsed, answer);
  t.strictSame(streamed.choices[0].message.parsed, parsed.choices[0].message.parsed);
  t.equal(streamed.choices[0].message.content, parsed.choices[0].message.content);
  t.equal(streamed.choices[0].finish_reason, parsed.choices[0].finish_reason);
  t.equal(streamed.id, parsed.id);
});

t.test('a JSON tool whose input comes whole in content_block_start (no deltas) still becomes the content', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({
    kind: 'sse',
    events: [
      messageStart('msg_js_4'),
      { data: { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_json', name: RESPONSE_FORMAT_TOOL, input: answer } } },
      blockStop(0),
      ...end('tool_use'),
    ],
  });
  const final = await client.chat.completions.stream({ model: 'glm-4.5', messages, response_format: responseFormat }).finalChatCompletion();
  t.strictSame(final.choices[0].message.parsed, answer);
  t.equal(final.choices[0].finish_reason, 'stop');
});

t.test('thinking on: the JSON tool is offered with tool_choice auto; a tool answer is still parsed content', async (t) => {
  const { client, mock } = await chatSetup(t, { REASONING_BUDGETS_JSON: '{"low":1024}' });
  mock.enqueue({ kind: 'sse', events: [messageStart('msg_js_5'), ...thinkingBlock(0, 'Zürich in winter: cold.', 'sig-1'), ...jsonToolBlock(1, answerJson), ...end('tool_use')] });
  const final = await client.chat.completions
    .stream({ model: 'glm-4.5', messages, response_format: responseFormat, reasoning_effort: 'low' })
    .finalChatCompletion();
  const body = mock.lastRequest.body;
  t.strictSame(body.thinking, { type: 'enabled', budget_tokens: 1024 });
  t.strictSame(body.tools.map((tool: { name: string }) => tool.name), [RESPONSE_FORMAT_TOOL]);
  t.strictSame(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true }, 'offered, not forced');
  t.strictSame(final.choices[0].message.parsed, answer);
  t.equal(final.choices[0].finish_reason, 'stop');
  // (The SDK's accumulator overwrites unknown delta fields such as reasoning_content piece by piece; the
  // whole-block thinking_blocks delta survives it.)
  t.strictSame((final.choices[0].message as { thinking_blocks?: unknown }).thinking_blocks, [{ type: 'thinking', thinking: 'Zürich in winter: cold.', signature: 'sig-1' }]);
});

t.test('thinking on and the model answers in plain text instead of the JSON tool: content is that text, finish_reason stop', async (t) => {
  const { client, mock } = await chatSetup(t);
  const reply = 'I cannot know the weather in Zürich right now.';

  // Not streamed.
  mock.enqueue({
    kind: 'json',
    body: anthropicMessage({ id: 'msg_js_6', content: [{ type: 'thinking', thinking: 'No live data.', signature: 'sig-2' }, { type: 'text', text: reply }], stop_reason: 'end_turn' }),
  });
  const completion = await client.chat.completions.create({ model: 'glm-4.5', messages, response_format: responseFormat, reasoning_effort: 'medium' });
  t.strictSame(mock.lastRequest.body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  t.equal(completion.choices[0].message.content, reply);
  t.equal(completion.choices[0].finish_reason, 'stop');
  t.notOk(completion.choices[0].message.tool_calls);

  // Streamed: the text is held back (a JSON tool might still follow) and sent in one piece just before the
  // finish chunk, after the reasoning.
  mock.enqueue({ kind: 'sse', events: [messageStart('msg_js_6'), ...thinkingBlock(0, 'No live data.', 'sig-2'), ...textBlock(1, reply), ...end('end_turn')] });
  const stream = await client.chat.completions.create({ model: 'glm-4.5', messages, response_format: responseFormat, reasoning_effort: 'medium', stream: true });
  const deltas: Array<{ delta: Record<string, unknown>; finish: string | null }> = [];
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (choice) deltas.push({ delta: choice.delta as Record<string, unknown>, finish: choice.finish_reason });
  }
  const contentDeltas = deltas.filter(({ delta }) => typeof delta.content === 'string' && delta.content !== '');
  t.strictSame(contentDeltas.map(({ delta }) => delta.content), [reply], 'the text comes once, whole');
  t.equal(deltas.at(-1)?.finish, 'stop', 'finish_reason stop, as without streaming');
  t.strictSame(deltas.at(-2)?.delta, { content: reply }, 'just before the finish chunk');
  t.equal(
    deltas.map(({ delta }) => delta.reasoning_content ?? '').join(''),
    'No live data.',
    'the reasoning streamed before it',
  );
  t.ok(deltas.findIndex(({ delta }) => delta.content === reply) > deltas.findIndex(({ delta }) => delta.reasoning_content !== undefined));

  // What that means for the SDK's structured helpers: the content is not JSON, so they refuse it rather than
  // hand back a `parsed` value (a client that offers plain text must use create() and read content).
  mock.enqueue({ kind: 'sse', events: [messageStart('msg_js_7'), ...textBlock(0, reply), ...end('end_turn')] });
  await t.rejects(
    client.chat.completions.stream({ model: 'glm-4.5', messages, response_format: responseFormat, reasoning_effort: 'medium' }).finalChatCompletion(),
    { message: /JSON/ },
    'stream() helper: invalid structured output',
  );
});
