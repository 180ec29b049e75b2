// A LOG_DIR that cannot be written (in containers: a root-owned bind mount, a read-only root filesystem)
// must not stop the service: it warns once and keeps logging to stdout. The folder is made unusable by
// putting it under a regular file, which fails even for root (ENOTDIR), unlike a chmod.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createLogger, logDirProblem, logFilePaths } from '../../src/logging.ts';
import { testConfig } from '../helpers/app.ts';
import { freePort, startService, waitUntilUp } from '../helpers/process.ts';

function unusableLogDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-logdir-'));
  writeFileSync(join(dir, 'not-a-folder'), '');
  return join(dir, 'not-a-folder', 'logs');
}

t.test('logDirProblem names the error and the path, and is null for a usable folder', async (t) => {
  const bad = unusableLogDir();
  t.match(logDirProblem(logFilePaths(bad)!, bad), /^ENOTDIR on .*not-a-folder/);
  const good = join(mkdtempSync(join(tmpdir(), 'proxy-logdir-')), 'created', 'logs');
  t.equal(logDirProblem(logFilePaths(good)!, good), null);
});

t.test('createLogger warns and keeps logging to stdout when LOG_DIR is not writable', async (t) => {
  const lines: string[] = [];
  const logDir = unusableLogDir();
  const logger = createLogger(testConfig({ LOG_DIR: logDir }), [], { stdout: { write: (line: string) => void lines.push(line) } });
  logger.info('still here');
  const records = lines.map((line) => JSON.parse(line));
  t.equal(records.length, 2);
  t.match(records[0], { level: 40, msg: 'LOG_DIR is not writable: logging to stdout only', log_dir: logDir, problem: /ENOTDIR/ });
  t.match(records[1], { level: 30, msg: 'still here' });
});

t.test('the real service starts and serves with an unwritable LOG_DIR', async (t) => {
  const port = await freePort();
  const service = startService({ PORT: String(port), LOG_DIR: unusableLogDir() }, mkdtempSync(join(tmpdir(), 'proxy-main-')));
  t.teardown(() => void service.child.kill('SIGKILL'));
  await waitUntilUp(`http://127.0.0.1:${port}/healthz`);
  service.child.kill('SIGTERM');
  t.equal((await service.exited).code, 0);
  t.match(service.stdout(), /LOG_DIR is not writable: logging to stdout only/);
});
