// OpenAI custom tools (free-form text input) on chat completions: the Responses API's rule (one string
// property `input`, translate/openai-common/custom-tool.ts) for the definition, a named choice, allowed_tools and history
// calls; the answer's call comes back as `type: "custom"` with `custom.input` the raw text, streamed or not.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { customToolInputText } from '../../../src/translate/openai-common/custom-tool.ts';
import { translateChatRequest } from '../../../src/translate/openai-chat/request.ts';
import { chatCompletionFrom } from '../../../src/translate/openai-chat/response.ts';
import { ChatSseTranslator } from '../../../src/translate/openai-chat/sse-translator.ts';
import type { ChatCompletionRequest } from '../../../src/wire/openai-chat.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';
import { parseOpenAISse } from '../../helpers/stream-fixtures.ts';
import { translate as translateResponses } from '../openai-responses/rules.ts';
import { RULES } from './rules.ts';

const GRAMMAR = 'start: "*** Begin Patch" /(.|\\n)*/ "*** End Patch"';
const applyPatch = { type: 'custom', custom: { name: 'apply_patch', description: 'Edit files with a patch.', format: { type: 'grammar', grammar: { syntax: 'lark', definition: GRAMMAR } } } };
const weather = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const translate = (extra: Record<string, unknown>) => translateChatRequest({ model: 'm', messages: [{ role: 'user', content: 'Add hello.txt' }], ...extra } as unknown as ChatCompletionRequest, RULES);

t.test('a custom tool becomes the same Anthropic tool as on the Responses API', async (t) => {
  const result = translate({ tools: [applyPatch, weather] });
  t.same(anthropicRequestProblems(result.body), []);
  const responses = translateResponses({ input: 'Add hello.txt', tools: [{ type: 'custom', name: 'apply_patch', description: 'Edit files with a patch.', format: { type: 'grammar', syntax: 'lark', definition: GRAMMAR } }] } as never);
  t.strictSame(result.body.tools?.[0], responses.body.tools?.[0], 'one rule for both surfaces');
  t.strictSame(result.body.tools?.[0], {
    name: 'apply_patch',
    description: `Edit files with a patch.\n\nThe input must follow this lark grammar:\n${GRAMMAR}`,
    input_schema: { type: 'object', properties: { input: { type: 'string', description: 'The raw text input of the tool, exactly as the tool expects it.' } }, required: ['input'] },
  });
  t.strictSame([...result.customTools], ['apply_patch']);
  const plain = translate({ tools: [{ type: 'custom', custom: { name: 'note', format: { type: 'text' } } }] }).body.tools?.[0];
  t.notOk(plain && 'description' in plain, 'a text format adds nothing; no empty description');
});

t.test('tool_choice and allowed_tools name custom tools by custom.name', async (t) => {
  t.strictSame(translate({ tools: [applyPatch, weather], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } }).body.tool_choice, { type: 'tool', name: 'apply_patch' });
  const allowed = translate({ tools: [applyPatch, weather], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'custom', custom: { name: 'apply_patch' } }] } } }).body;
  t.strictSame(allowed.tools?.map((tool) => tool.name), ['apply_patch']);
  t.strictSame(allowed.tool_choice, { type: 'any' });
  const error = (() => {
    try {
      translate({ tools: [weather], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } });
    } catch (e) {
      return e as { param: string; message: string };
    }
    return null;
  })();
  t.equal(error?.param, 'tool_choice.custom.name');
  t.match(error?.message, /names no custom tool in tools/);
});

t.test('history: a custom tool call goes back as tool_use with {input: <raw text>}, its result as tool_result', async (t) => {
  const messages = [
    { role: 'user', content: 'Add hello.txt' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_p', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' } }] },
    { role: 'tool', tool_call_id: 'call_p', content: 'Done.' },
  ];
  for (const tools of [[applyPatch], undefined]) {
    const body = translate({ messages, tools }).body;
    t.same(anthropicRequestProblems(body), [], tools ? 'with tools' : 'without tools (history tools)');
    t.strictSame(body.messages[1].content, [{ type: 'tool_use', id: 'call_p', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch' } }]);
    t.strictSame(body.messages[2].content, [{ type: 'tool_result', tool_use_id: 'call_p', content: 'Done.' }]);
  }
});

t.test('the answer: a call to a custom tool is type "custom" with the raw text, a function call stays a function call', async (t) => {
  const { customTools } = translate({ tools: [applyPatch, weather] });
  const answer = chatCompletionFrom({
    id: 'msg_1', model: 'glm-4.6', stop_reason: 'tool_use',
    content: [
      { type: 'tool_use', id: 'toolu_p', name: 'apply_patch', input: { input: '*** Begin Patch\n+Hi "there"\n*** End Patch' } },
      { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Oslo' } },
    ],
  }, { created: 1, fallbackId: 'r', fallbackModel: 'm', responseFormatTool: null, legacyFunctions: false, customTools });
  t.equal(answer.choices[0].finish_reason, 'tool_calls');
  t.strictSame(answer.choices[0].message.tool_calls, [
    { id: 'toolu_p', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch\n+Hi "there"\n*** End Patch' } },
    { id: 'toolu_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
  ]);
});

t.test('the raw text of a tool_use input', async (t) => {
  t.equal(customToolInputText({ input: 'a\nb' }), 'a\nb');
  t.equal(customToolInputText('{"input":"x"}'), 'x', 'JSON text too');
  t.equal(customToolInputText({}), '', 'no input: empty text');
  t.equal(customToolInputText('{}'), '');
  t.equal(customToolInputText({ patch: 'x' }), '{"patch":"x"}', 'another shape: its JSON');
  t.equal(customToolInputText('{"input": "cut o'), '{"input": "cut o', 'JSON that does not parse: as it is');
});

const fixture = readFileSync(new URL('../../fixtures/anthropic/anthropic-stream-custom-tool.sse', import.meta.url));
const customCalls = (items: any[]) => items.flatMap((item) => item.choices?.[0]?.delta?.tool_calls ?? []);

function translateStream(pieces: Buffer[]) {
  const translator = new ChatSseTranslator({ created: 1, includeUsage: false, responseFormatTool: null, customTools: new Set(['apply_patch']) });
  let out = '';
  for (const piece of pieces) out += translator.push(piece);
  out += translator.end();
  return parseOpenAISse(out);
}

t.test('streamed: the custom call starts as type "custom", its raw text comes whole when the call is complete', async (t) => {
  const { items, done } = translateStream([fixture]);
  t.ok(done);
  t.strictSame(customCalls(items), [
    { index: 0, id: 'toolu_01ApplyPatch', type: 'custom', custom: { name: 'apply_patch', input: '' } },
    { index: 0, custom: { input: '*** Begin Patch\n*** Add File: hello.txt\n+Hello "world"\n*** End Patch' } },
  ]);
  t.equal(items.at(-1).choices[0].finish_reason, 'tool_calls');
  for (const size of [1, 7, 64]) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < fixture.length; i += size) pieces.push(fixture.subarray(i, i + size));
    t.strictSame(customCalls(translateStream(pieces).items), customCalls(items), `split every ${size} bytes`);
  }
  const asFunction = new ChatSseTranslator({ created: 1, includeUsage: false, responseFormatTool: null });
  const plain = parseOpenAISse(asFunction.push(fixture) + asFunction.end());
  t.equal(customCalls(plain.items)[0].type, 'function', 'not a custom tool of the request: a function call as before');
});
