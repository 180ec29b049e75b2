// Tool names never reach the upstream twice (Anthropic refuses a request with two tools of one name): a
// repeated definition keeps the first, a client tool named like the structured-output tool pushes that tool
// to another name, and the answer maps that name back on both surfaces.
import t from 'tap';
import { chatCompletionFrom } from '../../../src/translate/openai-chat/response.ts';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { responseEcho } from '../../../src/translate/openai-responses/echo.ts';
import { responseFromMessage } from '../../../src/translate/openai-responses/response.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { RULES } from '../openai-chat/rules.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';

const schema = { type: 'object', properties: { answer: { type: 'string' } } };
const chatFn = (name: string, description = '') => ({ type: 'function', function: { name, description, parameters: schema } });
const fn = (name: string, description = '') => ({ type: 'function', name, description, parameters: schema });

t.test('a repeated tool is sent once, its first definition, on both surfaces', async (t) => {
  const chat = translateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [chatFn('a', 'first'), chatFn('a', 'second')] } as never, RULES).body;
  const responses = translateResponses({ input: 'hi', tools: [fn('a', 'first'), fn('a', 'second')] } as never).body;
  for (const [surface, body] of [['chat', chat], ['responses', responses]] as const) {
    t.strictSame(body.tools?.map((tool) => [tool.name, tool.description]), [['a', 'first']], surface);
    t.same(anthropicRequestProblems(body), [], `${surface}: a body Anthropic accepts`);
  }
});

t.test('a function named like a server tool is not sent next to it', async (t) => {
  const { body } = translateResponses({ input: 'hi', tools: [fn('web_search'), { type: 'web_search' }] } as never, { webSearch: true });
  t.strictSame(body.tools?.map((tool) => tool.name), ['web_search']);
  t.same(anthropicRequestProblems(body), []);
});

t.test('chat: a client tool named json_tool_call and a JSON answer: two tools, each answer goes where it belongs', async (t) => {
  const translated = translateChatRequest({
    model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [chatFn('json_tool_call')],
    response_format: { type: 'json_schema', json_schema: { name: 'out', schema } },
  } as never, RULES);
  t.strictSame(translated.body.tools?.map((tool) => tool.name), ['json_tool_call', 'json_tool_call_2']);
  t.equal(translated.responseFormatTool, 'json_tool_call_2');
  t.same(anthropicRequestProblems(translated.body), []);
  const options = { created: 1, fallbackId: 'x', fallbackModel: 'm', responseFormatTool: translated.responseFormatTool, legacyFunctions: false };
  const json = chatCompletionFrom({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_tool_call_2', input: { answer: '42' } }], stop_reason: 'tool_use' } as never, options);
  t.equal(json.choices[0].message.content, '{"answer":"42"}', 'the format tool is the JSON answer');
  const call = chatCompletionFrom({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_tool_call', input: { answer: '42' } }], stop_reason: 'tool_use' } as never, options);
  t.equal(call.choices[0].message.tool_calls?.[0].type === 'function' ? call.choices[0].message.tool_calls[0].function.name : null, 'json_tool_call', "the client's tool is a tool call");
});

t.test('Responses: the same, with the answer mapped back', async (t) => {
  const translated = translateResponses({ input: 'hi', tools: [fn('json_tool_call')], text: { format: { type: 'json_object' } } } as never);
  t.strictSame(translated.body.tools?.map((tool) => tool.name), ['json_tool_call', 'json_tool_call_2']);
  t.same(anthropicRequestProblems(translated.body), []);
  const options = { responseId: 'resp_1', createdAt: 1, echo: responseEcho({}), fallbackModel: 'm', responseFormatTool: translated.responseFormatTool, toolsByUpstreamName: translated.toolsByUpstreamName };
  const json = responseFromMessage({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_tool_call_2', input: { answer: '42' } }], stop_reason: 'tool_use' } as never, options);
  t.match(json.output, [{ type: 'message', content: [{ type: 'output_text', text: '{"answer":"42"}' }] }]);
  const call = responseFromMessage({ content: [{ type: 'tool_use', id: 'toolu_1', name: 'json_tool_call', input: { answer: '42' } }], stop_reason: 'tool_use' } as never, options);
  t.match(call.output, [{ type: 'function_call', name: 'json_tool_call', call_id: 'toolu_1' }]);
});
