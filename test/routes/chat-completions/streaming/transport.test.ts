// A streamed chat completion on the wire, through the real route and the streaming writer: headers, early
// flush, client disconnects, backpressure, mid-stream failures and shutdown cuts.
import type { ServerResponse } from 'node:http';
import t from 'tap';
import { cutOpenStreams } from '../../../../src/http/lifecycle.ts';
import { chatSetup } from '../../../helpers/chat.ts';
import { parseOpenAISse } from '../../../helpers/stream-fixtures.ts';
import { postSse, settlesWithin } from '../../../helpers/sse-client.ts';
import { textStreamEvents, sseText } from '../../../helpers/mock-upstream.ts';

const request = { model: 'glm-4.6', stream: true, messages: [{ role: 'user', content: 'hi' }] };
const url = (base: string) => `${base}/v1/chat/completions`;
const events = textStreamEvents(['Hello', ' world'], { id: 'msg_t', model: 'glm-4.6' });
/** message_start, content_block_start, ping, first text delta. */
const head = sseText(events.slice(0, 4));

t.test('SSE headers, x-request-id, relayed upstream headers, and an access log line marked stream', async (t) => {
  const { mock, base, logs } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', events, headers: { 'anthropic-ratelimit-requests-remaining': '41' } });
  const client = await postSse(url(base), request);
  const headers = client.response.headers;
  t.equal(client.response.statusCode, 200);
  t.equal(headers['content-type'], 'text/event-stream');
  t.equal(headers['cache-control'], 'no-cache');
  t.equal(headers['x-accel-buffering'], 'no');
  t.match(headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.equal(headers['request-id'], 'req_mock_stream');
  t.equal(headers['anthropic-ratelimit-requests-remaining'], '41');
  t.notOk(headers['content-length']);
  const text = await client.readAll();
  t.ok(text.endsWith('data: [DONE]\n\n'));
  t.notMatch(text, /^event:/m, 'unnamed events only: openai-node reads named ones as something else');
  const { items, done } = parseOpenAISse(text);
  t.equal(done, true);
  t.strictSame(items.map((item) => item.choices[0].delta), [{ role: 'assistant', content: '' }, { content: 'Hello' }, { content: ' world' }, {}]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const access = logs.map((line) => JSON.parse(line)).find((line) => line.msg === 'request completed');
  t.match(access, { status: 200, model: 'glm-4.6', upstream_status: 200, stream: true });
});

t.test('the first chunk goes out as soon as message_start arrives', async (t) => {
  const { mock, base } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: [sseText(events.slice(0, 1))], after: 'hang' });
  const client = await postSse(url(base), request);
  const text = await client.waitFor((received) => received.includes('"role":"assistant"'), 3000);
  t.strictSame(parseOpenAISse(text).items.map((item) => item.choices[0].delta), [{ role: 'assistant', content: '' }]);
  client.destroy();
});

t.test('a client that disconnects aborts the upstream at once and leaves no open stream behind', async (t) => {
  const { app, mock, base } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: [head], after: 'hang' });
  const client = await postSse(url(base), request);
  await client.waitFor((received) => received.includes('Hello'));
  t.equal(app.lifecycle.openStreams.size, 1, 'registered while open');
  client.destroy();
  t.ok(await settlesWithin(mock.lastRequest.done, 2000), 'the upstream exchange ended');
  t.equal(mock.lastRequest.aborted, true, 'the upstream saw the abort');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.lifecycle.openStreams.size, 0);
});

t.test('backpressure: with a client that does not read, the proxy stops reading too; nothing is lost', async (t) => {
  const { app, mock, base } = await chatSetup(t);
  const serverResponses: ServerResponse[] = [];
  app.server.on('request', (_request, response: ServerResponse) => serverResponses.push(response));
  const piece = 'x'.repeat(16 * 1024);
  const count = 1000; // ~16 MiB, far more than the proxy may hold for one client
  const chunks = [sseText(events.slice(0, 2))];
  for (let i = 0; i < count; i++) chunks.push(sseText([{ data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } } }]));
  chunks.push(sseText(events.slice(4)));
  mock.enqueue({ kind: 'sse', chunks });
  const client = await postSse(url(base), request);
  await mock.waitForRequests(1);
  // Everything the proxy reads it writes to the client response at once, so the response's buffer shows
  // whether it kept reading the upstream: it must stay near the stream's high-water mark, not grow.
  const raw = serverResponses[0];
  let largest = 0;
  for (let i = 0; i < 30; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    largest = Math.max(largest, raw.writableLength);
  }
  t.ok(largest > 0, 'the client really is behind');
  t.ok(largest < 512 * 1024, `the proxy buffers at most a few chunks for a stalled client (largest ${largest} bytes)`);
  t.equal(app.lifecycle.openStreams.size, 1);
  const text = await client.readAll(60_000);
  const { items, done } = parseOpenAISse(text);
  t.equal(done, true);
  t.equal(items.filter((item) => item.choices[0]?.delta.content === piece).length, count, 'no chunk lost');
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, false);
});

t.test('an idle upstream ends the stream with an error chunk and no [DONE]', async (t) => {
  const { mock, base, logs } = await chatSetup(t, { STREAM_IDLE_TIMEOUT_MS: '300' });
  mock.enqueue({ kind: 'sse', chunks: [head], after: 'hang' });
  const client = await postSse(url(base), request);
  const { items, done } = parseOpenAISse(await client.readAll());
  t.equal(done, false);
  t.strictSame(items.slice(0, 2).map((item) => item.choices[0].delta), [{ role: 'assistant', content: '' }, { content: 'Hello' }]);
  t.match(items.at(-1), { error: { type: 'server_error', param: null, code: 'upstream_idle_timeout', message: /STREAM_IDLE_TIMEOUT_MS/ } });
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.ok(logs.some((line) => line.includes('upstream_idle_timeout')), 'logged');
});

t.test('the total upstream timeout ends a stream that keeps trickling', async (t) => {
  const { mock, base } = await chatSetup(t, { UPSTREAM_TIMEOUT_MS: '500' });
  const trickle = [sseText(events.slice(0, 2))];
  for (let i = 0; i < 100; i++) trickle.push(sseText([{ data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '.' } } }]));
  mock.enqueue({ kind: 'sse', chunks: trickle, delayMs: 50 });
  const client = await postSse(url(base), request);
  const { items, done } = parseOpenAISse(await client.readAll());
  t.equal(done, false);
  t.match(items.at(-1), { error: { code: 'upstream_timeout', type: 'server_error' } });
  t.ok(items.length > 3 && items.length < 60, 'some text came through before the cut');
});

t.test('an upstream socket that dies mid-stream ends the stream with an error chunk', async (t) => {
  const { mock, base } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: [head], after: 'destroy', delayMs: 20 });
  const client = await postSse(url(base), request);
  const { items, done } = parseOpenAISse(await client.readAll());
  t.equal(done, false);
  t.match(items.at(-1), { error: { code: 'upstream_broken', type: 'server_error', message: /broke off its answer/ } });
});

t.test('an upstream that ends cleanly without message_stop: error chunk, no [DONE]', async (t) => {
  const { mock, base } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: [head] });
  const client = await postSse(url(base), request);
  const { items, done } = parseOpenAISse(await client.readAll());
  t.equal(done, false);
  t.match(items.at(-1), { error: { code: 'upstream_stream_truncated' } });
});

t.test('a shutdown drain cuts open streams with a final error chunk', async (t) => {
  const { app, mock, base } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', chunks: [head], after: 'hang' });
  const client = await postSse(url(base), request);
  await client.waitFor((received) => received.includes('Hello'));
  t.equal(cutOpenStreams(app.lifecycle, 'The proxy is shutting down'), 1);
  const { items, done } = parseOpenAISse(await client.readAll());
  t.equal(done, false);
  t.strictSame(items.at(-1), { error: { message: 'The proxy is shutting down', type: 'server_error', param: null, code: 'shutting_down' } });
  t.ok(await settlesWithin(mock.lastRequest.done, 2000));
  t.equal(mock.lastRequest.aborted, true, 'the upstream request was abandoned');
  t.equal(app.lifecycle.openStreams.size, 0);
});

t.test('a finished stream unregisters itself', async (t) => {
  const { app, mock, base } = await chatSetup(t);
  mock.enqueue({ kind: 'sse', events });
  const client = await postSse(url(base), request);
  t.equal(parseOpenAISse(await client.readAll()).done, true);
  t.equal(app.lifecycle.openStreams.size, 0);
});
