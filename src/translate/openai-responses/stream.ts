// The Anthropic Messages stream -> Responses API streaming events, as a state machine. Pure: parsed upstream
// events in, events out through `emit` (each with its sequence_number); the caller supplies the ids, the
// clock and the echoed request parameters. It also builds the final response object, which is what a
// non-streaming answer is (response.ts runs a whole message through this machine), what response.completed
// carries and what the store keeps. Event order: OpenAI's API reference, "Streaming events"; the Open
// Responses specification's streaming section.
//
// Content blocks -> output items, in upstream order: consecutive text blocks -> one `message` item (one
// output_text part per block; server-tool blocks between them do not split it); thinking / redacted_thinking
// -> one `reasoning` item each (thinking text as its summary, the block in encrypted_content); tool_use -> a
// `function_call` or, for a custom tool, a `custom_tool_call`; the response_format tool -> a message whose
// output_text is its JSON (text around it is dropped so the text parses, as in chat).
import { ProxyError, upstreamProtocolError } from '../../errors.ts';
import { upstreamErrorFromEvent } from '../anthropic/upstream-error.ts';
import { mergeUsage, openAIUsageFrom, type CountTokens, type ReasoningEstimate } from '../anthropic/usage.ts';
import type { AnthropicStreamEvent, AnthropicUsage } from '../../wire/anthropic.ts';
import { AnthropicEventMachine } from '../anthropic/event-machine.ts';
import type {
  OutputCustomToolCall,
  OutputFunctionCall,
  OutputItem,
  OutputMessage,
  OutputReasoning,
  OutputText,
  ResponseEcho,
  ResponseObject,
  ResponseStatus,
  ResponsesStreamEvent,
  ResponsesUsage,
} from '../../wire/openai-responses.ts';
import { encodeReasoning } from './encrypted-reasoning.ts';
import { outputItemId } from './ids.ts';
import { customToolInputText } from '../openai-common/custom-tool.ts';
import type { ClientTool } from './tools.ts';

export type ResponsesEmit = (event: ResponsesStreamEvent) => void;

export interface ResponsesStreamOptions {
  /** `resp_` + 32 hex digits. */
  responseId: string;
  /** Unix seconds. */
  createdAt: number;
  /** The request's parameters, as the response echoes them. */
  echo: ResponseEcho;
  /** The response's model until message_start names one. */
  fallbackModel: string;
  /** The forced tool that carries a text.format schema: its input is the answer's text. */
  responseFormatTool: string | null;
  /** Anthropic tool name -> the client's tool (custom tools and namespaces). */
  toolsByUpstreamName?: ReadonlyMap<string, ClientTool>;
  /** Unix seconds now, for completed_at (default: createdAt). */
  now?: () => number;
  /** Counts the thinking text for reasoning_tokens when the upstream does not (without it, 0 then). */
  countTokens?: CountTokens;
}

/** OpenAI's ResponseError codes; any other failure is a server_error there, its message says more. */
const RESPONSE_ERROR_CODES = new Set(['server_error', 'rate_limit_exceeded', 'invalid_prompt']);
const responseErrorCode = (code: string): string => (RESPONSE_ERROR_CODES.has(code) ? code : 'server_error');

export type ResponsesStreamStatus = 'awaiting_start' | 'streaming' | 'done' | 'failed';

/** What a content block becomes; `held` is text kept back in JSON mode, `hidden` a server-tool block. */
type BlockKind = 'text' | 'held' | 'thinking' | 'redacted_thinking' | 'function' | 'custom' | 'format' | 'hidden';

interface Block {
  kind: BlockKind;
  open: boolean;
  /** The output item the block feeds (not for held or hidden blocks). */
  item: OutputItem | null;
  outputIndex: number;
  /** The output_text part (text and format blocks). */
  part: OutputText | null;
  contentIndex: number;
  gotFragments: boolean;
  startInput: unknown;
  /** Thinking text, tool input JSON or redacted data so far. */
  text: string;
  signature: string;
  summaryStarted: boolean;
}

/** Anthropic stop reasons that make the response incomplete, and the reason OpenAI gives for them. */
const INCOMPLETE_REASONS: Readonly<Record<string, 'max_output_tokens' | 'content_filter'>> = {
  max_tokens: 'max_output_tokens',
  model_context_window_exceeded: 'max_output_tokens',
  refusal: 'content_filter',
};

/** Anthropic usage -> Responses usage: input_tokens counts cache reads and writes too, as prompt_tokens does; writes as OpenAI names them. */
export function responsesUsageFrom(usage: AnthropicUsage | null | undefined, estimate?: ReasoningEstimate): ResponsesUsage {
  const chat = openAIUsageFrom(usage, estimate);
  return {
    input_tokens: chat.prompt_tokens,
    input_tokens_details: { cached_tokens: chat.prompt_tokens_details.cached_tokens, cache_write_tokens: chat.prompt_tokens_details.cache_write_tokens },
    output_tokens: chat.completion_tokens,
    output_tokens_details: { reasoning_tokens: chat.completion_tokens_details.reasoning_tokens },
    total_tokens: chat.total_tokens,
  };
}

function inputJson(input: unknown): string {
  return input !== null && typeof input === 'object' && Object.keys(input).length > 0 ? JSON.stringify(input) : '{}';
}

export class ResponsesStreamMachine extends AnthropicEventMachine<ResponsesEmit, Block> {
  private readonly options: ResponsesStreamOptions;
  private readonly tools: ReadonlyMap<string, ClientTool>;
  private model: string;
  private sequence = 0;
  private currentStatus: ResponsesStreamStatus = 'awaiting_start';
  private readonly output: OutputItem[] = [];
  /** The message item consecutive text blocks write into, until another item starts. */
  private message: OutputMessage | null = null;
  private messageIndex = -1;
  private heldText = '';
  private formatSeen = false;
  private startStopReason: unknown = null;
  /** The upstream stop_reason, for logs. */
  stopReason: string | null = null;
  /** The error the stream ended with, for logs. */
  failure: { code: string; message: string } | null = null;
  private final: ResponseObject | null = null;
  /** The thinking blocks' texts, kept only to estimate reasoning_tokens. */
  private readonly thinkingTexts: string[] = [];

  constructor(options: ResponsesStreamOptions) {
    super();
    this.options = options;
    this.tools = options.toolsByUpstreamName ?? new Map();
    this.model = options.fallbackModel;
  }

  get status(): ResponsesStreamStatus {
    return this.currentStatus;
  }

  get finished(): boolean {
    return this.currentStatus === 'done' || this.currentStatus === 'failed';
  }

  protected get started(): boolean {
    return this.currentStatus !== 'awaiting_start';
  }

  /** The final response (completed, incomplete or failed), once finished. */
  get response(): ResponseObject | null {
    return this.final;
  }

  /** Ends the stream with response.failed (timeouts, socket errors, shutdown, protocol errors). */
  fail(error: ProxyError, emit: ResponsesEmit): void {
    if (this.finished) return;
    this.failWith({ code: error.code ?? 'server_error', message: error.message }, emit);
  }

  private failWith(error: { code: string; message: string }, emit: ResponsesEmit): void {
    this.failure = error;
    const started = this.currentStatus !== 'awaiting_start';
    this.currentStatus = 'failed';
    // Before message_start nothing was said yet: the lifecycle opens first, so clients see one response.
    if (!started) this.emitLifecycleStart(emit);
    this.final = this.snapshot('failed');
    emit(this.event('response.failed', { response: this.final }));
  }

  private event(type: string, fields: Record<string, unknown>): ResponsesStreamEvent {
    return { type, sequence_number: this.sequence++, ...fields };
  }

  private snapshot(status: ResponseStatus): ResponseObject {
    const { echo } = this.options;
    const terminal = status !== 'in_progress';
    const reason = typeof this.stopReason === 'string' ? INCOMPLETE_REASONS[this.stopReason] : undefined;
    const response: ResponseObject = {
      id: this.options.responseId,
      object: 'response',
      created_at: this.options.createdAt,
      status,
      background: false,
      completed_at: status === 'completed' ? (this.options.now?.() ?? this.options.createdAt) : null,
      error: status === 'failed' && this.failure ? { code: responseErrorCode(this.failure.code), message: this.failure.message } : null,
      incomplete_details: status === 'incomplete' && reason ? { reason } : null,
      instructions: echo.instructions,
      max_output_tokens: echo.max_output_tokens,
      model: this.model,
      output: terminal ? structuredClone(this.output) : [],
      parallel_tool_calls: echo.parallel_tool_calls,
      previous_response_id: echo.previous_response_id,
      reasoning: echo.reasoning,
      store: echo.store,
      temperature: echo.temperature,
      text: echo.text,
      tool_choice: echo.tool_choice,
      tools: echo.tools,
      top_p: echo.top_p,
      truncation: echo.truncation,
      metadata: echo.metadata,
      presence_penalty: echo.presence_penalty,
      frequency_penalty: echo.frequency_penalty,
      top_logprobs: echo.top_logprobs,
      max_tool_calls: echo.max_tool_calls,
      service_tier: echo.service_tier,
      safety_identifier: echo.safety_identifier,
      prompt_cache_key: echo.prompt_cache_key,
    };
    if (echo.user !== undefined) response.user = echo.user;
    if (terminal && status !== 'failed') {
      const { countTokens } = this.options;
      response.usage = responsesUsageFrom(this.usage, countTokens && { texts: this.thinkingTexts, countTokens });
    }
    return response;
  }

  private emitLifecycleStart(emit: ResponsesEmit): void {
    emit(this.event('response.created', { response: this.snapshot('in_progress') }));
    emit(this.event('response.in_progress', { response: this.snapshot('in_progress') }));
  }

  protected messageStart(event: AnthropicStreamEvent, emit: ResponsesEmit): void {
    if (this.currentStatus !== 'awaiting_start') {
      this.fail(upstreamProtocolError('a second message_start'), emit);
      return;
    }
    const message = event.message;
    if (typeof message?.model === 'string' && message.model !== '') this.model = message.model;
    this.startUsage = message?.usage ?? null;
    this.startStopReason = message?.stop_reason ?? null;
    this.currentStatus = 'streaming';
    this.emitLifecycleStart(emit);
  }

  private addItem(item: OutputItem, emit: ResponsesEmit): number {
    const outputIndex = this.output.length;
    this.output.push(item);
    emit(this.event('response.output_item.added', { output_index: outputIndex, item: structuredClone(item) }));
    return outputIndex;
  }

  private doneItem(item: OutputItem, outputIndex: number, emit: ResponsesEmit): void {
    emit(this.event('response.output_item.done', { output_index: outputIndex, item: structuredClone(item) }));
  }

  private openMessage(emit: ResponsesEmit): OutputMessage {
    if (this.message) return this.message;
    const index = this.output.length;
    const message: OutputMessage = { id: outputItemId(this.options.responseId, 'msg', index), type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    this.message = message;
    this.messageIndex = this.addItem(message, emit);
    return message;
  }

  private closeMessage(emit: ResponsesEmit, status: OutputMessage['status'] = 'completed'): void {
    if (!this.message) return;
    this.message.status = status;
    this.doneItem(this.message, this.messageIndex, emit);
    this.message = null;
  }

  /** Opens an output_text part in the current message. */
  private openPart(block: Block, emit: ResponsesEmit): void {
    const message = this.openMessage(emit);
    const part: OutputText = { type: 'output_text', text: '', annotations: [], logprobs: [] };
    block.item = message;
    block.outputIndex = this.messageIndex;
    block.contentIndex = message.content.length;
    block.part = part;
    message.content.push(part);
    emit(this.event('response.content_part.added', { item_id: message.id, output_index: block.outputIndex, content_index: block.contentIndex, part: { ...part, annotations: [] } }));
  }

  private textDelta(block: Block, text: string, emit: ResponsesEmit): void {
    block.part!.text += text;
    emit(this.event('response.output_text.delta', { item_id: block.item!.id, output_index: block.outputIndex, content_index: block.contentIndex, delta: text, logprobs: [] }));
  }

  private closePart(block: Block, emit: ResponsesEmit): void {
    const part = block.part!;
    const where = { item_id: block.item!.id, output_index: block.outputIndex, content_index: block.contentIndex };
    emit(this.event('response.output_text.done', { ...where, text: part.text, logprobs: [] }));
    emit(this.event('response.content_part.done', { ...where, part: { ...part, annotations: [] } }));
  }

  protected newBlock(): Block {
    return { kind: 'hidden', open: true, item: null, outputIndex: -1, part: null, contentIndex: -1, gotFragments: false, startInput: null, text: '', signature: '', summaryStarted: false };
  }

  protected blockStart(event: AnthropicStreamEvent, index: number, block: Block, emit: ResponsesEmit): void {
    const content = event.content_block;
    const str = (value: unknown) => (typeof value === 'string' ? value : '');
    switch (content?.type) {
      case 'text': {
        if (this.options.responseFormatTool !== null) {
          block.kind = 'held';
          if (!this.formatSeen) this.heldText += str(content.text);
          return;
        }
        block.kind = 'text';
        this.openPart(block, emit);
        if (str(content.text) !== '') this.textDelta(block, str(content.text), emit);
        return;
      }
      case 'thinking':
      case 'redacted_thinking': {
        this.closeMessage(emit);
        const reasoning: OutputReasoning = { id: outputItemId(this.options.responseId, 'rs', this.output.length), type: 'reasoning', summary: [] };
        block.kind = content.type;
        block.item = reasoning;
        block.outputIndex = this.addItem(reasoning, emit);
        if (content.type === 'redacted_thinking') {
          block.text = str(content.data);
          return;
        }
        block.signature = str(content.signature);
        if (str(content.thinking) !== '') this.thinkingDelta(block, str(content.thinking), emit);
        return;
      }
      case 'tool_use': {
        const name = str(content.name);
        block.startInput = content.input;
        if (this.options.responseFormatTool !== null && name === this.options.responseFormatTool) {
          block.kind = 'format';
          this.formatSeen = true;
          this.heldText = '';
          this.openPart(block, emit);
          return;
        }
        this.closeMessage(emit);
        const client = this.tools.get(name);
        const callId = str(content.id) || `call_${index}`;
        const namespace = client?.namespace !== undefined ? { namespace: client.namespace } : {};
        const outputIndex = this.output.length;
        let item: OutputFunctionCall | OutputCustomToolCall;
        if (client?.kind === 'custom') {
          block.kind = 'custom';
          item = { id: outputItemId(this.options.responseId, 'ctc', outputIndex), type: 'custom_tool_call', status: 'in_progress', call_id: callId, name: client.name, input: '', ...namespace };
        } else {
          block.kind = 'function';
          item = { id: outputItemId(this.options.responseId, 'fc', outputIndex), type: 'function_call', status: 'in_progress', arguments: '', call_id: callId, name: client?.name ?? name, ...namespace };
        }
        block.item = item;
        block.outputIndex = this.addItem(item, emit);
        return;
      }
      default:
        return; // hidden: server tool blocks (web search and the like) and block types we do not know
    }
  }

  private thinkingDelta(block: Block, text: string, emit: ResponsesEmit): void {
    const where = { item_id: block.item!.id, output_index: block.outputIndex, summary_index: 0 };
    if (!block.summaryStarted) {
      block.summaryStarted = true;
      emit(this.event('response.reasoning_summary_part.added', { ...where, part: { type: 'summary_text', text: '' } }));
    }
    block.text += text;
    emit(this.event('response.reasoning_summary_text.delta', { ...where, delta: text }));
  }

  protected blockDelta(event: AnthropicStreamEvent, block: Block, emit: ResponsesEmit): void {
    if (block.kind === 'hidden') return;
    const delta = event.delta;
    const deltaType = delta?.type;
    switch (deltaType) {
      case 'text_delta':
        if (block.kind !== 'text' && block.kind !== 'held') break;
        if (typeof delta?.text !== 'string' || delta.text === '') return;
        if (block.kind === 'text') this.textDelta(block, delta.text, emit);
        else if (!this.formatSeen) this.heldText += delta.text;
        return;
      case 'thinking_delta':
        if (block.kind !== 'thinking') break;
        if (typeof delta?.thinking === 'string' && delta.thinking !== '') this.thinkingDelta(block, delta.thinking, emit);
        return;
      case 'signature_delta':
        if (block.kind !== 'thinking') break;
        if (typeof delta?.signature === 'string') block.signature += delta.signature;
        return;
      case 'input_json_delta': {
        if (block.kind !== 'function' && block.kind !== 'custom' && block.kind !== 'format') break;
        const fragment = delta?.partial_json;
        if (typeof fragment !== 'string' || fragment === '') return;
        block.gotFragments = true;
        if (block.kind === 'format') this.textDelta(block, fragment, emit);
        else if (block.kind === 'custom') block.text += fragment; // sent whole at the end: it must be unwrapped first
        else this.argumentsDelta(block, fragment, emit);
        return;
      }
      default:
        return; // citations_delta and delta types we do not know carry nothing for the client
    }
    this.fail(upstreamProtocolError(`${String(deltaType)} in a ${block.kind} block`), emit);
  }

  private argumentsDelta(block: Block, fragment: string, emit: ResponsesEmit): void {
    const item = block.item as OutputFunctionCall;
    item.arguments += fragment;
    emit(this.event('response.function_call_arguments.delta', { item_id: item.id, output_index: block.outputIndex, delta: fragment }));
  }

  protected blockStop(block: Block, emit: ResponsesEmit): void {
    switch (block.kind) {
      case 'text':
        this.closePart(block, emit);
        break;
      case 'format':
        if (!block.gotFragments) this.textDelta(block, inputJson(block.startInput), emit);
        this.closePart(block, emit);
        break;
      case 'thinking': {
        const item = block.item as OutputReasoning;
        const where = { item_id: item.id, output_index: block.outputIndex, summary_index: 0 };
        if (block.summaryStarted) {
          emit(this.event('response.reasoning_summary_text.done', { ...where, text: block.text }));
          emit(this.event('response.reasoning_summary_part.done', { ...where, part: { type: 'summary_text', text: block.text } }));
          item.summary = [{ type: 'summary_text', text: block.text }];
        }
        if (this.options.countTokens && block.text !== '') this.thinkingTexts.push(block.text);
        // Unsigned thinking (some compatible upstreams) cannot be replayed: no encrypted_content then.
        if (block.signature !== '') item.encrypted_content = encodeReasoning({ type: 'thinking', thinking: block.text, signature: block.signature });
        this.doneItem(item, block.outputIndex, emit);
        break;
      }
      case 'redacted_thinking': {
        const item = block.item as OutputReasoning;
        if (block.text !== '') item.encrypted_content = encodeReasoning({ type: 'redacted_thinking', data: block.text });
        this.doneItem(item, block.outputIndex, emit);
        break;
      }
      case 'function': {
        const item = block.item as OutputFunctionCall;
        if (!block.gotFragments) this.argumentsDelta(block, inputJson(block.startInput), emit);
        emit(this.event('response.function_call_arguments.done', { item_id: item.id, name: item.name, output_index: block.outputIndex, arguments: item.arguments }));
        item.status = 'completed';
        this.doneItem(item, block.outputIndex, emit);
        break;
      }
      case 'custom': {
        const item = block.item as OutputCustomToolCall;
        item.input = customToolInputText(block.gotFragments ? block.text : inputJson(block.startInput));
        const where = { item_id: item.id, output_index: block.outputIndex };
        if (item.input !== '') emit(this.event('response.custom_tool_call_input.delta', { ...where, delta: item.input }));
        emit(this.event('response.custom_tool_call_input.done', { ...where, input: item.input }));
        item.status = 'completed';
        this.doneItem(item, block.outputIndex, emit);
        break;
      }
      case 'held':
      case 'hidden':
        break;
      default: {
        const unreachable: never = block.kind;
        throw new Error(`unhandled block kind ${String(unreachable)}`);
      }
    }
    block.text = '';
    block.startInput = null;
  }

  protected messageDelta(event: AnthropicStreamEvent, emit: ResponsesEmit): void {
    const stopReason = event.delta?.stop_reason;
    if (typeof stopReason === 'string') this.stopReason = stopReason;
  }

  protected messageStop(emit: ResponsesEmit): void {
    if (this.stopReason === null && typeof this.startStopReason === 'string') this.stopReason = this.startStopReason;
    const incomplete = this.stopReason !== null && Object.hasOwn(INCOMPLETE_REASONS, this.stopReason);
    if (this.heldText !== '' && !this.formatSeen) {
      // JSON mode without the JSON tool: the model answered in plain text, which goes out now.
      const block: Block = { kind: 'text', open: false, item: null, outputIndex: -1, part: null, contentIndex: -1, gotFragments: false, startInput: null, text: '', signature: '', summaryStarted: false };
      this.openPart(block, emit);
      this.textDelta(block, this.heldText, emit);
      this.closePart(block, emit);
      this.heldText = '';
    }
    this.closeMessage(emit, incomplete ? 'incomplete' : 'completed');
    this.currentStatus = 'done';
    const status: ResponseStatus = incomplete ? 'incomplete' : 'completed';
    this.final = this.snapshot(status);
    emit(this.event(incomplete ? 'response.incomplete' : 'response.completed', { response: this.final }));
  }

  /** An upstream error event: the same code and message an OpenAI client gets for it on every route. */
  protected upstreamError(event: AnthropicStreamEvent, emit: ResponsesEmit): void {
    this.fail(upstreamErrorFromEvent(event.error), emit);
  }
}
