// Property test (issue 25): requests shaped like real clients' (tool loops, reasoning on and off mid-
// conversation, images, structured output), each one checked to be valid under OpenAI's own request schema
// (test/fixtures/openai-openapi), sent through the app against a mock upstream. Every one must be served:
// no 5xx, no 4xx (the generator sends nothing from the documented unsupported list: n > 1, audio, file ids,
// background, stored prompts, conversations), and the body that goes upstream must pass Anthropic's request
// rules (test/helpers/anthropic-request-rules.ts). Seeded and bounded.
import fc from 'fast-check';
import t from 'tap';
import { buildTestApp } from '../helpers/app.ts';
import { anthropicRequestProblems } from '../helpers/anthropic-request-rules.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { openAISchemaProblems } from '../helpers/openai-schema.ts';

const RUNS = 1000;
const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const TOOL_NAMES = ['get_weather', 'search_docs', 'run-query'];
const words = fc.constantFrom('hello', 'What is the weather in Paris?', 'Summarise this.', 'ok', '{"city":"Oslo"}', 'Line one\nline two');
const effort = fc.constantFrom(undefined, 'none', 'minimal', 'low', 'medium', 'high');
const params = fc.constantFrom({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, { type: 'object', properties: {} });
const args = fc.constantFrom('{}', '{"city":"Paris"}', '');
const callId = (turn: number, i: number) => fc.constantFrom(`call_${turn}_${i}`, `toolu_${turn}${i}`, `functions.get_weather:${turn}${i}`);
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const schemaFormat = { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] } } };

// ---- chat completions ----

const chatUser = fc.oneof(
  words.map((content) => ({ role: 'user', content })),
  fc.tuple(words, fc.boolean()).map(([text, image]) => ({
    role: 'user',
    content: [{ type: 'text', text }, ...(image ? [{ type: 'image_url', image_url: { url: PNG, detail: 'low' } }] : [])],
  })),
);

/** One tool round: the assistant's calls (with or without thinking replay) and a result per call. */
const chatToolRound = (turn: number) =>
  fc.tuple(fc.integer({ min: 1, max: 2 }), fc.boolean(), optional(words), fc.boolean()).chain(([count, thinking, content, answered]) =>
    fc.tuple(...Array.from({ length: count }, (_, i) => fc.tuple(callId(turn, i), fc.constantFrom(...TOOL_NAMES), args))).map((calls) => {
      const ids = calls.map(([id], i) => `${id}_${i}`);
      const assistant: Record<string, unknown> = {
        role: 'assistant',
        content: content ?? null,
        tool_calls: calls.map(([, name, argumentsText], i) => ({ id: ids[i], type: 'function', function: { name, arguments: argumentsText } })),
      };
      if (thinking) Object.assign(assistant, { reasoning_content: 'Let me call the tool.', reasoning_signature: 'sig_abc' });
      const results = (answered ? ids : ids.slice(0, 1)).map((id) => ({ role: 'tool', tool_call_id: id, content: 'sunny, 21 C' }));
      return [assistant, ...results];
    }),
  );

const chatMessages = fc
  .tuple(optional(fc.constantFrom('system', 'developer')), chatUser, fc.array(fc.integer(), { maxLength: 2 }), fc.constantFrom('end-user', 'end-tool', 'prefill', 'answered'))
  .chain(([systemRole, first, rounds, ending]) =>
    fc.tuple(...rounds.map((_, turn) => chatToolRound(turn)), chatUser).map((parts) => {
      const follow = parts.pop() as Record<string, unknown>;
      const messages: unknown[] = [];
      if (systemRole) messages.push({ role: systemRole, content: 'You are terse.' });
      messages.push(first);
      for (const round of parts as unknown[][]) messages.push(...round);
      if (ending === 'end-user' || rounds.length === 0) messages.push(follow);
      if (ending === 'answered') messages.push({ role: 'assistant', content: 'It is sunny.' }, follow);
      if (ending === 'prefill') messages.push({ role: 'assistant', content: 'Sure' });
      return messages;
    }),
  );

const chatRequest = fc.record(
  {
    model: fc.constantFrom('glm-4.5', 'gpt-4o'),
    messages: chatMessages,
    tools: optional(fc.subarray(TOOL_NAMES, { minLength: 1 }).chain((names) => fc.tuple(...names.map(() => params)).map((schemas) => names.map((name, i) => ({ type: 'function', function: { name, description: `The ${name} tool`, parameters: schemas[i] } }))))),
    reasoning_effort: effort,
    response_format: optional(fc.constantFrom({ type: 'text' }, { type: 'json_object' }, schemaFormat)),
    temperature: optional(fc.double({ min: 0, max: 2, noNaN: true })),
    top_p: optional(fc.double({ min: 0, max: 1, noNaN: true })),
    max_completion_tokens: optional(fc.integer({ min: 1, max: 32_000 })),
    stop: optional(fc.constantFrom('END', ['\n\n', 'STOP'])),
    parallel_tool_calls: optional(fc.boolean()),
    stream: optional(fc.boolean()),
  },
  { requiredKeys: ['model', 'messages'] },
).chain((request) =>
  fc.constantFrom<unknown>(undefined, 'auto', 'none', 'required', ...(request.tools ?? []).map((tool) => ({ type: 'function', function: { name: tool.function.name } }))).map((toolChoice) =>
    request.tools && toolChoice !== undefined ? { ...request, tool_choice: toolChoice } : request,
  ),
);

// ---- Responses ----

const responsesUser = fc.oneof(
  words.map((text) => ({ role: 'user', content: text })),
  fc.tuple(words, fc.boolean()).map(([text, image]) => ({
    type: 'message',
    role: 'user',
    content: [{ type: 'input_text', text }, ...(image ? [{ type: 'input_image', image_url: PNG, detail: 'auto' }] : [])],
  })),
);

const responsesToolRound = (turn: number) =>
  fc.tuple(fc.integer({ min: 1, max: 2 }), optional(words)).chain(([count, text]) =>
    fc.tuple(...Array.from({ length: count }, () => fc.tuple(fc.constantFrom(...TOOL_NAMES), args))).map((calls) => [
      ...(text ? [{ type: 'message', role: 'assistant', content: text }] : []),
      ...calls.map(([name, argumentsText], i) => ({ type: 'function_call', call_id: `call_${turn}_${i}`, name, arguments: argumentsText })),
      ...calls.map((_, i) => ({ type: 'function_call_output', call_id: `call_${turn}_${i}`, output: 'sunny' })),
    ]),
  );

const responsesInput = fc.oneof(
  words,
  fc.tuple(responsesUser, fc.array(fc.integer(), { maxLength: 2 }), fc.boolean(), responsesUser).chain(([first, rounds, follow, next]) =>
    fc.tuple(...rounds.map((_, turn) => responsesToolRound(turn))).map((parts) => [first, ...parts.flat(), ...(follow || rounds.length === 0 ? [next] : [])]),
  ),
);

const responsesRequest = fc.record(
  {
    model: fc.constantFrom('glm-4.5', 'gpt-4o'),
    input: responsesInput,
    instructions: optional(fc.constant('Be brief.')),
    tools: optional(fc.subarray(TOOL_NAMES, { minLength: 1 }).chain((names) => fc.tuple(...names.map(() => fc.tuple(params, fc.boolean()))).map((shapes) => names.map((name, i) => ({ type: 'function', name, parameters: shapes[i][0], strict: shapes[i][1] }))))),
    reasoning: optional(fc.record({ effort: fc.constantFrom('none', 'minimal', 'low', 'medium', 'high'), summary: optional(fc.constantFrom('auto', 'concise', 'detailed')) }, { requiredKeys: ['effort'] })),
    text: optional(fc.constantFrom({ format: { type: 'text' } }, { format: { type: 'json_object' } }, { format: { type: 'json_schema', name: 'answer', schema: schemaFormat.json_schema.schema, strict: true } })),
    temperature: optional(fc.double({ min: 0, max: 2, noNaN: true })),
    max_output_tokens: optional(fc.integer({ min: 16, max: 32_000 })),
    store: optional(fc.boolean()),
    stream: optional(fc.boolean()),
    parallel_tool_calls: optional(fc.boolean()),
  },
  { requiredKeys: ['model', 'input'] },
).chain((request) =>
  fc.constantFrom<unknown>(undefined, 'auto', 'none', 'required', ...(request.tools ?? []).map((tool) => ({ type: 'function', name: tool.name }))).map((toolChoice) =>
    request.tools && toolChoice !== undefined ? { ...request, tool_choice: toolChoice } : request,
  ),
);

async function checkRoute(t: { teardown(fn: () => unknown): void; ok(value: unknown, message: string): void; equal(a: unknown, b: unknown, message: string): void }, url: string, schema: string, arbitrary: fc.Arbitrary<unknown>, seed: number) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', LOG_LEVEL: 'silent' });
  const counts = { served: 0, thinking: 0, toolLoops: 0 };
  await fc.assert(
    fc.asyncProperty(arbitrary, async (body) => {
      const invalid = openAISchemaProblems(schema, body);
      if (invalid.length > 0) throw new Error(`the generator made a request OpenAI refuses: ${invalid.slice(0, 3).join('; ')}`);
      const before = mock.requests.length;
      const res = await app.inject({ method: 'POST', url, payload: body as object });
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 400)}`);
      if (mock.requests.length !== before + 1) throw new Error('no upstream request');
      const sent = mock.lastRequest.body;
      const problems = anthropicRequestProblems(sent);
      if (problems.length > 0) throw new Error(`upstream body Anthropic refuses: ${problems.join('; ')}\n${JSON.stringify(sent).slice(0, 1500)}`);
      counts.served++;
      if (sent.thinking && sent.thinking.type !== 'disabled') counts.thinking++;
      if (JSON.stringify(sent.messages).includes('"tool_result"')) counts.toolLoops++;
    }),
    { numRuns: RUNS, seed, endOnFailure: true },
  );
  t.equal(counts.served, RUNS, `${RUNS} requests served`);
  t.ok(counts.thinking > RUNS / 10, `a fair share with thinking on (${counts.thinking})`);
  t.ok(counts.toolLoops > RUNS / 10, `a fair share with tool loops (${counts.toolLoops})`);
}

t.test('chat completions: generated valid requests are all served with a body Anthropic takes', async (t) => {
  await checkRoute(t, '/v1/chat/completions', 'CreateChatCompletionRequest', chatRequest, 2511);
});

t.test('Responses: generated valid requests are all served with a body Anthropic takes', async (t) => {
  await checkRoute(t, '/v1/responses', 'CreateResponse', responsesRequest, 2512);
});
