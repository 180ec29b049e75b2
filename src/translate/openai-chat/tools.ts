// OpenAI tools / legacy functions, tool_choice / function_call and parallel_tool_calls -> Anthropic tools
// and tool_choice.
import { invalidRequest } from '../../errors.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { ChatCompletionRequest, ChatFunctionDefinition } from '../../wire/openai-chat.ts';

/** Anthropic's rule for tool names. */
export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

const EMPTY_OBJECT_SCHEMA = { type: 'object', properties: {} };

/** One function definition -> an Anthropic tool (shared by chat's tools and the Responses API's). */
export function toolFrom(definition: ChatFunctionDefinition, param: string): AnthropicTool {
  if (typeof definition.name !== 'string' || !TOOL_NAME_PATTERN.test(definition.name)) {
    throw invalidRequest(`'${param}.name' ${JSON.stringify(definition.name)} must be 1 to 64 letters, digits, '_' or '-'`, `${param}.name`, 'invalid_tool_name');
  }
  const tool: AnthropicTool = { name: definition.name, input_schema: definition.parameters ?? EMPTY_OBJECT_SCHEMA };
  if (typeof definition.description === 'string' && definition.description !== '') tool.description = definition.description;
  return tool;
}

/** `tools` (or legacy `functions`) -> Anthropic tools; `strict` has no Anthropic counterpart and is dropped. */
export function translateTools(request: Pick<ChatCompletionRequest, 'tools' | 'functions'>): AnthropicTool[] {
  const tools: AnthropicTool[] = [];
  const list = request.tools ?? [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (entry.type !== 'function') {
      throw invalidRequest(`'tools[${i}].type' ${JSON.stringify(entry.type)} is not supported; only "function" tools are`, `tools[${i}].type`);
    }
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
    throw invalidRequest(`'tool_choice.type' ${JSON.stringify(choice.type)} is not supported; use "function"`, 'tool_choice.type');
  }
  const name = param === 'tool_choice' ? choice.function?.name : choice.name;
  if (typeof name !== 'string' || name === '') {
    const where = param === 'tool_choice' ? 'tool_choice.function.name' : 'function_call.name';
    throw invalidRequest(`'${where}' is required`, where);
  }
  return name;
}

/**
 * tool_choice (or legacy function_call): auto -> auto, none -> none, required -> any, a named function ->
 * that tool. parallel_tool_calls:false -> disable_parallel_tool_use (on auto when nothing else was chosen).
 */
export function translateToolChoice(request: Pick<ChatCompletionRequest, 'tool_choice' | 'function_call' | 'parallel_tool_calls'>): AnthropicToolChoice | undefined {
  const param = request.tool_choice != null ? 'tool_choice' : 'function_call';
  const choice = request.tool_choice ?? request.function_call ?? undefined;
  let result: AnthropicToolChoice | undefined;
  if (choice === 'auto') result = { type: 'auto' };
  else if (choice === 'none') result = { type: 'none' };
  else if (choice === 'required' && param === 'tool_choice') result = { type: 'any' };
  else if (typeof choice === 'object' && choice !== null) result = { type: 'tool', name: namedChoice(choice, param) };
  else if (choice !== undefined) {
    throw invalidRequest(`'${param}' ${JSON.stringify(choice)} must be "none", "auto"${param === 'tool_choice' ? ', "required"' : ''} or a named function`, param);
  }
  if (request.parallel_tool_calls === false && result?.type !== 'none') {
    result = { ...(result ?? { type: 'auto' }), disable_parallel_tool_use: true };
  }
  return result;
}
