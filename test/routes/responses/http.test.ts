// POST /v1/responses and the state routes over real sockets against the mock upstream: the event stream on the
// wire, errors before and after the first byte, the drain's cut, a client hanging up, validation, the store
// settings, input items paging, input token estimates and metrics by route.
import t from 'tap';
import { cutOpenStreams } from '../../../src/http/lifecycle.ts';
import { buildTestApp, listen } from '../../helpers/app.ts';
import { lazyTokenizer } from '../../../src/count/tokenizer.ts';
import { anthropicErrorBody, anthropicMessage, MockUpstream, textStreamEvents } from '../../helpers/mock-upstream.ts';
import { parseResponsesSse } from '../../helpers/responses-fixtures.ts';
import { postSse } from '../../helpers/sse-client.ts';

async function setup(t: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  const base = await listen(app);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-a', ...headers }, body: JSON.stringify(body) });
  const get = (path: string, key = 'sk-a', method = 'GET') => fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
  return { app, mock, base, post, get, logs };
}

t.test('a streamed response on the wire: event/data pairs, headers, and the request sent upstream', async (t) => {
  const { mock, post } = await setup(t);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['Hel', 'lo']) });
  const res = await post('/v1/responses', { model: 'glm-4.5', input: 'Hi', stream: true, max_output_tokens: 50, temperature: 0.3, metadata: { tag: 'x' } });
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/event-stream/);
  t.equal(res.headers.get('cache-control'), 'no-cache');
  const events = parseResponsesSse(await res.text());
  t.same(events.map((event) => event.type), [
    'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
    'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
    'response.output_item.done', 'response.completed',
  ]);
  const done = events.at(-1).response;
  t.match(done, { status: 'completed', max_output_tokens: 50, temperature: 0.3, metadata: { tag: 'x' }, output: [{ type: 'message', content: [{ text: 'Hello' }] }] });
  t.strictSame(mock.lastRequest.body, { model: 'glm-4.5', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], temperature: 0.3, stream: true });
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-a', 'the client key goes upstream as for chat');
});

t.test('upstream errors before the first byte are HTTP errors in OpenAI shape, streamed or not', async (t) => {
  const { mock, post } = await setup(t);
  for (const stream of [false, true]) {
    mock.enqueue({ kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'Slow down'), headers: { 'retry-after': '7' } });
    const limited = await post('/v1/responses', { input: 'x', stream });
    t.equal(limited.status, 429, `stream: ${stream}`);
    t.equal(limited.headers.get('retry-after'), '7');
    t.strictSame(await limited.json(), { error: { message: 'Slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    mock.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') });
    const overloaded = await post('/v1/responses', { input: 'x', stream });
    t.equal(overloaded.status, 503);
    t.match(await overloaded.json(), { error: { type: 'server_error', code: 'overloaded' } });
  }
  mock.enqueue({ kind: 'json', status: 200, body: anthropicErrorBody('invalid_request_error', 'Bad in a 200') });
  const enveloped = await post('/v1/responses', { input: 'x' });
  t.equal(enveloped.status, 400, 'an error envelope in a 200 body');
});

t.test('after the first byte: an upstream error event, an early close and a drain end with response.failed', async (t) => {
  const { app, mock, post, base } = await setup(t);
  mock.enqueue({ kind: 'sse', events: [...textStreamEvents(['partial']).slice(0, 4), { data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }] });
  const failed = parseResponsesSse(await (await post('/v1/responses', { input: 'x', stream: true })).text());
  t.match(failed.at(-1), { type: 'response.failed', response: { status: 'failed', error: { code: 'server_error', message: 'Overloaded' } } }, "the message chat clients get, under OpenAI's ResponseError code");

  mock.enqueue({ kind: 'sse', events: textStreamEvents(['cut']).slice(0, 4), after: 'destroy' });
  const broken = parseResponsesSse(await (await post('/v1/responses', { input: 'x', stream: true })).text());
  t.equal(broken.at(-1).type, 'response.failed');
  t.match(broken.at(-1).response.error, { code: 'server_error', message: /\w/ });

  mock.enqueue({ kind: 'sse', events: textStreamEvents(['one', 'two']).slice(0, 4), after: 'hang' });
  const client = await postSse(`${base}/v1/responses`, { input: 'x', stream: true });
  await client.waitFor((text) => text.includes('response.output_text.delta'));
  t.equal(cutOpenStreams(app.lifecycle, 'The proxy is shutting down'), 1);
  const events = parseResponsesSse(await client.readAll());
  t.match(events.at(-1), { type: 'response.failed', response: { error: { code: 'server_error', message: 'The proxy is shutting down' } } });
  t.same(events.map((event) => event.sequence_number), events.map((_, i) => i), 'sequence numbers stay whole up to the cut');
});

t.test('a client that hangs up mid-stream aborts the upstream request', async (t) => {
  const { mock, base } = await setup(t);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a', 'b', 'c']).slice(0, 4), after: 'hang' });
  const client = await postSse(`${base}/v1/responses`, { input: 'x', stream: true });
  await client.waitFor((text) => text.includes('response.output_text.delta'));
  client.destroy();
  await mock.lastRequest.done;
  t.ok(mock.lastRequest.aborted, 'the upstream saw the request go away');
});

t.test('validation: a 400 naming the field, nothing sent upstream; unknown fields ignored', async (t) => {
  const { mock, post } = await setup(t);
  const cases: Array<[unknown, string | null]> = [
    [{ input: 5 }, 'input'],
    [{ input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    [{ input: 'x', background: true }, 'background'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] }, 'input[0].content[0].file_id'],
    [{ input: 'x', tools: [{ type: 'function', name: 'bad name!' }] }, 'tools[0].name'],
    [{ input: 'x', reasoning: { effort: 'extreme' } }, 'reasoning.effort'],
  ];
  for (const [body, param] of cases) {
    const res = await post('/v1/responses', body);
    t.equal(res.status, 400, JSON.stringify(body));
    t.match(await res.json(), { error: { type: 'invalid_request_error', param } });
  }
  t.equal(mock.requests.length, 0);
  const ok = await post('/v1/responses', { input: 'x', seed: 1, prompt_cache_key: 'k', service_tier: 'auto', include: ['reasoning.encrypted_content'], truncation: 'auto', text: { verbosity: 'low' }, brand_new_field: { a: 1 } });
  t.equal(ok.status, 200);
  t.match(await ok.json(), { prompt_cache_key: 'k', service_tier: 'auto', truncation: 'auto', text: { verbosity: 'low' } });
});

t.test('state routes: unknown ids, input items paging, and a store of size 0 keeping nothing', async (t) => {
  const { post, get } = await setup(t);
  const missing = await get('/v1/responses/resp_nope');
  t.equal(missing.status, 404);
  t.strictSame(await missing.json(), { error: { message: "No response found with id 'resp_nope'.", type: 'invalid_request_error', param: null, code: 'response_not_found' } });
  t.equal((await get('/v1/responses/resp_nope', 'sk-a', 'DELETE')).status, 404);

  const created: any = await (await post('/v1/responses', { input: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: 'c' }] })).json();
  const page: any = await (await get(`/v1/responses/${created.id}/input_items?limit=2`)).json();
  t.same(page.data.map((item: any) => item.content[0].text), ['c', 'b'], 'newest first by default');
  t.equal(page.has_more, true);
  const next: any = await (await get(`/v1/responses/${created.id}/input_items?limit=2&after=${page.last_id}`)).json();
  t.same(next.data.map((item: any) => item.content[0].text), ['a']);
  t.strictSame([next.has_more, next.first_id, next.last_id], [false, next.data[0].id, next.data[0].id]);
  t.equal((await get(`/v1/responses/${created.id}/input_items`, 'sk-b')).status, 404, 'another key');
  t.equal((await get(`/v1/responses/${created.id}/input_items?limit=500`)).status, 400);

  const none = await setup(t, { RESPONSES_STORE_MAX_MB: '0' });
  const unkept: any = await (await none.post('/v1/responses', { input: 'x' })).json();
  t.equal((await none.get(`/v1/responses/${unkept.id}`)).status, 404, 'RESPONSES_STORE_MAX_MB=0 keeps nothing');
});

t.test('input_tokens: the local estimate when FORWARD_COUNT_TO_UPSTREAM=false, and when the upstream has no endpoint', async (t) => {
  const local = await setup(t, { FORWARD_COUNT_TO_UPSTREAM: 'false' });
  const res = await local.post('/v1/responses/input_tokens', { input: 'Hello there', instructions: 'Be brief.' });
  t.equal(res.status, 200);
  t.equal(res.headers.get('x-proxy-token-estimate'), 'true');
  const body: any = await res.json();
  t.equal(body.object, 'response.input_tokens');
  t.ok(body.input_tokens > 3 && body.input_tokens < 30, `a plausible estimate (${body.input_tokens})`);
  t.equal(local.mock.requests.length, 0);

  const remote = await setup(t);
  remote.mock.enqueue({ kind: 'json', status: 404, body: anthropicErrorBody('not_found_error', 'no such endpoint') });
  const fallback = await remote.post('/v1/responses/input_tokens', { input: 'Hello there' });
  t.equal(fallback.headers.get('x-proxy-token-estimate'), 'true');
  remote.mock.enqueue({ kind: 'json', status: 401, body: anthropicErrorBody('authentication_error', 'bad key') });
  const denied = await remote.post('/v1/responses/input_tokens', { input: 'Hello there' });
  t.equal(denied.status, 401, 'an answer about the request itself reaches the client');
});

t.test('metrics count the routes apart, and the upstream usage by model', async (t) => {
  const { mock, post, get, base } = await setup(t);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['x'], { model: 'glm-stream' }) });
  await (await post('/v1/responses', { input: 'x', stream: true })).text();
  await (await post('/v1/responses', { model: 'glm-whole', input: 'x' })).text();
  await (await get('/v1/responses/resp_unknown')).text();
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /proxy_http_requests_total\{route="\/v1\/responses",method="POST",status="200"\} 2/);
  t.match(metrics, /proxy_http_requests_total\{route="\/v1\/responses\/:id",method="GET",status="404"\} 1/);
  t.match(metrics, /proxy_tokens_total\{model="glm-4.5",kind="input"\}/);
  t.match(metrics, /proxy_tokens_total\{model="glm-whole",kind="output"\}/);
});

t.test('thinking without the upstream counting it: reasoning_tokens is the local tokenizer count of its text, whole and streamed', async (t) => {
  const countTokens = await lazyTokenizer()();
  const thinking = 'The user greets me; a greeting back is enough.';
  const { mock, post } = await setup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ content: [{ type: 'thinking', thinking, signature: 'sig' }, { type: 'text', text: 'Hi' }], usage: { input_tokens: 10, output_tokens: 40 } }) });
  const whole = (await (await post('/v1/responses', { model: 'glm-4.5', input: 'Hi' })).json()) as any;
  t.ok(countTokens(thinking) > 0);
  t.equal(whole.usage.output_tokens_details.reasoning_tokens, countTokens(thinking), 'whole');
  mock.enqueue({
    kind: 'sse',
    events: [
      { data: { type: 'message_start', message: { ...anthropicMessage({ content: [], stop_reason: null }), usage: { input_tokens: 10, output_tokens: 1 } } } },
      { data: { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } } },
      { data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking } } },
      { data: { type: 'content_block_stop', index: 0 } },
      { data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 40 } } },
      { data: { type: 'message_stop' } },
    ],
  });
  const events = parseResponsesSse(await (await post('/v1/responses', { model: 'glm-4.5', input: 'Hi', stream: true })).text());
  t.equal(events.at(-1).response.usage.output_tokens_details.reasoning_tokens, countTokens(thinking), 'streamed');
});
