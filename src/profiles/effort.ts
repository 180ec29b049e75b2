// OpenAI's reasoning effort values (chat `reasoning_effort`, Responses `reasoning.effort`) and what each
// becomes on a model with Anthropic's effort parameter. OpenAI's list as of its GPT-5.6 models: none,
// minimal, low, medium, high, xhigh, max (the OpenAI API reference, "reasoning_effort").
import type { AnthropicEffort } from './types.ts';

export const OPENAI_REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;
export type OpenAIReasoningEffort = (typeof OPENAI_REASONING_EFFORTS)[number];

export function isOpenAIReasoningEffort(value: unknown): value is OpenAIReasoningEffort {
  return typeof value === 'string' && (OPENAI_REASONING_EFFORTS as readonly string[]).includes(value);
}

/** The Anthropic level each OpenAI level asks for, before the model's own list narrows it ("none" has none). */
const WANTED: Readonly<Record<Exclude<OpenAIReasoningEffort, 'none'>, AnthropicEffort>> = {
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'max',
};

const RANK: readonly AnthropicEffort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

/**
 * The level sent for an OpenAI effort: the one asked for when the model has it, else the nearest it has
 * below (xhigh on a model without it is high), else its lowest. Null for "none", for a value that is not
 * OpenAI's, or for a model with no levels.
 */
export function anthropicEffortFor(effort: string | null | undefined, accepted: readonly AnthropicEffort[]): AnthropicEffort | null {
  if (!isOpenAIReasoningEffort(effort) || effort === 'none' || accepted.length === 0) return null;
  const wanted = RANK.indexOf(WANTED[effort]);
  for (let rank = wanted; rank >= 0; rank--) if (accepted.includes(RANK[rank])) return RANK[rank];
  return RANK.find((level) => accepted.includes(level)) ?? null;
}
