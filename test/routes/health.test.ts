import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';

t.test('GET / reports status, service, version and uptime', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/' });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.status, 'ok');
  t.equal(body.service, 'anthropic-proxy');
  t.match(body.version, /^\d+\.\d+\.\d+/);
  t.type(body.uptime_s, 'number');
});

t.test('/healthz and /readyz over a real socket; readyz is 503 once draining', async (t) => {
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: 'http://127.0.0.1:9' });
  const base = await listen(app);
  const live = await fetch(`${base}/healthz`);
  t.equal(live.status, 200);
  t.same(await live.json(), { status: 'ok' });
  t.equal((await fetch(`${base}/readyz`)).status, 200);
  app.lifecycle.draining = true;
  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 503);
  t.same(await ready.json(), { status: 'draining' });
});

t.test('x-request-id is honoured when safe, generated otherwise, and echoed', async (t) => {
  const { app } = await buildTestApp(t);
  const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
  t.equal(given.headers['x-request-id'], 'abc-123');
  const unsafe = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id with spaces' } });
  t.match(unsafe.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const none = await app.inject({ method: 'GET', url: '/healthz' });
  t.match(none.headers['x-request-id'], /^[0-9a-f-]{36}$/);
});
