// What the real clients send (recorded by the client suite, test/fixtures/clients/responses-*.json) becomes
// the Anthropic request we mean.
import t from 'tap';
import { clientRequest, translate } from './rules.ts';

const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };

t.test('openai SDK responses.create: string input and instructions', async (t) => {
  const { body } = translate(clientRequest('openai-sdk-text', 0));
  t.strictSame(body, { model: 'glm-4.5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], system: [{ type: 'text', text: 'Be brief.' }] });
});

t.test('openai SDK responses.stream: a message without type, stream flag', async (t) => {
  const translated = translate(clientRequest('openai-sdk-text', 1));
  t.equal(translated.stream, true);
  t.strictSame(translated.body, { model: 'glm-4.5', max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: true });
});

t.test('openai SDK responses.parse: text.format json_schema -> the forced JSON tool with the schema', async (t) => {
  const request = clientRequest('openai-sdk-parse', 0);
  const translated = translate(request);
  t.equal(translated.responseFormatTool, 'json_tool_call');
  // The schema as sent, less `$schema` (the client validator's draft marker, which does not travel upstream).
  const { $schema: draft, ...schema } = request.text!.format!.schema as Record<string, unknown>;
  t.equal(draft, 'http://json-schema.org/draft-07/schema#', 'the recording carries a $schema');
  t.strictSame(translated.body.tools, [{ name: 'json_tool_call', description: 'Give the answer as JSON matching the schema named "weather".', input_schema: schema }]);
  t.strictSame(translated.body.tool_choice, { type: 'tool', name: 'json_tool_call', disable_parallel_tool_use: true });
});

t.test('openai SDK function-call loop: the output items sent back -> tool_use + tool_result', async (t) => {
  const { body } = translate(clientRequest('openai-sdk-tools', 1));
  t.strictSame(body.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_mock_1', name: 'get_weather', input: { city: 'Oslo' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_mock_1', content: '3C, light snow' }] },
  ]);
  t.strictSame(body.tools, [{ name: 'get_weather', description: 'Current weather for a city', input_schema: weatherSchema }]);
  t.match(clientRequest('openai-sdk-tools', 2), { previous_response_id: /^resp_[0-9a-f]{32}$/, input: [{ type: 'function_call_output' }] }, 'the chained turn needs the store (see state tests)');
});

t.test('AI SDK: system message, the tool loop with tool_choice auto, generateObject', async (t) => {
  t.strictSame(translate(clientRequest('ai-sdk-text', 0)).body.system, [{ type: 'text', text: 'Be brief.' }]);
  const { body } = translate(clientRequest('ai-sdk-tools', 1));
  t.same(body.messages.map((m) => [m.role, m.content.map((c) => c.type)]), [['user', ['text']], ['assistant', ['tool_use']], ['user', ['tool_result']]]);
  t.strictSame(body.tool_choice, { type: 'auto' });
  const object = translate(clientRequest('ai-sdk-object', 0));
  t.equal(object.responseFormatTool, 'json_tool_call');
  t.equal(object.body.tools!.at(-1)!.name, 'json_tool_call');
  t.match(clientRequest('ai-sdk-reasoning', 1).input, [{ role: 'user' }, { type: 'item_reference', id: /^rs_/ }, { type: 'function_call' }, { type: 'function_call_output' }], 'reasoning as an item_reference (resolved through the store)');
});

t.test('Agents SDK: instructions, include [], strict tools; the reasoning item sent back whole is replayed first in its turn', async (t) => {
  const plain = translate(clientRequest('openai-agents', 1)).body;
  t.strictSame(plain.system, [{ type: 'text', text: 'Be brief.' }]);
  t.same(plain.messages.map((m) => m.content.map((c) => c.type)), [['text'], ['tool_use'], ['tool_result']]);
  const { body } = translate(clientRequest('openai-agents-reasoning', 1));
  t.strictSame(body.messages[1], {
    role: 'assistant',
    content: [{ type: 'thinking', thinking: 'The weather needs the tool.', signature: 'EqQBCkYIBxgCKkB-agents' }, { type: 'tool_use', id: 'toolu_agent_1', name: 'get_weather', input: { city: 'Oslo' } }],
  });
});

t.test('LangChain useResponsesApi: type:"message" items, bound tools, the tool loop, withStructuredOutput', async (t) => {
  t.strictSame(translate(clientRequest('langchain', 0)).body.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
  t.strictSame(translate(clientRequest('langchain', 0)).body.system, [{ type: 'text', text: 'Be brief.' }]);
  t.same(translate(clientRequest('langchain', 2)).body.tools!.map((tool) => tool.name), ['get_weather']);
  t.same(translate(clientRequest('langchain', 3)).body.messages.map((m) => m.role), ['user', 'assistant', 'user']);
  t.equal(translate(clientRequest('langchain', 4)).responseFormatTool, 'json_tool_call');
});

t.test('Codex CLI: developer messages -> system, namespaces flattened, hosted web_search left out, store:false', async (t) => {
  const request = clientRequest('codex-exec', 0);
  const { body, toolsByUpstreamName, stream } = translate(request);
  t.equal(stream, true);
  t.ok(body.system!.length >= 1, 'developer messages in system');
  t.ok(body.system![0].text.startsWith('You are'), 'Codex\'s instructions first');
  t.same(body.messages.map((m) => m.role), ['user'], 'its user messages merged into one turn');
  const names = body.tools!.map((tool) => tool.name);
  t.ok(names.includes('exec_command') && names.includes('spawn_agent'), 'functions and namespaced functions');
  t.notOk(names.includes('web_search'), 'hosted web_search is not sent without RESPONSES_WEB_SEARCH');
  t.strictSame(toolsByUpstreamName.get('spawn_agent'), { name: 'spawn_agent', kind: 'function', namespace: 'multi_agent_v1' });
  t.strictSame(body.tool_choice, { type: 'auto' }, 'parallel_tool_calls true adds nothing');
  t.notOk('metadata' in body, 'client_metadata and prompt_cache_key are not Anthropic metadata');
  const withSearch = translate(request, { webSearch: true }).body.tools!;
  t.strictSame(withSearch.find((tool) => tool.name === 'web_search'), { type: 'web_search_20250305', name: 'web_search' });
});

t.test('Codex CLI second turn: its reasoning item (store:false, encrypted_content) becomes the signed thinking before the call', async (t) => {
  const { body } = translate(clientRequest('codex-exec', 1));
  const [assistant, results] = body.messages.slice(-2);
  t.strictSame(assistant, {
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'I should run the command first.', signature: 'EqQBCkYIBxgCKkB-codex' },
      { type: 'text', text: 'Running it.' },
      { type: 'tool_use', id: 'toolu_codex_1', name: 'exec_command', input: { cmd: 'echo codex-ran-this' } },
    ],
  });
  t.match(results, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_codex_1', content: /codex-ran-this/ }] });
});
