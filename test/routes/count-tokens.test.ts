// POST /v1/messages/count_tokens: forwarded upstream, local estimate when the upstream cannot answer or
// when configured, the compatibility shape, and the official SDK as the client.
import Anthropic from '@anthropic-ai/sdk';
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicErrorBody } from '../helpers/mock-upstream.ts';

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const built = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  const base = await listen(built.app);
  const client = new Anthropic({ baseURL: base, apiKey: 'sk-client', maxRetries: 0 });
  return { mock, base, client, ...built };
}

const request = { model: 'glm-4.5', messages: [{ role: 'user' as const, content: 'Hello, how are you today?' }] };

t.test('forwarded upstream with the same key and model rules; compat fields added', async (t) => {
  const { mock, client } = await setup(t, { MODEL_MAP_JSON: '{"claude-x":"glm-4.6"}' });
  mock.enqueue({ kind: 'json', body: { input_tokens: 17 } });
  const { data, response } = await client.messages.countTokens({ ...request, model: 'claude-x' }).withResponse();
  t.same(data, { input_tokens: 17, token_count: 17, input_token_count: 17 });
  t.equal(response.headers.get('x-proxy-token-estimate'), null);
  t.equal(mock.lastRequest.path, '/v1/messages/count_tokens');
  t.equal(mock.lastRequest.body.model, 'glm-4.6');
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-client');
});

t.test('COUNT_SHAPE_COMPAT=false gives exactly Anthropic\'s shape', async (t) => {
  const { mock, client } = await setup(t, { COUNT_SHAPE_COMPAT: 'false' });
  mock.enqueue({ kind: 'json', body: { input_tokens: 17 } });
  t.same(await client.messages.countTokens(request), { input_tokens: 17 });
});

t.test('upstream 404, 5xx or network failure: a local estimate, marked', async (t) => {
  const { mock, base } = await setup(t);
  const post = () => fetch(`${base}/v1/messages/count_tokens?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });
  for (const status of [404, 500, 503]) {
    mock.enqueue({ kind: 'json', status, body: anthropicErrorBody('not_found_error', 'no such endpoint') });
    const res = await post();
    t.equal(res.status, 200, `upstream ${status}`);
    t.equal(res.headers.get('x-proxy-token-estimate'), 'true');
    const body = (await res.json()) as Record<string, unknown>;
    t.equal(body.proxy_estimate, true);
    t.ok((body.input_tokens as number) > 5 && (body.input_tokens as number) < 30, `plausible estimate ${body.input_tokens}`);
    t.equal(body.token_count, body.input_tokens);
  }
  t.equal(mock.lastRequest.url, '/v1/messages/count_tokens?beta=true');
  await mock.close();
  const res = await post();
  t.equal(res.status, 200, 'network failure');
  t.equal(((await res.json()) as { proxy_estimate: boolean }).proxy_estimate, true);
});

t.test('an upstream answer about the request itself (401, 400) is relayed, not estimated', async (t) => {
  const { mock, client } = await setup(t);
  mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', 'invalid x-api-key') });
  const error = await client.messages.countTokens(request).catch((e: unknown) => e);
  t.type(error, Anthropic.AuthenticationError);
});

t.test('FORWARD_COUNT_TO_UPSTREAM=false estimates locally with no upstream call', async (t) => {
  const { mock, client } = await setup(t, { FORWARD_COUNT_TO_UPSTREAM: 'false', COUNT_SHAPE_COMPAT: 'false' });
  const { data, response } = await client.messages.countTokens({
    ...request,
    system: 'You are terse.',
    tools: [{ name: 'lookup', description: 'Look something up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
  }).withResponse();
  t.same(Object.keys(data), ['input_tokens'], "exactly Anthropic's shape");
  t.ok(data.input_tokens > 20, `counts system, messages and tools: ${data.input_tokens}`);
  t.equal(response.headers.get('x-proxy-token-estimate'), 'true', 'still marked, in a header');
  t.equal(mock.requests.length, 0);
});
