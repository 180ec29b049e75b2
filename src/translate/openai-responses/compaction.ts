// Compaction (OpenAI's POST /v1/responses/compact and `context_management: [{type: "compaction"}]`): the
// routed upstream model writes a summary of the conversation, and the client gets it back as a `compaction`
// item whose encrypted_content is opaque to it. Sent back in `input`, that item expands to the summary as a
// user turn (input.ts). What OpenAI returns is kept: every user message of the history, then one compaction
// item. The encoding is versioned by its prefix, as reasoning items are (encrypted-reasoning.ts).
import type { AnthropicResponse, AnthropicUsage } from '../../wire/anthropic.ts';
import type { InputItem, ResponseObject, ResponsesStreamEvent } from '../../wire/openai-responses.ts';
import { ResponsesStreamMachine, responsesUsageFrom, type ResponsesStreamOptions } from './stream.ts';

/** Version prefix of the compaction items this service writes. */
const PREFIX_V1 = 'apc1.';

/**
 * The instruction the upstream model summarises with: the last user turn of the compaction request, after the
 * whole history. Written for this service; it asks for what a coding agent needs to carry on.
 */
export const COMPACTION_PROMPT = [
  'Stop the task here and write a handover summary of the whole conversation above, for yourself to continue from',
  'after the history is removed. Include: the user\'s goals and every explicit requirement or preference; decisions',
  'taken and why; the work done so far, naming files, commands, tools and their important results; errors met and',
  'how they were resolved; what is still open and the next step. Keep exact identifiers, paths and values. Write',
  'only the summary, in plain prose or short lists, without greeting or commentary.',
].join(' ');

/** How an expanded summary opens, so the model reads it as history, not as a new request. */
export const SUMMARY_PREAMBLE = 'Summary of the earlier conversation, which was compacted:';

export function encodeCompaction(summary: string): string {
  return PREFIX_V1 + Buffer.from(JSON.stringify({ s: summary }), 'utf8').toString('base64url');
}

/** The summary a compaction item carries, or null when the item is not ours or is damaged (then it is left out). */
export function decodeCompaction(encrypted: unknown): string | null {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX_V1)) return null;
  try {
    const value = JSON.parse(Buffer.from(encrypted.slice(PREFIX_V1.length), 'base64url').toString('utf8')) as { s?: unknown };
    return typeof value?.s === 'string' && value.s !== '' ? value.s : null;
  } catch {
    return null;
  }
}

/** The text a compaction item stands for in the upstream request. */
export function expandedSummary(summary: string): string {
  return `${SUMMARY_PREAMBLE}\n\n${summary}`;
}

/** The items of the summarising request: the history, then the compaction prompt as the user's turn. */
export function compactionRequestItems(history: readonly InputItem[]): InputItem[] {
  return [...history, { type: 'message', role: 'user', content: [{ type: 'input_text', text: COMPACTION_PROMPT }] }];
}

/** The summary in an upstream answer: its text blocks, joined. Empty when the model wrote none. */
export function summaryOf(answer: AnthropicResponse): string {
  const blocks = Array.isArray(answer.content) ? answer.content : [];
  return blocks
    .filter((block): block is { type: 'text'; text: string } => block?.type === 'text' && typeof (block as { text?: unknown }).text === 'string')
    .map((block) => block.text)
    .join('\n')
    .trim();
}

function isUserMessage(item: InputItem): boolean {
  const message = item as { type?: unknown; role?: unknown };
  return (message.type === 'message' || message.type === undefined) && message.role === 'user';
}

/** The compacted history as OpenAI lists it: the user messages of `history`, then the compaction item. */
export function compactedItems(history: readonly InputItem[], summary: string, itemId: string): InputItem[] {
  return [
    ...history.filter(isUserMessage),
    { id: itemId, type: 'compaction', encrypted_content: encodeCompaction(summary) },
  ];
}

/** The threshold of the request's compaction entry in context_management, or null when it asks for none. */
export function compactThreshold(contextManagement: unknown): number | null {
  if (!Array.isArray(contextManagement)) return null;
  for (const entry of contextManagement) {
    const { type, compact_threshold: threshold } = (entry ?? {}) as { type?: unknown; compact_threshold?: unknown };
    if (type === 'compaction' && typeof threshold === 'number' && threshold > 0) return threshold;
  }
  return null;
}

/** The answer of POST /v1/responses/compact, as OpenAI documents it (object `response.compaction`). */
export function compactedResponse(fields: { id: string; createdAt: number; output: InputItem[]; usage: AnthropicUsage | null | undefined }): Record<string, unknown> {
  return { id: fields.id, object: 'response.compaction', created_at: fields.createdAt, output: fields.output, usage: responsesUsageFrom(fields.usage) };
}

/** A `compaction_trigger` input item (remote compaction v2, as Codex sends it): compact here, answer with the item. */
export function hasCompactionTrigger(items: readonly InputItem[]): boolean {
  return items.some((item) => item?.type === 'compaction_trigger');
}

/** The items a compaction_trigger asks to compact: everything but the trigger itself. */
export function withoutTriggers(items: readonly InputItem[]): InputItem[] {
  return items.filter((item) => item?.type !== 'compaction_trigger');
}

/**
 * A response whose output is the one compaction item, and the events that stream it: the machine's own
 * created / in_progress / completed (an empty answer), with the item's added and done events between them.
 */
export function compactionAnswer(options: ResponsesStreamOptions, item: InputItem, usage: AnthropicUsage | null | undefined): { response: ResponseObject; events: ResponsesStreamEvent[] } {
  const machine = new ResponsesStreamMachine(options);
  const events: ResponsesStreamEvent[] = [];
  const emit = (event: ResponsesStreamEvent): void => void events.push(event);
  machine.handle({ type: 'message_start', message: { id: '', model: options.fallbackModel, usage: usage ?? null } }, emit);
  machine.handle({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: usage ?? undefined }, emit);
  machine.handle({ type: 'message_stop' }, emit);
  const response = { ...machine.response!, output: [item] } as unknown as ResponseObject;
  const last = events.pop()!;
  events.push(
    { type: 'response.output_item.added', sequence_number: 0, output_index: 0, item },
    { type: 'response.output_item.done', sequence_number: 0, output_index: 0, item },
    { ...last, response },
  );
  events.forEach((event, index) => (event.sequence_number = index));
  return { response, events };
}
