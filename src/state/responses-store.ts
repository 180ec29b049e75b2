// Where stored responses live: one small async interface, so that the in-process store (the embedded
// default, memory-store.ts) and a shared one for several replicas (e.g. Redis) are interchangeable.
// Contract (docs: /v1/responses in README):
// - a record is readable and deletable only with the owner it was stored with (a hash of the client's
//   credential, never the credential itself); another owner gets exactly what an unknown id gets;
// - records expire after the store's TTL and may be evicted earlier to stay within its size bound;
// - `get` returns a copy: callers may change what they get without changing the store.
import type { InputItem, ResponseObject } from '../wire/openai-responses.ts';

/** An input item as stored: every one has an id (the client's, or one of ours). */
export type StoredInputItem = InputItem & { id: string };

export interface StoredResponse {
  /** sha256 (hex) of the credential that created the response. */
  owner: string;
  /** The response as it was answered (status, output with our item ids, usage, echoed parameters). */
  response: ResponseObject;
  /**
   * The request's own input items in order, with item_reference resolved (what
   * GET /v1/responses/{id}/input_items lists). The conversation before it is found through
   * response.previous_response_id.
   */
  input: StoredInputItem[];
}

export interface ResponsesStore {
  /** The record, or null when it is unknown, expired, evicted or stored by another owner. */
  get(id: string, owner: string): Promise<StoredResponse | null>;
  /** Keeps a record (replacing one with the same response id). */
  put(record: StoredResponse): Promise<void>;
  /** Removes a record; false when there was none for this owner. */
  delete(id: string, owner: string): Promise<boolean>;
  /** Releases connections and timers (called when the app closes). */
  close(): Promise<void>;
  /** Whether the store can be used now, for GET /readyz; a store without it is always up. */
  health?(): Promise<StoreHealth>;
}

export interface StoreHealth {
  kind: 'memory' | 'redis';
  /** down: requests that need stored responses get 503 until it is up again. */
  status: 'up' | 'down';
  /** Why it is down (never an address or a credential). */
  reason?: string;
}
