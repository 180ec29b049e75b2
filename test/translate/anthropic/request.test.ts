// The Anthropic body both translated routes share (translate/anthropic/request.ts): sampling rules, tools
// for tool history without tools, stop sequences, user id, tool_choice only with tools.
import t from 'tap';
import { anthropicRequestBody, historyTools, samplingFor, stopSequences, type AnthropicBodyParts } from '../../../src/translate/anthropic/request.ts';
import type { AnthropicMessage } from '../../../src/wire/anthropic.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';

const toolHistory: AnthropicMessage[] = [
  { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }, { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: {} }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'snow' }, { type: 'tool_result', tool_use_id: 'toolu_2', content: 'sun' }, { type: 'text', text: 'Sum up.' }] },
];

const parts = (extra: Partial<AnthropicBodyParts> = {}): AnthropicBodyParts => ({
  model: 'm', maxTokens: 100, system: [], messages: structuredClone(toolHistory), tools: [], toolChoice: undefined, formatTool: null,
  thinking: undefined, stop: null, temperature: null, topP: null, users: [], stream: false, ...extra,
});

t.test('sampling: temperature capped at 1; with top_p as well only temperature goes; the thinking limits', async (t) => {
  t.strictSame(samplingFor({ temperature: 0.4, topP: 0.8 }, false), { temperature: 0.4 });
  t.strictSame(samplingFor({ temperature: 1.8, topP: null }, false), { temperature: 1 });
  t.strictSame(samplingFor({ temperature: undefined, topP: 0.8 }, false), { top_p: 0.8 });
  t.strictSame(samplingFor({ temperature: 0, topP: 1, topK: 5 }, false), { temperature: 0, top_k: 5 }, 'temperature 0 counts as set');
  t.strictSame(samplingFor({ temperature: 0.4, topP: 0.5, topK: 5 }, true), { top_p: 0.95 }, 'thinking: no temperature or top_k, top_p at least 0.95');
  t.strictSame(samplingFor({ temperature: null, topP: null, topK: null }, false), {});
  for (const [temperature, topP] of [[0.2, 0.3], [2, 0.99], [null, 0.5], [1, null]] as const) {
    const body = anthropicRequestBody(parts({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], temperature, topP }));
    t.same(anthropicRequestProblems(body), [], `temperature ${temperature}, top_p ${topP}`);
  }
});

t.test('stop sequences: a string or a list, whitespace-only and non-strings dropped', async (t) => {
  t.strictSame(stopSequences('END'), ['END']);
  t.strictSame(stopSequences(['A', ' ', '\n', 7, 'B']), ['A', 'B']);
  t.strictSame(stopSequences(null), []);
});

t.test('tool history without tools: each tool it used defined once, tool_choice none', async (t) => {
  t.strictSame(historyTools(toolHistory).map((tool) => tool.name), ['get_weather']);
  const body = anthropicRequestBody(parts({ toolChoice: { type: 'auto' } }));
  t.same(anthropicRequestProblems(body), []);
  t.strictSame(body.tools, [{ name: 'get_weather', description: 'Called earlier in this conversation; not offered in this request.', input_schema: { type: 'object', properties: {} } }]);
  t.strictSame(body.tool_choice, { type: 'none' });
  const offered = anthropicRequestBody(parts({ tools: [{ name: 'other', input_schema: { type: 'object', properties: {} } }] }));
  t.strictSame(offered.tools?.map((tool) => tool.name), ['other'], 'a request with tools is left as the client sent it');
  t.notOk('tool_choice' in anthropicRequestBody(parts({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], toolChoice: { type: 'any' } })), 'no tool_choice without tools');
});

t.test('the user id: the first usable one, in the form Anthropic accepts', async (t) => {
  t.strictSame(anthropicRequestBody(parts({ users: [null, '', 'user-1', 'user-2'] })).metadata, { user_id: 'user-1' });
  t.match(anthropicRequestBody(parts({ users: ['ann@example.com'] })).metadata?.user_id, /^sha256:/);
  t.notOk('metadata' in anthropicRequestBody(parts({ users: [undefined] })));
});

t.test('Responses: function_call history with no tools in the request is given its tools (as chat)', async (t) => {
  const request = {
    input: [
      { role: 'user', content: 'Weather in Oslo?' },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'snow' },
      { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_2', output: 'done' },
      { role: 'user', content: 'Sum it up.' },
    ],
  } as never;
  const { body } = translateResponses(request);
  t.same(anthropicRequestProblems(body), []);
  t.strictSame(body.tools?.map((tool) => tool.name), ['get_weather', 'apply_patch']);
  t.strictSame(body.tool_choice, { type: 'none' });
  const hostedOnly = translateResponses({ ...(request as object), tools: [{ type: 'file_search' }], tool_choice: 'auto' } as never).body;
  t.same(anthropicRequestProblems(hostedOnly), [], 'only hosted tools (left out): the same');
  t.strictSame(hostedOnly.tool_choice, { type: 'none' });
  const json = translateResponses({ ...(request as object), text: { format: { type: 'json_object' } } } as never).body;
  t.same(anthropicRequestProblems(json), [], 'with a JSON answer');
  t.strictSame(json.tool_choice, { type: 'tool', name: 'json_tool_call', disable_parallel_tool_use: true }, 'the JSON tool stays forced');
});

t.test('thinking on with a tool loop or prefill that has no thinking block: this request goes without thinking', async (t) => {
  const tools = [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: {} } }];
  const thinking = { type: 'enabled' as const, budget_tokens: 2048 };
  const loop = anthropicRequestBody(parts({ tools: [...tools], thinking, temperature: 0.3 }));
  t.equal(loop.thinking, undefined, 'no thinking for the tool loop');
  t.equal(loop.temperature, 0.3, 'and the sampling rules of a request without thinking');
  t.equal(loop.max_tokens, 100);
  t.same(anthropicRequestProblems(loop), []);

  const prefill: AnthropicMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }, { role: 'assistant', content: [{ type: 'text', text: 'Well' }] }];
  t.equal(anthropicRequestBody(parts({ messages: prefill, thinking })).thinking, undefined, 'no thinking with a final assistant prefill');

  const signed = structuredClone(toolHistory);
  signed[1].content.unshift({ type: 'thinking', thinking: 'look it up', signature: 'sig' });
  const kept = anthropicRequestBody(parts({ messages: signed, tools: [...tools], thinking }));
  t.same(kept.thinking, thinking, 'a tool loop whose turn starts with thinking keeps it');
  t.same(anthropicRequestProblems(kept), []);

  const over = [...structuredClone(toolHistory), { role: 'assistant' as const, content: [{ type: 'text' as const, text: 'Snow and sun.' }] }, { role: 'user' as const, content: [{ type: 'text' as const, text: 'Thanks' }] }];
  t.same(anthropicRequestBody(parts({ messages: over, tools: [...tools], thinking })).thinking, thinking, 'a finished tool loop needs no thinking block');
});
