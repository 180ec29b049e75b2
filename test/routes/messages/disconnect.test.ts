// Client disconnects abort the upstream at once; upstream failures mid-stream end the client's stream with
// an Anthropic error event; shutdown drains cut open streams the same way.
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'node:http';
import t from 'tap';
import { cutOpenStreams } from '../../../src/http/lifecycle.ts';
import { buildTestApp, listen } from '../../helpers/app.ts';
import { MockUpstream, sseText, textStreamEvents } from '../../helpers/mock-upstream.ts';

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const built = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  const base = await listen(built.app);
  return { mock, base, ...built };
}

/** Sends a request on a raw socket and destroys it after `afterMs` or after the first response bytes. */
function sendAndDrop(base: string, body: unknown, when: 'after-first-bytes' | number): Promise<void> {
  return new Promise((resolve) => {
    const req = request(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      res.once('data', () => {
        if (when === 'after-first-bytes') req.destroy();
      });
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end(JSON.stringify(body));
    if (typeof when === 'number') setTimeout(() => req.destroy(), when);
  });
}

const streamBody = { model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] };

t.test('a client that disconnects mid-stream aborts the upstream request', async (t) => {
  const { mock, base } = await setup(t);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a', 'b', 'c']), delayMs: 50, after: 'hang' });
  await sendAndDrop(base, streamBody, 'after-first-bytes');
  await mock.requests[0].done;
  t.equal(mock.requests[0].aborted, true, 'the mock saw its request aborted');
});

t.test('a client that disconnects before a non-streaming answer aborts the upstream request', async (t) => {
  const { mock, base } = await setup(t);
  mock.enqueue({ kind: 'hang' });
  await sendAndDrop(base, { ...streamBody, stream: false }, 100);
  await mock.waitForRequests(1);
  await mock.requests[0].done;
  t.equal(mock.requests[0].aborted, true);
});

t.test('an upstream that dies mid-stream ends the client stream with an error event; the SDK raises', async (t) => {
  const { mock, base } = await setup(t);
  const events = textStreamEvents(['partial']).slice(0, 4);
  mock.enqueue({ kind: 'sse', events, after: 'destroy' });
  const client = new Anthropic({ baseURL: base, apiKey: 'k', maxRetries: 0 });
  const stream = client.messages.stream({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  const error = await stream.finalMessage().catch((e: unknown) => e);
  t.type(error, Error, 'the SDK raised instead of returning half an answer');

  mock.enqueue({ kind: 'sse', events, after: 'destroy' });
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamBody) });
  const text = await res.text();
  t.ok(text.startsWith(sseText(events)), 'what arrived is relayed unchanged');
  t.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]+"\}\}\n\n$/);
});

t.test('an upstream that ends cleanly without message_stop gets a final error event', async (t) => {
  const { mock, base } = await setup(t);
  const events = textStreamEvents(['partial']).slice(0, 4);
  mock.enqueue({ kind: 'sse', events });
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamBody) });
  t.match(await res.text(), /event: error\ndata: .*before message_stop/);
});

t.test('an idle upstream stream times out with an error event naming the limit', async (t) => {
  const { mock, base } = await setup(t, { STREAM_IDLE_TIMEOUT_MS: '150' });
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a']).slice(0, 3), after: 'hang' });
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamBody) });
  t.match(await res.text(), /event: error\ndata: .*STREAM_IDLE_TIMEOUT_MS/);
  await mock.requests[0].done;
  t.equal(mock.requests[0].aborted, true, 'the idle upstream request was dropped');
});

t.test('a shutdown drain cuts open passthrough streams with an error event', async (t) => {
  const { mock, base, app } = await setup(t);
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a']).slice(0, 3), after: 'hang' });
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamBody) });
  const reader = res.body!.getReader();
  await reader.read();
  t.equal(app.lifecycle.openStreams.size, 1);
  t.equal(cutOpenStreams(app.lifecycle, 'The proxy is shutting down'), 1);
  let rest = '';
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
  t.match(rest, /event: error\ndata: .*The proxy is shutting down/);
  await mock.requests[0].done;
  t.equal(mock.requests[0].aborted, true);
  t.equal(app.lifecycle.openStreams.size, 0);
});

t.test("an upstream that ends with an error event of its own: relayed as it is, no second error event, logged", async (t) => {
  const { mock, base, logs } = await setup(t);
  const events = [...textStreamEvents(['partial']).slice(0, 4), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }];
  mock.enqueue({ kind: 'sse', events });
  const res = await fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamBody) });
  t.equal(await res.text(), sseText(events), 'byte for byte, nothing added');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.match(logs.map((line) => JSON.parse(line)).find((line) => line.msg === 'stream ended with an error event'), { code: 'overloaded_error', detail: 'Overloaded' });
});
