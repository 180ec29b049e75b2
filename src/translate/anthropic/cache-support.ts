// The minimum cacheable prompt length per model, from Anthropic's prompt-caching docs ("Cache limitations").
// Whether an upstream takes cache_control (and its ttl) is the capability profile's to say (src/profiles).
// A model not in the table gets the lowest documented minimum: a breakpoint below a model's real minimum
// only caches nothing, while one skipped would lose a hit.

const MINIMUM_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/claude-(opus-4-[5-9]|haiku-4-5)/, 4096],
  [/claude-(3-haiku|3-5-haiku|haiku-3)/, 2048],
];
export const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

export function minCacheableTokens(model: string): number {
  return MINIMUM_TOKENS.find(([pattern]) => pattern.test(model))?.[1] ?? DEFAULT_MIN_CACHEABLE_TOKENS;
}
