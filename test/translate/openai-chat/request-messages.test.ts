// Message translation: system hoisting, role merging, tool results first, assistant tool calls, legacy functions.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import type { ChatMessage } from '../../../src/wire/openai-chat.ts';
import { RULES, failure } from './rules.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';

const translate = (messages: ChatMessage[]) => translateChatRequest({ model: 'glm-4.5', messages }, RULES).body;

t.test('system and developer messages are hoisted in order as text blocks, keeping cache_control', async (t) => {
  const body = translate([
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hi' },
    { role: 'developer', content: [{ type: 'text', text: 'Use French.', cache_control: { type: 'ephemeral' } }] },
    { role: 'system', content: '   ' },
    { role: 'assistant', content: 'Bonjour' },
    { role: 'user', content: 'Encore' },
  ]);
  t.same(body.system, [
    { type: 'text', text: 'Be brief.' },
    { type: 'text', text: 'Use French.', cache_control: { type: 'ephemeral' } },
  ]);
  t.same(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Bonjour' }] },
    { role: 'user', content: [{ type: 'text', text: 'Encore' }] },
  ]);
});

t.test('without system messages no system field is sent', async (t) => {
  const body = translate([{ role: 'user', content: 'Hi' }]);
  t.notOk('system' in body);
});

t.test('consecutive same-role messages are merged into one turn; names are dropped', async (t) => {
  const body = translate([
    { role: 'user', content: 'one', name: 'ann' },
    { role: 'user', content: [{ type: 'text', text: 'two' }] },
    { role: 'assistant', content: 'three' },
    { role: 'assistant', content: 'four' },
  ]);
  t.same(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'three' }, { type: 'text', text: 'four' }] },
  ]);
});

t.test('an assistant turn with tool calls: text then tool_use blocks, arguments parsed, "" -> {}', async (t) => {
  const body = translate([
    { role: 'user', content: 'Weather in Paris and Rome?' },
    {
      role: 'assistant',
      content: 'Checking.',
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_2', type: 'function', function: { name: 'get_time', arguments: '' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18C' },
    { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
    { role: 'user', content: 'Thanks, and tomorrow?' },
  ]);
  t.same(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_2', name: 'get_time', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
        { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '12:00' }] },
        { type: 'text', text: 'Thanks, and tomorrow?' },
      ],
    },
  ]);
});

t.test('tool results are placed before user text even when the user text came first', async (t) => {
  const body = translate([
    { role: 'user', content: 'go' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'user', content: 'also this' },
    { role: 'tool', tool_call_id: 'c1', content: '' },
  ]);
  t.same(body.messages[2], {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'c1' }, { type: 'text', text: 'also this' }],
  });
});

t.test('never an empty text block: "" and whitespace-only content is left out, empty turns vanish', async (t) => {
  const body = translate([
    { role: 'user', content: 'first' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'ok' },
    { role: 'assistant', content: '' },
    { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'next' }] },
  ]);
  t.same(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'first' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'f', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'ok' }, { type: 'text', text: 'next' }] },
  ]);
  const json = JSON.stringify(body);
  t.notMatch(json, /"text":"\s*"/);
});

t.test('a final assistant prefill loses its trailing whitespace', async (t) => {
  const body = translate([{ role: 'user', content: 'Say hi' }, { role: 'assistant', content: 'Hi there  \n' }]);
  t.same(body.messages[1], { role: 'assistant', content: [{ type: 'text', text: 'Hi there' }] });
});

t.test('assistant refusal parts are dropped; message-level cache_control marks the last block', async (t) => {
  const body = translate([
    { role: 'user', content: 'x', cache_control: { type: 'ephemeral' } },
    { role: 'assistant', content: [{ type: 'refusal', refusal: 'no' }, { type: 'text', text: 'well' }] },
  ]);
  t.same(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }] },
    { role: 'assistant', content: [{ type: 'text', text: 'well' }] },
  ]);
});

t.test('legacy function_call and role function map to tool_use / tool_result with a stable id', async (t) => {
  const messages: ChatMessage[] = [
    { role: 'user', content: 'time?' },
    { role: 'assistant', content: null, function_call: { name: 'get_time', arguments: '{"tz":"UTC"}' } },
    { role: 'function', name: 'get_time', content: '12:00' },
  ];
  const body = translate(messages);
  t.same(body.messages.slice(1), [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_fn_1', name: 'get_time', input: { tz: 'UTC' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_fn_1', content: '12:00' }] },
  ]);
  t.same(translate(messages), body, 'the same history gives the same ids');
  // A result whose name matches no earlier function_call reaches the model as text, as a tool message does.
  const orphan = translate([{ role: 'user', content: 'x' }, { role: 'function', name: 'nope', content: 'the answer is 1' }]);
  t.equal(orphan.messages.length, 1);
  t.match(JSON.stringify(orphan.messages[0].content), /the answer is 1/);
  t.notMatch(JSON.stringify(orphan.messages[0].content), /tool_result/);
  t.same(anthropicRequestProblems(orphan), []);
});

t.test('tool-call arguments that are not a JSON object (OpenAI takes any string) travel as raw_arguments', async (t) => {
  const input = (args: string | null) => (translate([
    { role: 'user', content: 'x' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] },
  ]).messages[1].content[0] as { input: unknown }).input;
  for (const raw of ['{not json', '{"city": "Os', '[1,2]', '"text"', '42', 'null ']) {
    t.strictSame(input(raw), { raw_arguments: raw }, JSON.stringify(raw));
  }
  t.strictSame(input('{"city":"Oslo"}'), { city: 'Oslo' });
  t.strictSame(input('  '), {});
  t.strictSame(input(null), {});
});

t.test('per-role requirements are 400s naming the field', async (t) => {
  t.equal(failure(() => translate([{ role: 'user' }])).param, 'messages[0].content');
  t.equal(failure(() => translate([{ role: 'user', content: 'x' }, { role: 'tool', content: 'r' }])).param, 'messages[1].tool_call_id');
  t.equal(failure(() => translate([{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }])).param, 'messages[0].content[0].type');
  const nothing = failure(() => translate([{ role: 'system', content: '  ' }, { role: 'assistant', content: '' }]));
  t.equal(nothing.param, 'messages');
  t.equal(nothing.statusCode, 400);
});

t.test('a conversation of instructions only (OpenAI takes it): they become the user turn', async (t) => {
  const cached = { type: 'ephemeral' };
  const body = translate([{ role: 'system', content: 'Write a haiku.' }, { role: 'developer', content: [{ type: 'text', text: 'About snow.', cache_control: cached }] }]);
  t.notOk('system' in body);
  t.same(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Write a haiku.' }, { type: 'text', text: 'About snow.', cache_control: cached }] }]);
});
