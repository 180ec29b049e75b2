// The chunk state machine alone: event order rules, unknown input, error endings and the edge cases the
// recorded fixtures do not show.
import t from 'tap';
import { ProxyError } from '../../../src/errors.ts';
import { ChatStreamMachine, type ChatStreamItem, type ChatStreamOptions } from '../../../src/translate/openai-chat/stream.ts';
import { ChatSseTranslator } from '../../../src/translate/openai-chat/sse-translator.ts';
import { parseOpenAISse } from '../../helpers/stream-fixtures.ts';

const OPTIONS: ChatStreamOptions = { created: 1700000000, includeUsage: false, responseFormatTool: null, fallbackId: 'chatcmpl-req-1', fallbackModel: 'glm-4.6' };

function run(events: unknown[], options: Partial<ChatStreamOptions> = {}) {
  const machine = new ChatStreamMachine({ ...OPTIONS, ...options });
  const items: ChatStreamItem[] = [];
  for (const event of events) machine.handle(event, (item) => items.push(item));
  return { machine, items, deltas: items.map((item) => ('choices' in item ? (item.choices[0]?.delta ?? null) : item)) };
}

const start = (message: Record<string, unknown> = { id: 'msg_1', model: 'glm-4.6', usage: { input_tokens: 5, output_tokens: 1 } }) => ({ type: 'message_start', message });
const blockStart = (index: number, content_block: Record<string, unknown>) => ({ type: 'content_block_start', index, content_block });
const delta = (index: number, d: Record<string, unknown>) => ({ type: 'content_block_delta', index, delta: d });
const text = (index: number, value: string) => delta(index, { type: 'text_delta', text: value });
const json = (index: number, partial_json: string) => delta(index, { type: 'input_json_delta', partial_json });
const stop = (index: number) => ({ type: 'content_block_stop', index });
const messageDelta = (stop_reason: string | null, usage: Record<string, number> = { output_tokens: 3 }) => ({ type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage });
const messageStop = { type: 'message_stop' };

function protocolError(items: ChatStreamItem[]) {
  const last = items.at(-1);
  return last && 'error' in last ? last.error : null;
}

t.test('unknown event types and ping are skipped on purpose, anywhere', async (t) => {
  const { machine, deltas } = run([
    { type: 'ping' },
    start(),
    { type: 'message_annotation', anything: true },
    blockStart(0, { type: 'text', text: '' }),
    { type: 'ping' },
    text(0, 'hi'),
    { type: 'content_block_flush', index: 0 },
    stop(0),
    messageDelta('end_turn'),
    messageStop,
    null,
    42,
    { no_type: true },
  ]);
  t.strictSame(deltas, [{ role: 'assistant', content: '' }, { content: 'hi' }, {}]);
  t.equal(machine.status, 'done');
});

t.test('every chunk shares one id, created and model from message_start', async (t) => {
  const { items } = run([start({ id: 'msg_abc', model: 'glm-4.5-air' }), blockStart(0, { type: 'text', text: '' }), text(0, 'x'), stop(0), messageDelta('max_tokens'), messageStop]);
  for (const item of items) t.match(item, { id: 'chatcmpl-msg_abc', object: 'chat.completion.chunk', created: 1700000000, model: 'glm-4.5-air' });
  t.match(items.at(-1), { choices: [{ finish_reason: 'length', delta: {} }] });
});

t.test('message_start without id or model uses the fallbacks', async (t) => {
  const { items } = run([start({})]);
  t.match(items[0], { id: 'chatcmpl-req-1', model: 'glm-4.6' });
});

t.test('a text block that starts with text emits it', async (t) => {
  const { deltas } = run([start(), blockStart(0, { type: 'text', text: 'Hi' }), stop(0)]);
  t.strictSame(deltas, [{ role: 'assistant', content: '' }, { content: 'Hi' }]);
});

t.test('tool input given whole in content_block_start, with no fragments, becomes the arguments', async (t) => {
  const { deltas } = run([start(), blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }), stop(0), messageDelta('tool_use')]);
  t.strictSame(deltas.slice(1), [
    { tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '' } }] },
    { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] },
    {},
  ]);
});

t.test('the response_format tool is content; next to a real tool call the finish reason stays tool_calls', async (t) => {
  const { items, deltas } = run(
    [start(), blockStart(0, { type: 'tool_use', id: 'toolu_f', name: 'json_response', input: {} }), json(0, '{"a"'), json(0, ':1}'), stop(0), blockStart(1, { type: 'tool_use', id: 'toolu_2', name: 'lookup', input: {} }), stop(1), messageDelta('tool_use'), messageStop],
    { responseFormatTool: 'json_response' },
  );
  t.strictSame(deltas.slice(1, 3), [{ content: '{"a"' }, { content: ':1}' }]);
  t.match(deltas[3], { tool_calls: [{ index: 0, id: 'toolu_2' }] }, 'the real tool still gets index 0');
  t.match(items.at(-1), { choices: [{ finish_reason: 'tool_calls' }] });
  const alone = run([start(), blockStart(0, { type: 'tool_use', id: 'toolu_f', name: 'json_response', input: {} }), stop(0), messageDelta('tool_use')], { responseFormatTool: 'json_response' });
  t.strictSame(alone.deltas.slice(1), [{ content: '{}' }, {}]);
  t.match(alone.items.at(-1), { choices: [{ finish_reason: 'stop' }] });
});

t.test('stop_reason tool_use with no client tool call (only server tools ran) finishes with stop', async (t) => {
  const { items } = run([start(), blockStart(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }), stop(0), messageDelta('tool_use')]);
  t.match(items.at(-1), { choices: [{ finish_reason: 'stop' }] });
});

t.test('with a response_format tool, text is held: dropped when the JSON comes, sent before the finish otherwise', async (t) => {
  const format = { responseFormatTool: 'json_response' };
  const withJson = run(
    [start(), blockStart(0, { type: 'text', text: 'Sure: ' }), text(0, 'here'), stop(0), blockStart(1, { type: 'tool_use', id: 'toolu_f', name: 'json_response', input: {} }), json(1, '{"a":1}'), stop(1), blockStart(2, { type: 'text', text: '' }), text(2, ' done'), stop(2), messageDelta('tool_use'), messageStop],
    format,
  );
  t.strictSame(withJson.deltas, [{ role: 'assistant', content: '' }, { content: '{"a":1}' }, {}]);
  const textOnly = run([start(), blockStart(0, { type: 'text', text: 'I' }), text(0, ' cannot'), stop(0), messageDelta('end_turn'), messageStop], format);
  t.strictSame(textOnly.deltas, [{ role: 'assistant', content: '' }, { content: 'I cannot' }, {}]);
  const noDelta = run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'x'), stop(0), messageStop], format);
  t.strictSame(noDelta.deltas, [{ role: 'assistant', content: '' }, { content: 'x' }, {}], 'released before the finish chunk without message_delta too');
});

t.test('the same tool name is an ordinary tool call when no response_format tool was forced', async (t) => {
  const { deltas } = run([start(), blockStart(0, { type: 'tool_use', id: 'toolu_f', name: 'json_response', input: {} }), json(0, '{}'), stop(0)]);
  t.match(deltas[1], { tool_calls: [{ index: 0, id: 'toolu_f' }] });
});

t.test('a signature-only thinking block is kept; an empty one without signature is not', async (t) => {
  const signed = run([start(), blockStart(0, { type: 'thinking', thinking: '', signature: '' }), delta(0, { type: 'signature_delta', signature: 'sig' }), stop(0)]);
  t.strictSame(signed.deltas.slice(1), [{ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 'sig' }] }]);
  const empty = run([start(), blockStart(0, { type: 'thinking', thinking: '' }), stop(0)]);
  t.strictSame(empty.deltas.slice(1), []);
  const unsigned = run([start(), blockStart(0, { type: 'thinking', thinking: '' }), delta(0, { type: 'thinking_delta', thinking: 'hm' }), stop(0)]);
  t.strictSame(unsigned.deltas.slice(1), [{ reasoning_content: 'hm' }, { thinking_blocks: [{ type: 'thinking', thinking: 'hm', signature: '' }] }], 'no signature is an empty one, as in non-streaming answers');
});

t.test('unknown block types are hidden with all their deltas; unknown delta types are skipped', async (t) => {
  const { machine, deltas } = run([
    start(),
    blockStart(0, { type: 'mcp_tool_use', id: 'mcptoolu_1', name: 'x', input: {} }),
    json(0, '{"q":1}'),
    text(0, 'not shown'),
    stop(0),
    blockStart(1, { type: 'text', text: '' }),
    delta(1, { type: 'citations_delta', citation: {} }),
    delta(1, { type: 'future_delta', value: 1 }),
    text(1, 'shown'),
    stop(1),
    messageDelta('end_turn'),
    messageStop,
  ]);
  t.strictSame(deltas, [{ role: 'assistant', content: '' }, { content: 'shown' }, {}]);
  t.equal(machine.status, 'done');
});

t.test('message_stop without message_delta finishes with the stop reason of message_start', async (t) => {
  const { items, machine } = run([start({ id: 'm', model: 'x', stop_reason: 'max_tokens' }), messageStop]);
  t.match(items.at(-1), { choices: [{ finish_reason: 'length' }] });
  t.equal(machine.status, 'done');
});

t.test('a second message_delta updates usage but sends no second finish chunk', async (t) => {
  const { items } = run([start(), messageDelta('end_turn', { output_tokens: 3 }), messageDelta('end_turn', { output_tokens: 9 }), messageStop], { includeUsage: true });
  t.equal(items.filter((item) => 'choices' in item && item.choices[0]?.finish_reason).length, 1);
  t.match(items.at(-1), { choices: [], usage: { completion_tokens: 9, prompt_tokens: 5, total_tokens: 14 } });
});

t.test('events after message_stop are ignored', async (t) => {
  const { items } = run([start(), messageDelta('end_turn'), messageStop, blockStart(0, { type: 'text', text: 'late' }), { type: 'error', error: { type: 'api_error', message: 'late' } }]);
  t.equal(items.length, 2);
});

const impossible: Array<[string, unknown[], RegExp]> = [
  ['a delta before message_start', [text(0, 'x')], /content_block_delta before message_start/],
  ['message_stop before message_start', [messageStop], /message_stop before message_start/],
  ['a second message_start', [start(), start()], /a second message_start/],
  ['a delta for a block that never started', [start(), text(3, 'x')], /content block 3, which is not open/],
  ['a delta after its block stopped', [start(), blockStart(0, { type: 'text', text: '' }), stop(0), text(0, 'x')], /content block 0, which is not open/],
  ['a stop for a block that never started', [start(), stop(1)], /content_block_stop for content block 1/],
  ['the same block index started twice', [start(), blockStart(0, { type: 'text', text: '' }), stop(0), blockStart(0, { type: 'text', text: '' })], /started twice/],
  ['a block start without an index', [start(), { type: 'content_block_start', content_block: { type: 'text' } }], /without a block index/],
  ['text in a tool block', [start(), blockStart(0, { type: 'tool_use', id: 't', name: 'f', input: {} }), text(0, 'x')], /text_delta in a tool block/],
  ['tool input in a text block', [start(), blockStart(0, { type: 'text', text: '' }), json(0, '{}')], /input_json_delta in a text block/],
  ['thinking in a text block', [start(), blockStart(0, { type: 'text', text: '' }), delta(0, { type: 'thinking_delta', thinking: 'x' })], /thinking_delta in a text block/],
  ['message_delta while a block is open', [start(), blockStart(0, { type: 'text', text: '' }), messageDelta('end_turn')], /still open/],
  ['message_stop while a block is open', [start(), blockStart(0, { type: 'text', text: '' }), messageStop], /still open/],
];
for (const [name, events, message] of impossible) {
  t.test(`rejected: ${name}`, async (t) => {
    const { items, machine } = run(events);
    t.match(protocolError(items), { message, type: 'server_error', param: null, code: 'upstream_protocol_error' });
    t.equal(machine.status, 'failed');
    const after = items.length;
    machine.handle(messageStop, (item) => items.push(item));
    t.equal(items.length, after, 'nothing follows the error');
  });
}

t.test('an error event maps its type and code as the catalogue maps HTTP errors; unknown and numeric (z.ai) types are server errors keeping the code', async (t) => {
  const cases: Array<[unknown, Record<string, unknown>]> = [
    [{ type: 'overloaded_error', message: 'Overloaded' }, { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded' }],
    [{ type: 'rate_limit_error', message: 'slow down' }, { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' }],
    [{ type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' }, { message: 'prompt is too long: 210000 tokens > 200000 maximum', type: 'invalid_request_error', param: null, code: 'context_length_exceeded' }],
    [{ type: 'invalid_request_error', message: 'bad' }, { message: 'bad', type: 'invalid_request_error', param: null, code: 'invalid_request_error' }],
    [{ type: '1113', message: 'Insufficient balance' }, { message: 'Insufficient balance', type: 'server_error', param: null, code: '1113' }],
    [{ type: 'constructor', message: 'odd' }, { message: 'odd', type: 'server_error', param: null, code: 'constructor' }],
    [undefined, { message: 'The upstream reported an error in the middle of the stream', type: 'server_error', param: null, code: null }],
  ];
  for (const [error, expected] of cases) {
    const { items, machine } = run([start(), { type: 'error', error }]);
    t.strictSame(items.at(-1), { error: expected });
    t.equal(machine.status, 'failed');
  }
  const early = run([{ type: 'error', error: { type: 'api_error', message: 'boom' } }]);
  t.strictSame(early.items, [{ error: { message: 'boom', type: 'server_error', param: null, code: 'api_error' } }], 'an error before message_start is the only item');
});

t.test('end() without message_stop reports a truncated stream; after the end it adds nothing', async (t) => {
  const open = run([start()]);
  open.machine.end((item) => open.items.push(item));
  t.match(protocolError(open.items), { code: 'upstream_stream_truncated', type: 'server_error' });
  const empty = run([]);
  empty.machine.end((item) => empty.items.push(item));
  t.equal(empty.items.length, 1, 'an empty upstream body is truncated too');
  const done = run([start(), messageDelta('end_turn'), messageStop]);
  done.machine.end((item) => done.items.push(item));
  done.machine.fail(new ProxyError('upstream_timeout', 'late'), (item) => done.items.push(item));
  t.equal(done.items.length, 2);
});

t.test('fail() renders a ProxyError in OpenAI error shape', async (t) => {
  const { items, machine } = run([start()]);
  machine.fail(new ProxyError('upstream_idle_timeout', 'idle'), (item) => items.push(item));
  t.strictSame(items.at(-1), { error: { message: 'idle', type: 'server_error', param: null, code: 'upstream_idle_timeout' } });
});

t.test('pipeline: data that is not JSON, and an oversized event, end the stream with an error', async (t) => {
  const bad = new ChatSseTranslator(OPTIONS);
  const text = bad.push(Buffer.from('event: message_start\ndata: {"type":"message_start","message":{}}\n\nevent: content_block_delta\ndata: {oops\n\n'));
  const { items, done } = parseOpenAISse(text);
  t.equal(done, false);
  t.match(items.at(-1), { error: { code: 'upstream_protocol_error', message: /not JSON \(content_block_delta\)/ } });
  t.equal(bad.push(Buffer.from('data: {"type":"message_stop"}\n\n')), '', 'nothing after the error');
  t.equal(bad.end(), '');

  const big = new ChatSseTranslator({ ...OPTIONS, maxEventBytes: 100 });
  const out = big.push(Buffer.from(`data: {"type":"message_start","message":{}}\n\ndata: ${'x'.repeat(200)}`));
  t.match(parseOpenAISse(out).items.at(-1), { error: { code: 'sse_event_too_large', type: 'server_error' } });
});

t.test('pipeline: a sender that names the event but leaves type out of the data', async (t) => {
  const pipeline = new ChatSseTranslator(OPTIONS);
  const { items } = parseOpenAISse(pipeline.push(Buffer.from('event: error\ndata: {"error":{"type":"api_error","message":"x"}}\n\n')));
  t.strictSame(items, [{ error: { message: 'x', type: 'server_error', param: null, code: 'api_error' } }]);
});

t.test('legacy functions: one function_call, arguments from the start input when no fragments come', async (t) => {
  const { deltas, items } = run([
    start(),
    blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'get_time', input: { tz: 'UTC' } }),
    stop(0),
    blockStart(1, { type: 'tool_use', id: 'toolu_2', name: 'get_date', input: {} }),
    json(1, '{"x":1}'),
    stop(1),
    messageDelta('tool_use'),
    messageStop,
  ], { legacyFunctions: true });
  t.strictSame(deltas.slice(1, -1), [
    { function_call: { name: 'get_time', arguments: '' } },
    { function_call: { arguments: '{"tz":"UTC"}' } },
  ]);
  const last = items.at(-1) as { choices: Array<{ finish_reason: string }> };
  t.equal(last.choices[0].finish_reason, 'function_call');
});

t.test('legacy functions: an answer without a call finishes with stop', async (t) => {
  const { items } = run([start(), blockStart(0, { type: 'text', text: '' }), text(0, 'no call'), stop(0), messageDelta('tool_use'), messageStop], { legacyFunctions: true });
  const last = items.at(-1) as { choices: Array<{ finish_reason: string }> };
  t.equal(last.choices[0].finish_reason, 'stop');
});
