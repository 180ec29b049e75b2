// Whole (non-streaming) answers, read by the collecting dispatch handler (src/upstream/whole-answer.ts),
// against a real loopback upstream that misbehaves on purpose: a body over BODY_LIMIT_BYTES (declared or
// chunked, plain or compressed), a connection closed mid-body, the total and idle timeouts mid-body, the
// client going away before and during the answer, and error answers whose bodies the routes need whole.
// Every case also checks that the request's slot is released (inFlight back to 0).
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import t from 'tap';
import { ClientGoneError, ProxyError } from '../../src/errors.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { buildTestApp, listen, targetOf } from '../helpers/app.ts';
import { MockUpstream, anthropicMessage, textStreamEvents } from '../helpers/mock-upstream.ts';

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Upstream {
  url: string;
  /** Resolves when the upstream saw the n-th request's connection close (counting from 1). */
  closed(n: number): Promise<void>;
  requests: number;
}

/** A loopback upstream answering the n-th request with `answer(n, res)` once its body is read. */
async function upstream(t: Teardown, answer: (n: number, res: ServerResponse, req: IncomingMessage) => void): Promise<Upstream> {
  const closes: Array<{ promise: Promise<void>; resolve: () => void }> = [];
  const slot = (n: number) => {
    while (closes.length < n) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      closes.push({ promise, resolve });
    }
    return closes[n - 1]!;
  };
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    const n = ++state.requests;
    res.once('close', () => slot(n).resolve());
    req.resume();
    req.on('end', () => answer(n, res, req));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    closed: (n) => slot(n).promise,
    get requests() {
      return state.requests;
    },
  };
}

function client(t: Teardown, url: string, env: Record<string, string> = {}) {
  const failures: string[] = [];
  const upstreamClient = new UpstreamClient(targetOf({ UPSTREAM_BASE: url, MAX_RETRIES: '0', ...env }), {
    bodyLimitBytes: env.BODY_LIMIT_BYTES === undefined ? undefined : Number(env.BODY_LIMIT_BYTES),
    retryBaseMs: 5,
    retryCapMs: 5,
    observer: { responseFailed: ({ errorType }) => void failures.push(errorType) },
  });
  t.teardown(() => upstreamClient.close());
  return { client: upstreamClient, failures };
}

const body = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
const headers = { 'content-type': 'application/json' };

/** The error a whole body's read ends with, mapped as the routes map it. */
async function readFailure(upstreamClient: UpstreamClient, read: () => Promise<unknown>, signal?: AbortSignal): Promise<ProxyError | ClientGoneError> {
  try {
    await read();
  } catch (error) {
    return upstreamClient.failureOf(error, signal, 'response');
  }
  throw new Error('the body was read without an error');
}

t.test('a whole answer: status, headers and the body, chunks joined in order; the slot is released', async (t) => {
  const text = JSON.stringify({ type: 'message', content: [{ type: 'text', text: 'y'.repeat(3000) }] });
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_1' });
    // Three writes, so that the handler joins more than one chunk.
    res.write(text.slice(0, 1000));
    setTimeout(() => {
      res.write(text.slice(1000, 2000));
      setTimeout(() => res.end(text.slice(2000)), 10);
    }, 10);
  });
  const { client: upstreamClient } = client(t, server.url);
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  t.equal(answer.statusCode, 200);
  t.equal(answer.headers['request-id'], 'req_1');
  t.equal(upstreamClient.inFlight, 1, 'the slot is held while the body arrives');
  t.equal(await answer.body.text(), text);
  t.equal(upstreamClient.inFlight, 0, 'released once the body is in');
  t.equal(await answer.body.text(), text, 'the body can be read again');
  t.same(Buffer.from(await answer.body.arrayBuffer()), Buffer.from(text));
});

t.test('a body over BODY_LIMIT_BYTES is refused with a 502, declared or chunked, and the connection dropped', async (t) => {
  for (const declared of [true, false]) {
    const big = JSON.stringify({ type: 'message', text: 'z'.repeat(4000) });
    const server = await upstream(t, (_n, res) => {
      res.writeHead(200, declared ? { 'content-type': 'application/json', 'content-length': String(big.length) } : { 'content-type': 'application/json' });
      res.write(big.slice(0, 500));
      setTimeout(() => res.end(big.slice(500)), 10);
    });
    const { client: upstreamClient, failures } = client(t, server.url, { BODY_LIMIT_BYTES: '1024' });
    const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
    const failure = await readFailure(upstreamClient, () => answer.body.text());
    t.match(failure, { statusCode: 502, code: 'upstream_invalid_response', message: /larger than BODY_LIMIT_BYTES \(1024 bytes\)/ }, declared ? 'with content-length' : 'chunked');
    t.same(failures, ['upstream_invalid_response'], 'counted as an answer that failed');
    t.equal(upstreamClient.inFlight, 0);
    await server.closed(1);
    t.pass('the upstream connection was closed');
  }
});

t.test('a compressed body that decodes to more than BODY_LIMIT_BYTES is refused the same way', async (t) => {
  const bomb = zlib.gzipSync(Buffer.from(JSON.stringify({ text: ' '.repeat(200_000) })));
  t.ok(bomb.length < 1024, 'the compressed body itself is within the limit');
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(bomb);
  });
  const { client: upstreamClient } = client(t, server.url, { BODY_LIMIT_BYTES: '1024' });
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  const failure = await readFailure(upstreamClient, () => answer.body.text());
  t.match(failure, { statusCode: 502, code: 'upstream_invalid_response', message: /BODY_LIMIT_BYTES/ });
  t.equal(upstreamClient.inFlight, 0);
});

t.test('the upstream closing the connection mid-body is upstream_broken (502)', async (t) => {
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.write('{"type":"message","content":[');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const { client: upstreamClient, failures } = client(t, server.url);
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  const failure = await readFailure(upstreamClient, () => answer.body.text());
  t.match(failure, { statusCode: 502, code: 'upstream_broken' });
  t.same(failures, ['upstream_broken']);
  t.equal(upstreamClient.inFlight, 0);
});

t.test('UPSTREAM_TIMEOUT_MS passing mid-body ends the read with upstream_timeout (504)', async (t) => {
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"type":"message",');
    // A trickle, so that the idle timeout never fires: only the total time can end it.
    const trickle = setInterval(() => res.write(' '), 50);
    res.once('close', () => clearInterval(trickle));
  });
  const { client: upstreamClient } = client(t, server.url, { UPSTREAM_TIMEOUT_MS: '300' });
  const started = Date.now();
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  const failure = await readFailure(upstreamClient, () => answer.body.text());
  t.ok(Date.now() - started >= 250, 'not before the total time');
  t.match(failure, { statusCode: 504, code: 'upstream_timeout' });
  t.equal(upstreamClient.inFlight, 0);
  await server.closed(1);
  t.pass('the upstream request was aborted');
});

t.test('UPSTREAM_TIMEOUT_MS before the headers rejects the request itself with upstream_timeout', async (t) => {
  const server = await upstream(t, () => undefined);
  const { client: upstreamClient } = client(t, server.url, { UPSTREAM_TIMEOUT_MS: '200' });
  await t.rejects(upstreamClient.request({ path: '/v1/messages', headers, body, whole: true }), { statusCode: 504, code: 'upstream_timeout' });
  t.equal(upstreamClient.inFlight, 0);
  await server.closed(1);
});

t.test('STREAM_IDLE_TIMEOUT_MS of silence mid-body is upstream_idle_timeout (504)', async (t) => {
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"type":"message",');
  });
  const { client: upstreamClient } = client(t, server.url, { STREAM_IDLE_TIMEOUT_MS: '200' });
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  const failure = await readFailure(upstreamClient, () => answer.body.text());
  t.match(failure, { statusCode: 504, code: 'upstream_idle_timeout' });
  t.equal(upstreamClient.inFlight, 0);
});

t.test('the client going away mid-body ends the read with ClientGoneError and aborts the upstream request', async (t) => {
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"type":"message",');
  });
  const { client: upstreamClient, failures } = client(t, server.url);
  const controller = new AbortController();
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, signal: controller.signal, whole: true });
  const reading = readFailure(upstreamClient, () => answer.body.text(), controller.signal);
  controller.abort(new ClientGoneError());
  t.ok((await reading) instanceof ClientGoneError);
  t.same(failures, [], 'a client that left is not an upstream failure');
  t.equal(upstreamClient.inFlight, 0);
  await server.closed(1);
  t.pass('the upstream connection was closed');
});

t.test('the client going away before the headers rejects at once; a drain cut says shutting_down', async (t) => {
  const server = await upstream(t, () => undefined);
  const { client: upstreamClient } = client(t, server.url);
  const gone = new AbortController();
  const pending = upstreamClient.request({ path: '/v1/messages', headers, body, signal: gone.signal, whole: true });
  await new Promise((resolve) => setTimeout(resolve, 50));
  gone.abort(new ClientGoneError());
  await t.rejects(pending, ClientGoneError);
  await server.closed(1);

  const drain = new AbortController();
  const cut = upstreamClient.request({ path: '/v1/messages', headers, body, signal: drain.signal, whole: true });
  await new Promise((resolve) => setTimeout(resolve, 50));
  drain.abort(new ProxyError('shutting_down', 'drain ran out of time'));
  await t.rejects(cut, { code: 'shutting_down', statusCode: 503 });
  t.equal(upstreamClient.inFlight, 0);
});

t.test('a signal aborted before the request is sent fails without reaching the upstream', async (t) => {
  const server = await upstream(t, () => undefined);
  const { client: upstreamClient } = client(t, server.url);
  const controller = new AbortController();
  controller.abort(new ClientGoneError());
  await t.rejects(upstreamClient.request({ path: '/v1/messages', headers, body, signal: controller.signal, whole: true }), ClientGoneError);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(server.requests, 0);
  t.equal(upstreamClient.inFlight, 0);
});

t.test('an error answer is collected whole: status, headers and body for the error mapping', async (t) => {
  const error = JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: ' + 'x'.repeat(2000) } });
  const server = await upstream(t, (_n, res) => {
    res.writeHead(400, { 'content-type': 'application/json', 'request-id': 'req_err' });
    res.write(error.slice(0, 100));
    setTimeout(() => res.end(error.slice(100)), 10);
  });
  const { client: upstreamClient } = client(t, server.url);
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  t.equal(answer.statusCode, 400);
  t.equal(answer.headers['request-id'], 'req_err');
  t.same(await answer.body.json(), JSON.parse(error));
  t.equal(upstreamClient.inFlight, 0);
});

t.test('a retried 529 body is dropped (large ones cut) and the retry answers; one slot throughout', async (t) => {
  const server = await upstream(t, (n, res) => {
    if (n === 1) {
      res.writeHead(529, { 'content-type': 'application/json', 'retry-after-ms': '5' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'o'.repeat(200_000) } }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"type":"message"}');
    }
  });
  const { client: upstreamClient } = client(t, server.url, { MAX_RETRIES: '2' });
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  t.equal(answer.statusCode, 200);
  t.equal(answer.attempts, 2);
  t.equal(await answer.body.text(), '{"type":"message"}');
  t.equal(upstreamClient.inFlight, 0);
});

t.test('dropping a body that is still arriving aborts it and releases the slot', async (t) => {
  const server = await upstream(t, (_n, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"type":');
  });
  const { client: upstreamClient } = client(t, server.url);
  const answer = await upstreamClient.request({ path: '/v1/messages', headers, body, whole: true });
  t.equal(upstreamClient.inFlight, 1);
  answer.body.destroy();
  t.equal(upstreamClient.inFlight, 0);
  await server.closed(1);
  t.pass('the upstream connection was closed');
});

t.test('through the routes: an answer over BODY_LIMIT_BYTES is a 502 in each API format, streams are not bounded', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', BODY_LIMIT_BYTES: '2048' });
  const base = await listen(app);
  const big = anthropicMessage({ text: 'w'.repeat(5000) });
  const post = (path: string, payload: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'sk-client-key', authorization: 'Bearer sk-client-key' }, body: JSON.stringify(payload) });

  mock.enqueue({ kind: 'json', body: big });
  const passthrough = await post('/v1/messages', { model: 'claude-x', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  t.equal(passthrough.status, 502);
  t.match(await passthrough.json(), { type: 'error', error: { type: 'api_error', message: /BODY_LIMIT_BYTES/ } });

  mock.enqueue({ kind: 'json', body: big });
  const chat = await post('/v1/chat/completions', { model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(chat.status, 502);
  t.match(await chat.json(), { error: { message: /BODY_LIMIT_BYTES/ } });

  // A stream of the same size is relayed: the limit is for answers held whole.
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['v'.repeat(2500), 'v'.repeat(2500)]) });
  const stream = await post('/v1/messages', { model: 'claude-x', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  t.equal(stream.status, 200);
  t.ok((await stream.text()).includes('message_stop'));
  t.equal(app.upstreams.inFlight, 0);
});
