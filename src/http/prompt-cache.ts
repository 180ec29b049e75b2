// Prompt-cache breakpoints on the Anthropic body of a translated OpenAI request (docs/prompt-caching.md):
// the mode and TTL in force, what the routed model's capability profile says its upstream does with
// cache_control, and a quick token estimate against the model's minimum cacheable length. The /v1/messages
// passthrough does not come here: it goes as the client sent it.
import type { PromptCacheMode } from '../config.ts';
import { promptPartTokens, quickCount } from '../count/token-estimate.ts';
import type { Capabilities } from '../profiles/types.ts';
import { placeCacheBreakpoints } from '../translate/anthropic/cache-breakpoints.ts';
import { minCacheableTokens } from '../translate/anthropic/cache-support.ts';
import type { AnthropicRequest } from '../wire/anthropic.ts';
import type { ProviderName } from '../wire/provider.ts';

export interface PromptCacheSetting {
  /**
   * `auto`: where a named provider's profile says its upstream takes cache_control (an unknown, generic
   * upstream gets none: a gateway we do not know may refuse the field); `on`: any upstream; `off`: never.
   */
  readonly mode: PromptCacheMode;
  readonly ttl: '5m' | '1h';
}

/** The body with breakpoints, for an upstream of this provider and a model with these capabilities. */
export function withPromptCache(body: AnthropicRequest, setting: PromptCacheSetting, provider: ProviderName, caps: Pick<Capabilities, 'cacheControl' | 'cacheTtl'>): AnthropicRequest {
  if (setting.mode === 'off' || (setting.mode === 'auto' && (provider === 'generic' || !caps.cacheControl))) return body;
  return placeCacheBreakpoints(body, {
    ttl: setting.ttl,
    // `on` for an upstream whose profile says it ignores cache_control: plain markers, no ttl.
    ttlSupported: caps.cacheControl && caps.cacheTtl,
    minCacheableTokens: minCacheableTokens(body.model),
    estimateTokens: (part, region) => promptPartTokens(part, region, quickCount),
  });
}
