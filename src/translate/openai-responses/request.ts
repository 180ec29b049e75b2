// A Responses API request (history already resolved) -> an Anthropic Messages request. Pure: the
// config-derived rules come in as data. The parameter rules are chat's (same modules, openai-common/ and
// anthropic/): model choice, max_tokens and the thinking budget, temperature cap, top_p, top_k, stop, the
// structured-output tool, user id, tools for tool history without tools.
// metadata, include, prompt_cache_key, service_tier, truncation and text.verbosity have no Anthropic
// counterpart and are only echoed in the response.
import { invalidRequest } from '../../errors.ts';
import { anthropicRequestBody } from '../anthropic/request.ts';
import { resolveModel } from '../openai-common/model.ts';
import { sharedBodyParts } from '../openai-common/request-fields.ts';
import { thinkingFor } from '../openai-common/reasoning.ts';
import { asChatFormat, responseFormatTool } from '../openai-common/response-format.ts';
import type { TranslationRules } from '../openai-common/rules.ts';
import type { AnthropicRequest, AnthropicTool } from '../../wire/anthropic.ts';
import type { InputItem, ResponsesRequest } from '../../wire/openai-responses.ts';
import { translateInput } from './input.ts';
import { allowedOnly, translateToolChoice, translateTools, type ClientTool } from './tools.ts';

export interface ResponsesTranslationRules extends TranslationRules {
  /** RESPONSES_WEB_SEARCH: `web_search` tools become Anthropic's server web-search tool. */
  webSearch: boolean;
}

export interface TranslatedResponsesRequest {
  body: AnthropicRequest;
  stream: boolean;
  /** The name of the structured-output tool when text.format asked for JSON, else null. */
  responseFormatTool: string | null;
  /** Anthropic tool name -> the client's function or custom tool, for calls coming back. */
  toolsByUpstreamName: ReadonlyMap<string, ClientTool>;
}

/** Fields that would change the answer and that this service cannot honour: a clear 400, not silence. */
function rejectUnsupported(request: ResponsesRequest): void {
  if (request.background === true) {
    throw invalidRequest("'background' is not supported: this service answers in the request (use stream: true for long answers)", 'background', 'unsupported_background');
  }
  if (request.conversation !== undefined && request.conversation !== null) {
    throw invalidRequest("'conversation' is not supported: continue a conversation with previous_response_id", 'conversation', 'unsupported_conversation');
  }
  if (request.prompt !== undefined && request.prompt !== null) {
    throw invalidRequest("'prompt' (stored prompt templates) is not supported: send instructions and input", 'prompt', 'unsupported_prompt');
  }
}

/**
 * `input` is the resolved item list: the stored conversation of previous_response_id first, then the
 * request's own items with item_reference replaced.
 */
export function translateResponsesRequest(request: ResponsesRequest, input: string | readonly InputItem[], rules: ResponsesTranslationRules): TranslatedResponsesRequest {
  rejectUnsupported(request);
  const tools = allowedOnly(translateTools(request.tools, { webSearch: rules.webSearch }), request.tool_choice);
  const { system, messages, hasImage } = translateInput(request.instructions, input, tools);
  const thinking = thinkingFor({ effort: request.reasoning?.effort }, rules.reasoningBudgets, 'reasoning.effort');
  const toolChoice = translateToolChoice(request.tool_choice, request.parallel_tool_calls, tools);
  const formatTool = responseFormatTool(asChatFormat(request.text?.format), 'text.format', tools.tools);
  const stream = request.stream === true;
  const body = anthropicRequestBody({
    model: resolveModel(request.model, hasImage, rules),
    maxTokens: request.max_output_tokens ?? rules.defaultMaxTokens,
    system,
    messages,
    tools: tools.tools as AnthropicTool[],
    toolChoice,
    formatTool,
    thinking,
    ...sharedBodyParts(request),
  });
  return { body, stream, responseFormatTool: formatTool?.name ?? null, toolsByUpstreamName: tools.byUpstreamName };
}
