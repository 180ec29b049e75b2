// Each provider's documented quirks on a real port, driven through the openai SDK (chat completions and the
// Responses API): every mock refuses, as the provider does, a body its documentation says it refuses, so a
// 200 proves the profile avoided it. Plus each provider's usage placement and error dialect on the way back.
import OpenAI from 'openai';
import t from 'tap';
import { OPENAI_REASONING_EFFORTS } from '../../src/profiles/effort.ts';
import type { AnthropicRequest } from '../../src/wire/anthropic.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { anthropicErrorBody, anthropicMessage, MockUpstream, type MockReply, type RecordedRequest } from '../helpers/mock-upstream.ts';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** What a provider refuses, as its documentation (or its recorded 400) says; null when the body is fine. */
type Refusal = (body: AnthropicRequest) => string | null;

const blocks = (body: AnthropicRequest) => body.messages.flatMap((message) => message.content);

const REFUSALS: Record<string, Refusal> = {
  // AWS Bedrock "Adaptive thinking"; OpenRouter's "Claude 4.7 Migration Guide".
  'claude-opus-4-7': (body) => {
    if (body.thinking && body.thinking.type !== 'adaptive') return `"thinking.type.${body.thinking.type}" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.`;
    for (const name of ['temperature', 'top_p', 'top_k'] as const) if (body[name] !== undefined) return `${name} is not supported for this model`;
    return null;
  },
  // MiniMax "Anthropic API compatible": no image or document input.
  minimax: (body) => (blocks(body).some((block) => block.type === 'image' || block.type === 'document') ? 'image and document input are not supported' : null),
  // Kimi's recorded 400 (hermes-agent issue 17057).
  kimi: (body) => {
    if (!body.thinking || body.thinking.type === 'disabled') return null;
    const index = body.messages.findIndex((message) => message.role === 'assistant' && message.content.some((block) => block.type === 'tool_use') && !message.content.some((block) => block.type === 'thinking'));
    return index === -1 ? null : `thinking is enabled but reasoning_content is missing in assistant tool call message at index ${index}`;
  },
  none: () => null,
};

async function providerSetup(t: Teardown, profile: string, refusal: Refusal, reply: (request: RecordedRequest) => MockReply = () => ({ kind: 'json', body: anthropicMessage({ text: 'ok' }) }), env: Record<string, string> = {}) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  mock.setHandler((request) => {
    const problem = refusal(request.body as AnthropicRequest);
    return problem === null ? reply(request) : { kind: 'json', status: 400, body: anthropicErrorBody('invalid_request_error', problem) };
  });
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, UPSTREAM_PROFILE: profile, MAX_RETRIES: '0', ...env });
  const base = await listen(app);
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-client-key', maxRetries: 0 });
  return { mock, client, logs };
}

t.test('reasoning_effort "high" reaches claude-opus-4-7 as adaptive thinking with effort high, its sampling parameters dropped and named', async (t) => {
  const { mock, client } = await providerSetup(t, 'anthropic', REFUSALS['claude-opus-4-7']);
  const { data, response } = await client.chat.completions
    .create({ model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'Plan it.' }], reasoning_effort: 'high', max_completion_tokens: 2000 })
    .withResponse();
  t.equal(data.choices[0].message.content, 'ok');
  const sent = mock.lastRequest.body as AnthropicRequest;
  t.strictSame(sent.thinking, { type: 'adaptive' });
  t.strictSame(sent.output_config, { effort: 'high' });
  t.equal(response.headers.get('x-proxy-dropped-params'), null);

  const sampled = await client.chat.completions.create({ model: 'claude-opus-4-7', messages: [{ role: 'user', content: 'x' }], temperature: 0.5, top_k: 20 } as never).withResponse();
  t.notOk('temperature' in mock.lastRequest.body || 'top_k' in mock.lastRequest.body);
  t.equal(sampled.response.headers.get('x-proxy-dropped-params'), 'temperature,top_k');

  await client.responses.create({ model: 'claude-opus-4-7', input: 'Plan it.', reasoning: { effort: 'high' } });
  t.strictSame((mock.lastRequest.body as AnthropicRequest).output_config, { effort: 'high' }, 'the Responses API too');
});

t.test('reasoning_effort "high" reaches glm-4.6 on z.ai as a thinking budget', async (t) => {
  const { mock, client } = await providerSetup(t, 'zai', REFUSALS.none);
  const { response } = await client.chat.completions.create({ model: 'glm-4.6', messages: [{ role: 'user', content: 'Plan it.' }], reasoning_effort: 'high' }).withResponse();
  t.strictSame((mock.lastRequest.body as AnthropicRequest).thinking, { type: 'enabled', budget_tokens: 16384 });
  t.notOk('output_config' in mock.lastRequest.body);
  t.equal(response.headers.get('x-proxy-dropped-params'), null, 'nothing dropped, no header');
});

t.test('every OpenAI effort value is served, on both surfaces, by an adaptive model and a budget model', async (t) => {
  for (const [profile, model, refusal] of [['anthropic', 'claude-opus-4-7', REFUSALS['claude-opus-4-7']], ['zai', 'glm-4.6', REFUSALS.none]] as const) {
    const { mock, client } = await providerSetup(t, profile, refusal);
    for (const effort of OPENAI_REASONING_EFFORTS) {
      const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], reasoning_effort: effort as never });
      t.equal(chat.choices[0].message.content, 'ok', `${model} chat ${effort}`);
      const responses = await client.responses.create({ model, input: 'x', reasoning: { effort: effort as never } });
      t.equal(responses.status, 'completed', `${model} responses ${effort}`);
    }
    t.equal(mock.requests.length, OPENAI_REASONING_EFFORTS.length * 2);
  }
});

t.test('Kimi gets thinking on its tool-call turns from the reasoning_content the client sends back', async (t) => {
  const { mock, client } = await providerSetup(t, 'moonshot', REFUSALS.kimi);
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const toolCall = { id: 'functions.get_weather:0', type: 'function' as const, function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
  const history = (assistant: Record<string, unknown>) => [
    { role: 'user' as const, content: 'Weather in Paris?' },
    { role: 'assistant' as const, content: null, tool_calls: [toolCall], ...assistant },
    { role: 'tool' as const, tool_call_id: toolCall.id, content: '18°C' },
  ];
  const completion = await client.chat.completions.create({ model: 'kimi-k2.6', tools, reasoning_effort: 'high', messages: history({ reasoning_content: 'Call the weather tool.' }) as never });
  t.equal(completion.choices[0].message.content, 'ok');
  const sent = mock.lastRequest.body as AnthropicRequest;
  t.strictSame(sent.thinking, { type: 'enabled' });
  t.strictSame(sent.messages[1].content[0], { type: 'thinking', thinking: 'Call the weather tool.', signature: '' });

  // Without the reasoning, the request goes without thinking (the refusal is avoided) and the header says so.
  const { response } = await client.chat.completions.create({ model: 'kimi-k2.6', tools, reasoning_effort: 'high', messages: history({}) as never }).withResponse();
  t.equal((mock.lastRequest.body as AnthropicRequest).thinking, undefined);
  t.equal(response.headers.get('x-proxy-dropped-params'), 'reasoning_effort');
});

t.test('MiniMax never sees an image: it becomes a note, and the access line names the field at debug level', async (t) => {
  const { mock, client, logs } = await providerSetup(t, 'minimax', REFUSALS.minimax, undefined, { LOG_LEVEL: 'debug' });
  const png = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const { response } = await client.chat.completions
    .create({ model: 'MiniMax-M2.7', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, { type: 'image_url', image_url: { url: png } }] }] })
    .withResponse();
  t.equal(response.headers.get('x-proxy-dropped-params'), 'image_url');
  t.match(JSON.stringify(mock.lastRequest.body.messages), /an image was attached here; MiniMax-M2.7 takes no image input/);
  const line = logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'request completed' && entry.route === '/v1/chat/completions');
  t.strictSame(line?.dropped, ['image_url']);
});

t.test('z.ai: input tokens only in message_delta are counted; 1302 (concurrency) is a 429 rate limit, 1261 a context overflow', async (t) => {
  const events = [
    { data: { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'glm-4.6', content: [], usage: { input_tokens: 0, output_tokens: 0 } } } },
    { data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } } },
    { data: { type: 'content_block_stop', index: 0 } },
    { data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 42, output_tokens: 3, cache_read_input_tokens: 10 } } },
    { data: { type: 'message_stop' } },
  ];
  const replies: MockReply[] = [
    { kind: 'sse', events },
    { kind: 'json', status: 429, body: { type: 'error', error: { type: '1302', message: 'High concurrency usage of this API, please reduce concurrency' } } },
    { kind: 'json', status: 400, body: { type: 'error', error: { type: '1261', message: 'Prompt exceeds max length' } } },
  ];
  const { client } = await providerSetup(t, 'zai', REFUSALS.none, () => replies.shift()!);
  const stream = await client.chat.completions.create({ model: 'glm-4.6', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  t.equal(usage?.prompt_tokens, 52, 'input 42 + cache read 10, all from message_delta');
  t.equal(usage?.prompt_tokens_details?.cached_tokens, 10);

  const busy = await client.chat.completions.create({ model: 'glm-4.6', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
  t.ok(busy instanceof OpenAI.RateLimitError);
  t.equal((busy as InstanceType<typeof OpenAI.APIError>).code, '1302');
  const long = await client.chat.completions.create({ model: 'glm-4.6', messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
  t.equal((long as InstanceType<typeof OpenAI.APIError>).status, 400);
  t.equal((long as InstanceType<typeof OpenAI.APIError>).code, 'context_length_exceeded');
});

t.test('Qwen: cache counts reported only in message_delta reach the client', async (t) => {
  const events = [
    { data: { type: 'message_start', message: { id: 'msg_q', type: 'message', role: 'assistant', model: 'qwen-plus', content: [], usage: { input_tokens: 7, output_tokens: 0 } } } },
    { data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'ok' } } },
    { data: { type: 'content_block_stop', index: 0 } },
    { data: { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2, cache_read_input_tokens: 1024, cache_creation_input_tokens: 256 } } },
    { data: { type: 'message_stop' } },
  ];
  const { client } = await providerSetup(t, 'qwen', REFUSALS.none, () => ({ kind: 'sse', events }));
  const stream = await client.chat.completions.create({ model: 'qwen-plus', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } });
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  t.equal(usage?.prompt_tokens, 7 + 1024 + 256);
  t.equal(usage?.prompt_tokens_details?.cached_tokens, 1024);
});
