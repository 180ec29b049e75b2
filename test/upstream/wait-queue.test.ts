// A z.ai Coding Plan key that allows one request in flight: concurrent requests wait for it in arrival order
// instead of being refused; a queue that is full or waits too long answers 503 with retry-after.
import t from 'tap';
import OpenAI from 'openai';
import { anthropicMessage } from '../helpers/mock-upstream.ts';
import { routedSetup } from '../helpers/routing.ts';

/** The question a translated request carries (`q3`). */
const question = (body: { messages: unknown[] }) => JSON.stringify(body.messages[0]).match(/q\d+/)?.[0];

const oneKey = (queue?: { maxWaitMs: number; maxLength: number }) => ({ zai: { profile: 'zai' as const, keys: [{ name: 'coding-plan', value: 'sk-coding-plan-0123', maxInFlight: 1 }], queue } });

t.test('ten concurrent requests through one key limited to one in flight: all answered, none refused, in arrival order', async (t) => {
  const { base, mocks, app } = await routedSetup(t, oneKey(), { 'glm-4.6': [['zai', 'glm-4.6']] });
  let inFlight = 0;
  let most = 0;
  mocks.zai!.setHandler(async (request) => {
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 100));
    inFlight--;
    return { kind: 'json', body: anthropicMessage({ text: `answer to ${question(request.body)}` }) };
  });
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'x', maxRetries: 0 });
  const answers: Promise<string | null>[] = [];
  for (let i = 0; i < 10; i++) {
    answers.push(client.chat.completions.create({ model: 'glm-4.6', messages: [{ role: 'user', content: `q${i}` }] }).then((answer) => answer.choices[0]!.message.content));
    // Apart enough that the arrival order is known on a busy machine, close enough that a queue forms.
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  t.strictSame(await Promise.all(answers), Array.from({ length: 10 }, (_, i) => `answer to q${i}`));
  t.equal(most, 1, 'never more than one in flight on the key');
  t.strictSame(mocks.zai!.requests.map((request) => question(request.body)), Array.from({ length: 10 }, (_, i) => `q${i}`), 'served in arrival order');
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.match(metrics, /proxy_upstream_queue_wait_seconds_count \d+/);
  t.equal(app.upstreams.waiting, 0);
  t.equal(app.upstreams.inFlight, 0, "every client slot released (the key lease and the client's slot both end with the answer)");
  t.equal(app.upstreams.slots.get('zai')![0]!.inFlight, 0, 'every key lease released');
});

t.test('a full queue and a wait that is too long: 503 upstream_busy with retry-after', async (t) => {
  const { base, mocks } = await routedSetup(t, oneKey({ maxWaitMs: 150, maxLength: 1 }), { 'glm-4.6': [['zai', 'glm-4.6']] });
  mocks.zai!.setHandler(async () => {
    await new Promise((resolve) => setTimeout(resolve, 600));
    return { kind: 'json', body: anthropicMessage() };
  });
  const post = () => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] }) });
  const holding = post();
  await mocks.zai!.waitForRequests(1);
  const waiting = post();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const refused = await post();
  t.equal(refused.status, 503, 'the queue holds one: the third is refused at once');
  t.match(await refused.json(), { error: { code: 'upstream_busy' } });
  t.ok(refused.headers.get('retry-after'));
  const timedOut = await waiting;
  t.equal(timedOut.status, 503, 'the waiter gives up after max_wait_ms');
  t.match(await timedOut.json(), { error: { code: 'upstream_busy', message: /stayed busy for 150 ms/ } });
  t.equal((await holding).status, 200);
});

t.test('a client that leaves while it waits leaves the queue', async (t) => {
  const { base, mocks, app } = await routedSetup(t, oneKey(), { 'glm-4.6': [['zai', 'glm-4.6']] });
  mocks.zai!.setHandler(async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { kind: 'json', body: anthropicMessage() };
  });
  const body = JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] });
  const holding = fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await mocks.zai!.waitForRequests(1);
  const controller = new AbortController();
  const leaving = fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: controller.signal }).catch(() => 'aborted');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.upstreams.waiting, 1);
  controller.abort();
  t.equal(await leaving, 'aborted');
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.equal(app.upstreams.waiting, 0, 'gone from the queue');
  t.equal((await holding).status, 200);
  t.equal(mocks.zai!.requests.length, 1, 'the one that left never reached the upstream');
});
