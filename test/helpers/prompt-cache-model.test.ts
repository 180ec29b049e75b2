// The mock's prompt cache behaves as Anthropic's prompt-caching docs describe: writes at marked blocks above
// the minimum, reads of the longest live prefix within the lookback, TTL, and the refusals.
import t from 'tap';
import { PromptCacheModel, cachedShare } from './prompt-cache-model.ts';

const MARK = { type: 'ephemeral' };
/** T tokens of text each (the model counts a quarter of the JSON length, markers left out). */
const text = (i: number, marked = false) => ({ type: 'text', text: `block ${String(i).padStart(2, '0')} `.repeat(100), ...(marked ? { cache_control: MARK } : {}) });
const T = Math.ceil(JSON.stringify(text(0)).length / 4);
/** One user message of n text blocks, the ones at `marks` marked. */
const body = (n: number, marks: number[]) => ({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: Array.from({ length: n }, (_, i) => text(i, marks.includes(i))) }] });

t.test('a write at the marker, then a read of it; the rest is input', async (t) => {
  const cache = new PromptCacheModel();
  const first = cache.account(body(6, [4]));
  t.match(first, { usage: { cache_read_input_tokens: 0, cache_creation_input_tokens: 5 * T, input_tokens: T } });
  t.match(cache.account(body(8, [4, 7])), { usage: { cache_read_input_tokens: 5 * T, cache_creation_input_tokens: 3 * T, input_tokens: 0 } });
  t.equal(cachedShare(cache.usages.slice(1)), 5 / 8);
});

t.test('no write below the minimum cacheable length', async (t) => {
  const cache = new PromptCacheModel();
  t.match(cache.account(body(3, [2])), { usage: { cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
  t.match(cache.account(body(3, [2])), { usage: { cache_read_input_tokens: 0 } }, 'so nothing to read either');
});

t.test('a marker finds an earlier entry only within the lookback', async (t) => {
  const cache = new PromptCacheModel({ lookbackBlocks: 20 });
  cache.account(body(10, [9]));
  t.match(cache.account(body(30, [29])), { usage: { cache_read_input_tokens: 10 * T } }, '20 blocks back: a hit');
  const fresh = new PromptCacheModel({ lookbackBlocks: 20 });
  fresh.account(body(10, [9]));
  t.match(fresh.account(body(31, [30])), { usage: { cache_read_input_tokens: 0 } }, '21 blocks back: a miss');
  const bridged = new PromptCacheModel({ lookbackBlocks: 20 });
  bridged.account(body(10, [9]));
  t.match(bridged.account(body(31, [9, 30])), { usage: { cache_read_input_tokens: 10 * T, cache_creation_input_tokens: 21 * T } }, 'a second marker on the old end: a hit');
});

t.test('entries expire after their TTL, counted from the last use', async (t) => {
  let now = 0;
  const cache = new PromptCacheModel({ now: () => now });
  cache.account(body(6, [5]));
  now = 4 * 60_000;
  t.match(cache.account(body(6, [5])), { usage: { cache_read_input_tokens: 6 * T } });
  now = 8 * 60_000;
  t.match(cache.account(body(6, [5])), { usage: { cache_read_input_tokens: 6 * T } }, 'the read renewed it');
  now = 14 * 60_000;
  t.match(cache.account(body(6, [5])), { usage: { cache_read_input_tokens: 0, cache_creation_input_tokens: 6 * T } }, 'five minutes unused: gone');
});

t.test('refusals: five markers, a marked thinking block, empty text, 1h after 5m', async (t) => {
  const cache = new PromptCacheModel();
  t.match(cache.account(body(6, [0, 1, 2, 3, 4])), { refusal: /maximum of 4 blocks.*Found 5/ });
  const thinking = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 's', cache_control: MARK }] }] };
  t.match(cache.account(thinking), { refusal: /messages\.1\.content\.0\.cache_control/ });
  t.match(cache.account({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: [{ type: 'text', text: ' ', cache_control: MARK }] }] }), { refusal: /empty text/ });
  const order = body(3, [0]);
  order.messages[0].content[2] = { ...text(2), cache_control: { type: 'ephemeral', ttl: '1h' } } as any;
  t.match(cache.account(order), { refusal: /ttl='1h'/ });
  t.equal(cache.usages.length, 0, 'refused requests report no usage');
});
