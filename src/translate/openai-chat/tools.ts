// OpenAI tools / legacy functions, tool_choice / function_call and parallel_tool_calls -> Anthropic tools
// and tool_choice.
import { invalidRequest } from '../../errors.ts';
import { customToolDefinition } from '../custom-tool.ts';
import { TOOL_NAME_PATTERN, anthropicInputSchema } from '../tool-schema.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest, ChatFunctionDefinition } from '../../wire/openai-chat.ts';


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
 * counterpart and is dropped. Custom (free-form text) tools get the Responses API's rule (custom-tool.ts).
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
    if (entry.cache_control) tool.cache_control = entry.cache_control;
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
    const entry = tool as { function?: { name?: unknown }; custom?: { name?: unknown }; name?: unknown } | null;
    const name = entry?.function?.name ?? entry?.custom?.name ?? entry?.name;
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
  else if (typeof choice === 'object' && choice !== null) {
    const name = namedChoice(choice, param);
    result = name === null ? { type: 'any' } : { type: 'tool', name };
  }
  else if (choice !== undefined) {
    throw invalidRequest(`'${param}' ${JSON.stringify(choice)} must be "none", "auto"${param === 'tool_choice' ? ', "required"' : ''} or a named function`, param);
  }
  if (request.parallel_tool_calls === false && result?.type !== 'none') {
    result = { ...(result ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return result;
}
