// The only code that touches `process`: load config, listen, reload the configuration file on SIGHUP, drain
// on SIGTERM/SIGINT, exit.
import { Socket } from 'node:net';
import { buildApp } from './app.ts';
import { ConfigError, configSecrets, loadConfig, readConfigFile, type Config } from './config.ts';
import { ConfigReloader } from './config-reload.ts';
import { createLogger, liveSecretsOf, logHealthOf } from './logging.ts';
import type { RoutingTable } from './routing.ts';
import { cutOpenStreams, startDrain, waitForIdle } from './http/lifecycle.ts';

// stderr can fail too (its reader gone, a full disk when it is redirected to a file): never a crash.
process.stderr.on('error', () => undefined);
function toStderr(message: string): void {
  try {
    process.stderr.write(`anthropic-proxy: ${message}\n`);
  } catch {
    // nowhere left to say it
  }
}

function loadConfigOrExit(): Config {
  try {
    return loadConfig({ env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      // One line per problem (a configuration file can have several).
      process.stderr.write(error.message.split('\n').map((line) => `anthropic-proxy: configuration error: ${line}\n`).join(''));
      process.exit(2);
    }
    throw error;
  }
}

const config = loadConfigOrExit();
// A pipe, socket or terminal on stdout is written through its non-blocking libuv stream: a reader that
// stalls or exits then costs dropped lines, never a blocked thread that would hold up exit.
const logger = createLogger(config, configSecrets(config), {
  stdoutStream: process.stdout instanceof Socket ? process.stdout : undefined,
  report: toStderr,
});
const logHealth = logHealthOf(logger)!;
const app = await buildApp(config, { logger });
const reloader = watchConfigFile();

/**
 * With a configuration file: reloaded on SIGHUP and when it changes. The keys of a reloaded file are masked in
 * the logs from then on (the logger's configured secrets are those of start-up). Without one, SIGHUP keeps
 * Node's default (the process ends), as before configuration files.
 */
function watchConfigFile(): ConfigReloader | null {
  if (config.configFile === null) return null;
  logger.info({ config_file: config.configFile, upstreams: config.routing.targets.map((target) => target.name) }, 'configuration file loaded');
  const secrets = liveSecretsOf(logger);
  let releaseKeys: Array<() => void> = [];
  const reloader = new ConfigReloader({
    path: config.configFile,
    read: () => readConfigFile(config, { env: process.env }),
    current: config.routing,
    apply: (routing: RoutingTable) => {
      const held = routing.targets.flatMap((target) => target.keys.map((key) => secrets?.hold(key.value) ?? (() => undefined)));
      app.upstreams.reload(routing);
      for (const release of releaseKeys) release();
      releaseKeys = held;
    },
    log: logger,
  });
  reloader.watch();
  process.on('SIGHUP', () => void reloader.reload('SIGHUP'));
  return reloader;
}

/** Exits once queued log lines are written or `withinMs` passed: a failed or stalled sink never holds exit up. */
async function exitAfterLogs(code: number, withinMs: number): Promise<never> {
  await logHealth.flush(Math.max(0, withinMs));
  process.exit(code);
}

let stopping = false;
async function drainAndExit(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const lifecycle = app.lifecycle;
  // WebSocket connections close (1001) as soon as their response in flight, if any, is over.
  startDrain(lifecycle);
  reloader?.close();
  // Idle keep-alive connections go now, not at the end of the drain: a client then opens its next one
  // elsewhere. Answers from now on close theirs (lifecycle.ts); those that began earlier leave theirs idle
  // when they end, and these go at the next sweep.
  app.server.closeIdleConnections();
  const idleSweep = setInterval(() => app.server.closeIdleConnections(), 250);
  idleSweep.unref();
  logger.info({ signal, in_flight: lifecycle.inFlight, open_streams: lifecycle.openStreams.size, timeout_ms: config.shutdownTimeoutMs }, 'draining: new requests refused, waiting for in-flight ones');
  // Everything happens within SHUTDOWN_TIMEOUT_MS: requests get most of it, and the last part (a fifth, at
  // most a second) is kept for cutting what is left, letting those answers go out, and closing sockets.
  const deadline = Date.now() + config.shutdownTimeoutMs;
  const tail = Math.min(1000, Math.floor(config.shutdownTimeoutMs / 5));
  // Last resort: whatever hangs (a close that never resolves, a log destination), the process is gone one
  // second after SHUTDOWN_TIMEOUT_MS.
  setTimeout(() => {
    toStderr(`the drain did not finish within SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms) plus 1 s: exiting now`);
    process.exit(1);
  }, config.shutdownTimeoutMs + 900).unref();
  try {
    if (!(await waitForIdle(lifecycle, config.shutdownTimeoutMs - tail))) {
      const cut = cutOpenStreams(lifecycle, 'The proxy is shutting down');
      logger.warn({ cut, in_flight: lifecycle.inFlight }, 'drain timeout reached: open streams and waiting requests cut');
      await waitForIdle(lifecycle, Math.max(0, deadline - Date.now() - tail / 2));
    }
    // Stops the listener and closes idle keep-alive connections; whatever still hangs on at the deadline is dropped.
    const closing = app.close();
    setTimeout(() => app.server.closeAllConnections(), Math.max(0, deadline - Date.now())).unref();
    await closing;
    clearInterval(idleSweep);
    logger.info('drained, exiting');
  } catch (error) {
    logger.error({ err: error }, 'error while draining');
  }
  // Queued log lines get up to a second, within the second after the deadline: a healthy destination takes
  // milliseconds, a stalled one would not take them any sooner.
  await exitAfterLogs(0, Math.min(1000, deadline + 800 - Date.now()));
}

// A repeated SIGTERM (an impatient stop script, an orchestrator's retry) must not cut the drain short; a
// second Ctrl-C is someone at a terminal who wants out now.
process.on('SIGTERM', () => void drainAndExit('SIGTERM'));
process.on('SIGINT', () => {
  if (stopping) {
    logger.warn('second SIGINT: exiting without waiting for the drain');
    void exitAfterLogs(130, 200);
    return;
  }
  void drainAndExit('SIGINT');
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  const reason = err.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : err.message;
  logger.fatal({ err }, `cannot listen: ${reason}`);
  // With log files the reason is already in server_error.log; a second copy on stderr would land there too.
  if (config.logDir === '') toStderr(`cannot listen: ${reason}`);
  await exitAfterLogs(1, 1000);
}
