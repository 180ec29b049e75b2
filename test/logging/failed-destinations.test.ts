// A log destination that fails must not stop the real process from serving or from exiting: LOG_DIR on a
// full filesystem (ENOSPC), stdout a pipe whose reader has exited (EPIPE), stdout a pipe whose reader
// stopped reading. Lines are dropped and counted, the failure is reported once on stderr and in /readyz,
// and SIGTERM still exits 0 within SHUTDOWN_TIMEOUT_MS plus a second.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { freePort, startService, waitUntilUp, type RunningService } from '../helpers/process.ts';

const SHUTDOWN_MS = 1500;
type Teardown = { teardown(fn: () => unknown): void };

/**
 * A LOG_DIR on a full filesystem: a small tmpfs filled up where the test may mount one (root), else log
 * files that are /dev/full (every write fails with ENOSPC, like a full disk).
 */
function fullLogDir(t: Teardown): { logDir: string; kind: string } {
  const root = mkdtempSync(join(tmpdir(), 'proxy-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', root], { stdio: 'ignore' });
  } catch {
    const logDir = join(root, 'logs');
    mkdirSync(logDir);
    for (const name of ['server.log', 'server_error.log']) symlinkSync('/dev/full', join(logDir, name));
    return { logDir, kind: '/dev/full' };
  }
  t.teardown(() => execFileSync('umount', ['-l', root]));
  const logDir = join(root, 'logs');
  mkdirSync(logDir);
  const filler = openSync(join(root, 'filler'), 'w');
  try {
    for (;;) writeSync(filler, Buffer.alloc(4096));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(filler);
  }
  return { logDir, kind: 'tmpfs' };
}

/** A real pipe (a FIFO): the read end stays with the test, the write end becomes the service's stdout. */
function stdoutPipe(): { readFd: number; writeFd: number } {
  const fifo = join(mkdtempSync(join(tmpdir(), 'proxy-fifo-')), 'stdout');
  execFileSync('mkfifo', [fifo]);
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(fifo, constants.O_WRONLY);
  return { readFd, writeFd };
}

async function start(t: Teardown, env: Record<string, string>, stdout?: number): Promise<{ service: RunningService; base: string }> {
  const port = await freePort();
  const service = startService({ PORT: String(port), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_MS), UPSTREAM_BASE: 'http://127.0.0.1:9', ...env }, mkdtempSync(join(tmpdir(), 'proxy-sinks-')), { stdout });
  t.teardown(() => void service.child.kill('SIGKILL'));
  const base = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${base}/healthz`);
  return { service, base };
}

/** Bounded: a wedged service fails the test instead of hanging it. */
const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(3000) });

async function serves(t: Test, base: string, requests: number): Promise<void> {
  let ok = 0;
  for (let i = 0; i < requests; i++) if ((await get(`${base}/v1/models`)).status === 200) ok++;
  t.equal(ok, requests, `${requests} requests answered`);
  t.equal((await get(`${base}/healthz`)).status, 200, 'liveness answers');
}

async function exitsInTime(t: Test, service: RunningService): Promise<void> {
  const signalled = Date.now();
  service.child.kill('SIGTERM');
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), SHUTDOWN_MS + 3000).unref());
  const exit = await Promise.race([service.exited, timeout]);
  t.not(exit, 'hung', 'SIGTERM ends the process');
  if (exit === 'hung') return;
  t.equal(exit.code, 0, 'exit 0');
  t.ok(Date.now() - signalled < SHUTDOWN_MS + 1000, `within SHUTDOWN_TIMEOUT_MS + 1 s (${Date.now() - signalled} ms)`);
}

async function metric(base: string, name: string, sink: string): Promise<number> {
  const text = await (await get(`${base}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{sink="${sink}"}`));
  return line === undefined ? Number.NaN : Number(line.split(' ').at(-1));
}

t.test('LOG_DIR on a full filesystem: serving goes on, lines are dropped and counted, SIGTERM exits', async (t) => {
  const { logDir, kind } = fullLogDir(t);
  t.comment(`full filesystem: ${kind}`);
  const { service, base } = await start(t, { LOG_DIR: logDir });
  await serves(t, base, 60);
  const ready = await get(`${base}/readyz`);
  t.equal(ready.status, 200, 'still ready: the service serves');
  t.match(await ready.json(), { status: 'ready', log_failures: [{ sink: 'server.log', error: /^ENOSPC on .*server\.log$/, dropped_lines: Number }] });
  t.ok((await metric(base, 'proxy_log_lines_dropped_total', 'server.log')) >= 60, 'every access line dropped is counted');
  t.equal(await metric(base, 'proxy_log_sink_failed', 'server.log'), 1);
  t.equal(await metric(base, 'proxy_log_sink_failed', 'stdout'), 0);
  await serves(t, base, 20);
  const reports = service.stderr().split('\n').filter((line) => line.includes('server.log failed'));
  t.equal(reports.length, 1, 'reported once on stderr');
  t.match(reports[0], /ENOSPC/);
  t.match(service.stdout(), /log destination failed.*"sink":"server.log"|"sink":"server.log".*log destination failed/, 'and on the destinations that work');
  await exitsInTime(t, service);
});

t.test('stdout a pipe whose reader has exited (EPIPE), found at exit: SIGTERM still exits 0 in time', async (t) => {
  const { readFd, writeFd } = stdoutPipe();
  const { service } = await start(t, { LOG_DIR: '' }, writeFd);
  closeSync(writeFd);
  closeSync(readFd);
  await exitsInTime(t, service);
});

t.test('stdout a pipe whose reader has exited (EPIPE): serving goes on, the failure is counted and reported', async (t) => {
  const { readFd, writeFd } = stdoutPipe();
  const { service, base } = await start(t, { LOG_DIR: '' }, writeFd);
  closeSync(writeFd);
  closeSync(readFd);
  await serves(t, base, 30);
  t.match(await (await get(`${base}/readyz`)).json(), { status: 'ready', log_failures: [{ sink: 'stdout', error: 'EPIPE' }] });
  t.ok((await metric(base, 'proxy_log_lines_dropped_total', 'stdout')) > 0, 'dropped lines counted');
  await serves(t, base, 10);
  t.equal(service.stderr().split('\n').filter((line) => line.includes('stdout failed')).length, 1, 'reported once on stderr');
  await exitsInTime(t, service);
});

t.test('stdout a pipe whose reader stopped reading: serving goes on and SIGTERM exits 0 in time', async (t) => {
  const { readFd, writeFd } = stdoutPipe();
  // The pipe is full before the service writes a line, as behind a log shipper that stopped reading.
  const fill = openSync(`/proc/self/fd/${writeFd}`, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    for (;;) writeSync(fill, Buffer.alloc(4096, 0x0a));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  } finally {
    closeSync(fill);
  }
  t.teardown(() => closeSync(readFd));
  const { service, base } = await start(t, { LOG_DIR: '', LOG_LEVEL: 'debug' }, writeFd);
  closeSync(writeFd);
  await serves(t, base, 100);
  t.equal((await get(`${base}/readyz`)).status, 200);
  await exitsInTime(t, service);
});
