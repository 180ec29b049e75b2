// Client keys: expiry, allowed models, limits with their headers and 429s in each route's shape, the token
// limit settled with the real usage, in-flight, usage records and GET /admin/usage with the admin key.
import t from 'tap';
import { createHash } from 'node:crypto';
import { ADMIN_KEY, appWithKeys, freshMinute, messageBody, tempDir } from '../helpers/client-keys.ts';
import { anthropicMessage, MockUpstream } from '../helpers/mock-upstream.ts';
import { messageReply, textBlock } from '../helpers/anthropic-replies.ts';

const KEY_ONE = 'ck-one-0123456789abcdef';
const KEY_TWO = 'ck-two-0123456789abcdef';
const KEY_OLD = 'ck-old-0123456789abcdef';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const keysYaml = (limits: string, extra = '') => `client_keys:
  app-one:
    key: "\${KEY_ONE}"
    models: [glm-4.6]
    limits: ${limits}
  app-two:
    key_sha256: ${sha(KEY_TWO)}
  app-old:
    key: "${KEY_OLD}"
    expires_at: 2020-01-01T00:00:00Z
${extra}`;

const post = (app: any, key: string, url: string, body: unknown) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` }, payload: body });
const chat = (model: string, stream = false) => ({ model, stream, messages: [{ role: 'user', content: 'hi' }] });

t.test('expired key 401; model outside models 403 model_not_allowed in each shape; client keys never go upstream', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app, logs } = await appWithKeys(t, keysYaml('{}'), { UPSTREAM_BASE: mock.url, SERVER_API_KEY: 'sk-upstream-key', KEY_ONE });

  const expired = await post(app, KEY_OLD, '/v1/chat/completions', chat('glm-4.6'));
  t.equal(expired.statusCode, 401);
  t.match(expired.json(), { error: { code: 'invalid_api_key', message: /app-old.*expired/ } });

  const chatRefused = await post(app, KEY_ONE, '/v1/chat/completions', chat('other-model'));
  t.equal(chatRefused.statusCode, 403);
  t.match(chatRefused.json(), { error: { type: 'permission_error', code: 'model_not_allowed', param: 'model' } });
  const messagesRefused = await post(app, KEY_ONE, '/v1/messages', messageBody('other-model'));
  t.equal(messagesRefused.statusCode, 403);
  t.match(messagesRefused.json(), { type: 'error', error: { type: 'permission_error', message: /may not use the model "other-model"/ } });
  t.equal(mock.requests.length, 0, 'refused requests never reach the upstream');

  const allowed = await post(app, KEY_ONE, '/v1/chat/completions', chat('glm-4.6'));
  t.equal(allowed.statusCode, 200);
  const any = await post(app, KEY_TWO, '/v1/messages', messageBody('whatever'));
  t.equal(any.statusCode, 200, 'a key without models may use any model; key_sha256 works');
  t.equal(mock.requests.length, 2);
  for (const request of mock.requests) {
    t.equal(request.headers['x-api-key'] ?? request.headers.authorization?.replace('Bearer ', ''), 'sk-upstream-key', 'the service key goes upstream, never the client key');
  }
  const lines = logs.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request completed' && line.status === 200);
  t.strictSame(lines.map((line) => line.client_key), ['app-one', 'app-two'], 'the key name on the access line');
  t.notOk(logs.join('\n').includes(KEY_ONE), 'the key itself is never logged');
});

t.test('rpm: headers on every answer, then 429 with retry-after in each shape, nothing upstream', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await appWithKeys(t, keysYaml('{ rpm: 3, tpm: 100000 }'), { UPSTREAM_BASE: mock.url, KEY_ONE });
  await freshMinute(15_000);
  const first = await post(app, KEY_ONE, '/v1/chat/completions', chat('glm-4.6'));
  t.equal(first.statusCode, 200);
  t.equal(first.headers['x-ratelimit-limit-requests'], '3');
  t.equal(first.headers['x-ratelimit-remaining-requests'], '2');
  t.match(first.headers['x-ratelimit-reset-requests'], /^\d+(ms|s|m\d+s)$/);
  t.equal(first.headers['x-ratelimit-limit-tokens'], '100000');
  t.ok(Number(first.headers['x-ratelimit-remaining-tokens']) < 100000);
  t.match(first.headers['x-ratelimit-reset-tokens'], /^\d+(ms|s|m\d+s)$/);
  const streamed = await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6', true));
  t.equal(streamed.statusCode, 200);
  t.equal(streamed.headers['x-ratelimit-remaining-requests'], '1', 'a stream carries them too');
  t.equal((await post(app, KEY_ONE, '/v1/chat/completions', chat('glm-4.6'))).statusCode, 200);
  const before = mock.requests.length;
  const refused = await post(app, KEY_ONE, '/v1/chat/completions', chat('glm-4.6'));
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), { error: { type: 'rate_limit_error', code: 'client_rate_limited', message: /requests per minute/ } });
  t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 60);
  t.equal(refused.headers['x-ratelimit-remaining-requests'], '0');
  const refusedMessages = await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'));
  t.equal(refusedMessages.statusCode, 429);
  t.match(refusedMessages.json(), { type: 'error', error: { type: 'rate_limit_error' } });
  t.equal(mock.requests.length, before, 'refused requests never reach the upstream');
  const other = await post(app, KEY_TWO, '/v1/messages', messageBody('glm-4.6'));
  t.equal(other.statusCode, 200, 'another key has its own limits');
  t.equal(other.headers['x-ratelimit-limit-requests'], undefined, 'a key without limits gets no limit headers of ours');
});

t.test('the token limit follows the real usage (input + cache writes + output, not cache reads)', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  mock.setHandler(() => ({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 400, cache_creation_input_tokens: 100, cache_read_input_tokens: 5000, output_tokens: 300 } }) }));
  const { app } = await appWithKeys(t, keysYaml('{ tokens_per_day: 1604 }'), { UPSTREAM_BASE: mock.url, KEY_ONE });
  t.equal((await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'))).statusCode, 200);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal((await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'))).statusCode, 200, '800 of 1604 used: the estimate of a few tokens passes');
  await new Promise((resolve) => setTimeout(resolve, 20));
  const refused = await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'));
  t.equal(refused.statusCode, 429, '1600 of 1604 used (cache reads not counted): the next estimate (at least 6) does not fit');
  t.match(refused.json(), { error: { message: /tokens per UTC day/ } });
  const retryAfter = Number(refused.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 86_400, 'retry-after: the next UTC midnight');
  t.equal(mock.requests.length, 2);
});

t.test('in flight: a second request while the first streams is a 429; once it ends, the next passes', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  mock.setHandler(async (request) => {
    if (mock.requests.length === 1) await gate;
    return messageReply(request, { content: [textBlock('ok')] });
  });
  const { app } = await appWithKeys(t, keysYaml('{ in_flight: 1 }'), { UPSTREAM_BASE: mock.url, KEY_ONE });
  const first = post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'));
  await mock.waitForRequests(1);
  const second = await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'));
  t.equal(second.statusCode, 429);
  t.match(second.json(), { error: { message: /requests in flight/ } });
  release();
  t.equal((await first).statusCode, 200);
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal((await post(app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'))).statusCode, 200);
});

t.test('usage: totals by key, model, upstream and day over streams, aborts and errors; /admin/usage with the admin key only; cost', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  let n = 0;
  const sent = { input: 0, output: 0, read: 0, write: 0 };
  mock.setHandler((request) => {
    n++;
    if (n % 5 === 0) return { kind: 'json', status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'no' } } };
    const usage = { input_tokens: 10 + n, output_tokens: 3 * n, cache_read_input_tokens: n, cache_creation_input_tokens: 2 };
    sent.input += usage.input_tokens;
    sent.output += usage.output_tokens;
    sent.read += usage.cache_read_input_tokens;
    sent.write += usage.cache_creation_input_tokens;
    return messageReply(request, { content: [textBlock('some answer text')], usage });
  });
  const prices = 'prices:\n  glm-4.6: { input: 1, output: 2, cache_read: 0.5, cache_write: 1.25 }\n';
  const { app } = await appWithKeys(t, keysYaml('{ rpm: 1000 }', prices), { UPSTREAM_BASE: mock.url, KEY_ONE });
  const base = await (await import('../helpers/app.ts')).listen(app);
  for (let i = 0; i < 12; i++) {
    const key = i % 2 === 0 ? KEY_ONE : KEY_TWO;
    if (i % 3 === 0) await post(app, key, '/v1/messages', messageBody('glm-4.6', true));
    else if (i % 3 === 1) await post(app, key, '/v1/chat/completions', chat('glm-4.6', true));
    else await post(app, key, '/v1/chat/completions', chat('glm-4.6'));
  }
  // A stream the client leaves after its first bytes: what was used still counts.
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/messages`, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json', 'x-api-key': KEY_ONE }, body: JSON.stringify(messageBody('glm-4.6', true)) });
  const reader = response.body!.getReader();
  await reader.read();
  controller.abort();
  await new Promise((resolve) => setTimeout(resolve, 200));

  const client = await app.inject({ method: 'GET', url: '/admin/usage', headers: { authorization: `Bearer ${KEY_ONE}` } });
  t.equal(client.statusCode, 403, 'a client key gets 403 on the admin API');
  t.match(client.json(), { error: { type: 'permission_error' } });
  t.equal((await app.inject({ method: 'GET', url: '/admin/usage' })).statusCode, 401);

  const admin = (query: string) => app.inject({ method: 'GET', url: `/admin/usage${query}`, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  const total = (await admin('?group_by=model')).json();
  t.equal(total.object, 'list');
  t.equal(total.data.length, 1);
  const [row] = total.data;
  t.strictSame(Object.keys(row).sort(), ['cache_read_tokens', 'cache_write_tokens', 'cost', 'input_tokens', 'model', 'output_tokens', 'reasoning_tokens', 'requests'], 'grouped-away fields absent');
  t.equal(row.requests, 13, 'every answered request, errors included');
  t.equal(row.input_tokens, sent.input);
  t.equal(row.output_tokens, sent.output);
  t.equal(row.cache_read_tokens, sent.read);
  t.equal(row.cache_write_tokens, sent.write);
  t.equal(row.cost, Math.round(((sent.input * 1 + sent.output * 2 + sent.read * 0.5 + sent.write * 1.25) / 1e6) * 1e6) / 1e6);

  const byKey = (await admin('?group_by=key,day')).json().data;
  t.strictSame(byKey.map((r: any) => r.key).sort(), ['app-one', 'app-two']);
  t.equal(byKey[0].day, new Date().toISOString().slice(0, 10));
  t.equal(byKey.reduce((sum: number, r: any) => sum + r.input_tokens, 0), sent.input);
  const one = (await admin('?key=app-two')).json().data;
  t.ok(one.length > 0 && one.every((r: any) => r.key === 'app-two' && r.upstream === 'default' && r.model === 'glm-4.6'));
  t.equal((await admin('?from=2020-13-01')).statusCode, 400);
  t.equal((await admin('?group_by=colour')).statusCode, 400);

  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /proxy_client_key_tokens_total\{key="app-one",kind="input"\} \d+/);
  t.match(metrics, /proxy_client_key_requests_total\{key="app-two",status="200"\} \d+/);
});

t.test('budgets and usage in DATA_DIR survive a restart (SQLite)', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  mock.setHandler(() => ({ kind: 'json', body: anthropicMessage({ usage: { input_tokens: 100, output_tokens: 50 } }) }));
  const dataDir = tempDir(t, 'client-keys-data-');
  const env = { UPSTREAM_BASE: mock.url, KEY_ONE, DATA_DIR: dataDir };
  const first = await appWithKeys(t, keysYaml('{}'), env);
  for (let i = 0; i < 3; i++) t.equal((await post(first.app, KEY_ONE, '/v1/messages', messageBody('glm-4.6'))).statusCode, 200);
  await new Promise((resolve) => setTimeout(resolve, 50));
  await first.app.close();
  const second = await appWithKeys(t, keysYaml('{}'), env);
  const usage = (await second.app.inject({ method: 'GET', url: '/admin/usage?group_by=key', headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json();
  t.strictSame(usage.data, [{ key: 'app-one', requests: 3, input_tokens: 300, output_tokens: 150, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, cost: null }]);
});
