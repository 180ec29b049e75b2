// Reloading the configuration file (src/config-reload.ts): a good file is applied, a bad one refused with a
// line per problem while the running routing keeps serving, an unchanged one applies nothing; the folder
// watch sees in-place writes and rename-on-save; and a reload under load loses no request.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { readConfigFile } from '../src/config.ts';
import { ConfigReloader } from '../src/config-reload.ts';
import type { RoutingTable } from '../src/routing.ts';
import { buildTestApp, listen } from './helpers/app.ts';
import { anthropicMessage, MockUpstream } from './helpers/mock-upstream.ts';

const fileFor = (name: string, baseUrl: string) =>
  `upstreams:\n  ${name}:\n    base_url: ${baseUrl}\n    keys: [{ name: main, key: "\${UPSTREAM_KEY}" }]\n`;

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A running app whose routing comes from a configuration file, with a reloader watching that file. */
async function setUp(t: { teardown(fn: () => unknown): void }, first: string) {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-reload-'));
  const path = join(dir, 'anthropic-proxy.yaml');
  writeFileSync(path, first);
  const env = { CONFIG_FILE: path, UPSTREAM_KEY: 'upstream-key-0123' };
  const { app, config, logs } = await buildTestApp(t, env);
  const applied: RoutingTable[] = [];
  const reloader = new ConfigReloader({
    path,
    read: () => readConfigFile(config, { env, dotenvPath: null }),
    current: config.routing,
    apply: (routing) => {
      app.upstreams.reload(routing);
      applied.push(routing);
    },
    log: app.log,
    debounceMs: 50,
  });
  t.teardown(() => reloader.close());
  return { app, path, logs, applied, reloader };
}

/** Writes the file the way editors do: a new file renamed over the old one. */
function saveByRename(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

const request = (base: string) =>
  fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'glm-4.6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
  });

t.test('reload: a good file applies, an unchanged one applies nothing, a bad one is refused line by line', async (t) => {
  const { app, path, logs, applied, reloader } = await setUp(t, fileFor('a', 'http://127.0.0.1:1'));
  t.equal(reloader.reload('test'), 'unchanged', 'the file as loaded');
  writeFileSync(path, `# a comment changes nothing\n${fileFor('a', 'http://127.0.0.1:1')}`);
  t.equal(reloader.reload('test'), 'unchanged');
  t.equal(applied.length, 0);

  writeFileSync(path, fileFor('b', 'http://127.0.0.1:2'));
  t.equal(reloader.reload('SIGHUP'), 'applied');
  t.strictSame(app.upstreams.routing.targets.map((target) => [target.name, target.baseUrl]), [['b', 'http://127.0.0.1:2']]);
  t.ok(logs.some((line) => /"level":30.*"reason":"SIGHUP".*"upstreams":\["b"\].*"msg":"configuration file reloaded"/.test(line)), 'an info line');

  writeFileSync(path, 'upstreams:\n  c:\n    base_url: nope\n    max_retries: 99\n');
  t.equal(reloader.reload('SIGHUP'), 'refused');
  t.strictSame(app.upstreams.routing.targets.map((target) => target.name), ['b'], 'the running routing stays');
  const refused = logs.filter((line) => /configuration file refused/.test(line));
  t.equal(refused.length, 3, 'one line per problem, and one saying what happens');
  t.match(refused[0], /"level":50.*configuration file refused: .*anthropic-proxy\.yaml: upstreams\.c\.base_url: is not an http\(s\) URL \(line 3\)/);
  t.match(refused[1], /"level":50.*upstreams\.c\.max_retries: must be <= 10 \(line 4\)/);
  t.match(refused[2], /"level":40.*the running configuration stays/);
  t.notOk(logs.some((line) => line.includes('upstream-key-0123')), 'no key in the logs');
});

t.test('the folder watch applies in-place writes and rename-on-save, and refuses a bad save', async (t) => {
  const { app, path, logs, reloader } = await setUp(t, fileFor('a', 'http://127.0.0.1:1'));
  const names = () => app.upstreams.routing.targets.map((target) => target.name).join();
  reloader.watch();
  writeFileSync(path, fileFor('b', 'http://127.0.0.1:2'));
  await until(() => names() === 'b', 'the in-place write');
  saveByRename(path, fileFor('c', 'http://127.0.0.1:3'));
  await until(() => names() === 'c', 'the rename-on-save');
  saveByRename(path, 'upstreams:\n  d: {}\n');
  await until(() => logs.some((line) => /upstreams\.d\.base_url: is required/.test(line)), 'the refusal');
  t.equal(names(), 'c', 'the running routing stays');
});

t.test('under load: 200 requests in flight while the file is rewritten five times, all answered 200', async (t) => {
  const upstreamA = await MockUpstream.start();
  const upstreamB = await MockUpstream.start();
  t.teardown(() => Promise.all([upstreamA.close(), upstreamB.close()]));
  // Slow answers: every request is still in flight when the next rewrites happen.
  for (const mock of [upstreamA, upstreamB]) mock.setHandler(() => ({ kind: 'json', body: anthropicMessage({ text: 'ok' }), delayMs: 5000 }));
  const { app, path, applied, logs, reloader } = await setUp(t, fileFor('a', upstreamA.url));
  reloader.watch();
  const base = await listen(app);

  const answers: Promise<Response>[] = [];
  const inFlightAtRewrite: number[] = [];
  let answered = 0;
  const versions = [fileFor('b', upstreamB.url), fileFor('a', upstreamA.url), fileFor('b', upstreamB.url), 'upstreams: {bad: 1}\n', fileFor('a', upstreamA.url)];
  for (const [index, text] of versions.entries()) {
    for (let i = 0; i < 40; i++) answers.push(request(base).finally(() => answered++));
    // The wave is at the upstream (in flight) when the file changes.
    await until(() => upstreamA.requests.length + upstreamB.requests.length === answers.length, `wave ${index + 1} upstream`);
    inFlightAtRewrite.push(answers.length - answered);
    const appliedBefore = applied.length;
    const refusedBefore = logs.filter((line) => /configuration file refused/.test(line)).length;
    if (index % 2 === 0) saveByRename(path, text);
    else writeFileSync(path, text);
    await until(() => applied.length > appliedBefore || logs.filter((line) => /configuration file refused/.test(line)).length > refusedBefore, `version ${index + 1} read`);
  }
  const statuses = await Promise.all(answers.map(async (answer) => {
    const response = await answer;
    await response.arrayBuffer();
    return response.status;
  }));
  t.equal(statuses.length, 200);
  t.ok(inFlightAtRewrite.every((count) => count >= 40), `requests in flight at every rewrite: ${inFlightAtRewrite.join(', ')}`);
  t.strictSame(statuses.filter((status) => status !== 200), [], 'no request lost or failed');
  t.equal(applied.length, 4, 'four good versions applied, the bad one refused');
  t.equal(upstreamA.requests.length + upstreamB.requests.length, 200, 'each request reached an upstream once');
  // Waves 1 and 3 went to a, waves 2, 4 and 5 to b (the bad version changed nothing).
  t.strictSame([upstreamA.requests.length, upstreamB.requests.length], [80, 120], 'each wave went to the upstream in force when it arrived');
  t.equal(upstreamB.lastRequest.headers['x-api-key'], 'upstream-key-0123', 'with the key of the file');
  t.equal(app.upstreams.inFlight, 0);
});
