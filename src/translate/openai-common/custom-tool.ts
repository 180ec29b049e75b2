// OpenAI custom tools (free-form text input, e.g. Codex's apply_patch), for both chat completions and the
// Responses API. Anthropic tools take a JSON object, so a custom tool becomes a tool with one string property
// that carries the raw text: the definition, a call in the history and a call in the answer all go through
// the functions here. Pure.
import { invalidRequest } from '../../errors.ts';
import { TOOL_NAME_PATTERN } from './tool-schema.ts';
import type { AnthropicTool } from '../../wire/anthropic.ts';

/** The property of a custom tool's input that carries its free-form text. */
export const CUSTOM_TOOL_INPUT = 'input';

export interface CustomToolSpec {
  name: unknown;
  description?: unknown;
  /** A `grammar` input format (lark or regex), or null for free text. */
  grammar?: { syntax?: unknown; definition?: unknown } | null;
}

/** A custom tool -> an Anthropic tool named `upstreamName`; a grammar's definition goes into the description. */
export function customToolDefinition(spec: CustomToolSpec, upstreamName: string, param: string): AnthropicTool {
  if (typeof spec.name !== 'string' || !TOOL_NAME_PATTERN.test(upstreamName)) {
    throw invalidRequest(`'${param}.name' ${JSON.stringify(spec.name)} must be 1 to 64 letters, digits, '_' or '-'`, `${param}.name`, 'invalid_tool_name');
  }
  const grammar = spec.grammar && typeof spec.grammar.definition === 'string'
    ? `\n\nThe input must follow this ${typeof spec.grammar.syntax === 'string' ? spec.grammar.syntax : ''} grammar:\n${spec.grammar.definition}`
    : '';
  const description = `${typeof spec.description === 'string' ? spec.description : ''}${grammar}`.trim();
  return {
    name: upstreamName,
    ...(description !== '' ? { description } : {}),
    input_schema: {
      type: 'object',
      properties: { [CUSTOM_TOOL_INPUT]: { type: 'string', description: 'The raw text input of the tool, exactly as the tool expects it.' } },
      required: [CUSTOM_TOOL_INPUT],
    },
  };
}

/** A custom tool call's raw text in the history -> the tool_use input. */
export function customToolUseInput(text: unknown): Record<string, string> {
  return { [CUSTOM_TOOL_INPUT]: typeof text === 'string' ? text : '' };
}

/** A tool_use input (an object, or its JSON text) -> the custom tool's raw text; any other input as JSON text. */
export function customToolInputText(input: unknown): string {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return input;
    }
  }
  if (value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>)[CUSTOM_TOOL_INPUT] === 'string') {
    return (value as Record<string, string>)[CUSTOM_TOOL_INPUT];
  }
  // No input at all (`{}`, what a tool_use block starts with): empty text, not the text "{}".
  if (value === undefined || value === null || (typeof value === 'object' && Object.keys(value).length === 0)) return '';
  return typeof input === 'string' ? input : JSON.stringify(input ?? {});
}
