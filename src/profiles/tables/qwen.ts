// Alibaba Cloud Model Studio (DashScope) Qwen models behind its Anthropic-compatible endpoint
// (dashscope*.aliyuncs.com/apps/anthropic, <workspace>.<region>.maas.aliyuncs.com/apps/anthropic).
import type { ProfileRule, ProviderTable } from '../types.ts';

const GUIDE = 'Alibaba Cloud Model Studio, "Anthropic API compatibility" (Messages)';

export const QWEN_RULES: readonly ProfileRule[] = [
  { models: null, set: { thinking: 'budget' }, source: `${GUIDE}: thinking with type "enabled" and budget_tokens`, verified: true },
  {
    models: /^qwen[\d.]*-(max|coder)(?!-preview)/,
    set: { thinking: 'none' },
    source: `${GUIDE} (2025 edition): the thinking parameter is not supported by the Qwen-Max and Qwen-Coder series`,
    verified: true,
    note: 'later editions say "some models"; qwen3-max-preview thinks',
  },
  {
    models: null,
    set: { usage: 'cache-in-delta', cacheTtl: false },
    source: 'issue 24 (cache counts reported only in message_delta; cache_control.ttl refused)',
    verified: false,
  },
];

export const QWEN: ProviderTable = { provider: 'qwen', rules: QWEN_RULES };
