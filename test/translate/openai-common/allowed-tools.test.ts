// allowed_tools: one rule on both surfaces (openai-common/tool-choice.ts). A function or custom tool the list
// names must be in `tools` (a 400 otherwise, as for a named tool_choice; Responses once dropped it silently);
// hosted-tool entries are accepted and ignored; the translated tools are never changed in place.
import t from 'tap';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { allowedTools, onlyAllowed } from '../../../src/translate/openai-common/tool-choice.ts';
import { allowedOnly, translateTools } from '../../../src/translate/openai-responses/tools.ts';
import { RULES, failure } from '../openai-chat/rules.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';

const fn = (name: string) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } });
const chatFn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });

t.test('a name that is in no tool is a 400 on both surfaces', async (t) => {
  const responses = failure(() => translateResponses({ input: 'hi', tools: [fn('a'), fn('b')], tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'zzz' }] } } as never));
  t.equal(responses.statusCode, 400);
  t.equal(responses.param, 'tool_choice.tools');
  t.match(responses.message, /"zzz"/);
  const chat = failure(() => translateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [chatFn('a')], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'zzz' } }] } } } as never, RULES));
  t.equal(chat.statusCode, 400);
  t.equal(chat.param, 'tool_choice.allowed_tools.tools');
});

t.test('the listed tools are offered, hosted entries ignored, the same way on both surfaces', async (t) => {
  const responses = translateResponses({ input: 'hi', tools: [fn('a'), fn('b'), { type: 'image_generation' }], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'b' }, { type: 'image_generation' }, { type: 'mcp', server_label: 'docs' }] } } as never);
  t.strictSame(responses.body.tools?.map((tool) => tool.name), ['b']);
  t.strictSame(responses.body.tool_choice, { type: 'any' });
  t.strictSame([...responses.toolsByUpstreamName.keys()], ['b'], 'calls coming back are mapped for the allowed tools only');
  const chat = translateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [chatFn('a'), chatFn('b')], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'b' } }] } } } as never, RULES);
  t.strictSame(chat.body.tools?.map((tool) => tool.name), ['b']);
  t.strictSame(chat.body.tool_choice, { type: 'any' });
});

t.test('a mode OpenAI does not document is a 400 on both surfaces', async (t) => {
  t.equal(failure(() => translateResponses({ input: 'hi', tools: [fn('a')], tool_choice: { type: 'allowed_tools', mode: 'sometimes', tools: [] } } as never)).param, 'tool_choice.mode');
  t.equal(failure(() => allowedTools({ mode: 'sometimes', tools: [] }, 'tool_choice.allowed_tools')).param, 'tool_choice.allowed_tools.mode');
});

t.test('the translated tools are left as they were', async (t) => {
  const translated = translateTools([fn('a'), fn('b')] as never, { webSearch: false });
  const before = structuredClone({ tools: translated.tools, names: [...translated.byUpstreamName.keys()] });
  const allowed = allowedOnly(translated, { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'function', name: 'a' }] } as never);
  t.strictSame(allowed.tools.map((tool) => tool.name), ['a']);
  t.strictSame({ tools: translated.tools, names: [...translated.byUpstreamName.keys()] }, before);
  const list = [{ name: 'a' }, { name: 'b' }];
  onlyAllowed(list, new Set(['a']), (tool) => [tool.name], 'tool_choice');
  t.strictSame(list, [{ name: 'a' }, { name: 'b' }]);
});
