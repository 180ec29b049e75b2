// One home for logging: JSON lines on stdout, and with LOG_DIR also server.log (everything at LOG_LEVEL)
// and server_error.log (error and above). Keys never reach a line: request headers are not serialized at
// all, and configured secrets are masked in whatever text is written.
import { mkdirSync } from 'node:fs';
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

export function createLogger(config: Config, secrets: readonly string[], options: LoggerOptions = {}): Logger {
  const level = config.logLevel;
  const streams: StreamEntry[] = [{ level: level === 'silent' ? 'fatal' : level, stream: options.stdout ?? pino.destination(1) }];
  const files = logFilePaths(config.logDir);
  if (files) {
    mkdirSync(config.logDir, { recursive: true });
    const sync = options.syncFiles ?? false;
    streams.push({ level: level === 'silent' ? 'fatal' : level, stream: pino.destination({ dest: files.main, sync, mkdir: true }) });
    streams.push({ level: 'error', stream: pino.destination({ dest: files.errors, sync, mkdir: true }) });
  }
  return pino(
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
}
