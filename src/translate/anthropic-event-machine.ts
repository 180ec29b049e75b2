// What every translation of Anthropic's event stream does the same way (Anthropic's "Streaming Messages"):
// the event types it acts on, skipping the ones it does not know (Anthropic may add some), ignoring events
// after the end, refusing content before message_start, and routing each event to the machine's handler.
// The chat and Responses state machines extend it and only say what each event becomes.
import { upstreamProtocolError, type ProxyError } from '../errors.ts';
import type { AnthropicStreamEvent } from '../wire/anthropic.ts';

const EVENT_TYPES = ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error'] as const;
type EventType = (typeof EVENT_TYPES)[number];
const KNOWN_EVENT_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

export abstract class AnthropicEventMachine<Emit> {
  /** Done or failed: nothing more will be emitted. */
  abstract get finished(): boolean;
  /** message_start has been seen. */
  protected abstract get started(): boolean;
  /** Ends the client's stream with its final error. */
  abstract fail(error: ProxyError, emit: Emit): void;
  protected abstract messageStart(event: AnthropicStreamEvent, emit: Emit): void;
  protected abstract blockStart(event: AnthropicStreamEvent, emit: Emit): void;
  protected abstract blockDelta(event: AnthropicStreamEvent, emit: Emit): void;
  protected abstract blockStop(event: AnthropicStreamEvent, emit: Emit): void;
  protected abstract messageDelta(event: AnthropicStreamEvent, emit: Emit): void;
  protected abstract messageStop(emit: Emit): void;
  protected abstract upstreamError(event: AnthropicStreamEvent, emit: Emit): void;

  /** The open block a delta or stop event names; without one the upstream broke the protocol and the stream fails. */
  protected openBlockOf<Block extends { open: boolean }>(blocks: ReadonlyMap<number, Block>, event: AnthropicStreamEvent, emit: Emit): Block | null {
    const index = event.index;
    const block = typeof index === 'number' ? blocks.get(index) : undefined;
    if (block && block.open) return block;
    this.fail(upstreamProtocolError(`${event.type} for content block ${String(index)}, which is not open`), emit);
    return null;
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
        this.blockStart(upstream, emit);
        return;
      case 'content_block_delta':
        this.blockDelta(upstream, emit);
        return;
      case 'content_block_stop':
        this.blockStop(upstream, emit);
        return;
      case 'message_delta':
        this.messageDelta(upstream, emit);
        return;
      case 'message_stop':
        this.messageStop(emit);
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
