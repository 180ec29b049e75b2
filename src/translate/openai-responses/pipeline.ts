// Upstream bytes -> client SSE text for a streamed response: the SSE decoder, the Responses state machine
// and the `event:` + `data:` encoder in one pure object, so the I/O code and the fixture tests run exactly
// the same path: the streaming writer's transform for POST /v1/responses.
import { ProxyError, upstreamProtocolError } from '../../errors.ts';
import { SseDecoder, type SseEvent } from '../../stream/sse-decoder.ts';
import type { StreamFailure, StreamTransform } from '../../stream/stream-transform.ts';
import type { AnthropicUsage } from '../../wire/anthropic.ts';
import type { ResponseObject, ResponsesStreamEvent } from '../../wire/openai-responses.ts';
import { ResponsesStreamMachine, type ResponsesStreamOptions, type ResponsesStreamStatus } from './stream.ts';

/** One Responses event as SSE: its type as the event name, the whole event as data. */
function encodeResponsesEvent(event: ResponsesStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export interface ResponsesSseOptions extends ResponsesStreamOptions {
  maxEventBytes?: number;
  /** Called once with the final response, before the call that finished the stream returns its last event. */
  onFinish?: (response: ResponseObject) => void;
}

export class ResponsesSseTranslator implements StreamTransform {
  private readonly decoder: SseDecoder;
  readonly machine: ResponsesStreamMachine;
  /** Output produced by the current call, handed back as one string (one socket write per upstream chunk). */
  private out = '';
  private readonly emit = (event: ResponsesStreamEvent): void => {
    this.out += encodeResponsesEvent(event);
  };
  private readonly onEvent = (event: SseEvent): void => {
    if (this.machine.finished) return;
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
    this.machine.handle(parsed, this.emit);
  };

  private onFinish: ((response: ResponseObject) => void) | undefined;

  constructor(options: ResponsesSseOptions) {
    this.decoder = new SseDecoder({ maxEventBytes: options.maxEventBytes });
    this.machine = new ResponsesStreamMachine(options);
    this.onFinish = options.onFinish;
  }

  get status(): ResponsesStreamStatus {
    return this.machine.status;
  }

  /** Completed, incomplete or failed: the client's stream is over. */
  get finished(): boolean {
    return this.machine.finished;
  }

  get failure(): StreamFailure | null {
    return this.machine.failure;
  }

  get usage(): AnthropicUsage | null {
    return this.machine.usage;
  }

  /** One upstream chunk in; the SSE text to send to the client out ('' when there is nothing yet). */
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

  /** A failure outside the stream's content (timeout, socket error, shutdown) ends it with response.failed. */
  fail(error: ProxyError): string {
    this.machine.fail(error, this.emit);
    return this.take();
  }

  private take(): string {
    const finished = this.machine.response;
    if (finished !== null && this.onFinish) {
      const onFinish = this.onFinish;
      this.onFinish = undefined;
      onFinish(finished);
    }
    const text = this.out;
    this.out = '';
    return text;
  }
}
