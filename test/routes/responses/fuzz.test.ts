// Arbitrary and plausible Responses requests: a well-formed upstream request, or a 4xx in OpenAI's shape
// with a useful message; never a 500, never a rejected request sent upstream.
import fc from 'fast-check';
import t from 'tap';
import { buildTestApp } from '../../helpers/app.ts';
import { MockUpstream } from '../../helpers/mock-upstream.ts';

const text = fc.string({ maxLength: 12 });
const part = fc.oneof(
  fc.record({ type: fc.constant('input_text'), text }),
  fc.record({ type: fc.constant('output_text'), text }),
  fc.record({ type: fc.constantFrom('input_image', 'input_file', 'refusal', 'novel'), image_url: fc.constantFrom('data:image/png;base64,AAAA', 'https://x.test/a.png', 'ftp://x'), file_data: fc.constantFrom('data:application/pdf;base64,JVBE', 'nope') }, { requiredKeys: ['type'] }),
  fc.anything(),
);
const item = fc.oneof(
  fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool', 'x'), content: fc.oneof(text, fc.array(part, { maxLength: 3 })), type: fc.constantFrom(undefined, 'message') }, { requiredKeys: ['role'] }),
  fc.record({ type: fc.constant('function_call'), call_id: fc.constantFrom('c1', ''), name: fc.constantFrom('f', ''), arguments: fc.constantFrom('{}', '{"a":1}', '[1]', 'oops', '') }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('function_call_output', 'custom_tool_call_output'), call_id: fc.constantFrom('c1', ''), output: fc.oneof(text, fc.array(part, { maxLength: 2 })) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('custom_tool_call'), call_id: fc.constant('c2'), name: fc.constant('patch'), input: text }),
  fc.record({ type: fc.constant('reasoning'), id: fc.constantFrom('rs_1', undefined), encrypted_content: fc.constantFrom('ap1.eyJ0IjoieCIsInMiOiJ5In0', 'junk', undefined), summary: fc.constant([]) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constantFrom('item_reference', 'web_search_call', 'mystery'), id: fc.constantFrom('msg_x', 'rs_0123') }),
  fc.anything(),
);
const tool = fc.oneof(
  fc.record({ type: fc.constant('function'), name: fc.constantFrom('get_weather', 'bad name', ''), parameters: fc.constantFrom({ type: 'object', properties: {} }, null, undefined), strict: fc.boolean() }, { requiredKeys: ['type', 'name'] }),
  fc.record({ type: fc.constant('custom'), name: fc.constant('patch'), format: fc.constantFrom(undefined, { type: 'text' }, { type: 'grammar', syntax: 'lark', definition: 'start: x' }) }, { requiredKeys: ['type', 'name'] }),
  fc.record({ type: fc.constant('namespace'), name: fc.constant('ns'), tools: fc.constant([{ type: 'function', name: 'get_weather' }]) }),
  fc.record({ type: fc.constantFrom('web_search', 'file_search', 'mcp', 'code_interpreter') }),
);
const request = fc.record({
  model: fc.option(fc.constantFrom('glm-4.5', ''), { nil: undefined }),
  input: fc.oneof(text, fc.array(item, { maxLength: 5 })),
  instructions: fc.option(text, { nil: undefined }),
  tools: fc.option(fc.array(tool, { maxLength: 3 }), { nil: undefined }),
  tool_choice: fc.option(fc.oneof(fc.constantFrom('auto', 'none', 'required', 'any'), fc.record({ type: fc.constantFrom('function', 'custom', 'allowed_tools', 'web_search'), name: fc.constantFrom('get_weather', 'patch', 'zzz') })), { nil: undefined }),
  parallel_tool_calls: fc.option(fc.boolean(), { nil: undefined }),
  max_output_tokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
  text: fc.option(fc.record({ format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', name: 'x', schema: { type: 'object' } }, { type: 'json_schema', name: 'x', schema: { type: 'array' } }) }), { nil: undefined }),
  reasoning: fc.option(fc.record({ effort: fc.constantFrom('none', 'low', 'high', 'xhigh', 'max'), summary: fc.constantFrom('auto', null) }, { requiredKeys: [] }), { nil: undefined }),
  store: fc.option(fc.boolean(), { nil: undefined }),
  previous_response_id: fc.option(fc.constantFrom('resp_00000000000000000000000000000000', 'nope'), { nil: undefined }),
  background: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['input'] });

/** Requests that should all go upstream: plain turns, clean tools, known options. */
const cleanRequest = fc.record({
  model: fc.option(fc.constant('glm-4.5'), { nil: undefined }),
  input: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ''), fc.array(fc.record({ role: fc.constantFrom('user', 'developer'), content: fc.constant('hello') }), { minLength: 1, maxLength: 3 }).map((items) => [...items, { role: 'user', content: 'go' }])),
  tools: fc.option(fc.array(fc.constantFrom({ type: 'function', name: 'get_weather' }, { type: 'custom', name: 'patch' }, { type: 'web_search' }), { maxLength: 3 }), { nil: undefined }),
  max_output_tokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  text: fc.option(fc.constantFrom({ format: { type: 'text' } }, { format: { type: 'json_object' } }), { nil: undefined }),
  reasoning: fc.option(fc.record({ effort: fc.constantFrom('none', 'low', 'high') }), { nil: undefined }),
  store: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['input'] });

t.test('POST /v1/responses: a well-formed upstream request or a 4xx naming what is wrong, never a 500', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  const outcomes = { upstream: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: fc.anything() }, { weight: 3, arbitrary: request }, { weight: 3, arbitrary: cleanRequest }), async (body) => {
      const before = mock.requests.length;
      const res = await app.inject({ method: 'POST', url: '/v1/responses', payload: JSON.stringify(body ?? null), headers: { 'content-type': 'application/json' } });
      if (res.statusCode === 200) {
        outcomes.upstream++;
        const sent = mock.lastRequest.body;
        if (!Array.isArray(sent.messages) || sent.messages.length === 0 || typeof sent.max_tokens !== 'number') throw new Error(`not a Messages request: ${JSON.stringify(sent)}`);
        if (res.json().object !== 'response') throw new Error(`not a response: ${res.body}`);
        return;
      }
      outcomes.rejected++;
      if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`status ${res.statusCode}: ${res.body}`);
      if (mock.requests.length !== before) throw new Error('a rejected request went upstream');
      const error = res.json().error;
      if (typeof error?.message !== 'string' || error.message.length < 10 || typeof error.type !== 'string') throw new Error(`no useful error: ${res.body}`);
    }),
    { numRuns: 300 },
  );
  t.ok(outcomes.upstream > 30, `a fair share went upstream (${outcomes.upstream})`);
  t.ok(outcomes.rejected > 30, `a fair share was rejected (${outcomes.rejected})`);
});
