// The service's own errors: OpenAI-shaped on OpenAI routes, Anthropic-shaped on Anthropic routes, never
// HTML or a stack trace; and the catalogue behind them, with the mapping of upstream errors.
import t from 'tap';
import { ERROR_CATALOGUE, ProxyError, toAnthropicError, toOpenAIError, type ErrorCode } from '../src/errors.ts';
import { buildTestApp } from './helpers/app.ts';

async function appWithEchoRoutes(t: { teardown(fn: () => unknown): void }) {
  const built = await buildTestApp(t, { BODY_LIMIT_BYTES: '2048' });
  const echo = async (request: { body: unknown }) => ({ got: request.body });
  built.app.post('/v1/echo-test', echo);
  built.app.post('/v1/messages/echo-test', echo);
  return built;
}

const openAIShape = { error: { message: String, type: String, code: String } };
const anthropicShape = { type: 'error', error: { type: String, message: String } };

t.test('unknown routes are 404 in the family shape', async (t) => {
  const { app } = await appWithEchoRoutes(t);
  const openai = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
  t.equal(openai.statusCode, 404);
  t.match(openai.json(), { error: { type: 'not_found_error', param: null, code: 'unknown_route' } });
  const anthropic = await app.inject({ method: 'POST', url: '/v1/messages/nothing-here', payload: {} });
  t.equal(anthropic.statusCode, 404);
  t.match(anthropic.json(), { type: 'error', error: { type: 'not_found_error' } });
});

t.test('a URL the router cannot decode is a 400 in the family shape, with a request id', async (t) => {
  const { app } = await appWithEchoRoutes(t);
  const openai = await app.inject({ method: 'GET', url: '/v1/%ZZ' });
  t.equal(openai.statusCode, 400);
  t.match(openai.json(), { error: { type: 'invalid_request_error', code: 'invalid_url', message: /not valid/ } });
  t.match(openai.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const anthropic = await app.inject({ method: 'POST', url: '/v1/messages%ZZ', payload: {} });
  t.equal(anthropic.statusCode, 400);
  t.match(anthropic.json(), { type: 'error', error: { type: 'invalid_request_error' } });
});

t.test('malformed JSON is 400, wrong content type 415, too large 413, in both shapes', async (t) => {
  const { app } = await appWithEchoRoutes(t);
  for (const [url, shape] of [['/v1/echo-test', openAIShape], ['/v1/messages/echo-test', anthropicShape]] as const) {
    const bad = await app.inject({ method: 'POST', url, payload: '{"a":', headers: { 'content-type': 'application/json' } });
    t.equal(bad.statusCode, 400, `${url} malformed`);
    t.match(bad.json(), shape);
    t.match(bad.body, /not valid JSON/);

    const text = await app.inject({ method: 'POST', url, payload: 'hello', headers: { 'content-type': 'text/plain' } });
    t.equal(text.statusCode, 415, `${url} text/plain`);
    t.match(text.json(), shape);

    const big = await app.inject({ method: 'POST', url, payload: { text: 'x'.repeat(4096) } });
    t.equal(big.statusCode, 413, `${url} too large`);
    t.match(big.json(), shape);
    t.match(big.body, /BODY_LIMIT_BYTES/);

    const empty = await app.inject({ method: 'POST', url, payload: '', headers: { 'content-type': 'application/json' } });
    t.equal(empty.statusCode, 400, `${url} empty`);
    t.match(empty.json(), shape);

    const ok = await app.inject({ method: 'POST', url, payload: { a: 1 } });
    t.equal(ok.statusCode, 200);
    t.same(ok.json(), { got: { a: 1 } });
  }
});

t.test('an unexpected exception is a 500 without details, logged in full', async (t) => {
  const { app, logs } = await buildTestApp(t);
  app.get('/v1/boom-test', async () => {
    throw new Error('secret internal detail');
  });
  const res = await app.inject({ method: 'GET', url: '/v1/boom-test' });
  t.equal(res.statusCode, 500);
  t.match(res.json(), { error: { type: 'server_error', code: 'internal_error' } });
  t.notMatch(res.body, /secret internal detail|at .*\.ts/);
  t.match(logs.join(''), /secret internal detail/);
});

// ---- the catalogue itself, as pure functions ----

t.test('every catalogue code renders with its own status and type in both shapes', async (t) => {
  const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
  t.ok(codes.length > 20);
  const statusOf = new Map<string, number>();
  for (const code of codes) {
    const error = new ProxyError(code, 'm', { param: 'p' });
    const row = ERROR_CATALOGUE[code];
    t.equal(error.statusCode, row.status, code);
    t.strictSame(toOpenAIError(error), { error: { message: 'm', type: row.openai, param: 'p', code } }, code);
    t.strictSame(toAnthropicError(error), { type: 'error', error: { type: row.anthropic, message: 'm' } }, code);
    statusOf.set(code, row.status);
  }
  t.equal(statusOf.get('unsupported_media_type'), 400, 'a part of an unsupported type');
  t.equal(statusOf.get('unsupported_content_type'), 415, 'a body that is not JSON');
  t.equal(ERROR_CATALOGUE.shutting_down.anthropic, 'overloaded_error');
  t.equal(ERROR_CATALOGUE.upstream_idle_timeout.openai, 'server_error');
});

t.test('errors raised by others are typed by their status', async (t) => {
  t.strictSame(toOpenAIError(ProxyError.foreign(409, 'FST_X', 'conflict')), { error: { message: 'conflict', type: 'invalid_request_error', param: null, code: 'FST_X' } });
  t.equal(ProxyError.foreign(429, null, 'x').openaiType, 'rate_limit_error');
  t.equal(ProxyError.foreign(403, null, 'x').anthropicType, 'permission_error');
  t.equal(ProxyError.foreign(503, null, 'x').anthropicType, 'overloaded_error');
  t.equal(ProxyError.foreign(418, null, 'x').anthropicType, 'invalid_request_error');
  t.equal(ProxyError.foreign(599, null, 'x').openaiType, 'server_error');
});
