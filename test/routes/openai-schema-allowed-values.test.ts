// Values OpenAI's request schemas allow and the service used to refuse (issue 25): empty strings where the
// schema has no minimum length, nulls where it allows null, a role:function result without its call, and
// reasoning switched on in the middle of a tool loop. Each is served, and what goes upstream is a body
// Anthropic takes.
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { anthropicRequestProblems } from '../helpers/anthropic-request-rules.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { openAISchemaProblems } from '../helpers/openai-schema.ts';

const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };
const responsesWeather = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false };

const chatCases: Array<[string, Record<string, unknown>]> = [
  ['an empty tool_calls[].id', { messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: null, tool_calls: [{ id: '', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, { role: 'tool', tool_call_id: '', content: 'sunny' }], tools: [weather] }],
  ['an empty function.name in the history', { messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: '', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }] }],
  ['an empty tool_choice.custom.name', { messages: [{ role: 'user', content: 'patch it' }], tools: [{ type: 'custom', custom: { name: 'patch' } }], tool_choice: { type: 'custom', custom: { name: '' } } }],
  ['an empty tool_choice.function.name', { messages: [{ role: 'user', content: 'weather?' }], tools: [weather], tool_choice: { type: 'function', function: { name: '' } } }],
  ['a role:function result matching no function_call', { messages: [{ role: 'user', content: 'time?' }, { role: 'function', name: 'get_time', content: '12:00' }] }],
  ['reasoning on with a tool loop that has no thinking', { reasoning_effort: 'high', messages: [{ role: 'user', content: 'weather?' }, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: 'sunny' }], tools: [weather] }],
  ['reasoning on with a final assistant prefill', { reasoning_effort: 'low', messages: [{ role: 'user', content: 'Say hi' }, { role: 'assistant', content: 'Hi' }] }],
];

const responsesCases: Array<[string, Record<string, unknown>]> = [
  ['an item id null', { input: [{ type: 'message', id: null, role: 'user', content: 'hi' }] }],
  ['an mcp tool_choice with name null', { input: 'hi', tools: [responsesWeather], tool_choice: { type: 'mcp', server_label: 'docs', name: null } }],
  ['an empty custom tool_choice name', { input: 'patch it', tools: [{ type: 'custom', name: 'patch' }], tool_choice: { type: 'custom', name: '' } }],
  ['reasoning on with tool history but no reasoning items', { reasoning: { effort: 'medium' }, tools: [responsesWeather], input: [{ role: 'user', content: 'weather?' }, { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' }, { type: 'function_call_output', call_id: 'call_1', output: 'sunny' }] }],
];

async function setup(t: { teardown(fn: () => unknown): void }) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  return { app, mock };
}

t.test('chat completions: each is served and the upstream body is one Anthropic takes', async (t) => {
  const { app, mock } = await setup(t);
  for (const [name, fields] of chatCases) {
    const body = { model: 'glm-4.5', ...fields };
    t.same(openAISchemaProblems('CreateChatCompletionRequest', body), [], `${name}: OpenAI's schema accepts it`);
    const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: body });
    t.equal(res.statusCode, 200, `${name}: ${res.statusCode === 200 ? '' : res.body}`);
    t.same(anthropicRequestProblems(mock.lastRequest.body), [], `${name}: upstream body`);
  }
  t.equal(mock.requests.at(-2)!.body.thinking, undefined, 'the tool loop without thinking went without thinking');
});

t.test('Responses: each is served and the upstream body is one Anthropic takes', async (t) => {
  const { app, mock } = await setup(t);
  const stored = await app.inject({ method: 'POST', url: '/v1/responses', payload: { model: 'glm-4.5', input: 'hello' } });
  const messageId = stored.json().output[0].id;
  const cases: Array<[string, Record<string, unknown>]> = [
    ['an item_reference with type null', { input: [{ type: null, id: messageId }, { role: 'user', content: 'and now?' }] }],
    ['an item_reference without type', { input: [{ id: messageId }, { role: 'user', content: 'and now?' }] }],
    ...responsesCases,
  ];
  for (const [name, fields] of cases) {
    const body = { model: 'glm-4.5', ...fields };
    t.same(openAISchemaProblems('CreateResponse', body), [], `${name}: OpenAI's schema accepts it`);
    const res = await app.inject({ method: 'POST', url: '/v1/responses', payload: body });
    t.equal(res.statusCode, 200, `${name}: ${res.statusCode === 200 ? '' : res.body}`);
    t.same(anthropicRequestProblems(mock.lastRequest.body), [], `${name}: upstream body`);
  }
  t.equal(mock.lastRequest.body.thinking, undefined, 'the tool loop without reasoning items went without thinking');
});

t.test('what cannot be served keeps its 400 naming the field', async (t) => {
  const { app, mock } = await setup(t);
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], n: 2 }, 'n'],
    ['/v1/responses', { input: 'hi', background: true }, 'background'],
    ['/v1/responses', { input: 'hi', conversation: 'conv_123' }, 'conversation'],
    ['/v1/responses', { input: 'hi', prompt: { id: 'pmpt_1' } }, 'prompt'],
  ];
  for (const [url, fields, param] of cases) {
    const res = await app.inject({ method: 'POST', url, payload: { model: 'glm-4.5', ...fields } });
    t.equal(res.statusCode, 400, `${url} ${param}`);
    t.match(res.json().error.param ?? res.json().error.message, new RegExp(param), `${url}: names ${param}`);
  }
  t.equal(mock.requests.length, 0);
});
