// reasoning_effort / thinking and the limits Anthropic puts on requests with thinking; thinking replay.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { RESPONSE_FORMAT_TOOL } from '../../../src/translate/anthropic/format-tool.ts';
import type { ChatCompletionRequest, ChatMessage } from '../../../src/wire/openai-chat.ts';
import { RULES } from './rules.ts';

const messages: ChatMessage[] = [{ role: 'user', content: 'think' }];
const translate = (extra: Partial<ChatCompletionRequest>, msgs = messages) => translateChatRequest({ model: 'glm-4.5', messages: msgs, ...extra }, RULES).body;

t.test('reasoning_effort levels map to the configured budgets', async (t) => {
  const cases: Array<[NonNullable<ChatCompletionRequest['reasoning_effort']>, number]> = [['minimal', 1024], ['low', 1024], ['medium', 4096], ['high', 16384], ['xhigh', 16384], ['max', 16384]];
  for (const [effort, budget] of cases) {
    t.same(translate({ reasoning_effort: effort, max_tokens: 32000 }).thinking, { type: 'enabled', budget_tokens: budget }, effort);
  }
  t.same(translate({ reasoning_effort: 'none' }).thinking, { type: 'disabled' });
  t.notOk('thinking' in translate({}));
});

t.test('max_tokens is raised above the budget when needed', async (t) => {
  t.equal(translate({ reasoning_effort: 'medium' }).max_tokens, 8192, 'default 4096 <= 4096 budget: budget + default');
  t.equal(translate({ reasoning_effort: 'low' }).max_tokens, 4096, 'default already above the budget');
  t.equal(translate({ reasoning_effort: 'high', max_completion_tokens: 500 }).max_tokens, 16884);
  t.equal(translate({ reasoning_effort: 'low', max_tokens: 2000 }).max_tokens, 2000);
});

t.test('with thinking on: no temperature or top_k, top_p at least 0.95, tool_choice only auto/none', async (t) => {
  const tools = [{ type: 'function', function: { name: 'f' } }];
  const body = translate({ reasoning_effort: 'low', temperature: 0.2, top_k: 5, top_p: 0.5, tools, tool_choice: 'required', parallel_tool_calls: false });
  t.notOk('temperature' in body);
  t.notOk('top_k' in body);
  t.equal(body.top_p, 0.95);
  t.same(body.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  t.same(translate({ reasoning_effort: 'low', tools, tool_choice: 'none' }).tool_choice, { type: 'none' });
  t.same(translate({ reasoning_effort: 'low', tools, tool_choice: { type: 'function', function: { name: 'f' } } }).tool_choice, { type: 'auto' });
  const json = translate({ reasoning_effort: 'low', response_format: { type: 'json_object' } });
  t.same(json.tools?.map((tool) => tool.name), [RESPONSE_FORMAT_TOOL], 'the JSON tool is offered, not forced');
  t.same(json.tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  const off = translate({ reasoning_effort: 'none', temperature: 0.2, top_k: 5 });
  t.equal(off.temperature, 0.2, 'thinking disabled keeps sampling parameters');
  t.equal(off.top_k, 5);
});

t.test('an explicit Anthropic thinking object passes through and wins over reasoning_effort', async (t) => {
  const body = translate({ thinking: { type: 'enabled', budget_tokens: 2000 }, reasoning_effort: 'high', max_tokens: 1000, temperature: 0.5 });
  t.same(body.thinking, { type: 'enabled', budget_tokens: 2000 });
  t.equal(body.max_tokens, 3000);
  t.notOk('temperature' in body);
});

t.test('earlier thinking is replayed as the leading block of its assistant turn', async (t) => {
  const history: ChatMessage[] = [
    { role: 'user', content: 'weather?' },
    {
      role: 'assistant',
      content: 'Let me check.',
      reasoning_content: 'The user wants weather.',
      thinking_blocks: [
        { type: 'thinking', thinking: 'The user wants weather.', signature: 'sig-1' },
        { type: 'redacted_thinking', data: 'opaque' },
        { type: 'thinking', thinking: '', signature: 'sig-only' },
        { type: 'thinking', thinking: 'unsigned', signature: '' },
      ],
      tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }],
    },
    { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
    { role: 'assistant', content: 'Sunny.', reasoning_content: 'Summarise.', reasoning_signature: 'sig-2' },
    { role: 'assistant', content: null, reasoning_content: 'no signature, not replayed' },
  ];
  const body = translate({ reasoning_effort: 'low' }, history);
  t.same(body.messages[1].content, [
    { type: 'thinking', thinking: 'The user wants weather.', signature: 'sig-1' },
    { type: 'redacted_thinking', data: 'opaque' },
    { type: 'thinking', thinking: '', signature: 'sig-only' },
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} },
  ]);
  t.same(body.messages[3].content, [
    { type: 'thinking', thinking: 'Summarise.', signature: 'sig-2' },
    { type: 'text', text: 'Sunny.' },
  ]);
});
