// The streaming writer's contract, with a scripted transform on a test route of the real app and a mock
// upstream over real sockets: what the writer does is the same whatever the transform (chat, passthrough,
// Responses), so it is tested here once, apart from any translation.
import type { Socket } from 'node:net';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import type { ProxyError } from '../../src/errors.ts';
import { cutOpenStreams } from '../../src/http/lifecycle.ts';
import { OPENAI_API } from '../../src/http/route-policy.ts';
import { HEAD_WAIT_MS } from '../../src/http/stream-writer.ts';
import { callUpstream, startCallRecord } from '../../src/http/upstream-call.ts';
import type { StreamFailure, StreamTransform } from '../../src/stream/stream-transform.ts';
import type { AnthropicUsage } from '../../src/wire/anthropic.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, type MockReply } from '../helpers/mock-upstream.ts';
import { postSse, settlesWithin } from '../helpers/sse-client.ts';

/** Upper-cases what it relays; `STOP` finishes the stream, `FAIL` fails it, `THROW` is a bug in it. */
class Scripted implements StreamTransform {
  finished = false;
  failure: StreamFailure | null = null;
  usage: AnthropicUsage | null = { input_tokens: 7, output_tokens: 3 };
  pushes = 0;

  push(chunk: Buffer): string {
    if (this.finished) return '';
    this.pushes++;
    // Chunks may arrive joined: what comes before a marker is relayed, what comes after it is not.
    const text = chunk.toString('utf8');
    if (text.includes('THROW')) throw new Error('a bug in a transform');
    const stop = text.indexOf('STOP');
    if (stop !== -1) {
      this.finished = true;
      return `${text.slice(0, stop + 4).toUpperCase()}<done>`;
    }
    const fail = text.indexOf('FAIL');
    if (fail !== -1) {
      this.finished = true;
      this.failure = { code: 'scripted_failure', message: 'the content said so' };
      return `${text.slice(0, fail).toUpperCase()}<failed>`;
    }
    return text.toUpperCase();
  }

  end(): string {
    if (this.finished) return '';
    this.finished = true;
    return '<end>';
  }

  fail(error: ProxyError): string {
    if (this.finished) return '';
    this.finished = true;
    this.failure = { code: error.code, message: error.message };
    return `<fail ${error.code}: ${error.message}>`;
  }
}

interface Setup {
  app: FastifyInstance;
  mock: MockUpstream;
  url: string;
  logs: string[];
  transforms: Scripted[];
  /** What each write to a client socket carried (one entry per write or writev the socket made), in order. */
  socketWrites: string[];
}

/** Records the writes a server-side socket makes (each `_write` or `_writev` is one system call's worth). */
function recordWrites(socket: Socket, into: string[]): void {
  const write = socket._write.bind(socket);
  const writev = socket._writev!.bind(socket);
  socket._write = (chunk, encoding, callback) => {
    into.push(String(chunk));
    write(chunk, encoding, callback);
  };
  socket._writev = (chunks, callback) => {
    into.push(chunks.map(({ chunk }) => String(chunk)).join(''));
    writev(chunks, callback);
  };
}

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}): Promise<Setup> {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  const transforms: Scripted[] = [];
  const socketWrites: string[] = [];
  const recorded = new WeakSet<Socket>();
  app.post('/v1/stream-writer-test', { config: { policy: OPENAI_API } }, async (request, reply) => {
    const socket = reply.raw.socket!;
    if (!recorded.has(socket)) {
      recorded.add(socket);
      recordWrites(socket, socketWrites);
    }
    startCallRecord(request, { asked: 'writer-model', sent: 'writer-model', stream: true });
    const call = await callUpstream(request, reply, { path: '/v1/messages', body: () => '{}', stream: true });
    const transform = new Scripted();
    transforms.push(transform);
    reply.header('x-route-header', 'kept');
    return call.stream(transform, { status: 201, contentType: 'text/x-test' });
  });
  const base = await listen(app);
  return { app, mock, url: `${base}/v1/stream-writer-test`, logs, transforms, socketWrites };
}

const chunks = (pieces: string[], extra: Partial<Extract<MockReply, { kind: 'sse' }>> = {}): MockReply => ({ kind: 'sse', chunks: pieces, delayMs: 20, ...extra });
const logLines = (logs: string[]) => logs.map((line) => JSON.parse(line) as Record<string, unknown>);

t.test('the transform output goes out as it comes, with the route status, content type and headers', async (t) => {
  const { mock, url, logs, transforms } = await setup(t);
  mock.enqueue(chunks(['one ', 'two ']));
  const client = await postSse(url, {});
  t.equal(client.response.statusCode, 201);
  t.equal(client.response.headers['content-type'], 'text/x-test');
  t.equal(client.response.headers['cache-control'], 'no-cache');
  t.equal(client.response.headers['x-accel-buffering'], 'no');
  t.equal(client.response.headers['x-route-header'], 'kept', 'headers the route set before');
  t.ok(client.response.headers['x-request-id']);
  t.equal(await client.readAll(), 'ONE TWO <end>');
  t.ok(transforms[0].pushes >= 1);
  t.notOk(logLines(logs).some((line) => line.msg === 'stream ended with an error event'), 'a clean end logs no failure');
});

t.test('the response head leaves with the first output, in the same socket write', async (t) => {
  const { mock, url, socketWrites } = await setup(t);
  mock.enqueue(chunks(['one ', 'two ']));
  const client = await postSse(url, {});
  t.equal(await client.readAll(), 'ONE TWO <end>');
  t.match(socketWrites[0], /^HTTP\/1\.1 201 /, 'the first write is the head');
  t.match(socketWrites[0], /\r\n\r\n[0-9a-f]+\r\nONE \r\n$/, '...with the first output (one write, not two)');
});

t.test('an upstream slow to its first event: the head goes alone after a short wait, the event when it comes', async (t) => {
  const { mock, url, socketWrites } = await setup(t);
  // The upstream's head at once, its first event half a second later.
  mock.enqueue(chunks(['', 'one '], { delayMs: 500 }));
  const started = performance.now();
  const client = await postSse(url, {});
  const headAfter = performance.now() - started;
  t.equal(client.response.statusCode, 201);
  t.ok(headAfter >= HEAD_WAIT_MS - 5, `not before the wait (${headAfter.toFixed(0)} ms)`);
  t.ok(headAfter < 200, `the head arrived after ${headAfter.toFixed(0)} ms, long before the first event`);
  t.match(socketWrites[0], /^HTTP\/1\.1 201 [^]*\r\n\r\n$/, 'the head alone');
  t.equal(await client.readAll(), 'ONE <end>');
});

t.test('a stream finished early: the rest of the upstream body is read and dropped, not aborted', async (t) => {
  const { mock, url } = await setup(t);
  mock.enqueue(chunks(['a ', 'STOP ', 'ignored ', 'ignored too']));
  const client = await postSse(url, {});
  t.equal(await client.readAll(), 'A STOP<done>');
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, false, 'the upstream connection stays reusable');
});

t.test('a stream finished with a failure drops the upstream at once and logs the failure', async (t) => {
  const { mock, url, logs } = await setup(t);
  mock.enqueue(chunks(['a ', 'FAIL '], { after: 'hang' }));
  const client = await postSse(url, {});
  t.equal(await client.readAll(), 'A <failed>');
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, true);
  t.match(logLines(logs).find((line) => line.msg === 'stream ended with an error event'), { level: 40, code: 'scripted_failure', detail: 'the content said so' });
});

t.test('a transform that throws: an internal_error final event, the error logged in full, the upstream dropped', async (t) => {
  const { app, mock, url, logs } = await setup(t);
  mock.enqueue(chunks(['a ', 'THROW '], { after: 'hang' }));
  const client = await postSse(url, {});
  // 'A ' is missing when both chunks arrived as one (the transform threw on it).
  t.match(await client.readAll(), /^(A )?<fail internal_error: Internal error in the proxy while streaming; see its logs for details>$/);
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, true);
  t.match(logs.join(''), /a bug in a transform/);
  t.equal(app.lifecycle.openStreams.size, 0);
});

t.test('upstream failures reach fail() mapped: an idle upstream is upstream_idle_timeout', async (t) => {
  const { mock, url } = await setup(t, { STREAM_IDLE_TIMEOUT_MS: '200' });
  mock.enqueue(chunks(['a '], { after: 'hang' }));
  const client = await postSse(url, {});
  t.match(await client.readAll(), /^A <fail upstream_idle_timeout: .*STREAM_IDLE_TIMEOUT_MS/);
});

t.test("a drain's cut ends the stream with fail(shutting_down) as its last write", async (t) => {
  const { app, mock, url } = await setup(t);
  mock.enqueue(chunks(['a '], { after: 'hang' }));
  const client = await postSse(url, {});
  await client.waitFor((text) => text === 'A ');
  t.equal(app.lifecycle.openStreams.size, 1);
  t.equal(cutOpenStreams(app.lifecycle, 'The proxy is shutting down'), 1);
  t.equal(await client.readAll(), 'A <fail shutting_down: The proxy is shutting down>');
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, true);
  t.equal(app.lifecycle.openStreams.size, 0);
});

t.test('a client that goes away: the upstream is dropped, nothing is failed or logged as a failure', async (t) => {
  const { app, mock, url, logs, transforms } = await setup(t);
  mock.enqueue(chunks(['a '], { after: 'hang' }));
  const client = await postSse(url, {});
  await client.waitFor((text) => text === 'A ');
  client.destroy();
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, true);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(transforms[0].failure, null);
  t.equal(app.lifecycle.openStreams.size, 0);
  t.notOk(logLines(logs).some((line) => line.msg === 'stream ended with an error event'));
});

t.test("the transform's usage is recorded for the model the route named", async (t) => {
  const { app, mock, url } = await setup(t);
  mock.enqueue(chunks(['a ']));
  await (await postSse(url, {})).readAll();
  const metrics = await app.metrics.registry.metrics();
  t.match(metrics, /proxy_tokens_total\{model="writer-model",kind="input"\} 7/);
  t.match(metrics, /proxy_tokens_total\{model="writer-model",kind="output"\} 3/);
});
