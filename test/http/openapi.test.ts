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
    ['get', '/v1/models'], ['get', '/v1/models/{*}'],
    ['post', '/v1/chat/completions'], ['post', '/v1/messages'], ['post', '/v1/messages/count_tokens'],
  ];
  const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
  t.same(documented.sort(), expected.map(([m, p]) => `${m} ${p}`).sort(), 'exactly the served routes (docs and openapi.json hidden)');

  for (const [method, path] of expected) {
    const op = doc.paths[path][method];
    t.ok(op.summary, `${method} ${path} has a summary`);
    t.ok(op.responses?.['200'], `${method} ${path} documents its 200 answer`);
    if (method === 'post') {
      t.ok(op.requestBody?.content?.['application/json']?.schema, `${method} ${path} documents its body`);
      t.ok(op.responses['4XX'] && op.responses['5XX'], `${method} ${path} documents its errors`);
    }
  }

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
