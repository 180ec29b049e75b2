// Prompt-cache breakpoints on the Anthropic body of a translated OpenAI request (docs/prompt-caching.md):
// the config's mode and TTL, what the upstream supports for the model, and a quick token estimate for the
// minimum cacheable length. The /v1/messages passthrough does not come here: it goes as the client sent it.
import type { Config } from '../config.ts';
import type { UpstreamTarget } from '../routing.ts';
import { promptPartTokens, quickCount } from '../count/token-estimate.ts';
import { placeCacheBreakpoints } from '../translate/anthropic/cache-breakpoints.ts';
import { promptCacheSupport } from '../translate/anthropic/cache-support.ts';
import type { AnthropicRequest } from '../wire/anthropic.ts';

/** The body with breakpoints for the target it goes to (what its host takes, for the model it knows). */
export function withPromptCache(body: AnthropicRequest, config: Config, target: UpstreamTarget): AnthropicRequest {
  if (config.promptCache === 'off') return body;
  const support = promptCacheSupport(config.promptCache, target.baseUrl, body.model);
  if (!support.cacheControl) return body;
  return placeCacheBreakpoints(body, {
    ttl: config.promptCacheTtl,
    ttlSupported: support.ttl,
    minCacheableTokens: support.minCacheableTokens,
    estimateTokens: (part, region) => promptPartTokens(part, region, quickCount),
  });
}
