// The only code that touches `process`: load config, listen, drain on SIGTERM/SIGINT, exit.
import { buildApp } from './app.ts';
import { ConfigError, configSecrets, loadConfig, type Config } from './config.ts';
import { createLogger } from './logging.ts';
import { cutOpenStreams } from './plugins/lifecycle.ts';

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
  app.lifecycle.draining = true;
  app.log.info({ signal, open_streams: app.lifecycle.openStreams.size, timeout_ms: config.shutdownTimeoutMs }, 'draining: no new requests, waiting for in-flight ones');
  const deadline = setTimeout(() => {
    const cut = cutOpenStreams(app.lifecycle, 'The proxy is shutting down');
    app.log.warn({ cut_streams: cut }, 'drain timeout reached: remaining streams cut');
    // Give the cut streams a moment to flush their final event, then drop whatever is left.
    setTimeout(() => app.server.closeAllConnections(), 500).unref();
  }, config.shutdownTimeoutMs);
  deadline.unref();
  try {
    await app.close();
    app.log.info('drained, exiting');
  } catch (error) {
    app.log.error({ err: error }, 'error while closing');
  } finally {
    clearTimeout(deadline);
    logger.flush();
    process.exit(0);
  }
}

process.once('SIGTERM', () => void drainAndExit('SIGTERM'));
process.once('SIGINT', () => void drainAndExit('SIGINT'));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (error) {
  const err = error as NodeJS.ErrnoException;
  const reason = err.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : err.message;
  app.log.fatal({ err }, `cannot listen: ${reason}`);
  logger.flush();
  process.stderr.write(`anthropic-proxy: cannot listen: ${reason}\n`);
  process.exit(1);
}
