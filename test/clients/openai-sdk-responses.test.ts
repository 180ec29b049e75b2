// The official `openai` SDK against /v1/responses: create, stream + finalResponse, output_text, parse with a
// JSON schema, a function-call loop with function_call_output, previous_response_id, retrieve / input items
// / delete, the owner check and input token counts, with the requests it sends recorded as fixtures.
import OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, translatedRequestProblems } from './harness.ts';
import { PLAIN_ANSWER, STRUCTURED, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `openai@${packageVersion('openai')}`;
const tools: OpenAI.Responses.Tool[] = [{
  type: 'function', name: WEATHER_TOOL, description: 'Current weather for a city', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
}];

/** The SDK raises its NotFoundError, with OpenAI's error fields. */
async function notFound(t: Test, promise: Promise<unknown>, message: string, fields: object = {}): Promise<void> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  t.ok(error instanceof OpenAI.NotFoundError, `${message}: NotFoundError`);
  t.match(error, { status: 404, type: 'invalid_request_error', ...fields }, message);
}

async function setup(t: Parameters<typeof clientHarness>[0]) {
  const harness = await clientHarness(t, { handler: weatherModel() });
  const client = new OpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey, maxRetries: 0 });
  return { ...harness, client };
}

t.test('responses.create and responses.stream + finalResponse', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const answer = await client.responses.create({ model: 'glm-4.5', instructions: 'Be brief.', input: 'Hi' });
  t.equal(answer.output_text, PLAIN_ANSWER);
  t.equal(answer.status, 'completed');
  t.match(answer.id, /^resp_[0-9a-f]{32}$/);
  t.equal(answer.instructions, 'Be brief.');
  t.match(answer.usage, { input_tokens: 21, output_tokens: 9, total_tokens: 30 });
  t.strictSame(mock.requests[0].body.system, [{ type: 'text', text: 'Be brief.' }]);

  const stream = client.responses.stream({ model: 'glm-4.5', input: [{ role: 'user', content: 'Hi' }] });
  let deltas = '';
  const types: string[] = [];
  stream.on('response.output_text.delta', (event) => (deltas += event.delta));
  stream.on('event', (event) => types.push(event.type));
  const final = await stream.finalResponse();
  t.equal(deltas, PLAIN_ANSWER);
  t.equal(final.output_text, PLAIN_ANSWER);
  t.equal(final.status, 'completed');
  t.equal(types[0], 'response.created');
  t.equal(types.at(-1), 'response.completed');
  t.ok(types.includes('response.content_part.done') && types.includes('response.output_item.done'));
  t.same(translatedRequestProblems({ inbound, mock }), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-openai-sdk-text', { client: CLIENT, scenario: 'responses.create, then responses.stream', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('responses.parse with a JSON schema (zodTextFormat)', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const Weather = z.object({ city: z.string(), temp_c: z.number(), conditions: z.string() });
  const parsed = await client.responses.parse({ model: 'glm-4.5', input: `Weather in ${WEATHER_CITY} as JSON`, text: { format: zodTextFormat(Weather, 'weather') } });
  t.strictSame(parsed.output_parsed, STRUCTURED);
  t.strictSame(JSON.parse(parsed.output_text), STRUCTURED);
  t.equal(mock.requests[0].body.tool_choice.name, 'json_tool_call');
  t.same(translatedRequestProblems({ inbound, mock }), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-openai-sdk-parse', { client: CLIENT, scenario: 'responses.parse with zodTextFormat', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('a function-call loop: the items sent back whole, then with previous_response_id; streamed too', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: `Weather in ${WEATHER_CITY}?` }];
  const first = await client.responses.create({ model: 'glm-4.5', input, tools });
  const call = first.output.find((item) => item.type === 'function_call');
  t.ok(call && call.type === 'function_call');
  if (!call || call.type !== 'function_call') return;
  t.equal(call.name, WEATHER_TOOL);
  t.strictSame(JSON.parse(call.arguments), { city: WEATHER_CITY });
  const output = { type: 'function_call_output' as const, call_id: call.call_id, output: WEATHER_RESULT };
  const whole = await client.responses.create({ model: 'glm-4.5', input: [...input, ...(first.output as OpenAI.Responses.ResponseInputItem[]), output], tools });
  t.equal(whole.output_text, weatherAnswer(WEATHER_RESULT));

  const chained = await client.responses.create({ model: 'glm-4.5', previous_response_id: first.id, input: [output], tools });
  t.equal(chained.output_text, weatherAnswer(WEATHER_RESULT));
  t.equal(chained.previous_response_id, first.id);
  t.strictSame(mock.requests[2].body.messages, mock.requests[1].body.messages, 'the stored conversation is what the client would have sent');

  const streamed = await client.responses.stream({ model: 'glm-4.5', input, tools }).finalResponse();
  const streamedCall = streamed.output.find((item) => item.type === 'function_call');
  t.ok(streamedCall && streamedCall.type === 'function_call' && JSON.parse(streamedCall.arguments).city === WEATHER_CITY);
  if (!streamedCall || streamedCall.type !== 'function_call') return;
  const after = await client.responses.stream({ model: 'glm-4.5', previous_response_id: streamed.id, input: [{ ...output, call_id: streamedCall.call_id }], tools }).finalResponse();
  t.equal(after.output_text, weatherAnswer(WEATHER_RESULT), 'a streamed response is stored too');
  t.same(translatedRequestProblems({ inbound, mock }), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-openai-sdk-tools', { client: CLIENT, scenario: 'a function-call loop: items sent back, previous_response_id, streamed', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('retrieve, input items, delete; another key sees nothing; unknown ids are a NotFoundError', async (t) => {
  const { client, openaiBase } = await setup(t);
  const created = await client.responses.create({ model: 'glm-4.5', input: [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }] });
  const again = await client.responses.retrieve(created.id);
  t.equal(again.id, created.id);
  t.equal(again.output_text, PLAIN_ANSWER, 'the SDK computes output_text for a retrieved response too');
  const items = [];
  for await (const item of client.responses.inputItems.list(created.id, { order: 'asc' })) items.push(item);
  t.same(items.map((item: any) => item.content[0].text), ['one', 'two']);
  t.ok(items.every((item) => typeof item.id === 'string'));

  const stranger = new OpenAI({ baseURL: openaiBase, apiKey: 'sk-someone-else', maxRetries: 0 });
  await notFound(t, stranger.responses.retrieve(created.id), 'another credential cannot read it', { code: 'response_not_found' });
  await notFound(t, stranger.responses.create({ model: 'glm-4.5', previous_response_id: created.id, input: 'x' }), 'nor continue it', { code: 'previous_response_not_found' });

  await client.responses.delete(created.id);
  await notFound(t, client.responses.retrieve(created.id), 'deleted');
  await notFound(t, client.responses.delete(created.id), 'deleted twice');
  await notFound(t, client.responses.create({ model: 'glm-4.5', previous_response_id: created.id, input: 'x' }), 'continuing a deleted one', { code: 'previous_response_not_found', param: 'previous_response_id' });
  const unstored = await client.responses.create({ model: 'glm-4.5', input: 'x', store: false });
  t.equal((unstored as { store?: unknown }).store, false);
  await notFound(t, client.responses.retrieve(unstored.id), 'store:false keeps nothing');
});

t.test('input token count: the upstream count', async (t) => {
  const { client, mock } = await setup(t);
  const counted = await client.responses.inputTokens.count({ model: 'glm-4.5', input: 'How many tokens is this?', instructions: 'Be brief.' });
  t.strictSame(counted, { object: 'response.input_tokens', input_tokens: 42 });
  t.equal(mock.requests[0].path, '/v1/messages/count_tokens');
  t.strictSame(mock.requests[0].body, { model: 'glm-4.5', messages: [{ role: 'user', content: [{ type: 'text', text: 'How many tokens is this?' }] }], system: [{ type: 'text', text: 'Be brief.' }] });
});
