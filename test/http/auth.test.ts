// Inbound auth with PROXY_API_KEYS: every /v1/* request needs a proxy key, compared in constant time; the
// proxy key never goes upstream; probes stay open; the warning for an exposed SERVER_API_KEY.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import t from 'tap';
import { isLoopbackHost, keyMatcher } from '../../src/http/auth.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';

t.test('the key matcher accepts exactly the configured keys', async (t) => {
  const matches = keyMatcher(['key-one', 'key-two']);
  t.ok(matches('key-one'));
  t.ok(matches('key-two'));
  t.notOk(matches('key-on'));
  t.notOk(matches('key-one '));
  t.notOk(matches(''));
  t.notOk(matches(null));
  t.notOk(keyMatcher([])('anything'));
});

t.test('with PROXY_API_KEYS, /v1 requests need a key; 401 in each family shape; probes stay open', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, PROXY_API_KEYS: 'proxy-key-1,proxy-key-2', SERVER_API_KEY: 'sk-upstream' });
  const base = await listen(app);

  const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'wrong-key', maxRetries: 0 });
  t.type(await openai.models.list().catch((e: unknown) => e), OpenAI.AuthenticationError);
  const none = await app.inject({ method: 'GET', url: '/v1/models' });
  t.equal(none.statusCode, 401);
  t.match(none.json(), { error: { type: 'authentication_error', code: 'invalid_api_key', message: /PROXY_API_KEYS/ } });

  const anthropicWrong = new Anthropic({ baseURL: base, apiKey: 'wrong-key', maxRetries: 0 });
  const error = await anthropicWrong.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
  t.type(error, Anthropic.AuthenticationError);
  t.match((error as InstanceType<typeof Anthropic.AuthenticationError>).error, { type: 'error', error: { type: 'authentication_error' } });
  t.equal(mock.requests.length, 0, 'nothing went upstream');

  const good = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'proxy-key-2', maxRetries: 0 });
  t.ok((await good.models.list()).data.length > 0, 'Bearer proxy key accepted');
  const anthropicGood = new Anthropic({ baseURL: base, apiKey: 'proxy-key-1', maxRetries: 0 });
  await anthropicGood.messages.create({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-upstream', 'the proxy key is replaced by SERVER_API_KEY upstream');

  for (const url of ['/', '/healthz', '/readyz', '/openapi.json', '/metrics']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} needs no key`);
  }
});

t.test('METRICS_REQUIRE_AUTH protects /metrics with the same keys', async (t) => {
  const { app } = await buildTestApp(t, { PROXY_API_KEYS: 'proxy-key-1', METRICS_REQUIRE_AUTH: 'true' });
  t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': 'proxy-key-1' } })).statusCode, 200);
});

t.test('a warning at start-up when SERVER_API_KEY is exposed without inbound auth', async (t) => {
  const exposed = await buildTestApp(t, { SERVER_API_KEY: 'sk-secret-value', HOST: '0.0.0.0' });
  t.match(exposed.logs.join(''), /anyone who can reach this port spends that key/);
  t.notMatch(exposed.logs.join(''), /sk-secret-value/);
  const loopback = await buildTestApp(t, { SERVER_API_KEY: 'sk-secret-value', HOST: '127.0.0.1' });
  t.notMatch(loopback.logs.join(''), /spends that key/);
  const guarded = await buildTestApp(t, { SERVER_API_KEY: 'sk-secret-value', PROXY_API_KEYS: 'p-key-1' });
  t.notMatch(guarded.logs.join(''), /spends that key/);
  t.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost') && !isLoopbackHost('0.0.0.0'));
});

t.test('percent-encoded paths are checked as the router reads them: no way around the key', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, PROXY_API_KEYS: 'proxy-key-1', METRICS_REQUIRE_AUTH: 'true', SERVER_API_KEY: 'sk-upstream' });
  for (const url of ['/%761/models', '/v%31/models', '/%76%31/models/glm-4.5', '/%6detrics']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 401, `GET ${url}`);
  }
  const chat = await app.inject({ method: 'POST', url: '/%76%31/chat/completions', payload: { model: 'glm-4.5', messages: [{ role: 'user', content: 'hi' }] } });
  t.equal(chat.statusCode, 401);
  t.match(chat.json(), { error: { code: 'invalid_api_key' } }, 'OpenAI shape');
  const messages = await app.inject({ method: 'POST', url: '/v1/%6dessages', payload: { model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] } });
  t.equal(messages.statusCode, 401);
  t.match(messages.json(), { type: 'error', error: { type: 'authentication_error' } }, 'Anthropic shape, by the route matched');
  t.equal(mock.requests.length, 0, 'nothing went upstream');
  t.equal((await app.inject({ method: 'GET', url: '/v%31/models', headers: { authorization: 'Bearer proxy-key-1' } })).statusCode, 200, 'with the key it is served');
});

t.test('with CORS and PROXY_API_KEYS, a browser preflight is answered; the request itself needs the key', async (t) => {
  const { app } = await buildTestApp(t, { PROXY_API_KEYS: 'proxy-key-1', CORS_ORIGINS: 'https://app.example' });
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/chat/completions',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
  const plain = await app.inject({ method: 'OPTIONS', url: '/v1/chat/completions', headers: { origin: 'https://app.example' } });
  t.ok(plain.statusCode >= 400 && plain.statusCode < 500, `an OPTIONS that is not a preflight is refused (${plain.statusCode})`);
  const request = await app.inject({ method: 'GET', url: '/v1/models', headers: { origin: 'https://app.example' } });
  t.equal(request.statusCode, 401);
  t.equal(request.headers['access-control-allow-origin'], 'https://app.example', 'the 401 is readable by the page');
});
