// The upstream directory holds one client per target, each reaching its own base URL with its own key rule and
// pool; and the one upstream call every route makes fills the call record the access line reads.
import t from 'tap';
import { UpstreamDirectory } from '../../src/upstream/directory.ts';
import type { UpstreamTarget } from '../../src/routing.ts';
import { providerFromBaseUrl } from '../../src/wire/provider.ts';
import { buildTestApp, listen, targetOf } from '../helpers/app.ts';
import { anthropicMessage, MockUpstream } from '../helpers/mock-upstream.ts';

function target(name: string, baseUrl: string, overrides: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return { ...targetOf({ UPSTREAM_BASE: baseUrl }), name, keys: [{ name: `${name}-key`, value: `sk-${name}-secret` }], forwardClientKey: false, ...overrides };
}

t.test('several targets: each client reaches its own base URL with its own key', async (t) => {
  const first = await MockUpstream.start();
  const second = await MockUpstream.start();
  t.teardown(() => Promise.all([first.close(), second.close()]));
  const directory = new UpstreamDirectory({ targets: [target('zai', `${first.url}/api/anthropic`), target('kimi', second.url)], models: {} });
  t.teardown(() => directory.close());
  t.strictSame(directory.all.map((client) => client.target.name), ['zai', 'kimi']);
  for (const [name, mock, path] of [['zai', first, '/api/anthropic/v1/messages'], ['kimi', second, '/v1/messages']] as const) {
    const client = directory.client(name)!;
    const answer = await client.request({ path: '/v1/messages', headers: { 'x-api-key': client.target.keys[0]!.value }, body: '{}', whole: true });
    await answer.body.text();
    t.equal(mock.lastRequest.path, path, `${name}: below its base path`);
    t.equal(mock.lastRequest.headers['x-api-key'], `sk-${name}-secret`);
  }
  t.equal(first.requests.length, 1);
  t.equal(second.requests.length, 1);
  t.equal(directory.inFlight, 0, 'every slot released');
  t.equal(directory.client('other'), undefined);
});

t.test('a directory refuses no targets and two targets with one name', async (t) => {
  t.throws(() => new UpstreamDirectory({ targets: [], models: {} }), /at least one target/);
  t.throws(() => new UpstreamDirectory({ targets: [target('a', 'http://127.0.0.1:1'), target('a', 'http://127.0.0.1:2')], models: {} }), /two upstream targets are named "a"/);
});

t.test('the provider dialect of a base URL that names none', async (t) => {
  t.equal(providerFromBaseUrl('https://api.z.ai/api/anthropic'), 'zai');
  t.equal(providerFromBaseUrl('https://api.anthropic.com'), 'anthropic');
  t.equal(providerFromBaseUrl('https://api.moonshot.ai/anthropic'), 'moonshot');
  t.equal(providerFromBaseUrl('https://api.deepseek.com/anthropic'), 'deepseek');
  t.equal(providerFromBaseUrl('https://api.minimax.io/anthropic'), 'minimax');
  t.equal(providerFromBaseUrl('https://dashscope-intl.aliyuncs.com/api/v2/apps/claude-code-proxy'), 'qwen');
  t.equal(providerFromBaseUrl('https://openrouter.ai/api'), 'openrouter');
  t.equal(providerFromBaseUrl('http://127.0.0.1:8080'), 'generic');
  t.equal(providerFromBaseUrl('https://evil-anthropic.com.example.org'), 'generic', 'a look-alike host is not the provider');
});

t.test('the call record: the access line names the target, its key (never the key) and the usage', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  const routing = { targets: [target('zai', mock.url), target('spare', 'http://127.0.0.1:1')], models: {} };
  const { app, logs } = await buildTestApp(t, { UPSTREAM_BASE: mock.url }, { routing });
  const base = await listen(app);
  mock.enqueue({ kind: 'json', body: anthropicMessage({ text: 'hi', usage: { input_tokens: 11, output_tokens: 4, cache_read_input_tokens: 3 } }) });
  const response = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] }),
  });
  t.equal(response.status, 200);
  await response.json();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const line = logs.map((text) => JSON.parse(text)).find((entry) => entry.msg === 'request completed');
  t.match(line, { model: 'glm-4.6', upstream_status: 200, upstream: 'zai', key_name: 'zai-key', input_tokens: 11, output_tokens: 4, cache_read_tokens: 3, stop_reason: 'end_turn' });
  t.notOk(logs.join('\n').includes('sk-zai-secret'), 'the key itself is never logged');
  t.equal(mock.lastRequest.headers['x-api-key'], 'sk-zai-secret');
});
