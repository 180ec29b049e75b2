// A Responses API request (history already resolved) -> an Anthropic Messages request. Pure: the
// config-derived rules come in as data. The parameter rules are chat's (same modules): model choice,
// max_tokens and the thinking budget, temperature cap, top_p, stop, the structured-output tool, user id,
// tools for tool history without tools (translate/anthropic-request.ts).
// metadata, include, prompt_cache_key, service_tier, truncation and text.verbosity have no Anthropic
// counterpart and are only echoed in the response.
import { invalidRequest } from '../../errors.ts';
import { anthropicRequestBody } from '../anthropic-request.ts';
import { resolveModel } from '../model.ts';
import { isOpenAIReasoningEffort } from '../../profiles/effort.ts';
import { EFFORT_VALUES, thinkingFor } from '../openai-chat/reasoning.ts';
import type { ChatTranslationRules } from '../openai-chat/request.ts';
import { RESPONSE_FORMAT_TOOL, responseFormatTool } from '../openai-chat/response-format.ts';
import type { AnthropicRequest, AnthropicTool } from '../../wire/anthropic.ts';
import type { ChatResponseFormat } from '../../wire/openai-chat.ts';
import type { InputItem, ResponsesRequest, TextFormat } from '../../wire/openai-responses.ts';
import { translateInput } from './input.ts';
import { translateToolChoice, translateTools, type ClientTool } from './tools.ts';

export interface ResponsesTranslationRules extends ChatTranslationRules {
  /** RESPONSES_WEB_SEARCH: `web_search` tools become Anthropic's server web-search tool. */
  webSearch: boolean;
}

export interface TranslatedResponsesRequest {
  body: AnthropicRequest;
  stream: boolean;
  /** RESPONSE_FORMAT_TOOL when text.format asked for JSON, else null. */
  responseFormatTool: string | null;
  /** Anthropic tool name -> the client's function or custom tool, for calls coming back. */
  toolsByUpstreamName: ReadonlyMap<string, ClientTool>;
}


/** text.format is flat in the Responses API; chat nests the schema under json_schema. */
function asChatFormat(format: TextFormat | null | undefined): ChatResponseFormat | null {
  if (!format) return null;
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: { name: format.name, description: format.description, schema: format.schema } };
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
  const tools = translateTools(request.tools, { webSearch: rules.webSearch });
  const { system, messages, hasImage } = translateInput(request.instructions, input, tools);
  const effort = request.reasoning?.effort;
  if (effort !== null && effort !== undefined && !isOpenAIReasoningEffort(effort)) {
    throw invalidRequest(`'reasoning.effort' ${JSON.stringify(effort)} ${EFFORT_VALUES}`, 'reasoning.effort');
  }
  const thinking = thinkingFor({ reasoning_effort: effort }, rules.reasoningBudgets);
  const toolChoice = translateToolChoice(request.tool_choice, request.parallel_tool_calls, tools);
  const formatTool = responseFormatTool(asChatFormat(request.text?.format), 'text.format');
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
    stop: request.stop,
    temperature: request.temperature,
    topP: request.top_p,
    users: [request.safety_identifier, request.user],
    stream,
  });
  return { body, stream, responseFormatTool: formatTool ? RESPONSE_FORMAT_TOOL : null, toolsByUpstreamName: tools.byUpstreamName };
}
