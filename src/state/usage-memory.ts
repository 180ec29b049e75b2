// Usage records in the process, for DATA_DIR set empty (tests, or a deployment that keeps no records): lost on restart.
import type { UsageQuery, UsageRow, UsageStore } from '../client-keys.ts';
import { USAGE_FIELDS } from '../client-keys.ts';

export class MemoryUsageStore implements UsageStore {
  readonly kind = 'memory' as const;
  private readonly rows = new Map<string, UsageRow>();

  async add(row: UsageRow): Promise<void> {
    const id = [row.day, row.key, row.model, row.upstream].join('\t');
    const kept = this.rows.get(id);
    if (!kept) this.rows.set(id, { ...row });
    else for (const field of USAGE_FIELDS) kept[field] += row[field];
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    return [...this.rows.values()]
      .filter((row) => row.day >= query.from && row.day <= query.to && (query.key === undefined || row.key === query.key) && (query.model === undefined || row.model === query.model))
      .map((row) => ({ ...row }));
  }

  async close(): Promise<void> {}
}
