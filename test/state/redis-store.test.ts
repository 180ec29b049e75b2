// What only the Redis store does, on a real redis-server: the key and value it writes, Redis's own TTL and
// LRU eviction under maxmemory, and how it behaves when Redis is killed or hangs (bounded 503s, health
// down) and when it comes back (reconnects by itself, data intact with persistence).
import { Redis } from 'ioredis';
import pino from 'pino';
import t, { type Test } from 'tap';
import { ProxyError } from '../../src/errors.ts';
import { REDIS_KEY_PREFIX, RedisResponsesStore, type RedisStoreOptions } from '../../src/state/redis-store.ts';
import type { StoredResponse } from '../../src/state/responses-store.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const missing = redisServerMissing();
if (missing !== null && !process.env.CI) {
  t.comment(`skipped: ${missing}`);
  process.exit(0);
}

const OWNER = 'a'.repeat(64);
const TIMEOUT_MS = 600;
/** What a busy test machine may add to a bound; "at once" is well below the timeout. */
const SLACK_MS = 600;
const AT_ONCE_MS = 200;
const hex = (n: number) => n.toString(16).padStart(32, '0');
const rid = (n: number) => `resp_${hex(n)}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function record(n: number, padding = ''): StoredResponse {
  return {
    owner: OWNER,
    input: [{ id: `item_${hex(n)}_i0`, type: 'message', role: 'user', content: [{ type: 'input_text', text: `q${n}${padding}` }] }],
    response: { id: rid(n), object: 'response', status: 'completed', previous_response_id: null, output: [] } as any,
  };
}

interface StoreUnderTest {
  store: RedisResponsesStore;
  logs: any[];
}

function storeFor(t: Test, url: string, options: Partial<RedisStoreOptions> = {}): StoreUnderTest {
  const logs: any[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const store = new RedisResponsesStore({ url, ttlMs: 60_000, maxRecordBytes: 1 << 20, timeoutMs: TIMEOUT_MS, logger, ...options });
  t.teardown(() => store.close());
  return { store, logs };
}

function rawClient(t: Test, url: string): Redis {
  const client = new Redis(url, { lazyConnect: false });
  t.teardown(() => client.disconnect());
  return client;
}

/** Waits until the check passes, polling; fails the test after `withinMs`. */
async function eventually(t: Test, check: () => Promise<boolean>, withinMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await check()) return Date.now() - started;
    await sleep(25);
  }
  t.fail(`${what}: not within ${withinMs} ms`);
  return withinMs;
}

/** The promise rejects with the store's 503, and settles within the bound. */
async function rejectsUnavailable(t: Test, operation: () => Promise<unknown>, boundMs: number, what: string): Promise<void> {
  const started = Date.now();
  const error = await operation().then(() => null, (caught: unknown) => caught);
  const took = Date.now() - started;
  t.ok(error instanceof ProxyError, `${what}: a ProxyError`);
  t.match(error, { statusCode: 503, code: 'responses_store_unavailable', openaiType: 'server_error', headers: { 'retry-after': '1' } }, what);
  t.ok(took <= boundMs, `${what}: settled in ${took} ms (bound ${boundMs} ms)`);
}

t.test('one string per response: the owner in the key, exactly {response, input} as JSON in the value, PX = TTL', async (t) => {
  const server = await RedisServer.start(t);
  const { store } = storeFor(t, server.url, { ttlMs: 5000 });
  const raw = rawClient(t, server.url);
  await store.put(record(1));
  const keys = await raw.keys('*');
  t.strictSame(keys, [`${REDIS_KEY_PREFIX}${OWNER}:${rid(1)}`]);
  const { response, input } = record(1);
  t.equal(await raw.get(keys[0]!), JSON.stringify({ response, input }), 'the JSON the store needs, nothing re-encoded, the owner not repeated');
  const ttl = await raw.pttl(keys[0]!);
  t.ok(ttl > 4000 && ttl <= 5000, `PTTL ${ttl} ms`);
  await store.get(rid(1), OWNER);
  t.ok((await raw.pttl(keys[0]!)) <= ttl, 'a get does not extend it');
});

t.test('with maxmemory and volatile-lru, Redis evicts the least recently used responses; every put succeeds', async (t) => {
  // Sampling every key makes Redis's approximated LRU exact here; its clock ticks once a second.
  const server = await RedisServer.start(t, { args: ['--maxmemory', '4mb', '--maxmemory-policy', 'volatile-lru', '--maxmemory-samples', '64'] });
  const { store, logs } = storeFor(t, server.url);
  const padding = 'x'.repeat(64 * 1024);
  for (let n = 1; n <= 30; n++) await store.put(record(n, padding));
  await sleep(1100);
  t.ok(await store.get(rid(1), OWNER), 'the oldest, read again: now recently used');
  for (let n = 31; n <= 60; n++) await store.put(record(n, padding));
  const raw = rawClient(t, server.url);
  const kept = await raw.dbsize();
  t.ok(kept < 60, `Redis evicted some (${kept} of 60 kept)`);
  t.ok(await store.get(rid(1), OWNER), 'the one read again is there');
  t.ok(await store.get(rid(60), OWNER), 'the newest is there');
  // Records 2..30 were written in the same second of Redis's LRU clock: which of them go first is a tie.
  let oldKept = 0;
  for (let n = 2; n <= 30; n++) if (await raw.exists(`${REDIS_KEY_PREFIX}${OWNER}:${rid(n)}`)) oldKept++;
  t.equal(oldKept, kept - 31, 'every record evicted was an old unread one');
  for (let n = 31; n <= 60; n++) t.ok(await raw.exists(`${REDIS_KEY_PREFIX}${OWNER}:${rid(n)}`), `recent ${n} kept`);
  t.notOk(logs.some((line) => /no size bound/.test(line.msg)), 'no eviction warning with maxmemory and volatile-lru');
});

t.test('without maxmemory, connecting logs how to bound it', async (t) => {
  const server = await RedisServer.start(t);
  const { store, logs } = storeFor(t, server.url);
  await store.put(record(1));
  await eventually(t, async () => logs.some((line) => /no size bound with eviction/.test(line.msg) && line.level === 40), 2000, 'the warning');
});

t.test('Redis killed: bounded 503s and health down; restarted: reconnects by itself with the data (AOF)', async (t) => {
  const server = await RedisServer.start(t, { persistent: true });
  const { store, logs } = storeFor(t, server.url);
  await store.put(record(1));
  t.strictSame(await store.health(), { kind: 'redis', status: 'up' });

  await server.kill();
  // The first commands of an outage may wait for a reconnect, within the timeout; later ones fail at once.
  await rejectsUnavailable(t, () => store.get(rid(1), OWNER), TIMEOUT_MS + SLACK_MS, 'get during the outage');
  await rejectsUnavailable(t, () => store.put(record(2)), TIMEOUT_MS + SLACK_MS, 'put');
  await rejectsUnavailable(t, () => store.delete(rid(1), OWNER), TIMEOUT_MS + SLACK_MS, 'delete');
  await sleep(TIMEOUT_MS);
  await rejectsUnavailable(t, () => store.get(rid(1), OWNER), AT_ONCE_MS, 'get once the outage is longer than the timeout: at once');
  const health = await store.health();
  t.match(health, { kind: 'redis', status: 'down', reason: /refused|closed/ }, 'health down, with the reason');
  t.notMatch(JSON.stringify(health), /127\.0\.0\.1|6379|\d{4,5}/, 'no address in the reason');
  t.ok(logs.some((line) => line.level === 40 && /unreachable/.test(line.msg)), 'the outage is logged as a warning');
  t.ok(logs.filter((line) => line.level >= 40 && /unreachable/.test(line.msg)).length === 1, 'once, not for every reconnect attempt');

  await server.launch();
  const took = await eventually(t, async () => (await store.health()).status === 'up', 3000, 'health up again');
  t.ok(took < 3000, `reconnected by itself in ${took} ms`);
  t.equal((await store.get(rid(1), OWNER))?.response.id, rid(1), 'the record from before the crash is back');
  await store.put(record(3));
  t.ok(await store.get(rid(3), OWNER), 'writes work again');
  t.ok(logs.some((line) => line.level === 30 && /connected/.test(line.msg) && line.down_ms > 0), 'the reconnect is logged with the outage time');
});

t.test('a connection the server closes (as an idle timeout does) is opened again without a warning', async (t) => {
  const server = await RedisServer.start(t);
  const { store, logs } = storeFor(t, server.url);
  await store.put(record(1));
  const raw = rawClient(t, server.url);
  t.ok(Number(await raw.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes')) >= 1, 'the store\'s connection closed by the server');
  await eventually(t, async () => logs.filter((line) => /connected/.test(line.msg)).length >= 2, 3000, 'reconnected');
  t.ok(await store.get(rid(1), OWNER), 'and working');
  t.notOk(logs.some((line) => line.level >= 40 && /unreachable/.test(line.msg)), 'no outage warning');
});

t.test('Redis hung (accepts, never answers): bounded 503s, health down within the timeout; resumed: works', async (t) => {
  const server = await RedisServer.start(t);
  const { store } = storeFor(t, server.url);
  await store.put(record(1));
  server.pause();
  t.teardown(() => server.resume());
  await rejectsUnavailable(t, () => store.get(rid(1), OWNER), TIMEOUT_MS + SLACK_MS, 'get while hung');
  const started = Date.now();
  const health = await store.health();
  t.equal(health.status, 'down');
  t.ok(Date.now() - started <= TIMEOUT_MS + SLACK_MS, 'the health check is bounded too');
  // Later requests fail at once: the silent connection was dropped and the outage is older than the timeout.
  await sleep(TIMEOUT_MS);
  await rejectsUnavailable(t, () => store.put(record(2)), AT_ONCE_MS, 'put later in the hang');
  server.resume();
  await eventually(t, async () => (await store.health()).status === 'up', 3000, 'health up after the resume');
  t.ok(await store.get(rid(1), OWNER), 'reads work again');
});

t.test('Redis down at start-up: the store is created at once, fails fast, and connects when Redis appears', async (t) => {
  const server = await RedisServer.start(t);
  await server.kill();
  const { store } = storeFor(t, server.url);
  t.equal((await store.health()).status, 'down');
  await sleep(TIMEOUT_MS + 50);
  await rejectsUnavailable(t, () => store.get(rid(1), OWNER), AT_ONCE_MS, 'get before Redis exists');
  await server.launch();
  await eventually(t, async () => (await store.health()).status === 'up', 3000, 'connected once Redis is up');
  await store.put(record(1));
  t.ok(await store.get(rid(1), OWNER));
});

t.test('a password in the URL authenticates and never appears in a log line', async (t) => {
  const password = 'redis-test-s3cret-password';
  const server = await RedisServer.start(t, { args: ['--requirepass', password] });
  const url = server.url.replace('redis://', `redis://:${password}@`);
  const { store, logs } = storeFor(t, url);
  await store.put(record(1));
  t.ok(await store.get(rid(1), OWNER));
  await server.kill();
  await store.get(rid(1), OWNER).catch(() => undefined);
  t.ok(logs.length > 0);
  t.notMatch(JSON.stringify(logs), new RegExp(password), 'no log line carries the password');
  t.ok(logs.every((line) => line.redis === `redis://127.0.0.1:${server.port}`), 'the address is logged without it');
});

t.test('close is bounded even while Redis is down', async (t) => {
  const server = await RedisServer.start(t);
  const { store } = storeFor(t, server.url);
  await store.put(record(1));
  await server.kill();
  const started = Date.now();
  await store.close();
  t.ok(Date.now() - started < TIMEOUT_MS + SLACK_MS, 'closed without waiting on Redis');
  await store.close();
  t.pass('a second close is harmless');
});
