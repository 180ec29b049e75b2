// The limits Anthropic puts on a request with thinking on (its extended-thinking docs): max_tokens above the
// budget, no temperature or top_k, top_p in [0.95, 1], tool_choice only auto or none.
import type { AnthropicThinking, AnthropicToolChoice } from '../../wire/anthropic.ts';

/** Whether a thinking config turns thinking on (anything but an absent or "disabled" one). */
export function thinkingOn(thinking: AnthropicThinking | undefined): boolean {
  return thinking !== undefined && thinking.type !== 'disabled';
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
