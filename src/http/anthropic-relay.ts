// The passthrough's stream transform: the upstream's bytes go to the client as they are. It only watches
// them, for token usage and for how the stream ends: one that breaks off, or ends without `message_stop`
// and without an `error` event of its own, gets a final Anthropic `error` event, so that SDKs raise instead
// of keeping half an answer.
import { toAnthropicError, upstreamTruncatedError, type ProxyError } from '../errors.ts';
import { UsageTap } from '../count/usage-sniff.ts';
import { encodeSseEvent } from '../stream/sse-encoder.ts';
import type { StreamFailure, StreamTransform } from '../stream/stream-transform.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';

const MESSAGE_STOP = Buffer.from('message_stop');
// At the start of a line: text inside a data line cannot hold a raw line break.
const ERROR_EVENT = Buffer.from('\nevent: error');
const EDGE_BYTES = Math.max(MESSAGE_STOP.length, ERROR_EVENT.length) - 1;

/** Whether `marker` is in `chunk`, or straddles `edge` (the end of the previous chunk) and `chunk`. */
function seen(marker: Buffer, edge: Buffer | null, chunk: Buffer): boolean {
  if (chunk.includes(marker)) return true;
  return edge !== null && Buffer.concat([edge, chunk.subarray(0, marker.length - 1)]).includes(marker);
}

export class AnthropicRelay implements StreamTransform {
  private readonly usageTap = new UsageTap();
  private sawStop = false;
  private sawError = false;
  /** The last bytes relayed (up to EDGE_BYTES), for markers cut in two and for the event boundary. */
  private edge: Buffer | null = null;
  private done = false;
  private failed: StreamFailure | null = null;

  get finished(): boolean {
    return this.done;
  }

  get failure(): StreamFailure | null {
    return this.failed;
  }

  get usage(): AnthropicUsage | null {
    return this.usageTap.usage();
  }

  push(chunk: Buffer): Buffer | string {
    if (this.done) return '';
    this.usageTap.observe(chunk);
    if (!this.sawStop) this.sawStop = seen(MESSAGE_STOP, this.edge, chunk);
    if (!this.sawError) this.sawError = seen(ERROR_EVENT, this.edge, chunk);
    this.edge = chunk.length >= EDGE_BYTES ? chunk.subarray(chunk.length - EDGE_BYTES) : Buffer.concat([this.edge ?? Buffer.alloc(0), chunk]).subarray(-EDGE_BYTES);
    return chunk;
  }

  end(): string {
    if (this.done) return '';
    if (this.sawStop) {
      this.done = true;
      return '';
    }
    if (this.sawError) {
      // The upstream ended its stream with an error event of its own: that is the client's final event.
      this.done = true;
      this.failed = this.upstreamFailure();
      return '';
    }
    return this.fail(upstreamTruncatedError());
  }

  fail(error: ProxyError): string {
    if (this.done) return '';
    this.done = true;
    this.failed = { code: error.code, message: error.message };
    const event = encodeSseEvent('error', toAnthropicError(error));
    return this.atEventBoundary() ? event : `\n\n${event}`;
  }

  /** Whether the bytes so far end with a blank line, so that a new event can start. */
  private atEventBoundary(): boolean {
    if (this.edge === null) return true;
    const text = this.edge.subarray(Math.max(0, this.edge.length - 4)).toString('latin1');
    return text.endsWith('\n\n') || text.endsWith('\r\n\r\n') || text.endsWith('\r\r');
  }

  /** What the upstream's own error event said, for the log line. */
  private upstreamFailure(): StreamFailure {
    const text = this.usageTap.tailText();
    const data = /^data: ?(.*)$/m.exec(text.slice(text.lastIndexOf('event: error')))?.[1];
    try {
      const error = (JSON.parse(data ?? '') as { error?: { type?: unknown; message?: unknown } }).error;
      return { code: typeof error?.type === 'string' ? error.type : null, message: typeof error?.message === 'string' ? error.message : 'the upstream ended the stream with an error event' };
    } catch {
      return { code: null, message: 'the upstream ended the stream with an error event' };
    }
  }
}
