// POST /v1/messages through a real port with the official @anthropic-ai/sdk against the mock upstream.
import Anthropic from '@anthropic-ai/sdk';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildTestApp, listen } from '../../helpers/app.ts';
import { MockUpstream, anthropicErrorBody, anthropicMessage, textStreamEvents } from '../../helpers/mock-upstream.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/anthropic/${name}`, import.meta.url), 'utf8');

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const built = await buildTestApp(t, { UPSTREAM_BASE: `${mock.url}/api/anthropic`, ...env });
  const base = await listen(built.app);
  const client = new Anthropic({ baseURL: base, apiKey: 'sk-client-key', maxRetries: 0 });
  return { mock, base, client, ...built };
}

t.test('non-streaming: body, status and relied-on headers come back unchanged', async (t) => {
  const { mock, client, base } = await setup(t);
  const upstreamAnswer = anthropicMessage({ id: 'msg_pass_1', text: 'Hi there', usage: { input_tokens: 5, output_tokens: 2 } });
  mock.enqueue({ kind: 'json', body: upstreamAnswer, headers: { 'request-id': 'req_up_1', 'anthropic-ratelimit-requests-remaining': '42', 'x-internal': 'no' } });
  const { data, response } = await client.messages
    .create({ model: 'glm-4.5', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] })
    .withResponse();
  t.same(data, upstreamAnswer);
  t.equal(response.headers.get('request-id'), 'req_up_1');
  t.equal(response.headers.get('anthropic-ratelimit-requests-remaining'), '42');
  t.equal(response.headers.get('x-internal'), null);
  t.equal(mock.lastRequest.path, '/api/anthropic/v1/messages');
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-client-key');
  t.match(mock.lastRequest.headers['anthropic-version'], /^\d{4}-\d{2}-\d{2}$/, "the SDK's own version is forwarded");
  t.same(mock.lastRequest.body, { model: 'glm-4.5', max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });

  // The client's bytes are forwarded as they are when the model needs no rewrite.
  const raw = '{"model":"glm-4.5",  "max_tokens":8,"messages":[{"role":"user","content":"x"}],"extra_field":{"kept":true}}';
  await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
  t.equal(mock.lastRequest.rawBody.toString(), raw);
});

t.test('streaming: the SSE body is relayed byte for byte and the SDK helpers work', async (t) => {
  const { mock, client } = await setup(t);
  const sse = fixture('anthropic-stream-text.sse');
  mock.enqueue({ kind: 'sse', chunks: [sse.slice(0, 100), sse.slice(100, 101), sse.slice(101)] });
  const stream = client.messages.stream({ model: 'glm-4.5', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
  const texts: string[] = [];
  stream.on('text', (text) => texts.push(text));
  const message = await stream.finalMessage();
  t.same(texts, ['Hello', '!']);
  t.equal(message.content[0].type === 'text' && message.content[0].text, 'Hello!');
  t.equal(message.stop_reason, 'end_turn');
  t.equal(mock.lastRequest.body.stream, true);

  mock.enqueue({ kind: 'sse', chunks: [sse] });
  const res = await fetch(`${client.baseURL}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'glm-4.5', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  t.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  t.equal(res.headers.get('cache-control'), 'no-cache');
  t.equal(await res.text(), sse, 'byte for byte');
});

t.test('the first event reaches the client before the upstream has finished', async (t) => {
  const { mock, base } = await setup(t);
  const events = textStreamEvents(['a', 'b']);
  mock.enqueue({ kind: 'sse', events, delayMs: 300 });
  const started = Date.now();
  const res = await fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'glm-4.5', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  const elapsed = Date.now() - started;
  t.match(first, /^event: message_start/);
  t.ok(elapsed < 250 * events.length / 2, `first event after ${elapsed} ms, well before the whole stream`);
  await reader.cancel();
});

t.test('model rules: mapped names rewritten, missing model chosen by image presence', async (t) => {
  const { mock, base } = await setup(t, { MODEL_MAP_JSON: '{"claude-sonnet-4-5":"glm-4.6"}', AUTOTEXT_MODEL: 'auto-text', AUTOVISION_MODEL: 'auto-vision' });
  const send = (body: unknown) => fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await send({ model: 'claude-sonnet-4-5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], keep: 1 });
  t.same(mock.lastRequest.body, { model: 'glm-4.6', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], keep: 1 });
  await send({ model: 'unmapped-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  t.equal(mock.lastRequest.body.model, 'unmapped-model');
  await send({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  t.equal(mock.lastRequest.body.model, 'auto-text');
  const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
  await send({ max_tokens: 5, messages: [{ role: 'user', content: [image, { type: 'text', text: 'what is it' }] }] });
  t.equal(mock.lastRequest.body.model, 'auto-vision');
  await send({ max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [image] }] }] });
  t.equal(mock.lastRequest.body.model, 'auto-vision', 'an image inside a tool result counts');
});

t.test('key rules end to end: Bearer becomes x-api-key; server key when the client has none; none at all still goes upstream', async (t) => {
  const { mock, base } = await setup(t, { SERVER_API_KEY: 'sk-server-key' });
  const send = (headers: Record<string, string>) =>
    fetch(`${base}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"model":"m","max_tokens":1,"messages":[]}' });
  await send({ authorization: 'Bearer sk-bearer' });
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-bearer');
  t.equal(mock.lastRequest.headers.authorization, undefined);
  t.equal(mock.lastRequest.url, '/api/anthropic/v1/messages?beta=true', 'query string kept');
  await send({});
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-server-key');

  const bare = await setup(t);
  bare.mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', 'x-api-key header is required') });
  const res = await fetch(`${bare.base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m","max_tokens":1,"messages":[]}' });
  t.equal(res.status, 401);
  t.equal(((await res.json()) as { error: { type: string } }).error.type, 'authentication_error');
  t.equal(bare.mock.lastRequest.headers['x-api-key'], undefined);
});

t.test('upstream error bodies are relayed as they are, with their status and retry-after', async (t) => {
  const { mock, client } = await setup(t, { MAX_RETRIES: '0' });
  const cases: Array<[number, string, new (...args: never[]) => Error]> = [
    [400, 'invalid_request_error', Anthropic.BadRequestError],
    [404, 'not_found_error', Anthropic.NotFoundError],
    [429, 'rate_limit_error', Anthropic.RateLimitError],
    [529, 'overloaded_error', Anthropic.InternalServerError],
  ];
  for (const [status, type, errorClass] of cases) {
    mock.enqueue({ kind: 'json', status, body: anthropicErrorBody(type, `upstream says ${type}`), headers: { 'retry-after': '7' } });
    const error = (await client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    t.type(error, errorClass, `${status}`);
    t.equal(error.status, status);
    t.same(error.error, anthropicErrorBody(type, `upstream says ${type}`));
    t.equal(error.headers?.get('retry-after'), '7');
  }
  // z.ai's numeric error types pass through untouched as well.
  mock.enqueue({ kind: 'json', status: 429, body: { type: 'error', error: { type: '1113', message: 'Insufficient balance' } } });
  const zai = (await client.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
  t.equal(zai.status, 429);
  t.match(zai.error, { error: { type: '1113' } });
});

t.test('network failures are 502/504 Anthropic-shaped errors naming the host, not the key', async (t) => {
  const closed = await buildTestApp(t, { UPSTREAM_BASE: 'http://127.0.0.1:9', MAX_RETRIES: '0' });
  const res = await closed.app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': 'sk-secret-123' }, payload: { model: 'm', max_tokens: 1, messages: [] } });
  t.equal(res.statusCode, 502);
  t.match(res.json(), { type: 'error', error: { type: 'api_error', message: /127\.0\.0\.1:9/ } });
  t.notMatch(res.body, /sk-secret/);

  const { mock, app } = await setup(t, { UPSTREAM_HEADERS_TIMEOUT_MS: '200', MAX_RETRIES: '0' });
  mock.enqueue({ kind: 'hang' });
  const slow = await app.inject({ method: 'POST', url: '/v1/messages', payload: { model: 'm', max_tokens: 1, messages: [] } });
  t.equal(slow.statusCode, 504);
  t.match(slow.json(), { type: 'error', error: { message: /UPSTREAM_HEADERS_TIMEOUT_MS/ } });
});

t.test('bad input is an Anthropic-shaped 400 and nothing goes upstream', async (t) => {
  const { mock, app } = await setup(t);
  // Only what the service itself reads is checked: the body is an object, `model` a string, `stream` a boolean.
  for (const [payload, field] of [['[1,2]', null], ['"text"', null], ['{"model": 5}', 'model'], ['{"model":"m","stream":"yes"}', 'stream']] as const) {
    const res = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json' }, payload });
    t.equal(res.statusCode, 400, payload);
    t.match(res.json(), { type: 'error', error: { type: 'invalid_request_error' } });
    if (field) t.match(res.json().error.message, field, `the message names ${field}`);
  }
  t.equal(mock.requests.length, 0);
});

t.test('what the service does not read goes to the upstream, whose 400 comes back unchanged', async (t) => {
  const { mock, app } = await setup(t);
  const upstreamError = anthropicErrorBody('invalid_request_error', 'messages: Input should be a valid list');
  mock.enqueue({ kind: 'json', status: 400, body: upstreamError, headers: { 'request-id': 'req_up_400' } });
  const payload = '{"model":"glm-4.5","max_tokens":8,"messages":"no"}';
  const res = await app.inject({ method: 'POST', url: '/v1/messages', headers: { 'content-type': 'application/json' }, payload });
  t.equal(mock.lastRequest.rawBody.toString(), payload, 'forwarded as sent');
  t.equal(res.statusCode, 400);
  t.same(res.json(), upstreamError);
  t.equal(res.headers['request-id'], 'req_up_400');
});
