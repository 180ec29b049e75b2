// LangChain's ChatOpenAI (`@langchain/openai`) against /v1/chat/completions: invoke, stream, a bindTools
// round trip (invoked and streamed) and withStructuredOutput (json_schema and function calling).
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI } from '@langchain/openai';
import t from 'tap';
import { z } from 'zod';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, translatedRequestProblems } from './harness.ts';
import { PLAIN_ANSWER, STRUCTURED, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `@langchain/openai@${packageVersion('@langchain/openai')}`;

const getWeather = tool(async ({ city }: { city: string }) => (city === WEATHER_CITY ? WEATHER_RESULT : 'unknown'), {
  name: WEATHER_TOOL,
  description: 'Current weather for a city',
  schema: z.object({ city: z.string() }),
});

const Weather = z.object({ city: z.string(), temp_c: z.number(), conditions: z.string() });

async function setup(t: Parameters<typeof clientHarness>[0]) {
  const harness = await clientHarness(t, { handler: weatherModel() });
  const model = new ChatOpenAI({ model: 'glm-4.5', apiKey: harness.apiKey, maxRetries: 0, configuration: { baseURL: harness.openaiBase } });
  return { ...harness, model };
}

const recorded = (harness: Awaited<ReturnType<typeof setup>>, scenario: string) => ({
  client: CLIENT,
  scenario,
  requests: harness.inbound.requests.map((request) => normaliseRequest(request)),
});

t.test('invoke and stream', async (t) => {
  const harness = await setup(t);
  const answer = await harness.model.invoke([new SystemMessage('Be brief.'), new HumanMessage('Hi')]);
  t.equal(answer.content, PLAIN_ANSWER);
  t.equal(answer.usage_metadata?.input_tokens, 21);
  let streamed = '';
  for await (const chunk of await harness.model.stream([new HumanMessage('Hi')])) streamed += chunk.content;
  t.equal(streamed, PLAIN_ANSWER);
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'langchain-chat', recorded(harness, 'invoke, then stream'));
});

t.test('bindTools round trip, invoked and streamed', async (t) => {
  const harness = await setup(t);
  const withTools = harness.model.bindTools([getWeather]);
  for (const streaming of [false, true]) {
    const messages: BaseMessage[] = [new HumanMessage(`Weather in ${WEATHER_CITY}?`)];
    let first: AIMessage;
    if (streaming) {
      let whole: any;
      for await (const chunk of await withTools.stream(messages)) whole = whole === undefined ? chunk : whole.concat(chunk);
      first = new AIMessage({ content: whole.content, tool_calls: whole.tool_calls });
    } else {
      first = await withTools.invoke(messages);
    }
    t.equal(first.tool_calls?.length, 1, `one tool call (streaming: ${streaming})`);
    const call = first.tool_calls![0];
    t.equal(call.name, WEATHER_TOOL);
    t.same(call.args, { city: WEATHER_CITY });
    const result: ToolMessage = await getWeather.invoke(call);
    messages.push(first, result);
    const second = await withTools.invoke(messages);
    t.equal(second.content, weatherAnswer(WEATHER_RESULT), `final answer (streaming: ${streaming})`);
  }
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'langchain-tools', recorded(harness, 'bindTools: invoke round trip, then a streamed first step'));
});

t.test('withStructuredOutput: json_schema (the default) and function calling', async (t) => {
  const harness = await setup(t);
  const viaSchema = await harness.model.withStructuredOutput(Weather, { name: 'weather' }).invoke(`Weather in ${WEATHER_CITY}`);
  t.same(viaSchema, STRUCTURED);
  const viaTool = await harness.model.withStructuredOutput(Weather, { name: 'weather', method: 'functionCalling' }).invoke(`Weather in ${WEATHER_CITY}`);
  t.same(viaTool, STRUCTURED);
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'langchain-structured', recorded(harness, 'withStructuredOutput with json_schema, then functionCalling'));
});
