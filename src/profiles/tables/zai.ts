// z.ai (Zhipu) GLM models behind its Anthropic-compatible endpoint (api.z.ai/api/anthropic, the default
// upstream of this service; open.bigmodel.cn in China).
import type { ProfileRule, ProviderTable } from '../types.ts';

const ERROR_CODES = 'Z.AI API reference, "Error codes" (HTTP status and business codes 1113, 1261, 1302)';

export const ZAI_RULES: readonly ProfileRule[] = [
  { models: null, set: { errors: 'zai-codes' }, source: ERROR_CODES, verified: true },
  {
    models: null,
    set: { usage: 'input-in-delta' },
    source: 'observed answers (translate/usage.ts): input_tokens is 0 in message_start and real in message_delta',
    verified: false,
    note: 'not in the z.ai documents we read',
  },
  {
    models: null,
    set: { cacheTtl: false },
    source: 'issue 24 (reported refusals of cache_control.ttl by non-Anthropic upstreams)',
    verified: false,
    note: 'Anthropic-only field; stripping it keeps the cache marker',
  },
  {
    models: null,
    set: { images: false, documents: false },
    source: 'Z.AI model guides "GLM-4.6", "GLM-4.5" (input modality: text; vision is the GLM-4.xV models)',
    verified: true,
  },
  { models: /^glm-[\d.]+v/, set: { images: true }, source: 'Z.AI model guides "GLM-4.5V", "GLM-4.6V" (image input)', verified: true },
  { models: /^glm-4\.6/, set: { maxOutputTokens: 128000 }, source: 'Z.AI model guide "GLM-4.6" (maximum output tokens 128K)', verified: true },
  {
    models: null,
    set: { thinking: 'budget' },
    source: 'Z.AI "Claude API compatible" quick start (thinking as Claude Code sends it: type "enabled" with budget_tokens)',
    verified: false,
    note: 'z.ai documents thinking on/off (GLM-4.5 and later); whether the budget changes the depth is not documented',
  },
];

export const ZAI: ProviderTable = { provider: 'zai', rules: ZAI_RULES };
