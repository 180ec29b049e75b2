// /v1/chat/completions with what real clients send (test/fixtures/clients/, recorded by test/clients/): every
// recorded request is accepted, and what goes upstream is a body Anthropic would accept.
import { readdirSync } from 'node:fs';
import t from 'tap';
import { buildTestApp } from '../../helpers/app.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { MockUpstream } from '../../helpers/mock-upstream.ts';
import { weatherModel } from '../../clients/scenarios.ts';
import { readClientFixture } from '../../clients/harness.ts';

const fixtures = readdirSync(new URL('../../fixtures/clients/', import.meta.url))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .filter((name) => readClientFixture(name).requests.some((request) => request.url === '/v1/chat/completions'));

t.ok(fixtures.length >= 10, `chat fixtures found: ${fixtures.join(', ')}`);

for (const name of fixtures) {
  t.test(`${name}: accepted, and translated into a body Anthropic accepts`, async (t) => {
    const mock = await MockUpstream.start();
    t.teardown(() => mock.close());
    mock.setHandler(weatherModel());
    const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' });
    const fixture = readClientFixture(name);
    for (const [i, request] of fixture.requests.entries()) {
      if (request.url !== '/v1/chat/completions') continue;
      const before = mock.requests.length;
      const res = await app.inject({ method: 'POST', url: request.url, headers: { 'content-type': 'application/json', authorization: 'Bearer sk-client-key' }, payload: JSON.stringify(request.body) });
      t.equal(res.statusCode, 200, `request ${i}: ${res.body.slice(0, 300)}`);
      t.equal(mock.requests.length, before + 1, `request ${i} went upstream`);
      if (mock.requests.length > before) t.same(anthropicRequestProblems(mock.lastRequest.body), [], `request ${i}: Anthropic would take the translation`);
    }
  });
}

t.test('nulls wherever OpenAI takes them, and fields the service drops, pass validation', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0' });
  const payload = {
    model: 'glm-4.5',
    messages: [
      { role: 'developer', content: 'Be brief.', name: null, cache_control: null },
      { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: null }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: null } }], name: null, tool_call_id: null },
      {
        role: 'assistant',
        content: [{ type: 'text', text: 'Checking.', refusal: null, role: 'assistant', tool_calls: [] }, { type: 'refusal', refusal: 'no' }],
        refusal: null, audio: null, function_call: null, name: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: null }, cache_control: null }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'ok', name: null },
      { role: 'assistant', content: 'Done.', tool_calls: null, reasoning_content: null, thinking_blocks: [{ type: 'thinking', thinking: null, signature: null }] },
      { role: 'user', content: [{ type: 'file', file: { file_data: 'data:text/plain;base64,aGk=', filename: null, file_id: null, file_url: null } }] },
    ],
    tools: [{ type: 'function', function: { name: 'f', description: null, parameters: null, strict: null }, cache_control: null }],
    tool_choice: null, parallel_tool_calls: null, functions: null, function_call: null, stop: null,
    response_format: { type: 'json_schema', json_schema: { name: 'x', description: null, schema: null, strict: null } },
    max_tokens: null, max_completion_tokens: null, temperature: null, top_p: null, n: null, stream: null, stream_options: null,
    user: null, safety_identifier: null, reasoning_effort: null, seed: null, logprobs: null, top_logprobs: null, metadata: null,
    prompt_cache_key: null, service_tier: null, store: null, modalities: null, audio: null, prediction: null, web_search_options: null,
  };
  const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  t.same(anthropicRequestProblems(mock.lastRequest.body), []);
});
