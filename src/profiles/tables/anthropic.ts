// Anthropic's own API. Model rows are matched by the model id (`claude-opus-4-7`, `claude-sonnet-4-5-20250929`);
// later rows win. The same rows serve OpenRouter's `anthropic/claude-...` names (openrouter.ts).
import type { ProfileRule, ProviderTable } from '../types.ts';

const MODELS_OVERVIEW = "Anthropic's \"Models overview\" and per-model overview pages (max output, thinking column)";
const BEDROCK_ADAPTIVE = 'AWS Bedrock user guide, "Adaptive thinking"';
const OPUS_47_MIGRATION = "OpenRouter's \"Claude 4.7 Migration Guide\" (after Anthropic's \"Migrating to Claude Opus 4.7\")";

/** Claude 4.6: adaptive thinking recommended, the budget form deprecated (still accepted). */
const CLAUDE_46 = /^claude-(opus|sonnet)-4-6/;
/** Adaptive-only models: Opus 4.7 and later 4.x, the Claude 5 family, Mythos and Fable. */
const ADAPTIVE_ONLY = /^claude-(opus-4-([7-9])|(opus|sonnet|haiku|fable|mythos)-5|fable|mythos)/;

export const ANTHROPIC_RULES: readonly ProfileRule[] = [
  {
    models: null,
    set: { temperatureWithTopP: false },
    source: 'Anthropic Messages API answer "temperature and top_p cannot both be specified for this model" (4.5 models and later)',
    verified: false,
    note: 'the refusal is the API\'s own message; the documents we read do not list the models',
  },
  { models: /^claude-(opus-4-[01]|opus-4-2025|opus-4$)/, set: { maxOutputTokens: 32000 }, source: MODELS_OVERVIEW, verified: false, note: 'legacy models, figures from model lists that quote the overview' },
  { models: /^claude-(sonnet-4-5|haiku-4-5|opus-4-5|sonnet-4-2025|sonnet-4$|3-7-sonnet)/, set: { maxOutputTokens: 64000 }, source: MODELS_OVERVIEW, verified: true },
  {
    models: CLAUDE_46,
    set: { thinking: 'adaptive', efforts: ['low', 'medium', 'high', 'max'], maxOutputTokens: 128000 },
    source: `${BEDROCK_ADAPTIVE}; OpenRouter's "Claude 4.6 Migration Guide" (the max effort level)`,
    verified: true,
    note: 'thinking.type "enabled" with budget_tokens is deprecated on 4.6; adaptive is what Anthropic recommends',
  },
  {
    models: ADAPTIVE_ONLY,
    set: { thinking: 'adaptive', efforts: ['low', 'medium', 'high', 'xhigh', 'max'], thinkingCanBeDisabled: false, maxOutputTokens: 128000 },
    source: `${BEDROCK_ADAPTIVE} (Opus 4.7, Mythos, Fable: "enabled" and "disabled" are a 400); ${OPUS_47_MIGRATION} (xhigh)`,
    verified: true,
  },
  {
    models: ADAPTIVE_ONLY,
    set: { temperature: false, topP: false, topK: false },
    source: OPUS_47_MIGRATION,
    verified: true,
    note: 'verified for Opus 4.7; later models assumed to keep the rule',
  },
  {
    models: /^claude-(opus|sonnet)-5|^claude-fable|^claude-mythos-5/,
    set: { thinksByDefault: true },
    source: "Anthropic's \"Claude Opus 5\" overview (thinking on by default; Fable \"Adaptive (always on)\")",
    verified: true,
  },
  {
    models: /^claude-(opus|sonnet)-5/,
    set: { thinkingCanBeDisabled: true },
    source: "Anthropic's \"Claude Opus 5\" overview (thinking may be disabled at effort high or lower)",
    verified: true,
    note: 'Sonnet 5 assumed to follow Opus 5',
  },
];

export const ANTHROPIC: ProviderTable = { provider: 'anthropic', rules: ANTHROPIC_RULES };
