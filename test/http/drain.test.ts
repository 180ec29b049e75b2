// Graceful drain of the real process: on SIGTERM open streams finish, new requests are refused, /readyz is
// 503, and the process exits 0 within SHUTDOWN_TIMEOUT_MS; streams still open then are cut with an error event.
// Idle keep-alive connections are closed as the drain starts.
import { mkdtempSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { MockUpstream, textStreamEvents } from '../helpers/mock-upstream.ts';
import { freePort, startService, waitUntilUp } from '../helpers/process.ts';

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

t.test('SIGTERM (twice): open streams finish, new requests refused, readyz 503, exit 0', async (t) => {
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
  service.child.kill('SIGTERM'); // a second SIGTERM must not cut the drain short

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
  t.ok(Date.now() - signalled < 400 + 500, `exited within SHUTDOWN_TIMEOUT_MS, plus process start-up slack (${Date.now() - signalled} ms)`);
  await mock.requests[0].done;
  t.equal(mock.requests[0].aborted, true, 'the upstream request was aborted');
});

t.test('SIGINT: requests still waiting on the upstream at SHUTDOWN_TIMEOUT_MS get a 503 in their own shape; exit 0 in time', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const shutdownMs = 600;
  const { service, base } = await startProxy(t, mock.url, shutdownMs);
  mock.setHandler(() => ({ kind: 'hang' }));
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const chat = post('/v1/chat/completions', { model: 'glm-4.5', messages: [{ role: 'user', content: 'x' }] }, { authorization: 'Bearer k' });
  const messages = post('/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  await mock.waitForRequests(2);
  const signalled = Date.now();
  service.child.kill('SIGINT');
  const [chatAnswer, messagesAnswer] = await Promise.all([chat, messages]);
  t.equal(chatAnswer.status, 503);
  t.equal(chatAnswer.headers.get('retry-after'), '1');
  t.match(await chatAnswer.json(), { error: { code: 'shutting_down', message: /shutting down/ } }, 'OpenAI shape');
  t.equal(messagesAnswer.status, 503);
  t.match(await messagesAnswer.json(), { type: 'error', error: { message: /shutting down/ } }, 'Anthropic shape');
  const { code } = await service.exited;
  t.equal(code, 0);
  t.ok(Date.now() - signalled < shutdownMs + 500, `exited within SHUTDOWN_TIMEOUT_MS, plus process slack (${Date.now() - signalled} ms)`);
  for (const request of mock.requests) await request.done;
  t.ok(mock.requests.every((request) => request.aborted), 'the upstream requests were aborted');
});

t.test('idle keep-alive connections are closed when the drain starts, not at its end', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { service, base } = await startProxy(t, mock.url, 2500);
  // A stream that stays open keeps the drain going for its whole SHUTDOWN_TIMEOUT_MS.
  mock.setHandler(() => ({ kind: 'sse', events: textStreamEvents(['a']).slice(0, 3), after: 'hang' }));
  const stream = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: streamBody });
  void stream.text().catch(() => undefined);
  await mock.waitForRequests(1);
  // One idle keep-alive connection: a request answered, the socket left open for the next one.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const idle = await new Promise<Socket>((resolve, reject) => {
    const request = httpGet(`${base}/healthz`, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(request.socket!));
    });
    request.on('error', reject);
  });
  t.notOk(idle.destroyed, 'kept alive before the drain');
  const closed = new Promise<number>((resolve) => idle.once('close', () => resolve(Date.now())));
  const signalled = Date.now();
  service.child.kill('SIGTERM');
  const closedAt = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(Number.NaN), 2000))]);
  t.ok(closedAt - signalled < 1000, `closed ${closedAt - signalled} ms after SIGTERM`);
  t.equal(service.child.exitCode, null, 'while the drain still runs');
  // A probe answered during the drain does not keep its connection either.
  const probe = await fetch(`${base}/readyz`);
  t.equal(probe.status, 503);
  t.equal(probe.headers.get('connection'), 'close');
  const { code } = await service.exited;
  t.equal(code, 0);
});
