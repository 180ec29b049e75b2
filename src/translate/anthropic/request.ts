// The Anthropic request body both OpenAI surfaces (chat completions, Responses) end up with, once each has
// turned its own fields into messages, tools and a tool_choice. Pure. One place for the rules that make the
// body one Anthropic accepts: the structured-output tool, tools for tool history that has none, the thinking
// limits, tool_choice only with tools, the sampling rules and metadata.user_id.
import { toolChoiceWithFormatTool } from './format-tool.ts';
import { historyAllowsThinking, maxTokensWithThinking, thinkingOn, toolChoiceWithThinking, topPWithThinking } from './thinking.ts';
import { anthropicUserId } from './user-id.ts';
import type { AnthropicMessage, AnthropicRequest, AnthropicThinking, AnthropicTool, AnthropicToolChoice, TextBlock } from '../../wire/anthropic.ts';

export interface AnthropicBodyParts {
  model: string;
  /** The client's limit (or the default), before the thinking budget is accounted for. */
  maxTokens: number;
  system: TextBlock[];
  messages: AnthropicMessage[];
  /** The client's tools as translated (server tools included); a repeated name keeps its first definition. */
  tools: NonNullable<AnthropicRequest['tools']>;
  toolChoice: AnthropicToolChoice | undefined;
  /** The response_format / text.format tool (named apart from the client's tools), or null. */
  formatTool: AnthropicTool | null;
  thinking: AnthropicThinking | undefined;
  stop: readonly unknown[] | string | null | undefined;
  temperature: number | null | undefined;
  topP: number | null | undefined;
  topK?: number | null | undefined;
  /** The OpenAI user ids in order of preference: the first that gives a value wins. */
  users: ReadonlyArray<string | null | undefined>;
  stream: boolean;
}

/** Stop sequences Anthropic takes: whitespace-only ones never match upstream and are refused, so they are dropped. */
export function stopSequences(stop: AnthropicBodyParts['stop']): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === 'string' ? [stop] : stop).filter((sequence): sequence is string => typeof sequence === 'string' && sequence.trim() !== '');
}

/**
 * Tools for a conversation that carries tool calls but offers no tools (a summary or "final answer" call):
 * Anthropic refuses tool_use blocks in a request without tools, so each tool the history used is defined
 * again (an empty object schema).
 */
export function historyTools(messages: readonly AnthropicMessage[]): AnthropicTool[] {
  const names = new Set<string>();
  for (const message of messages) for (const block of message.content) if (block.type === 'tool_use') names.add(block.name);
  return [...names].map((name) => ({
    name,
    description: 'Called earlier in this conversation; not offered in this request.',
    input_schema: { type: 'object', properties: {} },
  }));
}

interface Sampling {
  temperature?: number;
  top_p?: number;
  top_k?: number;
}

/**
 * temperature, top_p and top_k as Anthropic takes them. OpenAI's temperature range 0..2 is capped at 1
 * (Anthropic and z.ai accept 0..1, and Anthropic's own OpenAI layer caps it the same way). Current Anthropic
 * models refuse temperature and top_p in one request ("cannot both be specified for this model"), which
 * OpenAI accepts: when both are set, only temperature is sent. With thinking on, temperature and top_k are
 * not allowed and top_p must be at least 0.95.
 */
export function samplingFor(parts: Pick<AnthropicBodyParts, 'temperature' | 'topP' | 'topK'>, thinkingIsOn: boolean): Sampling {
  const sampling: Sampling = {};
  const temperature = typeof parts.temperature === 'number' && !thinkingIsOn ? Math.min(parts.temperature, 1) : undefined;
  if (temperature !== undefined) sampling.temperature = temperature;
  if (typeof parts.topP === 'number' && temperature === undefined) sampling.top_p = thinkingIsOn ? topPWithThinking(parts.topP) : parts.topP;
  if (typeof parts.topK === 'number' && !thinkingIsOn) sampling.top_k = parts.topK;
  return sampling;
}

/** Anthropic refuses two tools of one name: a repeated definition (or a function named like a server tool) keeps the first. */
export function uniqueTools(tools: AnthropicBodyParts['tools']): AnthropicBodyParts['tools'] {
  const names = new Set<string>();
  return tools.filter((tool) => {
    if (names.has(tool.name)) return false;
    names.add(tool.name);
    return true;
  });
}

export function anthropicRequestBody(parts: AnthropicBodyParts): AnthropicRequest {
  const { formatTool } = parts;
  // A history Anthropic refuses thinking with (a tool loop or prefill without thinking blocks): this request
  // goes without thinking, as Anthropic's extended-thinking docs describe, rather than as a certain 400.
  const thinking = thinkingOn(parts.thinking) && !historyAllowsThinking(parts.messages) ? undefined : parts.thinking;
  const thinkingIsOn = thinkingOn(thinking);
  const tools = uniqueTools(parts.tools);
  let toolChoice = parts.toolChoice;
  const clientTools = tools.length > 0;
  if (formatTool) {
    toolChoice = toolChoiceWithFormatTool(toolChoice, clientTools, formatTool.name);
    tools.push(formatTool);
  }
  if (!clientTools) {
    const earlier = historyTools(parts.messages).filter((tool) => !tools.some((defined) => defined.name === tool.name));
    if (earlier.length > 0) {
      tools.push(...earlier);
      // The model cannot call a tool the client does not offer (unless it is the JSON answer tool).
      if (!formatTool) toolChoice = { type: 'none' };
    }
  }
  if (thinkingIsOn) toolChoice = toolChoiceWithThinking(toolChoice);

  const maxTokens = thinking && thinkingIsOn ? maxTokensWithThinking(parts.maxTokens, thinking) : parts.maxTokens;
  const body: AnthropicRequest = { model: parts.model, max_tokens: maxTokens, messages: parts.messages };
  if (parts.system.length > 0) body.system = parts.system;
  if (tools.length > 0) {
    body.tools = tools;
    // Anthropic refuses a tool_choice without tools, so it only travels with them.
    if (toolChoice) body.tool_choice = toolChoice;
  }
  const stop = stopSequences(parts.stop);
  if (stop.length > 0) body.stop_sequences = stop;
  Object.assign(body, samplingFor(parts, thinkingIsOn));
  // Only a value Anthropic accepts (an e-mail or a long id goes as a stable hash: anthropic/user-id.ts).
  let userId: string | undefined;
  for (const user of parts.users) if (userId === undefined) userId = anthropicUserId(user);
  if (userId !== undefined) body.metadata = { user_id: userId };
  if (thinking) body.thinking = thinking;
  if (parts.stream) body.stream = true;
  return body;
}
