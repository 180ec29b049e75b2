// What the real clients send (recorded, test/fixtures/clients/) becomes the Anthropic request we mean.
import t from 'tap';
import { encodeReasoning } from '../../../src/translate/openai-responses/encrypted-reasoning.ts';
import { clientFixture, translate } from './rules.ts';

t.test('openai SDK responses.create: string input and instructions', async (t) => {
  const { body } = translate(clientFixture('openai-create').body);
  t.strictSame(body, { model: 'glm-4.5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], system: [{ type: 'text', text: 'Be brief.' }] });
});

t.test('openai SDK responses.stream: a message without type, stream flag', async (t) => {
  const translated = translate(clientFixture('openai-stream').body);
  t.equal(translated.stream, true);
  t.strictSame(translated.body, { model: 'glm-4.5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Stream please' }] }], stream: true });
});

t.test('openai SDK responses.parse: text.format json_schema -> the forced JSON tool with the schema', async (t) => {
  const request = clientFixture('openai-parse').body;
  const translated = translate(request);
  t.equal(translated.responseFormatTool, 'json_tool_call');
  t.strictSame(translated.body.tools, [{ name: 'json_tool_call', description: 'Give the answer as JSON matching the schema named "weather".', input_schema: request.text!.format!.schema }]);
  t.strictSame(translated.body.tool_choice, { type: 'tool', name: 'json_tool_call', disable_parallel_tool_use: true });
});

t.test('openai SDK function-call loop: function_call + function_call_output -> tool_use + tool_result', async (t) => {
  const { body } = translate(clientFixture('openai-tools-2').body);
  t.strictSame(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'call_8', name: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_8', content: '{"temp_c":21}' }] },
  ]);
  t.strictSame(body.tools, [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } }]);
});

t.test('AI SDK generateText second step: the tool loop, tool_choice auto', async (t) => {
  const { body } = translate(clientFixture('aisdk-generate-text-2').body);
  t.same(body.messages.map((m) => [m.role, m.content.map((c) => c.type)]), [['user', ['text']], ['assistant', ['tool_use']], ['user', ['tool_result']]]);
  t.strictSame(body.tool_choice, { type: 'auto' });
});

t.test('AI SDK streamText: a system message and a user message', async (t) => {
  const { body, stream } = translate(clientFixture('aisdk-stream-text').body);
  t.equal(stream, true);
  t.strictSame(body.system, [{ type: 'text', text: 'Be brief.' }]);
  t.strictSame(body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Stream please' }] }]);
});

t.test('AI SDK generateObject: json_schema format', async (t) => {
  const translated = translate(clientFixture('aisdk-generate-object').body);
  t.equal(translated.responseFormatTool, 'json_tool_call');
  t.equal(translated.body.tools!.at(-1)!.name, 'json_tool_call');
});

t.test('Agents SDK: instructions, include [], tools with strict; the reasoning item sent back is replayed when it is ours', async (t) => {
  const request = clientFixture('agents-reasoning-replay').body;
  // The recorder's encrypted_content is not ours: the item is left out.
  t.same(translate(request).body.messages.map((m) => m.content.map((c) => c.type)), [['text'], ['tool_use'], ['tool_result']]);
  const ours = structuredClone(request);
  const reasoning = (ours.input as any[]).find((item) => item.type === 'reasoning');
  reasoning.encrypted_content = encodeReasoning({ type: 'thinking', thinking: 'Weather needs a tool.', signature: 'sig-1' });
  const { body } = translate(ours);
  t.strictSame(body.messages[1], {
    role: 'assistant',
    content: [{ type: 'thinking', thinking: 'Weather needs a tool.', signature: 'sig-1' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }],
  });
  t.strictSame(body.system, [{ type: 'text', text: 'Be brief.' }]);
});

t.test('LangChain useResponsesApi: type:"message" items, text.format text, bound tools', async (t) => {
  t.strictSame(translate(clientFixture('langchain-invoke').body).body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
  const tools = translate(clientFixture('langchain-tools').body);
  t.same(tools.body.tools!.map((tool) => tool.name), ['get_weather']);
  t.equal(tools.responseFormatTool, null);
});

t.test('Codex CLI: developer messages -> system, namespaces flattened, hosted web_search left out, store:false', async (t) => {
  const request = clientFixture('codex-turn-1').body;
  const { body, toolsByUpstreamName, stream } = translate(request);
  t.equal(stream, true);
  t.equal(body.system!.length, 3, 'the developer messages, in order');
  t.ok(body.system![0].text.startsWith('You are a coding agent'));
  t.same(body.messages.map((m) => m.role), ['user'], 'the two user messages merged into one turn');
  t.equal(body.messages[0].content.length, 2);
  const names = body.tools!.map((tool) => tool.name);
  t.ok(names.includes('exec_command') && names.includes('spawn_agent'), 'functions and namespaced functions');
  t.notOk(names.includes('web_search'), 'hosted web_search is not sent without RESPONSES_WEB_SEARCH');
  t.strictSame(toolsByUpstreamName.get('spawn_agent'), { name: 'spawn_agent', kind: 'function', namespace: 'multi_agent_v1' });
  t.strictSame(body.tool_choice, { type: 'auto' }, 'parallel_tool_calls true adds nothing');
  t.notOk('metadata' in body, 'client_metadata and prompt_cache_key are not Anthropic metadata');
  const withSearch = translate(request, { webSearch: true }).body.tools!;
  t.strictSame(withSearch.find((tool) => tool.name === 'web_search'), { type: 'web_search_20250305', name: 'web_search' });
});

t.test('Codex CLI second turn: the exec_command call and its output; a foreign reasoning blob is left out', async (t) => {
  const { body } = translate(clientFixture('codex-turn-2').body);
  const tail = body.messages.slice(-2);
  t.strictSame(tail[0], { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'exec_command', input: { cmd: 'echo hi' } }] });
  t.equal(tail[1].role, 'user');
  t.match(tail[1].content[0], { type: 'tool_result', tool_use_id: 'call_1', content: /Process exited with code 0/ });
});
