// OpenAI's reasoning effort (chat's `reasoning_effort`, the Responses API's `reasoning.effort`), or an
// Anthropic `thinking` object a chat client sends as an extension -> Anthropic's `thinking`. The limits a
// request with thinking on must keep are Anthropic's (anthropic/thinking.ts).
import { invalidRequest } from '../../errors.ts';
import { isOpenAIReasoningEffort, OPENAI_REASONING_EFFORTS } from '../../profiles/effort.ts';
import type { AnthropicThinking } from '../../wire/anthropic.ts';

export interface ReasoningBudgets {
  minimal: number;
  low: number;
  medium: number;
  high: number;
}

/** The end of the message for a value OpenAI does not list. */
const EFFORT_VALUES = `must be one of ${OPENAI_REASONING_EFFORTS.map((value) => JSON.stringify(value)).join(', ')}`;

/**
 * The thinking config for a request: an explicit `thinking` object wins over the effort. `param` is where the
 * client wrote the effort, for the 400 on a level OpenAI does not have.
 */
export function thinkingFor(
  request: { thinking?: AnthropicThinking | null; effort: string | null | undefined },
  budgets: ReasoningBudgets,
  param: string,
): AnthropicThinking | undefined {
  if (request.thinking) return request.thinking;
  const effort = request.effort;
  if (effort === null || effort === undefined) return undefined;
  if (!isOpenAIReasoningEffort(effort)) throw invalidRequest(`'${param}' ${JSON.stringify(effort)} ${EFFORT_VALUES}`, param);
  if (effort === 'none') return { type: 'disabled' };
  // OpenAI's "xhigh" and "max" levels have no budget of their own: they take the high one. A model with
  // Anthropic's effort parameter gets them as levels instead (profiles/adapt.ts).
  const level = effort === 'xhigh' || effort === 'max' ? 'high' : effort;
  return { type: 'enabled', budget_tokens: budgets[level] };
}
