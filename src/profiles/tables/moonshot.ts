// Moonshot AI's Kimi models behind their Anthropic-compatible endpoints (api.moonshot.ai/anthropic,
// api.moonshot.cn/anthropic, api.kimi.com/coding).
import type { ProfileRule, ProviderTable } from '../types.ts';

export const MOONSHOT_RULES: readonly ProfileRule[] = [
  {
    models: null,
    set: { thinking: 'toggle', cacheTtl: false },
    source: 'Langertha::Engine::MoonshotAnthropic documentation (K2.x: a thinking on/off toggle, no effort); issue 24 (cache_control.ttl)',
    verified: false,
    note: 'third-party description of Kimi\'s Messages API; Moonshot\'s own page not found',
  },
  {
    models: null,
    set: { toolTurnThinking: 'required' },
    source: 'Kimi\'s 400 "thinking is enabled but reasoning_content is missing in assistant tool call message at index N", quoted in hermes-agent issue 17057',
    verified: false,
    note: 'the refusal is Kimi\'s own message; its documentation was not found',
  },
  {
    models: /^kimi-k3/,
    set: { thinking: 'effort', efforts: ['low', 'high', 'max'], thinksByDefault: true, thinkingCanBeDisabled: false },
    source: 'Langertha::Engine::MoonshotAnthropic documentation (K3 always reasons; output_config.effort low, high or max)',
    verified: false,
  },
  { models: /^kimi-k2\.7-code/, set: { thinksByDefault: true, thinkingCanBeDisabled: false }, source: 'Langertha::Engine::MoonshotAnthropic documentation (kimi-k2.7-code cannot turn thinking off)', verified: false },
];

export const MOONSHOT: ProviderTable = { provider: 'moonshot', rules: MOONSHOT_RULES };
