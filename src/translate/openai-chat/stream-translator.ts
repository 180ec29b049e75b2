// Upstream bytes -> client SSE text for a streamed chat completion: the decoder, the state machine and the
// encoder in one pure object (the streaming writer's transform), so the I/O code and the fixture tests run
// exactly the same path.
import { ProxyError, upstreamProtocolError } from '../../errors.ts';
import { SseDecoder, type SseEvent } from '../../stream/sse-decoder.ts';
import type { StreamFailure, StreamTransform } from '../../stream/stream-transform.ts';
import type { AnthropicUsage } from '../../wire/anthropic.ts';
import type { RawJsonString } from '../../wire/openai-chat.ts';
import { ChatChunkEncoder, SSE_DONE } from './chunk-encoder.ts';
import { ChatStreamMachine, type ChatStreamItem, type ChatStreamOptions, type ChatStreamStatus } from './stream-machine.ts';

// A text delta as Anthropic writes it (its key order; compact, or with one space after ':' and ','): most
// events of a stream. Its text goes out as the upstream's own JSON string, with no object parsed and no string
// re-escaped; anything else (another layout, an invalid string) takes the general path. The regex matches
// only the fixed head: the string itself, up to the closing `}}`, is checked by JSON.rawJSON, in linear time
// and constant stack whatever its size (a regex over the string overflowed the stack from about 8 MB on).
const TEXT_DELTA_HEAD = /^\{"type": ?"content_block_delta", ?"index": ?(0|[1-9]\d{0,8}), ?"delta": ?\{"type": ?"text_delta", ?"text": ?(?=")/;
const TEXT_DELTA_END = '}}';
// JSON.rawJSON (Node >= 21) checks that the literal is a valid JSON string and marks it for JSON.stringify.
const rawJson = (JSON as { rawJSON?: (text: string) => RawJsonString }).rawJSON;

export interface ChatSseOptions extends ChatStreamOptions {
  maxEventBytes?: number;
  /** The text-delta fast path (default on); tests turn it off to compare both paths. */
  fastTextDeltas?: boolean;
}

export class ChatSseTranslator implements StreamTransform {
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
    if (this.textDelta(event.data)) return;
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
    if (this.machine.status === 'done') this.out += SSE_DONE;
  };

  private readonly fastTextDeltas: boolean;
  /** Text deltas that took the fast path. */
  fastTextDeltaCount = 0;

  constructor(options: ChatSseOptions) {
    this.fastTextDeltas = options.fastTextDeltas ?? true;
    this.decoder = new SseDecoder({ maxEventBytes: options.maxEventBytes });
    this.machine = new ChatStreamMachine(options);
  }

  get status(): ChatStreamStatus {
    return this.machine.status;
  }

  /** The fast path for a text delta; false when the event needs the general one. */
  private textDelta(data: string): boolean {
    if (!this.fastTextDeltas || rawJson === undefined || !data.endsWith(TEXT_DELTA_END)) return false;
    let index: number;
    let text: RawJsonString;
    try {
      const head = TEXT_DELTA_HEAD.exec(data);
      if (head === null) return false;
      // At least one character between the quotes, as the general path would send (an empty delta sends nothing).
      const literal = data.slice(head[0].length, data.length - TEXT_DELTA_END.length);
      if (literal.length < 3) return false;
      index = Number(head[1]);
      text = rawJson(literal);
    } catch {
      // Not one valid JSON string (or anything else the fast path cannot take): the general path decides.
      return false;
    }
    if (!this.machine.textDeltaLiteral(index, text, this.emit)) return false;
    this.fastTextDeltaCount++;
    return true;
  }

  /** Done (`[DONE]` written) or failed (an error chunk written): the client's stream is complete. */
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
