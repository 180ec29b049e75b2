// response_format (chat) and text.format (Responses) -> the structured-output tool (anthropic/format-tool.ts)
// whose input is the JSON answer; the response and stream translators turn that tool's input back into the
// answer's text.
import { invalidRequest } from '../../errors.ts';
import { formatToolName } from '../anthropic/format-tool.ts';
import { anthropicInputSchema } from './tool-schema.ts';
import type { AnthropicTool } from '../../wire/anthropic.ts';
import type { ChatResponseFormat } from '../../wire/openai-chat.ts';
import type { TextFormat } from '../../wire/openai-responses.ts';

const OPEN_OBJECT_SCHEMA = { type: 'object', additionalProperties: true };

/** text.format is flat in the Responses API; chat nests the schema under json_schema. */
export function asChatFormat(format: TextFormat | null | undefined): ChatResponseFormat | null {
  if (!format) return null;
  if (format.type !== 'json_schema') return { type: format.type };
  // The schema leaves `description` unchecked: only a string is passed on.
  const description = typeof format.description === 'string' ? format.description : undefined;
  return { type: 'json_schema', json_schema: { name: format.name, description, schema: format.schema } };
}

/**
 * The tool to force for a response_format (or a Responses `text.format`, passed in chat's shape), or null for
 * `text` / none. It takes a name none of `clientTools` has. `param` is where the client wrote it, for errors.
 */
export function responseFormatTool(format: ChatResponseFormat | null | undefined, param: string, clientTools: Iterable<{ name: string }>): AnthropicTool | null {
  if (!format || format.type === 'text') return null;
  const name = formatToolName(clientTools);
  if (format.type === 'json_object') {
    return { name, description: 'Give the answer as a JSON object.', input_schema: OPEN_OBJECT_SCHEMA };
  }
  if (format.type === 'json_schema') {
    const spec = format.json_schema;
    // The schema becomes a tool's input_schema, so it gets the same normalisation as tool parameters.
    const normalised = anthropicInputSchema(spec?.schema ?? OPEN_OBJECT_SCHEMA);
    if ('problem' in normalised) {
      const at = param === 'response_format' ? 'response_format.json_schema.schema' : `${param}.schema`;
      throw invalidRequest(`'${at}' must describe an object (type "object")`, at);
    }
    const schemaName = spec?.name ? ` named ${JSON.stringify(spec.name)}` : '';
    const description = `Give the answer as JSON matching the schema${schemaName}.${spec?.description ? ` ${spec.description}` : ''}`;
    return { name, description, input_schema: normalised.schema };
  }
  throw invalidRequest(`'${param}.type' ${JSON.stringify(format.type)} must be "text", "json_object" or "json_schema"`, `${param}.type`);
}
