// The administration API: GET /admin/usage, the usage records by key, model, upstream and UTC day, with the
// admin_key (a client key gets 403). Dates are YYYY-MM-DD (UTC), both bounds included; group_by keeps the
// fields named and sums over the others, which are left out of the rows. The cost comes from `prices`.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { USAGE_FIELDS, daysBetween, type ModelPrice, type UsageRow } from '../client-keys.ts';
import { invalidRequest } from '../errors.ts';
import { ADMIN } from '../http/route-policy.ts';

const GROUPS = ['key', 'model', 'upstream', 'day'] as const;
type Group = (typeof GROUPS)[number];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** A year of days at most in one query. */
const MAX_DAYS = 366;

interface UsageQueryString {
  key?: string;
  model?: string;
  from?: string;
  to?: string;
  group_by?: string;
}

function costOf(row: UsageRow, price: ModelPrice | undefined): number | null {
  if (!price) return null;
  const cost = (row.input_tokens * price.input + row.output_tokens * price.output + row.cache_read_tokens * price.cacheRead + row.cache_write_tokens * price.cacheWrite) / 1_000_000;
  return Math.round(cost * 1e6) / 1e6;
}

async function routes(app: FastifyInstance): Promise<void> {
  const prices = app.config.access.prices;
  app.get<{ Querystring: UsageQueryString }>('/admin/usage', {
    config: { policy: ADMIN },
    schema: {
      tags: ['admin'],
      summary: 'Usage by client key, model, upstream and UTC day (admin_key)',
      querystring: {
        type: 'object',
        properties: {
          key: { type: 'string' },
          model: { type: 'string' },
          from: { type: 'string', description: 'YYYY-MM-DD (UTC), included; default: 30 days before `to`' },
          to: { type: 'string', description: 'YYYY-MM-DD (UTC), included; default: today' },
          group_by: { type: 'string', description: 'Comma-separated: key, model, upstream, day (default: all four)' },
        },
      },
    },
  }, async (request) => {
    const query = request.query;
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
    for (const [name, value] of [['from', from], ['to', to]] as const) {
      if (!DAY.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw invalidRequest(`'${name}' must be a date as YYYY-MM-DD (UTC)`, name);
    }
    if (from > to) throw invalidRequest("'from' is after 'to'", 'from');
    if (daysBetween(from, to).length > MAX_DAYS) throw invalidRequest(`at most ${MAX_DAYS} days in one query`, 'from');
    const groups = (query.group_by ?? GROUPS.join(',')).split(',').map((item) => item.trim()).filter((item) => item !== '');
    const unknown = groups.filter((group) => !(GROUPS as readonly string[]).includes(group));
    if (unknown.length > 0) throw invalidRequest(`'group_by' takes ${GROUPS.join(', ')}; not ${unknown.join(', ')}`, 'group_by');

    const rows = await app.clientStores.usage.query({ from, to, ...(query.key ? { key: query.key } : {}), ...(query.model ? { model: query.model } : {}) });
    const grouped = new Map<string, Record<string, unknown> & { cost: number | null }>();
    for (const row of rows) {
      const id = groups.map((group) => row[group as Group]).join('\t');
      let out = grouped.get(id);
      if (!out) {
        out = { ...Object.fromEntries(groups.map((group) => [group, row[group as Group]])), ...Object.fromEntries(USAGE_FIELDS.map((field) => [field, 0])), cost: 0 };
        grouped.set(id, out);
      }
      for (const field of USAGE_FIELDS) (out[field] as number) += row[field];
      const cost = costOf(row, prices[row.model]);
      out.cost = out.cost === null || cost === null ? null : Math.round((out.cost + cost) * 1e6) / 1e6;
    }
    const data = [...grouped.values()].map((row) => (Object.keys(prices).length === 0 || row.cost === null ? { ...row, cost: null } : row));
    return { object: 'list', data };
  });
}

export const adminRoutes = fp(routes, { name: 'admin-routes', fastify: '5.x', encapsulate: true, dependencies: ['client-limits'], decorators: { fastify: ['config', 'clientStores'] } });
