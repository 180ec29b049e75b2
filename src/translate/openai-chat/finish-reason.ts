// Anthropic stop_reason -> OpenAI finish_reason. Rows follow Anthropic's Messages API reference; unknown or
// missing reasons end as "stop", as OpenAI clients expect a known value.
import type { FinishReason } from '../../wire/openai-chat.ts';

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonFor(stopReason: string | null | undefined): FinishReason {
  return typeof stopReason === 'string' && Object.hasOwn(FINISH_REASONS, stopReason) ? FINISH_REASONS[stopReason] : 'stop';
}
