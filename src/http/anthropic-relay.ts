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
/** Enough of the previous chunk's end to complete any marker cut in two. */
const EDGE_BYTES = Math.max(MESSAGE_STOP.length, ERROR_EVENT.length) - 1;
const LF = 0x0a;
const CR = 0x0d;

export class AnthropicRelay implements StreamTransform {
  private readonly usageTap = new UsageTap();
  private sawStop = false;
  private sawError = false;
  /** The last bytes relayed (up to EDGE_BYTES): for markers cut in two, and for the event boundary. */
  private readonly edge = Buffer.alloc(EDGE_BYTES);
  private edgeLength = 0;
  /** The edge followed by the next chunk's first bytes, zero-filled: the seam where a marker can be cut. */
  private readonly seam = Buffer.alloc(2 * EDGE_BYTES);
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
    // Nothing is allocated per chunk here: the hot path of every passthrough stream.
    if (!this.sawStop || !this.sawError) {
      this.seam.fill(0);
      this.edge.copy(this.seam, 0, 0, this.edgeLength);
      chunk.copy(this.seam, this.edgeLength, 0, Math.min(chunk.length, EDGE_BYTES));
      if (!this.sawStop) this.sawStop = chunk.includes(MESSAGE_STOP) || this.seam.includes(MESSAGE_STOP);
      if (!this.sawError) this.sawError = chunk.includes(ERROR_EVENT) || this.seam.includes(ERROR_EVENT);
    }
    this.keepEdge(chunk);
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

  private keepEdge(chunk: Buffer): void {
    if (chunk.length >= EDGE_BYTES) {
      chunk.copy(this.edge, 0, chunk.length - EDGE_BYTES);
      this.edgeLength = EDGE_BYTES;
      return;
    }
    const keep = Math.min(this.edgeLength, EDGE_BYTES - chunk.length);
    this.edge.copy(this.edge, 0, this.edgeLength - keep, this.edgeLength);
    chunk.copy(this.edge, keep);
    this.edgeLength = keep + chunk.length;
  }

  /** Whether the bytes so far end with a blank line (LF LF, CRLF CRLF or CR CR), so that a new event can start. */
  private atEventBoundary(): boolean {
    const n = this.edgeLength;
    if (n === 0) return true;
    const at = (back: number) => (n - back >= 0 ? this.edge[n - back] : -1);
    if (at(1) === LF && at(2) === LF) return true;
    if (at(1) === LF && at(2) === CR && at(3) === LF && at(4) === CR) return true;
    return at(1) === CR && at(2) === CR;
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
