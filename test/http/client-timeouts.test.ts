// Slow clients are cut off, on real sockets: headers trickled one byte at a time, a body trickled, a chunk
// size no body will ever fill, a connection that sends nothing. Each gets a 408 in its route's shape (or,
// having sent nothing, a closed connection) within the configured time plus Node's one-second check,
// while an answer that streams for longer than CLIENT_REQUEST_TIMEOUT_MS is never cut. Beyond
// MAX_CONNECTIONS new connections are closed on arrival, and counted. (Before: none of them was ever closed.)
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, textStreamEvents } from '../helpers/mock-upstream.ts';
import { rawExchange } from '../helpers/raw-http.ts';

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, CLIENT_HEADERS_TIMEOUT_MS: '1000', CLIENT_REQUEST_TIMEOUT_MS: '2000', ...env });
  const base = await listen(app);
  return { mock, logs, base, port: Number(new URL(base).port) };
}

// Node checks its timeouts once a second: a cut comes at most that much after the configured time.
const CHECK_SLACK_MS = 1000 + 700;

t.test('slow clients get a 408 in their route shape in time, while a longer streamed answer is not cut', async (t) => {
  const { mock, port, base, logs } = await setup(t, {});
  const parts = Array.from({ length: 13 }, (_, i) => `part${i} `);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(parts), delayMs: 250 });
  // All at once: each runs into its own timeout.
  const streamed = (async () => {
    const started = Date.now();
    const response = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] }) });
    return { text: await response.text(), ms: Date.now() - started };
  })();
  const [slowHeaders, slowBody, hugeChunk, silent, stream] = await Promise.all([
    rawExchange(port, { send: 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n', trickle: 'Content-Type: application/json\r\n'.repeat(20), trickleMs: 100 }),
    rawExchange(port, {
      send: 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n',
      trickle: '{"model":"m"'.padEnd(1000, ' '),
      trickleMs: 100,
    }),
    rawExchange(port, { send: 'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n{"model":' }),
    rawExchange(port, {}),
    streamed,
  ]);

  t.equal(slowHeaders.status, 408, 'headers trickled one byte at a time');
  t.ok(slowHeaders.closedAfterMs >= 1000 && slowHeaders.closedAfterMs < 1000 + CHECK_SLACK_MS, `closed after ${slowHeaders.closedAfterMs} ms`);
  t.same(JSON.parse(slowHeaders.body), {
    error: { message: 'The request did not arrive in time: the proxy waits for its headers within CLIENT_HEADERS_TIMEOUT_MS (1000 ms)', type: 'invalid_request_error', param: null, code: 'request_timeout' },
  });
  t.match(slowHeaders.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.equal(slowHeaders.headers.connection, 'close');
  t.match(logs.join(''), new RegExp(`"reqId":"${slowHeaders.headers['x-request-id']}".*"status":408.*request refused before routing`));

  t.equal(slowBody.status, 408, 'a body trickled one byte at a time');
  t.ok(slowBody.closedAfterMs >= 2000 && slowBody.closedAfterMs < 2000 + CHECK_SLACK_MS, `closed after ${slowBody.closedAfterMs} ms`);
  t.match(JSON.parse(slowBody.body), { type: 'error', error: { type: 'invalid_request_error', message: /the whole request within CLIENT_REQUEST_TIMEOUT_MS \(2000 ms\)/ } });

  t.equal(hugeChunk.status, 408, 'a chunk size of ffffffffffffffff');
  t.ok(hugeChunk.closedAfterMs < 2000 + CHECK_SLACK_MS, `closed after ${hugeChunk.closedAfterMs} ms`);
  t.match(JSON.parse(hugeChunk.body), { type: 'error' });

  t.ok(silent.closedAfterMs >= 1000 && silent.closedAfterMs < 1000 + CHECK_SLACK_MS, `a connection that sends nothing is closed after ${silent.closedAfterMs} ms`);

  t.ok(stream.ms > 3000, `the streamed answer took ${stream.ms} ms, longer than CLIENT_REQUEST_TIMEOUT_MS`);
  t.match(stream.text, /part12/);
  t.match(stream.text, /event: message_stop/);
  t.notMatch(stream.text, /event: error/);
  t.equal(mock.requests.length, 1, 'only the streamed request reached the upstream');
});

t.test('beyond MAX_CONNECTIONS new connections are closed on arrival and counted; the service goes on', async (t) => {
  const { base, port } = await setup(t, { MAX_CONNECTIONS: '3', CLIENT_HEADERS_TIMEOUT_MS: '20000', CLIENT_REQUEST_TIMEOUT_MS: '20000' });
  // Three connections held open, their headers never finished.
  const held = await Promise.all([1, 2, 3].map(() => new Promise<Socket>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  })));
  t.teardown(() => held.forEach((socket) => socket.destroy()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const refused = await rawExchange(port, { send: 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', timeoutMs: 3000 });
  t.equal(refused.status, null, 'the fourth connection gets no answer');
  t.ok(refused.closedAfterMs < 1000, `and is closed at once (${refused.closedAfterMs} ms)`);
  held.pop()!.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const metrics = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
  t.match(metrics, /^proxy_connections_dropped_total 1$/m, 'counted');
});
