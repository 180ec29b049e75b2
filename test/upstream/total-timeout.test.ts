// UPSTREAM_TIMEOUT_MS bounds the whole upstream exchange, the streamed body included, and a client that goes
// away aborts the exchange: both through the one Exchange the client keeps per request (its entry in the
// client's deadline list, and the client signal's listener). These are streamed answers; whole ones are in
// whole-answer.test.ts.
import t from 'tap';
import { ClientGoneError } from '../../src/errors.ts';
import { UpstreamClient } from '../../src/upstream/client.ts';
import { targetOf } from '../helpers/app.ts';
import { MockUpstream, textStreamEvents } from '../helpers/mock-upstream.ts';

async function setup(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const client = new UpstreamClient(targetOf({ UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env }));
  t.teardown(() => client.close());
  return { mock, client };
}

const body = JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });

t.test('a stream that outlasts UPSTREAM_TIMEOUT_MS is cut with upstream_timeout (504)', async (t) => {
  const { mock, client } = await setup(t, { UPSTREAM_TIMEOUT_MS: '300' });
  mock.enqueue({ kind: 'sse', events: textStreamEvents(['a', 'b']), after: 'hang' });
  const started = Date.now();
  const answer = await client.request({ path: '/v1/messages', headers: { 'content-type': 'application/json' }, body });
  t.equal(answer.statusCode, 200, 'the headers came in time');
  let failure: unknown;
  try {
    for await (const chunk of answer.body) void chunk;
  } catch (error) {
    failure = error;
  }
  t.ok(failure, 'reading the body failed');
  const mapped = client.failureOf(failure, undefined, 'response');
  t.ok(Date.now() - started >= 250, 'not before the timeout');
  // The body's error carries the abort reason: a TimeoutError maps to the total-time 504.
  t.match(mapped, { statusCode: 504, code: 'upstream_timeout' });
});

t.test('the client going away aborts the request with ClientGoneError', async (t) => {
  const { mock, client } = await setup(t, {});
  mock.enqueue({ kind: 'hang' });
  const controller = new AbortController();
  const pending = client.request({ path: '/v1/messages', headers: { 'content-type': 'application/json' }, body, signal: controller.signal });
  await mock.waitForRequests(1);
  controller.abort(new ClientGoneError());
  await t.rejects(pending, ClientGoneError);
});
