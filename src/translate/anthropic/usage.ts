// Anthropic usage -> OpenAI usage. Anthropic's three input counters do not overlap, while OpenAI's
// prompt_tokens includes cached tokens, so prompt = input + cache_read + cache_creation. Every counter the
// upstream reports reaches the client: cache reads as cached_tokens and writes as cache_write_tokens (the
// names of OpenAI's own usage, which now reports writes too) in prompt_tokens_details, with our earlier name
// cache_creation_tokens kept for the clients that read it and Anthropic's per-TTL breakdown when given, thinking tokens as reasoning_tokens, and server tool
// requests (web search, web fetch) under Anthropic's own name, which OpenAI has no field for. Anthropic counts
// thinking tokens only sometimes (and compatible upstreams rarely): without its count, reasoning_tokens is
// estimated from the thinking text, since 0 would say that no reasoning happened.
import type { AnthropicUsage } from '../../wire/anthropic.ts';
import type { OpenAIUsage } from '../../wire/openai-chat.ts';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);

/** The numeric fields of a counter object (null when there is none). */
function counters(value: unknown): Record<string, number> | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const out: Record<string, number> = {};
  for (const [name, number] of Object.entries(value)) if (typeof number === 'number' && Number.isFinite(number)) out[name] = count(number);
  return Object.keys(out).length > 0 ? out : null;
}

/** Tokens in a text; the routes pass the local tokenizer, translation itself does no counting of its own. */
export type CountTokens = (text: string) => number;

/** The thinking texts of an answer and how to count them, for reasoning_tokens when the upstream gives none. */
export interface ReasoningEstimate {
  texts: readonly string[];
  countTokens: CountTokens;
}

/** The upstream's thinking-token count when it gives one, else the estimate, at most the output tokens. */
function reasoningTokens(usage: AnthropicUsage | null | undefined, completion: number, estimate: ReasoningEstimate | undefined): number {
  const counted = usage?.output_tokens_details?.thinking_tokens;
  if (typeof counted === 'number' && Number.isFinite(counted)) return count(counted);
  if (!estimate) return 0;
  let tokens = 0;
  for (const text of estimate.texts) tokens += count(estimate.countTokens(text));
  return Math.min(tokens, completion);
}

export function openAIUsageFrom(usage: AnthropicUsage | null | undefined, estimate?: ReasoningEstimate): OpenAIUsage {
  const input = count(usage?.input_tokens);
  const cacheRead = count(usage?.cache_read_input_tokens);
  const cacheCreation = count(usage?.cache_creation_input_tokens);
  const completion = count(usage?.output_tokens);
  const prompt = input + cacheRead + cacheCreation;
  const result: OpenAIUsage = {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cacheRead, cache_write_tokens: cacheCreation, cache_creation_tokens: cacheCreation },
    completion_tokens_details: { reasoning_tokens: reasoningTokens(usage, completion, estimate) },
  };
  const byTtl = counters(usage?.cache_creation);
  if (byTtl) result.prompt_tokens_details.cache_creation = byTtl;
  const serverTools = counters(usage?.server_tool_use);
  if (serverTools) result.server_tool_use = serverTools;
  return result;
}

/**
 * Merges stream usage: message_delta carries cumulative counts, and some upstreams (z.ai) report
 * input_tokens as 0 in message_start and the real value only in message_delta. A later non-zero value wins;
 * the counter objects come from the latest event that has them.
 */
export function mergeUsage(start: AnthropicUsage | null | undefined, delta: AnthropicUsage | null | undefined): AnthropicUsage {
  const pick = (a: unknown, b: unknown) => (count(b) > 0 ? count(b) : count(a));
  const merged: AnthropicUsage = {
    input_tokens: pick(start?.input_tokens, delta?.input_tokens),
    output_tokens: pick(start?.output_tokens, delta?.output_tokens),
    cache_read_input_tokens: pick(start?.cache_read_input_tokens, delta?.cache_read_input_tokens),
    cache_creation_input_tokens: pick(start?.cache_creation_input_tokens, delta?.cache_creation_input_tokens),
  };
  const cacheCreation = delta?.cache_creation ?? start?.cache_creation;
  if (cacheCreation) merged.cache_creation = cacheCreation;
  const outputDetails = delta?.output_tokens_details ?? start?.output_tokens_details;
  if (outputDetails) merged.output_tokens_details = outputDetails;
  const serverTools = delta?.server_tool_use ?? start?.server_tool_use;
  if (serverTools) merged.server_tool_use = serverTools;
  return merged;
}
