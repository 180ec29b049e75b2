// Where the service places prompt-cache breakpoints for a client that set none, and where it never does.
import t from 'tap';
import { MAX_CACHE_BREAKPOINTS, placeCacheBreakpoints, type CacheBreakpointOptions } from '../../../src/translate/anthropic/cache-breakpoints.ts';
import type { AnthropicRequest, ContentBlock } from '../../../src/wire/anthropic.ts';
import { anthropicRequestProblems } from '../../helpers/anthropic-request-rules.ts';

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
/** About a token per four characters of JSON: enough to put prefixes above or below a minimum on purpose. */
const options = (extra: Partial<CacheBreakpointOptions> = {}): CacheBreakpointOptions => ({
  ttlSupported: true,
  minCacheableTokens: 1024,
  estimateTokens: (part) => Math.ceil(JSON.stringify(part).length / 4),
  ...extra,
});
const EPHEMERAL = { type: 'ephemeral' };

/** An agent loop after two tool calls: user, assistant(tool_use), user(tool_result), assistant(tool_use), user(tool_result). */
function agentBody(): AnthropicRequest {
  const toolTurn = (id: string): ContentBlock[] => [{ type: 'text', text: 'Reading it.' }, { type: 'tool_use', id, name: 'read_file', input: { path: `${id}.ts` } }];
  return {
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    tools: [
      { name: 'read_file', description: words(700), input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
      { name: 'list_dir', description: 'Lists a folder', input_schema: { type: 'object', properties: {} } },
    ],
    system: [{ type: 'text', text: words(600) }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Fix the bug.' }] },
      { role: 'assistant', content: toolTurn('toolu_1') },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: words(200) }] },
      { role: 'assistant', content: toolTurn('toolu_2') },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_2', content: words(200) }] },
    ],
  };
}

/** Every marker of a body as `where: control`. */
function markers(body: AnthropicRequest): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  body.tools?.forEach((tool, i) => tool.cache_control && (found[`tools.${i}`] = tool.cache_control));
  body.system?.forEach((block, i) => block.cache_control && (found[`system.${i}`] = block.cache_control));
  body.messages.forEach((message, m) => message.content.forEach((block, b) => {
    if ('cache_control' in block && block.cache_control) found[`messages.${m}.${b}`] = block.cache_control;
  }));
  return found;
}

t.test('an agent loop gets the tools, the system prompt, the previous request\'s end and the latest turn', async (t) => {
  const body = agentBody();
  const before = JSON.stringify(body);
  const placed = placeCacheBreakpoints(body, options());
  t.equal(JSON.stringify(body), before, 'the input is not changed');
  t.strictSame(markers(placed), { 'tools.1': EPHEMERAL, 'system.0': EPHEMERAL, 'messages.2.0': EPHEMERAL, 'messages.4.0': EPHEMERAL });
  t.strictSame(anthropicRequestProblems(placed), []);
  const { cache_control: _, ...withoutMarker } = placed.messages[4].content[0] as { cache_control?: unknown };
  t.strictSame(withoutMarker, body.messages[4].content[0], 'only the marker is added');
});

t.test('a new question after an answer: the previous request ended on the earlier question', async (t) => {
  const body: AnthropicRequest = {
    model: 'm', max_tokens: 10, system: [{ type: 'text', text: words(1200) }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'First?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'An answer.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Second?' }] },
    ],
  };
  t.strictSame(markers(placeCacheBreakpoints(body, options())), { 'system.0': EPHEMERAL, 'messages.0.0': EPHEMERAL, 'messages.2.0': EPHEMERAL });
});

t.test('the client\'s markers count first and are kept; ours fill what is left of the four', async (t) => {
  const body = agentBody();
  body.system = [{ type: 'text', text: words(600), cache_control: { type: 'ephemeral' } }];
  body.messages[0] = { role: 'user', content: [{ type: 'text', text: 'Fix the bug.', cache_control: { type: 'ephemeral' } }] };
  body.messages[2] = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: words(200), cache_control: { type: 'ephemeral' } }] }] };
  const placed = placeCacheBreakpoints(body, options());
  t.strictSame(markers(placed), { 'system.0': EPHEMERAL, 'messages.0.0': EPHEMERAL, 'messages.4.0': EPHEMERAL }, 'one left: on the latest turn (the nested marker counts too)');
  t.strictSame(anthropicRequestProblems(placed), []);

  body.tools![0] = { ...body.tools![0], cache_control: { type: 'ephemeral' } };
  t.equal(placeCacheBreakpoints(body, options()), body, 'four of the client\'s: the body as it came');
  body.tools![1] = { ...body.tools![1], cache_control: { type: 'ephemeral' } };
  t.match(anthropicRequestProblems(placeCacheBreakpoints(body, options())), [/maximum of 4/], 'five of the client\'s stay: Anthropic answers them, as it would directly');
});

t.test('never on a thinking block, a redacted one or an empty text block', async (t) => {
  const body: AnthropicRequest = {
    model: 'm', max_tokens: 10, system: [{ type: 'text', text: words(1200) }, { type: 'text', text: '  ' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Go.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Partial answer' }, { type: 'thinking', thinking: 'hm', signature: 'sig' }, { type: 'redacted_thinking', data: 'x' }, { type: 'text', text: ' ' }] },
    ],
  };
  const placed = placeCacheBreakpoints(body, options());
  t.strictSame(markers(placed), { 'messages.1.0': EPHEMERAL }, 'the last markable block of the latest turn; no system marker on its empty last block');
});

t.test('a prefix below the minimum cacheable length gets no breakpoint', async (t) => {
  const body = agentBody();
  const estimate = options().estimateTokens;
  const toolsAndSystem = [...body.tools!, ...body.system!].reduce((sum, part) => sum + estimate(part, 'tools'), 0);
  const placed = placeCacheBreakpoints(body, options({ minCacheableTokens: toolsAndSystem + 1 }));
  t.strictSame(Object.keys(markers(placed)), ['messages.2.0', 'messages.4.0'], 'tools and system alone are too short');
  const tiny: AnthropicRequest = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] };
  t.equal(placeCacheBreakpoints(tiny, options()), tiny, 'nothing long enough: the body as it came');
});

t.test('the TTL: 1h where the upstream takes it, and never a longer one after a shorter one', async (t) => {
  const long = placeCacheBreakpoints(agentBody(), options({ ttl: '1h' }));
  t.strictSame(Object.values(markers(long)), Array(MAX_CACHE_BREAKPOINTS).fill({ type: 'ephemeral', ttl: '1h' }));
  t.strictSame(anthropicRequestProblems(long), []);
  t.strictSame(Object.values(markers(placeCacheBreakpoints(agentBody(), options({ ttl: '1h', ttlSupported: false })))), Array(MAX_CACHE_BREAKPOINTS).fill(EPHEMERAL), 'no ttl where the upstream does not take one');

  const body = agentBody();
  body.messages[0] = { role: 'user', content: [{ type: 'text', text: 'Fix the bug.', cache_control: { type: 'ephemeral', ttl: '5m' } }] };
  t.strictSame(markers(placeCacheBreakpoints(body, options({ ttl: '1h' }))), {
    'system.0': { type: 'ephemeral', ttl: '1h' },
    'messages.0.0': { type: 'ephemeral', ttl: '5m' },
    'messages.2.0': EPHEMERAL,
    'messages.4.0': EPHEMERAL,
  }, 'three left (the rolling two first): before the client\'s 5m marker 1h, after it 5m');
});
