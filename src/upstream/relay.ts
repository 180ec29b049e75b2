// Byte-for-byte relay of an upstream SSE body for the Anthropic-native passthrough. The bytes go out as they
// arrive (backpressure comes from the consumer); a failure mid-stream, or an upstream that ends without
// `message_stop`, becomes a final Anthropic `error` event so clients raise instead of keeping half an answer.
import type { ProxyError } from '../errors.ts';
import { anthropicTypeFor } from '../errors.ts';
import { lastUsageIn } from '../count/usage-sniff.ts';
import { mergeUsage, type AnthropicUsage } from '../translate/usage.ts';
import type { ClientGoneError, UpstreamBody } from './client.ts';

// Usage sits near the end of a JSON answer and in the last events of a stream.
const TAIL_CHARS = 4096;

/**
 * Watches relayed bytes for token usage (metrics) without holding the body: the usage of `message_start`
 * when it passes, and the last usage object in the final bytes.
 */
export class UsageTap {
  private start: AnthropicUsage | null = null;
  private tail = '';

  observe(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    if (this.start === null && text.includes('message_start')) {
      const blocksStart = text.indexOf('content_block_start');
      this.start = lastUsageIn(blocksStart === -1 ? text : text.slice(0, blocksStart));
    }
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
  }

  usage(): AnthropicUsage | null {
    const last = lastUsageIn(this.tail);
    return this.start || last ? mergeUsage(this.start, last) : null;
  }
}

const MESSAGE_STOP = Buffer.from('message_stop');

export function anthropicErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type, message } })}\n\n`;
}

function endsAtEventBoundary(tail: Buffer | null): boolean {
  if (tail === null) return true;
  const text = tail.subarray(Math.max(0, tail.length - 4)).toString('latin1');
  return text.endsWith('\n\n') || text.endsWith('\r\n\r\n') || text.endsWith('\r\r');
}

export interface RelayOptions {
  /** Maps an error thrown while reading the upstream body. */
  failureOf(error: unknown): ProxyError | ClientGoneError;
  /** Set when the stream is cut from outside (shutdown drain): ends with this error event. */
  cutReason(): string | null;
  /** Receives the token usage seen in the stream, once it is over. */
  onUsage?(usage: AnthropicUsage): void;
}

/** Where the relayed bytes go: the client's response, written directly (no intermediate stream). */
export interface RelaySink {
  /** False when the client's buffer is full: wait for `drained()` before the next write. */
  write(chunk: Buffer | string): boolean;
  drained(): Promise<void>;
  end(last?: string): void;
  /** True once the client has gone. */
  readonly gone: boolean;
}

/** Writes the upstream bytes unchanged, then a final error event if the stream did not end properly. */
export async function relayAnthropicStream(body: UpstreamBody, sink: RelaySink, options: RelayOptions): Promise<void> {
  let sawStop = false;
  let tail: Buffer | null = null;
  let failure: string | null = null;
  const usage = options.onUsage ? new UsageTap() : null;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      usage?.observe(chunk);
      // `message_stop` can straddle two chunks; checking the joined edge covers that.
      if (!sawStop) {
        const edge: Buffer = tail ? Buffer.concat([tail.subarray(-MESSAGE_STOP.length), chunk]) : chunk;
        sawStop = edge.includes(MESSAGE_STOP);
      }
      tail = chunk;
      if (sink.gone) return;
      if (!sink.write(chunk)) await sink.drained();
    }
    if (!sawStop) failure = anthropicErrorEvent('api_error', 'The upstream closed the stream before message_stop');
  } catch (error) {
    const cut = options.cutReason();
    if (cut !== null) {
      failure = anthropicErrorEvent('overloaded_error', cut);
    } else {
      const mapped = options.failureOf(error);
      if (mapped.name === 'ClientGoneError') return;
      const proxyError = mapped as ProxyError;
      failure = anthropicErrorEvent(anthropicTypeFor(proxyError.statusCode), proxyError.message);
    }
  } finally {
    if (!body.destroyed) body.destroy();
    const seen = usage?.usage();
    if (seen) options.onUsage!(seen);
  }
  if (sink.gone) return;
  sink.end(failure === null ? undefined : endsAtEventBoundary(tail) ? failure : `\n\n${failure}`);
}
