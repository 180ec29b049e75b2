// Docker mode's logic against a scripted stand-in for the docker CLI (the real engine is exercised by the
// Docker test in CI): auto-detection, compose v2 and the v1 fallback, up -d --build then waiting for the
// container's health, a container recreated from a rebuilt image, status fields (the version served next to
// the checkout's) and LSB codes, stop and --down, and a container that dies during start-up.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import t from 'tap';
import { alive, projectCopy, REPO } from '../helpers/scripts.ts';

t.setTimeout(120_000);

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

// Answers like docker would, from a state file "<state> <health|-> <exit code>", or "none" for no container.
// `compose up` leaves a container that reports "starting" once, then "healthy" (or dies, with FAKE_UP=dies);
// like compose, it keeps a healthy running container as it is, unless FAKE_UP=rebuilt (the image changed:
// a new container, with a new id).
const FAKE_DOCKER = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_DIR/calls"
read -r state health code <"$FAKE_DIR/state" || true
put() { printf '%s\\n' "$*" >"$FAKE_DIR/state"; }
case $1 in
  info) exit 0 ;;
  port) echo "5000/tcp -> 0.0.0.0:$FAKE_PORT"; exit 0 ;;
  inspect)
    [[ $state == none ]] && exit 1
    printf '%s|%s|/anthropic-proxy|anthropic-proxy:latest|%s\\n' "$state" "\${health#-}" "$code"
    if [[ $health == starting ]]; then
      if [[ \${FAKE_UP:-} == dies ]]; then put exited - 1; else put running healthy 0; fi
    fi
    exit 0 ;;
  compose) shift ;;
  *) exit 1 ;;
esac
[[ -n \${FAKE_NO_V2:-} && -z \${FAKE_V1:-} ]] && { echo "docker: 'compose' is not a docker command." >&2; exit 1; }
case $1 in
  version) echo 'Docker Compose version v2.29.7' ;;
  ps) [[ $state == none ]] || cat "$FAKE_DIR/id" 2>/dev/null || echo 0123456789abcdef0123 ;;
  up)
    if [[ \${FAKE_UP:-} == rebuilt ]]; then echo fedcba9876543210fedc >"$FAKE_DIR/id"; put running starting 0
    elif [[ $state != running || $health != healthy ]]; then put running starting 0; fi ;;
  stop) put exited - 0 ;;
  down) put none ;;
  logs) echo 'anthropic-proxy  | anthropic-proxy: configuration error: PORT="x" is not a whole number' ;;
esac
`;

const copy = await projectCopy(t);
const fakeDir = copy.path('fake-docker');
mkdirSync(fakeDir);
writeFileSync(`${fakeDir}/docker`, FAKE_DOCKER);
chmodSync(`${fakeDir}/docker`, 0o755);
writeFileSync(copy.path('docker-compose.yml'), 'services: {}\n');

function docker(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: `${fakeDir}:${process.env.PATH}`, FAKE_DIR: fakeDir, FAKE_PORT: String(copy.port), PROXY_MODE: 'auto', ...extra };
}
function setState(state: string): void {
  writeFileSync(`${fakeDir}/state`, `${state}\n`);
  writeFileSync(`${fakeDir}/calls`, '');
}
function calls(): string[] {
  return readFileSync(`${fakeDir}/calls`, 'utf8').split('\n').filter((line) => line.startsWith('compose ') && !line.startsWith('compose version'));
}

t.test('auto mode picks docker where an engine answers and compose exists; nothing running is status 3', async (t) => {
  setState('none');
  const result = await copy.run('status.sh', [], docker());
  t.equal(result.code, 3, result.stdout + result.stderr);
  t.match(result.stdout, /^anthropic-proxy status: docker mode \(auto: a Docker engine answers and docker compose is available\)\n/);
  t.match(result.stdout, /not running \(no container for the compose service anthropic-proxy\)/);
});

t.test('start runs compose up -d and waits for the container to report healthy', async (t) => {
  setState('none');
  const result = await copy.run('start.sh', [], docker());
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(result.stdout, /^anthropic-proxy start: docker mode/);
  t.match(result.stdout, /waiting up to 90s for the container to report healthy:.* healthy after/);
  t.match(result.stdout, /running \(container anthropic-proxy, 5000\/tcp -> 0\.0\.0\.0:\d+\)/);
  t.same(calls().filter((line) => !line.startsWith('compose ps')), ['compose up -d --build'], 'always built from the checkout');

  writeFileSync(`${fakeDir}/calls`, '');
  const again = await copy.run('start.sh', [], docker());
  t.equal(again.code, 0);
  t.match(again.stdout, /already running \(container anthropic-proxy, running\/healthy\)/);
  t.match(again.stdout, /the image is up to date with the checkout \(version \d+\.\d+\.\d+/);
  t.same(calls().filter((line) => !line.startsWith('compose ps')), ['compose up -d --build'], 'a running container is rebuilt too, never trusted');
});

t.test('start while running an image older than the checkout: the container is recreated and waited for', async (t) => {
  setState('running healthy 0');
  const result = await copy.run('start.sh', [], docker({ FAKE_UP: 'rebuilt' }));
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.notMatch(result.stdout, /already running/);
  t.match(result.stdout, /the container was recreated: the image built from the checkout had changed\n/);
  t.match(result.stdout, /waiting up to 90s for the container to report healthy:.* healthy after/);
  t.match(result.stdout, /running \(container anthropic-proxy, /);
  rmSync(`${fakeDir}/id`, { force: true });
});

t.test('status shows the container and is found even when PROXY_MODE says pid', async (t) => {
  const result = await copy.run('status.sh', [], docker({ PROXY_MODE: 'pid' }));
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(result.stdout, /^anthropic-proxy status: docker mode \(found: compose service anthropic-proxy is running\)\n/);
  t.match(result.stdout, /container: +anthropic-proxy \(0123456789ab\)\n +state: +running\n +health: +healthy\n +image: +anthropic-proxy:latest\n +port: +5000\/tcp -> 0\.0\.0\.0:\d+\n/);
  const json = JSON.parse((await copy.run('status.sh', ['--json'], docker())).stdout);
  t.match(json, { mode: 'docker', state: 'running', healthy: true, exit_code: 0, container: 'anthropic-proxy', container_health: 'healthy', image: 'anthropic-proxy:latest' });

  setState('running unhealthy 0');
  t.equal((await copy.run('status.sh', ['--quiet'], docker())).code, 4, 'unhealthy: 4');
  setState('exited - 137');
  const dead = await copy.run('status.sh', [], docker());
  t.equal(dead.code, 1, 'exited with an error: 1');
  t.match(dead.stdout, /dead: the container exited with code 137/);
  setState('exited - 0');
  t.equal((await copy.run('status.sh', ['--quiet'], docker())).code, 3, 'stopped cleanly: 3');
});

t.test('stop runs compose stop (-t only with STOP_TIMEOUT set); --down runs compose down', async (t) => {
  setState('running healthy 0');
  const stop = await copy.run('stop.sh', [], docker({ STOP_TIMEOUT: '7' }));
  t.equal(stop.code, 0, stop.stdout + stop.stderr);
  t.match(stop.stdout, /^anthropic-proxy stop: docker mode \(found: compose service anthropic-proxy is running\)\n/);
  t.ok(calls().includes('compose stop -t 7'));
  const idle = await copy.run('stop.sh', [], docker());
  t.equal(idle.code, 0);
  t.match(idle.stdout, /not running/);
  // Without STOP_TIMEOUT compose waits the stop_grace_period of docker-compose.yml, longer than the drain.
  setState('running healthy 0');
  const graceful = await copy.run('stop.sh', [], docker());
  t.equal(graceful.code, 0, graceful.stdout + graceful.stderr);
  t.match(graceful.stdout, /\ndocker compose stop\n/);
  t.ok(calls().includes('compose stop'), calls().join(', '));
  t.notOk(calls().some((line) => line.includes('-t')), 'no -t');
  setState('exited - 0');
  const down = await copy.run('stop.sh', ['--down'], docker());
  t.equal(down.code, 0);
  t.ok(calls().includes('compose down'), calls().join(', '));
  setState('exited - 0');
  t.equal((await copy.run('stop.sh', ['--down'], docker({ STOP_TIMEOUT: '3' }))).code, 0);
  t.ok(calls().includes('compose down -t 3'));
});

t.test('a container whose healthcheck says healthy but whose /readyz answers 503 (draining): status 4', async (t) => {
  const server = createServer((req, res) => {
    const draining = req.url === '/readyz';
    res.writeHead(draining ? 503 : 200, { 'content-type': 'application/json' });
    res.end(draining ? '{"status":"draining"}' : '{"status":"ok","version":"9.9.9"}');
  });
  server.listen(copy.port, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => void server.close());
  setState('running healthy 0');
  const result = await copy.run('status.sh', [], docker());
  t.equal(result.code, 4, result.stdout + result.stderr);
  t.match(result.stdout, /answer: +GET http:\S+\/ -> 200 ok, version 9\.9\.9/);
  t.match(result.stdout, new RegExp(`version: +9\\.9\\.9, but the checkout is ${VERSION.replace(/\./g, '\\.')}: out of date, \\./restart\\.sh rebuilds the image\\n`), 'the version served next to the checkout\'s');
  t.match(result.stdout, /ready: +GET http:\S+\/readyz -> 503 draining\n/);
  t.match(result.stdout, /running but draining/);
  t.match(JSON.parse((await copy.run('status.sh', ['--json'], docker())).stdout), { state: 'draining', exit_code: 4, ready: { http_status: 503 }, version: '9.9.9', checkout_version: VERSION });
});

t.test('a container that dies during start-up: exit 1 with its last log lines', async (t) => {
  setState('none');
  const result = await copy.run('start.sh', [], docker({ FAKE_UP: 'dies' }));
  t.equal(result.code, 1);
  t.match(result.stderr, /the container stopped during start-up \(exit code 1\)\. Its last log lines:\n.*configuration error: PORT="x"/);
});

t.test('docker-compose v1 is used where compose v2 is absent', async (t) => {
  writeFileSync(`${fakeDir}/docker-compose`, '#!/usr/bin/env bash\nFAKE_V1=1 exec "$(dirname "$0")/docker" compose "$@"\n');
  chmodSync(`${fakeDir}/docker-compose`, 0o755);
  setState('none');
  const result = await copy.run('start.sh', [], docker({ FAKE_NO_V2: '1' }));
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(result.stdout, /^anthropic-proxy start: docker mode \(auto: a Docker engine answers and docker-compose is available\)\n/);
  t.match(result.stdout, /docker-compose up -d --build/);
});

t.test('auto mode on a Docker host: start finds a pid-mode instance already running instead of starting compose', async (t) => {
  // A stand-in for the service started as pid mode starts it: node dist/main.js in this copy.
  mkdirSync(copy.path('dist'), { recursive: true });
  writeFileSync(copy.path('dist', 'main.js'), 'setInterval(() => {}, 1000);\n');
  const service = spawn(process.execPath, ['--max-semi-space-size=8', 'dist/main.js'], { cwd: copy.dir, stdio: 'ignore' });
  copy.track(service.pid!);
  writeFileSync(copy.path('anthropic-proxy.pid'), `${service.pid}\n`);
  setState('none');
  const result = await copy.run('start.sh', [], docker());
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(result.stdout, new RegExp(`^anthropic-proxy start: pid mode \\(found: PID file anthropic-proxy\\.pid names running PID ${service.pid}\\)\\n`));
  t.match(result.stdout, new RegExp(`already running \\(PID ${service.pid}\\)`));
  t.same(calls().filter((line) => !line.startsWith('compose ps')), [], 'compose up was not run');
  t.ok(alive(service.pid!));
  service.kill('SIGKILL');
  await once(service, 'exit');
  // Gone: the stale PID file no longer decides, and auto picks docker again.
  const fresh = await copy.run('start.sh', [], docker());
  t.equal(fresh.code, 0, fresh.stdout + fresh.stderr);
  t.match(fresh.stdout, /^anthropic-proxy start: docker mode \(auto: /);
  t.ok(calls().includes('compose up -d --build'));
});

t.test('a host whose Node cannot run the settings reader: docker mode goes on from the environment and says so', async (t) => {
  // A Node too old for scripts/settings.ts (TypeScript), first in PATH; .env asks for a 7 s start timeout.
  const oldNode = copy.path('old-node');
  mkdirSync(oldNode);
  writeFileSync(`${oldNode}/node`, '#!/bin/sh\n[ "$1" = -p ] && { echo 20.0.0; exit 0; }\necho "TypeError [ERR_UNKNOWN_FILE_EXTENSION]: Unknown file extension \\".ts\\"" >&2\nexit 1\n', { mode: 0o755 });
  const dotenv = readFileSync(copy.path('.env'), 'utf8');
  writeFileSync(copy.path('.env'), `${dotenv}START_TIMEOUT=7\n`);
  t.teardown(() => writeFileSync(copy.path('.env'), dotenv));
  setState('none');
  const env = docker();
  const result = await copy.run('start.sh', [], { ...env, PATH: `${oldNode}:${env.PATH}` });
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(result.stdout, /^anthropic-proxy start: docker mode \(auto: /);
  t.match(result.stdout, /waiting up to 90s for the container/, '.env (START_TIMEOUT=7) was not read');
  t.match(result.stderr, /warning: the scripts read only the environment, not \.env \(its reader needs Node >= 22\.19\.0 with the dependencies installed: node is 20\.0\.0\); compose still reads \.env for the container/);
  t.ok(calls().includes('compose up -d --build'));
  const withNode = await copy.run('start.sh', [], docker());
  t.match(withNode.stdout, /already running/, 'with the test\'s Node: read, and the container is current');
  const pid = await copy.run('start.sh', ['--mode', 'pid'], { PATH: `${oldNode}:${env.PATH}` });
  t.equal(pid.code, 5, 'pid mode needs that Node');
  t.match(pid.stderr, /error: Node 20\.0\.0 is too old \(pid mode needs Node >= 22\.19\.0\)/);
  t.equal((await copy.run('stop.sh', ['--down'], docker())).code, 0);
});
