// The Vercel AI SDK's default provider, `openai(model)` from `@ai-sdk/openai`, speaks the Responses API:
// generateText with a multi-step tool loop, streamText, generateObject, and a thinking model whose reasoning
// the SDK sends back as an item_reference (store defaults to true) that must reach Anthropic signed.
import { createOpenAI } from '@ai-sdk/openai';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import t from 'tap';
import { z } from 'zod';
import { lastToolResults, messageReply, textBlock, toolUseBlock } from '../helpers/anthropic-replies.ts';
import type { MockHandler } from '../helpers/mock-upstream.ts';
import { checkClientFixture, clientHarness, normaliseRequest, packageVersion, type ClientHarness, translatedRequestProblems } from './harness.ts';
import { PLAIN_ANSWER, STRUCTURED, WEATHER_CITY, WEATHER_RESULT, WEATHER_TOOL, weatherAnswer, weatherModel } from './scenarios.ts';

const CLIENT = `ai@${packageVersion('ai')} + @ai-sdk/openai@${packageVersion('@ai-sdk/openai')} openai(model)`;
const tools = {
  [WEATHER_TOOL]: tool({
    description: 'Current weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }: { city: string }) => (city === WEATHER_CITY ? WEATHER_RESULT : 'unknown'),
  }),
};
const Weather = z.object({ city: z.string(), temp_c: z.number(), conditions: z.string() });

async function setup(t: Parameters<typeof clientHarness>[0], handler: MockHandler = weatherModel()) {
  const harness = await clientHarness(t, { handler });
  return { harness, model: createOpenAI({ baseURL: harness.openaiBase, apiKey: harness.apiKey })('glm-4.5') };
}
const recorded = (harness: ClientHarness, scenario: string) => ({ client: CLIENT, scenario, requests: harness.inbound.requests.map((request) => normaliseRequest(request)) });

t.test('generateText and streamText', async (t) => {
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
  t.ok(harness.inbound.requests.every((request) => request.path === '/v1/responses'), 'the default provider uses /v1/responses');
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-ai-sdk-text', recorded(harness, 'generateText, then streamText'));
});

t.test('a multi-step tool loop, generated and streamed', async (t) => {
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
  checkClientFixture(t, 'responses-ai-sdk-tools', recorded(harness, 'generateText with a tool loop, then streamText with the same loop'));
});

t.test('generateObject', async (t) => {
  const { harness, model } = await setup(t);
  const { object } = await generateObject({ model, schema: Weather, prompt: `Weather in ${WEATHER_CITY}`, maxRetries: 0 });
  t.same(object, STRUCTURED);
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-ai-sdk-object', recorded(harness, 'generateObject with a zod schema'));
});

t.test('a thinking model in a tool loop: the reasoning comes back as an item_reference and reaches Anthropic signed', async (t) => {
  const thinking = { type: 'thinking', thinking: 'The weather needs the tool.', signature: 'EqQBCkYIBxgCKkB-signed' };
  const handler: MockHandler = (request) => lastToolResults(request.body).length === 0
    ? messageReply(request, { content: [thinking, toolUseBlock('toolu_think_1', WEATHER_TOOL, { city: WEATHER_CITY })], stop_reason: 'tool_use' })
    : messageReply(request, { content: [textBlock(weatherAnswer(WEATHER_RESULT))] });
  const { harness, model } = await setup(t, handler);
  for (const stream of [false, true]) {
    const before = harness.mock.requests.length;
    const options = { model, tools, stopWhen: stepCountIs(3), prompt: `Weather in ${WEATHER_CITY}?`, maxRetries: 0 } as const;
    if (stream) {
      const streamed = streamText(options);
      let text = '';
      for await (const delta of streamed.textStream) text += delta;
      t.equal(text, weatherAnswer(WEATHER_RESULT), 'streamed');
      t.equal((await streamed.steps)[0].reasoningText, thinking.thinking);
    } else {
      const generated = await generateText(options);
      t.equal(generated.text, weatherAnswer(WEATHER_RESULT));
      t.equal(generated.steps[0].reasoningText, thinking.thinking);
    }
    const second = harness.mock.requests[before + 1].body;
    t.strictSame(second.messages[1], { role: 'assistant', content: [thinking, toolUseBlock('toolu_think_1', WEATHER_TOOL, { city: WEATHER_CITY })] }, `stream: ${stream}: signed thinking replayed first`);
  }
  const sent = harness.inbound.requests[1].body.input;
  t.ok(sent.some((item: any) => item.type === 'item_reference' && /^rs_/.test(item.id)), 'the SDK referred to the stored reasoning item');
  t.same(translatedRequestProblems(harness), [], 'every upstream request is one Anthropic accepts');
  checkClientFixture(t, 'responses-ai-sdk-reasoning', recorded(harness, 'a tool loop with reasoning (generateText, then streamText)'));
});
