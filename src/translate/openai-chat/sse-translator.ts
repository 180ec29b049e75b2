// Upstream bytes -> client SSE text for a streamed chat completion: the decoder, the state machine and the
// encoder in one pure object (the streaming writer's transform), so the I/O code and the fixture tests run
// exactly the same path. The layers shared with the Responses translator are in anthropic/sse-transform.ts.
import type { RawJsonString } from '../../wire/openai-chat.ts';
import { AnthropicSseTransform } from '../anthropic/sse-transform.ts';
import { ChatChunkEncoder, SSE_DONE } from './chunk-encoder.ts';
import { ChatStreamMachine, type ChatStreamEmit, type ChatStreamItem, type ChatStreamOptions, type ChatStreamStatus } from './stream.ts';

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

export class ChatSseTranslator extends AnthropicSseTransform<ChatStreamEmit> {
  readonly machine: ChatStreamMachine;
  private readonly encoder = new ChatChunkEncoder();
  protected readonly emit = (item: ChatStreamItem): void => {
    this.out += this.encoder.encode(item);
  };

  private readonly fastTextDeltas: boolean;
  /** Text deltas that took the fast path. */
  fastTextDeltaCount = 0;

  constructor(options: ChatSseOptions) {
    super(options.maxEventBytes);
    this.fastTextDeltas = options.fastTextDeltas ?? true;
    this.machine = new ChatStreamMachine(options);
  }

  get status(): ChatStreamStatus {
    return this.machine.status;
  }

  protected override afterEvent(): void {
    if (this.machine.status === 'done') this.out += SSE_DONE;
  }

  /** The fast path for a text delta; false when the event needs the general one. */
  protected override fastEvent(data: string): boolean {
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
}
