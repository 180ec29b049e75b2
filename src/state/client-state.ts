// Where the client limits and the usage records live: in Redis when REDIS_URL is set (shared by replicas,
// one connection for both), else the limits in the process and the usage in an SQLite file in DATA_DIR (in
// the process too when DATA_DIR is set empty).
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { LimitStore, UsageStore } from '../client-keys.ts';
import { MemoryLimitStore } from './client-limits-memory.ts';
import { RedisLimitStore } from './client-limits-redis.ts';
import { redisAddress } from './redis-store.ts';
import { RedisUsageStore } from './usage-redis.ts';
import { MemoryUsageStore } from './usage-memory.ts';
import { SqliteUsageStore } from './usage-sqlite.ts';

export interface ClientState {
  limits: LimitStore;
  usage: UsageStore;
  close(): Promise<void>;
}

export function createClientState(config: Config, logger: Logger): ClientState {
  if (config.redisUrl === '') {
    const usage = config.dataDir === '' ? new MemoryUsageStore() : embeddedUsageStore(config.dataDir, logger);
    return { limits: new MemoryLimitStore(), usage, close: () => usage.close() };
  }
  const log = logger.child({ component: 'client-state', redis: redisAddress(config.redisUrl) });
  let warned = false;
  const client = new Redis(config.redisUrl, {
    commandTimeout: config.responsesStoreTimeoutMs,
    connectTimeout: config.responsesStoreTimeoutMs,
    socketTimeout: config.responsesStoreTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    // Commands sent while (re)connecting wait for it, bounded by the command timeout; then REDIS_FAIL_MODE decides.
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    connectionName: 'anthropic-proxy-limits',
  });
  client.on('ready', () => {
    warned = false;
    log.info('client limits and usage store (Redis) connected');
  });
  client.on('error', (error: Error) => {
    if (warned) return;
    warned = true;
    log.warn({ reason: error.message, fail_mode: config.redisFailMode }, 'client limits and usage store (Redis) unreachable');
  });
  return {
    limits: new RedisLimitStore({ client, staleAfterMs: config.upstreamTimeoutMs + 60_000 }),
    usage: new RedisUsageStore(client),
    close: async () => {
      await client.quit().catch(() => undefined);
      client.disconnect();
    },
  };
}

/** The SQLite file in DATA_DIR; a folder that cannot be written (a read-only root filesystem) keeps usage in the process, said loudly. */
function embeddedUsageStore(dataDir: string, logger: Logger): UsageStore {
  try {
    return new SqliteUsageStore(dataDir);
  } catch (error) {
    logger.error({ data_dir: dataDir, reason: (error as Error).message }, 'DATA_DIR cannot hold the usage records: they are kept in the process only (lost on restart). Mount a writable folder there, or set REDIS_URL.');
    return new MemoryUsageStore();
  }
}
