// The official `@anthropic-ai/sdk` against the passthrough: create, stream, a tool round trip, count_tokens
// and the model list in Anthropic's shape, with the requests it sends recorded as fixtures.
import Anthropic from '@anthropic-ai/sdk';
import t from 'tap';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion } from './harness.ts';
import { PLAIN_ANSWER, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `@anthropic-ai/sdk@${packageVersion('@anthropic-ai/sdk')}`;
const tools: Anthropic.Tool[] = [{
  name: WEATHER_TOOL,
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  cache_control: { type: 'ephemeral' },
}];

async function setup(t: Parameters<typeof clientHarness>[0], env: Record<string, string> = {}) {
  const harness = await clientHarness(t, { handler: weatherModel(), env });
  const client = new Anthropic({ baseURL: harness.base, apiKey: harness.apiKey, maxRetries: 0 });
  return { ...harness, client };
}

t.test('create and stream reach the upstream unchanged and come back whole', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const message = await client.messages.create({ model: 'glm-4.5', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
  t.same(message.content, [{ type: 'text', text: PLAIN_ANSWER }]);
  t.same(mock.lastRequest.body, inbound.lastBody());

  const stream = client.messages.stream({ model: 'glm-4.5', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
  let streamed = '';
  stream.on('text', (text) => (streamed += text));
  const final = await stream.finalMessage();
  t.equal(streamed, PLAIN_ANSWER);
  t.equal(final.stop_reason, 'end_turn');
  t.equal(final.usage.output_tokens, 9);
  t.same(mock.lastRequest.body, inbound.lastBody());

  checkClientFixture(t, 'anthropic-sdk-messages', { client: CLIENT, scenario: 'messages.create, then messages.stream', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('tool round trip with cache_control on the tool, streamed', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: `Weather in ${WEATHER_CITY}?` }];
  const first = await client.messages.stream({ model: 'glm-4.5', max_tokens: 256, messages, tools }).finalMessage();
  const call = first.content.find((block) => block.type === 'tool_use');
  t.equal(first.stop_reason, 'tool_use');
  t.ok(call, 'a tool_use block');
  if (call?.type !== 'tool_use') return;
  t.same(call.input, { city: WEATHER_CITY });
  messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: WEATHER_RESULT }] });
  const second = await client.messages.create({ model: 'glm-4.5', max_tokens: 256, messages, tools });
  t.same(second.content, [{ type: 'text', text: weatherAnswer(WEATHER_RESULT) }]);
  t.same(mock.lastRequest.body, inbound.lastBody(), 'the tool history goes upstream as the client sent it');
  checkClientFixture(t, 'anthropic-sdk-tools', { client: CLIENT, scenario: 'a streamed tool call, then the result with create', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('count_tokens is forwarded', async (t) => {
  const { client, mock } = await setup(t, { COUNT_SHAPE_COMPAT: 'false' });
  const counted = await client.messages.countTokens({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Hi' }], tools });
  t.same(counted, { input_tokens: 42 });
  t.equal(mock.lastRequest.path, '/v1/messages/count_tokens');
});

t.test('models.list and models.retrieve answer in Anthropic shape', async (t) => {
  const { client, inbound } = await setup(t, { OPENAI_MODELS_LIST_JSON: '["glm-4.5","glm-4.6"]' });
  const ids: string[] = [];
  for await (const model of client.models.list()) {
    ids.push(model.id);
    t.equal(model.type, 'model');
    t.equal(typeof model.display_name, 'string');
    t.ok(!Number.isNaN(Date.parse(model.created_at)), `created_at is a date: ${model.created_at}`);
  }
  t.same(ids, ['glm-4.5', 'glm-4.6']);
  const page = await client.models.list();
  t.equal(page.has_more, false);
  t.equal(page.first_id, 'glm-4.5');
  t.equal(page.last_id, 'glm-4.6');
  const one = await client.models.retrieve('glm-4.6');
  t.equal(one.id, 'glm-4.6');
  t.equal(one.type, 'model');
  await t.rejects(client.models.retrieve('no-such-model'), Anthropic.NotFoundError);
  checkClientFixture(t, 'anthropic-sdk-models', { client: CLIENT, scenario: 'models.list (twice), models.retrieve', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});
