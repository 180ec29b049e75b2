// One OpenAI function definition (chat's `tools[].function` and legacy `functions[]`, the Responses API's flat
// function tools) -> an Anthropic tool with an object input schema; `strict` has no Anthropic counterpart.
import { invalidRequest } from '../../errors.ts';
import { TOOL_NAME_PATTERN, anthropicInputSchema } from './tool-schema.ts';
import type { AnthropicTool } from '../../wire/anthropic.ts';
import type { ChatFunctionDefinition } from '../../wire/openai-chat.ts';

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
