// Log destinations that can fail without taking the service with them. A write error (a full disk, a
// stdout pipe whose reader has gone) marks the sink failed: from then on its lines are dropped and counted,
// nothing is retried synchronously, and the failure is reported once. A destination that stalls (a log
// shipper that stops reading) holds at most `maxBacklogBytes`; lines beyond that are dropped too. Nothing
// here ever blocks the event loop on a write, so logging can neither stop serving nor delay exit. Lines are
// written together, never one write per line: a busy proxy logs a line per request, and each write costs a
// system call (files: a hand-off to libuv's thread pool and back).
import { close, fstat, mkdir, mkdirSync, open, openSync, stat, write, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** A queued backlog beyond this (per sink) is dropped rather than held in memory. */
export const DEFAULT_MAX_BACKLOG_BYTES = 8 * 1024 * 1024;
/** How often a file sink checks that its file still exists (and a failed one tries again). */
export const DEFAULT_CHECK_INTERVAL_MS = 5000;
/** Pause before retrying a write the destination refused for now (EAGAIN on a non-blocking fd). */
const BUSY_RETRY_MS = 50;
/**
 * A file sink writes at most once per this long: lines that come sooner wait for the next write, so that under
 * load a write carries many lines (measured: one asynchronous write per line or few cost a busy proxy about a
 * thread-pool round trip and a futex wake-up per request). After a quiet spell a line goes at the end of its
 * event-loop turn.
 */
export const DEFAULT_WRITE_INTERVAL_MS = 10;
/** How long close() lets a write in flight finish before it closes the file anyway. */
const CLOSE_WAIT_MS = 1000;

export interface SinkEvents {
  /** The sink stopped writing; called once per failure (not again until it has recovered). */
  failed(sink: LogSink): void;
  /** A failed sink writes again. */
  recovered(sink: LogSink): void;
}

export interface LogSink {
  /** `stdout`, `server.log`, `server_error.log`. */
  readonly name: string;
  /** Never throws, never blocks. */
  write(line: string): void;
  /** Why the sink stopped writing (`EPIPE`, `ENOSPC on logs/server.log`), or null while it works. */
  readonly failure: string | null;
  /** Lines lost: written while the sink had failed, or beyond its backlog. */
  readonly droppedLines: number;
  /** Resolves once every queued line is written (true), or when `timeoutMs` ran out or the sink failed (false). */
  flush(timeoutMs: number): Promise<boolean>;
  close(): void;
}

const NO_EVENTS: SinkEvents = { failed() {}, recovered() {} };

function describe(error: unknown, where: string | null): string {
  const err = error as NodeJS.ErrnoException | null;
  const code = err?.code ?? err?.message ?? String(error);
  return where ? `${code} on ${err?.path ?? where}` : code;
}

abstract class BaseSink implements LogSink {
  failure: string | null = null;
  droppedLines = 0;
  private reported = false;
  private idleWaiters: Array<(done: boolean) => void> = [];

  readonly name: string;
  protected readonly events: SinkEvents;

  constructor(name: string, events: SinkEvents) {
    this.name = name;
    this.events = events;
  }

  abstract write(line: string): void;
  abstract close(): void;
  /** Nothing queued and nothing in flight. */
  protected abstract get idle(): boolean;

  protected drop(lines: number): void {
    this.droppedLines += lines;
  }

  protected fail(error: unknown, where: string | null, lostLines: number): void {
    this.drop(lostLines);
    if (this.failure !== null) return;
    this.failure = describe(error, where);
    if (!this.reported) {
      this.reported = true;
      this.events.failed(this);
    }
    this.settleWaiters();
  }

  /** A write went through after a failure was cleared. */
  protected wroteAgain(): void {
    if (!this.reported) return;
    this.reported = false;
    this.events.recovered(this);
  }

  /** Someone waits in flush() (then queued lines go at once, not after the write interval). */
  protected get flushWaiting(): boolean {
    return this.idleWaiters.length > 0;
  }

  protected settleWaiters(): void {
    if (!this.idle && this.failure === null) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve(this.failure === null);
  }

  flush(timeoutMs: number): Promise<boolean> {
    if (this.failure !== null) return Promise.resolve(false);
    if (this.idle) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      this.idleWaiters.push(done);
    });
  }
}

export interface FileSinkOptions {
  /** Write each line at once with a blocking call (tests that read the file right after a request). */
  sync?: boolean;
  maxBacklogBytes?: number;
  /** At most one write per this many ms (DEFAULT_WRITE_INTERVAL_MS). Ignored when `sync`. */
  writeIntervalMs?: number;
  checkIntervalMs?: number;
  events?: SinkEvents;
}

/**
 * Writes to a file by path (reopened, folder included, when it was removed or replaced; a failed one is
 * tried again at each check) or to an inherited fd such as stdout redirected to a file. Asynchronous: lines
 * are queued and go out together in one write, at the end of the event-loop turn, or, when the last write
 * started less than `writeIntervalMs` ago or is still in flight, once that interval is over.
 */
export class FileSink extends BaseSink {
  private fd: number | null = null;
  private readonly path: string | null;
  private readonly sync: boolean;
  private readonly maxBacklogBytes: number;
  private queue: string[] = [];
  private queuedBytes = 0;
  private inFlightLines = 0;
  private inFlightBytes = 0;
  private writing = false;
  /** close() was called: new lines are dropped, queued ones still written, then the file is closed. */
  private closing = false;
  /** A write of the queue is due (at the end of this turn, or when the interval is over). */
  private scheduled = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private intervalTimer: NodeJS.Timeout | null = null;
  private readonly writeIntervalMs: number;
  private reopening = false;
  private readonly checkTimer: NodeJS.Timeout | null = null;

  constructor(name: string, target: { path: string } | { fd: number }, options: FileSinkOptions = {}) {
    super(name, options.events ?? NO_EVENTS);
    this.sync = options.sync ?? false;
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    this.writeIntervalMs = options.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS;
    if ('fd' in target) {
      this.path = null;
      this.fd = target.fd;
      return;
    }
    this.path = target.path;
    this.openFile();
    this.checkTimer = setInterval(() => this.check(), options.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS);
    this.checkTimer.unref();
  }

  protected get idle(): boolean {
    return !this.writing && this.queue.length === 0;
  }

  write(line: string): void {
    if (this.failure !== null || this.fd === null || this.closing) {
      this.drop(1);
      return;
    }
    if (this.sync) {
      this.writeNow(line);
      return;
    }
    // The backlog is everything not yet written: the lines waiting and those of a write still in flight.
    if (this.inFlightBytes + this.queuedBytes + line.length > this.maxBacklogBytes) {
      this.drop(1);
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (!this.writing && !this.scheduled) this.scheduleWrite();
  }

  /** Queued lines are written at once (exit, close), not at the end of the interval. */
  override flush(timeoutMs: number): Promise<boolean> {
    this.writeScheduled();
    return super.flush(timeoutMs);
  }

  /**
   * The timer is not unref'd: it fires within `writeIntervalMs` and carries lines that would be lost if the
   * process ended without it (exits in main.ts flush first, which writes at once).
   */
  private scheduleWrite(): void {
    this.scheduled = true;
    const wait = this.lastWriteAt + this.writeIntervalMs - performance.now();
    if (wait > 0) this.intervalTimer = setTimeout(this.writeScheduled, wait);
    else setImmediate(this.writeScheduled);
  }

  /** Writes what is queued, if a write is due; a flush may come first (then the timer is cleared). */
  private readonly writeScheduled = (): void => {
    if (!this.scheduled || this.writing) return;
    this.scheduled = false;
    if (this.intervalTimer !== null) {
      clearTimeout(this.intervalTimer);
      this.intervalTimer = null;
    }
    if (this.queue.length === 0) return;
    if (this.failure !== null || this.fd === null) {
      // Failed (a reopen that did not work) or closed while the lines waited: dropped like later ones.
      this.drop(this.queue.length);
      this.queue = [];
      this.queuedBytes = 0;
      this.settleWaiters();
      return;
    }
    this.writeQueued();
  };

  private writeNow(line: string): void {
    try {
      const bytes = Buffer.from(line);
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd!, bytes, offset);
      this.wroteAgain();
    } catch (error) {
      this.fail(error, this.path, 1);
    }
  }

  private writeQueued(): void {
    this.lastWriteAt = performance.now();
    const bytes = Buffer.from(this.queue.length === 1 ? this.queue[0] : this.queue.join(''));
    this.inFlightLines = this.queue.length;
    this.inFlightBytes = this.queuedBytes;
    this.queue = [];
    this.queuedBytes = 0;
    this.writing = true;
    this.writeFrom(this.fd!, bytes, 0);
  }

  /** The rest of a write goes to the fd it began on, even if the file was reopened meanwhile. */
  private writeFrom(fd: number, bytes: Buffer, offset: number): void {
    write(fd, bytes, offset, bytes.length - offset, null, (error, written) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EBUSY') {
          setTimeout(() => this.writeFrom(fd, bytes, offset), BUSY_RETRY_MS).unref();
          return;
        }
        this.writing = false;
        const lost = this.inFlightLines + this.queue.length;
        this.inFlightBytes = 0;
        this.queue = [];
        this.queuedBytes = 0;
        this.fail(error, this.path, lost);
        return;
      }
      if (offset + written < bytes.length) {
        this.writeFrom(fd, bytes, offset + written);
        return;
      }
      this.writing = false;
      this.inFlightBytes = 0;
      this.wroteAgain();
      if (this.queue.length === 0 || this.failure !== null) this.settleWaiters();
      // A flush or close waits: no pause before the next write.
      else if (this.flushWaiting || this.closing) this.writeQueued();
      else this.scheduleWrite();
    });
  }

  /** The file was removed or replaced (an operator, log rotation), or the sink failed: open it anew. */
  private check(): void {
    if (this.path === null || this.writing || this.reopening || this.closing) return;
    if (this.failure !== null) {
      this.reopen();
      return;
    }
    const fd = this.fd;
    stat(this.path, (pathError, onDisk) => {
      if (fd === null || fd !== this.fd) return;
      fstat(fd, (fdError, open) => {
        if (fdError || pathError || onDisk.ino !== open.ino || onDisk.dev !== open.dev) this.reopen();
      });
    });
  }

  /** Opens the file, creating its folder; at start-up synchronously, so that the first lines have a file. */
  private openFile(): void {
    const path = this.path!;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'a');
    } catch (error) {
      this.fail(error, path, 0);
    }
  }

  private reopen(): void {
    const path = this.path!;
    this.reopening = true;
    const opened = (error: NodeJS.ErrnoException | null, fd?: number) => {
      this.reopening = false;
      if (this.closing) {
        if (fd !== undefined) close(fd, () => undefined);
        return;
      }
      if (error || fd === undefined) {
        this.fail(error, path, 0);
        return;
      }
      const previous = this.fd;
      this.fd = fd;
      // Lines go to the new file from now on; a failed sink tries again (and says so once a write succeeds).
      this.failure = null;
      if (previous === null) return;
      // A write still in flight on the old fd finishes first (closing under it would fail it with EBADF).
      const closePrevious = () => close(previous, () => undefined);
      if (this.writing) void this.flush(5000).then(closePrevious);
      else closePrevious();
    };
    mkdir(dirname(path), { recursive: true }, (mkdirError) => {
      if (mkdirError) opened(mkdirError);
      else open(path, 'a', opened);
    });
  }

  /**
   * Lines already queued are still written (a write in flight finishes first: closing under it would fail it
   * with EBADF), then the file is closed; lines that come later are dropped. An fd sink (stdout) is left open.
   */
  close(): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    const fd = this.fd;
    if (this.path === null || fd === null || this.closing) return;
    this.closing = true;
    const closeFd = () => {
      const current = this.fd;
      this.fd = null;
      this.failure ??= 'closed';
      this.settleWaiters();
      if (current !== null) close(current, () => undefined);
    };
    if (this.idle) closeFd();
    else void this.flush(CLOSE_WAIT_MS).then(closeFd);
  }
}

export interface StreamSinkOptions {
  maxBacklogBytes?: number;
  events?: SinkEvents;
}

/** What StreamSink needs of a stream (process.stdout when it is a pipe, a socket or a terminal). */
export interface SinkStream {
  write(chunk: string): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Writes to a libuv stream: non-blocking, so a reader that stalls fills the stream's buffer (bounded here)
 * instead of blocking a thread, and pending writes never hold up process exit. Lines of one event-loop turn
 * go out in one write.
 */
export class StreamSink extends BaseSink {
  private readonly maxBacklogBytes: number;
  private batch = '';
  private batchLines = 0;
  private scheduled = false;

  private readonly stream: SinkStream;

  constructor(name: string, stream: SinkStream, options: StreamSinkOptions = {}) {
    super(name, options.events ?? NO_EVENTS);
    this.stream = stream;
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    stream.on('error', (error) => this.fail(error, null, 0));
  }

  protected get idle(): boolean {
    return this.batch === '' && this.stream.writableLength === 0;
  }

  write(line: string): void {
    if (this.failure !== null || this.stream.destroyed) {
      this.drop(1);
      return;
    }
    if (this.stream.writableLength + this.batch.length + line.length > this.maxBacklogBytes) {
      this.drop(1);
      return;
    }
    this.batch += line;
    this.batchLines++;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.writeBatch());
    }
  }

  private writeBatch(): void {
    this.scheduled = false;
    const text = this.batch;
    const lines = this.batchLines;
    this.batch = '';
    this.batchLines = 0;
    if (this.failure !== null || this.stream.destroyed) {
      this.drop(lines);
      return;
    }
    if (this.stream.write(text)) {
      this.settleWaiters();
      return;
    }
    const drained = () => {
      this.stream.off('drain', drained);
      this.stream.off('close', drained);
      this.settleWaiters();
    };
    this.stream.once('drain', drained);
    this.stream.once('close', drained);
  }

  close(): void {
    this.failure ??= 'closed';
  }
}
