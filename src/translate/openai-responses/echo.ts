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
    text: { format: (request.text?.format as Record<string, unknown> | null | undefined) ?? { type: 'text' }, verbosity: request.text?.verbosity ?? 'medium' },
    tool_choice: request.tool_choice ?? 'auto',
    tools: Array.isArray(request.tools) ? request.tools : [],
    top_p: typeof request.top_p === 'number' ? request.top_p : 1,
    truncation: typeof request.truncation === 'string' ? request.truncation : 'disabled',
    metadata: request.metadata && typeof request.metadata === 'object' ? request.metadata : {},
  };
  if (typeof request.user === 'string') echo.user = request.user;
  if (typeof request.safety_identifier === 'string') echo.safety_identifier = request.safety_identifier;
  if (typeof request.prompt_cache_key === 'string') echo.prompt_cache_key = request.prompt_cache_key;
  if (typeof request.service_tier === 'string') echo.service_tier = request.service_tier;
  return echo;
}
