// The limits Anthropic puts on a request with thinking on (its extended-thinking docs): max_tokens above the
// budget, no temperature or top_k, top_p in [0.95, 1], tool_choice only auto or none.
import type { AnthropicMessage, AnthropicThinking, AnthropicToolChoice } from '../../wire/anthropic.ts';

/** Whether a thinking config turns thinking on (anything but an absent or "disabled" one). */
export function thinkingOn(thinking: AnthropicThinking | undefined): boolean {
  return thinking !== undefined && thinking.type !== 'disabled';
}

/**
 * Whether Anthropic takes thinking with this history. With thinking on, the final assistant message must
 * start with a thinking (or redacted_thinking) block when it is a prefill (the last message) or carries the
 * tool calls whose results the request answers (Anthropic's extended-thinking docs, tool use: thinking cannot
 * be switched on in the middle of a tool loop). Earlier turns need none.
 */
export function historyAllowsThinking(messages: readonly AnthropicMessage[]): boolean {
  const last = messages.findLastIndex((message) => message.role === 'assistant');
  if (last === -1) return true;
  const content = messages[last]!.content;
  const continues = last === messages.length - 1 || content.some((block) => block.type === 'tool_use');
  if (!continues) return true;
  const first = content[0]?.type;
  return first === 'thinking' || first === 'redacted_thinking';
}

/** max_tokens counts thinking too: when it does not exceed the budget, the budget is added on top. */
export function maxTokensWithThinking(maxTokens: number, thinking: AnthropicThinking): number {
  const budget = typeof thinking.budget_tokens === 'number' ? thinking.budget_tokens : 0;
  return maxTokens <= budget ? budget + maxTokens : maxTokens;
}

/** With thinking on Anthropic allows only top_p in [0.95, 1]. */
export function topPWithThinking(topP: number): number {
  return topP < 0.95 ? 0.95 : topP;
}

/** With thinking on Anthropic allows only tool_choice auto or none: any / a named tool become auto. */
export function toolChoiceWithThinking(choice: AnthropicToolChoice | undefined): AnthropicToolChoice | undefined {
  if (!choice || (choice.type !== 'any' && choice.type !== 'tool')) return choice;
  return choice.disable_parallel_tool_use ? { type: 'auto', disable_parallel_tool_use: true } : { type: 'auto' };
}
