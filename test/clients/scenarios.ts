// What the mock model does in the client suite, shared by every client: it answers plain prompts with a
// fixed text, calls `get_weather` for Oslo when the request offers that tool, answers with the tool's result
// once it comes back, and fills a forced tool (structured output) with a fixed object.
import { toolLoopHandler, toolResultText, type AnthropicBlock } from '../helpers/anthropic-replies.ts';
import type { MockHandler } from '../helpers/mock-upstream.ts';

export const PLAIN_ANSWER = 'Hello from the mock model.';
export const WEATHER_TOOL = 'get_weather';
export const WEATHER_CITY = 'Oslo';
/** What the clients' get_weather implementations return. */
export const WEATHER_RESULT = '3C, light snow';
export const weatherAnswer = (result: string) => `In ${WEATHER_CITY} it is ${result}.`;
/** The object the model puts into a forced (structured output) tool. */
export const STRUCTURED = { city: WEATHER_CITY, temp_c: 3, conditions: 'light snow' };
export const PREAMBLE = 'Let me check the weather.';

const offersWeatherTool = (body: any) => Array.isArray(body?.tools) && body.tools.some((tool: any) => tool?.name === WEATHER_TOOL);

/** The mock model of the suite (see the file comment); `preamble` is text it writes before a tool call. */
export function weatherModel(options: { preamble?: string } = {}): MockHandler {
  const loop = toolLoopHandler(
    {
      preamble: options.preamble,
      call: (request) => (offersWeatherTool(request.body) && request.body.tool_choice?.type !== 'none' ? { name: WEATHER_TOOL, input: { city: WEATHER_CITY } } : null),
      finalText: (results: AnthropicBlock[]) => (results.length > 0 ? weatherAnswer(toolResultText(results[0])) : PLAIN_ANSWER),
    },
    () => STRUCTURED,
  );
  return (request) => (request.path.endsWith('/count_tokens') ? { kind: 'json', body: { input_tokens: 42 } } : loop(request));
}

/** JSON Schema of the structured answer, for clients that take one. */
export const STRUCTURED_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' }, temp_c: { type: 'number' }, conditions: { type: 'string' } },
  required: ['city', 'temp_c', 'conditions'],
  additionalProperties: false,
} as const;
