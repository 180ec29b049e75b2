// Tool-call ids and tool names in the history, one rule on both surfaces (openai-common/tool-calls.ts):
// ids other providers make (`functions.get_weather:0`) and names such as `files.read` are cleaned to
// Anthropic's patterns (tool_use.id ^[a-zA-Z0-9_-]+$, tool names ^[a-zA-Z0-9_-]{1,64}$), the same way in a
// call and in its result; a repeated call id and a repeated tool name never reach the upstream twice.
import t from 'tap';
import { ToolCallIds, historyToolName } from '../../../src/translate/openai-common/tool-calls.ts';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import type { AnthropicRequest, ContentBlock } from '../../../src/wire/anthropic.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { RULES } from '../openai-chat/rules.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';

const blocks = (body: AnthropicRequest, type: ContentBlock['type']) => body.messages.flatMap((message) => message.content.filter((block) => block.type === type));
const useIds = (body: AnthropicRequest) => blocks(body, 'tool_use').map((block) => (block as { id: string }).id);
const resultIds = (body: AnthropicRequest) => blocks(body, 'tool_result').map((block) => (block as { tool_use_id: string }).tool_use_id);
const weather = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

t.test('Responses: a call_id such as functions.get_weather:0 is cleaned in the call and in its output, as on chat', async (t) => {
  const { body } = translateResponses({
    tools: [weather],
    input: [
      { role: 'user', content: 'Weather in Oslo?' },
      { type: 'function_call', call_id: 'functions.get_weather:0', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'functions.get_weather:0', output: 'snow' },
    ],
  } as never);
  t.strictSame(useIds(body), ['functions_get_weather_0']);
  t.strictSame(resultIds(body), ['functions_get_weather_0']);
  t.same(anthropicRequestProblems(body), []);
  const chat = translateChatRequest({
    model: 'm',
    messages: [
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'functions.get_weather:0', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'functions.get_weather:0', content: 'snow' },
    ],
  } as never, RULES).body;
  t.strictSame(useIds(chat), useIds(body), 'the same id as chat gives');
});

t.test('Responses: a history call to a name Anthropic refuses (files.read) is kept under a clean name', async (t) => {
  const { body } = translateResponses({
    input: [
      { role: 'user', content: 'Read it.' },
      { type: 'function_call', call_id: 'call_1', name: 'files.read', arguments: '{}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'text' },
      { role: 'user', content: 'Sum it up.' },
    ],
  } as never);
  t.strictSame(blocks(body, 'tool_use').map((block) => (block as { name: string }).name), ['files_read']);
  t.strictSame(body.tools?.map((tool) => tool.name), ['files_read'], 'the tool the history used, defined under that name');
  t.same(anthropicRequestProblems(body), []);
  t.equal(historyToolName('files.read'), 'files_read');
});

t.test('a call id repeated in one assistant turn reaches the upstream once, each result with its own call', async (t) => {
  const responses = translateResponses({
    tools: [weather],
    input: [
      { role: 'user', content: 'Oslo and Rome?' },
      { type: 'function_call', call_id: 'call_0', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call', call_id: 'call_0', name: 'get_weather', arguments: '{"city":"Rome"}' },
      { type: 'function_call_output', call_id: 'call_0', output: 'snow' },
      { type: 'function_call_output', call_id: 'call_0', output: 'sun' },
    ],
  } as never).body;
  const chat = translateChatRequest({
    model: 'm',
    messages: [
      { role: 'user', content: 'Oslo and Rome?' },
      { role: 'assistant', content: null, tool_calls: [
        { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        { id: 'call_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ] },
      { role: 'tool', tool_call_id: 'call_0', content: 'snow' },
      { role: 'tool', tool_call_id: 'call_0', content: 'sun' },
    ],
  } as never, RULES).body;
  for (const [surface, body] of [['responses', responses], ['chat', chat]] as const) {
    t.strictSame(useIds(body), ['call_0', 'call_0_2'], `${surface}: unique ids`);
    t.strictSame(resultIds(body), ['call_0', 'call_0_2'], `${surface}: each result answers its call, in order`);
    t.same(anthropicRequestProblems(body), [], `${surface}: a body Anthropic accepts`);
  }
});

t.test('an id a client reuses in each turn (a per-turn counter) stays paired with the call of its turn', async (t) => {
  const ids = new ToolCallIds();
  t.equal(ids.call('functions.f:0'), 'functions_f_0');
  t.equal(ids.result('functions.f:0'), 'functions_f_0');
  t.equal(ids.call('functions.f:0'), 'functions_f_0_2');
  t.equal(ids.result('functions.f:0'), 'functions_f_0_2');
  t.equal(ids.call('a.b'), 'a_b');
  t.equal(ids.call('a_b'), 'a_b_2', 'two ids that clean to one stay two');
  t.equal(ids.result('a_b'), 'a_b_2');
  t.equal(ids.result('never-called'), 'never-called', 'a result without its call keeps its (clean) id');
});
