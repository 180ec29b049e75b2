// MAX_BODY_BYTES_IN_FLIGHT bounds the request bodies held at once (before: 20 concurrent 30 MB bodies took
// RSS to 1.8 GB). Over it, a request with a content-length gets a 503 with retry-after before its body is
// read, a chunked one as soon as its bytes cross it; the bytes are held until the answer is over, a body
// dense with objects and arrays counts for what they cost, and everything is released however a request ends.
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream, anthropicMessage } from '../helpers/mock-upstream.ts';
import { rawExchange } from '../helpers/raw-http.ts';

const MiB = 1024 * 1024;

/** A Messages body of about `bytes` bytes. */
function bodyOf(bytes: number): string {
  const empty = JSON.stringify({ model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: '' }] });
  return JSON.stringify({ model: 'glm-4.5', max_tokens: 5, messages: [{ role: 'user', content: 'x'.repeat(bytes - empty.length) }] });
}

async function setup(t: { teardown(fn: () => unknown): void }) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  // Upstream answers wait until the test lets them go: the bodies stay held meanwhile.
  let release!: () => void;
  let gate = new Promise<void>((resolve) => (release = resolve));
  mock.setHandler(async () => {
    await gate;
    return { kind: 'json', body: anthropicMessage() };
  });
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', BODY_LIMIT_BYTES: String(MiB), MAX_BODY_BYTES_IN_FLIGHT: String(3 * MiB) });
  const base = await listen(app);
  const port = Number(new URL(base).port);
  const post = (path: string, body: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const letGo = () => {
    release();
    gate = new Promise<void>((resolve) => (release = resolve));
  };
  const metric = async (name: string) => Number((await (await fetch(`${base}/metrics`)).text()).match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
  return { app, mock, logs, base, port, post, letGo, metric };
}

t.test('over the budget, a request with a content-length gets a 503 before its body is read', async (t) => {
  const { app, mock, port, post, letGo, metric } = await setup(t);
  const held = [post('/v1/messages', bodyOf(MiB - 100)), post('/v1/chat/completions', bodyOf(MiB - 100)), post('/v1/messages', bodyOf(MiB / 2))];
  await mock.waitForRequests(3);
  t.ok(app.bodyBudget.inFlightBytes > 2.4 * MiB, `${app.bodyBudget.inFlightBytes} bytes held`);
  t.equal(await metric('proxy_request_body_bytes_in_flight'), app.bodyBudget.inFlightBytes);

  // Headers only: the answer comes although not a byte of the body was sent.
  const refused = await rawExchange(port, {
    send: `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${MiB}\r\nConnection: close\r\n\r\n`,
    timeoutMs: 5000,
  });
  t.equal(refused.status, 503);
  t.equal(refused.headers['retry-after'], '1');
  t.match(JSON.parse(refused.body), { type: 'error', error: { type: 'overloaded_error', message: /MAX_BODY_BYTES_IN_FLIGHT \(3145728 bytes\)/ } });
  const chat = await post('/v1/chat/completions', bodyOf(MiB - 100));
  t.equal(chat.status, 503, 'the same on the OpenAI route, in its shape');
  t.match(await chat.json(), { error: { code: 'proxy_overloaded', type: 'server_error' } });
  t.equal((await post('/v1/messages', bodyOf(600 * 1024))).status, 503, 'a smaller body that does not fit either');
  t.equal((await post('/v1/messages/count_tokens', bodyOf(600 * 1024))).status, 503, 'nor on count_tokens');
  t.equal(await metric('proxy_body_budget_refused_total'), 4);
  t.equal(mock.requests.length, 3, 'nothing refused went upstream');

  letGo();
  t.same((await Promise.all(held)).map((answer) => answer.status), [200, 200, 200], 'the held requests finish');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.bodyBudget.inFlightBytes, 0, 'all released');
  const after = post('/v1/messages', bodyOf(MiB - 100));
  await mock.waitForRequests(4);
  letGo();
  t.equal((await after).status, 200, 'served again once there is room');
});

t.test('a chunked body is refused as soon as its bytes cross the budget', async (t) => {
  const { app, mock, port, post, letGo } = await setup(t);
  const held = [post('/v1/messages', bodyOf(MiB - 100)), post('/v1/messages', bodyOf(MiB - 100))];
  await mock.waitForRequests(2);
  const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  // 512 KiB fits, the next 768 KiB does not: the answer comes then, with the body unfinished.
  const exchange = await rawExchange(port, {
    send: `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk(`{"model":"glm-4.5","messages":[{"role":"user","content":"${'y'.repeat(512 * 1024)}`)}${chunk('y'.repeat(768 * 1024))}`,
    timeoutMs: 5000,
  });
  t.equal(exchange.status, 503);
  t.equal(exchange.headers['retry-after'], '1');
  t.match(JSON.parse(exchange.body), { error: { code: 'proxy_overloaded', message: /MAX_BODY_BYTES_IN_FLIGHT/ } });
  letGo();
  await Promise.all(held);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.bodyBudget.inFlightBytes, 0, 'the partly read body released too');
});

t.test('bodies of clients that go away, and refused ones, are released', async (t) => {
  const { app, mock, base, post, letGo } = await setup(t);
  const controller = new AbortController();
  const abandoned = fetch(`${base}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodyOf(MiB - 100), signal: controller.signal }).catch(() => 'aborted');
  await mock.waitForRequests(1);
  t.ok(app.bodyBudget.inFlightBytes > 0);
  controller.abort();
  await abandoned;
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(app.bodyBudget.inFlightBytes, 0, 'released when the client left');
  t.equal((await post('/v1/messages', '{"not json')).status, 400);
  t.equal((await post('/v1/messages', JSON.stringify({ model: 5 }))).status, 400);
  t.equal(app.bodyBudget.inFlightBytes, 0, 'released after a 400');
  letGo();
});

t.test('a body dense with objects and arrays counts for what they cost the heap', async (t) => {
  const { app, mock, post, letGo } = await setup(t);
  // 100k empty objects in 300 KB of text: about 6 MB of heap, more than the whole 3 MiB budget.
  const dense = `{"model":"glm-4.5","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"x":[${'{},'.repeat(100_000)}{}]}}`;
  const answer = await post('/v1/messages', dense);
  t.equal(answer.status, 503);
  t.match(await answer.json(), { error: { type: 'overloaded_error', message: /MAX_BODY_BYTES_IN_FLIGHT/ } });
  t.equal(mock.requests.length, 0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.bodyBudget.inFlightBytes, 0);
  letGo();
});
