// Anthropic Messages answer -> OpenAI chat.completion.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { chatCompletionFrom, type CompletionOptions } from '../../../src/translate/openai-chat/response.ts';
import type { AnthropicResponse } from '../../../src/wire/anthropic.ts';

const OPTIONS: CompletionOptions = { created: 1700000000, fallbackId: 'req-1', fallbackModel: 'glm-4.5', responseFormatTool: null, legacyFunctions: false };
const ZERO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, cache_creation_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
const toolFixture = JSON.parse(readFileSync(new URL('../../fixtures/anthropic/anthropic-response-tool.json', import.meta.url), 'utf8')) as AnthropicResponse;

t.test('the documented tool_use answer (no usage) maps to the whole expected chat.completion', async (t) => {
  t.strictSame(chatCompletionFrom(toolFixture, OPTIONS), {
    id: 'chatcmpl-msg_01Aq9w938a90dw8q',
    object: 'chat.completion',
    created: 1700000000,
    model: 'claude-sonnet-4-5',
    choices: [{
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the current weather in San Francisco for you.",
        refusal: null,
        tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    }],
    usage: ZERO_USAGE,
  });
});

t.test('text blocks are joined; no text gives content null; missing id and model fall back', async (t) => {
  const joined = chatCompletionFrom({ content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: ' world' }], stop_reason: 'end_turn' }, OPTIONS);
  t.equal(joined.choices[0].message.content, 'Hello world');
  t.equal(joined.id, 'chatcmpl-req-1');
  t.equal(joined.model, 'glm-4.5');
  t.strictSame(joined.usage, ZERO_USAGE, 'missing usage is zeros, not a crash');
  const empty = chatCompletionFrom({ id: 'msg_1', content: [], stop_reason: 'max_tokens' }, OPTIONS);
  t.equal(empty.choices[0].message.content, null);
  t.notOk('tool_calls' in empty.choices[0].message);
});

t.test('every stop_reason maps to its finish_reason', async (t) => {
  const cases: Array<[string | null, string]> = [
    ['end_turn', 'stop'], ['stop_sequence', 'stop'], ['pause_turn', 'stop'], ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'], ['refusal', 'content_filter'], [null, 'stop'], ['something_new', 'stop'],
  ];
  for (const [stop, finish] of cases) {
    t.equal(chatCompletionFrom({ content: [{ type: 'text', text: 'x' }], stop_reason: stop }, OPTIONS).choices[0].finish_reason, finish, String(stop));
  }
  const tool = chatCompletionFrom({ content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }], stop_reason: 'tool_use' }, OPTIONS);
  t.equal(tool.choices[0].finish_reason, 'tool_calls');
});

t.test('usage: prompt = input + cache read + cache creation; cached_tokens = cache read', async (t) => {
  const answer = chatCompletionFrom({ content: [], usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 } }, OPTIONS);
  t.strictSame(answer.usage, {
    prompt_tokens: 130, completion_tokens: 5, total_tokens: 135,
    prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20, cache_creation_tokens: 20 }, completion_tokens_details: { reasoning_tokens: 0 },
  });
});

t.test('usage: thinking tokens are reasoning_tokens; cache writes by TTL and server tool requests are kept', async (t) => {
  const answer = chatCompletionFrom({ content: [], usage: { input_tokens: 1, output_tokens: 9, output_tokens_details: { thinking_tokens: 7 }, cache_creation: { ephemeral_1h_input_tokens: 4 }, server_tool_use: { web_search_requests: 3 } } }, OPTIONS);
  t.strictSame(answer.usage, {
    prompt_tokens: 1, completion_tokens: 9, total_tokens: 10,
    prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, cache_creation_tokens: 0, cache_creation: { ephemeral_1h_input_tokens: 4 } },
    completion_tokens_details: { reasoning_tokens: 7 },
    server_tool_use: { web_search_requests: 3 },
  });
});

t.test('thinking becomes reasoning_content plus replayable thinking_blocks', async (t) => {
  const answer = chatCompletionFrom({
    id: 'msg_t',
    content: [
      { type: 'thinking', thinking: 'Step 1. ', signature: 'sig-a' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'Step 2.', signature: 'sig-b' },
      { type: 'text', text: '42' },
    ],
    stop_reason: 'end_turn',
  }, OPTIONS);
  t.strictSame(answer.choices[0].message, {
    role: 'assistant',
    content: '42',
    refusal: null,
    reasoning_content: 'Step 1. Step 2.',
    thinking_blocks: [
      { type: 'thinking', thinking: 'Step 1. ', signature: 'sig-a' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'thinking', thinking: 'Step 2.', signature: 'sig-b' },
    ],
  });
});

t.test('the response_format tool comes back as JSON content with finish_reason stop', async (t) => {
  const options = { ...OPTIONS, responseFormatTool: 'json_tool_call' };
  const answer = chatCompletionFrom({
    content: [{ type: 'text', text: 'Here it is:' }, { type: 'tool_use', id: 't1', name: 'json_tool_call', input: { answer: 'yes', n: 1 } }],
    stop_reason: 'tool_use',
  }, options);
  t.strictSame(answer.choices[0].message, { role: 'assistant', content: '{"answer":"yes","n":1}', refusal: null });
  t.equal(answer.choices[0].finish_reason, 'stop');
  const mixed = chatCompletionFrom({ content: [{ type: 'tool_use', id: 't2', name: 'get_weather', input: { city: 'Oslo' } }], stop_reason: 'tool_use' }, options);
  t.equal(mixed.choices[0].finish_reason, 'tool_calls', 'a client tool call stays a tool call');
  t.match(mixed.choices[0].message.tool_calls?.[0], { type: 'function', function: { name: 'get_weather' } });
  const plain = chatCompletionFrom({ content: [{ type: 'tool_use', id: 't3', name: 'json_tool_call', input: {} }], stop_reason: 'tool_use' }, OPTIONS);
  t.match(plain.choices[0].message.tool_calls?.[0], { type: 'function', function: { name: 'json_tool_call' } }, 'without response_format the name is an ordinary tool');
});

t.test('legacy functions requests get function_call and finish_reason function_call', async (t) => {
  const answer = chatCompletionFrom({ content: [{ type: 'tool_use', id: 't', name: 'get_time', input: { tz: 'UTC' } }], stop_reason: 'tool_use' }, { ...OPTIONS, legacyFunctions: true });
  t.strictSame(answer.choices[0].message, { role: 'assistant', content: null, refusal: null, function_call: { name: 'get_time', arguments: '{"tz":"UTC"}' } });
  t.equal(answer.choices[0].finish_reason, 'function_call');
});

t.test('server tool blocks are not client tool calls', async (t) => {
  const answer = chatCompletionFrom({
    content: [
      { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
      { type: 'web_search_tool_result' },
      { type: 'text', text: 'Found it.' },
    ],
    stop_reason: 'end_turn',
  }, OPTIONS);
  t.strictSame(answer.choices[0].message, { role: 'assistant', content: 'Found it.', refusal: null });
});

t.test('a tool_use without an id gets the fallback a streamed call gets (call_<block index>), never ""', async (t) => {
  const answer = chatCompletionFrom({
    content: [{ type: 'text', text: 'calling' }, { type: 'tool_use', name: 'f', input: { a: 1 } }, { type: 'tool_use', id: '', name: 'g', input: {} }, { type: 'tool_use', id: 'toolu_x', name: 'h', input: {} }],
    stop_reason: 'tool_use',
  }, OPTIONS);
  t.strictSame(answer.choices[0].message.tool_calls?.map((call) => call.id), ['call_1', 'call_2', 'toolu_x']);
});
