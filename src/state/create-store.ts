// Where the app's stored responses live: in the process (the default, one replica's own), or in the
// Redis that RESPONSES_STORE_URL names (shared by every replica behind one address).
import type { Config } from '../config.ts';
import type { Logger } from 'pino';
import { MemoryResponsesStore } from './memory-store.ts';
import { RedisResponsesStore, type StoreObserver } from './redis-store.ts';
import type { ResponsesStore } from './responses-store.ts';

export function createResponsesStore(config: Config, logger: Logger, observer?: StoreObserver): ResponsesStore {
  if (config.responsesStoreUrl === '') {
    return new MemoryResponsesStore({ maxBytes: config.responsesStoreMaxBytes, ttlMs: config.responsesStoreTtlMs });
  }
  return new RedisResponsesStore({
    url: config.responsesStoreUrl,
    ttlMs: config.responsesStoreTtlMs,
    maxRecordBytes: config.responsesStoreMaxBytes,
    timeoutMs: config.responsesStoreTimeoutMs,
    logger,
    observer,
  });
}
