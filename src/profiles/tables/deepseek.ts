// DeepSeek behind its Anthropic-compatible endpoint (api.deepseek.com/anthropic). The rows follow the
// compatibility tables of DeepSeek's guide. Also there, not a request rule: claude-opus* names are mapped to
// deepseek-v4-pro and other claude* names to the flash model, other unknown names are a 400, and the
// anthropic-beta and anthropic-version headers are ignored.
import type { ProfileRule, ProviderTable } from '../types.ts';

const GUIDE = 'DeepSeek API docs, "Anthropic API" guide (compatibility details)';

export const DEEPSEEK_RULES: readonly ProfileRule[] = [
  { models: null, set: { thinking: 'toggle' }, source: `${GUIDE}: thinking supported, budget_tokens ignored`, verified: true, note: 'output_config takes effort; its values are not listed, so none is sent' },
  { models: null, set: { topK: false }, source: `${GUIDE}: top_k ignored`, verified: true },
  { models: null, set: { images: false, documents: false }, source: `${GUIDE}: image and document content not supported`, verified: true },
  { models: null, set: { cacheControl: false, cacheTtl: false }, source: `${GUIDE}: cache_control ignored (tools and text blocks)`, verified: true },
  { models: null, set: { parallelToolControl: false }, source: `${GUIDE}: disable_parallel_tool_use ignored`, verified: true },
  { models: null, set: { serverTools: false }, source: `${GUIDE}: only name, description and input_schema listed for tools; mcp_servers and container ignored`, verified: false },
];

export const DEEPSEEK: ProviderTable = { provider: 'deepseek', rules: DEEPSEEK_RULES };
