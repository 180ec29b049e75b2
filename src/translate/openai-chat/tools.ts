// OpenAI tools / legacy functions, tool_choice / function_call and parallel_tool_calls -> Anthropic tools
// and tool_choice.
import { invalidRequest } from '../../errors.ts';
import { anthropicInputSchema } from '../tool-schema.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest, ChatFunctionDefinition } from '../../wire/openai-chat.ts';

/** Anthropic's rule for tool names. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * One function definition -> an Anthropic tool with an object input schema (shared by chat's tools and the
 * Responses API's).
 */
export function toolFrom(definition: ChatFunctionDefinition, param: string): AnthropicTool {
  if (typeof definition.name !== 'string' || !TOOL_NAME_PATTERN.test(definition.name)) {
    throw invalidRequest(`'${param}.name' ${JSON.stringify(definition.name)} must be 1 to 64 letters, digits, '_' or '-'`, `${param}.name`, 'invalid_tool_name');
  }
  const inputSchema = anthropicInputSchema(definition.parameters);
  if ('problem' in inputSchema) throw invalidRequest(`'${param}.parameters' ${inputSchema.problem}`, `${param}.parameters`);
  const tool: AnthropicTool = { name: definition.name, input_schema: inputSchema.schema };
  if (typeof definition.description === 'string' && definition.description !== '') tool.description = definition.description;
  return tool;
}

/**
 * `tools` (or legacy `functions`) -> Anthropic tools with object input schemas; `strict` has no Anthropic
 * counterpart and is dropped. OpenAI's custom (free-form text) tools have no Anthropic form.
 */
export function translateTools(request: Pick<ChatCompletionRequest, 'tools' | 'functions'>): AnthropicTool[] {
  const tools: AnthropicTool[] = [];
  const list = request.tools ?? [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (entry.type !== 'function') {
      throw invalidRequest(`'tools[${i}].type' ${JSON.stringify(entry.type)} is not supported: the upstream's tools take JSON arguments, so only "function" tools are`, `tools[${i}].type`);
    }
    if (entry.function === null || typeof entry.function !== 'object') throw invalidRequest(`'tools[${i}].function' is required for a function tool`, `tools[${i}].function`);
    const tool = toolFrom(entry.function, `tools[${i}].function`);
    if (entry.cache_control) tool.cache_control = entry.cache_control;
    tools.push(tool);
  }
  const functions = request.functions ?? [];
  for (let i = 0; i < functions.length; i++) tools.push(toolFrom(functions[i], `functions[${i}]`));
  return tools;
}

function namedChoice(choice: { type?: string; function?: { name: string }; name?: string }, param: string): string {
  if (param === 'tool_choice' && choice.type !== 'function') {
    const why = choice.type === 'custom' ? ': custom (free-form) tools have no upstream form' : '';
    throw invalidRequest(`'tool_choice.type' ${JSON.stringify(choice.type)} is not supported${why}; use "function" or "allowed_tools"`, 'tool_choice.type');
  }
  const name = param === 'tool_choice' ? choice.function?.name : choice.name;
  if (typeof name !== 'string' || name === '') {
    const where = param === 'tool_choice' ? 'tool_choice.function.name' : 'function_call.name';
    throw invalidRequest(`'${where}' is required`, where);
  }
  return name;
}

interface AllowedTools {
  mode?: unknown;
  tools?: unknown;
}

/**
 * The names of `tool_choice: {type: "allowed_tools", allowed_tools: {mode, tools}}` (OpenAI's way to offer a
 * subset of `tools` without changing the list), or null for any other choice. Anthropic has no such choice:
 * the request then carries only those tools.
 */
export function allowedToolNames(request: Pick<ChatCompletionRequest, 'tool_choice'>): Set<string> | null {
  const choice = request.tool_choice;
  if (typeof choice !== 'object' || choice === null || choice.type !== 'allowed_tools') return null;
  const allowed = (choice as { allowed_tools?: AllowedTools }).allowed_tools;
  if (allowed === null || typeof allowed !== 'object' || !Array.isArray(allowed.tools)) {
    throw invalidRequest("'tool_choice.allowed_tools.tools' is required: the list of tools the model may call", 'tool_choice.allowed_tools.tools');
  }
  const names = new Set<string>();
  allowed.tools.forEach((tool: unknown, i: number) => {
    const name = (tool as { function?: { name?: unknown }; name?: unknown } | null)?.function?.name ?? (tool as { name?: unknown } | null)?.name;
    if (typeof name !== 'string' || name === '') {
      throw invalidRequest(`'tool_choice.allowed_tools.tools[${i}].function.name' is required`, `tool_choice.allowed_tools.tools[${i}].function.name`);
    }
    names.add(name);
  });
  return names;
}

function allowedToolsChoice(choice: { allowed_tools?: AllowedTools }): AnthropicToolChoice {
  const mode = choice.allowed_tools?.mode ?? 'auto';
  if (mode === 'auto') return { type: 'auto' };
  if (mode === 'required') return { type: 'any' };
  throw invalidRequest(`'tool_choice.allowed_tools.mode' ${JSON.stringify(mode)} must be "auto" or "required"`, 'tool_choice.allowed_tools.mode');
}

/**
 * tool_choice (or legacy function_call): auto -> auto, none -> none, required -> any, a named function ->
 * that tool, allowed_tools -> auto or any (over those tools only, see allowedToolNames).
 * parallel_tool_calls:false -> disable_parallel_tool_use (on auto when nothing else was chosen).
 */
export function translateToolChoice(request: Pick<ChatCompletionRequest, 'tool_choice' | 'function_call' | 'parallel_tool_calls'>): AnthropicToolChoice | undefined {
  const param = request.tool_choice != null ? 'tool_choice' : 'function_call';
  const choice = request.tool_choice ?? request.function_call ?? undefined;
  let result: AnthropicToolChoice | undefined;
  if (choice === 'auto') result = { type: 'auto' };
  else if (choice === 'none') result = { type: 'none' };
  else if (choice === 'required' && param === 'tool_choice') result = { type: 'any' };
  else if (param === 'tool_choice' && typeof choice === 'object' && (choice as { type?: unknown }).type === 'allowed_tools') {
    result = allowedToolsChoice(choice as { allowed_tools?: AllowedTools });
  }
  else if (typeof choice === 'object' && choice !== null) result = { type: 'tool', name: namedChoice(choice, param) };
  else if (choice !== undefined) {
    throw invalidRequest(`'${param}' ${JSON.stringify(choice)} must be "none", "auto"${param === 'tool_choice' ? ', "required"' : ''} or a named function`, param);
  }
  if (request.parallel_tool_calls === false && result?.type !== 'none') {
    result = { ...(result ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return result;
}
