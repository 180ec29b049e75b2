// The layers every translated stream shares between the upstream's bytes and a state machine: the SSE
// decoder, one JSON parse per event (the SSE event name standing in for a missing data.type), the machine's
// output gathered into one string per upstream chunk (one socket write), and the StreamTransform contract
// of the streaming writer. The chat and Responses translators extend it with their machine and encoder.
import { ProxyError, upstreamProtocolError } from '../../errors.ts';
import { SseDecoder, type SseEvent } from '../../stream/sse-decoder.ts';
import type { StreamFailure, StreamTransform } from '../../stream/stream-transform.ts';
import type { AnthropicUsage } from '../../wire/anthropic.ts';

/** What the translator needs of a state machine (AnthropicEventMachine and its reports). */
export interface TranslatingMachine<Emit> {
  readonly finished: boolean;
  readonly failure: StreamFailure | null;
  readonly usage: AnthropicUsage | null;
  readonly stopReason: string | null;
  handle(event: unknown, emit: Emit): void;
  end(emit: Emit): void;
  fail(error: ProxyError, emit: Emit): void;
}

export abstract class AnthropicSseTransform<Emit> implements StreamTransform {
  private readonly decoder: SseDecoder;
  /** Output produced by the current call, handed back as one string. */
  protected out = '';
  protected abstract readonly machine: TranslatingMachine<Emit>;
  /** Encodes what the machine emits into `out`. */
  protected abstract readonly emit: Emit;

  private readonly onEvent = (event: SseEvent): void => {
    if (this.machine.finished) return;
    if (this.fastEvent(event.data)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      this.machine.fail(upstreamProtocolError(`an event whose data is not JSON (${event.event ?? 'unnamed event'})`), this.emit);
      return;
    }
    // Anthropic repeats the event name as data.type; fall back to the SSE name when a sender left it out.
    if (event.event !== undefined && parsed !== null && typeof parsed === 'object' && (parsed as { type?: unknown }).type === undefined) {
      (parsed as { type?: unknown }).type = event.event;
    }
    try {
      this.machine.handle(parsed, this.emit);
    } catch (error) {
      // JSON.parse takes any depth; re-serializing a tool input nested thousands of levels deep does not.
      if (!(error instanceof RangeError)) throw error;
      this.machine.fail(upstreamProtocolError(`an event too deeply nested to translate (${event.event ?? 'unnamed event'})`), this.emit);
      return;
    }
    this.afterEvent();
  };

  constructor(maxEventBytes?: number) {
    this.decoder = new SseDecoder({ maxEventBytes });
  }

  /** A translation that needs no JSON parse (chat's text deltas); false sends the event the general way. */
  protected fastEvent(_data: string): boolean {
    return false;
  }

  /** After each event the machine handled (chat writes `[DONE]` once it is done). */
  protected afterEvent(): void {}

  /** The client's stream is complete. */
  get finished(): boolean {
    return this.machine.finished;
  }

  get failure(): StreamFailure | null {
    return this.machine.failure;
  }

  get usage(): AnthropicUsage | null {
    return this.machine.usage;
  }

  get stopReason(): string | null {
    return this.machine.stopReason;
  }

  /** One upstream chunk in; the text to send to the client out ('' when there is nothing yet). */
  push(bytes: Uint8Array): string {
    if (this.machine.finished) return '';
    try {
      this.decoder.push(bytes, this.onEvent);
    } catch (error) {
      // The decoder's own refusal (an oversized event); anything else is a bug for the writer to report.
      if (!(error instanceof ProxyError)) throw error;
      this.machine.fail(error, this.emit);
    }
    return this.take();
  }

  /** The upstream body ended. */
  end(): string {
    this.decoder.end();
    this.machine.end(this.emit);
    return this.take();
  }

  /** A failure outside the stream's content (timeout, socket error, shutdown) ends it with its final error. */
  fail(error: ProxyError): string {
    this.machine.fail(error, this.emit);
    return this.take();
  }

  protected take(): string {
    const text = this.out;
    this.out = '';
    return text;
  }
}
