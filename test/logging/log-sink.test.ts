// The log destinations on their own, on real files and fds: a removed LOG_DIR is created again, a failed
// file sink writes again once it can (and says so once), a stream whose reader stalls holds a bounded
// backlog, and nothing ever throws into the caller.
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { FileSink, StreamSink, type LogSink, type SinkEvents } from '../../src/log-sink.ts';
import { createLogger, logHealthOf } from '../../src/logging.ts';
import { testConfig } from '../helpers/app.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await sleep(20);
  return check();
}

function recordingEvents(): SinkEvents & { log: string[] } {
  const log: string[] = [];
  return { log, failed: (sink) => void log.push(`failed ${sink.name}: ${sink.failure}`), recovered: (sink) => void log.push(`recovered ${sink.name}`) };
}

t.test('a LOG_DIR removed while the service runs is created again, and both files written', async (t) => {
  const logDir = join(mkdtempSync(join(tmpdir(), 'proxy-sink-')), 'logs');
  const lines: string[] = [];
  const logger = createLogger(testConfig({ LOG_DIR: logDir }), [], { stdout: { write: (line: string) => void lines.push(line) }, checkIntervalMs: 30 });
  t.teardown(() => logHealthOf(logger)!.close());
  logger.info('before');
  t.ok(await logHealthOf(logger)!.flush(1000));
  rmSync(logDir, { recursive: true });
  t.ok(await until(() => existsSync(join(logDir, 'server.log')) && existsSync(join(logDir, 'server_error.log'))), 'the folder and files are back');
  logger.info('after removal');
  logger.error('an error after removal');
  t.ok(await logHealthOf(logger)!.flush(1000));
  t.match(readFileSync(join(logDir, 'server.log'), 'utf8'), /after removal.*\n.*an error after removal/);
  t.match(readFileSync(join(logDir, 'server_error.log'), 'utf8'), /an error after removal/);
  t.same(logHealthOf(logger)!.failures(), []);
});

t.test('a file sink that cannot open its file fails once, drops lines, and writes again once it can', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-sink-'));
  const blocker = join(dir, 'blocker');
  writeFileSync(blocker, '');
  const events = recordingEvents();
  const sink = new FileSink('x.log', { path: join(blocker, 'x.log') }, { events, checkIntervalMs: 30 });
  t.teardown(() => sink.close());
  t.match(sink.failure, /^EEXIST on .*blocker$/, 'the error and the path at fault');
  sink.write('lost 1\n');
  sink.write('lost 2\n');
  t.equal(sink.droppedLines, 2);
  t.equal(await sink.flush(100), false, 'a failed sink does not claim its lines were written');
  await sleep(100);
  t.same(events.log, [`failed x.log: ${sink.failure}`], 'reported once, though it is tried again at every check');
  rmSync(blocker);
  t.ok(await until(() => sink.failure === null), 'the folder is created at the next check');
  sink.write('kept\n');
  t.ok(await sink.flush(1000));
  t.equal(readFileSync(join(blocker, 'x.log'), 'utf8'), 'kept\n');
  t.same(events.log.slice(1), ['recovered x.log'], 'recovery reported once');
});

t.test('writes that fail (ENOSPC: /dev/full) mark the sink failed, sync and async alike; nothing throws', async (t) => {
  for (const sync of [false, true]) {
    const events = recordingEvents();
    const sink = new FileSink('full', { fd: openSync('/dev/full', 'w') }, { sync, events });
    t.doesNotThrow(() => sink.write('one\n'));
    if (!sync) t.equal(await sink.flush(1000), false);
    t.equal(sink.failure, 'ENOSPC', sync ? 'sync' : 'async');
    sink.write('two\n');
    t.equal(sink.droppedLines, 2);
    t.same(events.log, ['failed full: ENOSPC']);
  }
});

/** A stream whose reader never takes anything (what a stalled pipe looks like to the sink). */
class StalledStream extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  written: string[] = [];
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.writableLength += chunk.length;
    return false;
  }
}

t.test('a stream sink holds a bounded backlog for a stalled reader, and fails on a stream error', async (t) => {
  const stream = new StalledStream();
  const events = recordingEvents();
  const sink: LogSink = new StreamSink('stdout', stream, { maxBacklogBytes: 1000, events });
  const line = `${'x'.repeat(99)}\n`;
  for (let i = 0; i < 50; i++) sink.write(line);
  await sleep(10);
  t.equal(stream.writableLength, 1000, 'ten lines held');
  t.equal(sink.droppedLines, 40, 'the rest dropped and counted');
  t.equal(stream.written.length, 1, 'one write for the lines of one event-loop turn');
  t.equal(await sink.flush(50), false, 'flush gives up instead of waiting for a reader that does not read');
  t.equal(sink.failure, null, 'a stalled reader is not a failure');
  stream.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
  t.equal(sink.failure, 'EPIPE');
  sink.write(line);
  t.equal(sink.droppedLines, 41);
  t.same(events.log, ['failed stdout: EPIPE']);
});
