// The UpstreamClient's retry pacing: capped exponential backoff with jitter in [50%, 100%] for connection
// failures and for 429/503/529 answers without retry-after; retry-after-ms before retry-after; HTTP-date
// retry-after; MAX_RETRIES=0 means a single attempt. Delays are kept to tens of milliseconds.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { ProxyError } from '../../src/errors.ts';
import { UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.ts';
import { targetOf } from '../helpers/app.ts';

interface Teardown {
  teardown(fn: () => unknown): void;
}

interface Upstream {
  url: string;
  /** performance.now() at each request's arrival. */
  arrivals: number[];
}

/** A local upstream that answers every request with `answer(n)` (n counts from 1). */
async function upstream(t: Teardown, answer: (n: number, res: ServerResponse) => void): Promise<Upstream> {
  const arrivals: number[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    arrivals.push(performance.now());
    req.resume();
    req.on('end', () => answer(arrivals.length, res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals };
}

/** A loopback URL where nothing listens (connections are refused). */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

interface Retry {
  attempt: number;
  reason: string;
  delayMs: number;
}

function client(t: Teardown, url: string, maxRetries: number, options: UpstreamClientOptions = {}): { client: UpstreamClient; retries: Retry[]; attempts: number[] } {
  const retries: Retry[] = [];
  const attempts: number[] = [];
  const upstreamClient = new UpstreamClient(targetOf({ UPSTREAM_BASE: url, MAX_RETRIES: String(maxRetries) }), {
    ...options,
    observer: {
      retry: (info) => {
        retries.push(info);
        options.observer?.retry?.(info);
      },
      attemptDone: (info) => void attempts.push(info.statusCode ?? -1),
    },
  });
  t.teardown(() => upstreamClient.close());
  return { client: upstreamClient, retries, attempts };
}

const request = { path: '/v1/messages', headers: { 'content-type': 'application/json' }, body: '{"model":"m"}' };

/** base 8, cap 40: ceilings 8, 16, 32, 40, 40. */
const BASE = 8;
const CAP = 40;
const ceilings = [8, 16, 32, 40, 40];

const rateLimited = (headers: Record<string, string> = {}) => (_n: number, res: ServerResponse) => {
  res.writeHead(429, { 'content-type': 'application/json', ...headers });
  res.end('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}');
};

t.test('connection failures: delays double per attempt, are capped, and scale with random in [50%, 100%]', async (t) => {
  const url = await refusingUrl();
  for (const [random, factor] of [
    [0, 0.5],
    [0.5, 0.75],
    [0.999999, 1],
  ] as const) {
    const { client: c, retries, attempts } = client(t, url, ceilings.length, { retryBaseMs: BASE, retryCapMs: CAP, random: () => random });
    const error = await c.request(request).catch((e: unknown) => e);
    t.ok(error instanceof ProxyError, `random=${random}: a ProxyError in the end`);
    t.equal((error as ProxyError).code, 'upstream_unreachable');
    t.equal(attempts.length, ceilings.length + 1, 'MAX_RETRIES retries after the first attempt');
    t.strictSame(
      retries.map((r) => r.delayMs),
      ceilings.map((ceiling) => Math.round(ceiling * factor)),
      `random=${random}: delays are ${factor * 100}% of the capped doubling`,
    );
    t.strictSame(retries.map((r) => r.attempt), [1, 2, 3, 4, 5]);
    t.ok(retries.every((r) => r.reason === 'upstream_unreachable'));
  }
});

t.test('429 without retry-after: the same backoff, and the client really waits that long between attempts', async (t) => {
  const up = await upstream(t, (n, res) => (n <= 4 ? rateLimited()(n, res) : (res.writeHead(200, { 'content-type': 'application/json' }), res.end('{}'))));
  const { client: c, retries } = client(t, up.url, 5, { retryBaseMs: BASE, retryCapMs: CAP, random: () => 0.999999 });
  const response = await c.request(request);
  await response.body.dump();
  t.equal(response.statusCode, 200);
  t.equal(response.attempts, 5);
  t.strictSame(retries.map((r) => [r.reason, r.delayMs]), [
    ['status_429', 8],
    ['status_429', 16],
    ['status_429', 32],
    ['status_429', 40],
  ]);
  const gaps = up.arrivals.slice(1).map((at, i) => at - up.arrivals[i]);
  gaps.forEach((gap, i) => t.ok(gap >= retries[i].delayMs - 2, `gap ${i + 1} (${gap.toFixed(1)} ms) >= delay ${retries[i].delayMs} ms`));
});

t.test('the jitter is drawn per retry, within [50%, 100%] of each ceiling', async (t) => {
  const draws = [0.1, 0.9, 0.3, 0.7, 0];
  let next = 0;
  const up = await upstream(t, rateLimited());
  const { client: c, retries } = client(t, up.url, 5, { retryBaseMs: BASE, retryCapMs: CAP, random: () => draws[next++] });
  const response = await c.request(request);
  await response.body.dump();
  t.equal(response.statusCode, 429, 'the last 429 is handed back once retries are spent');
  t.equal(response.attempts, 6);
  t.equal(next, 5, 'one draw per retry');
  t.strictSame(retries.map((r) => r.delayMs), ceilings.map((ceiling, i) => Math.round(ceiling * (0.5 + draws[i] / 2))));
});

t.test('retry-after-ms takes precedence over retry-after', async (t) => {
  const up = await upstream(t, (n, res) => (n === 1 ? rateLimited({ 'retry-after-ms': '25', 'retry-after': '3600' })(n, res) : (res.writeHead(200), res.end('{}'))));
  const { client: c, retries } = client(t, up.url, 2, { retryBaseMs: 1000, retryCapMs: 1000, random: () => 0 });
  const response = await c.request(request);
  await response.body.dump();
  t.equal(response.statusCode, 200, 'retried although retry-after alone is far beyond maxRetryAfterMs');
  t.strictSame(retries.map((r) => r.delayMs), [25]);
  t.ok(up.arrivals[1] - up.arrivals[0] >= 23, 'waited for retry-after-ms');
});

t.test('an unparseable retry-after-ms falls back to retry-after (seconds)', async (t) => {
  const up = await upstream(t, (n, res) => (n === 1 ? rateLimited({ 'retry-after-ms': 'soon', 'retry-after': '0.03' })(n, res) : (res.writeHead(200), res.end('{}'))));
  const { client: c, retries } = client(t, up.url, 2, { retryBaseMs: 1000, retryCapMs: 1000, random: () => 0 });
  const response = await c.request(request);
  await response.body.dump();
  t.equal(response.statusCode, 200);
  t.strictSame(retries.map((r) => r.delayMs), [30]);
});

t.test('an HTTP-date retry-after is honoured', async (t) => {
  t.test('a date in the past: retry at once (not the backoff)', async (t) => {
    const past = new Date(Date.now() - 60_000).toUTCString();
    const up = await upstream(t, (n, res) => (n === 1 ? rateLimited({ 'retry-after': past })(n, res) : (res.writeHead(200), res.end('{}'))));
    const { client: c, retries } = client(t, up.url, 2, { retryBaseMs: 5000, retryCapMs: 5000, random: () => 0 });
    const response = await c.request(request);
    await response.body.dump();
    t.equal(response.statusCode, 200);
    t.strictSame(retries.map((r) => r.delayMs), [0]);
  });

  t.test('a date a few seconds ahead: the delay is the time until then', async (t) => {
    const target = Date.now() + 10_000;
    const date = new Date(target).toUTCString(); // whole seconds: up to 1 s earlier than target
    const up = await upstream(t, rateLimited({ 'retry-after': date }));
    const controller = new AbortController();
    const { client: c, retries } = client(t, up.url, 2, {
      retryBaseMs: 5,
      retryCapMs: 5,
      random: () => 0,
      // Stop waiting as soon as the delay is known: the test checks the number, not the clock.
      observer: { retry: () => controller.abort(new DOMException('enough', 'TimeoutError')) },
    });
    const started = Date.now();
    const error = await c.request({ ...request, signal: controller.signal }).catch((e: unknown) => e);
    t.ok(error instanceof ProxyError, 'the aborted wait ends the request');
    t.ok(Date.now() - started < 2000, 'did not actually wait');
    t.equal(retries.length, 1);
    const expected = Date.parse(date) - started;
    t.ok(Math.abs(retries[0].delayMs - expected) < 200, `delay ${retries[0].delayMs} ms ~ ${expected} ms`);
    t.ok(retries[0].delayMs > 8000 && retries[0].delayMs <= 10_000, 'seconds, not the backoff');
  });

  t.test('a date beyond maxRetryAfterMs: no retry, the 429 is handed back', async (t) => {
    const date = new Date(Date.now() + 3_600_000).toUTCString();
    const up = await upstream(t, rateLimited({ 'retry-after': date }));
    const { client: c, retries } = client(t, up.url, 2, { retryBaseMs: 5, retryCapMs: 5, random: () => 0 });
    const response = await c.request(request);
    await response.body.dump();
    t.equal(response.statusCode, 429);
    t.equal(response.attempts, 1);
    t.equal(retries.length, 0);
    t.equal(up.arrivals.length, 1);
  });
});

t.test('MAX_RETRIES=0: one attempt, no retry, for answers and for connection failures', async (t) => {
  const up = await upstream(t, rateLimited());
  const answered = client(t, up.url, 0, { retryBaseMs: 5, retryCapMs: 5, random: () => 0 });
  const response = await answered.client.request(request);
  await response.body.dump();
  t.equal(response.statusCode, 429);
  t.equal(response.attempts, 1);
  t.equal(up.arrivals.length, 1);
  t.equal(answered.retries.length, 0);

  const refused = client(t, await refusingUrl(), 0, { retryBaseMs: 5, retryCapMs: 5, random: () => 0 });
  const error = await refused.client.request(request).catch((e: unknown) => e);
  t.ok(error instanceof ProxyError);
  t.equal((error as ProxyError).code, 'upstream_unreachable');
  t.equal(refused.attempts.length, 1);
  t.equal(refused.retries.length, 0);
});
