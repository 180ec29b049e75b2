// The Anthropic Messages stream -> OpenAI chat.completion.chunk state machine. Pure: parsed upstream events
// in, chunk objects out through `emit`; the caller supplies the clock and the fallbacks. Mapping rules:
// ../shared/reference/openai-anthropic-mapping.md §3.2 (Anthropic's "Streaming Messages" event flow).
import { toOpenAIError, upstreamProtocolError, type ProxyError } from '../../errors.ts';
import type { AnthropicStreamEvent } from '../../wire/anthropic.ts';
import type { ChatCompletionChunk, ChunkDelta, FinishReason, OpenAIErrorBody, RawJsonString } from '../../wire/openai-chat.ts';
import { AnthropicEventMachine } from '../anthropic/event-machine.ts';
import { customToolInputText } from '../openai-common/custom-tool.ts';
import { finishReasonFor } from './finish-reason.ts';
import { upstreamErrorFromEvent } from '../anthropic/upstream-error.ts';
import { mergeUsage, openAIUsageFrom, type CountTokens } from '../anthropic/usage.ts';

export type ChatStreamItem = ChatCompletionChunk | OpenAIErrorBody;
export type ChatStreamEmit = (item: ChatStreamItem) => void;

export interface ChatStreamOptions {
  /** Unix seconds, the same on every chunk. */
  created: number;
  includeUsage: boolean;
  /** The forced tool that carries a response_format schema: its input is the answer's content. */
  responseFormatTool: string | null;
  /** The chunk id when message_start names no message id. */
  fallbackId?: string;
  /** The chunk model when message_start names none. */
  fallbackModel?: string;
  /**
   * The client sent legacy `functions`: the first tool call streams as `function_call` and finishes with
   * "function_call"; further calls are dropped (that API has one call per answer, as non-streaming answers).
   */
  legacyFunctions?: boolean;
  /**
   * The request's custom tools: their calls stream as `type: "custom"`, the raw text in one
   * `custom.input` delta once the call is complete (the upstream streams it JSON-encoded, which must be
   * unwrapped whole).
   */
  customTools?: ReadonlySet<string>;
  /** Counts the thinking text for reasoning_tokens when the upstream does not (without it, 0 then). */
  countTokens?: CountTokens;
}

/** awaiting_start -> streaming -> done (then `[DONE]`) or failed (an error chunk was the last item). */
export type ChatStreamStatus = 'awaiting_start' | 'streaming' | 'done' | 'failed';

/**
 * What a content block becomes for the client. `hidden` covers server-side tools (server_tool_use,
 * web_search_tool_result, ...) and block types we do not know: the upstream ran them, the client has
 * nothing to call.
 */
type BlockKind = 'text' | 'thinking' | 'redacted_thinking' | 'tool' | 'custom' | 'response_format' | 'hidden';

interface Block {
  kind: BlockKind;
  open: boolean;
  /** OpenAI tool_calls index (tool blocks only). */
  toolIndex: number;
  /** Whether any non-empty input_json_delta arrived (tool and response_format blocks). */
  gotArguments: boolean;
  /** tool_use input given in content_block_start (normally `{}`), used when no fragments follow. */
  startInput: unknown;
  /** Thinking text so far, redacted_thinking data, or a custom tool call's input JSON so far. */
  text: string;
  signature: string | null;
}

function argumentsFromStartInput(input: unknown): string {
  return input !== null && typeof input === 'object' && Object.keys(input).length > 0 ? JSON.stringify(input) : '{}';
}

export class ChatStreamMachine extends AnthropicEventMachine<ChatStreamEmit, Block> {
  private readonly created: number;
  private readonly includeUsage: boolean;
  private readonly responseFormatTool: string | null;
  private readonly legacyFunctions: boolean;
  private readonly customTools: ReadonlySet<string>;
  private readonly countTokens: CountTokens | undefined;
  /** The thinking blocks' texts, kept only to estimate reasoning_tokens for the usage chunk. */
  private readonly thinkingTexts: string[] = [];
  private id: string;
  private model: string;
  private currentStatus: ChatStreamStatus = 'awaiting_start';
  private toolCalls = 0;
  private finishSent = false;
  /**
   * With a response_format tool, text is held back: once the tool's JSON comes it is the whole answer (text
   * around it is dropped, so content parses, as in non-streaming answers); without it the text is sent
   * just before the finish chunk.
   */
  private heldText = '';
  private responseFormatSeen = false;
  private startStopReason: unknown = null;
  /** The upstream stop_reason, for logs. */
  stopReason: string | null = null;
  /** The error the stream ended with, for logs. */
  failure: OpenAIErrorBody['error'] | null = null;

  constructor(options: ChatStreamOptions) {
    super();
    this.created = options.created;
    this.includeUsage = options.includeUsage;
    this.responseFormatTool = options.responseFormatTool;
    this.legacyFunctions = options.legacyFunctions ?? false;
    this.customTools = options.customTools ?? new Set();
    this.countTokens = options.includeUsage ? options.countTokens : undefined;
    this.id = options.fallbackId ?? 'chatcmpl-stream';
    this.model = options.fallbackModel ?? '';
  }

  get status(): ChatStreamStatus {
    return this.currentStatus;
  }

  /** Done or failed: nothing more will be emitted. */
  get finished(): boolean {
    return this.currentStatus === 'done' || this.currentStatus === 'failed';
  }

  protected get started(): boolean {
    return this.currentStatus !== 'awaiting_start';
  }

  /** Ends the stream with an error chunk (timeouts, socket errors, shutdown, protocol errors). */
  fail(error: ProxyError, emit: ChatStreamEmit): void {
    if (this.finished) return;
    this.currentStatus = 'failed';
    const body = toOpenAIError(error);
    this.failure = body.error;
    emit(body);
  }

  protected messageStart(event: AnthropicStreamEvent, emit: ChatStreamEmit): void {
    if (this.currentStatus !== 'awaiting_start') {
      this.fail(upstreamProtocolError('a second message_start'), emit);
      return;
    }
    const message = event.message;
    if (typeof message?.id === 'string' && message.id !== '') this.id = `chatcmpl-${message.id}`;
    if (typeof message?.model === 'string' && message.model !== '') this.model = message.model;
    this.startUsage = message?.usage ?? null;
    this.startStopReason = message?.stop_reason ?? null;
    this.currentStatus = 'streaming';
    emit(this.chunk({ role: 'assistant', content: '' }, null));
  }

  protected newBlock(): Block {
    return { kind: 'hidden', open: true, toolIndex: -1, gotArguments: false, startInput: null, text: '', signature: null };
  }

  protected blockStart(event: AnthropicStreamEvent, index: number, block: Block, emit: ChatStreamEmit): void {
    const content = event.content_block;
    switch (content?.type) {
      case 'text':
        block.kind = 'text';
        if (typeof content.text === 'string' && content.text !== '') this.text(content.text, emit);
        return;
      case 'thinking':
        block.kind = 'thinking';
        if (typeof content.thinking === 'string') block.text = content.thinking;
        if (typeof content.signature === 'string' && content.signature !== '') block.signature = content.signature;
        return;
      case 'redacted_thinking':
        block.kind = 'redacted_thinking';
        block.text = typeof content.data === 'string' ? content.data : '';
        return;
      case 'tool_use': {
        const name = typeof content.name === 'string' ? content.name : '';
        block.startInput = content.input;
        if (this.responseFormatTool !== null && name === this.responseFormatTool) {
          block.kind = 'response_format';
          this.responseFormatSeen = true;
          this.heldText = '';
          return;
        }
        if (this.legacyFunctions && this.toolCalls > 0) return; // hidden: a second call has no place there
        block.kind = 'tool';
        block.toolIndex = this.toolCalls++;
        const id = typeof content.id === 'string' && content.id !== '' ? content.id : `call_${index}`;
        if (this.customTools.has(name)) {
          block.kind = 'custom';
          emit(this.chunk({ tool_calls: [{ index: block.toolIndex, id, type: 'custom', custom: { name, input: '' } }] }, null));
          return;
        }
        emit(this.chunk(this.legacyFunctions
          ? { function_call: { name, arguments: '' } }
          : { tool_calls: [{ index: block.toolIndex, id, type: 'function', function: { name, arguments: '' } }] }, null));
        return;
      }
      default:
        return; // hidden: server tool blocks and block types we do not know
    }
  }

  protected blockDelta(event: AnthropicStreamEvent, block: Block, emit: ChatStreamEmit): void {
    if (block.kind === 'hidden') return;
    const delta = event.delta;
    const deltaType = delta?.type;
    switch (deltaType) {
      case 'text_delta':
        if (block.kind !== 'text') break;
        if (typeof delta?.text === 'string' && delta.text !== '') this.text(delta.text, emit);
        return;
      case 'thinking_delta':
        if (block.kind !== 'thinking') break;
        if (typeof delta?.thinking === 'string' && delta.thinking !== '') {
          block.text += delta.thinking;
          emit(this.chunk({ reasoning_content: delta.thinking }, null));
        }
        return;
      case 'signature_delta':
        if (block.kind !== 'thinking') break;
        if (typeof delta?.signature === 'string') block.signature = (block.signature ?? '') + delta.signature;
        return;
      case 'input_json_delta': {
        if (block.kind !== 'tool' && block.kind !== 'custom' && block.kind !== 'response_format') break;
        const fragment = delta?.partial_json;
        if (typeof fragment !== 'string' || fragment === '') return;
        block.gotArguments = true;
        if (block.kind === 'custom') {
          block.text += fragment;
          return;
        }
        emit(this.chunk(block.kind === 'tool' ? this.argumentsDelta(block, fragment) : { content: fragment }, null));
        return;
      }
      default:
        return; // citations_delta and delta types we do not know carry nothing a chat client can use
    }
    this.fail(upstreamProtocolError(`${String(deltaType)} in a ${block.kind} block`), emit);
  }

  protected blockStop(block: Block, emit: ChatStreamEmit): void {
    switch (block.kind) {
      case 'thinking':
        if (this.countTokens && block.text !== '') this.thinkingTexts.push(block.text);
        if (block.text !== '' || block.signature !== null) {
          // Without a signature (some compatible upstreams send none) it is '', as in non-streaming answers.
          emit(this.chunk({ thinking_blocks: [{ type: 'thinking', thinking: block.text, signature: block.signature ?? '' }] }, null));
        }
        break;
      case 'redacted_thinking':
        emit(this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.text }] }, null));
        break;
      case 'tool':
        if (!block.gotArguments) {
          emit(this.chunk(this.argumentsDelta(block, argumentsFromStartInput(block.startInput)), null));
        }
        break;
      case 'custom': {
        const input = customToolInputText(block.gotArguments ? block.text : block.startInput);
        if (input !== '') emit(this.chunk({ tool_calls: [{ index: block.toolIndex, custom: { input } }] }, null));
        break;
      }
      case 'response_format':
        if (!block.gotArguments) emit(this.chunk({ content: argumentsFromStartInput(block.startInput) }, null));
        break;
      case 'text':
      case 'hidden':
        break;
      default: {
        const unreachable: never = block.kind;
        throw new Error(`unhandled block kind ${String(unreachable)}`);
      }
    }
    block.text = ''; // the thinking text was only kept for this block's thinking_blocks chunk
    block.startInput = null;
  }

  protected messageDelta(event: AnthropicStreamEvent, emit: ChatStreamEmit): void {
    if (this.finishSent) return;
    this.finishSent = true;
    this.releaseHeldText(emit);
    const stopReason = event.delta?.stop_reason;
    this.stopReason = typeof stopReason === 'string' ? stopReason : null;
    emit(this.chunk({}, this.finishReason(stopReason)));
  }

  protected messageStop(emit: ChatStreamEmit): void {
    if (!this.finishSent) {
      // No message_delta: the stop reason, if any, came with message_start.
      this.finishSent = true;
      this.releaseHeldText(emit);
      emit(this.chunk({}, this.finishReason(this.startStopReason)));
    }
    if (this.includeUsage) {
      emit({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.model,
        choices: [],
        usage: openAIUsageFrom(mergeUsage(this.startUsage, this.deltaUsage), this.countTokens && { texts: this.thinkingTexts, countTokens: this.countTokens }),
      });
    }
    this.currentStatus = 'done';
  }

  protected upstreamError(event: AnthropicStreamEvent, emit: ChatStreamEmit): void {
    this.fail(upstreamErrorFromEvent(event.error), emit);
  }

  /**
   * The most common event, a non-empty text_delta, with its text still a JSON string literal (see
   * ChatSseTranslator). Emits exactly what handle() would for it and returns true; returns false, having
   * done nothing, whenever handle() would do anything else (not streaming, no such open text block, text
   * held back for a response_format tool), so that the caller falls back to parsing the event.
   */
  textDeltaLiteral(index: number, text: RawJsonString, emit: ChatStreamEmit): boolean {
    if (this.currentStatus !== 'streaming' || this.responseFormatTool !== null) return false;
    const block = this.blocks.get(index);
    if (block === undefined || !block.open || block.kind !== 'text') return false;
    emit(this.chunk({ content: text }, null));
    return true;
  }

  private text(text: string, emit: ChatStreamEmit): void {
    if (this.responseFormatTool === null) emit(this.chunk({ content: text }, null));
    else if (!this.responseFormatSeen) this.heldText += text;
  }

  private releaseHeldText(emit: ChatStreamEmit): void {
    if (this.heldText === '') return;
    emit(this.chunk({ content: this.heldText }, null));
    this.heldText = '';
  }

  /**
   * "tool_calls" only when the client got a tool call: a forced response_format tool is the answer itself,
   * and server tools ran upstream (the same rule as non-streaming answers).
   */
  private finishReason(stopReason: unknown): FinishReason {
    const reason = finishReasonFor(typeof stopReason === 'string' ? stopReason : null);
    if (reason !== 'tool_calls') return reason;
    if (this.toolCalls === 0) return 'stop';
    return this.legacyFunctions ? 'function_call' : 'tool_calls';
  }

  /** A piece of a tool call's arguments, as a tool_calls entry or (legacy functions) a function_call. */
  private argumentsDelta(block: Block, fragment: string): ChunkDelta {
    return this.legacyFunctions ? { function_call: { arguments: fragment } } : { tool_calls: [{ index: block.toolIndex, function: { arguments: fragment } }] };
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null): ChatCompletionChunk {
    const chunk: ChatCompletionChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (this.includeUsage) chunk.usage = null;
    return chunk;
  }
}
