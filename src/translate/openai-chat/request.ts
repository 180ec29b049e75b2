// An OpenAI chat-completions request -> an Anthropic Messages request. Pure: the config-derived rules come
// in as data. Fields Anthropic has no use for (seed, penalties, logit_bias, logprobs, store, OpenAI
// metadata, service_tier, modalities, audio, prediction, ...) are simply not read.
import { invalidRequest } from '../../errors.ts';
import { anthropicRequestBody, uniqueTools } from '../anthropic/request.ts';
import { resolveModel } from '../openai-common/model.ts';
import { sharedBodyParts } from '../openai-common/request-fields.ts';
import { thinkingFor } from '../openai-common/reasoning.ts';
import { responseFormatTool } from '../openai-common/response-format.ts';
import type { TranslationRules } from '../openai-common/rules.ts';
import { translateMessages } from './input.ts';
import { allowedOnly, customToolNames, namedChoiceParam, translateToolChoice, translateTools } from './tools.ts';
import type { AnthropicRequest } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest } from '../../wire/openai-chat.ts';

export type ChatTranslationRules = TranslationRules;

export interface TranslatedChatRequest {
  body: AnthropicRequest;
  stream: boolean;
  /** stream_options.include_usage on a streaming request. */
  includeUsage: boolean;
  /** The name of the structured-output tool when response_format asked for JSON, else null. */
  responseFormatTool: string | null;
  /** The client uses legacy `functions` (and no `tools`): answers carry `function_call`. */
  legacyFunctions: boolean;
  /** The names of the request's custom tools: their calls come back as `type: "custom"` with the raw text. */
  customTools: ReadonlySet<string>;
}

export function translateChatRequest(request: ChatCompletionRequest, rules: ChatTranslationRules): TranslatedChatRequest {
  if (request.n !== null && request.n !== undefined && request.n !== 1) {
    throw invalidRequest(`'n' must be 1: the upstream returns one choice per request (got ${request.n})`, 'n', 'unsupported_n');
  }
  const { system, messages, hasImage } = translateMessages(request.messages);
  const thinking = thinkingFor({ thinking: request.thinking, effort: request.reasoning_effort }, rules.reasoningBudgets, 'reasoning_effort');

  const tools = allowedOnly(uniqueTools(translateTools(request)), request);
  const toolChoice = translateToolChoice(request);
  const chosen = toolChoice?.type === 'tool' ? toolChoice.name : null;
  if (chosen !== null && !tools.some((tool) => tool.name === chosen)) {
    // Caught here, naming the field, rather than as the upstream's 400 about a tool it never heard of.
    const where = namedChoiceParam(request);
    throw invalidRequest(`'${where}' ${JSON.stringify(chosen)} names no ${where === 'tool_choice.custom.name' ? 'custom tool' : 'function'} in ${request.tool_choice != null ? 'tools' : 'functions'}`, where);
  }
  const formatTool = responseFormatTool(request.response_format, 'response_format', tools);
  const stream = request.stream === true;
  const body = anthropicRequestBody({
    model: resolveModel(request.model, hasImage, rules),
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? rules.defaultMaxTokens,
    system,
    messages,
    tools,
    toolChoice,
    formatTool,
    thinking,
    ...sharedBodyParts(request),
  });

  return {
    body,
    stream,
    includeUsage: stream && request.stream_options?.include_usage === true,
    responseFormatTool: formatTool?.name ?? null,
    legacyFunctions: (request.functions?.length ?? 0) > 0 && (request.tools?.length ?? 0) === 0,
    customTools: customToolNames(request),
  };
}
