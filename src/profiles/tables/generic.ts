// Any other Anthropic-compatible upstream: the dialect the translators speak (Anthropic's Messages API as
// of its 2025 models), nothing removed. Also the starting point every provider's table changes.
import type { Capabilities, ProviderTable } from '../types.ts';

export const GENERIC_CAPABILITIES: Readonly<Capabilities> = Object.freeze({
  thinking: 'budget',
  efforts: [],
  thinksByDefault: false,
  thinkingCanBeDisabled: true,
  maxOutputTokens: null,
  temperature: true,
  temperatureMin: 0,
  topP: true,
  topK: true,
  temperatureWithTopP: true,
  stopSequences: true,
  images: true,
  documents: true,
  cacheControl: true,
  cacheTtl: true,
  serverTools: true,
  parallelToolControl: true,
  toolTurnThinking: 'optional',
  structuredOutput: 'forced-tool',
  usage: 'anthropic',
  errors: 'anthropic',
});

export const GENERIC: ProviderTable = { provider: 'generic', rules: [] };
