// Route policy: what each route declares decides its key, drain and error shape (load shedding is in
// load-shedding.test.ts). Checked against the OpenAPI document, so that a new route with the wrong policy,
// or none, shows up here.
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';

const KEYS = { PROXY_API_KEYS: 'proxy-key-1' };

async function documentedRoutes(app: Awaited<ReturnType<typeof buildTestApp>>['app']): Promise<Array<{ method: string; url: string; tag: string }>> {
  const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { tags?: string[] }>> };
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      // Path parameters (`*`, `{id}`) get a value.
      url: path.replace(/\*|\{[^}]+\}/g, 'glm-4.5'),
      tag: operation.tags?.[0] ?? '',
    })),
  );
}

t.test('every documented API route needs the key, the admin routes the admin key; every other one is open', async (t) => {
  const { app } = await buildTestApp(t, KEYS);
  const routes = await documentedRoutes(app);
  t.ok(routes.filter((route) => route.tag === 'openai').length >= 3, 'OpenAI routes documented');
  t.ok(routes.filter((route) => route.tag === 'anthropic').length >= 2, 'Anthropic routes documented');
  for (const { method, url, tag } of routes) {
    const res = await app.inject({ method: method as 'GET', url, ...(method === 'POST' ? { payload: {} } : {}) });
    if (tag === 'openai' || tag === 'anthropic') {
      t.equal(res.statusCode, 401, `${method} ${url} needs a key`);
      t.match(res.json(), tag === 'anthropic' ? { type: 'error', error: { type: 'authentication_error' } } : { error: { code: 'invalid_api_key' } }, `${method} ${url} in the ${tag} shape`);
    } else if (tag === 'admin') {
      t.equal(res.statusCode, 401, `${method} ${url} needs the admin key`);
      const withProxyKey = await app.inject({ method: method as 'GET', url, headers: { authorization: 'Bearer proxy-key-1' } });
      t.equal(withProxyKey.statusCode, 403, `${method} ${url}: an API key is not the admin key`);
    } else {
      t.not(res.statusCode, 401, `${method} ${url} is open`);
    }
  }
  t.equal((await app.inject({ method: 'HEAD', url: '/v1/models' })).statusCode, 401, 'HEAD takes the policy of its GET');
  for (const url of ['/docs/', '/docs/static/swagger-ui-bundle.js', '/openapi.json']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url}: the documentation is open`);
  }
});

t.test('during a drain the API is refused; probes, metrics and the documentation are served', async (t) => {
  const { app } = await buildTestApp(t);
  app.lifecycle.draining = true;
  for (const url of ['/v1/models', '/v1/models/glm-4.5']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 503, url);
    t.equal(res.headers['retry-after'], '1');
    t.equal(res.headers.connection, 'close');
  }
  const messages = await app.inject({ method: 'POST', url: '/v1/messages', payload: { model: 'm', max_tokens: 1, messages: [] } });
  t.equal(messages.statusCode, 503);
  t.match(messages.json(), { type: 'error', error: { type: 'overloaded_error', message: /shutting down/ } });
  for (const url of ['/', '/healthz', '/metrics', '/docs/', '/openapi.json']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, `${url} served while draining`);
  }
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, 'readyz says draining');
  t.equal(app.lifecycle.inFlight, 0);
});

t.test('a request no route takes: one default, open, in the shape of the API its path falls under', async (t) => {
  const { app } = await buildTestApp(t, KEYS);
  const openai = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
  t.equal(openai.statusCode, 404, 'not 401: nothing is behind it');
  t.match(openai.json(), { error: { type: 'not_found_error', code: 'unknown_route' } });
  const anthropic = await app.inject({ method: 'POST', url: '/v1/messages/batches', payload: {} });
  t.equal(anthropic.statusCode, 404);
  t.match(anthropic.json(), { type: 'error', error: { type: 'not_found_error' } });
  app.lifecycle.draining = true;
  t.equal((await app.inject({ method: 'GET', url: '/v1/nothing-here' })).statusCode, 404, 'not drained either');
});
