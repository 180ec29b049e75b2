// Upstream bytes -> client SSE text for a streamed chat completion: the decoder, the state machine and the
// encoder in one pure object, so the I/O code and the fixture tests run exactly the same path.
import { ProxyError } from '../errors.ts';
import { ChatStreamMachine, upstreamProtocolError, type ChatStreamItem, type ChatStreamOptions, type ChatStreamStatus } from './chat-stream.ts';
import { SseDecodeError, SseDecoder, type SseEvent } from './sse-decoder.ts';
import { ChatChunkEncoder, SSE_DONE } from './sse-encoder.ts';

export interface ChatSseOptions extends ChatStreamOptions {
  maxEventBytes?: number;
}

export class ChatSseTranslator {
  private readonly decoder: SseDecoder;
  readonly machine: ChatStreamMachine;
  /** Output produced by the current call, handed back as one string (one socket write per upstream chunk). */
  private out = '';
  private readonly encoder = new ChatChunkEncoder();
  private readonly emit = (item: ChatStreamItem): void => {
    this.out += this.encoder.encode(item);
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
    if (this.machine.status === 'done') this.out += SSE_DONE;
  };

  constructor(options: ChatSseOptions) {
    this.decoder = new SseDecoder({ maxEventBytes: options.maxEventBytes });
    this.machine = new ChatStreamMachine(options);
  }

  get status(): ChatStreamStatus {
    return this.machine.status;
  }

  /** Done (`[DONE]` written) or failed (an error chunk written): the client's stream is complete. */
  get finished(): boolean {
    return this.machine.finished;
  }

  /** One upstream chunk in; the SSE text to send to the client out ('' when there is nothing yet). */
  push(bytes: Uint8Array): string {
    if (this.machine.finished) return '';
    try {
      this.decoder.push(bytes, this.onEvent);
    } catch (error) {
      if (!(error instanceof SseDecodeError)) throw error;
      this.machine.fail(new ProxyError(502, `The upstream stream is unusable: ${error.message}`, { code: error.code }), this.emit);
    }
    return this.take();
  }

  /** The upstream body ended. */
  end(): string {
    this.decoder.end();
    this.machine.end(this.emit);
    return this.take();
  }

  /** A failure outside the stream's content (timeout, socket error, shutdown) ends it with an error chunk. */
  fail(error: ProxyError): string {
    this.machine.fail(error, this.emit);
    return this.take();
  }

  private take(): string {
    const text = this.out;
    this.out = '';
    return text;
  }
}
