// previous_response_id and item_reference resolution through the store.
import t from 'tap';
import { MemoryResponsesStore } from '../../src/state/memory-store.ts';
import { ownerOf, resolveInput } from '../../src/state/history.ts';
import type { StoredResponse } from '../../src/state/responses-store.ts';

const hex = (n: number) => n.toString(16).padStart(32, '0');
const rid = (n: number) => `resp_${hex(n)}`;
const OWNER = ownerOf('sk-a');

function stored(n: number, previous: number | null, input: any[], output: any[]): StoredResponse {
  return { owner: OWNER, input, response: { id: rid(n), previous_response_id: previous === null ? null : rid(previous), output } as any };
}

async function twoTurnStore() {
  const store = new MemoryResponsesStore({ maxBytes: 1 << 20, ttlMs: 60_000 });
  await store.put(stored(1, null, [{ id: `item_${hex(1)}_i0`, type: 'message', role: 'user', content: [{ type: 'input_text', text: 'one' }] }], [
    { id: `rs_${hex(1)}_0`, type: 'reasoning', summary: [], encrypted_content: 'ap1.x' },
    { id: `msg_${hex(1)}_1`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'ONE', annotations: [] }] },
  ]));
  await store.put(stored(2, 1, [{ id: `item_${hex(2)}_i0`, type: 'message', role: 'user', content: [{ type: 'input_text', text: 'two' }] }], [
    { id: `msg_${hex(2)}_0`, type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'TWO', annotations: [] }] },
  ]));
  return store;
}

t.test('the owner is a hash of the credential, never the credential', async (t) => {
  t.match(ownerOf('sk-secret'), /^[0-9a-f]{64}$/);
  t.not(ownerOf('sk-secret'), ownerOf('sk-other'));
  t.equal(ownerOf(null), ownerOf(null));
  t.notMatch(ownerOf('sk-secret'), /sk-secret/);
});

t.test('previous_response_id: the whole conversation, oldest first, then the new input with ids', async (t) => {
  const store = await twoTurnStore();
  const resolved = await resolveInput({ previous_response_id: rid(2), input: 'three' }, store, OWNER, rid(3));
  t.same(resolved.items.map((item: any) => item.content?.[0]?.text ?? item.type), ['one', 'reasoning', 'ONE', 'two', 'TWO', 'three']);
  t.strictSame(resolved.own, [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'three' }], id: `item_${hex(3)}_i0` }]);
});

t.test('previous_response_id that is unknown, expired or another owner\'s: 404 previous_response_not_found', async (t) => {
  const store = await twoTurnStore();
  for (const [previous, owner] of [[rid(9), OWNER], [rid(2), ownerOf('sk-b')]] as const) {
    await t.rejects(resolveInput({ previous_response_id: previous, input: 'x' }, store, owner, rid(3)), {
      statusCode: 404, code: 'previous_response_not_found', param: 'previous_response_id', openaiType: 'invalid_request_error',
    });
  }
  await store.delete(rid(1), OWNER);
  await t.rejects(resolveInput({ previous_response_id: rid(2), input: 'x' }, store, OWNER, rid(3)), { statusCode: 404, code: 'previous_response_not_found', message: /earlier response/ });
});

t.test('item_reference: found through the id of its response; already in the conversation: not repeated', async (t) => {
  const store = await twoTurnStore();
  const alone = await resolveInput({ input: [{ type: 'item_reference', id: `rs_${hex(1)}_0` }, { role: 'user', content: 'q' }] }, store, OWNER, rid(3));
  t.strictSame(alone.items[0], { id: `rs_${hex(1)}_0`, type: 'reasoning', summary: [], encrypted_content: 'ap1.x' });
  t.equal(alone.items.length, 2);
  const chained = await resolveInput({ previous_response_id: rid(2), input: [{ type: 'item_reference', id: `msg_${hex(1)}_1` }, { id: `msg_${hex(2)}_0`, type: 'message', role: 'assistant', content: 'dup' }, { role: 'user', content: 'q' }] }, store, OWNER, rid(3));
  t.equal(chained.items.length, 6, 'the conversation (5 items) and the new user message');
  t.equal(chained.own.length, 1);
  const reasoning = await resolveInput({ input: [{ type: 'reasoning', id: `rs_${hex(1)}_0`, summary: [] }, { role: 'user', content: 'q' }] }, store, OWNER, rid(3));
  t.equal((reasoning.items[0] as any).encrypted_content, 'ap1.x', 'a reasoning item sent back without encrypted_content is completed from the store');
});

t.test('an item_reference to an unknown item, or another owner\'s: 404 item_not_found', async (t) => {
  const store = await twoTurnStore();
  for (const [ref, owner] of [[`msg_${hex(7)}_0`, OWNER], ['fc_client_made', OWNER], [`msg_${hex(1)}_1`, ownerOf('sk-b')]] as const) {
    await t.rejects(resolveInput({ input: [{ type: 'item_reference', id: ref }] }, store, owner, rid(3)), { statusCode: 404, code: 'item_not_found', param: 'input[0].id' });
  }
});
