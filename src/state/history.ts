// State for POST /v1/responses: the conversation a request continues (previous_response_id, then each
// stored response's own input and output, oldest first) and its own input items with item_reference (and
// reasoning items sent back without their encrypted_content) replaced by the stored items. Everything is
// read through the ResponsesStore interface, scoped to the caller's owner hash.
import { createHash } from 'node:crypto';
import { ProxyError, invalidRequest } from '../errors.ts';
import { inputItemId, responseIdOfItem } from '../translate/openai-responses/ids.ts';
import type { InputItem, ResponsesRequest } from '../wire/openai-responses.ts';
import type { ResponsesStore, StoredInputItem, StoredResponse } from './responses-store.ts';

/** Longest previous_response_id chain followed (a guard against a cycle in a damaged store). */
const MAX_CHAIN = 10_000;

/** The owner of stored responses: a hash of the credential the client presented, never the credential. */
export function ownerOf(credential: string | null): string {
  return createHash('sha256').update(`anthropic-proxy responses owner\0${credential ?? ''}`).digest('hex');
}

export function responseNotFound(id: string, param: string | null = null, code: 'response_not_found' | 'previous_response_not_found' = 'response_not_found'): ProxyError {
  return new ProxyError(code, `No response found with id '${id}'.`, { param });
}

export interface ResolvedInput {
  /** Every item the upstream request is built from: the stored conversation, then this request's items. */
  items: InputItem[];
  /** This request's own items, ids assigned, as they will be stored. */
  own: StoredInputItem[];
}

function idOf(item: InputItem): string | null {
  const id = (item as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : null;
}

const isCompaction = (item: InputItem): boolean => item?.type === 'compaction';

/** The stored conversation up to and including `previousId`, oldest first. */
async function conversation(store: ResponsesStore, owner: string, previousId: string): Promise<InputItem[]> {
  const chain: StoredResponse[] = [];
  let id: string | null = previousId;
  while (id !== null && chain.length < MAX_CHAIN) {
    const record = await store.get(id, owner);
    if (!record) {
      if (id === previousId) throw responseNotFound(id, 'previous_response_id', 'previous_response_not_found');
      throw new ProxyError('previous_response_not_found', `The conversation of previous_response_id '${previousId}' is no longer complete: its earlier response '${id}' has expired or was deleted.`, { param: 'previous_response_id' });
    }
    chain.push(record);
    id = record.response.previous_response_id;
  }
  const items: InputItem[] = [];
  for (const record of chain.reverse()) {
    // A compaction item stands for everything before it: the history it summarised is not sent again.
    // (An output item is an input item too: it passes the item schema; its interface has no index signature.)
    const output = record.response.output.map((item) => item as unknown as InputItem);
    if (record.input.some(isCompaction) || output.some(isCompaction)) items.length = 0;
    if (!output.some(isCompaction)) for (const item of record.input) items.push(item);
    for (const item of output) items.push(item);
  }
  return items;
}

/** The stored item with this id: in the conversation so far, else in the response its id names. */
async function storedItem(store: ResponsesStore, owner: string, id: string, known: ReadonlyMap<string, InputItem>): Promise<InputItem | null> {
  const seen = known.get(id);
  if (seen) return seen;
  const responseId = responseIdOfItem(id);
  if (responseId === null) return null;
  const record = await store.get(responseId, owner);
  if (!record) return null;
  return record.input.find((item) => item.id === id) ?? (record.response.output.find((item) => item.id === id) as InputItem | undefined) ?? null;
}

/** A message as OpenAI lists input items: with its type, and its content as parts. */
function normalised(item: InputItem): InputItem {
  const message = item as { type?: unknown; role?: unknown; content?: unknown };
  if ((message.type !== undefined && message.type !== null) || typeof message.role !== 'string') return item;
  const content = typeof message.content === 'string'
    ? [{ type: message.role === 'assistant' ? 'output_text' : 'input_text', text: message.content }]
    : message.content;
  return { ...item, type: 'message', content } as InputItem;
}

export async function resolveInput(request: ResponsesRequest, store: ResponsesStore, owner: string, responseId: string): Promise<ResolvedInput> {
  const previous = typeof request.previous_response_id === 'string' && request.previous_response_id !== '' ? request.previous_response_id : null;
  const items = previous ? await conversation(store, owner, previous) : [];
  const known = new Map<string, InputItem>();
  for (const item of items) {
    const id = idOf(item);
    if (id) known.set(id, item);
  }
  const given: readonly InputItem[] = typeof request.input === 'string'
    ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: request.input }] }]
    : request.input ?? [];
  const own: StoredInputItem[] = [];
  for (let i = 0; i < given.length; i++) {
    let item = given[i];
    const id = item && typeof item === 'object' ? idOf(item) : null;
    const isReference = item?.type === 'item_reference' || ((item?.type === undefined || item?.type === null) && id !== null && !('role' in item));
    const reasoningWithoutContent = item?.type === 'reasoning' && id !== null && typeof (item as { encrypted_content?: unknown }).encrypted_content !== 'string';
    if (isReference || reasoningWithoutContent) {
      if (id === null) throw invalidRequest(`'input[${i}].id' is required for an item_reference`, `input[${i}].id`);
      // Already part of the conversation through previous_response_id: not repeated.
      if (known.has(id)) continue;
      const stored = await storedItem(store, owner, id, known);
      if (stored) item = stored;
      else if (isReference) {
        throw new ProxyError('item_not_found', `Item with id '${id}' not found.`, { param: `input[${i}].id` });
      }
      // A reasoning item we cannot complete stays as it is (and is left out of the upstream request).
    } else if (id !== null && known.has(id)) {
      continue; // a duplicate of an item the conversation already holds
    }
    const withId = { ...normalised(item), ...(id === null ? { id: inputItemId(responseId, i) } : {}) } as StoredInputItem;
    known.set(withId.id, withId);
    own.push(withId);
  }
  return { items: own.some(isCompaction) ? own : [...items, ...own], own };
}
