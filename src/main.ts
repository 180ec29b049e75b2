// The only code that touches `process`: load config, listen, drain on SIGTERM/SIGINT, exit.
import { buildApp } from './app.ts';
import { ConfigError, configSecrets, loadConfig, type Config } from './config.ts';
import { createLogger } from './logging.ts';
import { cutOpenStreams, waitForIdle } from './http/lifecycle.ts';

function loadConfigOrExit(): Config {
  try {
    return loadConfig({ env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`anthropic-proxy: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = loadConfigOrExit();
const logger = createLogger(config, configSecrets(config));
const app = await buildApp(config, { logger });

let stopping = false;
async function drainAndExit(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const lifecycle = app.lifecycle;
  lifecycle.draining = true;
  logger.info({ signal, in_flight: lifecycle.inFlight, open_streams: lifecycle.openStreams.size, timeout_ms: config.shutdownTimeoutMs }, 'draining: new requests refused, waiting for in-flight ones');
  // Everything happens within SHUTDOWN_TIMEOUT_MS: requests get most of it, and the last part (a fifth, at
  // most a second) is kept for cutting what is left, letting those answers go out, and closing sockets.
  const deadline = Date.now() + config.shutdownTimeoutMs;
  const tail = Math.min(1000, Math.floor(config.shutdownTimeoutMs / 5));
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
    logger.info('drained, exiting');
  } catch (error) {
    logger.error({ err: error }, 'error while draining');
  } finally {
    logger.flush();
    process.exit(0);
  }
}

// A repeated SIGTERM (an impatient stop script, an orchestrator's retry) must not cut the drain short; a
// second Ctrl-C is someone at a terminal who wants out now.
process.on('SIGTERM', () => void drainAndExit('SIGTERM'));
process.on('SIGINT', () => {
  if (stopping) {
    logger.warn('second SIGINT: exiting without waiting for the drain');
    logger.flush();
    process.exit(130);
  }
  void drainAndExit('SIGINT');
});

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  const reason = err.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : err.message;
  logger.fatal({ err }, `cannot listen: ${reason}`);
  logger.flush();
  // With log files the reason is already in server_error.log; a second copy on stderr would land there too.
  if (config.logDir === '') process.stderr.write(`anthropic-proxy: cannot listen: ${reason}\n`);
  process.exit(1);
}
