// CORS is off unless CORS_ORIGINS names origins; the upstream concurrency bound answers 503 + retry-after.
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicMessage } from '../helpers/mock-upstream.ts';

t.test('CORS off by default, on for the configured origins', async (t) => {
  const off = await buildTestApp(t);
  const plain = await off.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'http://localhost:3000' } });
  t.equal(plain.headers['access-control-allow-origin'], undefined);

  const on = await buildTestApp(t, { CORS_ORIGINS: 'http://localhost:3000, https://app.example.test' });
  const allowed = await on.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'http://localhost:3000' } });
  t.equal(allowed.headers['access-control-allow-origin'], 'http://localhost:3000');
  const preflight = await on.app.inject({
    method: 'OPTIONS',
    url: '/v1/chat/completions',
    headers: { origin: 'https://app.example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example.test');
  const other = await on.app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'https://evil.example.test' } });
  t.equal(other.headers['access-control-allow-origin'], undefined);
});

t.test('MAX_CONCURRENT_UPSTREAM bounds requests in flight; over it a 503 with retry-after; slots come back', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_CONCURRENT_UPSTREAM: '2', MAX_RETRIES: '0' });
  const base = await listen(app);
  const post = () => fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m","max_tokens":1,"messages":[]}' });
  mock.enqueue({ kind: 'json', body: anthropicMessage(), delayMs: 300 }, { kind: 'json', body: anthropicMessage(), delayMs: 300 });
  const slow = [post(), post()];
  await mock.waitForRequests(2);
  const rejected = await post();
  t.equal(rejected.status, 503);
  t.equal(rejected.headers.get('retry-after'), '1');
  t.match(await rejected.json(), { type: 'error', error: { type: 'overloaded_error', message: /MAX_CONCURRENT_UPSTREAM/ } });
  for (const res of await Promise.all(slow)) t.equal(res.status, 200);
  t.equal(app.upstreams.inFlight, 0, 'slots released');
  t.equal((await post()).status, 200);
});
