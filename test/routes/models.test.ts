import OpenAI from 'openai';
import t from 'tap';
import { buildTestApp, listen } from '../helpers/app.ts';

t.test('GET /v1/models lists the configured models then the mapped names, without duplicates', async (t) => {
  const { app } = await buildTestApp(t, {
    OPENAI_MODELS_LIST_JSON: '["glm-4.5","glm-4.6"]',
    MODEL_MAP_JSON: '{"gpt-4o":"glm-4.6","glm-4.5":"glm-4.5-air"}',
  });
  const res = await app.inject({ method: 'GET', url: '/v1/models' });
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.object, 'list');
  t.same(body.data.map((m: { id: string }) => m.id), ['glm-4.5', 'glm-4.6', 'gpt-4o']);
  for (const model of body.data) {
    t.equal(model.object, 'model');
    t.type(model.created, 'number');
    t.type(model.owned_by, 'string');
  }
});

t.test('the openai SDK lists and retrieves models; an unknown id is a NotFoundError', async (t) => {
  const { app } = await buildTestApp(t, { MODEL_MAP_JSON: '{"org/model-x":"glm-4.6"}' });
  const base = await listen(app);
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const ids: string[] = [];
  for await (const model of client.models.list()) ids.push(model.id);
  t.same(ids, ['glm-4.5', 'glm-4.5v', 'org/model-x']);
  const one = await client.models.retrieve('glm-4.5v');
  t.equal(one.id, 'glm-4.5v');
  const slashed = await app.inject({ method: 'GET', url: '/v1/models/org/model-x' });
  t.equal(slashed.json().id, 'org/model-x');
  const error = await client.models.retrieve('nope').catch((e: unknown) => e);
  t.type(error, OpenAI.NotFoundError);
  t.match((error as InstanceType<typeof OpenAI.NotFoundError>).error, { message: /nope/, code: 'model_not_found' });
});

t.test('model ids are taken as the router decoded them: a % in an id is neither an error nor decoded twice', async (t) => {
  const { app } = await buildTestApp(t, { OPENAI_MODELS_LIST_JSON: '["glm-4.5","odd%model","a%b"]' });
  const odd = await app.inject({ method: 'GET', url: '/v1/models/odd%25model' });
  t.equal(odd.statusCode, 200);
  t.equal(odd.json().id, 'odd%model');
  const missing = await app.inject({ method: 'GET', url: '/v1/models/100%25' });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { error: { code: 'model_not_found', message: /'100%'/ } });
  const twice = await app.inject({ method: 'GET', url: '/v1/models/a%2525b' });
  t.equal(twice.statusCode, 404, '%2525 is the id "a%25b", not "a%b"');
});

t.test("Anthropic-native clients (anthropic-version or x-api-key) get Anthropic's list and model shape", async (t) => {
  const { app } = await buildTestApp(t, { OPENAI_MODELS_LIST_JSON: '["glm-4.5","glm-4.6"]', MODEL_MAP_JSON: '{"claude-sonnet-4-5":"glm-4.6"}' });
  for (const headers of [{ 'anthropic-version': '2023-06-01' }, { 'x-api-key': 'sk-x' }]) {
    const res = await app.inject({ method: 'GET', url: '/v1/models', headers });
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.same(Object.keys(body).sort(), ['data', 'first_id', 'has_more', 'last_id'], JSON.stringify(headers));
    t.same(body.data.map((model: { id: string }) => model.id), ['glm-4.5', 'glm-4.6', 'claude-sonnet-4-5']);
    for (const model of body.data) {
      t.same(Object.keys(model).sort(), ['created_at', 'display_name', 'id', 'type']);
      t.equal(model.type, 'model');
      t.match(model.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'RFC 3339');
    }
    t.equal(body.has_more, false);
    t.equal(body.first_id, 'glm-4.5');
    t.equal(body.last_id, 'claude-sonnet-4-5');
  }
  const one = await app.inject({ method: 'GET', url: '/v1/models/claude-sonnet-4-5', headers: { 'anthropic-version': '2023-06-01' } });
  t.same(Object.keys(one.json()).sort(), ['created_at', 'display_name', 'id', 'type']);
  t.equal(one.json().id, 'claude-sonnet-4-5');
  const missing = await app.inject({ method: 'GET', url: '/v1/models/nope', headers: { 'anthropic-version': '2023-06-01' } });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { type: 'error', error: { type: 'not_found_error', message: /'nope'/ } });
  const openai = await app.inject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer sk-x' } });
  t.equal(openai.json().object, 'list', 'OpenAI clients as before');
  t.match((await app.inject({ method: 'GET', url: '/v1/models/nope' })).json(), { error: { code: 'model_not_found' } });
});

t.test("Anthropic's paging: limit, after_id, before_id, has_more", async (t) => {
  const { app } = await buildTestApp(t, { OPENAI_MODELS_LIST_JSON: '["a","b","c","d","e"]' });
  const page = async (query: string) => (await app.inject({ method: 'GET', url: `/v1/models?${query}`, headers: { 'anthropic-version': '2023-06-01' } })).json();
  const ids = (body: { data: Array<{ id: string }> }) => body.data.map((model) => model.id);
  const first = await page('limit=2');
  t.same([ids(first), first.has_more, first.first_id, first.last_id], [['a', 'b'], true, 'a', 'b']);
  const second = await page(`limit=2&after_id=${first.last_id}`);
  t.same([ids(second), second.has_more], [['c', 'd'], true]);
  const last = await page('limit=2&after_id=d');
  t.same([ids(last), last.has_more, last.last_id], [['e'], false, 'e']);
  const back = await page('limit=2&before_id=e');
  t.same([ids(back), back.has_more], [['c', 'd'], true]);
  const start = await page('limit=2&before_id=b');
  t.same([ids(start), start.has_more], [['a'], false]);
  const empty = await page('after_id=e');
  t.same([ids(empty), empty.has_more, empty.first_id, empty.last_id], [[], false, null, null]);
  t.same(ids(await page('limit=0')), ['a', 'b', 'c', 'd', 'e'], 'a limit out of range is the default (20)');
});
