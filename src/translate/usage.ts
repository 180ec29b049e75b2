// Anthropic usage -> OpenAI usage. Anthropic's three input counters do not overlap, while OpenAI's
// prompt_tokens includes cached tokens, so prompt = input + cache_read + cache_creation.
import type { AnthropicUsage } from '../wire/anthropic.ts';
import type { OpenAIUsage } from '../wire/openai-chat.ts';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

export function openAIUsageFrom(usage: AnthropicUsage | null | undefined): OpenAIUsage {
  const input = count(usage?.input_tokens);
  const cacheRead = count(usage?.cache_read_input_tokens);
  const cacheCreation = count(usage?.cache_creation_input_tokens);
  const completion = count(usage?.output_tokens);
  const prompt = input + cacheRead + cacheCreation;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_creation_tokens: cacheCreation },
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}

/**
 * Merges stream usage: message_delta carries cumulative counts, and some upstreams (z.ai) report
 * input_tokens as 0 in message_start and the real value only in message_delta. A later non-zero value wins.
 */
export function mergeUsage(start: AnthropicUsage | null | undefined, delta: AnthropicUsage | null | undefined): AnthropicUsage {
  const pick = (a: unknown, b: unknown) => (count(b) > 0 ? count(b) : count(a));
  return {
    input_tokens: pick(start?.input_tokens, delta?.input_tokens),
    output_tokens: pick(start?.output_tokens, delta?.output_tokens),
    cache_read_input_tokens: pick(start?.cache_read_input_tokens, delta?.cache_read_input_tokens),
    cache_creation_input_tokens: pick(start?.cache_creation_input_tokens, delta?.cache_creation_input_tokens),
  };
}
