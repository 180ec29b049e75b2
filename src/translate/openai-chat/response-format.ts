// response_format -> a forced tool whose input is the JSON answer. The upstream has no schema-less JSON
// mode and z.ai has no native structured outputs, so a tool is the portable way to get valid JSON; the
// response (and stream) translators turn that tool's input back into `message.content`.
import { invalidRequest } from '../../errors.ts';
import type { AnthropicTool } from '../../wire/anthropic.ts';
import type { ChatResponseFormat } from '../../wire/openai-chat.ts';

/** Name of the tool that carries a response_format schema. */
export const RESPONSE_FORMAT_TOOL = 'json_tool_call';

const OPEN_OBJECT_SCHEMA = { type: 'object', additionalProperties: true };

/** The tool to force for a response_format, or null for `text` / none. */
export function responseFormatTool(format: ChatResponseFormat | null | undefined): AnthropicTool | null {
  if (!format || format.type === 'text') return null;
  if (format.type === 'json_object') {
    return { name: RESPONSE_FORMAT_TOOL, description: 'Give the answer as a JSON object.', input_schema: OPEN_OBJECT_SCHEMA };
  }
  if (format.type === 'json_schema') {
    const spec = format.json_schema;
    const schema = spec?.schema ?? OPEN_OBJECT_SCHEMA;
    if (schema.type !== undefined && schema.type !== 'object') {
      throw invalidRequest(`'response_format.json_schema.schema' must describe an object (type "object")`, 'response_format.json_schema.schema');
    }
    const name = spec?.name ? ` named ${JSON.stringify(spec.name)}` : '';
    const description = `Give the answer as JSON matching the schema${name}.${spec?.description ? ` ${spec.description}` : ''}`;
    return { name: RESPONSE_FORMAT_TOOL, description, input_schema: schema };
  }
  throw invalidRequest(`'response_format.type' ${JSON.stringify(format.type)} must be "text", "json_object" or "json_schema"`, 'response_format.type');
}
