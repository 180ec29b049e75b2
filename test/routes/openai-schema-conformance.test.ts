// Every kind of object and stream event the OpenAI routes return, checked against OpenAI's published
// OpenAPI schemas (test/fixtures/openai-openapi): chat completions and chunks, Responses objects and each
// Responses event type, the models list and object, errors. (buildTestApp checks every answer of every
// test as well; here each kind is produced on purpose and the check is asserted where it happens.)
import t from 'tap';
import { openAIAnswerProblems } from '../helpers/openai-conformance.ts';
import { openAISchemaProblems, responseEventProblems } from '../helpers/openai-schema.ts';
import { buildTestApp } from '../helpers/app.ts';
import { messageReply, textBlock, toolUseBlock, type WholeMessage } from '../helpers/anthropic-replies.ts';
import { MockUpstream, anthropicErrorBody } from '../helpers/mock-upstream.ts';
import { parseResponsesSse, responsesStreamFixtures } from '../helpers/responses-fixtures.ts';
import { chatStreamFixtures } from '../helpers/stream-fixtures.ts';

const thinking = { type: 'thinking', thinking: 'The user wants the weather; call the tool.', signature: 'sig_abc' };
const weatherTool = { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } };
const chatWeatherTool = { type: 'function', function: { name: 'get_weather', parameters: weatherTool.parameters } };

const answers: Record<string, WholeMessage> = {
  text: { content: [textBlock('Hello there.')] },
  tool: { content: [thinking, toolUseBlock('toolu_01', 'get_weather', { city: 'Paris' })], stop_reason: 'tool_use' },
  truncated: { content: [textBlock('Cut short')], stop_reason: 'max_tokens' },
};

async function setup(t: { teardown(fn: () => unknown): void }) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  let next: WholeMessage = answers.text;
  mock.setHandler((request) => messageReply(request, next));
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  const call = async (method: 'GET' | 'POST', url: string, route: string, payload?: unknown, answer: WholeMessage = answers.text) => {
    next = answer;
    const res = await app.inject({ method, url, payload: payload as object, headers: { authorization: 'Bearer sk-client' } });
    const problems = openAIAnswerProblems(route, res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
    return { res, problems };
  };
  return { app, mock, call };
}

t.test('chat completions, chunks and chat errors match OpenAI schemas', async (t) => {
  const { call } = await setup(t);
  const route = 'POST /v1/chat/completions';
  for (const [name, answer] of Object.entries(answers)) {
    for (const stream of [false, true]) {
      const body = { model: 'glm-4.5', messages: [{ role: 'user', content: 'weather in Paris?' }], tools: [chatWeatherTool], stream, stream_options: stream ? { include_usage: true } : undefined, reasoning_effort: 'low' };
      const { res, problems } = await call('POST', '/v1/chat/completions', route, body, answer);
      t.equal(res.statusCode, 200, `${name} stream=${stream}`);
      t.same(problems, [], `${name} stream=${stream}`);
    }
  }
  const invalid = await call('POST', '/v1/chat/completions', route, { model: 'm', messages: 'nope' });
  t.equal(invalid.res.statusCode, 400);
  t.same(invalid.problems, [], 'a 400');
});

t.test('Responses objects, every event type the service emits, and GET /v1/responses/{id} match OpenAI schemas', async (t) => {
  const { call } = await setup(t);
  const seen = new Set<string>();
  const requests = [
    { input: 'hi' },
    { input: 'weather?', tools: [weatherTool], reasoning: { effort: 'low', summary: 'auto' } },
    { input: 'json please', text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } } },
    { input: 'hi', service_tier: 'auto', safety_identifier: 'u1', prompt_cache_key: 'k', max_tool_calls: 3, top_logprobs: 2, user: 'someone' },
  ];
  for (const [name, answer] of Object.entries(answers)) {
    for (const request of requests) {
      for (const stream of [false, true]) {
        const { res, problems } = await call('POST', '/v1/responses', 'POST /v1/responses', { model: 'glm-4.5', ...request, stream }, answer);
        t.equal(res.statusCode, 200);
        t.same(problems, [], `${name} ${JSON.stringify(request).slice(0, 60)} stream=${stream}`);
        if (stream) for (const event of parseResponsesSse(res.body)) seen.add(event.type);
        else {
          const id = res.json().id;
          const stored = await call('GET', `/v1/responses/${id}`, 'GET /v1/responses/:id');
          t.same(stored.problems, [], 'GET /v1/responses/{id}');
          const items = await call('GET', `/v1/responses/${id}/input_items`, 'GET /v1/responses/:id/input_items');
          t.equal(items.res.statusCode, 200);
        }
      }
    }
  }
  for (const type of ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.completed', 'response.incomplete']) {
    t.ok(seen.has(type), `${type} was produced and checked`);
  }
  const missing = await call('GET', '/v1/responses/resp_00000000000000000000000000000000', 'GET /v1/responses/:id');
  t.equal(missing.res.statusCode, 404);
  t.same(missing.problems, [], 'a 404');
});

t.test('a failed Responses stream matches OpenAI schemas', async (t) => {
  const { mock, call } = await setup(t);
  mock.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') });
  const failed = await call('POST', '/v1/responses', 'POST /v1/responses', { model: 'glm-4.5', input: 'hi', stream: true });
  t.same(failed.problems, []);
  t.same(openAIAnswerProblems('POST /v1/responses', 200, 'text/event-stream', failed.res.body), []);
});

t.test('the recorded stream fixtures (whole expected outputs) match OpenAI schemas', async (t) => {
  for (const fixture of responsesStreamFixtures()) {
    const problems = fixture.events.flatMap((event) => responseEventProblems(event));
    t.same(problems, [], `Responses ${fixture.name}`);
  }
  for (const fixture of chatStreamFixtures()) {
    const problems = fixture.chunks.flatMap((chunk: object) => openAISchemaProblems('error' in chunk ? 'ErrorResponse' : 'CreateChatCompletionStreamResponse', chunk));
    t.same(problems, [], `chat ${fixture.name}`);
  }
});

t.test('models list, model object and the model 404 match OpenAI schemas', async (t) => {
  const { call } = await setup(t);
  const list = await call('GET', '/v1/models', 'GET /v1/models');
  t.same(list.problems, []);
  const id = list.res.json().data[0].id;
  t.same((await call('GET', `/v1/models/${id}`, 'GET /v1/models/*')).problems, []);
  const missing = await call('GET', '/v1/models/no-such-model', 'GET /v1/models/*');
  t.equal(missing.res.statusCode, 404);
  t.same(missing.problems, []);
});

t.test('the check can fail: objects OpenAI would refuse are reported', async (t) => {
  const valid = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'x', refusal: null }, finish_reason: 'stop', logprobs: null }] };
  t.same(openAISchemaProblems('CreateChatCompletionResponse', valid), []);
  t.not(openAISchemaProblems('CreateChatCompletionResponse', { ...valid, system_fingerprint: null }), [], 'a null system_fingerprint');
  t.not(openAISchemaProblems('CreateChatCompletionResponse', { ...valid, choices: [{ ...valid.choices[0], finish_reason: 'done' }] }), [], 'an unknown finish_reason');
  t.not(responseEventProblems({ type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg', output_index: 0, content_index: 0, delta: 'x' }), [], 'a delta without logprobs');
  t.not(responseEventProblems({ type: 'response.bogus', sequence_number: 1 }), [], 'an event type OpenAI does not have');
  t.not(openAIAnswerProblems('POST /v1/responses', 200, 'application/json', JSON.stringify({ id: 'resp_1', object: 'response' })), [], 'a bare Response');
  t.not(openAIAnswerProblems('GET /v1/models', 400, 'application/json', JSON.stringify({ error: { message: 'x', type: 'y' } })), [], 'an error without param and code');
});
