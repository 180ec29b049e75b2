// The configuration file in the real process (src/main.ts): a bad file stops start-up with a line per
// problem, and SIGHUP applies a changed file without a restart.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { anthropicMessage, MockUpstream } from './helpers/mock-upstream.ts';
import { freePort, startService, waitUntilUp } from './helpers/process.ts';

const fileFor = (name: string, baseUrl: string) => `upstreams:\n  ${name}:\n    base_url: ${baseUrl}\n    keys: [{ name: main, key: "\${UPSTREAM_KEY}" }]\n`;

t.test('a bad configuration file stops start-up with one line per problem and exit code 2', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'proxy-main-file-'));
  writeFileSync(join(cwd, 'anthropic-proxy.yaml'), 'upstreams:\n  zai:\n    base_url: https://api.z.ai/api/anthropic\n    keys: [{ name: a, key: "${ZAI_KEY}", max_in_flight: 0 }]\n');
  const service = startService({ PORT: String(await freePort()), LOG_DIR: '' }, cwd);
  const { code } = await service.exited;
  t.equal(code, 2);
  const lines = service.stderr().trim().split('\n');
  t.strictSame(lines, [
    `anthropic-proxy: configuration error: ${join(cwd, 'anthropic-proxy.yaml')}: upstreams.zai.keys[0].key: \${ZAI_KEY} is not set in the environment (line 4)`,
  ]);
});

t.test('SIGHUP applies a changed file: the next request goes to the new upstream', async (t) => {
  const first = await MockUpstream.start();
  const second = await MockUpstream.start();
  t.teardown(() => Promise.all([first.close(), second.close()]));
  for (const mock of [first, second]) mock.setHandler(() => ({ kind: 'json', body: anthropicMessage({ text: 'ok' }) }));

  // CONFIG_FILE is a link to a file in another folder: an in-place write there is invisible to the folder
  // watch, so only SIGHUP can apply it.
  const cwd = mkdtempSync(join(tmpdir(), 'proxy-main-file-'));
  const elsewhere = join(cwd, 'elsewhere');
  mkdirSync(elsewhere);
  mkdirSync(join(cwd, 'config'));
  writeFileSync(join(elsewhere, 'real.yaml'), fileFor('first', first.url));
  symlinkSync(join(elsewhere, 'real.yaml'), join(cwd, 'config', 'anthropic-proxy.yaml'));

  const port = await freePort();
  const service = startService({ PORT: String(port), LOG_DIR: '', CONFIG_FILE: 'config/anthropic-proxy.yaml', UPSTREAM_KEY: 'upstream-key-SECRET-1' }, cwd);
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);
  const ask = async () => {
    const response = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'glm-4.6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    await response.arrayBuffer();
    return response.status;
  };
  t.equal(await ask(), 200);
  t.equal(first.requests.length, 1);
  t.equal(first.lastRequest.headers['x-api-key'], 'upstream-key-SECRET-1');

  writeFileSync(join(elsewhere, 'real.yaml'), fileFor('second', second.url));
  service.child.kill('SIGHUP');
  const deadline = Date.now() + 10_000;
  while (!/"reason":"SIGHUP".*"msg":"configuration file reloaded"/.test(service.stdout()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.match(service.stdout(), /"reason":"SIGHUP","upstreams":\["second"\].*"msg":"configuration file reloaded"/);
  t.equal(await ask(), 200);
  t.equal(second.requests.length, 1, 'the new upstream answered');
  t.equal(first.requests.length, 1);

  // A bad file is refused; the process keeps serving with the routing in force.
  writeFileSync(join(elsewhere, 'real.yaml'), 'upstreams:\n  third: { base_url: nope }\n');
  service.child.kill('SIGHUP');
  while (!/the running configuration stays/.test(service.stdout()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.match(service.stdout(), /configuration file refused: .*upstreams\.third\.base_url: is not an http\(s\) URL \(line 2\)/);
  t.equal(await ask(), 200);
  t.equal(second.requests.length, 2);

  service.child.kill('SIGTERM');
  t.equal((await service.exited).code, 0);
  t.notMatch(service.stdout() + service.stderr(), /SECRET/, 'no key in any line');
});
