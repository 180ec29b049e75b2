// Retries: connection failures and 429/503/529 are retried before any byte reached the client, honouring
// retry-after, at most MAX_RETRIES times; the final failure reaches the client as the upstream said it.
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicErrorBody, anthropicMessage, textStreamEvents } from '../helpers/mock-upstream.ts';

const fast = { retryBaseMs: 5, retryCapMs: 20 };
const body = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] };

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}, retries: Array<{ reason: string; delayMs: number }> = []) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const built = await buildTestApp(t, { UPSTREAM_BASE: mock.url, ...env }, { upstream: { ...fast, observer: { retry: (info) => void retries.push(info) } } });
  return { mock, retries, ...built };
}

t.test('429, 503 and 529 are retried, then the answer is relayed', async (t) => {
  const retries: Array<{ reason: string; delayMs: number }> = [];
  const { mock, app } = await setup(t, { MAX_RETRIES: '3' }, retries);
  mock.enqueue(
    { kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'slow down') },
    { kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') },
    { kind: 'json', status: 503, body: anthropicErrorBody('api_error', 'unavailable') },
    { kind: 'json', body: anthropicMessage({ text: 'finally' }) },
  );
  const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: body });
  t.equal(res.statusCode, 200);
  t.equal(res.json().content[0].text, 'finally');
  t.equal(mock.requests.length, 4);
  t.same(retries.map((r) => r.reason), ['status_429', 'status_529', 'status_503']);
});

t.test('retry-after is honoured; one too long to wait for is relayed at once', async (t) => {
  const retries: Array<{ reason: string; delayMs: number }> = [];
  const { mock, app } = await setup(t, { MAX_RETRIES: '2' }, retries);
  mock.enqueue(
    { kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'wait'), headers: { 'retry-after': '0.2' } },
    { kind: 'json', body: anthropicMessage() },
  );
  const started = Date.now();
  t.equal((await app.inject({ method: 'POST', url: '/v1/messages', payload: body })).statusCode, 200);
  t.ok(Date.now() - started >= 190, 'waited for retry-after');
  t.equal(retries[0].delayMs, 200);

  mock.enqueue({ kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'come back in an hour'), headers: { 'retry-after': '3600' } });
  const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: body });
  t.equal(res.statusCode, 429);
  t.equal(res.headers['retry-after'], '3600');
  t.equal(mock.requests.length, 3, 'no retry');
});

t.test('at most MAX_RETRIES retries; the final failure carries the upstream status and message', async (t) => {
  const { mock, app } = await setup(t, { MAX_RETRIES: '2' });
  mock.setHandler(() => ({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded right now') }));
  const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: body });
  t.equal(res.statusCode, 529);
  t.same(res.json(), anthropicErrorBody('overloaded_error', 'Overloaded right now'));
  t.equal(mock.requests.length, 3);
});

t.test('connection failures are retried; other statuses (400, 500) are not', async (t) => {
  const { mock, app } = await setup(t, { MAX_RETRIES: '2' });
  mock.enqueue({ kind: 'destroy' }, { kind: 'json', body: anthropicMessage({ text: 'after reconnect' }) });
  const res = await app.inject({ method: 'POST', url: '/v1/messages', payload: body });
  t.equal(res.statusCode, 200);
  t.equal(mock.requests.length, 2);

  for (const status of [400, 500]) {
    const before = mock.requests.length;
    mock.enqueue({ kind: 'json', status, body: anthropicErrorBody('api_error', 'no') });
    t.equal((await app.inject({ method: 'POST', url: '/v1/messages', payload: body })).statusCode, status);
    t.equal(mock.requests.length, before + 1, `${status} not retried`);
  }
});

t.test('never after streaming began: a stream that breaks is not retried', async (t) => {
  const { mock, app } = await setup(t, { MAX_RETRIES: '2' });
  const base = await listen(app);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a']).slice(0, 3), after: 'destroy' });
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true }) });
  t.match(await res.text(), /event: error/);
  t.equal(mock.requests.length, 1);
});
