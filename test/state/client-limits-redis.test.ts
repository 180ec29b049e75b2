// Client limits and usage in a real redis-server, shared by two app instances: one rpm of 10 across both
// (the 11th is a 429 whichever it reaches), budgets and usage that outlive a restart of both, and
// REDIS_FAIL_MODE (open: requests pass without their limits; closed: 503) with /readyz saying so.
import t from 'tap';
import { ADMIN_KEY, appWithKeys, freshMinute, messageBody } from '../helpers/client-keys.ts';
import { anthropicMessage, MockUpstream } from '../helpers/mock-upstream.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const missing = redisServerMissing();
if (missing !== null && !process.env.CI) {
  t.comment(`skipped: ${missing}`);
  process.exit(0);
}

const KEY = 'ck-shared-0123456789abcdef';
const yaml = (limits: string) => `client_keys:\n  shared-app:\n    key: "${KEY}"\n    limits: ${limits}\n`;
const post = (app: any) => app.inject({ method: 'POST', url: '/v1/messages', headers: { 'x-api-key': KEY }, payload: messageBody('glm-4.6') });

async function upstream(t: { teardown(fn: () => unknown): void }): Promise<MockUpstream> {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  mock.setHandler(() => ({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 7 } }) }));
  return mock;
}

t.test('two instances share one rpm of 10: the 11th is a 429 whichever it reaches', async (t) => {
  const redis = await RedisServer.start(t);
  const mock = await upstream(t);
  const env = { UPSTREAM_BASE: mock.url, REDIS_URL: redis.url };
  const a = await appWithKeys(t, yaml('{ rpm: 10 }'), env);
  const b = await appWithKeys(t, yaml('{ rpm: 10 }'), env);
  await freshMinute(15_000);
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => post(i % 2 === 0 ? a.app : b.app)));
  t.strictSame(answers.map((answer) => answer.statusCode), Array(10).fill(200));
  t.strictSame(answers.map((answer) => Number(answer.headers['x-ratelimit-remaining-requests'])).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const app of [a.app, b.app]) {
    const refused = await post(app);
    t.equal(refused.statusCode, 429);
    t.match(refused.json(), { type: 'error', error: { type: 'rate_limit_error' } });
  }
  t.equal(mock.requests.length, 10, 'refused requests never reach the upstream');
  const ready = (await a.app.inject({ method: 'GET', url: '/readyz' })).json();
  t.match(ready, { status: 'ready', client_limits: { kind: 'redis', status: 'up', fail_mode: 'open' } });
});

t.test('budgets and usage in Redis outlive a restart of every instance', async (t) => {
  const redis = await RedisServer.start(t);
  const mock = await upstream(t);
  const env = { UPSTREAM_BASE: mock.url, REDIS_URL: redis.url };
  // 150 tokens a request (input + output; cache reads are not counted): two fit in 305, not a third (300 used + its estimate).
  const first = await appWithKeys(t, yaml('{ tokens_per_month: 305 }'), env);
  t.equal((await post(first.app)).statusCode, 200);
  t.equal((await post(first.app)).statusCode, 200);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await first.app.close();
  const second = await appWithKeys(t, yaml('{ tokens_per_month: 305 }'), env);
  const refused = await post(second.app);
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), { error: { message: /tokens per UTC month/ } });
  const usage = (await second.app.inject({ method: 'GET', url: '/admin/usage?group_by=key,upstream', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
  t.strictSame(usage.data, [{ key: 'shared-app', upstream: 'default', requests: 2, input_tokens: 200, output_tokens: 100, cache_read_tokens: 14, cache_write_tokens: 0, reasoning_tokens: 0, cost: null }]);
});

t.test('Redis down: REDIS_FAIL_MODE=open passes requests, closed refuses them with 503; both visible', async (t) => {
  const redis = await RedisServer.start(t);
  const mock = await upstream(t);
  const open = await appWithKeys(t, yaml('{ rpm: 100 }'), { UPSTREAM_BASE: mock.url, REDIS_URL: redis.url, RESPONSES_STORE_TIMEOUT_MS: '300' });
  const closed = await appWithKeys(t, yaml('{ rpm: 100 }'), { UPSTREAM_BASE: mock.url, REDIS_URL: redis.url, REDIS_FAIL_MODE: 'closed', RESPONSES_STORE_TIMEOUT_MS: '300' });
  t.equal((await post(open.app)).statusCode, 200);
  await redis.kill();
  t.equal((await post(open.app)).statusCode, 200, 'open: served without its limits');
  const refused = await post(closed.app);
  t.equal(refused.statusCode, 503);
  t.match(refused.json(), { type: 'error', error: { type: 'overloaded_error' } });
  t.equal(refused.headers['retry-after'], '1');
  const ready = (await closed.app.inject({ method: 'GET', url: '/readyz' })).json();
  t.match(ready, { status: 'ready', client_limits: { kind: 'redis', status: 'down', fail_mode: 'closed' } });
  const metrics = (await open.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /proxy_client_limits_store_up 0/);
  t.match(metrics, /proxy_client_limits_store_errors_total [1-9]/);
});
