// What a model accepts, as data: the capability set a profile gives one (provider, model), and the table
// rows it is made of. Each row names the document it comes from; a row whose rule we could not find in
// the provider's own documentation says so (`verified: false`) instead of passing for a fact.
import type { ProviderName } from '../wire/provider.ts';

/**
 * How reasoning is asked for:
 * - `adaptive`: `thinking: {type: "adaptive"}` plus `output_config.effort` (Anthropic's 4.6 models and later);
 * - `budget`: `thinking: {type: "enabled", budget_tokens}` (Anthropic's 4.5 models and older, most compatibles);
 * - `toggle`: `thinking: {type: "enabled"}`, a budget has no effect (DeepSeek, Kimi K2);
 * - `effort`: no thinking field, only `output_config.effort` (a model that always reasons);
 * - `none`: the model takes no reasoning control at all.
 */
export type ThinkingForm = 'adaptive' | 'budget' | 'toggle' | 'effort' | 'none';

/** Anthropic's effort levels (`output_config.effort`), lowest first. */
export const ANTHROPIC_EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type AnthropicEffort = (typeof ANTHROPIC_EFFORTS)[number];

export interface Capabilities {
  thinking: ThinkingForm;
  /** The effort levels the model takes; empty when it has no effort parameter. */
  efforts: readonly AnthropicEffort[];
  /** Whether a request without a thinking field thinks anyway. */
  thinksByDefault: boolean;
  /** Whether `thinking: {type: "disabled"}` is accepted. */
  thinkingCanBeDisabled: boolean;
  /** The largest max_tokens the model takes; null when not known. */
  maxOutputTokens: number | null;
  temperature: boolean;
  /** The lowest temperature accepted (MiniMax's range excludes 0). */
  temperatureMin: number;
  topP: boolean;
  topK: boolean;
  /** Whether temperature and top_p may travel in one request. */
  temperatureWithTopP: boolean;
  stopSequences: boolean;
  images: boolean;
  documents: boolean;
  cacheControl: boolean;
  /** Whether cache_control may carry a `ttl`. */
  cacheTtl: boolean;
  /** Server-side tools (web search and the like, tools with a `type`). */
  serverTools: boolean;
  /** Whether tool_choice.disable_parallel_tool_use has an effect. */
  parallelToolControl: boolean;
  /**
   * Thinking on assistant turns that call tools, when thinking is on: `required` (refused without it),
   * `recommended` (the provider asks for the whole assistant content back), `optional`.
   */
  toolTurnThinking: 'required' | 'recommended' | 'optional';
  /** How structured output is obtained: a forced tool (what the translators build). */
  structuredOutput: 'forced-tool';
  /**
   * Where the stream reports usage: Anthropic's way (message_start, then message_delta), input tokens only
   * in message_delta, or cache counts only in message_delta. All three are read by the same merge
   * (translate/usage.ts); the row records what the provider does.
   */
  usage: 'anthropic' | 'input-in-delta' | 'cache-in-delta';
  /** Anthropic's error envelope, or z.ai's numeric business codes (read in src/errors.ts). */
  errors: 'anthropic' | 'zai-codes';
}

/** One rule of a provider's table. */
export interface ProfileRule {
  /** The models it applies to (matched against the model name, case-insensitively); null for all. */
  models: RegExp | null;
  set: Partial<Capabilities>;
  /** The document the rule comes from, by title. */
  source: string;
  /** False when the rule is not in the provider's own documentation (reported, or a safe assumption). */
  verified: boolean;
  note?: string;
}

export interface ProviderTable {
  provider: ProviderName;
  rules: readonly ProfileRule[];
}

/** The capability set of one model, with the rules it came from. */
export interface Profile extends Capabilities {
  provider: ProviderName;
  model: string;
  /** The sources of the rules that applied, in order. */
  sources: readonly string[];
}
