// reasoning_effort (or an Anthropic `thinking` object) -> `thinking`, and the limits Anthropic puts on a
// request with thinking on: max_tokens above the budget, no temperature or top_k, top_p in [0.95, 1],
// tool_choice only auto or none.
import { invalidRequest } from '../../errors.ts';
import { isOpenAIReasoningEffort, OPENAI_REASONING_EFFORTS } from '../../profiles/effort.ts';
import type { AnthropicThinking, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest } from '../../wire/openai-chat.ts';

export interface ReasoningBudgets {
  minimal: number;
  low: number;
  medium: number;
  high: number;
}

/** The end of the message for a value OpenAI does not list. */
export const EFFORT_VALUES = `must be one of ${OPENAI_REASONING_EFFORTS.map((value) => JSON.stringify(value)).join(', ')}`;

/** The thinking config for a request: an explicit `thinking` object wins over reasoning_effort. */
export function thinkingFor(request: Pick<ChatCompletionRequest, 'thinking' | 'reasoning_effort'>, budgets: ReasoningBudgets): AnthropicThinking | undefined {
  if (request.thinking) return request.thinking;
  const effort = request.reasoning_effort;
  if (effort === null || effort === undefined) return undefined;
  if (!isOpenAIReasoningEffort(effort)) throw invalidRequest(`'reasoning_effort' ${JSON.stringify(effort)} ${EFFORT_VALUES}`, 'reasoning_effort');
  if (effort === 'none') return { type: 'disabled' };
  // OpenAI's "xhigh" and "max" levels have no budget of their own: they take the high one. A model with
  // Anthropic's effort parameter gets them as levels instead (profiles/adapt.ts).
  const level = effort === 'xhigh' || effort === 'max' ? 'high' : effort;
  return { type: 'enabled', budget_tokens: budgets[level] };
}

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
