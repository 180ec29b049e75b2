// The cursor paging of OpenAI's list endpoints (GET /v1/responses/{id}/input_items): order, then `after` /
// `before` by item id, then `limit`. Pure.
import { invalidRequest } from '../errors.ts';

export interface PageQuery {
  /** As the query string gave it: 1 to 100, default 20. */
  limit?: string;
  order: 'asc' | 'desc';
  after?: string;
  before?: string;
}

export interface Page<Item> {
  object: 'list';
  data: Item[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** One page of `items` (kept in ascending order); an `after` or `before` id that is not there gives an empty page. */
export function pageOf<Item extends { id: string }>(items: readonly Item[], query: PageQuery): Page<Item> {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!(limit >= 1 && limit <= 100)) throw invalidRequest(`'limit' must be from 1 to 100 (got ${query.limit})`, 'limit');
  let ordered = query.order === 'asc' ? [...items] : [...items].reverse();
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => item.id === query.after);
    ordered = at < 0 ? [] : ordered.slice(at + 1);
  }
  if (query.before !== undefined) {
    const at = ordered.findIndex((item) => item.id === query.before);
    ordered = at < 0 ? [] : ordered.slice(0, at);
  }
  const data = ordered.slice(0, limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: ordered.length > data.length };
}
