// The checker of what Anthropic accepts finds the refusals it is meant to find, and passes good bodies.
import t from 'tap';
import { anthropicRequestProblems } from './anthropic-request-rules.ts';

const good = {
  model: 'glm-4.5',
  max_tokens: 100,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'snow' }, { type: 'text', text: 'And?' }] },
  ],
  tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }],
  tool_choice: { type: 'auto' },
  metadata: { user_id: 'user-8d3f' },
};

t.test('a good body has no problems', async (t) => {
  t.same(anthropicRequestProblems(good), []);
  t.same(anthropicRequestProblems({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }] }), []);
});

t.test('thinking on: a tool loop whose turn starts with thinking, or an earlier turn without it, passes', async (t) => {
  const looped = structuredClone(good) as any;
  Object.assign(looped, { thinking: { type: 'enabled', budget_tokens: 1024 }, max_tokens: 2048 });
  looped.messages[1].content.unshift({ type: 'thinking', thinking: 'check the weather', signature: 'sig' });
  t.same(anthropicRequestProblems(looped), []);
  looped.messages[1].content.shift();
  looped.messages.push({ role: 'assistant', content: [{ type: 'text', text: 'Snow.' }] }, { role: 'user', content: 'thanks' });
  t.same(anthropicRequestProblems(looped), [], 'the tool loop is over: its turn needs no thinking');
});

t.test('each refusal is found', async (t) => {
  const cases: Array<[string, (body: any) => void, RegExp]> = [
    ['unknown top-level field', (b) => (b.user = 'x'), /user: Extra inputs/],
    ['empty input_schema', (b) => (b.tools[0].input_schema = {}), /input_schema\.type/],
    ['top-level anyOf', (b) => (b.tools[0].input_schema = { type: 'object', anyOf: [] }), /top level/],
    ['tool history without tools', (b) => { delete b.tools; delete b.tool_choice; }, /must define tools/],
    ['e-mail as user_id', (b) => (b.metadata.user_id = 'ann@example.com'), /e-mail/],
    ['long user_id', (b) => (b.metadata.user_id = 'x'.repeat(257)), /256/],
    ['system role inside messages', (b) => b.messages.splice(1, 0, { role: 'system', content: 'x' }), /role/],
    ['non-alternating roles', (b) => b.messages.splice(1, 0, { role: 'user', content: 'again' }), /alternate/],
    ['tool_result not first', (b) => b.messages[2].content.reverse(), /come first/],
    ['tool_result missing', (b) => (b.messages[2].content = [{ type: 'text', text: 'no result' }]), /without tool_result/],
    ['bad tool_use id', (b) => { b.messages[1].content[1].id = 'call.1:x'; b.messages[2].content[0].tool_use_id = 'call.1:x'; }, /pattern/],
    ['empty text', (b) => (b.messages[0].content[0].text = '  '), /non-whitespace/],
    ['tool_choice naming no tool', (b) => (b.tool_choice = { type: 'tool', name: 'nope' }), /not one of the tools/],
    ['too many cache breakpoints', (b) => b.messages.forEach((m: any) => m.content.forEach((c: any) => (c.cache_control = { type: 'ephemeral' }))), /maximum of 4/],
    ['thinking with temperature', (b) => { b.thinking = { type: 'enabled', budget_tokens: 1024 }; b.max_tokens = 2048; b.temperature = 0.2; }, /temperature/],
    ['temperature and top_p together', (b) => { b.temperature = 0.5; b.top_p = 0.9; }, /temperature and top_p cannot both be specified/],
    ['thinking budget over max_tokens', (b) => (b.thinking = { type: 'enabled', budget_tokens: 1024 }), /greater than/],
    ['cache_control on a thinking block', (b) => b.messages[1].content.unshift({ type: 'thinking', thinking: 'hmm', signature: 's', cache_control: { type: 'ephemeral' } }), /content\.0\.cache_control: Extra inputs/],
    ['a 1h marker after a 5m one', (b) => (b.messages[0].content[0].cache_control = { type: 'ephemeral', ttl: '1h' }), /ttl='1h'.*must not come after/],
    ['thinking on, the tool loop turn without thinking', (b) => { b.thinking = { type: 'enabled', budget_tokens: 1024 }; b.max_tokens = 2048; }, /messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`/],
    ['thinking on, a final assistant prefill without thinking', (b) => { b.thinking = { type: 'adaptive' }; b.messages.push({ role: 'assistant', content: 'Sure' }); }, /messages\.3\.content\.0\.type: Expected `thinking`/],
    ['unsigned thinking', (b) => b.messages[1].content.unshift({ type: 'thinking', thinking: 'hmm' }), /signature/],
  ];
  for (const [name, change, expected] of cases) {
    const body = structuredClone(good);
    change(body);
    t.match(anthropicRequestProblems(body).join('\n'), expected, name);
  }
});
