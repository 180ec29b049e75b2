// Each request rule of the Responses translation, as a pure function.
import t from 'tap';
import { decodeReasoning, encodeReasoning } from '../../../src/translate/openai-responses/encrypted-reasoning.ts';
import { failure, translate } from './rules.ts';

const user = (text: string) => ({ role: 'user', content: text });
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

t.test('input as a string is one user turn; unknown fields are ignored', async (t) => {
  const { body } = translate({ model: 'gpt-4o', input: 'Hi', seed: 3, whatever: { x: 1 } } as any);
  t.strictSame(body, { model: 'glm-4.6', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
});

t.test('roles: instructions, system and developer hoisted in order; same-role turns merged; assistant output_text and refusal', async (t) => {
  const { body } = translate({
    instructions: 'First.',
    input: [
      { role: 'system', content: 'Second.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'a' }] },
      { role: 'developer', content: [{ type: 'input_text', text: 'Third.' }] },
      { role: 'user', content: 'b' },
      { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'c', annotations: [] }, { type: 'refusal', refusal: 'no' }] },
      user('d'),
    ],
  });
  t.strictSame(body.system, [{ type: 'text', text: 'First.' }, { type: 'text', text: 'Second.' }, { type: 'text', text: 'Third.' }]);
  t.strictSame(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    { role: 'user', content: [{ type: 'text', text: 'd' }] },
  ]);
});

t.test('input_image (data URL or http URL, detail dropped) and input_file (PDF) parts; the vision model when no model is named', async (t) => {
  const { body } = translate({
    input: [{
      role: 'user',
      content: [
        { type: 'input_image', image_url: PNG, detail: 'high' },
        { type: 'input_image', image_url: 'https://example.com/cat.jpg', detail: 'auto' },
        { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
      ],
    }],
  });
  t.equal(body.model, 'glm-vision');
  t.strictSame(body.messages[0].content, [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
  ]);
});

t.test('parts the upstream cannot take are a 400 naming the field', async (t) => {
  t.match(failure(() => translate({ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file_1' }] }] })), { statusCode: 400, param: 'input[0].content[0].file_id' });
  t.match(failure(() => translate({ input: [{ role: 'user', content: [{ type: 'input_file', file_id: 'file_1' }] }] })), { statusCode: 400, param: 'input[0].content[0].file_id' });
  t.match(failure(() => translate({ input: [{ role: 'system', content: [{ type: 'input_image', image_url: PNG }] }] })), { statusCode: 400, param: 'input[0].content' });
  t.match(failure(() => translate({ input: [{ role: 'tool', content: 'x' }] })), { statusCode: 400, param: 'input[0].role' });
  t.match(failure(() => translate({ input: [{ type: 'mystery_item' }] })), { statusCode: 400, param: 'input[0].type' });
  t.match(failure(() => translate({ input: [] })), { statusCode: 400, param: 'input' });
});

t.test('function_call arguments that are not a JSON object travel as raw_arguments (chat\'s rule)', async (t) => {
  const input = (args: unknown) => (translate({ input: [{ role: 'user', content: 'x' }, { type: 'function_call', call_id: 'c', name: 'f', arguments: args }, { type: 'function_call_output', call_id: 'c', output: 'ok' }] } as never).body.messages[1].content[0] as { input: unknown }).input;
  t.strictSame(input('{oops'), { raw_arguments: '{oops' });
  t.strictSame(input('[1]'), { raw_arguments: '[1]' });
  t.strictSame(input('{"a":1}'), { a: 1 });
  t.strictSame(input(''), {});
});

t.test('function_call output as parts; hosted-tool items are left out', async (t) => {
  const { body } = translate({
    input: [
      user('x'),
      { type: 'web_search_call', id: 'ws_1', status: 'completed' },
      { type: 'function_call', call_id: 'call_a', name: 'look', arguments: '' },
      { type: 'function_call_output', call_id: 'call_a', output: [{ type: 'input_text', text: 'seen' }, { type: 'input_image', image_url: PNG }] },
      user('and?'),
    ],
  });
  t.strictSame(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'x' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_a', name: 'look', input: {} }] },
    { role: 'user', content: [
      { type: 'tool_result', tool_use_id: 'call_a', content: [{ type: 'text', text: 'seen' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
      { type: 'text', text: 'and?' },
    ] },
  ]);
});

t.test('custom tools: one string property, the grammar in the description; calls and outputs in history', async (t) => {
  const translated = translate({
    tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } }],
    input: [
      user('patch it'),
      { type: 'custom_tool_call', call_id: 'call_p', name: 'apply_patch', input: '*** Begin Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_p', output: 'Done' },
    ],
  });
  t.strictSame(translated.body.tools, [{
    name: 'apply_patch',
    description: 'Edit files.\n\nThe input must follow this lark grammar:\nstart: "*** Begin Patch"',
    input_schema: { type: 'object', properties: { input: { type: 'string', description: 'The raw text input of the tool, exactly as the tool expects it.' } }, required: ['input'] },
  }]);
  t.strictSame(translated.toolsByUpstreamName.get('apply_patch'), { name: 'apply_patch', kind: 'custom' });
  t.strictSame(translated.body.messages.slice(1), [
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_p', name: 'apply_patch', input: { input: '*** Begin Patch' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_p', content: 'Done' }] },
  ]);
});

t.test('namespaces are flattened; a name taken at the top level gets its namespace as a prefix', async (t) => {
  const translated = translate({
    tools: [
      { type: 'function', name: 'search', parameters: { type: 'object', properties: {} }, strict: true },
      { type: 'namespace', name: 'docs', description: 'Documentation tools.', tools: [{ type: 'function', name: 'search', description: 'Search the docs.' }, { type: 'function', name: 'open' }] },
      { type: 'file_search', vector_store_ids: ['vs_1'] },
      { type: 'code_interpreter', container: { type: 'auto' } },
      { type: 'mcp', server_label: 'x' },
    ],
    input: [user('x'), { type: 'function_call', call_id: 'c1', name: 'search', namespace: 'docs', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: 'r' }],
  });
  t.same(translated.body.tools!.map((tool) => tool.name), ['search', 'docs__search', 'open']);
  t.equal(translated.body.tools![1].description, 'Documentation tools.\n\nSearch the docs.');
  t.strictSame(translated.body.tools![0].input_schema, { type: 'object', properties: {} });
  t.strictSame(translated.toolsByUpstreamName.get('docs__search'), { name: 'search', kind: 'function', namespace: 'docs' });
  t.equal((translated.body.messages[1].content[0] as any).name, 'docs__search', 'a namespaced call in history finds its tool');
});

t.test('tool_choice: auto, none, required, a named function or custom tool, allowed_tools, a hosted tool; parallel_tool_calls', async (t) => {
  const tools = [{ type: 'function', name: 'a' }, { type: 'function', name: 'b' }, { type: 'custom', name: 'c' }] as any[];
  const choice = (tool_choice: unknown, extra: object = {}) => translate({ input: 'x', tools, tool_choice, ...extra } as any).body;
  t.strictSame(choice('auto').tool_choice, { type: 'auto' });
  t.strictSame(choice('none').tool_choice, { type: 'none' });
  t.strictSame(choice('required').tool_choice, { type: 'any' });
  t.strictSame(choice({ type: 'function', name: 'b' }).tool_choice, { type: 'tool', name: 'b' });
  t.strictSame(choice({ type: 'custom', name: 'c' }).tool_choice, { type: 'tool', name: 'c' });
  t.strictSame(choice({ type: 'web_search_preview' }).tool_choice, { type: 'auto' });
  const allowed = choice({ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'a' }] });
  t.strictSame(allowed.tool_choice, { type: 'any' });
  t.same(allowed.tools!.map((tool) => tool.name), ['a']);
  t.strictSame(choice(undefined, { parallel_tool_calls: false }).tool_choice, { type: 'auto', disable_parallel_tool_use: true });
  t.strictSame(choice('required', { parallel_tool_calls: false }).tool_choice, { type: 'any', disable_parallel_tool_use: true });
  t.strictSame(choice('none', { parallel_tool_calls: false }).tool_choice, { type: 'none' });
  t.match(failure(() => choice({ type: 'function', name: 'zzz' })), { statusCode: 400, param: 'tool_choice.name' });
  t.notOk('tool_choice' in translate({ input: 'x', tool_choice: 'required' }).body, 'no tool_choice without tools');
});

t.test('text.format: json_schema and json_object -> the JSON tool; text -> nothing; a non-object schema is a 400', async (t) => {
  const schema = { type: 'object', properties: { n: { type: 'number' } } };
  const withSchema = translate({ input: 'x', text: { format: { type: 'json_schema', name: 'n', schema, strict: true } } });
  t.equal(withSchema.responseFormatTool, 'json_tool_call');
  t.strictSame(withSchema.body.tools, [{ name: 'json_tool_call', description: 'Give the answer as JSON matching the schema named "n".', input_schema: schema }]);
  const object = translate({ input: 'x', text: { format: { type: 'json_object' } } });
  t.strictSame(object.body.tools![0].input_schema, { type: 'object', additionalProperties: true });
  const withTools = translate({ input: 'x', tools: [{ type: 'function', name: 'f' }], text: { format: { type: 'json_object' } } });
  t.strictSame(withTools.body.tool_choice, { type: 'any' }, 'with client tools the model must call one of them or answer in JSON');
  t.equal(translate({ input: 'x', text: { format: { type: 'text' }, verbosity: 'low' } }).responseFormatTool, null);
  t.match(failure(() => translate({ input: 'x', text: { format: { type: 'json_schema', name: 'n', schema: { type: 'array' } } } })), { statusCode: 400, param: 'text.format.schema' });
});

t.test('reasoning.effort -> thinking budgets and the limits that come with thinking', async (t) => {
  const { body } = translate({ input: 'x', reasoning: { effort: 'medium', summary: 'auto' }, temperature: 0.2, top_p: 0.5, tools: [{ type: 'function', name: 'f' }], tool_choice: 'required' });
  t.strictSame(body.thinking, { type: 'enabled', budget_tokens: 4096 });
  t.equal(body.max_tokens, 4096 + 4096, 'the budget is added when max_output_tokens does not exceed it');
  t.notOk('temperature' in body);
  t.equal(body.top_p, 0.95);
  t.strictSame(body.tool_choice, { type: 'auto' });
  t.strictSame(translate({ input: 'x', reasoning: { effort: 'xhigh' }, max_output_tokens: 20000 }).body.thinking, { type: 'enabled', budget_tokens: 16384 });
  t.equal(translate({ input: 'x', reasoning: { effort: 'high' }, max_output_tokens: 20000 }).body.max_tokens, 20000);
  t.strictSame(translate({ input: 'x', reasoning: { effort: 'none' } }).body.thinking, { type: 'disabled' });
  t.notOk('thinking' in translate({ input: 'x', reasoning: { summary: 'auto' } }).body, 'a summary setting alone turns nothing on');
  // OpenAI lists "max" (GPT-5.6): served, with the high budget here (a model with effort levels gets "max", profiles/adapt.ts).
  t.strictSame(translate({ input: 'x', reasoning: { effort: 'max' }, max_output_tokens: 20000 }).body.thinking, { type: 'enabled', budget_tokens: 16384 });
  t.match(failure(() => translate({ input: 'x', reasoning: { effort: 'ultra' } })), { statusCode: 400, param: 'reasoning.effort' });
});

t.test('max_output_tokens, temperature (capped at 1), top_p, stop, safety_identifier and user', async (t) => {
  const { body } = translate({ input: 'x', max_output_tokens: 77, temperature: 1.7, top_p: 0.9, stop: ['END', ' '], safety_identifier: 'user-42', user: 'old' });
  t.equal(body.max_tokens, 77);
  t.equal(body.temperature, 1);
  t.notOk('top_p' in body, 'with temperature, top_p is not sent (Anthropic refuses both at once)');
  t.equal(translate({ input: 'x', top_p: 0.9 }).body.top_p, 0.9, 'top_p alone is sent');
  t.strictSame(body.stop_sequences, ['END']);
  t.strictSame(body.metadata, { user_id: 'user-42' });
  t.strictSame(translate({ input: 'x', user: 'old' }).body.metadata, { user_id: 'old' });
  t.match(translate({ input: 'x', safety_identifier: 'ann@example.com' }).body.metadata?.user_id, /^sha256:[0-9a-f]{64}$/, 'an e-mail goes as a hash, as on chat');
  t.notOk('metadata' in translate({ input: 'x', metadata: { a: 'b' }, prompt_cache_key: 'k', service_tier: 'auto', truncation: 'auto', include: ['reasoning.encrypted_content'], store: false }).body);
});

t.test('background, conversation and stored prompts are a clear 400', async (t) => {
  t.match(failure(() => translate({ input: 'x', background: true })), { statusCode: 400, param: 'background', code: 'unsupported_background' });
  t.match(failure(() => translate({ input: 'x', conversation: 'conv_1' })), { statusCode: 400, param: 'conversation' });
  t.match(failure(() => translate({ input: 'x', prompt: { id: 'pmpt_1' } })), { statusCode: 400, param: 'prompt' });
  t.doesNotThrow(() => translate({ input: 'x', background: false, conversation: null }));
});

t.test('reasoning round trip: thinking and redacted thinking come back as the leading blocks of their turn', async (t) => {
  const thinking = { type: 'thinking' as const, thinking: 'Let me think.', signature: 'c2lnbmF0dXJl' };
  const redacted = { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3va3pzix/LafPsn4a' };
  t.strictSame(decodeReasoning(encodeReasoning(thinking)), thinking);
  t.strictSame(decodeReasoning(encodeReasoning(redacted)), redacted);
  t.equal(decodeReasoning('gAAAAABoZ-openai-blob'), null, 'a blob that is not ours');
  t.equal(decodeReasoning('ap1.not-json'), null);
  t.equal(decodeReasoning(encodeReasoning({ type: 'thinking', thinking: 'x', signature: '' })), null, 'unsigned thinking is not replayable');
  const { body } = translate({
    reasoning: { effort: 'low' },
    tools: [{ type: 'function', name: 'f' }],
    input: [
      user('q'),
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Let me think.' }], encrypted_content: encodeReasoning(thinking) },
      { type: 'reasoning', id: 'rs_2', summary: [], encrypted_content: encodeReasoning(redacted) },
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
      { type: 'function_call_output', call_id: 'c1', output: 'ok' },
      { type: 'reasoning', id: 'rs_3', summary: [{ type: 'summary_text', text: 'no blob' }] },
    ],
  });
  t.strictSame(body.messages[1], { role: 'assistant', content: [thinking, redacted, { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } }] });
  t.equal(body.messages.length, 3, 'a reasoning item without what Anthropic needs is left out');
});

t.test('an item_reference must have been resolved from the store before translation', async (t) => {
  t.match(failure(() => translate({ input: [user('x'), { type: 'item_reference', id: 'rs_9' }] })), { statusCode: 404, code: 'item_not_found' });
});
