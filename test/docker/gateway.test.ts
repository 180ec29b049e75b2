// The compose gateway profile (docker-compose.yml + docker/gateway/haproxy.cfg), checked without Docker (CI
// reaches no registry for the redis and haproxy images): the profile leaves the default `up` alone, both
// replicas pass every setting and share the Redis service, HAProxy's file names exactly those replicas on
// the port they listen on and passes HAProxy's own check; then the same file (addresses swapped for
// loopback ones) runs in front of two real replicas sharing a real redis-server: one address serves a
// streamed multi-turn conversation on whichever replica, and a draining replica is taken out.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import t from 'tap';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS, loadConfig, type EnvName } from '../../src/config.ts';
import { buildTestApp, listen } from '../helpers/app.ts';
import { lastUserText, messageReply, textBlock } from '../helpers/anthropic-replies.ts';
import { MockUpstream } from '../helpers/mock-upstream.ts';
import { freePort } from '../helpers/process.ts';
import { RedisServer, redisServerMissing } from '../helpers/redis-server.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
type ComposeService = Record<string, any>;
const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService>; volumes?: Record<string, unknown> };
const services = compose.services;
const REPLICAS = ['gateway-a', 'gateway-b'];
const haproxyFile = read('docker/gateway/haproxy.cfg');
const haproxyMissing = spawnSync('haproxy', ['-v']).status === 0 ? null : 'haproxy is not installed (apt-get install haproxy; .ci/run does it)';
const skipWithout = (missing: string | null) => (missing !== null && !process.env.CI ? missing : false);

function environmentOf(service: ComposeService): Map<string, string | null> {
  return new Map((service.environment as string[]).map((entry) => [entry.split('=')[0]!, entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : null]));
}

/** `timeout server 960s` and friends, in milliseconds. */
function haproxyTimeoutMs(name: string): number {
  const match = new RegExp(`^\\s*timeout ${name} (\\d+)(ms|s|m)$`, 'm').exec(haproxyFile);
  if (!match) throw new Error(`no timeout ${name}`);
  return Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[match[2]!]!;
}

t.test('the gateway profile: opt-in, two identical replicas, Redis, HAProxy on one port', async (t) => {
  t.notOk('profiles' in services['anthropic-proxy']!, 'the default service is unchanged: `docker compose up` starts it alone');
  for (const name of [...REPLICAS, 'redis', 'gateway']) t.strictSame(services[name]?.profiles, ['gateway'], `${name} only with --profile gateway`);
  t.strictSame(services['gateway-a'], services['gateway-b'], 'the replicas are one definition');
  t.strictSame(services.gateway!.depends_on, REPLICAS, 'starting `gateway` starts the replicas');
  t.strictSame(services['gateway-a']!.depends_on, ['redis'], 'and they start Redis');
  t.notOk('ports' in services['gateway-a']!, 'no replica publishes a port of its own');
  t.strictSame(services.gateway!.ports, ['${GATEWAY_PORT:-8080}:8080']);
  t.ok((services.gateway!.volumes as string[]).includes('./docker/gateway/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'));
  t.equal(services['gateway-a']!.image, services['anthropic-proxy']!.image, 'the same image as the single service');
  t.strictSame(services['gateway-a']!.build, services['anthropic-proxy']!.build, 'built the same way');
});

t.test('each replica passes every setting, with the shared store fixed to the Redis service', async (t) => {
  const env = environmentOf(services['gateway-a']!);
  for (const name of Object.keys(CONFIG_DEFAULTS) as EnvName[]) t.ok(env.has(name), `${name} is passed`);
  t.equal(env.get('PORT'), '5000');
  t.equal(env.get('HOST'), '0.0.0.0');
  t.equal(env.get('LOG_DIR'), '', 'stdout only: two replicas do not share one log folder');
  const fixed = Object.fromEntries([...env].filter(([, value]) => value !== null)) as Record<string, string>;
  const config = loadConfig({ env: fixed, dotenvPath: null });
  const url = new URL(config.responsesStoreUrl);
  t.equal(url.hostname, 'redis', 'the Redis service by name');
  t.equal(url.port, '6379');
  const command = services.redis!.command as string[];
  t.equal(command[command.indexOf('--maxmemory-policy') + 1], 'volatile-lru', 'Redis drops the least recently used responses first');
  t.ok(command.includes('--maxmemory'), 'and is bounded');
  t.ok((services.redis!.volumes as string[]).some((volume) => volume.endsWith(':/data') && compose.volumes && volume.split(':')[0]! in compose.volumes), 'its data in a named volume');
  const drainMs = Number(CONFIG_DEFAULTS.SHUTDOWN_TIMEOUT_MS);
  t.ok(Number(/^(\d+)s$/.exec(services['gateway-a']!.stop_grace_period)![1]) * 1000 > drainMs + 5000, 'grace period above the drain');
});

t.test('haproxy.cfg: exactly the replicas on their port, readiness checks, timeouts above the upstream\'s', async (t) => {
  const servers = [...haproxyFile.matchAll(/^\s*server (\S+) (\S+):(\d+)$/gm)].map((match) => ({ host: match[2], port: Number(match[3]) }));
  t.strictSame(servers.map((server) => server.host), REPLICAS, 'one server line per replica service');
  for (const server of servers) t.equal(server.port, Number(environmentOf(services['gateway-a']!).get('PORT')));
  t.match(haproxyFile, /^\s*bind :8080$/m, 'listens on the published container port');
  t.match(haproxyFile, /^\s*http-check send meth GET uri \/readyz$/m, 'a draining replica (503) is taken out');
  t.match(haproxyFile, /^\s*http-check expect status 200$/m);
  for (const name of ['client', 'server']) {
    t.ok(haproxyTimeoutMs(name) > Number(CONFIG_DEFAULTS.UPSTREAM_TIMEOUT_MS), `timeout ${name} outlasts UPSTREAM_TIMEOUT_MS`);
  }
  t.notMatch(haproxyFile, /retry-on\s+.*(503|response-timeout|all-retryable)/, 'never replays a request the replica may have started');
});

t.test('haproxy -c accepts the file', { skip: skipWithout(haproxyMissing) }, async (t) => {
  const check = spawnSync('haproxy', ['-c', '-f', new URL('../../docker/gateway/haproxy.cfg', import.meta.url).pathname], { encoding: 'utf8' });
  t.equal(check.status, 0, check.stdout + check.stderr);
  t.match(check.stdout + check.stderr, /Configuration file is valid/);
});

t.test('the same HAProxy file in front of two real replicas and one Redis: one address, any replica, a drain', { skip: skipWithout(haproxyMissing ?? redisServerMissing()) }, async (t) => {
  const redis = await RedisServer.start(t);
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  mock.setHandler((request) => messageReply(request, { content: [textBlock(`re: ${lastUserText(request.body)} (${request.body.messages.length} messages)`)] }));
  const env = { UPSTREAM_BASE: mock.url, RESPONSES_STORE_URL: redis.url, RESPONSES_STORE_TIMEOUT_MS: '1000' };
  const replicas = await Promise.all(REPLICAS.map(async (name) => {
    const built = await buildTestApp(t, env);
    return { name, ...built, port: Number(new URL(await listen(built.app)).port) };
  }));
  const served = (replica: (typeof replicas)[number]) => replica.logs.filter((line) => /"route":"\/v1\/responses"/.test(line)).length;

  // The project's file as compose runs it, with the replicas' loopback addresses for the service names and
  // without Docker's DNS (nothing to resolve here).
  const port = await freePort();
  let config = haproxyFile.replace(/^\s*bind :8080$/m, `  bind 127.0.0.1:${port}`);
  for (const replica of replicas) config = config.replace(new RegExp(`^(\\s*server ${replica.name}) \\S+$`, 'm'), `$1 127.0.0.1:${replica.port}`);
  config = config.replace(/^resolvers docker\n(?:[ \t]+.*\n)*/m, '').replace(/ resolvers docker/g, '');
  t.notMatch(config, /gateway-a:5000|127\.0\.0\.11/, 'every address is a loopback one of this test');
  const dir = mkdtempSync(join(tmpdir(), 'anthropic-proxy-haproxy-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const haproxy = spawn('setpriv', ['--pdeathsig', 'KILL', 'haproxy', '-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  haproxy.stdout!.on('data', (chunk) => (output += chunk));
  haproxy.stderr!.on('data', (chunk) => (output += chunk));
  t.teardown(() => void haproxy.kill('SIGKILL'));
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-through-haproxy', maxRetries: 0 });
  const deadline = Date.now() + 5000;
  while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((res) => res.ok, () => false))) {
    if (Date.now() > deadline) throw new Error(`haproxy did not answer: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  let previous: string | undefined;
  for (let turn = 1; turn <= 6; turn++) {
    const request = { model: 'glm-4.5', input: `turn ${turn}`, previous_response_id: previous };
    const answer = turn % 2 === 0 ? await client.responses.stream(request).finalResponse() : await client.responses.create(request);
    t.equal(answer.output_text, `re: turn ${turn} (${2 * turn - 1} messages)`, `turn ${turn}${turn % 2 === 0 ? ' (streamed)' : ''}`);
    previous = answer.id;
  }
  t.ok(served(replicas[0]!) > 0 && served(replicas[1]!) > 0, `both replicas served turns (${served(replicas[0]!)} and ${served(replicas[1]!)})`);

  // A replica starts draining: its /readyz answers 503 and HAProxy's checks (every 2 s, 2 failures) take it out.
  replicas[0]!.app.lifecycle.draining = true;
  await new Promise((resolve) => setTimeout(resolve, 4500));
  const before = served(replicas[1]!);
  for (let turn = 7; turn <= 9; turn++) {
    const answer = await client.responses.create({ model: 'glm-4.5', input: `turn ${turn}`, previous_response_id: previous });
    t.equal(answer.output_text, `re: turn ${turn} (${2 * turn - 1} messages)`, `turn ${turn} while one replica drains`);
    previous = answer.id;
  }
  t.equal(served(replicas[1]!) - before, 3, 'all of them on the replica that is not draining');
});
