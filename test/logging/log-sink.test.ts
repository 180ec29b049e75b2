// The log destinations on their own, on real files and fds: a removed LOG_DIR is created again, a failed
// file sink writes again once it can (and says so once), a stream whose reader stalls holds a bounded
// backlog, and nothing ever throws into the caller.
import { EventEmitter } from 'node:events';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
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

/** log-sink.ts with node:fs's asynchronous write counted, and started `delayMs` late (the real write still happens). */
async function countingFileSink(t: Test, delayMs = 0): Promise<{ FileSink: typeof FileSink; writes: string[] }> {
  const fs = await import('node:fs');
  const writes: string[] = [];
  const write = ((fd: number, buffer: Buffer, offset: number, length: number, position: null, callback: (error: NodeJS.ErrnoException | null, written: number) => void) => {
    writes.push(buffer.toString('utf8', offset, offset + length));
    if (delayMs === 0) fs.write(fd, buffer, offset, length, position, callback);
    else setTimeout(() => fs.write(fd, buffer, offset, length, position, callback), delayMs);
  }) as typeof fs.write;
  const module = await t.mockImport<typeof import('../../src/log-sink.ts')>('../../src/log-sink.ts', { 'node:fs': { ...fs, write } });
  return { FileSink: module.FileSink, writes };
}

t.test('a file sink writes the lines of one event-loop turn with one write, in order', async (t) => {
  const { FileSink: CountedSink, writes } = await countingFileSink(t);
  const path = join(mkdtempSync(join(tmpdir(), 'proxy-sink-')), 'turn.log');
  const sink = new CountedSink('turn.log', { path });
  t.teardown(() => sink.close());
  const lines = Array.from({ length: 200 }, (_, i) => `line ${i}\n`);
  for (const line of lines) sink.write(line);
  t.same(writes, [], 'nothing written before the turn is over');
  t.ok(await sink.flush(1000));
  t.equal(writes.length, 1, 'one write');
  t.equal(readFileSync(path, 'utf8'), lines.join(''), 'every line, in order');
});

t.test('under steady logging a file sink writes at most once per interval, every line kept in order', async (t) => {
  const { FileSink: CountedSink, writes } = await countingFileSink(t);
  const path = join(mkdtempSync(join(tmpdir(), 'proxy-sink-')), 'steady.log');
  const sink = new CountedSink('steady.log', { path }, { writeIntervalMs: 50 });
  t.teardown(() => sink.close());
  const lines: string[] = [];
  const started = performance.now();
  // A line or two per event-loop turn for about 300 ms, as a busy proxy writes access lines.
  for (let i = 0; performance.now() - started < 300; i++) {
    lines.push(`request ${i}\n`);
    sink.write(lines.at(-1)!);
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.ok(await sink.flush(1000));
  const elapsed = performance.now() - started;
  t.ok(lines.length > 100, `${lines.length} lines`);
  t.ok(writes.length <= Math.ceil(elapsed / 50) + 1, `${writes.length} writes for ${lines.length} lines in ${elapsed.toFixed(0)} ms`);
  t.equal(readFileSync(path, 'utf8'), lines.join(''), 'every line, in order');
});

t.test('a file sink writes a line after a quiet spell at the end of its turn, and flush() writes what waits at once', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'proxy-sink-')), 'quiet.log');
  const sink = new FileSink('quiet.log', { path }, { writeIntervalMs: 60_000 });
  t.teardown(() => sink.close());
  sink.write('first\n');
  t.ok(await until(() => readFileSync(path, 'utf8') === 'first\n', 2000), 'the first line does not wait for the interval');
  sink.write('second\n');
  await sleep(100);
  t.equal(readFileSync(path, 'utf8'), 'first\n', 'a line within the interval waits');
  t.ok(await sink.flush(1000), 'flush writes it without waiting for the interval');
  t.equal(readFileSync(path, 'utf8'), 'first\nsecond\n');
});

t.test('lines a file sink batched for a destination that fails are all dropped and counted', async (t) => {
  const events = recordingEvents();
  const sink = new FileSink('full', { fd: openSync('/dev/full', 'w') }, { events });
  for (let i = 0; i < 10; i++) sink.write(`line ${i}\n`);
  t.equal(await sink.flush(1000), false);
  t.equal(sink.failure, 'ENOSPC');
  t.equal(sink.droppedLines, 10, 'the ten lines of the failed write');
  sink.write('later\n');
  t.equal(sink.droppedLines, 11);
  t.same(events.log, ['failed full: ENOSPC']);
});

t.test('behind a write in flight, flush() and close() write the waiting lines at once, and close() closes after them', async (t) => {
  const { FileSink: SlowSink, writes } = await countingFileSink(t, 100);
  const path = join(mkdtempSync(join(tmpdir(), 'proxy-sink-')), 'slow.log');
  const sink = new SlowSink('slow.log', { path }, { writeIntervalMs: 60_000 });
  t.teardown(() => sink.close());
  sink.write('one\n');
  await sleep(20);
  t.same(writes, ['one\n'], 'the first write is in flight');
  sink.write('two\n');
  const started = performance.now();
  t.ok(await sink.flush(2000), 'flush does not wait for the interval');
  t.ok(performance.now() - started < 1000, 'nor for its flush timeout');
  t.equal(readFileSync(path, 'utf8'), 'one\ntwo\n');

  const closedPath = join(dirname(path), 'closed.log');
  const closed = new SlowSink('closed.log', { path: closedPath }, { writeIntervalMs: 60_000 });
  closed.write('three\n');
  await sleep(20);
  t.same(writes.slice(2), ['three\n'], 'a write is in flight');
  closed.write('four\n');
  closed.close();
  closed.write('after close\n');
  t.ok(await until(() => readFileSync(closedPath, 'utf8').endsWith('four\n'), 2000), 'the line waiting at close is written');
  t.equal(readFileSync(closedPath, 'utf8'), 'three\nfour\n', 'every line in order, none after close');
  t.equal(closed.droppedLines, 1, 'the line after close is dropped and counted');
  t.ok(await until(() => closed.failure !== null, 1000));
  t.equal(closed.failure, 'closed');
});

t.test('a file sink whose write stalls (a full pipe) holds at most its backlog, the write in flight included', async (t) => {
  const fifo = join(mkdtempSync(join(tmpdir(), 'proxy-fifo-')), 'out');
  execFileSync('mkfifo', [fifo]);
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  t.teardown(() => {
    closeSync(writeFd);
    closeSync(readFd);
  });
  let filled = 0;
  try {
    for (;;) filled += writeSync(writeFd, Buffer.alloc(4096, 0x2e));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
  const sink = new FileSink('pipe', { fd: writeFd }, { maxBacklogBytes: 1000 });
  const line = (c: string) => `${c.repeat(99)}\n`;
  for (let i = 0; i < 5; i++) sink.write(line('a'));
  await sleep(30);
  for (let i = 0; i < 50; i++) sink.write(line('b'));
  t.equal(sink.droppedLines, 45, 'five lines in flight and five waiting fill the 1000 bytes; the rest dropped and counted');
  t.equal(sink.failure, null, 'a full pipe is not a failure');

  // The reader catches up: what the sink held arrives whole and in order.
  const chunks: Buffer[] = [];
  let received = 0;
  const deadline = Date.now() + 5000;
  while (received < filled + 1000 && Date.now() < deadline) {
    const buffer = Buffer.alloc(65536);
    try {
      const read = readSync(readFd, buffer);
      chunks.push(buffer.subarray(0, read));
      received += read;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      await sleep(10);
    }
  }
  t.equal(Buffer.concat(chunks).subarray(filled).toString(), line('a').repeat(5) + line('b').repeat(5));
  t.ok(await sink.flush(1000));
});
