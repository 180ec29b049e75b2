// Several upstreams behind one service, driven through the openai SDK on a real port: fallback before the first
// byte (every trigger), none after it, cool-down and recovery, weights, affinity, and a thinking tool loop that
// falls back to another provider without its signatures.
import t from 'tap';
import OpenAI from 'openai';
import { anthropicErrorBody, anthropicMessage, textStreamEvents } from '../helpers/mock-upstream.ts';
import { accessLines, routedSetup } from '../helpers/routing.ts';

const openai = (base: string) => new OpenAI({ baseURL: `${base}/v1`, apiKey: 'client-key', maxRetries: 0 });
const ask = (base: string, text = 'hi', model = 'glm-4.6') => openai(base).chat.completions.create({ model, messages: [{ role: 'user', content: text }] });
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

const TWO = { zai: { profile: 'zai' as const }, anthropic: { profile: 'anthropic' as const } };
const GLM = { 'glm-4.6': [['zai', 'glm-4.6'], ['anthropic', 'claude-sonnet-4-5']] as Array<[string, string]> };

t.test('z.ai answering 429 sends the request to the next upstream, with no error at the client', async (t) => {
  const { base, mocks, logs } = await routedSetup(t, TWO, GLM);
  mocks.zai!.enqueue({ kind: 'json', status: 429, body: anthropicErrorBody('rate_limit_error', 'slow down') });
  mocks.anthropic!.enqueue({ kind: 'json', body: anthropicMessage({ text: 'from anthropic', model: 'claude-sonnet-4-5' }) });
  const answer = await ask(base);
  t.equal(answer.choices[0]!.message.content, 'from anthropic');
  t.equal(mocks.zai!.requests.length, 1);
  t.equal(mocks.anthropic!.lastRequest.body.model, 'claude-sonnet-4-5', 'the route names the model as that upstream knows it');
  t.equal(mocks.anthropic!.lastRequest.headers['x-api-key'], 'sk-anthropic-0123456789', "that upstream's own key");
  await settle();
  t.match(accessLines(logs).at(-1), { status: 200, model: 'glm-4.6', upstream: 'anthropic', key_name: 'anthropic-key', attempts: 2 });
});

for (const status of [429, 500, 502, 503, 504, 529]) {
  t.test(`status ${status} before the first byte moves on at once (no retry on the same key)`, async (t) => {
    const { base, mocks } = await routedSetup(t, TWO, GLM, { MAX_RETRIES: '3' });
    mocks.zai!.enqueue({ kind: 'json', status, body: anthropicErrorBody('api_error', `failing with ${status}`) });
    const answer = await ask(base);
    t.equal(answer.choices[0]!.message.content, 'Hello from the mock upstream.');
    t.equal(mocks.zai!.requests.length, 1, 'not retried on the failing key');
    t.equal(mocks.anthropic!.requests.length, 1);
  });
}

t.test('a connection failure and a headers timeout move on too', async (t) => {
  const { base, mocks } = await routedSetup(t, { dead: { url: 'http://127.0.0.1:1' }, slow: { timeouts: { headersMs: 100 } }, good: {} }, {
    m: [['dead', 'm'], ['slow', 'm'], ['good', 'm']],
  });
  mocks.slow!.enqueue({ kind: 'hang' });
  const answer = await ask(base, 'hi', 'm');
  t.equal(answer.choices[0]!.message.content, 'Hello from the mock upstream.');
  t.equal(mocks.slow!.requests.length, 1);
  t.equal(mocks.good!.requests.length, 1);
});

t.test('an answer about the request itself (400) is the client\'s: no fallback', async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, GLM);
  mocks.zai!.enqueue({ kind: 'json', status: 400, body: anthropicErrorBody('invalid_request_error', 'bad field') });
  await t.rejects(ask(base), { status: 400 } as never);
  t.equal(mocks.anthropic!.requests.length, 0);
});

t.test('the last route failing: its answer is the client\'s', async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, GLM);
  mocks.zai!.enqueue({ kind: 'json', status: 503, body: anthropicErrorBody('overloaded_error', 'one') });
  mocks.anthropic!.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'two') });
  await t.rejects(ask(base), { status: 503 } as never, 'the last answer (529, overloaded) in OpenAI\'s shape');
  t.equal(mocks.zai!.requests.length + mocks.anthropic!.requests.length, 2);
});

t.test('nothing falls back after the first byte of a stream', async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, GLM);
  const events = textStreamEvents(['Hel', 'lo']);
  mocks.zai!.enqueue({ kind: 'sse', events: events.slice(0, 4), after: 'destroy' });
  const stream = await openai(base).chat.completions.create({ model: 'glm-4.6', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  await t.rejects((async () => {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  })());
  t.equal(text, 'Hel', 'what was sent stays sent');
  t.equal(mocks.anthropic!.requests.length, 0, 'no second upstream after the first byte');
});

t.test('a failing key cools down and comes back by itself', async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, GLM);
  mocks.zai!.enqueue({ kind: 'json', status: 503, headers: { 'retry-after': '1' }, body: anthropicErrorBody('overloaded_error', 'down') });
  await ask(base, 'one');
  t.equal(mocks.anthropic!.requests.length, 1);
  await ask(base, 'two');
  t.equal(mocks.zai!.requests.length, 1, 'cooling: not asked again at once');
  t.equal(mocks.anthropic!.requests.length, 2);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await ask(base, 'three');
  t.equal(mocks.zai!.requests.length, 2, 'back after its retry-after');
  t.equal(mocks.anthropic!.requests.length, 2);
});

t.test('routes of one priority share load by weight (3:1, 400 conversations, within 7 points)', async (t) => {
  const { app, mocks } = await routedSetup(t, { a: {}, b: {} }, { m: [['a', 'm', 0, 3], ['b', 'm', 0, 1]] });
  for (let i = 0; i < 400; i++) {
    const response = await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'm', messages: [{ role: 'user', content: `conversation ${i}` }] } });
    if (response.statusCode !== 200) t.fail(`status ${response.statusCode}`);
  }
  const share = mocks.a!.requests.length / 400;
  t.ok(Math.abs(share - 0.75) <= 0.07, `a got ${(share * 100).toFixed(1)}%`);
});

t.test('a conversation keeps its upstream key: prompt_cache_key, the session header, its beginning', async (t) => {
  const keys = [{ name: 'k1', value: 'sk-k1-0123456789' }, { name: 'k2', value: 'sk-k2-0123456789' }, { name: 'k3', value: 'sk-k3-0123456789' }];
  const { app, mocks } = await routedSetup(t, { a: { keys }, b: { keys } }, { m: [['a', 'm', 0], ['b', 'm', 0]] });
  const seen = async (payload: object, headers: Record<string, string> = {}) => {
    const used = new Set<string>();
    for (let turn = 0; turn < 8; turn++) {
      const before = { a: mocks.a!.requests.length, b: mocks.b!.requests.length };
      await app.inject({ method: 'POST', url: '/v1/chat/completions', headers, payload });
      const mock = mocks.a!.requests.length > before.a ? mocks.a! : mocks.b!;
      used.add(`${mock === mocks.a ? 'a' : 'b'}:${mock.lastRequest.headers['x-api-key']}`);
    }
    return used;
  };
  t.equal((await seen({ model: 'm', prompt_cache_key: 'conv-1', messages: [{ role: 'user', content: 'x' }] })).size, 1, 'prompt_cache_key');
  t.equal((await seen({ model: 'm', messages: [{ role: 'user', content: 'y' }] }, { session_id: 'codex-session' })).size, 1, 'session header');
  t.equal((await seen({ model: 'm', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'z' }] })).size, 1, 'the beginning');
  const spread = new Set<string>();
  for (let i = 0; i < 40; i++) {
    for (const mock of Object.values(mocks)) mock.requests.length = 0;
    await app.inject({ method: 'POST', url: '/v1/chat/completions', payload: { model: 'm', prompt_cache_key: `c${i}`, messages: [{ role: 'user', content: 'x' }] } });
    const mock = mocks.a!.requests.length > 0 ? mocks.a! : mocks.b!;
    spread.add(`${mock === mocks.a ? 'a' : 'b'}:${mock.lastRequest.headers['x-api-key']}`);
  }
  t.ok(spread.size >= 5, `different conversations spread over the keys (${spread.size} of 6 used)`);
});

t.test('a fallback in the middle of a thinking tool loop sends the next provider no foreign signature', async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, GLM);
  mocks.zai!.enqueue({ kind: 'json', status: 429, body: { type: 'error', error: { type: 'rate_limit_error', message: 'busy', code: '1302' } } });
  const messages = [
    { role: 'user', content: 'weather in Paris?' },
    {
      role: 'assistant',
      content: null,
      thinking_blocks: [{ type: 'thinking', thinking: 'I should call the tool.', signature: 'zai-signature-abc' }],
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
  ];
  const answer = await openai(base).chat.completions.create({
    model: 'glm-4.6',
    reasoning_effort: 'high',
    tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    messages,
  } as never);
  t.ok(answer.choices[0]!.message.content);
  const home = JSON.stringify(mocks.zai!.lastRequest.body);
  t.ok(home.includes('zai-signature-abc'), 'the home provider gets its own thinking back');
  const moved = mocks.anthropic!.lastRequest.body;
  t.notOk(JSON.stringify(moved).includes('zai-signature-abc'), 'no foreign signature');
  t.notOk(JSON.stringify(moved.messages).includes('"thinking"'), 'no thinking block in the history');
  t.notOk('thinking' in moved, 'thinking off for this request, as Anthropic requires of a loop without its thinking');
  t.match(moved.messages[1].content, [{ type: 'tool_use', id: 'call_1', name: 'weather' }]);
});

t.test('the passthrough routes by model too (Claude Code gets the pool and the fallback)', async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, { opus: [['zai', 'glm-4.6'], ['anthropic', 'claude-opus-4-7']] });
  mocks.zai!.enqueue({ kind: 'json', status: 529, body: anthropicErrorBody('overloaded_error', 'busy') });
  const response = await fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'opus', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });
  t.equal(response.status, 200);
  await response.json();
  t.equal(mocks.zai!.lastRequest.body.model, 'glm-4.6');
  t.equal(mocks.anthropic!.lastRequest.body.model, 'claude-opus-4-7');
});

t.test("an upstream's key echoed in its answer never reaches the client, whole or streamed", async (t) => {
  const { base, mocks } = await routedSetup(t, TWO, GLM);
  const key = 'sk-zai-0123456789';
  mocks.zai!.enqueue({ kind: 'json', body: anthropicMessage({ text: `your key is ${key}` }) });
  const whole = await ask(base);
  t.notOk(whole.choices[0]!.message.content!.includes(key), 'masked in a whole answer');
  mocks.zai!.enqueue({ kind: 'sse', events: textStreamEvents(['your key is ', key]) });
  const stream = await openai(base).chat.completions.create({ model: 'glm-4.6', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  t.match(text, /^your key is /);
  t.notOk(text.includes(key), 'masked in a stream');
});

t.test('prompt_cache per upstream overrides PROMPT_CACHE=auto: off gets no breakpoints where the profile caches, on gets them where it does not', async (t) => {
  const system = 'Follow the house rules for every answer. '.repeat(200);
  const { base, mocks } = await routedSetup(t, {
    quiet: { profile: 'generic', promptCache: { mode: 'off' } },
    marked: { profile: 'deepseek', promptCache: { mode: 'on' } },
  }, { a: [['quiet', 'a']], b: [['marked', 'b']] }, { PROMPT_CACHE: 'auto' });
  for (const model of ['a', 'b']) {
    await openai(base).chat.completions.create({ model, messages: [{ role: 'system', content: system }, { role: 'user', content: 'hi' }] });
  }
  const markers = (body: unknown) => JSON.stringify(body).split('"cache_control"').length - 1;
  t.equal(markers(mocks.quiet!.requests[0]!.body), 0, 'off: none');
  t.strictSame(mocks.marked!.requests[0]!.body.system, [{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }], 'on: placed');
  t.ok(markers(mocks.marked!.requests[0]!.body) >= 2, 'on the latest turn too');
});
