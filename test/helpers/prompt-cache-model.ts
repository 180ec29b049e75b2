// A mock upstream's prompt cache that behaves as Anthropic's prompt-caching docs describe, so a test can
// measure what the service's breakpoints would save:
// - the prompt is read as blocks in the order tools, system, messages; a prefix is identified by the hash
//   of its blocks (cache_control markers are not part of it), and tool_choice and thinking settings are part
//   of the messages' prefix (changing them invalidates cached messages, not tools or system);
// - only prefixes ending at a marked block are written, and only when at least `minCacheableTokens` long;
// - a marker reads the longest cached prefix ending at its block or at one of the `lookbackBlocks` blocks
//   before it; cache_read_input_tokens is that prefix, cache_creation_input_tokens runs from there to the
//   last marker written, input_tokens is the rest;
// - entries live 5 minutes (or 1 hour with ttl "1h") from their last use;
// - more than four markers, a marker on a thinking, redacted_thinking or empty text block, or a 1h marker
//   after a 5m one is a 400 invalid_request_error.
// Tokens are counted as a quarter of each block's JSON length: the model needs consistent counts, not Claude's.
import { createHash } from 'node:crypto';
import { anthropicErrorBody, type MockHandler, type MockReply, type RecordedRequest } from './mock-upstream.ts';

export interface PromptCacheModelOptions {
  minCacheableTokens?: number;
  lookbackBlocks?: number;
  /** Milliseconds; tests move it to expire entries. */
  now?: () => number;
}

export interface CacheUsage {
  input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

interface Block {
  hash: string;
  /** Tokens from the start of the prompt through this block. */
  prefixTokens: number;
  marker: { ttl: '5m' | '1h' } | null;
}

type Json = Record<string, any>;
const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

export class PromptCacheModel {
  readonly minCacheableTokens: number;
  readonly lookbackBlocks: number;
  /** Every request's usage, in order (refused requests are not counted). */
  readonly usages: CacheUsage[] = [];
  private readonly now: () => number;
  /** prefix hash -> when it expires, and the lifetime a use renews */
  private readonly entries = new Map<string, { expires: number; ttlMs: number }>();

  constructor(options: PromptCacheModelOptions = {}) {
    this.minCacheableTokens = options.minCacheableTokens ?? 1024;
    this.lookbackBlocks = options.lookbackBlocks ?? 20;
    this.now = options.now ?? Date.now;
  }

  /** The usage Anthropic would report for this body, or why it would refuse it. */
  account(body: Json): { usage: CacheUsage } | { refusal: string } {
    const blocks: Block[] = [];
    const refusals: string[] = [];
    let hash = '';
    let tokens = 0;
    let markers = 0;
    let shortTtlSeen = false;
    const add = (part: Json, where: string, salt = '') => {
      const { cache_control: control, ...content } = part;
      const nested = part.type === 'tool_result' && Array.isArray(part.content) ? part.content.filter((inner: Json) => isObject(inner) && inner.cache_control !== undefined).length : 0;
      markers += nested + (control === undefined ? 0 : 1);
      const json = JSON.stringify(content);
      hash = createHash('sha256').update(hash).update(salt).update(json).digest('hex');
      tokens += Math.ceil(json.length / 4);
      let marker: Block['marker'] = null;
      if (control !== undefined) {
        if (part.type === 'thinking' || part.type === 'redacted_thinking') refusals.push(`${where}.cache_control: Extra inputs are not permitted`);
        if (part.type === 'text' && (typeof part.text !== 'string' || part.text.trim() === '')) refusals.push(`${where}: cache_control cannot be set for empty text blocks`);
        const ttl = control?.ttl === '1h' ? '1h' : '5m';
        if (ttl === '1h' && shortTtlSeen) refusals.push(`${where}: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block`);
        if (ttl === '5m') shortTtlSeen = true;
        marker = { ttl };
      }
      blocks.push({ hash, prefixTokens: tokens, marker });
    };
    (Array.isArray(body.tools) ? body.tools : []).forEach((tool: Json, i: number) => add(tool, `tools.${i}`));
    const system = typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : Array.isArray(body.system) ? body.system : [];
    system.forEach((block: Json, i: number) => add(block, `system.${i}`));
    const messagesSalt = JSON.stringify({ tool_choice: body.tool_choice ?? null, thinking: body.thinking ?? null });
    (Array.isArray(body.messages) ? body.messages : []).forEach((message: Json, m: number) => {
      const content = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
      content.forEach((block: Json, b: number) => add(block, `messages.${m}.content.${b}`, `${m === 0 && b === 0 ? messagesSalt : ''}${b === 0 ? message.role : ''}`));
    });
    if (markers > 4) refusals.push(`A maximum of 4 blocks with cache_control may be provided. Found ${markers}.`);
    if (refusals.length > 0) return { refusal: refusals.join('; ') };

    const now = this.now();
    const live = (index: number) => (this.entries.get(blocks[index].hash)?.expires ?? -Infinity) > now;
    const marked = blocks.map((block, index) => (block.marker ? index : -1)).filter((index) => index !== -1);
    // The longest cached prefix any marker finds, at its own block or up to lookbackBlocks before it.
    let hit = -1;
    for (const at of marked) {
      for (let index = at; index >= Math.max(0, at - this.lookbackBlocks); index--) {
        if (live(index)) {
          hit = Math.max(hit, index);
          break;
        }
      }
    }
    const read = hit === -1 ? 0 : blocks[hit].prefixTokens;
    if (hit !== -1) {
      // A hit renews the entry's lifetime at no cost.
      const entry = this.entries.get(blocks[hit].hash)!;
      entry.expires = now + entry.ttlMs;
    }
    let written = hit;
    for (const at of marked) {
      const block = blocks[at];
      if (at <= hit || block.prefixTokens < this.minCacheableTokens) continue;
      const ttlMs = TTL_MS[block.marker!.ttl];
      this.entries.set(block.hash, { expires: now + ttlMs, ttlMs });
      written = at;
    }
    const creation = written > hit ? blocks[written].prefixTokens - read : 0;
    const usage = { input_tokens: tokens - read - creation, cache_read_input_tokens: read, cache_creation_input_tokens: creation };
    this.usages.push(usage);
    return { usage };
  }
}

/**
 * A mock handler that answers through the cache model: a refusal as Anthropic's 400, else the reply `answer`
 * builds with the usage the model reports.
 */
export function cachingHandler(model: PromptCacheModel, answer: (request: RecordedRequest, usage: CacheUsage) => MockReply): MockHandler {
  return (request) => {
    const result = model.account(request.body);
    if ('refusal' in result) return { kind: 'json', status: 400, body: anthropicErrorBody('invalid_request_error', result.refusal) };
    return answer(request, result.usage);
  };
}

/** The share of input tokens read from the cache over these usages (0 when there were none). */
export function cachedShare(usages: readonly CacheUsage[]): number {
  let input = 0;
  let read = 0;
  for (const usage of usages) {
    input += usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
    read += usage.cache_read_input_tokens;
  }
  return input === 0 ? 0 : read / input;
}
