// The official `openai` SDK against /v1/chat/completions: a plain answer, streaming, a tool round trip
// (streamed and not) and structured output, with the requests it sends recorded as fixtures.
import OpenAI from 'openai';
import t from 'tap';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, translatedRequestProblems } from './harness.ts';
import { PLAIN_ANSWER, STRUCTURED, STRUCTURED_SCHEMA, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `openai@${packageVersion('openai')}`;
const tools: OpenAI.Chat.ChatCompletionTool[] = [{
  type: 'function',
  function: { name: WEATHER_TOOL, description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

async function setup(t: Parameters<typeof clientHarness>[0]) {
  const harness = await clientHarness(t, { handler: weatherModel() });
  const client = new OpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey, maxRetries: 0 });
  return { ...harness, client };
}

t.test('plain answer and a stream with usage', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const answer = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
  t.equal(answer.choices[0].message.content, PLAIN_ANSWER);
  t.equal(answer.choices[0].finish_reason, 'stop');
  t.equal(answer.usage?.prompt_tokens, 21);

  const stream = client.chat.completions.stream({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } });
  let streamed = '';
  stream.on('content.delta', ({ delta }) => (streamed += delta));
  const final = await stream.finalChatCompletion();
  t.equal(streamed, PLAIN_ANSWER);
  t.equal(final.choices[0].message.content, PLAIN_ANSWER);
  t.equal(final.usage?.completion_tokens, 9);

  t.same(translatedRequestProblems({ inbound, mock }), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'openai-sdk-chat', { client: CLIENT, scenario: 'chat.completions.create, then .stream with include_usage', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('tool round trip, not streamed and streamed', async (t) => {
  const { client, inbound, mock } = await setup(t);
  for (const stream of [false, true]) {
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: `Weather in ${WEATHER_CITY}?` }];
    const first = stream
      ? await client.chat.completions.stream({ model: 'glm-4.5', messages, tools }).finalChatCompletion()
      : await client.chat.completions.create({ model: 'glm-4.5', messages, tools });
    const call = first.choices[0].message.tool_calls?.[0];
    t.equal(first.choices[0].finish_reason, 'tool_calls', `stream: ${stream}`);
    t.ok(call && call.type === 'function' && call.function.name === WEATHER_TOOL);
    if (!call || call.type !== 'function') return;
    t.same(JSON.parse(call.function.arguments), { city: WEATHER_CITY });
    messages.push(first.choices[0].message as OpenAI.Chat.ChatCompletionMessageParam, { role: 'tool', tool_call_id: call.id, content: WEATHER_RESULT });
    const second = stream
      ? await client.chat.completions.stream({ model: 'glm-4.5', messages, tools }).finalChatCompletion()
      : await client.chat.completions.create({ model: 'glm-4.5', messages, tools });
    t.equal(second.choices[0].message.content, weatherAnswer(WEATHER_RESULT), `stream: ${stream}`);
  }
  t.same(translatedRequestProblems({ inbound, mock }), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'openai-sdk-tools', { client: CLIENT, scenario: 'a tool round trip with create, then with stream', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('structured output: response_format json_schema through chat.completions.parse', async (t) => {
  const { client, inbound, mock } = await setup(t);
  const parsed = await client.chat.completions.parse({
    model: 'glm-4.5',
    messages: [{ role: 'user', content: `Weather in ${WEATHER_CITY} as JSON` }],
    response_format: { type: 'json_schema', json_schema: { name: 'weather', schema: STRUCTURED_SCHEMA as unknown as Record<string, unknown>, strict: true } },
  });
  t.same(parsed.choices[0].message.parsed, STRUCTURED);
  t.equal(parsed.choices[0].finish_reason, 'stop');
  t.same(translatedRequestProblems({ inbound, mock }), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'openai-sdk-structured', { client: CLIENT, scenario: 'chat.completions.parse with a json_schema response_format', requests: inbound.requests.map((request) => normaliseRequest(request)) });
});
