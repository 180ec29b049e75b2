// OpenAI's reasoning effort (chat's `reasoning_effort`, the Responses API's `reasoning.effort`), or an
// Anthropic `thinking` object a chat client sends as an extension -> Anthropic's `thinking`. The limits a
// request with thinking on must keep are Anthropic's (anthropic/thinking.ts).
import { invalidRequest } from '../../errors.ts';
import type { AnthropicThinking } from '../../wire/anthropic.ts';

export interface ReasoningBudgets {
  minimal: number;
  low: number;
  medium: number;
  high: number;
}

const EFFORTS = '"none", "minimal", "low", "medium", "high", "xhigh"';

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
  if (effort === 'none') return { type: 'disabled' };
  // OpenAI's newer "xhigh" level has no budget of its own: it takes the high one.
  const level = effort === 'xhigh' ? 'high' : effort;
  if (!Object.hasOwn(budgets, level)) throw invalidRequest(`'${param}' ${JSON.stringify(effort)} must be one of ${EFFORTS}`, param);
  return { type: 'enabled', budget_tokens: budgets[level as keyof ReasoningBudgets] };
}
