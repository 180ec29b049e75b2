// RESPONSES_STORE_URL chooses the store: unset, the in-process one; redis:// or rediss://, the Redis one.
// Its checks never print the URL's password, the logger masks it, and GET /readyz reports the store
// without ever turning unready because of it.
import t from 'tap';
import { ConfigError, configSecrets, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging.ts';
import { createResponsesStore } from '../../src/state/create-store.ts';
import { MemoryResponsesStore } from '../../src/state/memory-store.ts';
import { RedisResponsesStore } from '../../src/state/redis-store.ts';
import { buildTestApp } from '../helpers/app.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const load = (env: Record<string, string>) => loadConfig({ env, dotenvPath: null });
const skipRedis = redisServerMissing() !== null && !process.env.CI ? redisServerMissing()! : false;

t.test('defaults: no URL (the in-process store), a 1 s command timeout', async (t) => {
  const config = load({});
  t.equal(config.responsesStoreUrl, '');
  t.equal(config.responsesStoreTimeoutMs, 1000);
  const store = createResponsesStore(config, createLogger(config, [], { stdout: { write: () => undefined } }));
  t.ok(store instanceof MemoryResponsesStore);
  await store.close();
});

t.test('redis:// and rediss:// URLs are taken as given; anything else stops start-up without showing the password', async (t) => {
  for (const url of ['redis://redis:6379', 'redis://:pw@10.0.0.5:6380/2', 'rediss://user:pw@cache.example.com:6380', 'redis://[::1]:6379/0']) {
    t.equal(load({ RESPONSES_STORE_URL: ` ${url} ` }).responsesStoreUrl, url, url);
  }
  const bad: [string, RegExp][] = [
    ['http://:hunter2-secret@redis:6379', /RESPONSES_STORE_URL=.* is not a redis:\/\/ or rediss:\/\/ \(TLS\) URL; for example RESPONSES_STORE_URL=redis:\/\/redis:6379\/0/],
    ['redis://:hunter2-secret@redis:6379/cache', /has a path that is not a database number/],
    ['not a url :hunter2-secret@', /is not a URL/],
    ['redis://:hunter2-secret@', /is not a URL|has no host/],
  ];
  for (const [url, message] of bad) {
    const error = (() => {
      try {
        load({ RESPONSES_STORE_URL: url });
        return null;
      } catch (caught) {
        return caught as Error;
      }
    })();
    t.ok(error instanceof ConfigError, `${url}: a ConfigError`);
    t.match(error?.message, message, url);
    t.notMatch(error?.message, /hunter2-secret/, `${url}: the password is not in the message`);
  }
  t.throws(() => load({ RESPONSES_STORE_TIMEOUT_MS: '0' }), /RESPONSES_STORE_TIMEOUT_MS="0" is not a whole number from 1 to 60000/);
});

t.test('the password of the URL is a secret the logger masks, as written and decoded', async (t) => {
  const config = load({ RESPONSES_STORE_URL: 'redis://:p%40ss-w0rd-x@redis:6379/0' });
  t.ok(configSecrets(config).includes('p%40ss-w0rd-x'));
  t.ok(configSecrets(config).includes('p@ss-w0rd-x'));
  const lines: string[] = [];
  const logger = createLogger(config, configSecrets(config), { stdout: { write: (line: string) => void lines.push(line) } });
  logger.warn({ detail: 'p@ss-w0rd-x and p%40ss-w0rd-x' }, 'a line that carries the password');
  logger.flush();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.notMatch(lines.join(''), /ss-w0rd-x/);
});

t.test('GET /readyz reports the in-process store', async (t) => {
  const { app } = await buildTestApp(t);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { status: 'ready', responses_store: { kind: 'memory', status: 'up' } });
  app.lifecycle.draining = true;
  const draining = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(draining.statusCode, 503);
  t.strictSame(draining.json(), { status: 'draining' });
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /^proxy_responses_store_up 1$/m);
});

t.test('with RESPONSES_STORE_URL the app uses Redis; /readyz stays 200 with the store down, and says why', { skip: skipRedis }, async (t) => {
  const redis = await RedisServer.start(t);
  const { app } = await buildTestApp(t, { RESPONSES_STORE_URL: redis.url, RESPONSES_STORE_TIMEOUT_MS: '600' });
  const store = createResponsesStore(app.config, app.log as never);
  t.ok(store instanceof RedisResponsesStore, 'the factory picks Redis for a URL');
  await store.close();
  const up = async () => (await app.inject({ method: 'GET', url: '/readyz' })).json().responses_store?.status === 'up';
  for (let i = 0; i < 100 && !(await up()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  t.match((await app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready', responses_store: { kind: 'redis', status: 'up' } });
  const metrics = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(await metrics(), /^proxy_responses_store_up 1$/m);
  await redis.kill();
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'still ready: every replica shares the store, and requests without state still work');
  t.match(ready.json(), { status: 'ready', responses_store: { kind: 'redis', status: 'down', reason: /refused|closed|did not answer within 600 ms/ } });
  const missing = await app.inject({ method: 'GET', url: '/v1/responses/resp_0123456789abcdef0123456789abcdef', headers: { authorization: 'Bearer sk-x' } });
  t.equal(missing.statusCode, 503);
  t.match(missing.json(), { error: { code: 'responses_store_unavailable', type: 'server_error' } });
  const text = await metrics();
  t.match(text, /^proxy_responses_store_up 0$/m, 'the gauge says it is down');
  t.match(text, /^proxy_responses_store_errors_total\{operation="get"\} 1$/m, 'the failed read is counted');
});

t.test('a Redis that never answers cannot slow the readiness probe past a second', { skip: skipRedis }, async (t) => {
  const redis = await RedisServer.start(t);
  const { app } = await buildTestApp(t, { RESPONSES_STORE_URL: redis.url, RESPONSES_STORE_TIMEOUT_MS: '5000' });
  for (let i = 0; i < 100 && (await app.inject({ method: 'GET', url: '/readyz' })).json().responses_store?.status !== 'up'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  redis.pause();
  t.teardown(() => redis.resume());
  const started = Date.now();
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  const took = Date.now() - started;
  t.equal(ready.statusCode, 200);
  t.match(ready.json(), { responses_store: { kind: 'redis', status: 'down', reason: 'did not answer within 1000 ms' } });
  t.ok(took < 1500, `answered in ${took} ms although the command timeout is 5 s`);
});
