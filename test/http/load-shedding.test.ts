// MAX_EVENT_LOOP_DELAY_MS (@fastify/under-pressure): while the event loop is late, /v1/* requests are shed
// with 503 + retry-after in the route's own error shape, the probes and /metrics still answer, and once the
// loop recovers requests are served again.
//
// under-pressure samples every second (sampleInterval, default 1000 ms) and compares the MEAN of the event
// loop's delay over that second (monitorEventLoopDelay at 10 ms resolution, minus the resolution) with the
// limit. One stall of a few hundred ms inside an otherwise idle second averages out below 50 ms, so the test
// keeps the loop busy: synchronous busy loops of BLOCK_MS with a short yield between them (which lets the
// delay monitor, the sampler and the injected requests run). Every late-timer sample is then about BLOCK_MS,
// far above the limit whatever the machine's load; a slower machine only makes the delay larger.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildTestApp } from '../helpers/app.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import type { FastifyInstance } from 'fastify';

const LIMIT_MS = 50;
const BLOCK_MS = 150;
/** Upper bound on any wait in this file. */
const WAIT_MS = 15_000;

/** Keeps the event loop late until stop() (or a hard 30 s bound): busy loops of BLOCK_MS, then a yield. */
function pressure(): { stop: () => Promise<void> } {
  let running = true;
  const done = (async () => {
    const hardStop = Date.now() + 30_000;
    while (running && Date.now() < hardStop) {
      const end = performance.now() + BLOCK_MS;
      while (performance.now() < end) {
        // busy: the event loop cannot run
      }
      await sleep(1);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const chatBody = { model: 'glm-4.5', messages: [{ role: 'user', content: 'hi' }] };
const messagesBody = { model: 'glm-4.5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

/** Injects GET /v1/models every 50 ms until it answers `status` (bounded). */
async function waitForModelsStatus(app: FastifyInstance, status: number): Promise<number> {
  const started = Date.now();
  let last = 0;
  while (Date.now() - started < WAIT_MS) {
    last = (await app.inject({ method: 'GET', url: '/v1/models' })).statusCode;
    if (last === status) return Date.now() - started;
    await sleep(50);
  }
  throw new Error(`GET /v1/models still answered ${last}, not ${status}, after ${WAIT_MS} ms`);
}

t.test('a late event loop sheds /v1/* with 503 + retry-after; probes answer; service resumes after', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_EVENT_LOOP_DELAY_MS: String(LIMIT_MS), MAX_RETRIES: '0' });
  await app.ready();

  // Idle: served.
  t.equal((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode, 200, 'served before the pressure');

  const load = pressure();
  t.teardown(() => load.stop());
  let shedAfterMs: number;
  try {
    // The first sample that saw the late loop turns shedding on (about a second, bounded).
    shedAfterMs = await waitForModelsStatus(app, 503);

    // The pressure continues, so every sample from now on still sees it: the checks below do not race the sampler.
    const models = await app.inject({ method: 'GET', url: '/v1/models' });
    t.equal(models.statusCode, 503, '/v1/models shed');
    t.equal(models.headers['retry-after'], '5');
    t.match(models.json(), { error: { type: 'server_error', code: 'proxy_overloaded', message: /overloaded/ } }, 'OpenAI error shape');

    const chat = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody });
    t.equal(chat.statusCode, 503, '/v1/chat/completions shed');
    t.equal(chat.headers['retry-after'], '5');
    t.match(chat.json(), { error: { type: 'server_error', code: 'proxy_overloaded', param: null } }, 'OpenAI error shape');

    const messages = await app.inject({ method: 'POST', url: '/v1/messages', payload: messagesBody });
    t.equal(messages.statusCode, 503, '/v1/messages shed');
    t.equal(messages.headers['retry-after'], '5');
    t.same(Object.keys(messages.json()).sort(), ['error', 'type'], 'Anthropic error shape');
    t.match(messages.json(), { type: 'error', error: { type: 'overloaded_error', message: /overloaded/ } });

    for (const url of ['/', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/']) {
      t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} still answers under pressure`);
    }
    t.equal(mock.requests.length, 0, 'nothing shed reached the upstream');
  } finally {
    await load.stop();
  }
  t.ok(logs.some((line) => line.includes('under pressure: request shed')), 'shedding is logged');

  // Recovery: the next clean sample (about a second after the pressure ends) turns shedding off.
  const recoveredAfterMs = await waitForModelsStatus(app, 200);
  t.comment(`shedding began ${shedAfterMs} ms into the pressure and ended ${recoveredAfterMs} ms after it`);
  const messages = await app.inject({ method: 'POST', url: '/v1/messages', payload: messagesBody });
  t.equal(messages.statusCode, 200, '/v1/messages served again');
  const chat = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody });
  t.equal(chat.statusCode, 200, '/v1/chat/completions served again');
  t.equal(mock.requests.length, 2, 'both reached the upstream');
});

t.test('MAX_EVENT_LOOP_DELAY_MS=0 turns shedding off: the same pressure is served', async (t) => {
  const { app } = await buildTestApp(t, { MAX_EVENT_LOOP_DELAY_MS: '0' });
  await app.ready();
  const load = pressure();
  t.teardown(() => load.stop());
  try {
    // Longer than two of under-pressure's 1 s samples, were it registered.
    const statuses: number[] = [];
    const until = Date.now() + 2_500;
    while (Date.now() < until) {
      statuses.push((await app.inject({ method: 'GET', url: '/v1/models' })).statusCode);
      await sleep(200);
    }
    t.ok(statuses.length >= 3, `${statuses.length} requests during the pressure`);
    t.same(new Set(statuses), new Set([200]), 'every one served');
  } finally {
    await load.stop();
  }
});
