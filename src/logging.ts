// One home for logging: JSON lines on stdout, and with LOG_DIR also server.log (everything at LOG_LEVEL)
// and server_error.log (error and above). Keys never reach a line: request headers are not serialized at
// all, and configured secrets are masked in whatever text is written. A LOG_DIR that cannot be written
// (a root-owned bind mount, a read-only root filesystem) is a warning, not a crash: stdout keeps working.
// A destination that fails later (a full disk, a stdout pipe with no reader) drops its lines, counted, and
// is reported once (log-sink.ts): logging never stops serving and never holds up exit.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import type { Config } from './config.ts';
import type { LogHealth } from './http/log-health.ts';
import { FileSink, StreamSink, type LogSink, type SinkEvents, type SinkStream } from './log-sink.ts';
import { MASKED, MIN_MASKED_KEY_LENGTH } from './stream/secret-mask.ts';

export type { Logger } from 'pino';

export const REDACTED = MASKED;

export interface LoggerOptions {
  /** Where stdout lines go instead of fd 1 (tests pass a collecting stream). */
  stdout?: DestinationStream;
  /**
   * process.stdout when it is a pipe, a socket or a terminal (main passes it): written as a non-blocking
   * stream. Without it fd 1 is written like a file.
   */
  stdoutStream?: SinkStream;
  /** Synchronous file writes (tests read the files right after a request). */
  syncFiles?: boolean;
  /** Told once when a destination fails, and when it writes again (main prints it on stderr). */
  report?: (message: string) => void;
  /** How often the log files are checked for removal (tests shorten it). */
  checkIntervalMs?: number;
}

const healthOfLogger = new WeakMap<object, LogHealth>();

/** The destinations of a logger made by createLogger (null for any other logger). */
export function logHealthOf(logger: Logger): LogHealth | null {
  return healthOfLogger.get(logger) ?? null;
}


export interface LogFiles {
  main: string;
  errors: string;
}

export function logFilePaths(logDir: string): LogFiles | null {
  if (logDir === '') return null;
  return { main: join(logDir, 'server.log'), errors: join(logDir, 'server_error.log') };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Keys seen on requests in flight (client keys, proxy keys, keys in query strings): masked in every line
 * while their request lasts, whatever carries them there (an upstream error message that quotes the key).
 * Counted, since many requests carry the same key.
 */
export class LiveSecrets {
  private readonly inFlight = new Map<string, number>();

  /** Masks `secret` until the returned function is called. */
  hold(secret: string): () => void {
    if (secret.length < MIN_MASKED_KEY_LENGTH) return () => undefined;
    this.inFlight.set(secret, (this.inFlight.get(secret) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(secret) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(secret);
      else this.inFlight.set(secret, left);
    };
  }

  mask(line: string): string {
    if (this.inFlight.size === 0) return line;
    let masked = line;
    for (const secret of this.inFlight.keys()) if (masked.includes(secret)) masked = masked.replaceAll(secret, REDACTED);
    return masked;
  }
}

const liveSecretsOfLogger = new WeakMap<object, LiveSecrets>();

/** The live secrets a logger made by createLogger masks (null for any other logger). */
export function liveSecretsOf(logger: Logger): LiveSecrets | null {
  return liveSecretsOfLogger.get(logger) ?? null;
}

/** Masks every configured secret, and bearer tokens, in a serialized log line. */
export function secretMasker(secrets: readonly string[]): (line: string) => string {
  const known = secrets.filter((secret) => secret.length > 0).map(escapeRegExp);
  const pattern = new RegExp([...known, 'Bearer\\s+[A-Za-z0-9._~+/=-]+'].join('|'), 'g');
  return (line) => line.replace(pattern, REDACTED);
}

/** Why the log files cannot be written, or null when they can (creating the folder if missing). */
export function logDirProblem(files: LogFiles, logDir: string): string | null {
  try {
    mkdirSync(logDir, { recursive: true });
    accessSync(logDir, constants.W_OK);
    for (const file of [files.main, files.errors]) {
      if (existsSync(file)) accessSync(file, constants.W_OK);
    }
    return null;
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return err.code ? `${err.code} on ${err.path ?? logDir}` : err.message;
  }
}

export function createLogger(config: Config, secrets: readonly string[], options: LoggerOptions = {}): Logger {
  const level = config.logLevel;
  const streamLevel = level === 'silent' ? 'fatal' : level;
  let logger: Logger | undefined;
  const events: SinkEvents = {
    failed(sink) {
      options.report?.(`log destination ${sink.name} failed (${sink.failure}): its lines are dropped from now on`);
      logger?.error({ sink: sink.name, error: sink.failure }, 'log destination failed: its lines are dropped from now on');
    },
    recovered(sink) {
      options.report?.(`log destination ${sink.name} writes again (${sink.droppedLines} lines dropped in all)`);
      logger?.warn({ sink: sink.name, dropped_lines: sink.droppedLines }, 'log destination writes again');
    },
  };
  // Asynchronous, batched writes (log-sink.ts): the lines of a turn, or of a few ms under load, go out in one
  // write, so a busy proxy does not pay a system call per access line.
  const sinks: LogSink[] = [];
  let stdout = options.stdout;
  if (stdout === undefined) {
    const sink = options.stdoutStream ? new StreamSink('stdout', options.stdoutStream, { events }) : new FileSink('stdout', { fd: 1 }, { events });
    sinks.push(sink);
    stdout = sink;
  }
  const streams: StreamEntry[] = [{ level: streamLevel, stream: stdout }];
  const files = logFilePaths(config.logDir);
  const problem = files ? logDirProblem(files, config.logDir) : null;
  if (files && !problem) {
    const fileOptions = { sync: options.syncFiles ?? false, checkIntervalMs: options.checkIntervalMs, events };
    const main = new FileSink('server.log', { path: files.main }, fileOptions);
    const errors = new FileSink('server_error.log', { path: files.errors }, fileOptions);
    sinks.push(main, errors);
    streams.push({ level: streamLevel, stream: main }, { level: 'error', stream: errors });
  }
  const configured = secretMasker(secrets);
  const live = new LiveSecrets();
  const created = pino(
    {
      level,
      base: { service: 'anthropic-proxy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Belt and braces: the serializers below never copy headers, and these paths are masked anyway.
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'headers.authorization',
          'headers["x-api-key"]',
          'config.serverApiKey',
          'config.proxyApiKeys',
        ],
        censor: REDACTED,
      },
      serializers: {
        req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: req.url, id: req.id }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        err: pino.stdSerializers.err,
      },
      hooks: { streamWrite: (line) => live.mask(configured(line)) },
    },
    pino.multistream(streams, { dedupe: false }),
  );
  logger = created;
  liveSecretsOfLogger.set(logger, live);
  healthOfLogger.set(logger, {
    sinks,
    failures: () => sinks.filter((sink) => sink.failure !== null).map((sink) => ({ sink: sink.name, error: sink.failure!, dropped_lines: sink.droppedLines })),
    flush: async (timeoutMs) => (await Promise.all(sinks.map((sink) => sink.flush(timeoutMs)))).every(Boolean),
    close: () => sinks.forEach((sink) => sink.close()),
  });
  if (problem) {
    logger.warn({ log_dir: config.logDir, problem }, 'LOG_DIR is not writable: logging to stdout only');
  }
  return logger;
}
