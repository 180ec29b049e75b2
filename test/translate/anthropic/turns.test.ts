// The turn builder's pairing of tool calls and results, as a pure function: every rule Anthropic sets on
// tool_use / tool_result order is met, and nothing the client sent is lost.
import t from 'tap';
import { TurnBuilder, UNANSWERED_TOOL_CALL, pairToolResults } from '../../../src/translate/anthropic/turns.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import type { AnthropicMessage, ContentBlock, TextBlock } from '../../../src/wire/anthropic.ts';

const use = (id: string): ContentBlock => ({ type: 'tool_use', id, name: 'f', input: {} });
const result = (id: string, content: string = `r-${id}`): ContentBlock => ({ type: 'tool_result', tool_use_id: id, content });
const unanswered = (id: string): ContentBlock => ({ type: 'tool_result', tool_use_id: id, content: UNANSWERED_TOOL_CALL, is_error: true });
const text = (value: string): TextBlock => ({ type: 'text', text: value });
const valid = (messages: AnthropicMessage[]) =>
  anthropicRequestProblems({ model: 'm', max_tokens: 10, messages, tools: [{ name: 'f', input_schema: { type: 'object' } }] });

t.test('answered calls are left as they are', async (t) => {
  const messages: AnthropicMessage[] = [
    { role: 'user', content: [text('hi')] },
    { role: 'assistant', content: [use('a'), use('b')] },
    { role: 'user', content: [result('a'), result('b'), text('go on')] },
  ];
  const copy = structuredClone(messages);
  t.strictSame(pairToolResults(messages), copy);
});

t.test('a call left unanswered gets an error result first in the next user turn', async (t) => {
  const paired = pairToolResults([
    { role: 'user', content: [text('hi')] },
    { role: 'assistant', content: [text('let me look'), use('a'), use('b')] },
    { role: 'user', content: [result('b'), text('never mind a')] },
  ]);
  t.strictSame(paired[2].content, [result('b'), unanswered('a'), text('never mind a')]);
  t.same(valid(paired), []);
});

t.test('a result that answers no call of the turn before becomes text, in its turn, cache marker kept', async (t) => {
  const paired = pairToolResults([
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'gone', content: 'snow', cache_control: { type: 'ephemeral' } }, text('and now?')] },
  ]);
  t.strictSame(paired[0].content, [{ type: 'text', text: 'Result of tool call gone: snow', cache_control: { type: 'ephemeral' } }, text('and now?')]);
  t.same(valid(paired), []);
});

t.test('a result with parts and an error flag keeps its parts after a label', async (t) => {
  const image = { type: 'image' as const, source: { type: 'url' as const, url: 'https://example.com/a.png' } };
  const paired = pairToolResults([
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', is_error: true, content: [text('failed'), image] }] },
  ]);
  t.strictSame(paired[0].content, [text('Result of tool call x (an error):'), text('failed'), image]);
});

t.test('a result sent a turn late: the call is answered as unanswered, the late result is read as text', async (t) => {
  const paired = pairToolResults([
    { role: 'user', content: [text('hi')] },
    { role: 'assistant', content: [use('a')] },
    { role: 'user', content: [text('wait')] },
    { role: 'assistant', content: [text('ok')] },
    { role: 'user', content: [result('a', 'late')] },
  ]);
  t.strictSame(paired[2].content, [unanswered('a'), text('wait')]);
  t.strictSame(paired[4].content, [text('Result of tool call a: late')]);
  t.same(valid(paired), []);
});

t.test('a duplicate result for one call: the first answers it, the second is text', async (t) => {
  const paired = pairToolResults([
    { role: 'user', content: [text('hi')] },
    { role: 'assistant', content: [use('a')] },
    { role: 'user', content: [result('a', 'one'), result('a', 'two')] },
  ]);
  t.strictSame(paired[2].content, [result('a', 'one'), text('Result of tool call a: two')]);
  t.same(valid(paired), []);
});

t.test('calls in a final assistant turn need no results yet', async (t) => {
  const messages: AnthropicMessage[] = [{ role: 'user', content: [text('hi')] }, { role: 'assistant', content: [use('a')] }];
  t.strictSame(pairToolResults(structuredClone(messages)), messages);
});

t.test('the turn builder pairs what it builds', async (t) => {
  const turns = new TurnBuilder();
  turns.add('user', [], [text('hi')]);
  turns.add('assistant', [], [use('a')]);
  turns.add('user', [], [text('instead')]);
  t.strictSame(turns.messages()[2].content, [unanswered('a'), text('instead')]);
});
