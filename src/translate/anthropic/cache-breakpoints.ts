// Prompt-cache breakpoints for clients that set none (OpenAI clients never do). Pure: the body in, a new
// body out, the input untouched. Facts from Anthropic's prompt-caching docs ("Prompt caching"):
// - the cached prefix runs tools, then system, then messages, up to and including the marked block;
// - at most four blocks may carry cache_control in one request (more is a 400);
// - a prefix below the model's minimum cacheable length is not cached (no error, no write);
// - each breakpoint also looks for hits at earlier block boundaries, but only about 20 blocks back;
// - thinking and redacted_thinking blocks cannot be marked directly, nor can empty text blocks;
// - a longer TTL must come before a shorter one (1h markers before 5m markers).
// Placement: the end of the tools, the end of the system prompt, and two rolling ones in the messages: on
// the latest turn (it writes the prefix the next request will read) and on the end of the previous request
// (the block the previous request's rolling breakpoint wrote). The second makes that read an exact hit however
// many blocks the last turn added, so an agent turn with many parallel tool calls (more than the ~20-block
// lookback) still reads the conversation from the cache.
import type { AnthropicMessage, AnthropicRequest, AnthropicTool, CacheControl, ContentBlock, TextBlock } from '../../wire/anthropic.ts';

export type CacheTtl = '5m' | '1h';
/** A piece of the prompt that a breakpoint can end on: a tool definition, a system block, a message block. */
export type CachePart = AnthropicTool | TextBlock | ContentBlock;

export interface CacheBreakpointOptions {
  /** The TTL asked for; 1h is sent only where `ttlSupported`. */
  ttl?: CacheTtl;
  /** Whether the upstream takes `cache_control.ttl`; without it markers carry no ttl (Anthropic's 5m default). */
  ttlSupported: boolean;
  /** The model's minimum cacheable prefix, in tokens: a breakpoint with a shorter prefix is not placed. */
  minCacheableTokens: number;
  /** Tokens of one part; a generous estimate costs at most a marker that caches nothing. */
  estimateTokens: (part: CachePart, region: Position['region']) => number;
}

/** Anthropic's limit of blocks with cache_control per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/** Where a part sits, in prompt order (tools, system, messages). */
export type Position = { region: 'tools'; index: number } | { region: 'system'; index: number } | { region: 'messages'; message: number; block: number };

interface Part {
  position: Position;
  part: CachePart;
  /** Tokens from the start of the prompt through this part. */
  prefixTokens: number;
  /** TTL ranks of the client's markers on this part (nested tool_result content included): 2 = 1h, 1 = 5m. */
  clientRanks: number[];
}

const rankOf = (control: CacheControl | undefined): number => (control?.ttl === '1h' ? 2 : 1);

/** Blocks Anthropic takes a cache_control on (Anthropic's prompt-caching docs: not thinking, not empty text). */
export function acceptsCacheControl(block: ContentBlock): boolean {
  switch (block.type) {
    case 'text':
      return block.text.trim() !== '';
    case 'image':
    case 'document':
    case 'tool_use':
    case 'tool_result':
      return true;
    default:
      // thinking, redacted_thinking, and any block type we do not know: never marked.
      return false;
  }
}

function clientRanksOf(part: CachePart): number[] {
  const ranks: number[] = [];
  if ('cache_control' in part && part.cache_control) ranks.push(rankOf(part.cache_control));
  const block = part as ContentBlock;
  if (block.type === 'tool_result' && Array.isArray(block.content)) {
    for (const inner of block.content) if (inner.cache_control) ranks.push(rankOf(inner.cache_control));
  }
  return ranks;
}

function partsOf(body: AnthropicRequest, estimate: CacheBreakpointOptions['estimateTokens']): Part[] {
  const parts: Part[] = [];
  let tokens = 0;
  const add = (position: Position, part: CachePart) => {
    tokens += estimate(part, position.region);
    parts.push({ position, part, prefixTokens: tokens, clientRanks: clientRanksOf(part) });
  };
  (body.tools ?? []).forEach((tool, index) => add({ region: 'tools', index }, tool));
  (body.system ?? []).forEach((block, index) => add({ region: 'system', index }, block));
  body.messages.forEach((message, m) => message.content.forEach((block, b) => add({ region: 'messages', message: m, block: b }, block)));
  return parts;
}

/** The index (in `parts`) of the last block of messages[0..upTo] that takes a marker, or -1. */
function lastMarkableIn(parts: Part[], upTo: number): number {
  for (let i = parts.length - 1; i >= 0; i--) {
    const { position, part } = parts[i];
    if (position.region !== 'messages') return -1;
    if (position.message <= upTo && acceptsCacheControl(part as ContentBlock)) return i;
  }
  return -1;
}

/** The last message of the request before this one: the one before the latest assistant turn. */
function previousRequestEnd(messages: readonly AnthropicMessage[]): number {
  for (let m = messages.length - 2; m >= 1; m--) if (messages[m].role === 'assistant') return m - 1;
  return -1;
}

/** Candidate parts for our breakpoints, most valuable first. */
function candidates(body: AnthropicRequest, parts: Part[]): number[] {
  const wanted: number[] = [];
  const latest = lastMarkableIn(parts, body.messages.length - 1);
  if (latest !== -1) wanted.push(latest);
  const previousEnd = previousRequestEnd(body.messages);
  const previous = previousEnd === -1 ? -1 : lastMarkableIn(parts, previousEnd);
  if (previous !== -1 && previous !== latest) wanted.push(previous);
  // The tools and the system prompt only get ours where the client marked nothing of them.
  const regionEnd = (region: 'tools' | 'system') => {
    const inRegion = parts.map((part, i) => [part, i] as const).filter(([part]) => part.position.region === region);
    if (inRegion.length === 0 || inRegion.some(([part]) => part.clientRanks.length > 0)) return -1;
    const [last, i] = inRegion[inRegion.length - 1];
    return region === 'system' && !acceptsCacheControl(last.part as TextBlock) ? -1 : i;
  };
  for (const region of ['system', 'tools'] as const) {
    const end = regionEnd(region);
    if (end !== -1) wanted.push(end);
  }
  return wanted;
}

/**
 * The TTL rank our marker at `index` may carry: the desired one, held between the client's markers after it
 * (ours must not be shorter) and before it (ours must not be longer). null when no rank fits.
 */
function rankAt(parts: Part[], index: number, desired: number): number | null {
  let minBefore = 2;
  let maxAfter = 1;
  parts.forEach((part, i) => {
    for (const rank of part.clientRanks) {
      if (i < index) minBefore = Math.min(minBefore, rank);
      else if (i > index) maxAfter = Math.max(maxAfter, rank);
    }
  });
  if (maxAfter > minBefore) return null;
  return Math.min(Math.max(desired, maxAfter), minBefore);
}

function withMarker<T extends CachePart>(part: T, control: CacheControl): T {
  return { ...part, cache_control: control };
}

/** The body with breakpoints added where the client set none, within Anthropic's limit; the client's are kept. */
export function placeCacheBreakpoints(body: AnthropicRequest, options: CacheBreakpointOptions): AnthropicRequest {
  const parts = partsOf(body, options.estimateTokens);
  const clientMarkers = parts.reduce((sum, part) => sum + part.clientRanks.length, 0);
  let free = MAX_CACHE_BREAKPOINTS - clientMarkers;
  if (free <= 0) return body;
  const desired = options.ttl === '1h' && options.ttlSupported ? 2 : 1;
  const chosen = new Map<number, CacheControl>();
  for (const index of candidates(body, parts)) {
    if (free === 0) break;
    const part = parts[index];
    if (part.clientRanks.length > 0 || part.prefixTokens < options.minCacheableTokens) continue;
    const rank = rankAt(parts, index, desired);
    if (rank === null || (rank === 2 && !options.ttlSupported)) continue;
    // 5m is Anthropic's default: sent without a ttl, which every upstream that caches understands.
    chosen.set(index, rank === 2 ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' });
    free--;
  }
  if (chosen.size === 0) return body;

  const next: AnthropicRequest = { ...body };
  const messages = new Map<number, ContentBlock[]>();
  for (const [index, control] of chosen) {
    const position = parts[index].position;
    if (position.region === 'tools') {
      next.tools = [...(next.tools ?? [])];
      next.tools[position.index] = withMarker(next.tools[position.index], control);
    } else if (position.region === 'system') {
      next.system = [...(next.system ?? [])];
      next.system[position.index] = withMarker(next.system[position.index], control);
    } else {
      const blocks = messages.get(position.message) ?? [...body.messages[position.message].content];
      blocks[position.block] = withMarker(blocks[position.block], control);
      messages.set(position.message, blocks);
    }
  }
  if (messages.size > 0) next.messages = body.messages.map((message, m) => (messages.has(m) ? { ...message, content: messages.get(m)! } : message));
  return next;
}
