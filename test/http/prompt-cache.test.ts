// Where the service places prompt-cache breakpoints: on translated requests to an upstream that caches (or
// any with PROMPT_CACHE=on), never on the /v1/messages passthrough, never with PROMPT_CACHE=off; and which
// upstreams and models promptCacheSupport knows.
import t from 'tap';
import { promptCacheSupport } from '../../src/translate/anthropic/cache-support.ts';
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

t.test('PROMPT_CACHE=off, and auto with an upstream not known to cache: none', async (t) => {
  for (const mode of ['off', 'auto']) {
    const sent = await upstreamBodies(t, { PROMPT_CACHE: mode });
    t.equal(markers(sent.chat), 0, mode);
  }
});

t.test('promptCacheSupport: the hosts that cache, the ttl, the minimum per model', async (t) => {
  t.strictSame(promptCacheSupport('auto', 'https://api.anthropic.com', 'claude-sonnet-4-5'), { cacheControl: true, ttl: true, minCacheableTokens: 1024 });
  t.strictSame(promptCacheSupport('auto', 'https://api.z.ai/api/anthropic', 'glm-4.6'), { cacheControl: true, ttl: false, minCacheableTokens: 1024 });
  t.strictSame(promptCacheSupport('auto', 'https://gateway.example.test', 'glm-4.6'), { cacheControl: false, ttl: false, minCacheableTokens: 1024 });
  t.equal(promptCacheSupport('on', 'https://gateway.example.test', 'm').cacheControl, true);
  t.equal(promptCacheSupport('off', 'https://api.anthropic.com', 'm').cacheControl, false);
  t.equal(promptCacheSupport('auto', 'https://api.anthropic.com', 'claude-opus-4-5-20251101').minCacheableTokens, 4096);
  t.equal(promptCacheSupport('auto', 'https://api.anthropic.com', 'claude-haiku-4-5').minCacheableTokens, 4096);
  t.equal(promptCacheSupport('auto', 'https://api.anthropic.com', 'claude-3-5-haiku-latest').minCacheableTokens, 2048);
});
