// The profile of one (provider, model): the generic capabilities, changed by every row of the provider's
// table that matches the model, in order, then by the overrides of the configuration. Pure.
import type { ProviderName } from '../wire/provider.ts';
import { ANTHROPIC, ANTHROPIC_RULES } from './tables/anthropic.ts';
import { DEEPSEEK } from './tables/deepseek.ts';
import { GENERIC, GENERIC_CAPABILITIES } from './tables/generic.ts';
import { MINIMAX } from './tables/minimax.ts';
import { MOONSHOT } from './tables/moonshot.ts';
import { OPENROUTER } from './tables/openrouter.ts';
import { QWEN } from './tables/qwen.ts';
import { ZAI } from './tables/zai.ts';
import type { Capabilities, Profile, ProfileRule, ProviderTable } from './types.ts';

export const PROVIDER_TABLES: Readonly<Record<ProviderName, ProviderTable>> = {
  anthropic: ANTHROPIC,
  zai: ZAI,
  moonshot: MOONSHOT,
  deepseek: DEEPSEEK,
  minimax: MINIMAX,
  qwen: QWEN,
  openrouter: OPENROUTER,
  generic: GENERIC,
};

/** OpenRouter names Anthropic's models `anthropic/claude-opus-4.7`: the Anthropic id is `claude-opus-4-7`. */
function openRouterAnthropicId(model: string): string | null {
  const match = /^anthropic\/(claude-.*)$/i.exec(model);
  return match ? match[1].replace(/(\d)\.(\d)/g, '$1-$2') : null;
}

/** The rules that apply to a model of a provider, and the name they are matched against. */
function rulesFor(provider: ProviderName, model: string): { rules: readonly ProfileRule[]; name: string } {
  if (provider === 'openrouter') {
    const anthropicId = openRouterAnthropicId(model);
    if (anthropicId !== null) return { rules: ANTHROPIC_RULES, name: anthropicId };
  }
  return { rules: PROVIDER_TABLES[provider].rules, name: model };
}

export function profileFor(provider: ProviderName, model: string, overrides: Partial<Capabilities> = {}): Profile {
  const caps: Capabilities = { ...GENERIC_CAPABILITIES };
  const sources: string[] = [];
  const { rules, name } = rulesFor(provider, model);
  const lowered = name.toLowerCase();
  for (const rule of rules) {
    if (rule.models !== null && !rule.models.test(lowered)) continue;
    Object.assign(caps, rule.set);
    sources.push(rule.verified ? rule.source : `${rule.source} (unverified)`);
  }
  if (Object.keys(overrides).length > 0) {
    Object.assign(caps, overrides);
    sources.push('configuration override');
  }
  return { ...caps, provider, model, sources };
}
