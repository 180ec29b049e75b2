// Recorded Anthropic stream fixtures and their expected OpenAI chunk sequences (test/fixtures/openai/).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const fixtures = new URL('../fixtures/', import.meta.url).pathname;

export interface ChatStreamFixture {
  /** Scenario name, e.g. `parallel-tools`. */
  name: string;
  /** The Anthropic SSE bytes as the upstream sent them. */
  upstream: Buffer;
  upstreamFile: string;
  includeUsage: boolean;
  responseFormatTool: string | null;
  /** `done`: the stream ends with `[DONE]`; `error`: the last chunk is an error and there is no `[DONE]`. */
  end: 'done' | 'error';
  /** Every chunk the client receives, in order (the error body included). */
  chunks: any[];
}

export const FIXTURE_CREATED = 1700000000;

export function chatStreamFixtures(): ChatStreamFixture[] {
  const dir = join(fixtures, 'openai');
  return readdirSync(dir)
    .filter((file) => file.startsWith('chat-stream-') && file.endsWith('.json'))
    .sort()
    .map((file) => {
      const expected = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      return {
        name: file.slice('chat-stream-'.length, -'.json'.length),
        upstream: readFileSync(join(fixtures, 'anthropic', expected.upstream)),
        upstreamFile: expected.upstream,
        includeUsage: expected.includeUsage,
        responseFormatTool: expected.responseFormatTool,
        end: expected.end,
        chunks: expected.chunks,
      };
    });
}

/**
 * Parses what a client received, strictly: only `data: <json>` events separated by blank lines, an optional
 * `data: [DONE]` last, no `event:` lines, nothing after `[DONE]`.
 */
export function parseOpenAISse(text: string): { items: any[]; done: boolean } {
  const items: any[] = [];
  let done = false;
  if (text === '') return { items, done };
  if (!text.endsWith('\n\n')) throw new Error(`the stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  for (const block of text.slice(0, -2).split('\n\n')) {
    if (done) throw new Error('an event after [DONE]');
    if (block.startsWith(':')) continue;
    if (!block.startsWith('data: ') || block.includes('\n')) throw new Error(`not a single data line: ${JSON.stringify(block)}`);
    const data = block.slice('data: '.length);
    if (data === '[DONE]') done = true;
    else items.push(JSON.parse(data));
  }
  return { items, done };
}

/** The expected sequence without stream_options.include_usage: no usage fields, no usage chunk. */
export function withoutUsage(chunks: any[]): any[] {
  return chunks
    .filter((chunk) => !(Array.isArray(chunk.choices) && chunk.choices.length === 0))
    .map((chunk) => {
      if (!('usage' in chunk)) return chunk;
      const { usage: _usage, ...rest } = chunk;
      return rest;
    });
}

/** Splits SSE bytes at event boundaries, the way an upstream writes them. */
export function eventChunks(bytes: Buffer): Buffer[] {
  const text = bytes.toString('utf8');
  return text.split(/(?<=\n\n)/).map((piece) => Buffer.from(piece, 'utf8'));
}
