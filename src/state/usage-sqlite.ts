// Usage records without Redis: an SQLite file in DATA_DIR (Node's built-in node:sqlite), one row per key,
// model, upstream and UTC day, added to in place. It survives a restart; one process writes it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { USAGE_FIELDS, type UsageQuery, type UsageRow, type UsageStore } from '../client-keys.ts';

export const USAGE_DB_FILE = 'usage.sqlite';

export class SqliteUsageStore implements UsageStore {
  readonly kind = 'sqlite' as const;
  private readonly db: DatabaseSync;
  private readonly upsert: StatementSync;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new DatabaseSync(join(dataDir, USAGE_DB_FILE));
    this.db.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS usage (
        day TEXT NOT NULL, key TEXT NOT NULL, model TEXT NOT NULL, upstream TEXT NOT NULL,
        ${USAGE_FIELDS.map((field) => `${field} INTEGER NOT NULL DEFAULT 0`).join(', ')},
        PRIMARY KEY (day, key, model, upstream))`);
    this.upsert = this.db.prepare(`INSERT INTO usage (day, key, model, upstream, ${USAGE_FIELDS.join(', ')})
      VALUES (?, ?, ?, ?, ${USAGE_FIELDS.map(() => '?').join(', ')})
      ON CONFLICT (day, key, model, upstream) DO UPDATE SET ${USAGE_FIELDS.map((field) => `${field} = ${field} + excluded.${field}`).join(', ')}`);
  }

  async add(row: UsageRow): Promise<void> {
    this.upsert.run(row.day, row.key, row.model, row.upstream, ...USAGE_FIELDS.map((field) => row[field]));
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    const where = ['day >= ?', 'day <= ?'];
    const params: string[] = [query.from, query.to];
    if (query.key !== undefined) (where.push('key = ?'), params.push(query.key));
    if (query.model !== undefined) (where.push('model = ?'), params.push(query.model));
    const rows = this.db.prepare(`SELECT * FROM usage WHERE ${where.join(' AND ')} ORDER BY day, key, model, upstream`).all(...params);
    return rows as unknown as UsageRow[];
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }
}
