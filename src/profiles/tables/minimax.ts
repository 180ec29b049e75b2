// MiniMax behind its Anthropic-compatible endpoint (api.minimax.io/anthropic, api.minimaxi.com/anthropic).
import type { ProfileRule, ProviderTable } from '../types.ts';

const GUIDE = 'MiniMax API reference, "Anthropic API compatible" (supported parameters)';

export const MINIMAX_RULES: readonly ProfileRule[] = [
  { models: null, set: { images: false, documents: false }, source: `${GUIDE}: messages support text and tool calls, no image/document input`, verified: true },
  { models: null, set: { topK: false, stopSequences: false }, source: `${GUIDE}: top_k and stop_sequences ignored`, verified: true },
  { models: null, set: { temperatureMin: 0.01 }, source: `${GUIDE}: temperature range (0.0, 1.0]`, verified: true, note: '0 is outside the range: the nearest accepted value is sent' },
  {
    models: null,
    set: { toolTurnThinking: 'recommended' },
    source: `${GUIDE}: in multi-turn tool calls the whole assistant content (thinking, text, tool_use) must be sent back`,
    verified: true,
  },
  { models: null, set: { cacheTtl: false, serverTools: false }, source: 'issue 24 (cache_control.ttl); server tools are not among the supported parameters of the guide', verified: false },
];

export const MINIMAX: ProviderTable = { provider: 'minimax', rules: MINIMAX_RULES };
