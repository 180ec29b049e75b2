// The embedded responses store: owner scoping, copies, the size bound (least recently used first) and the TTL.
import t from 'tap';
import { MemoryResponsesStore } from '../../src/state/memory-store.ts';
import type { StoredResponse } from '../../src/state/responses-store.ts';

const id = (n: number) => `resp_${n.toString(16).padStart(32, '0')}`;
function record(n: number, owner = 'owner-a', padding = ''): StoredResponse {
  return { owner, response: { id: id(n), output: [], previous_response_id: null, padding } as any, input: [] };
}
const bytes = (r: StoredResponse) => Buffer.byteLength(JSON.stringify(r));

t.test('get, put and delete, scoped to the owner; get hands out copies', async (t) => {
  const store = new MemoryResponsesStore({ maxBytes: 1 << 20, ttlMs: 60_000 });
  await store.put(record(1));
  t.equal(await store.get(id(1), 'owner-b'), null, 'another owner sees nothing');
  t.equal(await store.delete(id(1), 'owner-b'), false, 'and cannot delete it');
  const got = await store.get(id(1), 'owner-a');
  t.equal(got!.response.id, id(1));
  (got!.response as any).padding = 'changed';
  t.equal(((await store.get(id(1), 'owner-a'))!.response as any).padding, '', 'the stored record is unchanged');
  t.equal(await store.delete(id(1), 'owner-a'), true);
  t.equal(await store.get(id(1), 'owner-a'), null);
  t.equal(await store.delete(id(1), 'owner-a'), false);
  t.equal(await store.get(id(2), 'owner-a'), null, 'an unknown id');
});

t.test('the size bound evicts the least recently used records; a record larger than the bound is not kept', async (t) => {
  const one = bytes(record(1, 'owner-a', 'x'.repeat(100)));
  const store = new MemoryResponsesStore({ maxBytes: one * 3, ttlMs: 60_000 });
  for (const n of [1, 2, 3]) await store.put(record(n, 'owner-a', 'x'.repeat(100)));
  t.equal(store.size.entries, 3);
  await store.get(id(1), 'owner-a'); // touched: 2 is now the least recently used
  await store.put(record(4, 'owner-a', 'x'.repeat(100)));
  t.equal(await store.get(id(2), 'owner-a'), null, 'the least recently used one went');
  t.ok(await store.get(id(1), 'owner-a'));
  t.ok(await store.get(id(3), 'owner-a'));
  t.ok(await store.get(id(4), 'owner-a'));
  t.ok(store.size.bytes <= one * 3, 'within the bound');
  await store.put(record(5, 'owner-a', 'x'.repeat(one * 3)));
  t.equal(await store.get(id(5), 'owner-a'), null, 'too large for the whole store');
  t.equal(store.size.entries, 3, 'and nothing was evicted for it');
  await store.put(record(4, 'owner-a', 'y'));
  t.equal(store.size.entries, 3, 'a put with the same id replaces');
  t.equal(((await store.get(id(4), 'owner-a'))!.response as any).padding, 'y');
});

t.test('records expire after the TTL, counted from put', async (t) => {
  let now = 1_000;
  const store = new MemoryResponsesStore({ maxBytes: 1 << 20, ttlMs: 500, now: () => now });
  await store.put(record(1));
  now += 499;
  t.ok(await store.get(id(1), 'owner-a'), 'alive just before');
  now += 1;
  t.equal(await store.get(id(1), 'owner-a'), null, 'gone at the TTL');
  t.equal(store.size.entries, 0, 'and its memory released');
  await store.put(record(2));
  now += 1_000;
  t.equal(await store.delete(id(2), 'owner-a'), false, 'an expired record cannot be deleted either');
});
