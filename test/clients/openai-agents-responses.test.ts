// The OpenAI Agents SDK (`@openai/agents`) with its default model (the Responses API, through an `openai`
// client pointed at the service): a run with a function tool, not streamed and streamed, and the same with a
// thinking model, whose reasoning items the SDK sends back whole and which must reach Anthropic signed.
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import t, { type Test } from 'tap';
import { z } from 'zod';
import { lastToolResults, messageReply, textBlock, toolUseBlock } from '../helpers/anthropic-replies.ts';
import type { MockHandler } from '../helpers/mock-upstream.ts';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, type ClientHarness, translatedRequestProblems } from './harness.ts';
import { STRUCTURED, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `@openai/agents@${packageVersion('@openai/agents')}`;
setTracingDisabled(true);

const getWeather = tool({
  name: WEATHER_TOOL,
  description: 'Current weather for a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => (city === WEATHER_CITY ? WEATHER_RESULT : 'unknown'),
});

async function setup(t: Parameters<typeof clientHarness>[0], handler: MockHandler = weatherModel()) {
  const harness = await clientHarness(t, { handler });
  // The SDK's default model provider (OpenAIProvider: the Responses API) with a client for the service; a
  // runner of its own per test, as setDefaultOpenAIClient's provider keeps the first client it saw.
  const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: new OpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey, maxRetries: 0 }) as never }) });
  const agent = new Agent({ name: 'Weather assistant', instructions: 'Be brief.', model: 'glm-4.5', tools: [getWeather] });
  return { harness, agent, runner };
}
const recorded = (harness: ClientHarness, scenario: string) => ({ client: CLIENT, scenario, requests: harness.inbound.requests.map((request) => normaliseRequest(request)) });

async function runBoth(t: Test, runner: Runner, agent: Agent): Promise<void> {
  const result = await runner.run(agent, `Weather in ${WEATHER_CITY}?`);
  t.equal(result.finalOutput, weatherAnswer(WEATHER_RESULT), 'not streamed');
  const streamed = await runner.run(agent, `Weather in ${WEATHER_CITY}?`, { stream: true });
  let text = '';
  for await (const chunk of streamed.toTextStream()) text += chunk;
  await streamed.completed;
  t.equal(streamed.finalOutput, weatherAnswer(WEATHER_RESULT), 'streamed');
  t.equal(text, weatherAnswer(WEATHER_RESULT), 'the streamed text');
}

t.test('a run with a function tool, not streamed and streamed', async (t) => {
  const { harness, agent, runner } = await setup(t);
  await runBoth(t, runner, agent);
  t.same(harness.inbound.requests.map((request) => [request.path, request.body.stream]), [
    ['/v1/responses', false], ['/v1/responses', false], ['/v1/responses', true], ['/v1/responses', true],
  ]);
  t.strictSame(harness.mock.requests[1].body.system, [{ type: 'text', text: 'Be brief.' }]);
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-openai-agents', recorded(harness, 'run with a function tool, then the same run streamed'));
});

t.test('a thinking model: the reasoning items sent back whole reach Anthropic signed, first in their turn', async (t) => {
  const thinking = { type: 'thinking', thinking: 'The weather needs the tool.', signature: 'EqQBCkYIBxgCKkB-agents' };
  const handler: MockHandler = (request) => lastToolResults(request.body).length === 0
    ? messageReply(request, { content: [thinking, toolUseBlock('toolu_agent_1', WEATHER_TOOL, { city: WEATHER_CITY })], stop_reason: 'tool_use' })
    : messageReply(request, { content: [textBlock(weatherAnswer(WEATHER_RESULT))] });
  const { harness, agent, runner } = await setup(t, handler);
  await runBoth(t, runner, agent);
  for (const index of [1, 3]) {
    t.strictSame(harness.mock.requests[index].body.messages[1], { role: 'assistant', content: [thinking, toolUseBlock('toolu_agent_1', WEATHER_TOOL, { city: WEATHER_CITY })] }, `turn ${index}: the signed thinking replayed`);
  }
  t.ok(harness.inbound.requests[1].body.input.some((item: any) => item.type === 'reasoning' && typeof item.encrypted_content === 'string'), 'the SDK sent the reasoning item back with its encrypted_content');
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-openai-agents-reasoning', recorded(harness, 'the same runs with a thinking model: reasoning items sent back whole'));
});

t.test('structured output: an agent with an outputType (text.format json_schema), not streamed and streamed', async (t) => {
  const { harness, runner } = await setup(t);
  const agent = new Agent({ name: 'Weather reporter', instructions: 'Answer as JSON.', model: 'glm-4.5', outputType: z.object({ city: z.string(), temp_c: z.number(), conditions: z.string() }) });
  const result = await runner.run(agent, `Weather in ${WEATHER_CITY}`);
  t.strictSame(result.finalOutput, STRUCTURED);
  const streamed = await runner.run(agent, `Weather in ${WEATHER_CITY}`, { stream: true });
  for await (const _event of streamed) { /* drained */ }
  await streamed.completed;
  t.strictSame(streamed.finalOutput, STRUCTURED);
  t.match(harness.inbound.requests[0].body.text, { format: { type: 'json_schema' } });
  t.equal(harness.mock.requests[0].body.tool_choice.name, 'json_tool_call');
});
