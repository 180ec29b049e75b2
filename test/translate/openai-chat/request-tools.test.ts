// Tools, tool_choice, parallel_tool_calls, legacy functions and response_format.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { RESPONSE_FORMAT_TOOL } from '../../../src/translate/anthropic/format-tool.ts';
import type { ChatCompletionRequest } from '../../../src/wire/openai-chat.ts';
import { RULES, failure } from './rules.ts';

const base = { model: 'glm-4.5', messages: [{ role: 'user', content: 'hi' }] };
const translate = (extra: Partial<ChatCompletionRequest>) => translateChatRequest({ ...base, ...extra } as ChatCompletionRequest, RULES);
const weather = { type: 'function', function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } };
const noParams = { type: 'function', function: { name: 'ping' } };

t.test('tools map to name/description/input_schema; missing parameters become an empty object schema', async (t) => {
  const { body } = translate({ tools: [weather, { ...noParams, cache_control: { type: 'ephemeral' } }] });
  t.same(body.tools, [
    { name: 'get_weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
    { name: 'ping', input_schema: { type: 'object', properties: {} }, cache_control: { type: 'ephemeral' } },
  ]);
  t.notOk('tool_choice' in body);
});

t.test('tool names must match Anthropic pattern', async (t) => {
  for (const name of ['has space', 'dot.name', '', 'x'.repeat(65)]) {
    const error = failure(() => translate({ tools: [weather, { type: 'function', function: { name } }] }));
    t.equal(error.param, 'tools[1].function.name', JSON.stringify(name));
  }
  t.equal(failure(() => translate({ tools: [{ type: 'mystery', function: { name: 'x' } }] })).param, 'tools[0].type');
  t.equal(failure(() => translate({ tools: [{ type: 'custom', function: { name: 'x' } }] })).param, 'tools[0].custom', 'a custom tool needs its custom object');
  t.equal(failure(() => translate({ tools: [{ type: 'custom', custom: { name: 'has space' } }] })).param, 'tools[0].custom.name');
});

t.test('tool_choice: auto, none, required, named; parallel_tool_calls:false', async (t) => {
  const choice = (extra: Partial<ChatCompletionRequest>) => translate({ tools: [weather], ...extra }).body.tool_choice;
  t.same(choice({ tool_choice: 'auto' }), { type: 'auto' });
  t.same(choice({ tool_choice: 'none' }), { type: 'none' });
  t.same(choice({ tool_choice: 'required' }), { type: 'any' });
  t.same(choice({ tool_choice: { type: 'function', function: { name: 'get_weather' } } }), { type: 'tool', name: 'get_weather' });
  t.same(choice({ parallel_tool_calls: false }), { type: 'auto', disable_parallel_tool_use: true });
  t.same(choice({ tool_choice: 'required', parallel_tool_calls: false }), { type: 'any', disable_parallel_tool_use: true });
  t.same(choice({ tool_choice: 'none', parallel_tool_calls: false }), { type: 'none' });
  t.same(choice({ parallel_tool_calls: true }), undefined);
  t.equal(failure(() => choice({ tool_choice: 'sometimes' })).param, 'tool_choice');
  t.equal(failure(() => choice({ tool_choice: { type: 'mystery' } })).param, 'tool_choice.type');
  t.equal(failure(() => choice({ tool_choice: { type: 'custom' } })).param, 'tool_choice.custom.name', 'a custom choice needs its name');
  t.equal(failure(() => choice({ tool_choice: { type: 'allowed_tools' } })).param, 'tool_choice.allowed_tools.tools', 'allowed_tools without its list');
  t.notOk('tool_choice' in translate({ tool_choice: 'auto' }).body, 'no tool_choice without tools');
});

t.test('legacy functions and function_call work like tools and tool_choice', async (t) => {
  const result = translate({ functions: [{ name: 'get_time', parameters: { type: 'object', properties: {} } }], function_call: { name: 'get_time' } });
  t.same(result.body.tools, [{ name: 'get_time', input_schema: { type: 'object', properties: {} } }]);
  t.same(result.body.tool_choice, { type: 'tool', name: 'get_time' });
  t.equal(result.legacyFunctions, true);
  t.same(translate({ functions: [{ name: 'f' }], function_call: 'none' }).body.tool_choice, { type: 'none' });
  t.equal(failure(() => translate({ functions: [{ name: 'f' }], function_call: 'required' })).param, 'function_call');
  t.equal(translate({ tools: [weather] }).legacyFunctions, false);
});

t.test('response_format json_schema forces a tool carrying the schema', async (t) => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
  const result = translate({ response_format: { type: 'json_schema', json_schema: { name: 'reply', schema, strict: true } } });
  t.equal(result.responseFormatTool, RESPONSE_FORMAT_TOOL);
  t.same(result.body.tools, [{ name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as JSON matching the schema named "reply".', input_schema: schema }]);
  t.same(result.body.tool_choice, { type: 'tool', name: RESPONSE_FORMAT_TOOL, disable_parallel_tool_use: true });
  t.equal(failure(() => translate({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'array' } } } })).param, 'response_format.json_schema.schema');
});

t.test('response_format json_object forces the tool with an open object schema; text does nothing', async (t) => {
  const result = translate({ response_format: { type: 'json_object' } });
  t.same(result.body.tools, [{ name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as a JSON object.', input_schema: { type: 'object', additionalProperties: true } }]);
  t.same(result.body.tool_choice, { type: 'tool', name: RESPONSE_FORMAT_TOOL, disable_parallel_tool_use: true });
  const text = translate({ response_format: { type: 'text' } });
  t.equal(text.responseFormatTool, null);
  t.notOk('tools' in text.body);
});

t.test('response_format with client tools: the model must call a tool, either a client one or the JSON one', async (t) => {
  const result = translate({ tools: [weather], response_format: { type: 'json_object' } });
  t.same(result.body.tools?.map((tool) => tool.name), ['get_weather', RESPONSE_FORMAT_TOOL]);
  t.same(result.body.tool_choice, { type: 'any' });
  t.same(translate({ tools: [weather], tool_choice: 'none', response_format: { type: 'json_object' } }).body.tool_choice, { type: 'tool', name: RESPONSE_FORMAT_TOOL, disable_parallel_tool_use: true });
  t.same(translate({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } }, response_format: { type: 'json_object' } }).body.tool_choice, { type: 'tool', name: 'get_weather' });
});

t.test('a named tool_choice / function_call must name a defined function: 400 naming the field', async (t) => {
  const unknownTool = failure(() => translate({ tools: [weather], tool_choice: { type: 'function', function: { name: 'get_wether' } } }));
  t.equal(unknownTool.param, 'tool_choice.function.name');
  t.match(unknownTool.message, /"get_wether" names no function in tools/);
  const noTools = failure(() => translate({ tool_choice: { type: 'function', function: { name: 'get_weather' } } }));
  t.equal(noTools.param, 'tool_choice.function.name');
  const unknownFunction = failure(() => translate({ functions: [{ name: 'f' }], function_call: { name: 'g' } }));
  t.equal(unknownFunction.param, 'function_call.name');
  t.match(unknownFunction.message, /names no function in functions/);
});
