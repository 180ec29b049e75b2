// The Vercel AI SDK (`ai`) against /v1/chat/completions with two providers: `@ai-sdk/openai` in chat mode
// (`.chat(model)`) and `@ai-sdk/openai-compatible`. For each: generateText, streamText, a multi-step tool
// loop (generated and streamed) and generateObject.
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import t from 'tap';
import { z } from 'zod';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, translatedRequestProblems, type ClientHarness } from './harness.ts';
import { PLAIN_ANSWER, STRUCTURED, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

interface Provider {
  name: string;
  client: string;
  model: (harness: ClientHarness) => LanguageModel;
}

const providers: Provider[] = [
  {
    name: 'ai-sdk-openai-chat',
    client: `ai@${packageVersion('ai')} + @ai-sdk/openai@${packageVersion('@ai-sdk/openai')} .chat()`,
    model: (harness) => createOpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey }).chat('glm-4.5'),
  },
  {
    name: 'ai-sdk-openai-compatible',
    client: `ai@${packageVersion('ai')} + @ai-sdk/openai-compatible@${packageVersion('@ai-sdk/openai-compatible')}`,
    model: (harness) => createOpenAICompatible({ name: 'anthropic-proxy', baseURL: harness.openaiBase, apiKey: harness.apiKey, includeUsage: true }).chatModel('glm-4.5'),
  },
];

const tools = {
  [WEATHER_TOOL]: tool({
    description: 'Current weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }: { city: string }) => (city === WEATHER_CITY ? WEATHER_RESULT : 'unknown'),
  }),
};

const Weather = z.object({ city: z.string(), temp_c: z.number(), conditions: z.string() });

for (const provider of providers) {
  const setup = async (t: Parameters<typeof clientHarness>[0]) => {
    const harness = await clientHarness(t, { handler: weatherModel() });
    return { harness, model: provider.model(harness) };
  };
  const recorded = (harness: ClientHarness, scenario: string) => ({
    client: provider.client,
    scenario,
    requests: harness.inbound.requests.map((request) => normaliseRequest(request)),
  });

  t.test(`${provider.name}: generateText and streamText`, async (t) => {
    const { harness, model } = await setup(t);
    const generated = await generateText({ model, system: 'Be brief.', prompt: 'Hi', maxRetries: 0 });
    t.equal(generated.text, PLAIN_ANSWER);
    t.equal(generated.finishReason, 'stop');
    t.equal(generated.usage.inputTokens, 21);
    const streamed = streamText({ model, prompt: 'Hi', maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    t.equal(text, PLAIN_ANSWER);
    t.equal(await streamed.finishReason, 'stop');
    t.equal((await streamed.usage).outputTokens, 9);
    t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
    checkClientFixture(t, `${provider.name}-text`, recorded(harness, 'generateText, then streamText'));
  });

  t.test(`${provider.name}: multi-step tools, generated and streamed`, async (t) => {
    const { harness, model } = await setup(t);
    const generated = await generateText({ model, tools, stopWhen: stepCountIs(3), prompt: `Weather in ${WEATHER_CITY}?`, maxRetries: 0 });
    t.equal(generated.steps.length, 2, 'a tool step, then the answer');
    t.same(generated.steps[0].toolCalls.map((call) => [call.toolName, call.input]), [[WEATHER_TOOL, { city: WEATHER_CITY }]]);
    t.equal(generated.text, weatherAnswer(WEATHER_RESULT));
    const streamed = streamText({ model, tools, stopWhen: stepCountIs(3), prompt: `Weather in ${WEATHER_CITY}?`, maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    t.equal(text, weatherAnswer(WEATHER_RESULT));
    t.equal((await streamed.steps).length, 2);
    t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
    checkClientFixture(t, `${provider.name}-tools`, recorded(harness, 'generateText with a tool loop, then streamText with the same loop'));
  });

  t.test(`${provider.name}: generateObject`, async (t) => {
    const { harness, model } = await setup(t);
    const { object } = await generateObject({ model, schema: Weather, prompt: `Weather in ${WEATHER_CITY}`, maxRetries: 0 });
    t.same(object, STRUCTURED);
    t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
    checkClientFixture(t, `${provider.name}-object`, recorded(harness, 'generateObject with a zod schema'));
  });
}
