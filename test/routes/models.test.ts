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
