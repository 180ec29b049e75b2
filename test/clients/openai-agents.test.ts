// The OpenAI Agents SDK (`@openai/agents`) in chat-completions mode (an OpenAIChatCompletionsModel over the
// service): an agent run with a function tool, not streamed and streamed. Its tool loop replays the assistant
// turn with `refusal: null` in the content part, which OpenAI accepts.
import { Agent, OpenAIChatCompletionsModel, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import t from 'tap';
import { z } from 'zod';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, translatedRequestProblems } from './harness.ts';
import { PLAIN_ANSWER, PREAMBLE, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `@openai/agents@${packageVersion('@openai/agents')} (chat completions)`;
// No trace export: it would call OpenAI's tracing endpoint.
setTracingDisabled(true);

const getWeather = tool({
  name: WEATHER_TOOL,
  description: 'Current weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => (city === WEATHER_CITY ? WEATHER_RESULT : 'unknown'),
});

async function setup(t: Parameters<typeof clientHarness>[0]) {
  // The model writes a sentence before its tool call: the SDK replays that turn with `refusal: null`.
  const harness = await clientHarness(t, { handler: weatherModel({ preamble: PREAMBLE }) });
  const client = new OpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey, maxRetries: 0 });
  const model = new OpenAIChatCompletionsModel(client, 'glm-4.5');
  const agent = new Agent({ name: 'Weather agent', instructions: 'Answer weather questions with the tool.', model, tools: [getWeather] });
  const plain = new Agent({ name: 'Plain agent', instructions: 'Be brief.', model });
  return { harness, agent, plain, runner: new Runner({ tracingDisabled: true }) };
}

t.test('a run with a function tool, not streamed', async (t) => {
  const { harness, agent, plain, runner } = await setup(t);
  const hello = await runner.run(plain, 'Hi');
  t.equal(hello.finalOutput, PLAIN_ANSWER);
  const result = await runner.run(agent, `Weather in ${WEATHER_CITY}?`);
  t.equal(result.finalOutput, weatherAnswer(WEATHER_RESULT));
  t.equal(harness.inbound.to('/v1/chat/completions').length, 3, 'a plain turn, then the tool call and the answer');
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'openai-agents-chat-run', { client: CLIENT, scenario: 'run(plain agent), then run(agent with a function tool)', requests: harness.inbound.requests.map((request) => normaliseRequest(request)) });
});

t.test('a run with a function tool, streamed', async (t) => {
  const { harness, agent, runner } = await setup(t);
  const result = await runner.run(agent, `Weather in ${WEATHER_CITY}?`, { stream: true });
  let text = '';
  for await (const delta of result.toTextStream()) text += delta;
  await result.completed;
  t.equal(result.finalOutput, weatherAnswer(WEATHER_RESULT));
  t.equal(text, PREAMBLE + weatherAnswer(WEATHER_RESULT));
  t.equal(harness.inbound.to('/v1/chat/completions').length, 2, 'the tool call, then the answer');
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'openai-agents-chat-stream', { client: CLIENT, scenario: 'run(agent with a function tool, { stream: true })', requests: harness.inbound.requests.map((request) => normaliseRequest(request)) });
});
