// What every translation of Anthropic's event stream does the same way (Anthropic's "Streaming Messages"):
// the event types it acts on, skipping the ones it does not know (Anthropic may add some), ignoring events
// after the end, refusing content before message_start, keeping the content blocks (each started once,
// deltas and stops only for an open one, none open at message_delta or message_stop), the usage, and
// routing each event to the machine's handler. The chat and Responses state machines extend it and only say
// what each event becomes.
import { upstreamProtocolError, upstreamTruncatedError, type ProxyError } from '../../errors.ts';
import { mergeUsage } from './usage.ts';
import type { AnthropicStreamEvent, AnthropicUsage } from '../../wire/anthropic.ts';

const EVENT_TYPES = ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error'] as const;
type EventType = (typeof EVENT_TYPES)[number];
const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

/** What the machine keeps of every content block; each machine adds its own fields. */
export interface OpenBlock {
  open: boolean;
}

export abstract class AnthropicEventMachine<Emit, Block extends OpenBlock> {
  /** The content blocks by their upstream index. */
  protected readonly blocks = new Map<number, Block>();
  private openBlocks = 0;
  /** The usage of message_start, and the latest of message_delta (cumulative there). */
  protected startUsage: AnthropicUsage | null = null;
  protected deltaUsage: AnthropicUsage | null = null;

  /** Done or failed: nothing more will be emitted. */
  abstract get finished(): boolean;
  /** message_start has been seen. */
  protected abstract get started(): boolean;
  /** Ends the client's stream with its final error. */
  abstract fail(error: ProxyError, emit: Emit): void;
  /** A new block's state, before its content_block_start is translated. */
  protected abstract newBlock(): Block;
  protected abstract messageStart(event: AnthropicStreamEvent, emit: Emit): void;
  /** A content block started (`block` is new and already kept under `index`). */
  protected abstract blockStart(event: AnthropicStreamEvent, index: number, block: Block, emit: Emit): void;
  protected abstract blockDelta(event: AnthropicStreamEvent, block: Block, emit: Emit): void;
  /** An open block ended (it is marked closed already). */
  protected abstract blockStop(block: Block, emit: Emit): void;
  /** message_delta, with no block open (its usage is kept already). */
  protected abstract messageDelta(event: AnthropicStreamEvent, emit: Emit): void;
  /** message_stop, with no block open. */
  protected abstract messageStop(emit: Emit): void;
  protected abstract upstreamError(event: AnthropicStreamEvent, emit: Emit): void;

  /** The usage reported so far (message_start merged with the latest message_delta), or null if none. */
  get usage(): AnthropicUsage | null {
    return this.startUsage || this.deltaUsage ? mergeUsage(this.startUsage, this.deltaUsage) : null;
  }

  /** The upstream body ended: without message_stop the answer is incomplete, and the client must know. */
  end(emit: Emit): void {
    if (!this.finished) this.fail(upstreamTruncatedError(), emit);
  }

  private startBlock(event: AnthropicStreamEvent, emit: Emit): void {
    const index = event.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
      this.fail(upstreamProtocolError('content_block_start without a block index'), emit);
      return;
    }
    if (this.blocks.has(index)) {
      this.fail(upstreamProtocolError(`content block ${index} started twice`), emit);
      return;
    }
    const block = this.newBlock();
    this.blocks.set(index, block);
    this.openBlocks++;
    this.blockStart(event, index, block, emit);
  }

  /** The open block a delta or stop event names; without one the upstream broke the protocol and the stream fails. */
  private openBlockOf(event: AnthropicStreamEvent, emit: Emit): Block | null {
    const index = event.index;
    const block = typeof index === 'number' ? this.blocks.get(index) : undefined;
    if (block && block.open) return block;
    this.fail(upstreamProtocolError(`${event.type} for content block ${String(index)}, which is not open`), emit);
    return null;
  }

  /** message_delta and message_stop end the content: a block still open means the upstream broke the protocol. */
  private noBlockOpen(type: string, emit: Emit): boolean {
    if (this.openBlocks === 0) return true;
    this.fail(upstreamProtocolError(`${type} while a content block is still open`), emit);
    return false;
  }

  /**
   * Translates one parsed upstream event. Unknown event types are skipped on purpose; events after the end
   * are ignored, since the client's stream is already complete.
   */
  handle(event: unknown, emit: Emit): void {
    if (this.finished) return;
    const type = (event as { type?: unknown } | null)?.type;
    if (typeof type !== 'string' || !KNOWN_EVENT_TYPES.has(type)) return;
    const known = type as EventType;
    const upstream = event as AnthropicStreamEvent;
    if (known !== 'ping' && known !== 'error' && known !== 'message_start' && !this.started) {
      this.fail(upstreamProtocolError(`${known} before message_start`), emit);
      return;
    }
    switch (known) {
      case 'message_start':
        this.messageStart(upstream, emit);
        return;
      case 'content_block_start':
        this.startBlock(upstream, emit);
        return;
      case 'content_block_delta': {
        const block = this.openBlockOf(upstream, emit);
        if (block) this.blockDelta(upstream, block, emit);
        return;
      }
      case 'content_block_stop': {
        const block = this.openBlockOf(upstream, emit);
        if (!block) return;
        block.open = false;
        this.openBlocks--;
        this.blockStop(block, emit);
        return;
      }
      case 'message_delta':
        if (!this.noBlockOpen(known, emit)) return;
        if (upstream.usage) this.deltaUsage = upstream.usage;
        this.messageDelta(upstream, emit);
        return;
      case 'message_stop':
        if (this.noBlockOpen(known, emit)) this.messageStop(emit);
        return;
      case 'ping':
        return;
      case 'error':
        this.upstreamError(upstream, emit);
        return;
      default: {
        const unreachable: never = known;
        throw new Error(`unhandled upstream event ${String(unreachable)}`);
      }
    }
  }
}
