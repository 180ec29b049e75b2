// Prompt-cache breakpoints on the Anthropic body of a translated OpenAI request (docs/prompt-caching.md):
// the config's mode and TTL, what the upstream supports for the model, and a quick token estimate for the
// minimum cacheable length. The /v1/messages passthrough does not come here: it goes as the client sent it.
import type { Config } from '../config.ts';
import { promptPartTokens, quickCount } from '../count/token-estimate.ts';
import { placeCacheBreakpoints } from '../translate/cache-breakpoints.ts';
import { promptCacheSupport } from '../translate/cache-support.ts';
import type { AnthropicRequest } from '../wire/anthropic.ts';

export function withPromptCache(body: AnthropicRequest, config: Config): AnthropicRequest {
  if (config.promptCache === 'off') return body;
  const support = promptCacheSupport(config.promptCache, config.upstreamBase, body.model);
  if (!support.cacheControl) return body;
  return placeCacheBreakpoints(body, {
    ttl: config.promptCacheTtl,
    ttlSupported: support.ttl,
    minCacheableTokens: support.minCacheableTokens,
    estimateTokens: (part, region) => promptPartTokens(part, region, quickCount),
  });
}
