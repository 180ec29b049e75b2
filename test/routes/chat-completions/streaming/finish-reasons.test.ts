// Every row of the stop_reason -> finish_reason table (src/translate/openai-chat/finish-reason.ts) through the real
// /v1/chat/completions route and the openai SDK, once as a JSON answer and once as an SSE stream of the same
// content: the stream's finish chunk must carry the finish_reason the non-streaming answer has, and both
// must be the documented one. Also the rows that depend on what the answer holds (tool_use without a client
// tool call, the response_format tool, legacy functions, server tools).
import type OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { anthropicMessage, type SseEvent } from '../../../helpers/mock-upstream.ts';
import { chatSetup } from '../../../helpers/chat.ts';
import { finishReasonFor } from '../../../../src/translate/openai-chat/finish-reason.ts';
import { RESPONSE_FORMAT_TOOL } from '../../../../src/translate/anthropic/format-tool.ts';

type Block = Record<string, unknown> & { type: string };
type Extra = Partial<Omit<ChatCompletionCreateParamsNonStreaming, 'model' | 'messages' | 'stream'>>;

interface Row {
  name: string;
  stopReason: string | null;
  content: Block[];
  expected: string;
  request?: Extra;
  /** Stream the stop_reason in message_start only, with no message_delta (the machine's fallback path). */
  noMessageDelta?: boolean;
}

const text = (value: string): Block => ({ type: 'text', text: value });
const toolUse = (id: string, name: string, input: Record<string, unknown>): Block => ({ type: 'tool_use', id, name, input });

const lookupTool = { type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } };
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

const ROWS: Row[] = [
  { name: 'end_turn', stopReason: 'end_turn', content: [text('Hello there.')], expected: 'stop' },
  { name: 'stop_sequence', stopReason: 'stop_sequence', content: [text('one two')], expected: 'stop', request: { stop: ['three'] } },
  { name: 'pause_turn', stopReason: 'pause_turn', content: [text('Searching')], expected: 'stop' },
  { name: 'max_tokens', stopReason: 'max_tokens', content: [text('This answer is cut')], expected: 'length' },
  { name: 'model_context_window_exceeded', stopReason: 'model_context_window_exceeded', content: [text('Too long')], expected: 'length' },
  { name: 'refusal', stopReason: 'refusal', content: [text('I cannot help with that.')], expected: 'content_filter' },
  {
    name: 'tool_use with a client tool call',
    stopReason: 'tool_use',
    content: [text('Let me look.'), toolUse('toolu_01', 'lookup', { q: 'Oslo weather' })],
    expected: 'tool_calls',
    request: { tools: [lookupTool] },
  },
  {
    name: 'tool_use with two client tool calls',
    stopReason: 'tool_use',
    content: [toolUse('toolu_02', 'lookup', { q: 'a' }), toolUse('toolu_03', 'lookup', { q: 'b' })],
    expected: 'tool_calls',
    request: { tools: [lookupTool] },
  },
  { name: 'tool_use without any tool call (text only)', stopReason: 'tool_use', content: [text('No tool after all.')], expected: 'stop', request: { tools: [lookupTool] } },
  {
    name: 'tool_use whose only tool is the response_format tool',
    stopReason: 'tool_use',
    content: [toolUse('toolu_04', RESPONSE_FORMAT_TOOL, { city: 'Oslo' })],
    expected: 'stop',
    request: { response_format: { type: 'json_schema', json_schema: { name: 'city', schema } } },
  },
  {
    name: 'tool_use with a server tool only (not a client call)',
    stopReason: 'tool_use',
    content: [{ type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'x' } }, text('Found it.')],
    expected: 'stop',
  },
  {
    name: 'tool_use with legacy functions',
    stopReason: 'tool_use',
    content: [toolUse('toolu_05', 'lookup', { q: 'legacy' })],
    expected: 'function_call',
    request: { functions: [lookupTool.function] },
  },
  { name: 'null stop_reason', stopReason: null, content: [text('No reason given.')], expected: 'stop' },
  { name: 'unknown stop_reason', stopReason: 'something_new', content: [text('A future reason.')], expected: 'stop' },
  { name: 'stop_reason named like an Object.prototype key', stopReason: 'constructor', content: [text('odd')], expected: 'stop' },
  { name: 'max_tokens given only in message_start (no message_delta)', stopReason: 'max_tokens', content: [text('cut')], expected: 'length', noMessageDelta: true },
];

/** The SSE events Anthropic streams for `content`: text in two pieces, tool input in two JSON fragments. */
function streamEvents(id: string, content: Block[], stopReason: string | null, noMessageDelta = false): SseEvent[] {
  const message = anthropicMessage({ id, content: [], stop_reason: noMessageDelta ? stopReason : null, usage: { input_tokens: 10, output_tokens: 1 } });
  const events: SseEvent[] = [{ data: { type: 'message_start', message } }];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      const value = block.text as string;
      const half = Math.ceil(value.length / 2);
      events.push({ data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      for (const piece of [value.slice(0, half), value.slice(half)]) {
        events.push({ data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } } });
      }
    } else {
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      events.push({ data: { type: 'content_block_start', index, content_block: { ...block, input: {} } } });
      for (const piece of [json.slice(0, half), json.slice(half)]) {
        events.push({ data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } } });
      }
    }
    events.push({ data: { type: 'content_block_stop', index } });
  });
  if (!noMessageDelta) events.push({ data: { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } } });
  events.push({ data: { type: 'message_stop' } });
  return events;
}

interface Collected {
  finishReasons: Array<string | null>;
  lastChoiceChunk: ChatCompletionChunk | undefined;
  content: string;
  toolArguments: string[];
  functionCall: { name: string; arguments: string } | null;
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<Collected> {
  const collected: Collected = { finishReasons: [], lastChoiceChunk: undefined, content: '', toolArguments: [], functionCall: null };
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    collected.lastChoiceChunk = chunk;
    collected.finishReasons.push(choice.finish_reason);
    collected.content += choice.delta.content ?? '';
    for (const call of choice.delta.tool_calls ?? []) {
      collected.toolArguments[call.index] = (collected.toolArguments[call.index] ?? '') + (call.function?.arguments ?? '');
    }
    const fc = choice.delta.function_call;
    if (fc) {
      collected.functionCall ??= { name: '', arguments: '' };
      collected.functionCall.name += fc.name ?? '';
      collected.functionCall.arguments += fc.arguments ?? '';
    }
  }
  return collected;
}

t.test('streamed finish_reason equals the non-streaming one for every stop_reason row', async (t) => {
  const { client, mock } = await chatSetup(t);
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hi' }];
  for (const [i, row] of ROWS.entries()) {
    const id = `msg_finish_${i}`;
    mock.enqueue({ kind: 'json', body: anthropicMessage({ id, content: row.content, stop_reason: row.stopReason }) });
    const completion = await client.chat.completions.create({ model: 'glm-4.5', messages, ...row.request });
    t.equal(mock.lastRequest.body.stream, undefined, `${row.name}: the first call is not a stream`);
    const answer = completion.choices[0];
    t.equal(answer.finish_reason, row.expected, `${row.name}: non-streaming finish_reason`);

    mock.enqueue({ kind: 'sse', events: streamEvents(id, row.content, row.stopReason, row.noMessageDelta) });
    const stream = await client.chat.completions.create({ model: 'glm-4.5', messages, ...row.request, stream: true });
    const streamed = await collect(stream);
    t.equal(mock.lastRequest.body.stream, true, `${row.name}: the second call streams`);

    // Exactly one chunk carries a finish_reason, and it is the last chunk with a choice.
    t.equal(streamed.finishReasons.filter((reason) => reason !== null).length, 1, `${row.name}: one finish chunk`);
    t.equal(streamed.lastChoiceChunk?.choices[0].finish_reason, answer.finish_reason, `${row.name}: streamed finish_reason = non-streaming`);
    t.strictSame(streamed.lastChoiceChunk?.choices[0].delta, {}, `${row.name}: the finish chunk has an empty delta`);
    t.equal(streamed.lastChoiceChunk?.id, completion.id, `${row.name}: same id both ways`);

    // The same content both ways, so the finish reasons are compared for the same answer.
    t.equal(streamed.content === '' ? null : streamed.content, answer.message.content, `${row.name}: same content`);
    const calls = (answer.message.tool_calls ?? []).map((call) => (call.type === 'function' ? JSON.parse(call.function.arguments) : null));
    t.strictSame(streamed.toolArguments.map((args) => JSON.parse(args)), calls, `${row.name}: same tool call arguments`);
    if (answer.message.function_call) {
      t.strictSame(
        streamed.functionCall && { name: streamed.functionCall.name, arguments: JSON.parse(streamed.functionCall.arguments) },
        { name: answer.message.function_call.name, arguments: JSON.parse(answer.message.function_call.arguments) },
        `${row.name}: same function_call`,
      );
    } else {
      t.equal(streamed.functionCall, null, `${row.name}: no function_call`);
    }
  }
  t.equal(mock.requests.length, ROWS.length * 2);
});

t.test('every row of the table in finish-reason.ts has a route row above', async (t) => {
  // The table is private: read its rows from the source, so a row added there without a case here fails.
  const source = await readFile(new URL('../../../../src/translate/openai-chat/finish-reason.ts', import.meta.url), 'utf8');
  const table = /const FINISH_REASONS[^{]*\{([^}]*)\}/.exec(source)?.[1] ?? '';
  const rows = [...table.matchAll(/^\s*(\w+): '(\w+)',?$/gm)].map(([, reason, finish]) => [reason, finish] as const);
  t.ok(rows.length >= 7, `read ${rows.length} rows from the table`);
  for (const [reason, finish] of rows) {
    t.equal(finishReasonFor(reason), finish, `${reason} -> ${finish}`);
    const covered = ROWS.find((row) => row.stopReason === reason && row.expected === finish);
    t.ok(covered, `${reason} -> ${finish} is exercised through the route`);
  }
});
