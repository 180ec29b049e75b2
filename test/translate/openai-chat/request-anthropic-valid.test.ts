// Every translated request is one Anthropic accepts: the recorded requests of real clients
// (test/fixtures/clients/), and the cases where OpenAI takes a request that Anthropic would refuse as it
// stands: zero-argument tools, schemas without an object root, tool history without tools, identifying or
// over-long user ids, tool call ids from other providers, nulls everywhere OpenAI allows them.
import { readdirSync } from 'node:fs';
import t, { type Test } from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import type { ChatCompletionRequest } from '../../../src/wire/openai-chat.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { readClientFixture } from '../../clients/harness.ts';
import { RULES, failure } from './rules.ts';

const translate = (request: Record<string, unknown>) => translateChatRequest(request as unknown as ChatCompletionRequest, RULES).body;
const accepted = (t: Test, request: Record<string, unknown>, what: string) => {
  const body = translate(request);
  t.same(anthropicRequestProblems(body), [], what);
  return body;
};

const chatFixtures = readdirSync(new URL('../../fixtures/clients/', import.meta.url))
  .map((file) => file.replace(/\.json$/, ''))
  .map((name) => ({ name, fixture: readClientFixture(name) }))
  .filter(({ fixture }) => fixture.requests.some((request) => request.url === '/v1/chat/completions'));

t.test('every recorded client request translates into a body Anthropic accepts', async (t) => {
  t.ok(chatFixtures.length >= 10);
  for (const { name, fixture } of chatFixtures) {
    fixture.requests.forEach((request, i) => accepted(t, request.body, `${name} #${i}`));
  }
});

// A real tool conversation to vary: LangChain's recorded round trip (the call, then the result).
const toolConversation = () => structuredClone(readClientFixture('langchain-tools').requests[1].body) as Record<string, any>;

t.test('tool history without tools (a summary call): the tools it used are defined, with tool_choice none', async (t) => {
  const request = toolConversation();
  t.ok(request.messages.some((message: any) => message.role === 'tool'), 'the recording has a tool result');
  delete request.tools;
  const body = accepted(t, request, 'history without tools');
  t.same(body.tools?.map((tool) => tool.name), ['get_weather']);
  t.same(body.tools?.[0].input_schema, { type: 'object', properties: {} });
  t.same(body.tool_choice, { type: 'none' });

  request.tool_choice = 'auto';
  t.same(translate(request).tool_choice, { type: 'none' }, 'the model cannot call a tool the client does not offer');
  request.response_format = { type: 'json_object' };
  const json = accepted(t, request, 'history without tools, JSON answer');
  t.equal(json.tool_choice?.type, 'tool', 'the JSON tool stays forced');
  t.same(json.tools?.map((tool) => tool.name), ['json_tool_call', 'get_weather']);

  const jsonHistory = toolConversation();
  delete jsonHistory.tools;
  jsonHistory.messages[1].tool_calls[0].function.name = 'json_tool_call';
  jsonHistory.response_format = { type: 'json_object' };
  t.same(accepted(t, jsonHistory, 'a history call named like the JSON tool').tools?.map((tool) => tool.name), ['json_tool_call'], 'no tool defined twice');

  const withTools = toolConversation();
  t.same(translate(withTools).tools?.map((tool) => tool.name), ['get_weather'], 'nothing is added when the request has tools');
  t.notOk(translate({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).tools, 'nor without tool history');
});

t.test('tool parameters become an object input_schema', async (t) => {
  const tool = (parameters: unknown) => accepted(t, { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters } }] }, JSON.stringify(parameters)).tools![0].input_schema;
  t.same(tool({}), { type: 'object', properties: {} }, 'parameters: {} (zero-argument MCP and LangChain tools)');
  t.same(tool(null), { type: 'object', properties: {} });
  t.same(tool(undefined), { type: 'object', properties: {} });
  t.same(tool({ properties: { a: { type: 'string' } } }), { type: 'object', properties: { a: { type: 'string' } } }, 'missing type added');
  t.same(tool({ type: ['object', 'null'], properties: {} }), { type: 'object', properties: {} });
  t.same(tool({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }),
    { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false }, '$schema dropped, the rest kept');
  t.same(tool({ type: 'object', additionalProperties: true }), { type: 'object', additionalProperties: true, properties: {} });
  t.same(
    tool({ anyOf: [{ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, { type: 'object', properties: { name: { type: 'string' } } }] }),
    { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    'a root anyOf: the properties of every branch, none required',
  );
  t.same(
    tool({ type: 'object', properties: { a: { type: 'number' } }, allOf: [{ properties: { b: { type: 'string' } }, required: ['b'] }] }),
    { type: 'object', properties: { a: { type: 'number' }, b: { type: 'string' } }, required: ['b'] },
    'a root allOf: merged, its required names kept',
  );
  const nested = { type: 'object', properties: { v: { anyOf: [{ type: 'string' }, { type: 'number' }] } } };
  t.same(tool(nested), nested, 'nested combiners are fine and stay');
  const error = failure(() => translate({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }));
  t.equal(error.param, 'tools[0].function.parameters');
  t.match(error.message, /always an object/);
});

t.test('response_format schemas get the same normalisation', async (t) => {
  const body = accepted(t, { model: 'm', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', properties: { a: { type: 'string' } } } } } }, 'json_schema without type');
  t.same(body.tools?.[0].input_schema, { type: 'object', properties: { a: { type: 'string' } } });
});

t.test('metadata.user_id is only ever a value Anthropic accepts', async (t) => {
  const userId = (user: unknown, field = 'user') => accepted(t, { model: 'm', messages: [{ role: 'user', content: 'hi' }], [field]: user }, String(user).slice(0, 40)).metadata?.user_id;
  t.equal(userId('user-42'), 'user-42', 'an opaque id is kept');
  t.equal(userId('3f2b9c1e-6d0a-4b8e-9f57-2a1c0e7d4b33'), '3f2b9c1e-6d0a-4b8e-9f57-2a1c0e7d4b33');
  const hashed = userId('ann@example.com');
  t.match(hashed, /^sha256:[0-9a-f]{64}$/, 'an e-mail becomes a hash');
  t.equal(userId('ann@example.com'), hashed, 'the same user, the same id');
  t.not(userId('bob@example.com'), hashed);
  t.match(userId('x'.repeat(300)), /^sha256:/, 'longer than 256 characters');
  t.match(userId('+47 912 34 567'), /^sha256:/, 'a phone number');
  t.match(userId('4791234567'), /^sha256:/, 'digits that could be a phone number');
  t.match(userId('Ann Smith'), /^sha256:/, 'a name with a space');
  t.match(userId('ann@example.com', 'safety_identifier'), /^sha256:/, 'safety_identifier likewise');
  t.equal(userId(''), undefined);
  t.equal(translate({ model: 'm', messages: [{ role: 'user', content: 'hi' }], user: '', safety_identifier: 'sid-1' }).metadata?.user_id, 'sid-1', 'an empty user leaves safety_identifier');
});

t.test("tool call ids from other providers are made Anthropic's shape, alike in the call and its result", async (t) => {
  const body = accepted(t, {
    model: 'm',
    tools: [{ type: 'function', function: { name: 'f' } }],
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'functions.f:0', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'functions.f:0', content: 'done' },
    ],
  }, 'foreign tool ids');
  t.equal((body.messages[1].content[0] as { id: string }).id, 'functions_f_0');
  t.equal((body.messages[2].content[0] as { tool_use_id: string }).tool_use_id, 'functions_f_0');
});

t.test('a tool name in the history that no tool could have is given a valid form (and defined when tools are missing)', async (t) => {
  const body = accepted(t, {
    model: 'm',
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'bad name!', arguments: '' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'done' },
    ],
  }, 'odd tool name in history');
  t.equal((body.messages[1].content[0] as { name: string }).name, 'bad_name_');
  t.same(body.tools?.map((tool) => tool.name), ['bad_name_']);
});

t.test('nulls OpenAI accepts are accepted and read as absent', async (t) => {
  accepted(t, {
    model: 'm',
    messages: [
      { role: 'system', content: 'Be brief.', name: null, cache_control: null },
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: null }], name: null, tool_call_id: null },
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.', refusal: null }], refusal: null, audio: null, function_call: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: null } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok', name: null },
      { role: 'assistant', content: 'Done.', tool_calls: null, thinking_blocks: [{ type: 'thinking', thinking: 'x', signature: null }] },
      { role: 'user', content: 'thanks' },
    ],
    tools: [{ type: 'function', function: { name: 'f', description: null, parameters: null, strict: null }, cache_control: null }],
    tool_choice: null, parallel_tool_calls: null, functions: null, function_call: null, response_format: null, stop: null,
    max_tokens: null, max_completion_tokens: null, temperature: null, top_p: null, n: null, stream: null, stream_options: null,
    user: null, safety_identifier: null, reasoning_effort: null, seed: null, logprobs: null, metadata: null, prompt_cache_key: null,
  }, 'nulls');
});

t.test('allowed_tools offers only the listed tools', async (t) => {
  const tools = ['a', 'b', 'c'].map((name) => ({ type: 'function', function: { name } }));
  const choose = (mode: string) => accepted(t, { model: 'm', messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: { type: 'allowed_tools', allowed_tools: { mode, tools: [{ type: 'function', function: { name: 'b' } }, { type: 'function', function: { name: 'c' } }] } } }, mode);
  t.same(choose('auto').tools?.map((tool) => tool.name), ['b', 'c']);
  t.same(choose('auto').tool_choice, { type: 'auto' });
  t.same(choose('required').tool_choice, { type: 'any' });
  const error = failure(() => translate({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools, tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'z' } }] } } }));
  t.equal(error.param, 'tool_choice.allowed_tools.tools');
  t.match(error.message, /"z"/);
});
