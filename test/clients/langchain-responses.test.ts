// LangChain's ChatOpenAI with `useResponsesApi: true`: invoke, stream, a bindTools round trip and
// withStructuredOutput, through /v1/responses.
import { HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import t from 'tap';
import { z } from 'zod';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, translatedRequestProblems } from './harness.ts';
import { PLAIN_ANSWER, STRUCTURED, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `@langchain/openai@${packageVersion('@langchain/openai')} useResponsesApi`;
const weatherTool = { type: 'function' as const, function: { name: WEATHER_TOOL, description: 'Current weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

t.test('invoke, stream, a tool round trip and structured output', async (t) => {
  const harness = await clientHarness(t, { handler: weatherModel() });
  const model = new ChatOpenAI({ model: 'glm-4.5', apiKey: harness.apiKey, maxRetries: 0, useResponsesApi: true, configuration: { baseURL: harness.openaiBase } });
  const answer = await model.invoke([new SystemMessage('Be brief.'), new HumanMessage('Hi')]);
  t.equal(answer.text, PLAIN_ANSWER);
  t.equal(answer.usage_metadata?.input_tokens, 21);
  let streamed = '';
  for await (const chunk of await model.stream([new HumanMessage('Hi')])) streamed += chunk.text;
  t.equal(streamed, PLAIN_ANSWER);

  const withTools = model.bindTools([weatherTool]);
  const messages: BaseMessage[] = [new HumanMessage(`Weather in ${WEATHER_CITY}?`)];
  const first = await withTools.invoke(messages);
  t.same(first.tool_calls?.map((call) => [call.name, call.args]), [[WEATHER_TOOL, { city: WEATHER_CITY }]]);
  messages.push(first, new ToolMessage({ tool_call_id: first.tool_calls![0].id!, content: WEATHER_RESULT }));
  const second = await withTools.invoke(messages);
  t.equal(second.text, weatherAnswer(WEATHER_RESULT));

  const structured = await model.withStructuredOutput(z.object({ city: z.string(), temp_c: z.number(), conditions: z.string() }), { name: 'weather' }).invoke(`Weather in ${WEATHER_CITY}`);
  t.same(structured, STRUCTURED);
  t.ok(harness.inbound.requests.every((request) => request.path === '/v1/responses'));
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-langchain', { client: CLIENT, scenario: 'invoke, stream, bindTools round trip, withStructuredOutput', requests: harness.inbound.requests.map((request) => normaliseRequest(request)) });
});
