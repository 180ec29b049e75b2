// response_format through the openai SDK: a forced tool upstream, JSON text in message.content back.
import t from 'tap';
import { anthropicMessage } from '../../helpers/mock-upstream.ts';
import { chatSetup } from '../../helpers/chat.ts';
import { RESPONSE_FORMAT_TOOL } from '../../../src/translate/anthropic/format-tool.ts';

const schema = { type: 'object', properties: { city: { type: 'string' }, temp_c: { type: 'number' } }, required: ['city', 'temp_c'], additionalProperties: false };

t.test('json_schema: forced tool with the schema upstream; its input comes back as content, finish_reason stop', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({
    kind: 'json',
    body: anthropicMessage({ content: [{ type: 'tool_use', id: 'toolu_J', name: RESPONSE_FORMAT_TOOL, input: { city: 'Oslo', temp_c: 3 } }], stop_reason: 'tool_use' }),
  });
  const completion = await client.chat.completions.create({
    model: 'glm-4.5',
    messages: [{ role: 'user', content: 'Weather in Oslo as JSON' }],
    response_format: { type: 'json_schema', json_schema: { name: 'weather', schema, strict: true } },
  });
  t.strictSame(mock.lastRequest.body, {
    model: 'glm-4.5',
    max_tokens: 4096,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo as JSON' }] }],
    tools: [{ name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as JSON matching the schema named "weather".', input_schema: schema }],
    tool_choice: { type: 'tool', name: RESPONSE_FORMAT_TOOL, disable_parallel_tool_use: true },
  });
  const choice = completion.choices[0];
  t.equal(choice.finish_reason, 'stop');
  t.notOk(choice.message.tool_calls);
  t.strictSame(JSON.parse(choice.message.content ?? ''), { city: 'Oslo', temp_c: 3 });
});

t.test('json_object: forced tool with an open object schema', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ content: [{ type: 'tool_use', id: 'toolu_K', name: RESPONSE_FORMAT_TOOL, input: { ok: true } }], stop_reason: 'tool_use' }) });
  const completion = await client.chat.completions.create({ model: 'glm-4.5', messages: [{ role: 'user', content: 'JSON please' }], response_format: { type: 'json_object' } });
  t.strictSame(mock.lastRequest.body.tools, [{ name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as a JSON object.', input_schema: { type: 'object', additionalProperties: true } }]);
  t.equal(completion.choices[0].message.content, '{"ok":true}');
});

t.test('the SDK parse() helper reads the JSON content', async (t) => {
  const { client, mock } = await chatSetup(t);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ content: [{ type: 'tool_use', id: 'toolu_P', name: RESPONSE_FORMAT_TOOL, input: { city: 'Rome', temp_c: 21 } }], stop_reason: 'tool_use' }) });
  const parsed = await client.chat.completions.parse({
    model: 'glm-4.5',
    messages: [{ role: 'user', content: 'x' }],
    response_format: { type: 'json_schema', json_schema: { name: 'weather', schema, strict: true } },
  });
  t.strictSame(parsed.choices[0].message.parsed, { city: 'Rome', temp_c: 21 });
});
