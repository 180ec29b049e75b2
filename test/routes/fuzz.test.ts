// Property-based tests: arbitrary JSON (and arbitrary OpenAI-shaped requests) thrown at both API routes
// never crash or 500. Every input ends either in a well-formed upstream request or in a 4xx whose message
// names the offending field. Arbitrary upstream answers never crash the response translator.
import fc from 'fast-check';
import t from 'tap';
import { chatCompletionFrom } from '../../src/translate/openai-chat/response.ts';
import { buildTestApp } from '../helpers/app.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';

type Json = Record<string, unknown>;

/** What a strict Anthropic-compatible upstream (GLM) accepts, as far as the proxy is responsible for it. */
function anthropicRequestProblems(body: Json): string[] {
  const problems: string[] = [];
  if (typeof body.model !== 'string' || body.model === '') problems.push('model');
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) problems.push('max_tokens');
  const messages = body.messages as Json[];
  if (!Array.isArray(messages) || messages.length === 0) return [...problems, 'messages'];
  messages.forEach((message, i) => {
    if (message.role !== 'user' && message.role !== 'assistant') problems.push(`messages[${i}].role`);
    if (i > 0 && messages[i - 1].role === message.role) problems.push(`messages[${i}] does not alternate`);
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content as Json[]);
    if (!Array.isArray(blocks) || blocks.length === 0) problems.push(`messages[${i}].content empty`);
    let seenOther = false;
    for (const block of blocks ?? []) {
      if (block.type === 'text' && (typeof block.text !== 'string' || block.text.trim() === '')) problems.push(`messages[${i}] empty text block`);
      if (block.type === 'tool_result') {
        if (message.role !== 'user') problems.push(`messages[${i}] tool_result outside a user turn`);
        if (seenOther) problems.push(`messages[${i}] tool_result after other content`);
      } else seenOther = true;
      if (block.type === 'tool_use' && message.role !== 'assistant') problems.push(`messages[${i}] tool_use outside an assistant turn`);
    }
  });
  for (const block of (body.system as Json[] | undefined) ?? []) {
    if (block.type !== 'text' || typeof block.text !== 'string' || block.text === '') problems.push('system block');
  }
  for (const tool of (body.tools as Json[] | undefined) ?? []) {
    if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) problems.push('tool name');
  }
  if (typeof body.temperature === 'number' && (body.temperature < 0 || body.temperature > 1)) problems.push('temperature');
  return problems;
}

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('', ' ', 'hello', '{"a":1}'));
const part = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.constantFrom('https://example.test/a.png', 'data:image/png;base64,iVBORw0KGgo=', 'data:application/pdf;base64,JVBERi0=', 'data:text/html;base64,PGI+', 'ftp://x', 'nonsense') }) }),
  fc.record({ type: fc.constantFrom('input_audio', 'file', 'video', 'text') }),
);
const content = fc.oneof(text, fc.array(part, { maxLength: 3 }), fc.constant(null));
const toolCall = fc.record({
  id: fc.constantFrom('call_1', 'call_2', 'toolu_x'),
  type: fc.constant('function'),
  function: fc.record({ name: fc.constantFrom('get_weather', 'lookup', 'bad name!'), arguments: fc.constantFrom('', '{}', '{"city":"Paris"}', '{broken', '[1]', '"s"') }),
});
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer', 'user'), content }),
  fc.record({ role: fc.constant('assistant'), content, tool_calls: fc.option(fc.array(toolCall, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['role'] }),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('call_1', 'call_2'), content: text }),
  fc.record({ role: fc.constant('function'), name: fc.constant('get_weather'), content: text }),
  fc.record({ role: fc.string({ maxLength: 8 }), content: fc.anything() }),
);
const tool = fc.record({
  type: fc.constant('function'),
  function: fc.record({ name: fc.constantFrom('get_weather', 'lookup', 'has space', ''), description: fc.option(text, { nil: undefined }), parameters: fc.option(fc.constant({ type: 'object', properties: { city: { type: 'string' } } }), { nil: undefined }) }, { requiredKeys: ['name'] }),
});
// Mostly well-formed conversations, so that a fair share reaches the upstream and its shape is checked.
const plainMessage = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'user', 'developer'), content: fc.constantFrom('hello', 'Be brief.', 'what is 2+2?') }),
  fc.record({ role: fc.constant('assistant'), content: fc.constantFrom('sure', '', null), tool_calls: fc.option(fc.array(toolCall, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: ['role'] }),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('call_1', 'call_2'), content: fc.constantFrom('42', 'sunny') }),
);
const chatRequest = fc.record({
  model: fc.option(fc.constantFrom('glm-4.5', 'gpt-4o', ''), { nil: undefined }),
  messages: fc.oneof({ weight: 3, arbitrary: fc.array(plainMessage, { minLength: 1, maxLength: 6 }) }, { weight: 2, arbitrary: fc.array(message, { maxLength: 6 }) }),
  tools: fc.option(fc.array(tool, { maxLength: 2 }), { nil: undefined }),
  tool_choice: fc.option(fc.constantFrom('auto', 'none', 'required', { type: 'function', function: { name: 'lookup' } }), { nil: undefined }),
  temperature: fc.option(fc.double({ min: -1, max: 3, noNaN: true }), { nil: undefined }),
  max_tokens: fc.option(fc.integer({ min: -5, max: 100_000 }), { nil: undefined }),
  stop: fc.option(fc.oneof(text, fc.array(text, { maxLength: 3 })), { nil: undefined }),
  n: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  reasoning_effort: fc.option(fc.constantFrom('low', 'medium', 'high', 'bogus'), { nil: undefined }),
  response_format: fc.option(fc.constantFrom({ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } }, { type: 'weird' }), { nil: undefined }),
}, { requiredKeys: ['messages'] });

const cleanTool = fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('get_weather', 'lookup'), parameters: fc.constant({ type: 'object', properties: {} }) }) });
const cleanRequest = fc.record({
  model: fc.option(fc.constantFrom('glm-4.5', 'gpt-4o'), { nil: undefined }),
  messages: fc.array(plainMessage, { minLength: 1, maxLength: 6 }),
  tools: fc.option(fc.array(cleanTool, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  temperature: fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
  max_tokens: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
  stop: fc.option(fc.oneof(text, fc.array(text, { maxLength: 3 })), { nil: undefined }),
  reasoning_effort: fc.option(fc.constantFrom('low', 'medium', 'high'), { nil: undefined }),
  response_format: fc.option(fc.constantFrom({ type: 'text' }, { type: 'json_object' }), { nil: undefined }),
}, { requiredKeys: ['messages'] });

t.test('POST /v1/chat/completions: a well-formed upstream request or a 4xx naming the field, never a 500', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  const outcomes = { upstream: 0, rejected: 0 };
  await fc.assert(
    fc.asyncProperty(fc.oneof({ weight: 1, arbitrary: fc.anything() }, { weight: 3, arbitrary: chatRequest }, { weight: 3, arbitrary: cleanRequest }), async (body) => {
      const before = mock.requests.length;
      const res = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: JSON.stringify(body ?? null), headers: { 'content-type': 'application/json' } });
      if (res.statusCode === 200) {
        outcomes.upstream++;
        const problems = anthropicRequestProblems(mock.lastRequest.body);
        if (problems.length > 0) throw new Error(`sent upstream with problems ${problems.join(', ')}: ${JSON.stringify(mock.lastRequest.body)}`);
        return;
      }
      outcomes.rejected++;
      if (res.statusCode < 400 || res.statusCode >= 500) throw new Error(`status ${res.statusCode}: ${res.body}`);
      if (mock.requests.length !== before) throw new Error('a rejected request went upstream');
      const error = res.json().error;
      if (typeof error?.message !== 'string' || error.message.length < 10) throw new Error(`no useful message: ${res.body}`);
      if (res.statusCode === 400 && error.param === null && !/body|JSON/i.test(error.message)) throw new Error(`400 without a field: ${res.body}`);
    }),
    { numRuns: 400 },
  );
  t.ok(outcomes.upstream > 40, `a fair share went upstream (${outcomes.upstream})`);
  t.ok(outcomes.rejected > 40, `a fair share was rejected (${outcomes.rejected})`);
});

t.test('POST /v1/messages: arbitrary JSON is forwarded or rejected with an Anthropic 400, never a 500', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.anything(), fc.record({ model: fc.anything(), messages: fc.anything(), stream: fc.boolean() })), async (body) => {
      const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: JSON.stringify(body ?? null), headers: { 'content-type': 'application/json' } });
      if (res.statusCode >= 500) throw new Error(`status ${res.statusCode}: ${res.body}`);
      if (res.statusCode >= 400 && res.json().type !== 'error') throw new Error(`not Anthropic-shaped: ${res.body}`);
    }),
    { numRuns: 300 },
  );
});

t.test('arbitrary bytes as a body are a 400, never a 500', async (t) => {
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: 'http://127.0.0.1:9', LOG_LEVEL: 'silent' });
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens'), async (bytes, url) => {
      const res = await app.inject({ method: 'POST', url, payload: Buffer.from(bytes), headers: { 'content-type': 'application/json' } });
      if (res.statusCode >= 500 && res.statusCode !== 502) throw new Error(`status ${res.statusCode}: ${res.body}`);
    }),
    { numRuns: 300 },
  );
});

t.test('the response translator survives any upstream answer', async (t) => {
  const block = fc.oneof(
    fc.record({ type: fc.constant('text'), text: fc.anything() }),
    fc.record({ type: fc.constant('tool_use'), id: fc.anything(), name: fc.anything(), input: fc.anything() }),
    fc.record({ type: fc.constant('thinking'), thinking: fc.anything(), signature: fc.anything() }),
    fc.anything(),
  );
  const answer = fc.record({ id: fc.anything(), model: fc.anything(), content: fc.oneof(fc.array(block, { maxLength: 4 }), fc.anything()), stop_reason: fc.anything(), usage: fc.anything() }, { requiredKeys: [] });
  fc.assert(
    fc.property(answer, (upstream) => {
      const completion = chatCompletionFrom(upstream as never, { created: 1, fallbackId: 'req', fallbackModel: 'm', responseFormatTool: null, legacyFunctions: false });
      if (completion.object !== 'chat.completion' || completion.choices.length !== 1) throw new Error('bad envelope');
      JSON.stringify(completion);
    }),
    { numRuns: 500 },
  );
  t.pass('no crash');
});
