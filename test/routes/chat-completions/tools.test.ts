// A full tool round trip through the openai SDK, and the tool mappings that reach the upstream.
import { readFileSync } from 'node:fs';
import t from 'tap';
import type OpenAI from 'openai';
import { anthropicMessage } from '../../helpers/mock-upstream.ts';
import { chatSetup } from '../../helpers/chat.ts';

const tools: OpenAI.Chat.ChatCompletionTool[] = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

t.test('tool round trip: tool_use -> tool_calls, then tool results go back as tool_result blocks', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({
    kind: 'json',
    body: anthropicMessage({
      id: 'msg_tool_1',
      content: [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'toolu_B', name: 'get_weather', input: { city: 'Rome' } },
      ],
      stop_reason: 'tool_use',
    }),
  });
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Oslo and Rome?' }];
  const first = await client.chat.completions.create({ model: 'glm-4.5', messages, tools, tool_choice: 'auto', parallel_tool_calls: true });
  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.5',
    max_tokens: 4096,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] }],
    tools: [{ name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
    tool_choice: { type: 'auto' },
  });
  const choice = first.choices[0];
  t.equal(choice.finish_reason, 'tool_calls');
  t.equal(choice.message.content, 'Let me look.');
  t.strictSame(choice.message.tool_calls, [
    { id: 'toolu_A', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
    { id: 'toolu_B', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
  ]);

  // The application appends the assistant message as the SDK returned it, then one tool message per call.
  messages.push(choice.message as OpenAI.Chat.ChatCompletionMessageParam);
  messages.push({ role: 'tool', tool_call_id: 'toolu_A', content: '3C, snow' });
  messages.push({ role: 'tool', tool_call_id: 'toolu_B', content: '21C, sun' });
  mock.enqueue({ kind: 'json', body: anthropicMessage({ id: 'msg_tool_2', text: 'Oslo 3C, Rome 21C.' }) });
  const second = await client.chat.completions.create({ model: 'glm-4.5', messages, tools, parallel_tool_calls: false });
  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.5',
    max_tokens: 4096,
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'toolu_A', name: 'get_weather', input: { city: 'Oslo' } },
          { type: 'tool_use', id: 'toolu_B', name: 'get_weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_A', content: '3C, snow' },
          { type: 'tool_result', tool_use_id: 'toolu_B', content: '21C, sun' },
        ],
      },
    ],
    tools: [{ name: 'get_weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
  });
  t.equal(second.choices[0].message.content, 'Oslo 3C, Rome 21C.');
  t.equal(second.choices[0].finish_reason, 'stop');
});

t.test('tool_choice required and a named function reach the upstream as any / tool', async (t) => {
  const { client, mock } = await chatSetup(t);
  await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'required' });
  t.strictSame(mock.lastRequest.body.tool_choice, { type: 'any' });
  await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  t.strictSame(mock.lastRequest.body.tool_choice, { type: 'tool', name: 'get_weather' });
  await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'x' }], tools, tool_choice: 'none' });
  t.strictSame(mock.lastRequest.body.tool_choice, { type: 'none' });
});

t.test('legacy functions: function_call answer, role function result with the same synthetic id', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ content: [{ type: 'tool_use', id: 'toolu_L', name: 'get_time', input: { tz: 'UTC' } }], stop_reason: 'tool_use' }) });
  const functions = [{ name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } }];
  const first = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'time?' }], functions, function_call: 'auto' });
  t.strictSame(first.choices[0].message.function_call, { name: 'get_time', arguments: '{"tz":"UTC"}' });
  t.equal(first.choices[0].finish_reason, 'function_call');
  t.strictSame(mock.lastRequest.body.tools, [{ name: 'get_time', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } }]);
  t.strictSame(mock.lastRequest.body.tool_choice, { type: 'auto' });

  await client.chat.completions.create({
    model: 'glm-4.5',
    functions,
    messages: [
      { role: 'user', content: 'time?' },
      { role: 'assistant', content: null, function_call: { name: 'get_time', arguments: '{"tz":"UTC"}' } },
      { role: 'function', name: 'get_time', content: '12:00' },
    ],
  });
  t.strictSame(mock.lastRequest.body.messages.slice(1), [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_fn_1', name: 'get_time', input: { tz: 'UTC' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_fn_1', content: '12:00' }] },
  ]);
});

t.test('legacy functions with stream: true stream function_call, as OpenAI did, and only the first call', async (t) => {
  const { client, mock } = await chatSetup(t);
  const parallel = readFileSync(new URL('../../fixtures/anthropic/anthropic-stream-parallel-tools.sse', import.meta.url));
  mock.enqueue({ kind: 'sse', chunks: [parallel] });
  const functions = [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
  const stream = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Weather in Paris?' }], functions, stream: true });
  const deltas: OpenAI.Chat.ChatCompletionChunk.Choice.Delta[] = [];
  let finish: string | null = null;
  for await (const chunk of stream) {
    deltas.push(chunk.choices[0].delta);
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  t.equal(deltas.filter((delta) => delta.tool_calls !== undefined).length, 0, 'no tool_calls deltas');
  const calls = deltas.filter((delta) => delta.function_call !== undefined).map((delta) => delta.function_call!);
  t.equal(calls[0].name, 'get_weather', 'the first function_call delta names the function');
  t.equal(calls.slice(1).filter((call) => call.name !== undefined).length, 0, 'one function only: the second tool_use is dropped');
  t.strictSame(JSON.parse(calls.map((call) => call.arguments ?? '').join('')), { city: 'Paris', unit: 'celsius' });
  t.equal(finish, 'function_call');

  // The SDK's own accumulation agrees with the non-streaming shape.
  mock.enqueue({ kind: 'sse', chunks: [parallel] });
  const final = await client.chat.completions.stream({ model: 'glm-4.5', messages: [{ role: 'user', content: 'Weather in Paris?' }], functions }).finalChatCompletion();
  t.equal(final.choices[0].finish_reason, 'function_call');
  t.equal(final.choices[0].message.function_call?.name, 'get_weather');
  t.strictSame(JSON.parse(final.choices[0].message.function_call?.arguments ?? ''), { city: 'Paris', unit: 'celsius' });
  t.equal(final.choices[0].message.tool_calls?.length ?? 0, 0);
});
