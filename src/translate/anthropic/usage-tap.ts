// Token usage from Anthropic JSON or SSE bytes without parsing the whole of them: the passthrough relays
// bytes unchanged and only needs the token counts for metrics.
import { mergeUsage } from './usage.ts';
import type { AnthropicUsage } from '../../wire/anthropic.ts';

/** The last `"usage":{...}` object in a piece of text, or null. */
export function lastUsageIn(text: string): AnthropicUsage | null {
  const key = text.lastIndexOf('"usage"');
  if (key === -1) return null;
  const open = text.indexOf('{', key);
  if (open === -1) return null;
  // Usage objects hold numbers and at most one level of nesting (server_tool_use, cache_creation).
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x7b) depth++;
    else if (char === 0x7d && --depth === 0) {
      try {
        const usage = JSON.parse(text.slice(open, i + 1)) as unknown;
        return usage && typeof usage === 'object' ? (usage as AnthropicUsage) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

// Usage sits in message_start and in the last events of a stream.
const TAIL_BYTES = 4096;
const MESSAGE_START = Buffer.from('message_start');

/**
 * Watches relayed stream bytes without holding the body: the usage of `message_start` when it passes, and
 * the stream's last bytes (at least TAIL_BYTES), where its end and its final usage are. Text is decoded only
 * where usage is looked for.
 */
export class UsageTap {
  private start: AnthropicUsage | null = null;
  /** The latest chunks, holding at least the last TAIL_BYTES bytes. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private joined: Buffer | null = null;

  observe(chunk: Buffer): void {
    if (this.start === null && chunk.includes(MESSAGE_START)) {
      const text = chunk.toString('utf8');
      const blocksStart = text.indexOf('content_block_start');
      this.start = lastUsageIn(blocksStart === -1 ? text : text.slice(0, blocksStart));
    }
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    while (this.chunks.length > 1 && this.chunkBytes - this.chunks[0].length >= TAIL_BYTES) this.chunkBytes -= this.chunks.shift()!.length;
    this.joined = null;
  }

  /** The last bytes seen: at least TAIL_BYTES of them (all, in a shorter stream). */
  tail(): Buffer {
    this.joined ??= this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.chunkBytes);
    return this.joined;
  }

  usage(): AnthropicUsage | null {
    const tail = this.tail();
    // A character cut at the start does not matter to the search.
    const last = lastUsageIn(tail.toString('utf8', Math.max(0, tail.length - TAIL_BYTES)));
    return this.start || last ? mergeUsage(this.start, last) : null;
  }
}
