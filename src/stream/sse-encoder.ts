// OpenAI-style SSE output. Only unnamed `data:` events: openai-node treats a named event (`event: x`) as
// something other than a chunk. JSON.stringify escapes every line break, so each payload is one data line.

/** The last line of a stream that completed. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** One OpenAI SSE event carrying `value` as JSON. */
export function encodeSseData(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}
