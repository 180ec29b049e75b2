// The request's parameters as a response echoes them (OpenAI's response object repeats them, with
// OpenAI's defaults where the request left them out).
import type { ResponseEcho, ResponsesRequest } from '../../wire/openai-responses.ts';

export function responseEcho(request: ResponsesRequest): ResponseEcho {
  const echo: ResponseEcho = {
    instructions: typeof request.instructions === 'string' ? request.instructions : null,
    max_output_tokens: typeof request.max_output_tokens === 'number' ? request.max_output_tokens : null,
    parallel_tool_calls: request.parallel_tool_calls !== false,
    previous_response_id: typeof request.previous_response_id === 'string' ? request.previous_response_id : null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
    store: request.store !== false,
    temperature: typeof request.temperature === 'number' ? request.temperature : 1,
    text: { format: formatEcho(request.text?.format), verbosity: request.text?.verbosity ?? 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: Array.isArray(request.tools) ? request.tools.map(toolEcho) : [],
    top_p: typeof request.top_p === 'number' ? request.top_p : 1,
    truncation: typeof request.truncation === 'string' ? request.truncation : 'disabled',
    metadata: request.metadata && typeof request.metadata === 'object' ? request.metadata : {},
    presence_penalty: numberOr(request.presence_penalty, 0),
    frequency_penalty: numberOr(request.frequency_penalty, 0),
    top_logprobs: numberOr(request.top_logprobs, 0),
    max_tool_calls: numberOr(request.max_tool_calls, null),
    service_tier: stringOr(request.service_tier, null),
    safety_identifier: stringOr(request.safety_identifier, null),
    prompt_cache_key: stringOr(request.prompt_cache_key, null),
  };
  if (typeof request.user === 'string') echo.user = request.user;
  return echo;
}

const numberOr = <T>(value: unknown, otherwise: T): number | T => (typeof value === 'number' ? value : otherwise);
const stringOr = <T>(value: unknown, otherwise: T): string | T => (typeof value === 'string' ? value : otherwise);

/**
 * A tool as OpenAI's response object lists it: a function tool always carries `strict` and `parameters`
 * (null when the request left them out), a namespace its `description` (empty when none) and its tools so.
 */
function toolEcho(tool: unknown): unknown {
  if (tool === null || typeof tool !== 'object') return tool;
  const value = tool as Record<string, unknown>;
  if (value.type === 'function') return { ...value, parameters: value.parameters ?? null, strict: value.strict ?? null };
  if (value.type === 'namespace') {
    return { ...value, description: typeof value.description === 'string' ? value.description : '', ...(Array.isArray(value.tools) ? { tools: value.tools.map(toolEcho) } : {}) };
  }
  return tool;
}

/** A json_schema format always carries `description` (empty when the request gave none). */
function formatEcho(format: unknown): Record<string, unknown> {
  if (format === null || typeof format !== 'object') return { type: 'text' };
  const value = format as Record<string, unknown>;
  return value.type === 'json_schema' ? { ...value, description: typeof value.description === 'string' ? value.description : '' } : value;
}
