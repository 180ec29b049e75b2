// Two service processes (src/main.ts, as deployed) sharing one real redis-server, driven by the `openai`
// SDK: a conversation started on replica A continues on B with previous_response_id (streamed too) and is
// read back on either; item_reference across replicas; the owner check across them; Redis hung and killed
// mid-run (requests that need stored state get a bounded 503 in OpenAI's shape, everything else keeps
// working, /readyz stays 200 and says why) and brought back (the same processes pick up where they were).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import t, { type Test } from 'tap';
import { lastUserText, messageReply, textBlock } from '../helpers/anthropic-replies.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { freePort, startService, waitUntilUp, type RunningService } from '../helpers/process.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const missing = redisServerMissing();
if (missing !== null && !process.env.CI) {
  t.comment(`skipped: ${missing}`);
  process.exit(0);
}

const KEY_A = 'sk-replica-owner-a';
const KEY_B = 'sk-replica-owner-b';
const TIMEOUT_MS = 1000;
/** A 503 for lack of Redis comes within the command timeout, plus a margin for a busy machine. */
const BOUND_MS = TIMEOUT_MS + 1000;
const MODEL = 'glm-4.5';

interface Replica {
  name: string;
  base: string;
  service: RunningService;
  client: (key?: string) => OpenAI;
}

async function startReplica(t: Test, name: string, env: Record<string, string>): Promise<Replica> {
  const port = await freePort();
  const service = startService({ PORT: String(port), LOG_DIR: '', ...env }, mkdtempSync(join(tmpdir(), `proxy-${name}-`)));
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);
  return { name, base, service, client: (key = KEY_A) => new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0 }) };
}

async function readyz(replica: Replica): Promise<{ code: number; body: any }> {
  const res = await fetch(`${replica.base}/readyz`);
  return { code: res.status, body: await res.json() };
}

async function storeUp(t: Test, replicas: Replica[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (const replica of replicas) {
    while ((await readyz(replica)).body.responses_store?.status !== 'up') {
      if (Date.now() > deadline) {
        t.fail(`${replica.name}: the store is not up within ${withinMs} ms`);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** The SDK call fails with our 503 in OpenAI's shape, within the bound. */
async function unavailable(t: Test, call: () => Promise<unknown>, what: string): Promise<void> {
  const started = Date.now();
  const error = await call().then(() => null, (caught: unknown) => caught);
  const took = Date.now() - started;
  t.ok(error instanceof OpenAI.InternalServerError, `${what}: the SDK's InternalServerError`);
  t.match(error, { status: 503, type: 'server_error', code: 'responses_store_unavailable', error: { message: /Stored responses are unavailable/ } }, what);
  t.equal((error as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'), '1', `${what}: retry-after`);
  t.ok(took <= BOUND_MS, `${what}: answered in ${took} ms (bound ${BOUND_MS} ms)`);
}

async function notFound(t: Test, call: () => Promise<unknown>, what: string, fields: object = {}): Promise<void> {
  const error = await call().then(() => null, (caught: unknown) => caught);
  t.ok(error instanceof OpenAI.NotFoundError, `${what}: NotFoundError`);
  t.match(error, { status: 404, ...fields }, what);
}

t.test('two replicas, one Redis: a conversation on whichever replica, the owner check, Redis hung, killed and back', async (t) => {
  const redis = await RedisServer.start(t, { persistent: true });
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  // The model answers with what it was asked and how long the conversation it was sent is.
  mock.setHandler((request) => messageReply(request, { content: [textBlock(`re: ${lastUserText(request.body)} (${request.body.messages.length} messages)`)] }));
  const env = { UPSTREAM_BASE: mock.url, RESPONSES_STORE_URL: redis.url, RESPONSES_STORE_TIMEOUT_MS: String(TIMEOUT_MS), PROXY_API_KEYS: `${KEY_A},${KEY_B}` };
  const [a, b] = await Promise.all([startReplica(t, 'a', env), startReplica(t, 'b', env)]);
  await storeUp(t, [a, b], 5000);

  // Turn 1 on A, turn 2 on B, turn 3 streamed on A, read back on B.
  const first = await a.client().responses.create({ model: MODEL, input: 'first question' });
  t.equal(first.output_text, 're: first question (1 messages)');
  const second = await b.client().responses.create({ model: MODEL, input: 'second question', previous_response_id: first.id });
  t.equal(second.output_text, 're: second question (3 messages)', 'B continued the conversation that A stored');
  t.strictSame(mock.requests.at(-1)!.body.messages.map((message: any) => message.role), ['user', 'assistant', 'user']);
  t.match(JSON.stringify(mock.requests.at(-1)!.body.messages[1]), /re: first question/, 'with A\'s answer in it');
  const third = await a.client().responses.stream({ model: MODEL, input: 'third question', previous_response_id: second.id }).finalResponse();
  t.equal(third.output_text, 're: third question (5 messages)', 'streamed on A after B');
  const readBack = await b.client().responses.retrieve(third.id);
  t.equal(readBack.id, third.id);
  t.equal(readBack.output_text, third.output_text, 'GET on B: the response A streamed');
  t.equal(readBack.previous_response_id, second.id);
  const items = await b.client().responses.inputItems.list(second.id);
  t.match(items.data, [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second question' }] }], 'input_items on B');
  const reference = await b.client().responses.create({ model: MODEL, input: [{ type: 'item_reference', id: first.output[0]!.id! }, { role: 'user', content: 'and again' }] });
  t.equal(reference.output_text, 're: and again (2 messages)', 'item_reference on B to an item A produced');
  t.match(JSON.stringify(mock.requests.at(-1)!.body.messages[0]), /re: first question/);

  // Another key sees nothing of it, on either replica; its delete does nothing.
  await notFound(t, () => b.client(KEY_B).responses.retrieve(first.id), 'another key, GET on B');
  await notFound(t, () => a.client(KEY_B).responses.create({ model: MODEL, input: 'x', previous_response_id: second.id }), 'another key, previous_response_id on A', { code: 'previous_response_not_found', param: 'previous_response_id' });
  await notFound(t, () => a.client(KEY_B).responses.delete(first.id), 'another key, DELETE on A');
  t.equal((await b.client().responses.retrieve(first.id)).id, first.id, 'still there for its owner');
  await b.client().responses.delete(reference.id);
  await notFound(t, () => a.client().responses.retrieve(reference.id), 'deleted on B, gone on A');

  // Redis hangs: bounded 503s for what needs it.
  redis.pause();
  await unavailable(t, () => a.client().responses.retrieve(first.id), 'GET while Redis hangs');
  redis.resume();
  await storeUp(t, [a, b], 5000);
  t.equal((await a.client().responses.retrieve(first.id)).id, first.id, 'after the hang: works again');

  // Redis is killed.
  await redis.kill();
  const needsState: [string, () => Promise<unknown>][] = [
    ['previous_response_id on A', () => a.client().responses.create({ model: MODEL, input: 'fourth question', previous_response_id: third.id })],
    ['GET on B', () => b.client().responses.retrieve(third.id)],
    ['input_items on A', () => a.client().responses.inputItems.list(third.id)],
    ['DELETE on B', () => b.client().responses.delete(second.id)],
    ['item_reference on B', () => b.client().responses.create({ model: MODEL, input: [{ type: 'item_reference', id: first.output[0]!.id! }] })],
    ['previous_response_id, streamed, on B', () => b.client().responses.create({ model: MODEL, input: 'x', previous_response_id: third.id, stream: true })],
  ];
  const upstreamCalls = mock.requests.length;
  for (const [what, call] of needsState) await unavailable(t, call, what);
  t.equal(mock.requests.length, upstreamCalls, 'none of them reached the upstream');

  // What needs no stored state keeps working, store:true included (answered; only the state is lost).
  const unstored = await a.client().responses.create({ model: MODEL, input: 'no state needed', store: false });
  t.equal(unstored.output_text, 're: no state needed (1 messages)');
  const stored = await b.client().responses.create({ model: MODEL, input: 'stored, hopefully' });
  t.equal(stored.output_text, 're: stored, hopefully (1 messages)', 'a store:true answer is not lost when the put fails');
  const chat = await a.client().chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'chat works' }] });
  t.equal(chat.choices[0]!.message.content, 're: chat works (1 messages)');
  for (const replica of [a, b]) {
    const ready = await readyz(replica);
    t.equal(ready.code, 200, `${replica.name}: still ready`);
    t.match(ready.body, { status: 'ready', responses_store: { kind: 'redis', status: 'down', reason: /refused|closed|did not answer/ } }, `${replica.name}: /readyz says the store is down`);
  }
  t.match(b.service.stdout(), /the response could not be stored/, 'B logged the lost state');
  t.match(b.service.stdout(), /responses store \(Redis\) unreachable/, 'and the outage');

  // Redis is back (its append-only file kept the data): the same processes reconnect by themselves.
  await redis.launch();
  await storeUp(t, [a, b], 5000);
  const fourth = await b.client().responses.create({ model: MODEL, input: 'fourth question', previous_response_id: third.id });
  t.equal(fourth.output_text, 're: fourth question (7 messages)', 'the conversation from before the crash goes on, on B');
  t.equal((await a.client().responses.retrieve(fourth.id)).output_text, fourth.output_text, 'and is read on A');
  await notFound(t, () => a.client().responses.retrieve(stored.id), 'the response answered during the outage was not stored');
  t.notMatch(a.service.stdout() + b.service.stdout() + a.service.stderr() + b.service.stderr(), new RegExp(`${KEY_A}|${KEY_B}`), 'no key in any log line');
});
