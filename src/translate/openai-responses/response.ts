// A non-streaming Anthropic Messages answer -> a Responses API response object. The whole message runs
// through the stream machine as the events it would have been streamed as, so both paths build their
// output items with one set of rules.
import type { AnthropicResponse } from '../../wire/anthropic.ts';
import type { ResponseObject } from '../../wire/openai-responses.ts';
import { ResponsesStreamMachine, type ResponsesStreamOptions } from './stream.ts';

const ignore = (): void => undefined;

export function responseFromMessage(answer: AnthropicResponse, options: ResponsesStreamOptions): ResponseObject {
  const machine = new ResponsesStreamMachine(options);
  machine.handle({ type: 'message_start', message: { id: answer.id, model: answer.model, usage: answer.usage ?? null } }, ignore);
  const content = Array.isArray(answer.content) ? answer.content : [];
  content.forEach((block, index) => {
    // The upstream is not trusted to be well-formed: odd blocks are skipped.
    if (block === null || typeof block !== 'object') return;
    machine.handle({ type: 'content_block_start', index, content_block: block }, ignore);
    machine.handle({ type: 'content_block_stop', index }, ignore);
  });
  machine.handle({ type: 'message_delta', delta: { stop_reason: answer.stop_reason ?? null } }, ignore);
  machine.handle({ type: 'message_stop' }, ignore);
  return machine.response!;
}
