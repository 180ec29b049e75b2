// The config-derived rules both OpenAI surfaces translate with, passed in as data (translation is pure).
import type { ModelRules } from './model.ts';
import type { ReasoningBudgets } from './reasoning.ts';

export interface TranslationRules extends ModelRules {
  defaultMaxTokens: number;
  reasoningBudgets: ReasoningBudgets;
}
