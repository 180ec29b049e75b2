// The passthrough's stream transform: the upstream's bytes go to the client as they are. It only watches
// them, for token usage and for how the stream ends: one that breaks off, or ends without `message_stop`
// and without an `error` event of its own, gets a final Anthropic `error` event, so that SDKs raise instead
// of keeping half an answer.
import { toAnthropicError, upstreamTruncatedError, type ProxyError } from '../../errors.ts';
import { UsageTap } from './usage-tap.ts';
import { encodeSseEvent } from '../../stream/sse-encoder.ts';
import type { StreamFailure, StreamTransform } from '../../stream/stream-transform.ts';
import type { AnthropicUsage } from '../../wire/anthropic.ts';

const MESSAGE_STOP = Buffer.from('message_stop');
// At the start of a line: text inside a data line cannot hold a raw line break.
const ERROR_EVENT = Buffer.from('\nevent: error');
const LF = 0x0a;
const CR = 0x0d;

/**
 * Both ends a stream can have are its last event, so they are looked for once, in its last bytes, when it is
 * over: nothing but the usage watch runs per chunk, the hot path of every passthrough stream.
 */
export class AnthropicRelay implements StreamTransform {
  private readonly usageTap = new UsageTap();
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
    return chunk;
  }

  end(): string {
    if (this.done) return '';
    const tail = this.usageTap.tail();
    if (tail.includes(MESSAGE_STOP)) {
      this.done = true;
      return '';
    }
    if (tail.includes(ERROR_EVENT)) {
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

  /** Whether the bytes so far end with a blank line (LF LF, CRLF CRLF or CR CR), so that a new event can start. */
  private atEventBoundary(): boolean {
    const tail = this.usageTap.tail();
    const n = tail.length;
    if (n === 0) return true;
    const at = (back: number) => (n - back >= 0 ? tail[n - back] : -1);
    if (at(1) === LF && at(2) === LF) return true;
    if (at(1) === LF && at(2) === CR && at(3) === LF && at(4) === CR) return true;
    return at(1) === CR && at(2) === CR;
  }

  /** What the upstream's own error event said, for the log line. */
  private upstreamFailure(): StreamFailure {
    const text = this.usageTap.tail().toString('utf8');
    const data = /^data: ?(.*)$/m.exec(text.slice(text.lastIndexOf('event: error')))?.[1];
    try {
      const error = (JSON.parse(data ?? '') as { error?: { type?: unknown; message?: unknown } }).error;
      return { code: typeof error?.type === 'string' ? error.type : null, message: typeof error?.message === 'string' ? error.message : 'the upstream ended the stream with an error event' };
    } catch {
      return { code: null, message: 'the upstream ended the stream with an error event' };
    }
  }
}
