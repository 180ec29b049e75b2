// OpenAI tools / legacy functions, tool_choice / function_call and parallel_tool_calls -> Anthropic tools
// and tool_choice. The rules the Responses API shares are in openai-common/ (function-tool.ts,
// custom-tool.ts, tool-choice.ts).
import { invalidRequest } from '../../errors.ts';
import { customToolDefinition } from '../openai-common/custom-tool.ts';
import { toolFrom } from '../openai-common/function-tool.ts';
import { allowedTools, keywordChoice, onlyAllowed, withParallelToolCalls, type AllowedTools } from '../openai-common/tool-choice.ts';
import { anthropicCacheControl } from './content.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest } from '../../wire/openai-chat.ts';

/**
 * `tools` (or legacy `functions`) -> Anthropic tools with object input schemas; `strict` has no Anthropic
 * counterpart and is dropped. Custom (free-form text) tools get the Responses API's rule (openai-common/custom-tool.ts).
 */
export function translateTools(request: Pick<ChatCompletionRequest, 'tools' | 'functions'>): AnthropicTool[] {
  const tools: AnthropicTool[] = [];
  const list = request.tools ?? [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    let tool: AnthropicTool;
    if (entry.type === 'custom') {
      const custom = entry.custom;
      if (custom === null || typeof custom !== 'object') throw invalidRequest(`'tools[${i}].custom' is required for a custom tool`, `tools[${i}].custom`);
      const grammar = custom.format?.type === 'grammar' ? custom.format.grammar ?? null : null;
      tool = customToolDefinition({ name: custom.name, description: custom.description, grammar }, custom.name, `tools[${i}].custom`);
    } else if (entry.type === 'function') {
      if (entry.function === null || typeof entry.function !== 'object') throw invalidRequest(`'tools[${i}].function' is required for a function tool`, `tools[${i}].function`);
      tool = toolFrom(entry.function, `tools[${i}].function`);
    } else {
      throw invalidRequest(`'tools[${i}].type' ${JSON.stringify(entry.type)} must be "function" or "custom"`, `tools[${i}].type`);
    }
    const cacheControl = anthropicCacheControl(entry.cache_control);
    if (cacheControl) tool.cache_control = cacheControl;
    tools.push(tool);
  }
  const functions = request.functions ?? [];
  for (let i = 0; i < functions.length; i++) tools.push(toolFrom(functions[i], `functions[${i}]`));
  return tools;
}

/** The names of the request's custom tools (their calls come back as `type: "custom"`). */
export function customToolNames(request: Pick<ChatCompletionRequest, 'tools'>): Set<string> {
  const names = new Set<string>();
  for (const entry of request.tools ?? []) if (entry.type === 'custom' && typeof entry.custom?.name === 'string') names.add(entry.custom.name);
  return names;
}

/** Where a named tool_choice (or legacy function_call) keeps its name, for error messages. */
export function namedChoiceParam(request: Pick<ChatCompletionRequest, 'tool_choice'>): string {
  if (request.tool_choice == null) return 'function_call.name';
  return typeof request.tool_choice === 'object' && request.tool_choice.type === 'custom' ? 'tool_choice.custom.name' : 'tool_choice.function.name';
}

function namedChoice(choice: { type?: string; function?: { name: string }; custom?: { name: string }; name?: string }, param: string): string | null {
  if (param === 'tool_choice' && choice.type !== 'function' && choice.type !== 'custom') {
    throw invalidRequest(`'tool_choice.type' ${JSON.stringify(choice.type)} is not supported; use "function", "custom" or "allowed_tools"`, 'tool_choice.type');
  }
  const name = param === 'tool_choice' ? (choice.type === 'custom' ? choice.custom?.name : choice.function?.name) : choice.name;
  // OpenAI's schema allows an empty name, which names no tool: a call is still forced (as "required").
  if (name === '') return null;
  if (typeof name !== 'string') {
    const where = param === 'tool_choice' ? `tool_choice.${choice.type}.name` : 'function_call.name';
    throw invalidRequest(`'${where}' is required`, where);
  }
  return name;
}

const ALLOWED_TOOLS_PARAM = 'tool_choice.allowed_tools';

/** The allowed_tools of `tool_choice: {type: "allowed_tools", allowed_tools: {mode, tools}}`, or null for any other choice. */
function allowedToolsOf(request: Pick<ChatCompletionRequest, 'tool_choice'>): AllowedTools | null {
  const choice = request.tool_choice;
  if (typeof choice !== 'object' || choice === null || choice.type !== 'allowed_tools') return null;
  return allowedTools((choice as { allowed_tools?: { mode?: unknown; tools?: unknown } }).allowed_tools, ALLOWED_TOOLS_PARAM);
}

/** The tools an allowed_tools choice leaves (all of them for any other choice): a new list. */
export function allowedOnly(tools: readonly AnthropicTool[], request: Pick<ChatCompletionRequest, 'tool_choice'>): AnthropicTool[] {
  const allowed = allowedToolsOf(request);
  return allowed === null ? [...tools] : onlyAllowed(tools, allowed.names, (tool) => [tool.name], ALLOWED_TOOLS_PARAM);
}

/**
 * tool_choice (or legacy function_call): auto -> auto, none -> none, required -> any, a named function ->
 * that tool, allowed_tools -> auto or any (over those tools only, see allowedOnly).
 * parallel_tool_calls:false -> disable_parallel_tool_use (on auto when nothing else was chosen).
 */
export function translateToolChoice(request: Pick<ChatCompletionRequest, 'tool_choice' | 'function_call' | 'parallel_tool_calls'>): AnthropicToolChoice | undefined {
  const param = request.tool_choice != null ? 'tool_choice' : 'function_call';
  const choice = request.tool_choice ?? request.function_call ?? undefined;
  // Legacy function_call has no "required".
  const keyword = choice === 'required' && param !== 'tool_choice' ? undefined : keywordChoice(choice);
  const allowed = param === 'tool_choice' ? allowedToolsOf(request) : null;
  let result: AnthropicToolChoice | undefined;
  if (keyword !== undefined) result = keyword;
  else if (allowed !== null) result = allowed.choice;
  else if (typeof choice === 'object' && choice !== null) {
    const name = namedChoice(choice, param);
    result = name === null ? { type: 'any' } : { type: 'tool', name };
  }
  else if (choice !== undefined) {
    throw invalidRequest(`'${param}' ${JSON.stringify(choice)} must be "none", "auto"${param === 'tool_choice' ? ', "required"' : ''} or a named function`, param);
  }
  return withParallelToolCalls(result, request.parallel_tool_calls);
}
