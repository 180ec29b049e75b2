// One configuration file with mock z.ai, Anthropic and Moonshot upstreams on real ports, serving the openai SDK,
// Codex CLI and Claude Code through the service: z.ai answering 429 sends the request on to the next upstream
// with no error at the client, each client's model is routed to its upstream and model id, and every upstream
// gets its own key.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import OpenAI from 'openai';
import { messageReply, textBlock } from '../helpers/anthropic-replies.ts';
import { buildTestApp, listen, type Teardown } from '../helpers/app.ts';
import { anthropicErrorBody, MockUpstream } from '../helpers/mock-upstream.ts';
import { binPath, codexConfig, runCli, tempWorkspace } from './harness.ts';

const KEYS = { ZAI_TEST_KEY: 'sk-zai-0123456789', ANTHROPIC_TEST_KEY: 'sk-ant-0123456789', MOONSHOT_TEST_KEY: 'sk-kimi-0123456789' };

async function service(t: Teardown) {
  const zai = await MockUpstream.start();
  const anthropic = await MockUpstream.start();
  const moonshot = await MockUpstream.start();
  t.teardown(() => Promise.all([zai.close(), anthropic.close(), moonshot.close()]));
  for (const [mock, name] of [[zai, 'glm'], [anthropic, 'claude'], [moonshot, 'kimi']] as const) {
    mock.setHandler((request) => messageReply(request, { content: [textBlock(`answered by ${name} as ${request.body.model}`)] }));
  }
  const dir = mkdtempSync(join(tmpdir(), 'several-upstreams-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'anthropic-proxy.yaml');
  writeFileSync(file, [
    'upstreams:',
    `  zai: { base_url: "${zai.url}/api/anthropic", profile: zai, keys: [{ name: coding-plan, key: "\${ZAI_TEST_KEY}", max_in_flight: 2 }] }`,
    `  anthropic: { base_url: "${anthropic.url}", profile: anthropic, keys: [{ name: main, key: "\${ANTHROPIC_TEST_KEY}" }] }`,
    `  moonshot: { base_url: "${moonshot.url}/anthropic", profile: moonshot, keys: [{ name: kimi, key: "\${MOONSHOT_TEST_KEY}" }] }`,
    'models:',
    '  glm-4.6:',
    '    - { upstream: zai, model: glm-4.6 }',
    '    - { upstream: anthropic, model: claude-sonnet-4-5 }',
    '  kimi:',
    '    - { upstream: moonshot, model: kimi-k2-0905-preview }',
    '',
  ].join('\n'));
  const { app, logs } = await buildTestApp(t, { CONFIG_FILE: file, MAX_RETRIES: '0', ...KEYS });
  const base = await listen(app);
  return { base, zai, anthropic, moonshot, logs };
}

t.test('the openai SDK: z.ai answering 429 sends the request to the next upstream, no error at the client', async (t) => {
  const { base, zai, anthropic } = await service(t);
  zai.enqueue({ kind: 'json', status: 429, headers: { 'retry-after': '30' }, body: anthropicErrorBody('rate_limit_error', 'too many requests') });
  const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'client-key', maxRetries: 0 });
  const answer = await client.chat.completions.create({ model: 'glm-4.6', messages: [{ role: 'user', content: 'hi' }] });
  t.equal(answer.choices[0]!.message.content, 'answered by claude as claude-sonnet-4-5');
  t.equal(zai.lastRequest.path, '/api/anthropic/v1/messages');
  t.equal(zai.lastRequest.headers['x-api-key'], KEYS.ZAI_TEST_KEY);
  t.equal(anthropic.lastRequest.headers['x-api-key'], KEYS.ANTHROPIC_TEST_KEY);
  const models = await client.models.list();
  t.ok(models.data.some((model) => model.id === 'glm-4.6') && models.data.some((model) => model.id === 'kimi'), '/v1/models lists the public names');
  const ready = (await (await fetch(`${base}/readyz`)).json()) as { upstreams: unknown[] };
  t.match(ready.upstreams, [{ name: 'zai', state: 'cooling' }, { name: 'anthropic', state: 'up' }, { name: 'moonshot', state: 'up' }], "/readyz shows z.ai's key cooling down");
});

const CODEX = binPath('codex');
t.test('Codex CLI: a Responses session routed to z.ai', { skip: existsSync(CODEX) ? false : 'the codex binary is not installed' }, async (t) => {
  const { base, zai } = await service(t);
  const workspace = tempWorkspace(t, 'codex-routed-');
  const env = codexConfig(workspace.home, { model: 'glm-4.6', baseUrl: `${base}/v1`, key: 'client-key' });
  const run = await runCli(CODEX, ['exec', '--skip-git-repo-check', 'say hi'], {
    cwd: workspace.cwd,
    env,
    timeoutMs: 60_000,
  });
  t.equal(run.code, 0, `exit code (stderr: ${run.stderr.slice(0, 500)})`);
  t.match(run.stdout, /answered by glm as glm-4\.6/);
  t.ok(zai.requests.length >= 1);
});

t.test('Claude Code: the passthrough routed by model to Moonshot', async (t) => {
  const { base, moonshot } = await service(t);
  const workspace = tempWorkspace(t, 'claude-routed-');
  const run = await runCli(binPath('claude'), ['-p', 'say hi', '--max-turns', '2'], {
    cwd: workspace.cwd,
    timeoutMs: 30_000,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: workspace.home,
      CLAUDE_CONFIG_DIR: join(workspace.home, '.claude'),
      ANTHROPIC_BASE_URL: base,
      ANTHROPIC_API_KEY: 'client-key',
      ANTHROPIC_MODEL: 'kimi',
      DISABLE_TELEMETRY: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
  });
  t.equal(run.code, 0, `exit code (stdout: ${run.stdout.slice(0, 300)} stderr: ${run.stderr.slice(0, 300)})`);
  t.match(run.stdout, /answered by kimi as kimi-k2-0905-preview/);
  t.equal(moonshot.lastRequest.path.split('?')[0], '/anthropic/v1/messages');
  t.equal(moonshot.lastRequest.headers['x-api-key'], KEYS.MOONSHOT_TEST_KEY, "Moonshot's own key, not the client's");
});
