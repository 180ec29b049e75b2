// The host scripts in pid mode against the real built service: start, status (text, --json, --quiet),
// double start, stop, a stale PID file after kill -9, restart, run.sh in the foreground, and log files in
// which no line appears twice.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MockUpstream, textStreamEvents } from '../helpers/mock-upstream.ts';
import { alive, exited, projectCopy, REPO, scriptEnv, waitFor } from '../helpers/scripts.ts';
import { SERVICE_ENV, SERVICE_NODE_FLAGS } from '../../scripts/node-flags.ts';

/** How the scripts run the service: node with the flags of package.json (config.node_flags). */
const COMMAND = ['node', ...SERVICE_NODE_FLAGS, 'dist/main.js'].join(' ');
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// Real processes, each start-up loading the whole service: generous but bounded on a busy machine.
t.setTimeout(180_000);

const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const copy = await projectCopy(t, { build: true });
const base = `http://127.0.0.1:${copy.port}`;

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

t.test('start brings the service up and exits 0 only once it is healthy', async (t) => {
  const result = await copy.run('start.sh');
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(firstLine(result.stdout), /^anthropic-proxy start: pid mode \(PROXY_MODE=pid\)$/);
  t.match(result.stdout, /waiting up to 30s for .*\/healthz:.* healthy after \d+\.\ds/);
  const pid = copy.pid();
  t.ok(pid !== null && alive(pid), 'the PID file names a live process');
  t.match(result.stdout, new RegExp(`running \\(PID ${pid}\\) on ${base}`));
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  t.notMatch(result.stdout + result.stderr, /\x1b\[/, 'no colour when not on a terminal');
});

t.test('status reports the running service (text, --json, --quiet, node probe) with exit code 0', async (t) => {
  const pid = copy.pid();
  const text = await copy.run('status.sh');
  t.equal(text.code, 0, text.stdout + text.stderr);
  t.match(firstLine(text.stdout), /^anthropic-proxy status: pid mode \(found: PID file anthropic-proxy\.pid names running PID \d+\)$/);
  t.match(text.stdout, new RegExp(`PID: +${pid}\\n`));
  t.match(text.stdout, new RegExp(`command: +${escaped(COMMAND)}\\n`));
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  for (const [name, value] of Object.entries(SERVICE_ENV)) t.ok(environ.includes(`${name}=${value}`), `started with ${name}=${value} (config.service_env)`);
  t.match(text.stdout, /started: +\S+/);
  t.match(text.stdout, /uptime: +\d+s\n/);
  t.match(text.stdout, new RegExp(`health: +GET ${base}/ -> 200 ok, version ${VERSION.replace(/\./g, '\\.')}, \\d+ ms`));
  t.match(text.stdout, new RegExp(`ready: +GET ${base}/readyz -> 200 ready\\n`));
  t.match(text.stdout, /\nrunning and healthy\n$/);
  t.match(text.stdout, /logs: +logs\/server\.log \(\d+(\.\d)? (B|KiB)\), logs\/server_error\.log \(0 B\)/);

  const json = await copy.run('status.sh', ['--json']);
  t.equal(json.code, 0);
  const report = JSON.parse(json.stdout) as Record<string, any>;
  t.match(report, {
    mode: 'pid',
    state: 'running',
    healthy: true,
    exit_code: 0,
    pid,
    command: COMMAND,
    health: { url: `${base}/`, http_status: 200, status: 'ok', version: VERSION },
    ready: { url: `${base}/readyz`, http_status: 200, status: 'ready' },
  });
  t.type(report.health.latency_ms, 'number');
  t.type(report.uptime_s, 'number');
  t.match(report.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.same(report.logs.map((log: { path: string }) => log.path), [copy.path('logs', 'server.log'), copy.path('logs', 'server_error.log')]);

  const quiet = await copy.run('status.sh', ['--quiet']);
  t.same([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], '--quiet prints nothing');

  const viaNode = await copy.run('status.sh', ['--json'], { PROXY_HTTP: 'node' });
  t.equal(viaNode.code, 0, 'the node probe (for machines without curl) works too');
  t.match(JSON.parse(viaNode.stdout), { health: { http_status: 200, version: VERSION } });
});

t.test('a second start says it is already running, with the PID, and exits 0', async (t) => {
  const pid = copy.pid();
  const result = await copy.run('start.sh');
  t.equal(result.code, 0);
  t.match(result.stdout, new RegExp(`already running \\(PID ${pid}\\)`));
  t.equal(copy.pid(), pid, 'the same process');
});

t.test('stop drains the service with SIGTERM, removes the PID file; then status 3 and stop is a no-op', async (t) => {
  // One request to find in the log afterwards.
  t.equal((await fetch(`${base}/v1/models`, { headers: { 'x-request-id': 'scripts-dedupe-check' } })).status, 200);
  const pid = copy.pid()!;
  const result = await copy.run('stop.sh');
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(firstLine(result.stdout), /^anthropic-proxy stop: pid mode \(found: PID file .* names running PID \d+\)$/);
  t.match(result.stdout, new RegExp(`sent SIGTERM to PID ${pid}.* stopped after`));
  t.notOk(alive(pid), 'the process is gone');
  t.equal(copy.pid(), null, 'the PID file is removed');
  t.notMatch(result.stderr, /SIGKILL/, 'no SIGKILL was needed');

  const status = await copy.run('status.sh');
  t.equal(status.code, 3);
  t.match(status.stdout, /not running \(no PID file at anthropic-proxy\.pid\)/);
  t.match(JSON.parse((await copy.run('status.sh', ['--json'])).stdout), { state: 'stopped', exit_code: 3, pid: null });

  const again = await copy.run('stop.sh');
  t.equal(again.code, 0);
  t.match(again.stdout, /not running \(no PID file/);
});

t.test('the log files hold every line once, and what the service printed only there', async (t) => {
  const mainLog = readFileSync(copy.path('logs', 'server.log'), 'utf8');
  const errorLog = readFileSync(copy.path('logs', 'server_error.log'), 'utf8');
  const lines = mainLog.split('\n').filter((line) => line !== '');
  t.ok(lines.length > 3, 'server.log has lines');
  t.equal(new Set(lines).size, lines.length, 'no line twice in server.log');
  t.ok(lines.every((line) => line.startsWith('{')), 'only logger lines (no copy of stdout)');
  t.equal(lines.filter((line) => line.includes('scripts-dedupe-check')).length, 1, 'one access line for one request');
  t.equal(lines.filter((line) => /Server listening/.test(line)).length, 1, 'one start-up line for one start');
  t.equal(errorLog, '', 'nothing went wrong, so the error log is empty');
});

t.test('a process killed with -9 leaves a stale PID file: status 1, start reports and replaces it', async (t) => {
  t.equal((await copy.run('start.sh')).code, 0);
  const old = copy.pid()!;
  process.kill(old, 'SIGKILL');
  t.ok(await waitFor(() => !alive(old)), 'killed');

  const status = await copy.run('status.sh');
  t.equal(status.code, 1, status.stdout);
  t.match(firstLine(status.stdout), /pid mode \(found: PID file anthropic-proxy\.pid \(stale\)\)/);
  t.match(status.stdout, new RegExp(`dead: stale PID file anthropic-proxy\\.pid \\(PID ${old} is not running\\)`));
  t.equal((await copy.run('status.sh', ['--quiet'])).code, 1);

  const start = await copy.run('start.sh');
  t.equal(start.code, 0, start.stdout + start.stderr);
  t.match(start.stderr, new RegExp(`stale PID file anthropic-proxy\\.pid \\(PID ${old} is not running\\): replacing it`));
  const fresh = copy.pid()!;
  t.not(fresh, old);
  t.ok(alive(fresh));
  t.equal((await copy.run('status.sh', ['--quiet'])).code, 0);
});

t.test('restart stops the running service and brings up a new healthy one', async (t) => {
  const old = copy.pid()!;
  const result = await copy.run('restart.sh');
  t.equal(result.code, 0, result.stdout + result.stderr);
  t.match(firstLine(result.stdout), /^anthropic-proxy restart: pid mode \(found: /);
  t.match(result.stdout, new RegExp(`stopped \\(PID ${old}\\)[\\s\\S]*running \\(PID \\d+\\)`));
  const fresh = copy.pid()!;
  t.not(fresh, old);
  t.notOk(alive(old));
  t.equal((await fetch(`${base}/`)).status, 200);
  t.equal((await copy.run('stop.sh')).code, 0);

  const fromNothing = await copy.run('restart.sh');
  t.equal(fromNothing.code, 0, 'restart with nothing running just starts');
  t.match(fromNothing.stdout, /not running \(no PID file[\s\S]*running \(PID/);
  t.equal((await copy.run('stop.sh')).code, 0);
});

t.test('run.sh runs the service in the foreground as its own process and stops cleanly on SIGTERM', async (t) => {
  const child = spawn(copy.path('run.sh'), [], { cwd: copy.dir, env: scriptEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  copy.track(child.pid!);
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  t.ok(await waitFor(() => out.includes('"Server listening'), 20_000), out);
  t.match(firstLine(out), /^anthropic-proxy run: pid mode \(PROXY_MODE=pid\)$/);
  t.match(out, /node dist\/main\.js in the foreground/);
  t.equal((await fetch(`${base}/healthz`)).status, 200);
  t.match(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'), new RegExp(escaped(COMMAND).replaceAll(' ', '\\0')), 'the script became the service (exec)');
  const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
  for (const [name, value] of Object.entries(SERVICE_ENV)) t.ok(environ.includes(`${name}=${value}`), `with ${name}=${value} (config.service_env)`);
  child.kill('SIGTERM');
  t.equal(await exited(child), 0);
});

t.test('while the service drains after SIGTERM (a stream still open), status says so and exits 4', async (t) => {
  const mock = await MockUpstream.start();
  t.teardown(() => mock.close());
  // The upstream sends the start of a stream and then nothing: the drain waits on it until SHUTDOWN_TIMEOUT_MS.
  mock.setHandler(() => ({ kind: 'sse', events: textStreamEvents(['a']).slice(0, 3), after: 'hang' }));
  const start = await copy.run('start.sh', [], { UPSTREAM_BASE: mock.url, SHUTDOWN_TIMEOUT_MS: '20000' });
  t.equal(start.code, 0, start.stdout + start.stderr);
  const pid = copy.pid()!;
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const stream = await fetch(`${base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'x' }] }),
    signal: controller.signal,
  });
  t.equal(stream.status, 200);
  await mock.waitForRequests(1);

  process.kill(pid, 'SIGTERM');
  let status = await copy.run('status.sh');
  for (let tries = 0; status.code === 0 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await copy.run('status.sh');
  }
  t.equal(status.code, 4, status.stdout + status.stderr);
  t.match(status.stdout, /state: +draining\n/);
  t.match(status.stdout, new RegExp(`health: +GET ${base}/ -> 200 ok`), 'GET / still answers 200 while draining');
  t.match(status.stdout, new RegExp(`ready: +GET ${base}/readyz -> 503 draining\\n`));
  t.match(status.stdout, /running but draining \(GET \/readyz -> 503\): it is shutting down and refuses new requests\n$/);
  t.match(JSON.parse((await copy.run('status.sh', ['--json'])).stdout), { state: 'draining', healthy: false, exit_code: 4, pid });
  t.equal((await copy.run('status.sh', ['--quiet'])).code, 4);
  t.ok(alive(pid), 'still draining');

  // The client goes away: nothing is in flight any more, so the drain ends and the process exits.
  controller.abort();
  t.ok(await waitFor(() => !alive(pid), 10_000), 'the drain ended');
  const after = await copy.run('status.sh');
  t.equal(after.code, 1, after.stdout);
  t.equal((await copy.run('stop.sh')).code, 0, 'stop clears the PID file');
});
