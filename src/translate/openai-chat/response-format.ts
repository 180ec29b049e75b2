// response_format -> a forced tool whose input is the JSON answer. The upstream has no schema-less JSON
// mode and z.ai has no native structured outputs, so a tool is the portable way to get valid JSON; the
// response (and stream) translators turn that tool's input back into `message.content`.
import { invalidRequest } from '../../errors.ts';
import { anthropicInputSchema } from '../tool-schema.ts';
import type { AnthropicTool, AnthropicToolChoice } from '../../wire/anthropic.ts';
import type { ChatResponseFormat } from '../../wire/openai-chat.ts';

/** Name of the tool that carries a response_format schema. */
export const RESPONSE_FORMAT_TOOL = 'json_tool_call';

const OPEN_OBJECT_SCHEMA = { type: 'object', additionalProperties: true };

/**
 * The tool to force for a response_format (or a Responses `text.format`, passed in chat's shape), or null for
 * `text` / none. `param` is where the client wrote it, for error messages.
 */
export function responseFormatTool(format: ChatResponseFormat | null | undefined, param = 'response_format'): AnthropicTool | null {
  if (!format || format.type === 'text') return null;
  if (format.type === 'json_object') {
    return { name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as a JSON object.', input_schema: OPEN_OBJECT_SCHEMA };
  }
  if (format.type === 'json_schema') {
    const spec = format.json_schema;
    // The schema becomes a tool's input_schema, so it gets the same normalisation as tool parameters.
    const normalised = anthropicInputSchema(spec?.schema ?? OPEN_OBJECT_SCHEMA);
    if ('problem' in normalised) {
      const at = param === 'response_format' ? 'response_format.json_schema.schema' : `${param}.schema`;
      throw invalidRequest(`'${at}' must describe an object (type "object")`, at);
    }
    const schema = normalised.schema;
    const name = spec?.name ? ` named ${JSON.stringify(spec.name)}` : '';
    const description = `Give the answer as JSON matching the schema${name}.${spec?.description ? ` ${spec.description}` : ''}`;
    return { name: RESPONSE_FORMAT_TOOL, description, input_schema: schema };
  }
  throw invalidRequest(`'${param}.type' ${JSON.stringify(format.type)} must be "text", "json_object" or "json_schema"`, `${param}.type`);
}

/**
 * The tool_choice once the response_format tool is added. Without (usable) client tools the JSON tool is
 * forced; with client tools the model must call some tool (`any`), so it either uses a client tool or
 * answers in JSON.
 */
export function toolChoiceWithFormatTool(choice: AnthropicToolChoice | undefined, hasClientTools: boolean): AnthropicToolChoice | undefined {
  if (!hasClientTools || choice?.type === 'none') return { type: 'tool', name: RESPONSE_FORMAT_TOOL, disable_parallel_tool_use: true };
  if (choice === undefined || choice.type === 'auto') return choice?.disable_parallel_tool_use ? { type: 'any', disable_parallel_tool_use: true } : { type: 'any' };
  return choice;
}
