// What an upstream does with cache_control, until the provider profiles say it per upstream and model: a
// small pure function for them to replace. Minimum cacheable lengths from Anthropic's prompt-caching docs
// ("Cache limitations"); a model not in the table gets the lowest documented minimum, since a breakpoint
// below a model's real minimum only caches nothing, while one skipped would lose a hit.
import type { PromptCacheMode } from '../../config.ts';

export interface PromptCacheSupport {
  /** Whether breakpoints are placed at all. */
  cacheControl: boolean;
  /** Whether `cache_control.ttl` ("5m" / "1h") is taken. */
  ttl: boolean;
  minCacheableTokens: number;
}

/** Hosts known to cache at cache_control markers, and whether they take a ttl. */
const CACHING_HOSTS: Readonly<Record<string, { ttl: boolean }>> = {
  // Anthropic's prompt-caching docs: markers with ttl "5m" (default) or "1h".
  'api.anthropic.com': { ttl: true },
  // z.ai's Anthropic-compatible endpoint reports cache reads; it documents no ttl, so none is sent.
  'api.z.ai': { ttl: false },
};

/** Anthropic's prompt-caching docs, "Cache limitations": the minimum cacheable prompt length per model. */
const MINIMUM_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  [/claude-(opus-4-[5-9]|haiku-4-5)/, 4096],
  [/claude-(3-haiku|3-5-haiku|haiku-3)/, 2048],
];
export const DEFAULT_MIN_CACHEABLE_TOKENS = 1024;

export function promptCacheSupport(mode: PromptCacheMode, upstreamBase: string, model: string): PromptCacheSupport {
  const known = CACHING_HOSTS[new URL(upstreamBase).hostname];
  const minCacheableTokens = MINIMUM_TOKENS.find(([pattern]) => pattern.test(model))?.[1] ?? DEFAULT_MIN_CACHEABLE_TOKENS;
  const cacheControl = mode === 'on' || (mode === 'auto' && known !== undefined);
  return { cacheControl, ttl: cacheControl && known?.ttl === true, minCacheableTokens };
}
