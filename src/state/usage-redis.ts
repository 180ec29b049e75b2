// Usage records shared by replicas (REDIS_URL): one hash per UTC day, `anthropic-proxy:usage:<day>`, whose
// fields are `<key>\t<model>\t<upstream>\t<count>`, added to with HINCRBY in one MULTI. No TTL: these are
// records, never evicted by a volatile-* maxmemory policy.
import type { Redis } from 'ioredis';
import { USAGE_FIELDS, daysBetween, type UsageQuery, type UsageRow, type UsageStore } from '../client-keys.ts';

export const USAGE_KEY_PREFIX = 'anthropic-proxy:usage:';

export class RedisUsageStore implements UsageStore {
  readonly kind = 'redis' as const;
  private readonly client: Redis;

  constructor(client: Redis) {
    this.client = client;
  }

  async add(row: UsageRow): Promise<void> {
    const hash = USAGE_KEY_PREFIX + row.day;
    const batch = this.client.multi();
    for (const field of USAGE_FIELDS) if (row[field] > 0) batch.hincrby(hash, [row.key, row.model, row.upstream, field].join('\t'), row[field]);
    await batch.exec();
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    const rows: UsageRow[] = [];
    for (const day of daysBetween(query.from, query.to)) {
      const fields = await this.client.hgetall(USAGE_KEY_PREFIX + day);
      const byGroup = new Map<string, UsageRow>();
      for (const [name, value] of Object.entries(fields)) {
        const [key, model, upstream, field] = name.split('\t') as [string, string, string, (typeof USAGE_FIELDS)[number]];
        if ((query.key !== undefined && key !== query.key) || (query.model !== undefined && model !== query.model)) continue;
        const group = `${key}\t${model}\t${upstream}`;
        let row = byGroup.get(group);
        if (!row) {
          row = { day, key, model, upstream, requests: 0, input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
          byGroup.set(group, row);
        }
        if ((USAGE_FIELDS as readonly string[]).includes(field)) row[field] += Number(value);
      }
      rows.push(...byGroup.values());
    }
    return rows;
  }

  async close(): Promise<void> {}
}
