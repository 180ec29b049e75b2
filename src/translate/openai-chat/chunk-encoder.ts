// chat.completion.chunk events out. Only unnamed `data:` events: openai-node treats a named event
// (`event: x`) as something other than a chunk.
import { encodeSseData } from '../../stream/sse-encoder.ts';
import type { ChatCompletionChunk } from '../../wire/openai-chat.ts';

/** The last event of a stream that completed. */
export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Encodes the chunks of one stream. Every content chunk repeats the same id, created and model, so that
 * part is serialized once and only the delta per chunk; the text is byte-for-byte what encodeSseData gives
 * for the same chunk (keys in the order ChatStreamMachine builds them).
 */
export class ChatChunkEncoder {
  private headId: string | null = null;
  private headModel = '';
  private headCreated = 0;
  private head = '';

  encode(item: ChatCompletionChunk | object): string {
    const chunk = item as ChatCompletionChunk;
    const choices = chunk.choices;
    if (choices === undefined || choices.length !== 1 || (chunk.usage !== null && chunk.usage !== undefined)) return encodeSseData(item);
    if (chunk.id !== this.headId || chunk.model !== this.headModel || chunk.created !== this.headCreated) {
      this.headId = chunk.id;
      this.headModel = chunk.model;
      this.headCreated = chunk.created;
      this.head = `data: {"id":${JSON.stringify(chunk.id)},"object":"chat.completion.chunk","created":${JSON.stringify(chunk.created)},"model":${JSON.stringify(chunk.model)},"choices":[{"index":0,"delta":`;
    }
    const choice = choices[0];
    const tail = choice.finish_reason === null ? ',"logprobs":null,"finish_reason":null}]' : `,"logprobs":null,"finish_reason":${JSON.stringify(choice.finish_reason)}}]`;
    return `${this.head}${JSON.stringify(choice.delta)}${tail}${chunk.usage === null ? ',"usage":null}\n\n' : '}\n\n'}`;
  }
}
