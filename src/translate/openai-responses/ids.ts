// Response and item ids. A response id is `resp_` + 32 hex digits from the caller (random in the route,
// fixed in tests); its items are named after it (`msg_<hex>_0`, `fc_<hex>_1`, `rs_…`, `ctc_…`, input items
// `item_<hex>_i0`), so an item_reference finds its response without a separate index in the store.

const ITEM_ID = /^[a-z]+_([0-9a-f]{32})_i?\d+$/;

export type OutputItemPrefix = 'msg' | 'fc' | 'ctc' | 'rs' | 'cmp';

/** An id for output item `index` of a response. */
export function outputItemId(responseId: string, prefix: OutputItemPrefix, index: number): string {
  return `${prefix}_${responseId.slice('resp_'.length)}_${index}`;
}

/** An id for input item `index` of a response, when the client gave it none. */
export function inputItemId(responseId: string, index: number): string {
  return `item_${responseId.slice('resp_'.length)}_i${index}`;
}

/** The response an item id of ours belongs to, or null for an id we did not make. */
export function responseIdOfItem(itemId: string): string | null {
  const match = ITEM_ID.exec(itemId);
  return match ? `resp_${match[1]}` : null;
}
