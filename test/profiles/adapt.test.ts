// The profile rules one by one: provider from the host, effort levels, and each rewrite of adaptRequest.
import t from 'tap';
import { adaptRequest } from '../../src/profiles/adapt.ts';
import { anthropicEffortFor, OPENAI_REASONING_EFFORTS } from '../../src/profiles/effort.ts';
import { profileFor, PROVIDER_TABLES } from '../../src/profiles/profile.ts';
import { providerFromBaseUrl } from '../../src/wire/provider.ts';
import type { AnthropicRequest } from '../../src/wire/anthropic.ts';
import { PROVIDER_NAMES } from '../../src/wire/provider.ts';

const base = (extra: Partial<AnthropicRequest> = {}): AnthropicRequest => ({
  model: 'm',
  max_tokens: 1000,
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  ...extra,
});

t.test('the provider is chosen from the upstream host', async (t) => {
  const cases: Array<[string, string]> = [
    ['https://api.anthropic.com', 'anthropic'],
    ['https://api.z.ai/api/anthropic', 'zai'],
    ['https://open.bigmodel.cn/api/anthropic', 'zai'],
    ['https://api.moonshot.ai/anthropic', 'moonshot'],
    ['https://api.kimi.com/coding', 'moonshot'],
    ['https://api.deepseek.com/anthropic', 'deepseek'],
    ['https://api.minimax.io/anthropic', 'minimax'],
    ['https://api.minimaxi.com/anthropic', 'minimax'],
    ['https://dashscope-intl.aliyuncs.com/apps/anthropic', 'qwen'],
    ['https://ws1.ap-southeast-1.maas.aliyuncs.com/apps/anthropic', 'qwen'],
    ['https://openrouter.ai/api', 'openrouter'],
    ['http://127.0.0.1:8080', 'generic'],
    ['https://notapi.anthropic.com.evil.example', 'generic'],
    ['not a url', 'generic'],
  ];
  for (const [url, provider] of cases) t.equal(providerFromBaseUrl(url), provider, url);
});

t.test('every provider has a table, and every rule names its source', async (t) => {
  t.strictSame(Object.keys(PROVIDER_TABLES).sort(), [...PROVIDER_NAMES].sort());
  for (const table of Object.values(PROVIDER_TABLES)) for (const rule of table.rules) t.ok(rule.source.length > 10, `${table.provider}: ${rule.source}`);
  t.match(profileFor('moonshot', 'kimi-k2.6').sources.join('\n'), /\(unverified\)/, 'an unverified rule says so');
});

t.test('OpenAI effort levels -> Anthropic levels: the one asked for, else the nearest below, else the lowest', async (t) => {
  const all = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
  t.strictSame(OPENAI_REASONING_EFFORTS.map((effort) => anthropicEffortFor(effort, all)), [null, 'low', 'low', 'medium', 'high', 'xhigh', 'max']);
  const opus46 = ['low', 'medium', 'high', 'max'] as const;
  t.equal(anthropicEffortFor('xhigh', opus46), 'high');
  t.equal(anthropicEffortFor('medium', ['low', 'high', 'max']), 'low');
  t.equal(anthropicEffortFor('minimal', ['high', 'max']), 'high', 'nothing below: the lowest level');
  t.equal(anthropicEffortFor('ultra', all), null);
  t.equal(anthropicEffortFor('high', []), null);
});

t.test('claude-opus-4-7: a budget becomes adaptive thinking with the effort; sampling parameters are dropped', async (t) => {
  const input = base({ thinking: { type: 'enabled', budget_tokens: 16384 }, max_tokens: 17384, top_k: 5, temperature: 0.2 });
  const before = structuredClone(input);
  const { body, dropped } = adaptRequest(input, profileFor('anthropic', 'claude-opus-4-7'), { reasoningEffort: 'high' });
  t.strictSame(body.thinking, { type: 'adaptive' });
  t.strictSame(body.output_config, { effort: 'high' });
  t.notOk('temperature' in body || 'top_k' in body);
  t.strictSame(dropped, ['temperature', 'top_k']);
  t.strictSame(input, before, 'the input body is not changed');
});

t.test('claude-opus-4-7 refuses thinking "disabled": effort none sends no thinking field (off by default)', async (t) => {
  const { body, dropped } = adaptRequest(base({ thinking: { type: 'disabled' } }), profileFor('anthropic', 'claude-opus-4-7'), { reasoningEffort: 'none' });
  t.notOk('thinking' in body);
  t.strictSame(dropped, []);
  const fable = adaptRequest(base({ thinking: { type: 'disabled' } }), profileFor('anthropic', 'claude-fable-5-1'), { reasoningEffort: 'none', surface: 'responses' });
  t.notOk('thinking' in fable.body);
  t.strictSame(fable.dropped, ['reasoning.effort'], 'a model that always thinks: "none" had no effect, named as the Responses field');
});

t.test('claude-sonnet-4-5 and glm-4.6 keep the budget form', async (t) => {
  for (const [provider, model] of [['anthropic', 'claude-sonnet-4-5'], ['zai', 'glm-4.6']] as const) {
    const { body } = adaptRequest(base({ thinking: { type: 'enabled', budget_tokens: 16384 }, max_tokens: 17384 }), profileFor(provider, model), { reasoningEffort: 'high' });
    t.strictSame(body.thinking, { type: 'enabled', budget_tokens: 16384 }, model);
    t.notOk('output_config' in body, model);
  }
});

t.test('max_tokens is capped at the model limit, and a budget kept below it', async (t) => {
  const { body } = adaptRequest(base({ max_tokens: 200000, thinking: { type: 'enabled', budget_tokens: 150000 } }), profileFor('anthropic', 'claude-sonnet-4-5'));
  t.equal(body.max_tokens, 64000);
  t.strictSame(body.thinking, { type: 'enabled', budget_tokens: 63999 });
});

t.test('images and documents become text notes where the model reads neither; the note names the model', async (t) => {
  const input = base({
    model: 'deepseek-v4-pro',
    messages: [
      { role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }, { type: 'text', text: 'see' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'shot', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'document', title: 'a.pdf', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBER' } }] }] },
    ],
  });
  const { body, dropped } = adaptRequest(input, profileFor('deepseek', 'deepseek-v4-pro'), { surface: 'responses' });
  t.strictSame(body.messages[0].content[0], { type: 'text', text: '[an image was attached here; deepseek-v4-pro takes no image input]' });
  t.strictSame((body.messages[2].content[0] as { content: unknown[] }).content, [{ type: 'text', text: '[a document "a.pdf" was attached here; deepseek-v4-pro takes no document input]' }]);
  t.strictSame(dropped, ['input_image', 'input_file']);
});

t.test('cache_control: the ttl is stripped where refused, the whole marker where ignored', async (t) => {
  const input = base({
    system: [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    tools: [{ name: 'f', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '1h' } }],
  });
  const zai = adaptRequest(input, profileFor('zai', 'glm-4.6'));
  t.strictSame(zai.body.system, [{ type: 'text', text: 'sys', cache_control: { type: 'ephemeral' } }]);
  t.strictSame(zai.body.tools?.[0].cache_control, { type: 'ephemeral' });
  t.strictSame(zai.dropped, []);
  const deepseek = adaptRequest(input, profileFor('deepseek', 'deepseek-v4-pro'));
  t.notOk('cache_control' in deepseek.body.system![0]);
  t.strictSame(deepseek.dropped, ['cache_control']);
  const anthropic = adaptRequest(input, profileFor('anthropic', 'claude-opus-4-7'));
  t.strictSame(anthropic.body.system, input.system, 'kept as sent where accepted');
});

t.test('server tools are removed where not offered, and a tool_choice naming one falls back to auto', async (t) => {
  const input = base({ tools: [{ type: 'web_search_20250305', name: 'web_search' } as never], tool_choice: { type: 'tool', name: 'web_search' } });
  const { body, dropped } = adaptRequest(input, profileFor('deepseek', 'deepseek-v4-pro'));
  t.notOk('tools' in body || 'tool_choice' in body);
  t.strictSame(dropped, ['web_search_options']);
});

t.test('MiniMax: stop sequences and top_k are ignored there, temperature 0 is outside its range', async (t) => {
  const { body, dropped } = adaptRequest(base({ stop_sequences: ['END'], top_k: 3, temperature: 0 }), profileFor('minimax', 'MiniMax-M2.7'));
  t.equal(body.temperature, 0.01);
  t.notOk('stop_sequences' in body || 'top_k' in body);
  t.strictSame(dropped, ['top_k', 'stop']);
});

t.test('Kimi: thinking goes in front of each tool-call turn from the client reasoning; without it thinking is turned off', async (t) => {
  const history = base({
    model: 'kimi-k2.6',
    thinking: { type: 'enabled', budget_tokens: 4096 },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'w', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny' }] },
    ],
  });
  const kimi = profileFor('moonshot', 'kimi-k2.6');
  const withReasoning = adaptRequest(history, kimi, { reasoningEffort: 'high', reasoningByToolUseId: new Map([['call_1', 'call the tool']]) });
  t.strictSame(withReasoning.body.thinking, { type: 'enabled' });
  t.strictSame(withReasoning.body.messages[1].content[0], { type: 'thinking', thinking: 'call the tool', signature: '' });
  t.strictSame(withReasoning.dropped, []);
  const without = adaptRequest(history, kimi, { reasoningEffort: 'high' });
  t.strictSame(without.body.thinking, { type: 'disabled' });
  t.strictSame(without.body.messages, history.messages);
  t.strictSame(without.dropped, ['reasoning_effort']);
  const anthropic = adaptRequest(history, profileFor('anthropic', 'claude-sonnet-4-5'), { reasoningByToolUseId: new Map([['call_1', 'x']]) });
  t.strictSame(anthropic.body.messages, history.messages, 'Anthropic refuses unsigned thinking: none is added');
});

t.test('configuration overrides win over the table', async (t) => {
  const profile = profileFor('zai', 'glm-4.6', { images: true, maxOutputTokens: 8000 });
  t.equal(profile.images, true);
  t.equal(profile.maxOutputTokens, 8000);
  t.equal(profile.sources.at(-1), 'configuration override');
});
