// Every cache_control marker the client set reaches the upstream on the block where it was put: system and
// developer messages and parts, user parts and messages, assistant text and tool calls, tool results, tools.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import type { ChatCompletionRequest } from '../../../src/wire/openai-chat.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { RULES } from './rules.ts';

const five = { type: 'ephemeral' };
const hour = { type: 'ephemeral', ttl: '1h' };

t.test('markers on parts and messages of every role, and on tools', async (t) => {
  const request = {
    model: 'm',
    messages: [
      { role: 'system', content: 'Rules.', cache_control: hour },
      { role: 'developer', content: [{ type: 'text', text: 'More rules.' }, { type: 'text', text: 'Last rule.', cache_control: five }] },
      { role: 'user', content: [{ type: 'text', text: 'Look:', cache_control: five }, { type: 'image_url', image_url: { url: 'https://example.com/x.png' } }], cache_control: hour },
      { role: 'assistant', content: 'Calling.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' }, cache_control: five }, { id: 'call_2', type: 'function', function: { name: 'f', arguments: '{}' } }], cache_control: hour },
      { role: 'tool', tool_call_id: 'call_1', content: 'one', cache_control: five },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'two', cache_control: hour }] },
    ],
    tools: [{ type: 'function', function: { name: 'f' }, cache_control: hour }],
  };
  const { body } = translateChatRequest(request as unknown as ChatCompletionRequest, RULES);
  t.same(body.system, [
    { type: 'text', text: 'Rules.', cache_control: hour },
    { type: 'text', text: 'More rules.' },
    { type: 'text', text: 'Last rule.', cache_control: five },
  ]);
  t.same(body.messages[0].content, [
    { type: 'text', text: 'Look:', cache_control: five },
    { type: 'image', source: { type: 'url', url: 'https://example.com/x.png' }, cache_control: hour },
  ], 'a part marker stays on its part; the message marker marks the last block');
  t.same(body.messages[1].content, [
    { type: 'text', text: 'Calling.' },
    { type: 'tool_use', id: 'call_1', name: 'f', input: {}, cache_control: five },
    { type: 'tool_use', id: 'call_2', name: 'f', input: {}, cache_control: hour },
  ], "a tool call's marker on its tool_use; the assistant message's marker on its last block");
  t.same(body.messages[2].content, [
    { type: 'tool_result', tool_use_id: 'call_1', content: 'one', cache_control: five },
    { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'two', cache_control: hour }] },
  ], "a tool message's marker on its tool_result; a part marker inside it stays there");
  t.same(body.tools, [{ name: 'f', input_schema: { type: 'object', properties: {} }, cache_control: hour }]);
  // Eight markers in all: more than Anthropic's four, so the checker must say so (the client set them).
  t.match(anthropicRequestProblems(body).join(), /maximum of 4/);
});

t.test('an assistant message with only tool calls: the marker goes on the last call', async (t) => {
  const { body } = translateChatRequest({
    model: 'm',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }], cache_control: five },
      { role: 'tool', tool_call_id: 'call_1', content: 'one' },
    ],
    tools: [{ type: 'function', function: { name: 'f' } }],
  } as unknown as ChatCompletionRequest, RULES);
  t.same(body.messages[1].content, [{ type: 'tool_use', id: 'call_1', name: 'f', input: {}, cache_control: five }]);
  t.same(anthropicRequestProblems(body), []);
});
