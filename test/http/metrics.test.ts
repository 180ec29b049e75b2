// GET /metrics: Prometheus text with requests, durations, upstream latency and errors, retries, open
// streams and tokens by model taken from the upstream usage.
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicErrorBody, anthropicMessage, textStreamEvents } from '../helpers/mock-upstream.ts';
import { routedSetup } from '../helpers/routing.ts';

t.test('metrics reflect the traffic', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '1' }, { upstream: { retryBaseMs: 1, retryCapMs: 2 } });
  const base = await listen(app);
  const post = (payload: unknown) => fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  const body = { model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };

  mock.enqueue({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 } }) });
  await (await post(body)).text();
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a', 'b'], { usage: { input_tokens: 20, output_tokens: 1 } }) });
  await (await post({ ...body, model: 'glm-4.6', stream: true })).text();
  mock.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'x') }, { kind: 'json', body: anthropicMessage({ usage: null }) });
  await (await post(body)).text();
  await fetch(`${base}/v1/models`);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['x'], { usage: { input_tokens: 7, output_tokens: 1 } }) });
  await (await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'glm-chat', stream: true, messages: [{ role: 'user', content: 'x' }] }) })).text();
  mock.enqueue({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 9, output_tokens: 3 } }) });
  await (await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'glm-plain', messages: [{ role: 'user', content: 'x' }] }) })).text();

  const res = await fetch(`${base}/metrics`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain/);
  const text = await res.text();
  t.match(text, /proxy_http_requests_total\{route="\/v1\/messages",method="POST",status="200"\} 3/);
  t.match(text, /proxy_http_requests_total\{route="\/v1\/models",method="GET",status="200"\} 1/);
  t.match(text, /proxy_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/messages",method="POST"\} 3/);
  t.match(text, /proxy_upstream_request_duration_seconds_count\{status="529"\} 1/);
  t.match(text, /proxy_upstream_retries_total\{reason="status_529"\} 1/);
  t.match(text, /proxy_tokens_total\{model="glm-4.5",kind="input"\} 11/);
  t.match(text, /proxy_tokens_total\{model="glm-4.5",kind="output"\} 4/);
  t.match(text, /proxy_tokens_total\{model="glm-4.5",kind="cache_read"\} 3/);
  t.match(text, /proxy_tokens_total\{model="glm-4.5",kind="cache_write"\} 2/);
  t.match(text, /proxy_tokens_total\{model="glm-4.6",kind="input"\} 20/);
  t.match(text, /proxy_tokens_total\{model="glm-4.6",kind="output"\} 2/, 'stream output from message_delta');
  t.match(text, /proxy_tokens_total\{model="glm-chat",kind="input"\} 7/, 'translated stream usage');
  t.match(text, /proxy_tokens_total\{model="glm-plain",kind="output"\} 3/, 'translated answer usage');
  t.match(text, /proxy_http_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200"\} 2/);
  t.match(text, /proxy_prompt_cache_hit_ratio\{model="glm-4.5"\} 0.1875\n/, 'cache reads over input, reads and writes included: 3 / (11 + 3 + 2)');
  t.match(text, /proxy_prompt_cache_hit_ratio\{model="glm-4.6"\} 0\n/);
  t.match(text, /proxy_upstream_input_tokens_total\{model="glm-4.5",upstream="default",kind="uncached"\} 11\n/);
  t.match(text, /proxy_upstream_input_tokens_total\{model="glm-4.5",upstream="default",kind="cache_read"\} 3\n/);
  t.match(text, /proxy_upstream_input_tokens_total\{model="glm-4.5",upstream="default",kind="cache_write"\} 2\n/);
  t.match(text, /proxy_upstream_prompt_cache_hit_ratio\{model="glm-4.5",upstream="default"\} 0.1875\n/);
  const accessLines = logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request completed' && line.upstream_status === 200);
  t.match(accessLines[0], { model: 'glm-4.5', cache_read_tokens: 3, cache_write_tokens: 2 }, 'the access line carries the cache reads and writes');
  t.match(accessLines[1], { model: 'glm-4.6', stream: true, cache_read_tokens: 0, cache_write_tokens: 0 });
  t.match(text, /proxy_open_streams 0/);
  t.match(text, /proxy_process_resident_memory_bytes \d+/);

  await mock.close();
  await (await post(body)).text();
  t.match(await (await fetch(`${base}/metrics`)).text(), /proxy_upstream_errors_total\{type="upstream_unreachable"\} \d/);
});

t.test('each app has its own registry', async (t) => {
  const one = await buildTestApp(t);
  const two = await buildTestApp(t);
  await one.app.inject({ method: 'GET', url: '/v1/models' });
  const text = (await two.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.notMatch(text, /route="\/v1\/models"/);
});

t.test('failures during an answer count as upstream errors too: a stream broken off, one that idles out', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, STREAM_IDLE_TIMEOUT_MS: '150' });
  const base = await listen(app);
  const stream = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: JSON.stringify(body) }).then((r) => r.text());
  const events = textStreamEvents(['a', 'b']).slice(0, 3);
  mock.enqueue({ kind: 'sse', events, after: 'destroy' });
  await stream('/v1/messages', { model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] });
  mock.enqueue({ kind: 'sse', events, after: 'hang' });
  await stream('/v1/chat/completions', { model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] });
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(text, /proxy_upstream_errors_total\{type="upstream_broken"\} 1/);
  t.match(text, /proxy_upstream_errors_total\{type="upstream_idle_timeout"\} 1/);
});

t.test('cache tokens and the hit ratio per model and upstream: one model served by two upstreams', async (t) => {
  const { base, mocks } = await routedSetup(t, { one: {}, two: {} }, { m: [['one', 'm-one'], ['two', 'm-two']] });
  const ask = () => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }) }).then((answer) => answer.text());
  mocks.one!.enqueue({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 10, output_tokens: 1, cache_read_input_tokens: 30, cache_creation_input_tokens: 0 } }) });
  await ask();
  mocks.one!.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'x') });
  mocks.two!.enqueue({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 15, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 25 } }) });
  await ask();
  const text = await (await fetch(`${base}/metrics`)).text();
  t.match(text, /proxy_upstream_input_tokens_total\{model="m",upstream="one",kind="uncached"\} 10\n/);
  t.match(text, /proxy_upstream_input_tokens_total\{model="m",upstream="one",kind="cache_read"\} 30\n/);
  t.match(text, /proxy_upstream_input_tokens_total\{model="m",upstream="two",kind="uncached"\} 15\n/);
  t.match(text, /proxy_upstream_input_tokens_total\{model="m",upstream="two",kind="cache_write"\} 25\n/);
  t.notMatch(text, /proxy_upstream_input_tokens_total\{model="m",upstream="two",kind="cache_read"\}/, 'no reads on two');
  t.match(text, /proxy_upstream_prompt_cache_hit_ratio\{model="m",upstream="one"\} 0.75\n/);
  t.match(text, /proxy_upstream_prompt_cache_hit_ratio\{model="m",upstream="two"\} 0\n/);
  t.match(text, /proxy_prompt_cache_hit_ratio\{model="m"\} 0.375\n/, 'the per-model ratio over both: 30 / 80');
  t.match(text, /proxy_tokens_total\{model="m",kind="cache_read"\} 30\n/);
});
