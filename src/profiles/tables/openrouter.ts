// OpenRouter's Anthropic-compatible endpoint (openrouter.ai/api, as its Claude Code guide sets it). Model
// names carry the vendor (`anthropic/claude-opus-4.7`): Anthropic's rows apply to its models, with the
// version's dots read as Anthropic's dashes.
import type { ProfileRule, ProviderTable } from '../types.ts';

export const OPENROUTER_RULES: readonly ProfileRule[] = [
  {
    models: null,
    set: { cacheTtl: false },
    source: 'issue 24 (cache_control.ttl refused by non-Anthropic upstreams)',
    verified: false,
    note: 'OpenRouter forwards to many providers; Anthropic models get the Anthropic rows instead',
  },
];

export const OPENROUTER: ProviderTable = { provider: 'openrouter', rules: OPENROUTER_RULES };
