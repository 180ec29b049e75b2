// The embedded ResponsesStore: records kept as JSON text in one Map (insertion order = least recently
// used first), bounded by total size (RESPONSES_STORE_MAX_MB) and age (RESPONSES_STORE_TTL_SECONDS).
// Text rather than objects: the size bound is exact, and a get can never alias what is stored.
import type { ResponsesStore, StoredResponse } from './responses-store.ts';

export interface MemoryStoreOptions {
  maxBytes: number;
  ttlMs: number;
  /** Unix milliseconds; tests pass a fake clock. */
  now?: () => number;
}

interface Entry {
  owner: string;
  json: string;
  bytes: number;
  expiresAt: number;
}

export class MemoryResponsesStore implements ResponsesStore {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;
  private readonly maxBytes: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: MemoryStoreOptions) {
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
  }

  /** Bytes held, for tests and metrics. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes };
  }

  async get(id: string, owner: string): Promise<StoredResponse | null> {
    const entry = this.live(id);
    if (!entry || entry.owner !== owner) return null;
    // Touched: it moves to the back of the eviction order.
    this.entries.delete(id);
    this.entries.set(id, entry);
    return JSON.parse(entry.json) as StoredResponse;
  }

  async put(record: StoredResponse): Promise<void> {
    const id = record.response.id;
    this.remove(id);
    const json = JSON.stringify(record);
    const bytes = Buffer.byteLength(json);
    if (bytes > this.maxBytes) return; // larger than the whole store: it cannot be kept
    this.entries.set(id, { owner: record.owner, json, bytes, expiresAt: this.now() + this.ttlMs });
    this.totalBytes += bytes;
    this.evict();
  }

  async delete(id: string, owner: string): Promise<boolean> {
    const entry = this.live(id);
    if (!entry || entry.owner !== owner) return false;
    this.remove(id);
    return true;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.totalBytes = 0;
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= this.now()) {
      this.remove(id);
      return undefined;
    }
    return entry;
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.totalBytes -= entry.bytes;
  }

  /** Drops expired records, then the least recently used ones until the store fits its bound. */
  private evict(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (this.totalBytes <= this.maxBytes && entry.expiresAt > now) break;
      if (entry.expiresAt <= now || this.totalBytes > this.maxBytes) this.remove(id);
    }
  }
}
