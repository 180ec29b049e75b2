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
  t.match(result.stderr, /error: the service stopped during start-up\. The error log says:\n {2}\| anthropic-proxy: cannot listen: port \d+ on 127\.0\.0\.1 is already in use\n {2}full log: logs\/server_error\.log/);
  t.equal(copy.pid(), null, 'no PID file is left behind');
  t.equal((await copy.run('status.sh', ['--quiet'])).code, 3);
  t.equal(errorLogLines().filter((line) => line.includes('already in use')).length, 2, 'the logger line and the one stderr line, each once');
});

t.test('a bad configuration: start fails non-zero and prints the configuration line', async (t) => {
  const result = await copy.run('start.sh', [], { MODEL_MAP_JSON: '[1]' });
  t.equal(result.code, 1, result.stdout + result.stderr);
  t.match(result.stderr, /\| anthropic-proxy: configuration error: MODEL_MAP_JSON="\[1\]" is not a JSON object of strings; for example MODEL_MAP_JSON=/);
  t.notMatch(result.stderr, /already in use/, 'only what this start-up wrote is shown');
  t.equal(copy.pid(), null);
  t.equal(errorLogLines().filter((line) => line.includes('MODEL_MAP_JSON="[1]"')).length, 1, 'written to the error log once');
});

t.test('a process that ignores SIGTERM gets SIGKILL after STOP_TIMEOUT; an unhealthy one gives status 4', async (t) => {
  // A stand-in for the service: healthy on /healthz, "draining" on /, and deaf to SIGTERM.
  writeFileSync(
    copy.path('dist', 'main.js'),
    `import { createServer } from 'node:http';
process.on('SIGTERM', () => {});
createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 503, { 'content-type': 'application/json' });
  res.end(req.url === '/healthz' ? '{"status":"ok"}' : '{"status":"draining"}');
}).listen(${copy.port}, '127.0.0.1');
`,
  );
  const start = await copy.run('start.sh');
  t.equal(start.code, 0, start.stdout + start.stderr);
  const pid = copy.pid()!;

  const status = await copy.run('status.sh');
  t.equal(status.code, 4, status.stdout);
  t.match(status.stdout, /health: +GET http:\S+ -> 503 draining/);
  t.match(status.stdout, /running but not answering as healthy/);

  const stop = await copy.run('stop.sh', [], { STOP_TIMEOUT: '1' });
  t.equal(stop.code, 0, stop.stdout + stop.stderr);
  t.match(stop.stdout, /waiting up to 1s for it to drain:.* still running/);
  t.match(stop.stderr, new RegExp(`PID ${pid} did not stop within 1s \\(STOP_TIMEOUT\\): sending SIGKILL`));
  t.match(stop.stdout, new RegExp(`stopped \\(PID ${pid} killed\\)`));
  t.ok(stop.ms >= 1000, 'it waited for STOP_TIMEOUT first');
  t.ok(await waitFor(() => !alive(pid)), 'the process is gone');
  t.equal(copy.pid(), null, 'the PID file is removed');
});
