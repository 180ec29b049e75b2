// A whole Anthropic answer -> the response object, and the same answer streamed -> the same response.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { responseEcho } from '../../../src/translate/openai-responses/echo.ts';
import { responseFromMessage } from '../../../src/translate/openai-responses/response.ts';
import { ResponsesSseTranslator } from '../../../src/translate/openai-responses/sse-translator.ts';
import { decodeReasoning } from '../../../src/translate/openai-responses/encrypted-reasoning.ts';
import { FIXTURE_CREATED_AT, FIXTURE_RESPONSE_ID, fixtureOptions, parseResponsesSse } from '../../helpers/responses-fixtures.ts';

const HEX = FIXTURE_RESPONSE_ID.slice('resp_'.length);
const options = (extra: object = {}) => ({ ...fixtureOptions({ responseFormatTool: null, customTools: [] }), ...extra });

t.test('text, thinking and a tool call: items in upstream order with our ids; usage; the echo', async (t) => {
  const response = responseFromMessage({
    id: 'msg_1',
    model: 'glm-4.6',
    content: [
      { type: 'thinking', thinking: 'Weather needs a tool.', signature: 'sig' },
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
    ],
    stop_reason: 'tool_use',
    usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 2, output_tokens: 9 },
  }, options({ echo: responseEcho({ instructions: 'Be brief.', temperature: 0.5, store: false, metadata: { k: 'v' }, safety_identifier: 'u1' }) }));
  t.match(response, {
    id: FIXTURE_RESPONSE_ID, object: 'response', created_at: FIXTURE_CREATED_AT, status: 'completed', error: null, incomplete_details: null,
    model: 'glm-4.6', instructions: 'Be brief.', temperature: 0.5, store: false, metadata: { k: 'v' }, safety_identifier: 'u1',
    parallel_tool_calls: true, tool_choice: 'auto', top_p: 1, text: { format: { type: 'text' } }, previous_response_id: null,
  });
  t.strictSame(response.output, [
    { id: `rs_${HEX}_0`, type: 'reasoning', summary: [{ type: 'summary_text', text: 'Weather needs a tool.' }], encrypted_content: response.output[0].type === 'reasoning' ? response.output[0].encrypted_content : '' },
    { id: `msg_${HEX}_1`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Checking.', annotations: [], logprobs: [] }] },
    { id: `fc_${HEX}_2`, type: 'function_call', status: 'completed', arguments: '{"city":"Paris"}', call_id: 'toolu_1', name: 'get_weather' },
  ]);
  t.strictSame(decodeReasoning((response.output[0] as any).encrypted_content), { type: 'thinking', thinking: 'Weather needs a tool.', signature: 'sig' });
  t.strictSame(response.usage, { input_tokens: 17, input_tokens_details: { cached_tokens: 5, cache_write_tokens: 2 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 26 });
});

t.test('max_tokens and refusal make the response incomplete', async (t) => {
  const cut = responseFromMessage({ content: [{ type: 'text', text: 'Once' }], stop_reason: 'max_tokens' }, options());
  t.equal(cut.status, 'incomplete');
  t.strictSame(cut.incomplete_details, { reason: 'max_output_tokens' });
  t.equal((cut.output[0] as any).status, 'incomplete');
  const refused = responseFromMessage({ content: [], stop_reason: 'refusal' }, options());
  t.strictSame([refused.status, refused.incomplete_details], ['incomplete', { reason: 'content_filter' }]);
  t.strictSame(refused.output, []);
});

t.test('JSON mode: the tool input is the output_text, text around it dropped; without the tool the text stays', async (t) => {
  const json = responseFromMessage({ content: [{ type: 'text', text: 'Sure:' }, { type: 'tool_use', id: 't', name: 'json_tool_call', input: { city: 'Paris' } }], stop_reason: 'tool_use' }, options({ responseFormatTool: 'json_tool_call' }));
  t.equal(json.status, 'completed');
  t.strictSame(json.output, [{ id: `msg_${HEX}_0`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: '{"city":"Paris"}', annotations: [], logprobs: [] }] }]);
  const plain = responseFromMessage({ content: [{ type: 'text', text: 'No JSON today.' }], stop_reason: 'end_turn' }, options({ responseFormatTool: 'json_tool_call' }));
  t.equal((plain.output[0] as any).content[0].text, 'No JSON today.');
});

t.test('custom tools and namespaces: the call comes back in the client terms', async (t) => {
  const tools = new Map([['apply_patch', { name: 'apply_patch', kind: 'custom' as const }], ['docs__search', { name: 'search', kind: 'function' as const, namespace: 'docs' }]]);
  const response = responseFromMessage({
    content: [
      { type: 'tool_use', id: 'c1', name: 'apply_patch', input: { input: '*** Begin Patch' } },
      { type: 'tool_use', id: 'c2', name: 'docs__search', input: { q: 'x' } },
      { type: 'server_tool_use', id: 's1', name: 'web_search', input: { query: 'x' } },
      { type: 'web_search_tool_result', tool_use_id: 's1' } as any,
    ],
    stop_reason: 'tool_use',
  }, options({ toolsByUpstreamName: tools }));
  t.strictSame(response.output, [
    { id: `ctc_${HEX}_0`, type: 'custom_tool_call', status: 'completed', call_id: 'c1', name: 'apply_patch', input: '*** Begin Patch' },
    { id: `fc_${HEX}_1`, type: 'function_call', status: 'completed', arguments: '{"q":"x"}', call_id: 'c2', name: 'search', namespace: 'docs' },
  ], 'server tool blocks ran upstream: not client calls');
});

t.test('a malformed upstream answer gives an empty but valid response', async (t) => {
  const response = responseFromMessage({ content: [null as any, { type: 'mystery' }], usage: null }, options());
  t.equal(response.status, 'completed');
  t.strictSame(response.output, []);
  t.equal(response.model, 'fallback-model');
  t.equal(response.usage!.total_tokens, 0);
});

t.test('streamed and whole answers give the same final response', async (t) => {
  const fixtures = new URL('../../fixtures/', import.meta.url).pathname;
  const whole = { ...JSON.parse(readFileSync(`${fixtures}anthropic/anthropic-response-tool.json`, 'utf8')), usage: { input_tokens: 30, output_tokens: 12 } };
  const fromWhole = responseFromMessage(whole, options());
  // Stream the same content as Anthropic would, one delta per block.
  const events: object[] = [{ type: 'message_start', message: { id: whole.id, model: whole.model, usage: whole.usage } }];
  whole.content.forEach((block: any, index: number) => {
    if (block.type === 'text') {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }, { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { ...block, input: {} } }, { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: whole.stop_reason }, usage: { output_tokens: whole.usage.output_tokens } }, { type: 'message_stop' });
  const pipeline = new ResponsesSseTranslator(options());
  const text = pipeline.push(Buffer.from(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join(''))) + pipeline.end();
  const streamed = parseResponsesSse(text).at(-1).response;
  t.strictSame(streamed, fromWhole);
  t.strictSame(pipeline.machine.response, fromWhole);
});
