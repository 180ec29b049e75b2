// Shared translation rules for the translator unit tests (the defaults of src/config.ts).
import type { ChatTranslationRules } from '../../../src/translate/openai-chat/request.ts';

export const RULES: ChatTranslationRules = {
  modelMap: { 'gpt-4o': 'glm-4.6' },
  autoTextModel: 'glm-text',
  autoVisionModel: 'glm-vision',
  defaultMaxTokens: 4096,
  reasoningBudgets: { minimal: 1024, low: 1024, medium: 4096, high: 16384 },
};

/** Runs a translation expected to fail and returns the ProxyError-like result for assertions. */
export function failure(fn: () => unknown): { statusCode: number; param: string | null; message: string; code: string } {
  try {
    fn();
  } catch (error) {
    return error as { statusCode: number; param: string | null; message: string; code: string };
  }
  throw new Error('expected the translation to fail');
}
