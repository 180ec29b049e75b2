// start.sh when the service cannot come up (port in use, bad configuration): a non-zero exit with the
// reason taken from logs/server_error.log; and stop.sh against a process that ignores SIGTERM: SIGKILL after
// STOP_TIMEOUT. The last test swaps dist/main.js for a fake service, so it stays last.
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:net';
import t from 'tap';
import { alive, projectCopy, waitFor } from '../helpers/scripts.ts';

// Real processes, each start-up loading the whole service: generous but bounded on a busy machine.
t.setTimeout(180_000);

const copy = await projectCopy(t, { build: true });

function errorLogLines(): string[] {
  return readFileSync(copy.path('logs', 'server_error.log'), 'utf8').split('\n').filter((line) => line !== '');
}

t.test('a port already in use: start fails non-zero with the reason from the error log', async (t) => {
  const blocker = createServer();
  blocker.listen(copy.port, '127.0.0.1');
  await once(blocker, 'listening');
  t.teardown(() => void blocker.close());

  const result = await copy.run('start.sh');
  t.equal(result.code, 1, result.stdout + result.stderr);
  t.match(result.stdout, /^anthropic-proxy start: pid mode/);
  t.match(result.stdout, /healthz:.* stopped\n/);
  t.match(result.stderr, /error: the service stopped during start-up\. The error log says:\n {2}\| cannot listen: port \d+ on 127\.0\.0\.1 is already in use\n {2}full log: logs\/server_error\.log/);
  t.equal(copy.pid(), null, 'no PID file is left behind');
  t.equal((await copy.run('status.sh', ['--quiet'])).code, 3);
  t.equal(errorLogLines().filter((line) => line.includes('already in use')).length, 1, 'the reason is written once');
});

t.test('a bad configuration: start fails non-zero and prints the configuration line', async (t) => {
  const result = await copy.run('start.sh', [], { MODEL_MAP_JSON: '[1]' });
  t.equal(result.code, 1, result.stdout + result.stderr);
  t.match(result.stderr, /\| anthropic-proxy: configuration error: MODEL_MAP_JSON="\[1\]" is not a JSON object of strings; for example MODEL_MAP_JSON=/);
  t.notMatch(result.stderr, /already in use/, 'only what this start-up wrote is shown');
  t.equal(copy.pid(), null);
  t.equal(errorLogLines().filter((line) => line.includes('MODEL_MAP_JSON="[1]"')).length, 1, 'written to the error log once');
});

t.test('a process that ignores SIGTERM gets SIGKILL after STOP_TIMEOUT; a not-ready one gives status 4', async (t) => {
  // A stand-in for the service, deaf to SIGTERM, answering as the real one does while it drains: 200 on /
  // and /healthz, 503 "draining" on /readyz.
  writeFileSync(
    copy.path('dist', 'main.js'),
    `import { createServer } from 'node:http';
process.on('SIGTERM', () => {});
createServer((req, res) => {
  const [code, body] = req.url === '/readyz'
    ? [503, { status: 'draining' }]
    : req.url === '/' ? [200, { status: 'ok', service: 'anthropic-proxy', version: '9.9.9' }] : [200, { status: 'ok' }];
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}).listen(${copy.port}, '127.0.0.1');
`,
  );
  const start = await copy.run('start.sh');
  t.equal(start.code, 0, start.stdout + start.stderr);
  const pid = copy.pid()!;

  const status = await copy.run('status.sh');
  t.equal(status.code, 4, status.stdout);
  t.match(status.stdout, /state: +draining\n/);
  t.match(status.stdout, /health: +GET http:\S+\/ -> 200 ok, version 9\.9\.9/, 'GET / still reports the version');
  t.match(status.stdout, /ready: +GET http:\S+\/readyz -> 503 draining\n/);
  t.match(status.stdout, /running but draining \(GET \/readyz -> 503\): it is shutting down and refuses new requests/);
  t.match(JSON.parse((await copy.run('status.sh', ['--json'])).stdout), {
    state: 'draining',
    healthy: false,
    exit_code: 4,
    health: { http_status: 200, status: 'ok', version: '9.9.9' },
    ready: { url: `http://127.0.0.1:${copy.port}/readyz`, http_status: 503, status: 'draining' },
  });

  const stop = await copy.run('stop.sh', [], { STOP_TIMEOUT: '1' });
  t.equal(stop.code, 0, stop.stdout + stop.stderr);
  t.match(stop.stdout, /waiting up to 1s for it to drain:.* still running/);
  t.match(stop.stderr, new RegExp(`PID ${pid} did not stop within 1s \\(STOP_TIMEOUT\\): sending SIGKILL`));
  t.match(stop.stdout, new RegExp(`stopped \\(PID ${pid} killed\\)`));
  t.ok(stop.ms >= 1000, 'it waited for STOP_TIMEOUT first');
  t.ok(await waitFor(() => !alive(pid)), 'the process is gone');
  t.equal(copy.pid(), null, 'the PID file is removed');
});
