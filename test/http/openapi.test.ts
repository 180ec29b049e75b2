// /openapi.json is an OpenAPI 3 document that lists every route with its request and response schemas,
// with every $ref resolvable; /docs serves the UI and its assets offline.
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';

t.test('every route is documented with schemas', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc.openapi, /^3\.\d+\.\d+$/);
  t.type(doc.info.title, 'string');
  t.type(doc.info.version, 'string');

  const expected: Array<[string, string]> = [
    ['get', '/'], ['get', '/healthz'], ['get', '/readyz'], ['get', '/metrics'],
    ['get', '/v1/models'], ['get', '/v1/models/{id}'],
    ['post', '/v1/chat/completions'], ['post', '/v1/messages'], ['post', '/v1/messages/count_tokens'],
    ['post', '/v1/responses'], ['get', '/v1/responses/{id}'], ['delete', '/v1/responses/{id}'], ['get', '/v1/responses/{id}/input_items'], ['post', '/v1/responses/input_tokens'],
    ['post', '/v1/responses/compact'], ['get', '/v1/responses'], ['get', '/admin/usage'],
  ];
  /** Answered with 101 Switching Protocols, not 200: the WebSocket mode of the Responses API. */
  const upgrades = new Set(['get /v1/responses']);
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
  t.same(documented.sort(), expected.map(([m, p]) => `${m} ${p}`).sort(), 'exactly the served routes (docs and openapi.json hidden)');

  for (const [method, path] of expected) {
    const op = doc.paths[path][method];
    t.ok(op.summary, `${method} ${path} has a summary`);
    if (upgrades.has(`${method} ${path}`)) t.ok(op.responses?.['101'], `${method} ${path} documents its 101 answer`);
    else t.ok(op.responses?.['200'], `${method} ${path} documents its 200 answer`);
    if (method === 'post') {
      t.ok(op.requestBody?.content?.['application/json']?.schema, `${method} ${path} documents its body`);
      t.ok(op.responses['4XX'] && op.responses['5XX'], `${method} ${path} documents its errors`);
    }
  }

  // The model id is a path parameter named as in docs/endpoints.md; the route behind it is still the wildcard.
  t.same(doc.paths['/v1/models/{id}'].get.parameters.map((p: { in: string; name: string; required: boolean }) => [p.in, p.name, p.required]), [['path', 'id', true]]);
  t.notOk(JSON.stringify(doc.paths).includes('{*}'), 'no parameter is called *');
  const withSlash = await app.inject({ method: 'GET', url: '/v1/models/glm-4.5' });
  t.equal(withSlash.statusCode, 200);

  // Every $ref points at a schema that exists.
  const refs = JSON.stringify(doc).match(/"\$ref":"#\/components\/schemas\/[^"]+"/g) ?? [];
  t.ok(refs.length > 0);
  for (const ref of new Set(refs)) {
    const name = ref.split('/').pop()!.replace('"', '');
    t.ok(doc.components.schemas[name], `${name} exists`);
  }
});

t.test('/docs serves the UI with its own assets (no CDN)', async (t) => {
  const { app } = await buildTestApp(t);
  const page = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(page.statusCode, 200);
  t.notMatch(page.body, /https?:\/\/(cdn|unpkg)/);
  const script = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
  t.equal(script.statusCode, 200);
  t.ok(script.body.length > 100_000);
  const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
  t.equal(init.statusCode, 200);
});

t.test('/docs: a strict CSP that does not upgrade to https (the service speaks plain http)', async (t) => {
  const { app } = await buildTestApp(t);
  for (const url of ['/docs/', '/docs/static/swagger-ui.css', '/docs/static/swagger-initializer.js']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, url);
    const policy = String(res.headers['content-security-policy']);
    t.notMatch(policy, /upgrade-insecure-requests/, `${url}: no upgrade`);
    const directives = new Map(policy.split(';').map((d) => d.trim()).filter(Boolean).map((d) => [d.split(/\s+/)[0]!, d.split(/\s+/).slice(1)]));
    t.same(directives.get('default-src'), ["'self'"], `${url}: default-src 'self'`);
    t.same(directives.get('object-src'), ["'none'"]);
    t.same(directives.get('script-src-attr'), ["'none'"]);
    t.same(directives.get('base-uri'), ["'self'"]);
    t.same(directives.get('frame-ancestors'), ["'self'"]);
    t.equal(directives.get('script-src')?.[0], "'self'");
    t.notOk(directives.get('script-src')?.some((source) => source === "'unsafe-inline'" || source === "'unsafe-eval'" || source === 'https:'), 'scripts only from the service (and hashed inline ones)');
  }
});
