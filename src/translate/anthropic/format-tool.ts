// The structured-output tool: Anthropic-compatible upstreams have no schema-less JSON mode (and z.ai no
// native structured outputs), so a requested JSON answer is a tool the model is made to call, whose input is
// the answer. Its name must not be one the client's tools already use (Anthropic refuses two tools of one
// name), and its tool_choice must still leave the client's tools callable.
import type { AnthropicToolChoice } from '../../wire/anthropic.ts';

/** The name of the tool that carries a JSON answer, unless a client tool already has it. */
export const RESPONSE_FORMAT_TOOL = 'json_tool_call';

/** RESPONSE_FORMAT_TOOL, or the first of `json_tool_call_2`, `_3`, ... that no tool in `taken` has. */
export function formatToolName(taken: Iterable<{ name: string }>): string {
  const names = new Set<string>();
  for (const tool of taken) names.add(tool.name);
  let name = RESPONSE_FORMAT_TOOL;
  for (let n = 2; names.has(name); n++) name = `${RESPONSE_FORMAT_TOOL}_${n}`;
  return name;
}

/**
 * The tool_choice once the format tool `name` is added. Without (usable) client tools the JSON tool is
 * forced; with client tools the model must call some tool (`any`), so it either uses a client tool or
 * answers in JSON.
 */
export function toolChoiceWithFormatTool(choice: AnthropicToolChoice | undefined, hasClientTools: boolean, name: string): AnthropicToolChoice | undefined {
  if (!hasClientTools || choice?.type === 'none') return { type: 'tool', name, disable_parallel_tool_use: true };
  if (choice === undefined || choice.type === 'auto') return choice?.disable_parallel_tool_use ? { type: 'any', disable_parallel_tool_use: true } : { type: 'any' };
  return choice;
}
