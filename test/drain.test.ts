// Graceful drain of the real process: on SIGTERM open streams finish, new requests are refused, /readyz is
// 503, and the process exits 0 within SHUTDOWN_TIMEOUT_MS; streams still open then are cut with an error event.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { MockUpstream, textStreamEvents } from './helpers/mock-upstream.ts';
import { freePort, startService, waitUntilUp } from './helpers/process.ts';

const streamBody = JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] });

async function startProxy(t: { teardown(fn: () => unknown): void }, mockUrl: string, shutdownMs: number) {
  const port = await freePort();
  const service = startService({ PORT: String(port), UPSTREAM_BASE: mockUrl, SHUTDOWN_TIMEOUT_MS: String(shutdownMs), LOG_DIR: '' }, mkdtempSync(join(tmpdir(), 'proxy-drain-')));
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);
  return { service, base };
}

async function readAll(res: Response): Promise<string> {
  return await res.text();
}

t.test('SIGTERM: open streams finish, new requests refused, readyz 503, exit 0', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { service, base } = await startProxy(t, mock.url, 5000);
  const parts = Array.from({ length: 12 }, (_, i) => `part${i} `);
  mock.setHandler(() => ({ kind: 'sse', events: textStreamEvents(parts), delayMs: 60 }));
  const streams = await Promise.all([1, 2].map(() => fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamBody })));
  const bodies = streams.map(readAll);
  await mock.waitForRequests(2);

  const signalled = Date.now();
  service.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 150));
  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 503, 'readyz is 503 while draining');
  const refused = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamBody });
  t.equal(refused.status, 503, 'new requests are refused');
  t.match(await refused.json(), { type: 'error', error: { message: /shutting down/ } });
  t.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness still answers');

  for (const text of await Promise.all(bodies)) {
    t.match(text, /event: message_stop/, 'the stream finished');
    t.notMatch(text, /event: error/);
    t.match(text, /part11/);
  }
  const { code } = await service.exited;
  t.equal(code, 0);
  t.ok(Date.now() - signalled < 5000, `exited within SHUTDOWN_TIMEOUT_MS (${Date.now() - signalled} ms)`);
  t.equal(mock.requests.length, 2, 'the refused request never went upstream');
});

t.test('streams still open at SHUTDOWN_TIMEOUT_MS are cut with an error event; exit 0', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { service, base } = await startProxy(t, mock.url, 400);
  mock.setHandler(() => ({ kind: 'sse', events: textStreamEvents(['a']).slice(0, 3), after: 'hang' }));
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamBody });
  const body = readAll(res);
  await mock.waitForRequests(1);
  const signalled = Date.now();
  service.child.kill('SIGTERM');
  t.match(await body, /event: error\ndata: .*The proxy is shutting down/);
  const { code } = await service.exited;
  t.equal(code, 0);
  t.ok(Date.now() - signalled < 3000, `exited promptly (${Date.now() - signalled} ms)`);
  await mock.requests[0].done;
  t.equal(mock.requests[0].aborted, true, 'the upstream request was aborted');
});
