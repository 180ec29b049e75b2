// Where the service places prompt-cache breakpoints: on translated requests to an upstream whose capability
// profile takes cache_control (or any with PROMPT_CACHE=on), never on the /v1/messages passthrough, never
// with PROMPT_CACHE=off; and the minimum cacheable length per model.
import t from 'tap';
import { minCacheableTokens } from '../../src/translate/anthropic/cache-support.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';

const LONG = 'Follow the house rules for every answer. '.repeat(200);
const chat = { model: 'claude-sonnet-4-5', messages: [{ role: 'system', content: LONG }, { role: 'user', content: 'Hi' }] };
const messages = { model: 'claude-sonnet-4-5', max_tokens: 10, system: LONG, messages: [{ role: 'user', content: 'Hi' }] };
const markers = (body: unknown) => JSON.stringify(body).split('"cache_control"').length - 1;

async function upstreamBodies(t: Parameters<typeof buildTestApp>[0], env: Record<string, string>) {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const { app } = await buildTestApp(t, { UPSTREAM_BASE: mock.url, MAX_RETRIES: '0', ...env });
  const base = await listen(app);
  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((answer) => answer.text());
  await post('/v1/chat/completions', chat);
  await post('/v1/messages', messages);
  return { chat: mock.requests[0].body, messages: mock.requests[1].body };
}

t.test('PROMPT_CACHE=on: the translated request gets breakpoints, the passthrough goes as sent', async (t) => {
  const sent = await upstreamBodies(t, { PROMPT_CACHE: 'on' });
  t.strictSame(sent.chat.system, [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral' } }]);
  t.strictSame(sent.chat.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] }]);
  t.strictSame(sent.messages, messages, 'the passthrough body is the client\'s');
});

t.test('auto follows the profile of a named provider: Anthropic takes cache_control, DeepSeek\'s does not, an unknown upstream gets none', async (t) => {
  const generic = await upstreamBodies(t, { PROMPT_CACHE: 'auto' });
  t.equal(markers(generic.chat), 0, 'the mock on 127.0.0.1 is an unknown (generic) upstream: none placed under auto');
  const anthropic = await upstreamBodies(t, { PROMPT_CACHE: 'auto', PROMPT_CACHE_TTL: '1h', UPSTREAM_PROFILE: 'anthropic' });
  t.strictSame(anthropic.chat.system, [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral', ttl: '1h' } }], 'Anthropic takes the ttl');
  const deepseek = await upstreamBodies(t, { PROMPT_CACHE: 'auto', UPSTREAM_PROFILE: 'deepseek' });
  t.equal(markers(deepseek.chat), 0, 'DeepSeek ignores cache_control: none placed');
});

t.test('PROMPT_CACHE=on places them for any upstream, without a ttl where the profile takes none; off never', async (t) => {
  const deepseek = await upstreamBodies(t, { PROMPT_CACHE: 'on', PROMPT_CACHE_TTL: '1h', UPSTREAM_PROFILE: 'deepseek' });
  t.strictSame(deepseek.chat.system, [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral' } }]);
  const zai = await upstreamBodies(t, { PROMPT_CACHE: 'auto', PROMPT_CACHE_TTL: '1h', UPSTREAM_PROFILE: 'zai' });
  t.strictSame(zai.chat.system, [{ type: 'text', text: LONG, cache_control: { type: 'ephemeral' } }], 'z.ai caches, takes no ttl');
  const off = await upstreamBodies(t, { PROMPT_CACHE: 'off', UPSTREAM_PROFILE: 'anthropic' });
  t.equal(markers(off.chat), 0);
});

t.test('minCacheableTokens: the minimum per model', async (t) => {
  t.equal(minCacheableTokens('claude-sonnet-4-5'), 1024);
  t.equal(minCacheableTokens('glm-4.6'), 1024);
  t.equal(minCacheableTokens('claude-opus-4-5-20251101'), 4096);
  t.equal(minCacheableTokens('claude-haiku-4-5'), 4096);
  t.equal(minCacheableTokens('claude-3-5-haiku-latest'), 2048);
});
