// The shared ResponsesStore for several replicas (RESPONSES_STORE_URL=redis://...): one Redis string per
// response, `anthropic-proxy:resp:<owner>:<response id>` -> JSON of {response, input}, written with
// SET ... PX <TTL>. The owner hash is part of the key, so another owner's GET or DEL finds nothing, exactly
// as for an unknown id, and every operation is one atomic command.
//
// Bounds: the TTL is Redis's own (PX, counted from put, not refreshed by get). A record larger than
// RESPONSES_STORE_MAX_MB is not kept, as in the in-process store; the total size and least-recently-used
// eviction are Redis's `maxmemory` with `maxmemory-policy volatile-lru` (checked, and warned about, on connect).
//
// Failures: every command is bounded by RESPONSES_STORE_TIMEOUT_MS (and a connection that stays silent that
// long is dropped and re-opened); an operation that fails rejects with a 503 `responses_store_unavailable`
// (the route answers a request whose put failed all the same, and logs it). While the connection is down for
// longer than the timeout, commands fail at once instead of queueing. The client reconnects by itself (every
// 100 ms, backing off to 1 s).
import { Redis } from 'ioredis';
import { ProxyError } from '../errors.ts';
import type { Logger } from 'pino';
import type { ResponsesStore, StoreHealth, StoredResponse } from './responses-store.ts';

export const REDIS_KEY_PREFIX = 'anthropic-proxy:resp:';

export interface RedisStoreOptions {
  /** redis:// or rediss:// (TLS) URL, with the password and database number if any. */
  url: string;
  ttlMs: number;
  /** Largest record kept (bytes of its JSON). */
  maxRecordBytes: number;
  /** Bound of every command and of each connection attempt. */
  timeoutMs: number;
  logger: Logger;
  /** Told of every operation that failed (metrics). */
  observer?: StoreObserver;
}

export interface StoreObserver {
  failed(operation: 'get' | 'put' | 'delete'): void;
}

/** What the route sends: the whole record but its owner, which the key already carries. */
type StoredValue = Omit<StoredResponse, 'owner'>;

const RETRY_STEP_MS = 100;
const RETRY_MAX_MS = 1000;
/** The readiness probe waits at most this long for a PING, whatever the command timeout. */
const HEALTH_TIMEOUT_MS = 1000;

/** The address a log line may show: never the credentials of the URL. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'redis';
  }
}

export class RedisResponsesStore implements ResponsesStore {
  private readonly client: Redis;
  private readonly ttlMs: number;
  private readonly maxRecordBytes: number;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly observer: StoreObserver | undefined;
  /** When the connection was last lost (or the store created); null while it is up. */
  private downSince: number | null = Date.now();
  private lastError = 'not connected yet';
  /** Whether this outage was logged as a warning already. */
  private warned = false;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.ttlMs = options.ttlMs;
    this.maxRecordBytes = options.maxRecordBytes;
    this.timeoutMs = options.timeoutMs;
    this.observer = options.observer;
    this.log = options.logger.child({ component: 'responses-store', redis: redisAddress(options.url) });
    this.client = new Redis(options.url, {
      commandTimeout: options.timeoutMs,
      connectTimeout: options.timeoutMs,
      // A half-open connection (the server gone without a reset) would otherwise only be noticed by TCP keep-alive.
      socketTimeout: options.timeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * RETRY_STEP_MS, RETRY_MAX_MS),
      // Commands sent while a reconnect is under way wait for it, bounded by commandTimeout alone.
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      connectionName: 'anthropic-proxy',
    });
    this.client.on('ready', () => this.onReady());
    this.client.on('error', (error: Error) => this.onError(error));
    this.client.on('close', () => this.onDown('connection closed'));
  }

  async get(id: string, owner: string): Promise<StoredResponse | null> {
    const json = await this.run('get', () => this.client.get(keyOf(owner, id)));
    if (json === null) return null;
    let value: StoredValue;
    try {
      value = JSON.parse(json) as StoredValue;
    } catch (error) {
      throw new ProxyError('internal_error', `The stored response '${id}' cannot be read`, { cause: error });
    }
    return { owner, ...value };
  }

  async put(record: StoredResponse): Promise<void> {
    const key = keyOf(record.owner, record.response.id);
    const value: StoredValue = { response: record.response, input: record.input };
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > this.maxRecordBytes) {
      // Not kept, as in the in-process store; an earlier record with the same id is replaced by nothing.
      this.log.warn({ responseId: record.response.id, bytes: Buffer.byteLength(json), maxBytes: this.maxRecordBytes }, 'response larger than RESPONSES_STORE_MAX_MB: not stored');
      await this.run('put', () => this.client.del(key));
      return;
    }
    await this.run('put', () => this.client.set(key, json, 'PX', this.ttlMs));
  }

  async delete(id: string, owner: string): Promise<boolean> {
    return (await this.run('delete', () => this.client.del(keyOf(owner, id)))) > 0;
  }

  /** Up when connected and a PING answers within the timeout (at most a second). */
  async health(): Promise<StoreHealth> {
    if (this.client.status !== 'ready') return { kind: 'redis', status: 'down', reason: this.lastError };
    const waitMs = Math.min(this.timeoutMs, HEALTH_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), waitMs);
    });
    try {
      await Promise.race([this.client.ping(), late]);
      return { kind: 'redis', status: 'up' };
    } catch (error) {
      return { kind: 'redis', status: 'down', reason: reasonOf(error, waitMs) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
      } catch {
        // the connection is dropped below either way
      }
    }
    this.client.disconnect();
  }

  private async run<T>(operation: 'get' | 'put' | 'delete', command: () => Promise<T>): Promise<T> {
    if (this.downSince !== null && Date.now() - this.downSince > this.timeoutMs) {
      this.observer?.failed(operation);
      throw unavailable(`the responses store (Redis) is unreachable (${this.lastError})`);
    }
    try {
      return await command();
    } catch (error) {
      const reason = reasonOf(error, this.timeoutMs);
      this.log.debug({ operation, reason }, 'responses store command failed');
      this.observer?.failed(operation);
      throw unavailable(`the responses store (Redis) ${reason}`, error);
    }
  }

  private onReady(): void {
    const wasDownFor = this.downSince === null ? 0 : Date.now() - this.downSince;
    this.downSince = null;
    this.warned = false;
    this.log.info({ down_ms: wasDownFor }, 'responses store (Redis) connected');
    void this.checkEviction();
  }

  private onError(error: Error): void {
    this.onDown(reasonOf(error, this.timeoutMs));
    if (this.closed) return;
    // ioredis reports every failed reconnect attempt: only the first of an outage is worth a warning.
    if (this.warned) {
      this.log.debug({ reason: this.lastError }, 'responses store (Redis) still unreachable');
      return;
    }
    this.warned = true;
    this.log.warn({ reason: this.lastError }, 'responses store (Redis) unreachable: requests that need stored responses get 503 until it reconnects');
  }

  /** A closed connection alone is not worth a warning (a server's idle timeout closes it too): a failed reconnect is. */
  private onDown(reason: string): void {
    this.lastError = reason;
    if (this.downSince !== null || this.closed) return;
    this.downSince = Date.now();
    this.log.debug({ reason }, 'responses store (Redis) connection lost; reconnecting');
  }

  /** Without maxmemory and an evicting policy, a full Redis refuses writes instead of dropping old records. */
  private async checkEviction(): Promise<void> {
    try {
      const [, maxmemory] = (await this.client.config('GET', 'maxmemory')) as string[];
      const [, policy] = (await this.client.config('GET', 'maxmemory-policy')) as string[];
      if (maxmemory === '0' || policy === 'noeviction') {
        this.log.warn({ maxmemory, policy }, 'Redis has no size bound with eviction: set maxmemory and maxmemory-policy volatile-lru (or allkeys-lru), or stores fail once it is full');
      }
    } catch (error) {
      // Managed services often refuse CONFIG: nothing to check then.
      this.log.debug({ reason: reasonOf(error, this.timeoutMs) }, 'cannot read the Redis eviction settings');
    }
  }
}

function keyOf(owner: string, id: string): string {
  return `${REDIS_KEY_PREFIX}${owner}:${id}`;
}

function reasonOf(error: unknown, timeoutMs: number): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/timed out|timeout|ETIMEDOUT/i.test(message)) return `did not answer within ${timeoutMs} ms`;
  if (/ECONNREFUSED/.test(message)) return 'refused the connection';
  if (/closed|ECONNRESET|EPIPE/i.test(message)) return 'closed the connection';
  return `failed: ${message}`;
}

function unavailable(detail: string, cause?: unknown): ProxyError {
  return new ProxyError('responses_store_unavailable', `Stored responses are unavailable: ${detail}. Retry shortly.`, {
    headers: { 'retry-after': '1' },
    cause,
  });
}
