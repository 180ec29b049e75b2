// The contract between the streaming writer (src/http/stream-writer.ts) and what a streamed route plugs into
// it: upstream bytes in, the client's bytes out. Implementations are pure: no I/O, no timers, no clock.
// After `finished`, every call returns '' and changes nothing; `end` and `fail` always finish the stream.
import type { ProxyError } from '../errors.ts';
import type { AnthropicUsage } from '../wire/anthropic.ts';

export interface StreamFailure {
  code: string | null;
  message: string;
}

export interface StreamTransform {
  /** One upstream chunk (cut anywhere) in; what to write to the client out ('' when nothing yet). */
  push(chunk: Buffer): string | Buffer;
  /** The upstream body ended: the end of the client's stream, or a final error event if it ended early. */
  end(): string | Buffer;
  /** Ends the stream with a final error event in the route's format (timeouts, socket errors, a drain's cut). */
  fail(error: ProxyError): string | Buffer;
  /** The client's stream is complete: the output of the call that finished it is the last write. */
  readonly finished: boolean;
  /** The error the stream ended with, or null (a failed stream's upstream body is dropped at once). */
  readonly failure: StreamFailure | null;
  /** Token usage reported so far, for metrics, or null. */
  readonly usage: AnthropicUsage | null;
  /** The upstream's stop reason once it said one (for the call record), or null. */
  readonly stopReason?: string | null;
}
