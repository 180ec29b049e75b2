// One home for logging: JSON lines on stdout, and with LOG_DIR also server.log (everything at LOG_LEVEL)
// and server_error.log (error and above). Keys never reach a line: request headers are not serialized at
// all, and configured secrets are masked in whatever text is written. A LOG_DIR that cannot be written
// (a root-owned bind mount, a read-only root filesystem) is a warning, not a crash: stdout keeps working.
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type DestinationStream, type Logger, type StreamEntry } from 'pino';
import type { Config } from './config.ts';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  /** Where stdout lines go; tests pass a collecting stream. */
  stdout?: DestinationStream;
  /** Synchronous file writes (tests read the files right after a request). */
  syncFiles?: boolean;
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
  // Asynchronous writes: lines queued while one write is in flight go out together, so a busy proxy does not
  // pay one blocking syscall per access line; logger.flush() at exit writes what is left.
  const streams: StreamEntry[] = [{ level: level === 'silent' ? 'fatal' : level, stream: options.stdout ?? pino.destination({ dest: 1, sync: false }) }];
  const files = logFilePaths(config.logDir);
  const problem = files ? logDirProblem(files, config.logDir) : null;
  if (files && !problem) {
    const sync = options.syncFiles ?? false;
    streams.push({ level: level === 'silent' ? 'fatal' : level, stream: pino.destination({ dest: files.main, sync, mkdir: true }) });
    streams.push({ level: 'error', stream: pino.destination({ dest: files.errors, sync, mkdir: true }) });
  }
  const logger = pino(
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
      hooks: { streamWrite: secretMasker(secrets) },
    },
    pino.multistream(streams, { dedupe: false }),
  );
  if (problem) {
    logger.warn({ log_dir: config.logDir, problem }, 'LOG_DIR is not writable: logging to stdout only');
  }
  return logger;
}
