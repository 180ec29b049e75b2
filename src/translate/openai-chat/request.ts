// An OpenAI chat-completions request -> an Anthropic Messages request. Pure: the config-derived rules come
// in as data. Fields Anthropic has no use for (seed, penalties, logit_bias, logprobs, store, OpenAI
// metadata, service_tier, modalities, audio, prediction, ...) are simply not read.
import { invalidRequest } from '../../errors.ts';
import { translateMessages } from './messages.ts';
import { resolveModel, type ModelRules } from '../model.ts';
import { maxTokensWithThinking, thinkingFor, thinkingOn, toolChoiceWithThinking, topPWithThinking, type ReasoningBudgets } from './reasoning.ts';
import { RESPONSE_FORMAT_TOOL, responseFormatTool, toolChoiceWithFormatTool } from './response-format.ts';
import { allowedToolNames, translateToolChoice, translateTools } from './tools.ts';
import { anthropicUserId } from '../user-id.ts';
import type { AnthropicMessage, AnthropicRequest, AnthropicTool } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest } from '../../wire/openai-chat.ts';

export interface ChatTranslationRules extends ModelRules {
  defaultMaxTokens: number;
  reasoningBudgets: ReasoningBudgets;
}

export interface TranslatedChatRequest {
  body: AnthropicRequest;
  stream: boolean;
  /** stream_options.include_usage on a streaming request. */
  includeUsage: boolean;
  /** RESPONSE_FORMAT_TOOL when response_format asked for JSON, else null. */
  responseFormatTool: string | null;
  /** The client uses legacy `functions` (and no `tools`): answers carry `function_call`. */
  legacyFunctions: boolean;
}

function stopSequences(stop: ChatCompletionRequest['stop']): string[] {
  if (stop === null || stop === undefined) return [];
  // Whitespace-only sequences never match upstream; they are dropped rather than sent.
  return (typeof stop === 'string' ? [stop] : stop).filter((sequence) => sequence.trim() !== '');
}

/** Only the tools an allowed_tools choice names (each must be one of `tools`). */
function onlyAllowed(tools: AnthropicTool[], allowed: Set<string> | null): AnthropicTool[] {
  if (allowed === null) return tools;
  for (const name of allowed) {
    if (!tools.some((tool) => tool.name === name)) {
      throw invalidRequest(`'tool_choice.allowed_tools.tools' names ${JSON.stringify(name)}, which is not in tools`, 'tool_choice.allowed_tools.tools');
    }
  }
  return tools.filter((tool) => allowed.has(tool.name));
}

/**
 * Tools for a conversation that carries tool calls but offers no tools (a summary or "final answer" call):
 * Anthropic refuses tool_use blocks in a request without tools, so each tool the history used is defined
 * again, and tool_choice `none` keeps the model from calling it.
 */
function historyTools(messages: AnthropicMessage[]): AnthropicTool[] {
  const names = new Set<string>();
  for (const message of messages) for (const block of message.content) if (block.type === 'tool_use') names.add(block.name);
  return [...names].map((name) => ({
    name,
    description: 'Called earlier in this conversation; not offered in this request.',
    input_schema: { type: 'object', properties: {} },
  }));
}

export function translateChatRequest(request: ChatCompletionRequest, rules: ChatTranslationRules): TranslatedChatRequest {
  if (request.n !== null && request.n !== undefined && request.n !== 1) {
    throw invalidRequest(`'n' must be 1: the upstream returns one choice per request (got ${request.n})`, 'n', 'unsupported_n');
  }
  const { system, messages, hasImage } = translateMessages(request.messages);
  const thinking = thinkingFor(request, rules.reasoningBudgets);
  const thinkingIsOn = thinkingOn(thinking);

  const tools = onlyAllowed(translateTools(request), allowedToolNames(request));
  let toolChoice = translateToolChoice(request);
  const chosen = toolChoice?.type === 'tool' ? toolChoice.name : null;
  if (chosen !== null && !tools.some((tool) => tool.name === chosen)) {
    // Caught here, naming the field, rather than as the upstream's 400 about a tool it never heard of.
    const where = request.tool_choice != null ? 'tool_choice.function.name' : 'function_call.name';
    throw invalidRequest(`'${where}' ${JSON.stringify(chosen)} names no function in ${request.tool_choice != null ? 'tools' : 'functions'}`, where);
  }
  const clientTools = tools.length > 0;
  const formatTool = responseFormatTool(request.response_format);
  if (formatTool) {
    toolChoice = toolChoiceWithFormatTool(toolChoice, clientTools);
    tools.push(formatTool);
  }
  if (!clientTools) {
    const earlier = historyTools(messages).filter((tool) => !tools.some((defined) => defined.name === tool.name));
    if (earlier.length > 0) {
      tools.push(...earlier);
      if (!formatTool) toolChoice = { type: 'none' };
    }
  }
  if (thinkingIsOn) toolChoice = toolChoiceWithThinking(toolChoice);

  let maxTokens = request.max_completion_tokens ?? request.max_tokens ?? rules.defaultMaxTokens;
  if (thinking && thinkingIsOn) maxTokens = maxTokensWithThinking(maxTokens, thinking);

  const body: AnthropicRequest = { model: resolveModel(request.model, hasImage, rules), max_tokens: maxTokens, messages };
  if (system.length > 0) body.system = system;
  if (tools.length > 0) {
    body.tools = tools;
    // Anthropic refuses a tool_choice without tools, so it only travels with them.
    if (toolChoice) body.tool_choice = toolChoice;
  }
  const stop = stopSequences(request.stop);
  if (stop.length > 0) body.stop_sequences = stop;
  // Anthropic (and z.ai) accept 0..1; OpenAI's 0..2 is capped at 1, as Anthropic's own OpenAI layer does.
  if (typeof request.temperature === 'number' && !thinkingIsOn) body.temperature = Math.min(request.temperature, 1);
  if (typeof request.top_p === 'number') body.top_p = thinkingIsOn ? topPWithThinking(request.top_p) : request.top_p;
  if (typeof request.top_k === 'number' && !thinkingIsOn) body.top_k = request.top_k;
  const userId = anthropicUserId(request.user) ?? anthropicUserId(request.safety_identifier);
  if (userId !== undefined) body.metadata = { user_id: userId };
  if (thinking) body.thinking = thinking;
  const stream = request.stream === true;
  if (stream) body.stream = true;

  return {
    body,
    stream,
    includeUsage: stream && request.stream_options?.include_usage === true,
    responseFormatTool: formatTool ? RESPONSE_FORMAT_TOOL : null,
    legacyFunctions: (request.functions?.length ?? 0) > 0 && (request.tools?.length ?? 0) === 0,
  };
}
